"""Starting `lmi-explorer` with a typo, stray arguments or no display: one line, exit code 2, no window."""

from __future__ import annotations

import pytest

from lmi_explorer.gui.app import display_problem, main


@pytest.fixture
def no_window(monkeypatch):
    opened = []
    monkeypatch.setattr("lmi_explorer.gui.app.run_window", lambda args: opened.append(args) or 0)
    return opened


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["estimat", "plan.json", "--format", "json"], "unknown command 'estimat'; use one of estimate, catalog"),
        (["a.json", "b.json"], "the window opens one scenario file, not 2"),
        (["--bogus"], "unknown option '--bogus'"),
        (["missing-plan.json"], "missing-plan.json: no such file"),
    ],
)
def test_bad_arguments_say_so_and_open_no_window(argv, message, no_window, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err
    assert err.count("\n") == 1
    assert no_window == []


def test_a_scenario_file_opens_the_window(no_window, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "plan.json").write_text("{}")
    assert main(["plan.json"]) == 0
    assert no_window == [["plan.json"]]


def test_no_display_names_the_headless_commands(no_window, capsys):
    problem = display_problem({}, "linux")
    assert problem is not None
    assert "DISPLAY is not set" in problem
    assert "estimate, catalog, calibrate, deploy, scenario, prices, export" in problem


def test_a_dead_x_display_is_named():
    assert "the display :93 cannot be opened" in (display_problem({"DISPLAY": ":93"}, "linux") or "")


@pytest.mark.parametrize(
    "env",
    [{"QT_QPA_PLATFORM": "offscreen"}, {"WAYLAND_DISPLAY": "wayland-0"}],
)
def test_offscreen_and_wayland_need_no_x_display(env):
    assert display_problem(env, "linux") is None


def test_other_systems_always_have_a_display():
    assert display_problem({}, "darwin") is None
    assert display_problem({}, "win32") is None


def test_main_refuses_to_start_without_a_display(no_window, capsys, monkeypatch):
    monkeypatch.delenv("QT_QPA_PLATFORM", raising=False)
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.setattr("sys.platform", "linux")
    assert main([]) == 2
    assert "no display to open the window on" in capsys.readouterr().err
    assert no_window == []
