"""Several traffic classes: one shared endpoint against one endpoint per class.

The shared endpoint is one option (backend, instance, precision, TP) serving every class at the
strictest targets; a replica spends its time across the classes in proportion to their load, so
the replicas it needs are ``max over the week of Σ_i rate_i(h) / capacity_i`` (capacity_i: what one
replica serves of class i alone at the strict targets). That sum only grows when a class is added.
One endpoint per class is each class's own cheapest option at its own targets. The cheaper plan
that meets every class's targets is recommended, with the saving in dollars.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from lmi_explorer.models.estimate import Estimate, estimate
from lmi_explorer.models.estimate.pipeline import OptionRow, capacity_at, scenario_grid
from lmi_explorer.models.mix.day import HOURS_PER_WEEK, DayProfile, load_day_profiles
from lmi_explorer.models.reference.pricing import PriceTable
from lmi_explorer.models.scenario import Scenario
from lmi_explorer.models.scenario.mixture import CUSTOM_DAY, TrafficClass
from lmi_explorer.models.units import ms_per_token, seconds, usd

_FIT = 1e-9


def class_scenario(base: Scenario, cls: TrafficClass) -> Scenario:
    """The scenario of one class on its own endpoint; with a day shape, its peak is the shape's peak hour."""
    s = base.for_class(cls)
    if cls.day_profile:
        peak = class_peak(cls)
        if s.traffic.peak_to_average != peak:
            s = replace(s, traffic=replace(s.traffic, peak_to_average=peak))
    return s


def day_shape(name: str, custom: tuple[float, ...] = ()) -> DayProfile | None:
    """The shape a class follows: a shipped profile, the drawn one ('custom', 48 factors), or None."""
    if not name:
        return None
    if name == CUSTOM_DAY:
        return DayProfile(CUSTOM_DAY, "Custom (drawn)", tuple(custom[:24]), tuple(custom[24:]))
    return load_day_profiles()[name]


def class_peak(cls: TrafficClass) -> float:
    """The class's day shape's busiest hour over the week's average (6 decimals; 1.0 without a shape)."""
    return profile_peak(cls.day_profile, cls.custom_day)


def profile_peak(name: str, custom: tuple[float, ...] = ()) -> float:
    """A day shape's peak hour over the week's average, as a scenario stores it (6 decimals; 1.0 for none)."""
    shape = day_shape(name, custom)
    return max(1.0, round(shape.peak_to_average, 6)) if shape is not None else 1.0


def hourly_rates(cls: TrafficClass) -> np.ndarray:
    """The class's request rate in each of the week's 168 hours: its shape, or its peak all week."""
    t = cls.traffic
    shape = day_shape(cls.day_profile, cls.custom_day)
    if shape is not None:
        return t.requests_per_s * shape.week_factors()
    return np.full(HOURS_PER_WEEK, t.requests_per_s * t.peak_to_average)


def _option_text(r: OptionRow) -> str:
    tp = int(r["tensor_parallel"])
    return f"{r['backend_name']}: {int(r['instances'])} × {r['instance']} ({r['precision']}, TP {tp})"


@dataclass(frozen=True)
class ClassEndpoint:
    """One class on its own endpoint: its scenario, estimate and cheapest option (None: nothing fits)."""

    cls: TrafficClass
    scenario: Scenario
    estimate: Estimate
    option: OptionRow | None

    @property
    def monthly_usd(self) -> float:
        return float(self.option["monthly_usd"]) if self.option is not None else math.nan

    @property
    def text(self) -> str:
        if self.option is None:
            return f"{self.cls.name}: nothing fits its targets"
        return f"{self.cls.name}: {_option_text(self.option)} at {usd(self.monthly_usd, per='mo')}"


@dataclass(frozen=True)
class SharedEndpoint:
    """Every class on one endpoint at the strictest targets: the option, its instances and cost."""

    ttft_s: float
    tpot_ms: float
    option: OptionRow | None  # the option's row at the first class's strict-target estimate
    instances: int
    monthly_usd: float
    #: 168 hourly loads in replicas (Σ rate_i(h) / capacity_i) of the chosen option
    replica_load: np.ndarray = field(repr=False, default_factory=lambda: np.zeros(HOURS_PER_WEEK))
    reason: str = ""

    @property
    def text(self) -> str:
        if self.option is None:
            return f"One shared endpoint: {self.reason}"
        o = self.option
        return (
            f"One shared endpoint: {o['backend_name']}: {self.instances} × {o['instance']} ({o['precision']}, "
            f"TP {int(o['tensor_parallel'])}) at {usd(self.monthly_usd, per='mo')}, every class at "
            f"TTFT ≤ {seconds(self.ttft_s)} and TPOT ≤ {ms_per_token(self.tpot_ms)}"
        )


