"""A day's load with autoscaling: hourly traffic shapes, a new instance's start-up, one simulated week.

An endpoint sized for the average rate is too small at the daily peak; sized for the peak, it idles at
night. The week is simulated minute by minute so the monthly bill of an autoscaled fleet can be set
against a fixed one, with the share of requests that arrive while new instances are still starting.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from lmi_explorer.models.errors import DataError
from lmi_explorer.models.tables import Column, read_table
from lmi_explorer.models.units import percent, usd

HOURS = tuple(f"h{h:02d}" for h in range(24))
HOURS_PER_WEEK = 168
MINUTES_PER_WEEK = HOURS_PER_WEEK * 60
#: a ratio this close above a whole number of instances still fits in that number (float noise)
_FIT_TOLERANCE = 1e-9

DAY_PROFILE_SCHEMA: dict[str, Column] = {
    "profile": Column("str"),
    "day_kind": Column("str", choices=("weekday", "weekend")),
    "label": Column("str"),
    "description": Column("str", required=False),
    **{h: Column("float", minimum=0, maximum=1000) for h in HOURS},
}

STARTUP_SCHEMA: dict[str, Column] = {
    "key": Column("str"),
    "value": Column("float", minimum=0),
    "unit": Column("str"),
    "applies_to": Column("str"),
    "notes": Column("str", required=False),
}

#: startup.csv key of the compile time per billion parameters, by compiled engine
COMPILE_KEYS = {"trtllm": "compile_s_per_billion_trtllm", "neuron": "compile_s_per_billion_neuron"}


@dataclass(frozen=True, slots=True)
class DayProfile:
    """Relative request rate for each hour of a weekday and of a weekend day.

    Only the shape matters: ``week_factors`` rescales it so the week averages 1.0, and the
    rate at hour ``h`` of the week is then ``mean_rps * week_factors()[h]``.
    """

    name: str
    label: str
    weekday: tuple[float, ...]
    weekend: tuple[float, ...]
    description: str = ""
    source: str = ""

    def __post_init__(self) -> None:
        if len(self.weekday) != 24 or len(self.weekend) != 24:
            raise ValueError(f"{self.name}: a day profile needs 24 hourly factors for weekdays and for weekends.")
        if min(*self.weekday, *self.weekend) < 0:
            raise ValueError(f"{self.name}: hourly factors cannot be negative.")
        if 5 * sum(self.weekday) + 2 * sum(self.weekend) <= 0:
            raise ValueError(f"{self.name}: every hourly factor is zero; the shape needs some load.")

    def week_factors(self) -> np.ndarray:
        """168 hourly factors, Monday to Friday then Saturday and Sunday, averaging exactly 1.0."""
        week = np.array(self.weekday * 5 + self.weekend * 2, dtype=float)
        return week / week.mean()

    @property
    def peak_to_average(self) -> float:
        """The busiest hour's rate over the week's average: how much a peak-sized fleet idles."""
        return float(self.week_factors().max())


@lru_cache(maxsize=1)
def load_day_profiles() -> dict[str, DayProfile]:
    """The shipped 24-hour shapes (business hours, follow the sun, flat, nightly batch), by name."""
    table = read_table("traffic/day_profiles.csv", DAY_PROFILE_SCHEMA)
    rows: dict[str, dict[str, dict]] = {}
    for r in table.records:
        days = rows.setdefault(r["profile"], {})
        if r["day_kind"] in days:
            raise DataError(f"data/traffic/day_profiles.csv: '{r['profile']}' has two {r['day_kind']} rows.")
        days[r["day_kind"]] = r
    profiles: dict[str, DayProfile] = {}
    for name, days in rows.items():
        if set(days) != {"weekday", "weekend"}:
            raise DataError(f"data/traffic/day_profiles.csv: '{name}' needs a weekday and a weekend row.")
        try:
            profiles[name] = DayProfile(
                name,
                days["weekday"]["label"],
                tuple(days["weekday"][h] for h in HOURS),
                tuple(days["weekend"][h] for h in HOURS),
                days["weekday"]["description"] or "",
                days["weekday"]["source"],
            )
        except ValueError as exc:
            raise DataError(f"data/traffic/day_profiles.csv: {exc}") from None
    return profiles


@dataclass(frozen=True, slots=True)
class Autoscaling:
    """How the fleet follows the load.

    ``max_instances`` 0 means no limit. ``target_utilisation`` is the share of one instance's
    capacity the autoscaler aims to use (the headroom absorbs bursts inside a minute).
    ``scale_to_zero`` lets the fleet drop to no instances when no requests come.
    """

    enabled: bool = True
    min_instances: int = 1
    max_instances: int = 0
    target_utilisation: float = 0.7
    scale_to_zero: bool = False

    def __post_init__(self) -> None:
        if self.min_instances < 0 or self.max_instances < 0:
            raise ValueError("Instance limits cannot be negative.")
        if not 0 < self.target_utilisation <= 1:
            raise ValueError("Target utilisation must be above 0 and at most 1 (100 %).")
        if self.max_instances and self.max_instances < self.floor:
            raise ValueError(f"Maximum instances ({self.max_instances}) is below the minimum ({self.floor}).")

    @property
    def floor(self) -> int:
        """Fewest instances the autoscaler keeps: none with scale-to-zero, otherwise at least one."""
        return 0 if self.scale_to_zero else max(1, self.min_instances)


@lru_cache(maxsize=1)
def load_startup_figures() -> dict[str, float]:
    """The start-up figures of data/backends/startup.csv, by key."""
    table = read_table("backends/startup.csv", STARTUP_SCHEMA)
    return {r["key"]: r["value"] for r in table.records}


@dataclass(frozen=True, slots=True)
class StartupTime:
    """Seconds from ordering a new instance to its first served request, by stage."""

    provisioning_s: float
    load_s: float
    compile_s: float
    text: str

    @property
    def total_s(self) -> float:
        return self.provisioning_s + self.load_s + self.compile_s


def _secs(value: float) -> str:
    return f"{value:,.0f} s"


def startup_seconds(
    weights_gib: float, params_billion: float, compiled_kind: str | None, *, streaming_loader: bool = False
) -> StartupTime:
    """Time a new instance takes before it serves: provisioning, weight load, and a just-in-time compile.

    ``compiled_kind`` is None (no compile step: vLLM, or ahead-of-time compiled artefacts),
    ``"trtllm"`` or ``"neuron"``. ``streaming_loader`` uses the streaming loader's throughput
    instead of the standard download.
    """
    if weights_gib < 0 or params_billion < 0:
        raise ValueError("Weights and parameter count cannot be negative.")
    if compiled_kind is not None and compiled_kind not in COMPILE_KEYS:
        raise ValueError(f"Unknown compiled engine '{compiled_kind}'; expected {', '.join(COMPILE_KEYS)} or none.")
    figures = load_startup_figures()
    provisioning = figures["provisioning_s"]
    rate = figures["weight_load_gib_per_s_streaming" if streaming_loader else "weight_load_gib_per_s"]
    load = weights_gib / rate
    parts = [
        f"{_secs(provisioning)} provisioning",
        f"{weights_gib:,.1f} GiB at {rate:g} GiB/s = {_secs(load)} load",
    ]
    compile_s = 0.0
    if compiled_kind is not None:
        per_billion = figures[COMPILE_KEYS[compiled_kind]]
        compile_s = params_billion * per_billion
        engine = "TensorRT-LLM" if compiled_kind == "trtllm" else "Neuron"
        parts.append(f"{params_billion:,.1f} B params × {per_billion:g} s/B = {_secs(compile_s)} {engine} compile")
    total = provisioning + load + compile_s
    text = " + ".join(parts) + f" = {_secs(total)} ({total / 60:.1f} min)"
    return StartupTime(provisioning, load, compile_s, text)


@dataclass(frozen=True, slots=True, eq=False)
class WeekPlan:
    """One simulated week of an autoscaled fleet beside a fixed one, with monthly costs.

    The hourly arrays (168 values, Monday 00:00 first) are for a chart: the mean request rate,
    the mean number of instances serving and the mean number billed (billed includes
    instances still starting).
    """

    hourly_rps: np.ndarray
    hourly_serving: np.ndarray
    hourly_billed: np.ndarray
    mean_rps: float
    peak_rps: float
    startup_s: float
    instance_hours_week: float
    autoscaled_monthly_usd: float
    fixed_instances: int
    fixed_monthly_usd: float
    late_share: float

    @property
    def saving_usd(self) -> float:
        """Monthly saving of autoscaling over the fixed fleet (negative if it costs more)."""
        return self.fixed_monthly_usd - self.autoscaled_monthly_usd

    @property
    def peak_instances(self) -> int:
        return round(float(self.hourly_billed.max())) if self.hourly_billed.size else 0

    @property
    def text(self) -> str:
        """One line: the two bills, the saving, and the late share."""
        line = (
            f"Autoscaled {usd(self.autoscaled_monthly_usd, per='mo')} against {self.fixed_instances} fixed "
            f"instance(s) at {usd(self.fixed_monthly_usd, per='mo')}: saves {usd(self.saving_usd, per='mo')}"
        )
        if self.late_share > 0:
            line += (
                f"; {percent(self.late_share, 2)} of requests arrive beyond the serving capacity while new "
                f"instances start ({self.startup_s / 60:.1f} min each)"
            )
        return line


def _sliding_min(values: np.ndarray, window: int) -> np.ndarray:
    """Smallest of the last ``window`` values (this one included) at each position, wrapping round the week.

    Van Herk / Gil-Werman: block-wise running minima forwards and backwards, so the cost does not
    grow with the window (a compile of an hour is a 60-minute window).
    """
    n = values.size
    if window <= 1:
        return values.copy()
    if window >= n:
        return np.full(n, values.min(), dtype=values.dtype)
    extended = np.concatenate([values[n - window + 1 :], values])
    blocks = -(-extended.size // window)
    padded = np.full(blocks * window, np.iinfo(values.dtype).max, dtype=values.dtype)
    padded[: extended.size] = extended
    grid = padded.reshape(blocks, window)
    forward = np.minimum.accumulate(grid, axis=1).ravel()
    backward = np.minimum.accumulate(grid[:, ::-1], axis=1)[:, ::-1].ravel()
    return np.minimum(backward[:n], forward[window - 1 : window - 1 + n])


def plan_week(
    mean_rps: float,
    factors168: np.ndarray,
    capacity_rps: float,
    hourly_usd: float,
    autoscaling: Autoscaling,
    startup_s: float,
    hours_per_month: float = 730.0,
) -> WeekPlan:
    """Simulate one week at one-minute steps and price the autoscaled and the fixed fleet per month.

    The rate is ``mean_rps * factor``, interpolated linearly between hour midpoints and wrapping
    from Sunday night into Monday (the week repeats, so it starts in its own steady state).
    ``capacity_rps`` is what one instance serves within the latency targets. Each minute the
    autoscaler wants ``ceil(rate / (capacity_rps * target_utilisation))`` instances within its
    limits; a new instance is billed from the minute it is ordered but serves only ``startup_s``
    later, and instances are removed at once (the newest first). Requests beyond the serving
    capacity in a minute are served late. The fixed fleet holds the peak hour all week.

    The autoscaler sees each minute's rate as it happens; the time to notice a rise (metric
    period, alarm) can be added to ``startup_s``, since both only delay the serving instance.
    """
    factors = np.asarray(factors168, dtype=float)
    if factors.shape != (HOURS_PER_WEEK,):
        raise ValueError(f"A week has {HOURS_PER_WEEK} hourly factors, not {factors.size}.")
    if not np.all(np.isfinite(factors)) or factors.min() < 0:
        raise ValueError("Hourly factors must be finite and not negative.")
    for name, value in (("mean rate", mean_rps), ("hourly price", hourly_usd), ("start-up time", startup_s)):
        if not math.isfinite(value) or value < 0:
            raise ValueError(f"The {name} must be a finite number, not negative.")
    if not math.isfinite(capacity_rps) or capacity_rps <= 0:
        raise ValueError("One instance's capacity must be a positive number of requests per second.")

    minutes_h = (np.arange(MINUTES_PER_WEEK) + 0.5) / 60.0
    rate = np.interp(minutes_h, np.arange(HOURS_PER_WEEK) + 0.5, factors * mean_rps, period=HOURS_PER_WEEK)
    per_instance = capacity_rps * autoscaling.target_utilisation
    peak_rps = float(factors.max() * mean_rps)
    fixed = max(max(1, autoscaling.min_instances), math.ceil(peak_rps / per_instance - _FIT_TOLERANCE))

    if autoscaling.enabled:
        wanted = np.ceil(rate / per_instance - _FIT_TOLERANCE)
        ceiling = autoscaling.max_instances or np.inf
        billed = np.clip(wanted, autoscaling.floor, ceiling).astype(np.int32)
        # With the newest removed first, an instance serving at minute m has been wanted without a break
        # since it was ordered, so the serving count is the smallest wanted fleet over the last start-up.
        whole, part = divmod(startup_s / 60.0, 1.0)
        within = _sliding_min(billed, int(whole) + 1)
        if part > 0:  # the instances ordered exactly ``whole`` minutes ago serve the minute's last part
            # one value further back than ``within``'s window: the minute ordered ``whole + 1`` ago
            before = np.minimum(within, np.roll(billed, int(whole) + 1))
            serving = before + (within - before) * (1.0 - part)
        else:
            serving = within.astype(float)
    else:
        billed = np.full(MINUTES_PER_WEEK, fixed, dtype=np.int64)
        serving = billed.astype(float)

    late = np.maximum(rate - serving * capacity_rps, 0.0)
    total = float(rate.sum())
    late_share = float(late.sum() / total) if total > 0 else 0.0
    instance_hours = float(billed.sum()) / 60.0
    scale = hours_per_month / HOURS_PER_WEEK
    hourly = (HOURS_PER_WEEK, 60)

    def frozen(a: np.ndarray) -> np.ndarray:
        a = a.reshape(hourly).mean(axis=1)
        a.setflags(write=False)
        return a

    return WeekPlan(
        hourly_rps=frozen(rate),
        hourly_serving=frozen(serving),
        hourly_billed=frozen(billed.astype(float)),
        mean_rps=float(mean_rps),
        peak_rps=peak_rps,
        startup_s=float(startup_s),
        instance_hours_week=instance_hours,
        autoscaled_monthly_usd=instance_hours * hourly_usd * scale,
        fixed_instances=fixed,
        fixed_monthly_usd=fixed * hourly_usd * hours_per_month,
        late_share=late_share,
    )
