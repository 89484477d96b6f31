"""Example scenarios: the default one, and one per traffic preset (shipped as ``data/scenarios/*.json``)."""

from __future__ import annotations

from lmi_explorer.models.errors import DataError
from lmi_explorer.models.scenario.model import Scenario, default_scenario
from lmi_explorer.models.traffic import load_presets


def preset_changes(preset: str) -> dict[str, object]:
    """The traffic fields a preset sets: its lengths, spreads and latency targets (the rate is kept)."""
    presets = load_presets()
    if preset not in presets:
        raise DataError(f"preset: '{preset}' is unknown; use one of {', '.join(presets)}.")
    p = presets[preset]
    return {
        "preset": preset,
        "input_mean": p.input_mean,
        "input_cv": p.input_cv,
        "output_mean": p.output_mean,
        "output_cv": p.output_cv,
        "ttft_s": p.ttft_s,
        "tpot_ms": p.tpot_ms,
    }


def example_scenario(preset: str | None = None) -> Scenario:
    """The default scenario, or the default with a traffic preset applied and named after it."""
    if preset is None:
        return default_scenario()
    label = load_presets()[preset].label if preset in load_presets() else preset
    return default_scenario().with_changes(name=f"{label} example", **preset_changes(preset))