@dataclass(frozen=True)
class SplitComparison:
    """The two plans side by side and the pick."""

    shared: SharedEndpoint
    separate: tuple[ClassEndpoint, ...]
    notes: tuple[str, ...] = ()
    #: with day shapes and autoscaling: each plan's autoscaled monthly cost (compared instead of the fixed)
    shared_autoscaled_usd: float | None = None
    separate_autoscaled_usd: float | None = None
    #: with day shapes: each plan's simulated week (models.mix.week.ScenarioWeek), kept for the Day view
    shared_week: Any = None
    separate_week: Any = None

    @property
    def fixed_separate_usd(self) -> float:
        costs = [e.monthly_usd for e in self.separate]
        return float(sum(costs)) if all(math.isfinite(c) for c in costs) else math.nan

    @property
    def separate_usd(self) -> float:
        """One endpoint per class per month (autoscaled when the scenario autoscales)."""
        if self.separate_autoscaled_usd is not None and math.isfinite(self.fixed_separate_usd):
            return self.separate_autoscaled_usd
        return self.fixed_separate_usd

    @property
    def shared_usd(self) -> float:
        """The shared endpoint per month (autoscaled when the scenario autoscales)."""
        if self.shared_autoscaled_usd is not None and math.isfinite(self.shared.monthly_usd):
            return self.shared_autoscaled_usd
        return self.shared.monthly_usd

    @property
    def choice(self) -> str:
        """'separate', 'shared', or '' when neither plan meets every class's targets."""
        a, b = self.shared_usd, self.separate_usd
        if not math.isfinite(a) and not math.isfinite(b):
            return ""
        if not math.isfinite(a):
            return "separate"
        if not math.isfinite(b):
            return "shared"
        return "separate" if b < a else "shared"

    @property
    def monthly_usd(self) -> float:
        """The recommended plan's monthly cost (NaN when neither plan works)."""
        c = self.choice
        return self.separate_usd if c == "separate" else self.shared_usd if c == "shared" else math.nan

    @property
    def saving_usd(self) -> float:
        """What the pick saves per month against the other plan (NaN when only one works)."""
        a, b = self.shared_usd, self.separate_usd
        return abs(a - b) if math.isfinite(a) and math.isfinite(b) else math.nan

    @property
    def chosen(self) -> tuple[ClassEndpoint, ...] | SharedEndpoint | None:
        c = self.choice
        return self.separate if c == "separate" else self.shared if c == "shared" else None

    @property
    def summary(self) -> str:
        c = self.choice
        if not c:
            return "Traffic mix: neither one shared endpoint nor one per class meets every class's targets."
        n = len(self.separate)
        s = self.saving_usd
        saving = (
            f", saving {usd(s, per='mo')}"
            if math.isfinite(s) and s >= 0.5
            else " (the same as one endpoint per class: one endpoint is simpler)"
            if math.isfinite(s) and c == "shared"
            else ""
        )
        if c == "separate":
            return f"Traffic mix: one endpoint per class ({n}) at {usd(self.separate_usd, per='mo')}{saving}."
        return f"Traffic mix: one shared endpoint for all {n} classes at {usd(self.shared_usd, per='mo')}{saving}."

    def lines(self) -> list[str]:
        out = [self.summary, self.shared.text, *(f"Own endpoint — {e.text}" for e in self.separate)]
        if self.shared_autoscaled_usd is not None or self.separate_autoscaled_usd is not None:
            out.append(
                f"Autoscaled over the day: shared {usd(self.shared_usd, per='mo')}, "
                f"one per class {usd(self.separate_usd, per='mo')}."
            )
        return out


