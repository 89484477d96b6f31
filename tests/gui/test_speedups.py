"""The speed-ups on private matplotlib and PySide6 internals (gui/speedups.py): the same pixels with and
without them, off on a version they were not checked on or when a private name is gone, and off altogether
with LMI_NO_SPEEDUPS=1."""

from __future__ import annotations

import sys

import numpy as np
import pytest
from matplotlib.backends.backend_agg import RendererAgg

from lmi_explorer.gui import speedups
from tests.gui.canvas_waits import settled, show_tab

DECISION, COST, MEMORY, BREAKEVEN = 0, 1, 2, 4


@pytest.fixture
def back_as_configured():
    """Each test leaves the speed-ups as the environment says (as the rest of the suite runs)."""
    yield
    speedups.install()


def step(w, qtbot, canvas, notches: int) -> None:
    """Move the request-rate slider as the arrow keys do, and wait for the redraw."""
    slider = w.traffic_panel.sliders["requests_per_s"].slider
    action = slider.SliderAction.SliderSingleStepAdd if notches > 0 else slider.SliderAction.SliderSingleStepSub
    for _ in range(abs(notches)):
        slider.triggerAction(action)
    settled(qtbot, canvas)


def pixels(canvas) -> np.ndarray:
    return np.asarray(canvas.buffer_rgba()).copy()


@pytest.mark.parametrize("tab", [DECISION, COST, MEMORY, BREAKEVEN], ids=["decision", "cost", "memory", "breakeven"])
def test_a_slider_redraw_without_speedups_has_the_same_pixels(make_window, qtbot, back_as_configured, tab):
    speedups.install(enabled=True)
    w = make_window()
    canvas = show_tab(w, qtbot, tab)
    step(w, qtbot, canvas, 1)
    assert type(canvas.renderer) is speedups.renderer_class()
    on = pixels(canvas)

    speedups.install(enabled=False)
    assert not any(s.active for s in speedups.report())
    canvas.draw()  # a full redraw from scratch, with the plain public renderer
    assert type(canvas.renderer) is RendererAgg
    assert np.array_equal(pixels(canvas), on)
    step(w, qtbot, canvas, -1)
    step(w, qtbot, canvas, 1)  # the same slider redraw, now on the public path
    assert np.array_equal(pixels(canvas), on)


def test_the_switch_turns_every_speedup_off_and_puts_the_originals_back(monkeypatch, back_as_configured):
    import matplotlib.text as mtext
    import shibokensupport.feature as feature

    speedups.install(enabled=True)
    bounded = mtext._get_text_metrics_with_cache_impl
    try:
        with monkeypatch.context() as m:
            m.setenv(speedups.ENV_SWITCH, "1")
            report = speedups.install()
            assert [s.name for s in report] == [s.name for s in speedups.SPEEDUPS]
            assert all(not s.active and s.reason == "switched off (LMI_NO_SPEEDUPS=1)" for s in report)
            assert speedups.renderer_class() is RendererAgg
            assert mtext._get_text_metrics_with_cache_impl is not bounded
            assert mtext._get_text_metrics_with_cache_impl.cache_parameters()["maxsize"] != speedups.TEXT_METRICS_CACHE
            assert "_read_file_import_check" not in feature._mod_uses_pyside.__qualname__  # PySide6's own check
    finally:
        speedups.install()


def test_an_unlisted_version_turns_a_speedup_off_and_says_why(monkeypatch, back_as_configured):
    real = speedups.installed_version
    try:
        with monkeypatch.context() as m:
            m.delenv(speedups.ENV_SWITCH, raising=False)
            before = {s.name: s for s in speedups.install()}
            m.setattr(speedups, "installed_version", lambda p: "3.11.0" if p == "matplotlib" else real(p))
            status = {s.name: s for s in speedups.install()}
            for name in ("text-bitmaps", "text-metrics-bound"):
                assert not status[name].active
                assert status[name].reason == "matplotlib 3.11.0 is not a version it was checked on (3.10)"
            assert speedups.renderer_class() is RendererAgg
            assert status["pyside-import-check"] == before["pyside-import-check"]  # PySide6 is not in question
            assert "text-bitmaps off: matplotlib 3.11.0 is not a version it was checked on" in speedups.report_line()
    finally:
        speedups.install()


def test_a_missing_private_name_turns_a_speedup_off_and_says_why(monkeypatch, back_as_configured):
    import shibokensupport.feature as feature

    try:
        speedups.install(enabled=False)  # PySide6's own check back in place
        with monkeypatch.context() as m:
            m.delenv(speedups.ENV_SWITCH, raising=False)
            m.delattr(feature, "_mod_uses_pyside")
            status = {s.name: s for s in speedups.install()}
            assert not status["pyside-import-check"].active
            assert status["pyside-import-check"].reason == "shibokensupport.feature._mod_uses_pyside is missing"
            assert not hasattr(feature, "_mod_uses_pyside")  # nothing put in its place
    finally:
        speedups.install()


def test_importing_the_module_imports_no_matplotlib():
    """The PySide6 speed-up goes in before matplotlib is imported (it speeds that import up)."""
    import subprocess

    code = "import sys, lmi_explorer.gui.speedups; print('matplotlib' in sys.modules, 'PySide6' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]
