"""A scenario's week: each endpoint of the recommended plan simulated over its day shapes.

One class: the recommendation's option. Several classes: the shared endpoint (its load in
replicas, summed over the classes) or each class's own endpoint, whichever the split comparison
picked. Nothing here without a day profile: the estimate then prices the peak all month.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from lmi_explorer.models.estimate import Estimate
from lmi_explorer.models.estimate.pipeline import OptionRow
from lmi_explorer.models.mix.classes import SplitComparison, hourly_rates
from lmi_explorer.models.mix.day import (
    Autoscaling,
    StartupTime,
    WeekPlan,
    plan_week,
    startup_seconds,
)
from lmi_explorer.models.scenario import Scenario
from lmi_explorer.models.units import percent, usd

#: backends that compile the model when an instance starts, by startup.csv engine
COMPILE_KIND = {"trtllm": "trtllm", "tnx": "neuron", "vllm-neuron": "neuron"}


@dataclass(frozen=True)
class EndpointWeek:
    """One endpoint's simulated week, with what its start-up is made of."""

    label: str
    option: str
    plan: WeekPlan
    startup: StartupTime


@dataclass(frozen=True)
class ScenarioWeek:
    """Every endpoint of the plan over the week, and the totals an SA quotes."""

    endpoints: tuple[EndpointWeek, ...]
    autoscaling: bool

    @property
    def autoscaled_monthly_usd(self) -> float:
        return float(sum(e.plan.autoscaled_monthly_usd for e in self.endpoints))

    @property
    def fixed_monthly_usd(self) -> float:
        return float(sum(e.plan.fixed_monthly_usd for e in self.endpoints))

    @property
    def monthly_usd(self) -> float:
        """What the plan costs: autoscaled when autoscaling is on, else the fixed fleet."""
        return self.autoscaled_monthly_usd if self.autoscaling else self.fixed_monthly_usd

    @property
    def late_share(self) -> float:
        """Requests arriving beyond the serving capacity while instances start, over all requests."""
        total = sum(e.plan.mean_rps for e in self.endpoints)
        late = sum(e.plan.late_share * e.plan.mean_rps for e in self.endpoints)
        return late / total if total > 0 else 0.0

    @property
    def hourly_rps(self) -> np.ndarray:
        return np.sum([e.plan.hourly_rps for e in self.endpoints], axis=0)

    @property
    def hourly_billed(self) -> np.ndarray:
        return np.sum([e.plan.hourly_billed for e in self.endpoints], axis=0)

    @property
    def hourly_serving(self) -> np.ndarray:
        return np.sum([e.plan.hourly_serving for e in self.endpoints], axis=0)

    @property
    def summary(self) -> str:
        saving = self.fixed_monthly_usd - self.autoscaled_monthly_usd
        if not self.autoscaling:
            return (
                f"Fixed fleet for the peak hour: {usd(self.fixed_monthly_usd, per='mo')} "
                f"(autoscaling would cost {usd(self.autoscaled_monthly_usd, per='mo')}, saving "
                f"{usd(saving, per='mo')}; {percent(self.late_share, 2)} served late)"
            )
        return (
            f"Autoscaled {usd(self.autoscaled_monthly_usd, per='mo')} against {usd(self.fixed_monthly_usd, per='mo')} "
            f"fixed for the peak hour: saves {usd(saving, per='mo')}; {percent(self.late_share, 2)} of requests "
            "served late while instances start"
        )


def _startup(est: Estimate, row: OptionRow) -> StartupTime:
    kind = COMPILE_KIND.get(str(row["backend"]))
    params = est.model.params_billion
    return startup_seconds(float(row["weights_gib"]), params, kind)


def _autoscaling(s: Scenario) -> Autoscaling:
    d, ld = s.deployment, s.load
    return Autoscaling(
        enabled=ld.autoscaling,
        min_instances=d.min_instances,
        max_instances=ld.max_instances,
        target_utilisation=d.target_utilisation,
        scale_to_zero=ld.scale_to_zero,
    )


def _label(row: OptionRow) -> str:
    return f"{row['backend_name']} on {row['instance']} ({row['precision']}, TP {int(row['tensor_parallel'])})"


def _option_week(s: Scenario, est: Estimate, row: OptionRow, rates: np.ndarray, label: str) -> EndpointWeek:
    """An option serving ``rates`` (168 hourly requests/s) of one class."""
    per_instance = float(row["requests_per_s_per_replica"]) * max(int(row["replicas_per_instance"]), 1)
    start = _startup(est, row)
    mean = float(rates.mean())
    factors = rates / mean if mean > 0 else np.ones_like(rates)
    plan = plan_week(
        mean,
        factors,
        per_instance,
        float(row["hourly_usd"]),
        _autoscaling(s),
        start.total_s,
        s.deployment.hours_per_month,
    )
    return EndpointWeek(label, _label(row), plan, start)


def scenario_week(s: Scenario, est: Estimate, split: SplitComparison | None = None) -> ScenarioWeek | None:
    """The plan's week, or None when no class has a day profile (the peak all month applies)."""
    classes = s.classes()
    if not any(c.day_profile for c in classes):
        return None
    if split is None:
        rows = est.feasible_rows
        if not len(rows):
            return None
        cls = classes[0]
        row = est.row(int(rows[0]))
        return ScenarioWeek((_option_week(s, est, row, hourly_rates(cls), cls.name),), s.load.autoscaling)
    # the comparison simulated both plans' weeks (any class with a day shape makes it do so)
    shared, separate = split.shared_week, split.separate_week
    return separate if split.choice == "separate" else shared if split.choice == "shared" else None


def plan_weeks(s: Scenario, split: SplitComparison) -> tuple[ScenarioWeek | None, ScenarioWeek | None]:
    """The week of each plan: the shared endpoint, and one endpoint per class (None where nothing fits)."""
    classes = s.classes()
    separate: ScenarioWeek | None = None
    if all(e.option is not None for e in split.separate):
        separate = ScenarioWeek(
            tuple(
                _option_week(e.scenario, e.estimate, e.option, hourly_rates(e.cls), e.cls.name)
                for e in split.separate
                if e.option is not None
            ),
            s.load.autoscaling,
        )
    row = split.shared.option
    if row is None:
        return None, separate
    # simulated in replicas of work: one instance holds replicas_per_instance of them
    load = split.shared.replica_load
    mean = float(load.mean())
    start = _startup(split.separate[0].estimate, row)
    per = max(int(row["replicas_per_instance"]), 1)
    plan = plan_week(
        mean,
        load / mean if mean > 0 else np.ones_like(load),
        float(per),
        float(row["hourly_usd"]),
        _autoscaling(s),
        start.total_s,
        s.deployment.hours_per_month,
    )
    plan = _with_rates(plan, np.sum([hourly_rates(c) for c in classes], axis=0))
    shared = ScenarioWeek((EndpointWeek("All classes", _label(row), plan, start),), s.load.autoscaling)
    return shared, separate


def _with_rates(plan: WeekPlan, rps: np.ndarray) -> WeekPlan:
    """The plan with its load shown as requests/s (it was simulated in replicas of work)."""
    return replace(plan, hourly_rps=rps, mean_rps=float(rps.mean()), peak_rps=float(rps.max()))


__all__ = ["COMPILE_KIND", "EndpointWeek", "ScenarioWeek", "plan_weeks", "scenario_week"]
