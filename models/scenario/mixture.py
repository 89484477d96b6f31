"""Traffic beyond one shape: more named classes, and a day's load with autoscaling.

Both are optional: a scenario without them is the single-class, peak-all-month scenario earlier
files describe, and estimates it exactly as before.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lmi_explorer.models.scenario.model import Traffic


@dataclass(frozen=True, slots=True)
class TrafficClass:
    """One use case: its own lengths, rate, peak and latency targets, and optionally its own day shape.

    ``day_profile`` names a shape in ``data/traffic/day_profiles.csv`` ('' = the same load all day).
    """

    name: str
    traffic: Traffic
    day_profile: str = ""


@dataclass(frozen=True, slots=True)
class Load:
    """How the load moves over the day and how the fleet follows it.

    ``day_profile`` '' keeps the old rule (the peak all month). With a profile, ``autoscaling``
    prices a fleet that follows it (``max_instances`` 0 = no limit; ``scale_to_zero`` where the
    platform allows it) against the fixed fleet sized for the peak hour. The minimum instances and
    target utilisation are the deployment's.
    """

    day_profile: str = ""
    autoscaling: bool = False
    max_instances: int = 0
    scale_to_zero: bool = False