def shared_instances(
    hourly: np.ndarray, capacity: np.ndarray, per_instance: np.ndarray, utilisation: float, min_instances: int
) -> tuple[np.ndarray, np.ndarray]:
    """Instances each option needs to serve every class, and its hourly load in replicas.

    ``hourly`` (classes × 168): each class's requests/s per hour; ``capacity`` (classes × options):
    what one replica serves of that class alone (0 or NaN: it cannot); ``per_instance``: replicas
    one instance holds. Load(h) = Σ_i hourly_i(h) / capacity_i; replicas = ceil(max_h load / utilisation);
    an option that cannot serve some class needs infinitely many (instances -1).
    """
    cap = np.asarray(capacity, dtype=float)
    ok = np.all(np.isfinite(cap) & (cap > 0), axis=0)
    inv = np.where(np.isfinite(cap) & (cap > 0), 1.0 / np.where(cap > 0, cap, 1.0), 0.0)
    load = inv.T @ np.asarray(hourly, dtype=float)  # options × 168
    replicas = np.ceil(load.max(axis=1) / utilisation - _FIT).astype(np.int64)
    per = np.maximum(np.asarray(per_instance, dtype=np.int64), 1)
    instances = np.maximum(min_instances, -(-replicas // per))
    return np.where(ok, instances, -1), load


def _shared(
    base: Scenario, classes: tuple[TrafficClass, ...], prices: PriceTable | None, separate: list[ClassEndpoint]
) -> SharedEndpoint:
    """The cheapest option serving every class at the strictest targets.

    Stricter targets only lower what a replica serves, so only the options every class's own
    estimate found feasible can serve them all; their capacity at the strictest targets is asked of
    those configurations alone (a class already at the strictest targets keeps its own figures).
    """
    ttft = min(c.traffic.ttft_s for c in classes)
    tpot = min(c.traffic.tpot_ms for c in classes)
    cols = separate[0].estimate.columns
    n = len(cols["backend"])
    if any(len(e.estimate.columns["backend"]) != n for e in separate):  # one grid: shared model and deployment
        raise AssertionError("class estimates do not share an option grid")
    ok_all = np.ones(n, dtype=bool)
    for e in separate:
        ec = e.estimate.columns
        ok_all &= ec["fits"].astype(bool) & np.isfinite(ec["monthly_usd"].astype(float))
    rows = np.flatnonzero(ok_all)
    grid = scenario_grid(separate[0].scenario.single_class())
    capacity = np.zeros((len(classes), n))
    for k, (c, e) in enumerate(zip(classes, separate, strict=True)):
        if c.traffic.ttft_s == ttft and c.traffic.tpot_ms == tpot:
            capacity[k, rows] = e.estimate.columns["requests_per_s_per_replica"][rows]
            continue
        strict = class_scenario(base, replace(c, traffic=replace(c.traffic, ttft_s=ttft, tpot_ms=tpot)))
        capacity[k, rows] = capacity_at(strict.single_class(), grid.config[rows])
    hourly = np.array([hourly_rates(c) for c in classes])
    d = base.deployment
    instances, load = shared_instances(
        hourly, capacity, cols["replicas_per_instance"], d.target_utilisation, d.min_instances
    )
    monthly = instances * cols["hourly_usd"].astype(float) * d.hours_per_month
    ok = (instances >= 0) & np.isfinite(monthly)
    if not ok.any():
        return SharedEndpoint(
            ttft, tpot, None, 0, math.nan, reason="no option serves every class at the strictest targets"
        )
    order = np.lexsort((cols["tensor_parallel"][ok], cols["devices"][ok], monthly[ok]))
    i = int(np.flatnonzero(ok)[order[0]])
    row = separate[0].estimate.row(i)
    row["instances"] = int(instances[i])
    row["monthly_usd"] = float(monthly[i])
    return SharedEndpoint(ttft, tpot, row, int(instances[i]), float(monthly[i]), load[i])


def compare_split(scenario: Scenario, prices: PriceTable | None = None) -> SplitComparison | None:
    """Shared endpoint against one per class; None for a scenario with one class."""
    classes = scenario.classes()
    if len(classes) < 2:
        return None
    separate = []
    for c in classes:
        s = class_scenario(scenario, c)
        e = estimate(s, prices)
        rows = e.feasible_rows
        separate.append(ClassEndpoint(c, s, e, e.row(int(rows[0])) if len(rows) else None))
    notes = (
        "The shared endpoint's replicas split their time across the classes in proportion to their load; "
        "mixed batches and compiled backends' length bounds (sized per class here) are not modelled.",
    )
    split = SplitComparison(_shared(scenario, classes, prices, separate), tuple(separate), notes)
    if any(c.day_profile for c in classes):
        from lmi_explorer.models.mix.week import plan_weeks

        shared_week, separate_week = plan_weeks(scenario, split)
        split = replace(split, shared_week=shared_week, separate_week=separate_week)
        if scenario.load.autoscaling:
            split = replace(
                split,
                shared_autoscaled_usd=None if shared_week is None else shared_week.autoscaled_monthly_usd,
                separate_autoscaled_usd=None if separate_week is None else separate_week.autoscaled_monthly_usd,
                notes=(*notes, "Both plans are priced autoscaled over the classes' day shapes."),
            )
    return split
