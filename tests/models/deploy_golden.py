"""The scenarios the deployment golden files are made from (shared by the tests and the regeneration tool).

Default chatbot (vLLM on GPU), even summarisation traffic (TensorRT-LLM) and Inferentia at the
last release with LMI's NeuronX container (v16) and at the newest (vLLM on Neuron).
"""

from __future__ import annotations

from pathlib import Path

from lmi_explorer.models.decision import evaluate
from lmi_explorer.models.deploy import FORMATS, build
from lmi_explorer.models.estimate import estimate
from lmi_explorer.models.files import data_root
from lmi_explorer.models.scenario import Scenario, default_scenario, load

GOLDEN_DIR = Path(__file__).resolve().parent / "golden" / "deploy"


def golden_cases() -> dict[str, Scenario]:
    base = default_scenario()
    return {
        "default": base,
        "even_trtllm": load(data_root() / "scenarios" / "summarisation.json"),
        "inferentia_v16": base.with_changes(hardware="inferentia", lmi_release=16),
        "inferentia_latest": base.with_changes(hardware="inferentia"),
    }


def render_case(name: str) -> dict[str, str]:
    """Every format the case's recommended option has (refused formats are absent)."""
    scenario = golden_cases()[name]
    est = estimate(scenario)
    artifact = build(est, None, evaluate(scenario, est), scenario_file=f"{name}.json")
    return {f: artifact.render(f) for f in FORMATS if not artifact.refused.get(f)}
