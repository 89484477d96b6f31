"""Waiting for a chart canvas in the redraw tests: shown, drawn once, and nothing queued."""

from __future__ import annotations


def settled(qtbot, *canvases) -> None:
    """Wait (without spinning processEvents) until no redraw is queued and no relayout is waiting."""
    qtbot.waitUntil(lambda: all(c.settled for c in canvases), timeout=5000)


def show_tab(w, qtbot, index: int):
    """Bring an answer tab forward and wait for its first full draw."""
    w.tabs.setCurrentIndex(index)
    canvas = w.answer_tabs[index].canvas
    qtbot.waitUntil(lambda: canvas.full_draw_count >= 1, timeout=5000)
    settled(qtbot, canvas)
    return canvas
