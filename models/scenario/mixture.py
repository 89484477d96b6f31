"""Traffic beyond one shape: more named classes, and a day's load with autoscaling.

Both are optional: a scenario without them is the single-class, peak-all-month scenario earlier
files describe, and estimates it exactly as before.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lmi_explorer.models.scenario.model import Traffic

#: the day-profile name of a shape drawn by the user (kept in the scenario, not in the shipped table)
CUSTOM_DAY = "custom"


@dataclass(frozen=True, slots=True)
class TrafficClass:
    """One use case: its own lengths, rate, peak and latency targets, and optionally its own day shape.

    ``day_profile`` names a shape in ``data/traffic/day_profiles.csv`` ('' = the same load all day).
    """

    name: str
    traffic: Traffic
    day_profile: str = ""
    #: with ``day_profile`` 'custom': 24 weekday then 24 weekend hourly factors (the main traffic's, drawn)
    custom_day: tuple[float, ...] = ()


@dataclass(frozen=True, slots=True)
class Load:
    """How the load moves over the day and how the fleet follows it.

    ``day_profile`` '' keeps the old rule (the peak all month). With a profile, ``autoscaling``
    prices a fleet that follows it (``max_instances`` 0 = no limit; ``scale_to_zero`` where the
    platform allows it) against the fixed fleet sized for the peak hour. The minimum instances and
    target utilisation are the deployment's. ``day_profile`` 'custom' uses ``weekday`` and ``weekend``.
    """

    day_profile: str = ""
    autoscaling: bool = False
    max_instances: int = 0
    scale_to_zero: bool = False
    #: with ``day_profile`` 'custom': the drawn shape, 24 hourly factors each (any scale: only the shape counts)
    weekday: tuple[float, ...] = ()
    weekend: tuple[float, ...] = ()
