"""Nothing lost: a failed save keeps the old file and the unsaved changes; a killed save never leaves half a file."""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import pytest

from lmi_explorer.models.scenario import load, save
from lmi_explorer.models.scenario.autosave import read_autosave, write_autosave

ROOT = Path(__file__).resolve().parents[2]


def make_read_only(folder: Path, monkeypatch) -> None:
    """Make ``folder`` read-only; as root (where permissions do not bind) refuse new files there too."""
    folder.chmod(0o555)
    if os.access(folder, os.W_OK):
        real = tempfile.mkstemp

        def refuse(*args, dir=None, **kwargs):  # noqa: A002 - mkstemp's own keyword
            if dir is not None and Path(dir) == folder:
                raise PermissionError(errno.EACCES, "Permission denied", str(folder))
            return real(*args, dir=dir, **kwargs)

        monkeypatch.setattr(tempfile, "mkstemp", refuse)


def fill_the_disk(monkeypatch) -> None:
    """Every atomic write runs out of space half-way through its payload (ENOSPC)."""
    real = os.fdopen

    class Full:
        def __init__(self, fh) -> None:
            self.fh = fh

        def __enter__(self):
            return self

        def __exit__(self, *exc) -> None:
            self.fh.close()

        def write(self, data: bytes) -> int:
            self.fh.write(data[: len(data) // 2])
            raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fdopen", lambda fd, *a, **k: Full(real(fd, *a, **k)))


FAILURES = {"read-only folder": make_read_only, "full disk": lambda folder, mp: fill_the_disk(mp)}


@pytest.mark.parametrize("failure", FAILURES)
def test_failed_save_keeps_the_old_file(failure, make_scenario, tmp_path, monkeypatch):
    folder = tmp_path / "scenarios"
    folder.mkdir()
    path = folder / "plan.json"
    save(make_scenario(name="Old plan"), path)
    before = path.read_bytes()
    FAILURES[failure](folder, monkeypatch)
    with pytest.raises(OSError, match=r"Permission denied|No space left on device"):
        save(make_scenario(name="New plan", requests_per_s=9.0), path)
    monkeypatch.undo()
    folder.chmod(0o755)
    assert path.read_bytes() == before
    assert load(path).name == "Old plan"
    assert sorted(p.name for p in folder.iterdir()) == ["plan.json"]  # no temporary left behind


@pytest.mark.parametrize("failure", FAILURES)
def test_failed_save_in_the_window_keeps_the_document_unsaved(
    failure, make_window, make_scenario, tmp_path, monkeypatch
):
    from PySide6.QtWidgets import QMessageBox

    folder = tmp_path / "scenarios"
    folder.mkdir()
    path = folder / "plan.json"
    save(make_scenario(name="Old plan"), path)
    w = make_window()
    assert w.documents.open(path)
    w.qstate.update(name="New plan", requests_per_s=9.0)
    edited = w.qstate.scenario
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "critical", lambda *a, **k: shown.append(a[2]))
    FAILURES[failure](folder, monkeypatch)
    assert not w.documents.save()
    folder.chmod(0o755)
    assert len(shown) == 1
    assert "plan.json" in shown[0] and ("Permission denied" in shown[0] or "No space left on device" in shown[0])
    assert "Save As" in shown[0]
    assert w.isWindowModified() and w.documents.dirty
    assert w.qstate.scenario == edited
    assert load(path).name == "Old plan"
    assert [p.name for p in folder.iterdir()] == ["plan.json"]


# --------------------------------------------------------------------------- killed mid-save


def _big_scenario_script(target: Path, call: str) -> str:
    """A child that writes a ~1 MB scenario (a long own price list) over and over, numbering each."""
    return textwrap.dedent(f"""
        import sys
        from pathlib import Path
        from lmi_explorer.models.scenario.autosave import write_autosave
        from lmi_explorer.models.scenario import PriceList, default_scenario, save
        rows = "".join(f"x{{i}}.xlarge,us-east-1,sagemaker,1.0,quote {{i:06d}},2026-11\\n" for i in range(18000))
        prices = PriceList("big.csv", "instance,region,platform,usd_per_hour,source,as_of\\n" + rows)
        base = default_scenario().with_changes(price_list=prices)
        target = Path({str(target)!r})
        for i in range(1_000_000):
            scenario = base.with_changes(name=f"generation {{i}}", requests_per_s=1.0 + i % 50)
            {call}
            if i == 0:
                print("ready", flush=True)
        """)


def _kill_mid_write(script: str, *, rounds: int) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for k in range(rounds):
        with subprocess.Popen(
            [sys.executable, "-c", script], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True
        ) as child:
            try:
                assert child.stdout is not None and child.stdout.readline().strip() == "ready"
                time.sleep(0.05 + 0.09 * k)  # land at different points of a write
            finally:
                child.send_signal(signal.SIGKILL)
                child.wait(timeout=30)
        assert child.returncode == -signal.SIGKILL


def test_a_save_killed_mid_write_leaves_a_complete_file(tmp_path):
    target = tmp_path / "plan.json"
    _kill_mid_write(_big_scenario_script(target, "save(scenario, target)"), rounds=3)
    s = load(target)  # complete and valid: the old or the new generation, never a mix
    assert s.name.startswith("generation ")
    assert len(s.prices().frame) == 18000
    # any leftover is a hidden temporary that the Open dialog (*.json) and drag-and-drop ignore ...
    leftovers = [p for p in tmp_path.iterdir() if p != target]
    assert all(p.name.startswith(".plan.json.") and p.suffix == ".tmp" for p in leftovers), leftovers
    assert [p for p in tmp_path.iterdir() if p.suffix == ".json"] == [target]
    # ... and the next save of that file sweeps it away once it is clearly stale
    for p in leftovers:
        os.utime(p, (time.time() - 3600, time.time() - 3600))
    save(s.with_changes(name="after the crash"), target)
    assert sorted(tmp_path.iterdir()) == [target]
    assert load(target).name == "after the crash"


def test_the_autosave_survives_a_kill_and_is_restored(tmp_path, make_window, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    from lmi_explorer.gui import documents

    autosave = tmp_path / "autosave.json"
    original = tmp_path / "plan.json"
    _kill_mid_write(
        _big_scenario_script(autosave, f"write_autosave(target, scenario, Path({str(original)!r}))"), rounds=2
    )
    recovered = read_autosave(autosave)
    assert recovered.scenario.name.startswith("generation ")
    assert recovered.path == original
    assert recovered.saved_at <= time.time()
    # the window offers exactly that scenario after the crash
    monkeypatch.setattr(documents, "autosave_path", lambda: autosave)
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    w = make_window()
    assert w.documents.offer_restore()
    assert w.qstate.scenario == recovered.scenario
    assert w.documents.path == original
    assert w.isWindowModified()


def test_a_damaged_autosave_is_discarded_not_fatal(tmp_path, make_scenario, make_window, monkeypatch):
    from lmi_explorer.gui import documents

    autosave = tmp_path / "autosave.json"
    write_autosave(autosave, make_scenario(name="Unsaved"), None)
    autosave.write_bytes(autosave.read_bytes()[:100])
    monkeypatch.setattr(documents, "autosave_path", lambda: autosave)
    w = make_window()
    before = w.qstate.scenario
    assert not w.documents.offer_restore()
    assert not autosave.exists()
    assert w.qstate.scenario == before
