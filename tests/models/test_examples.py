"""The shipped example scenarios open, match what `lmi-explorer scenario` writes, and estimate."""

from __future__ import annotations

import json

import pytest

from lmi_explorer.models.cli import main
from lmi_explorer.models.files import data_root
from lmi_explorer.models.scenario import dumps, load
from lmi_explorer.models.scenario.examples import example_scenario, preset_changes
from lmi_explorer.models.traffic import load_presets

EXAMPLES = {"default": None, **{p: p for p in load_presets()}}


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_every_example_ships_and_matches_the_command(name):
    path = data_root() / "scenarios" / f"{name}.json"
    scenario = load(path)
    assert dumps(scenario) == dumps(example_scenario(EXAMPLES[name]))


def test_a_preset_example_carries_the_presets_traffic():
    s = example_scenario("summarisation")
    p = load_presets()["summarisation"]
    assert (s.traffic.input_mean, s.traffic.output_mean) == (p.input_mean, p.output_mean)
    assert s.traffic.input_cv == p.input_cv
    assert s.traffic.preset == "summarisation"
    assert s.name == "Summarisation example"


def test_the_scenario_command_writes_a_file_that_estimates(tmp_path, capsys):
    out = tmp_path / "rag.json"
    assert main(["scenario", "--preset", "rag", "--out", str(out)]) == 0
    assert load(out).traffic.preset == "rag"
    capsys.readouterr()
    assert main(["estimate", str(out), "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["recommendation"]["instance"]


def test_the_scenario_command_prints_json_without_out(capsys):
    assert main(["scenario"]) == 0
    assert json.loads(capsys.readouterr().out)["schema_version"] >= 3


def test_an_unknown_preset_is_refused(capsys):
    assert main(["scenario", "--preset", "podcast"]) == 2
    assert "invalid choice: 'podcast'" in capsys.readouterr().err
    with pytest.raises(Exception, match="'podcast' is unknown"):
        preset_changes("podcast")
