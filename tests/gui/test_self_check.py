"""The self-check mode that proves an install or a bundle has what it needs."""

from __future__ import annotations

from lmi_explorer.gui.app import main


def test_self_check_passes(capsys):
    assert main(["--self-check"]) == 0
    out = capsys.readouterr().out
    assert "self-check passed" in out
    for step in ("data", "estimate", "charts", "window", "export"):
        assert f"self-check {step}: ok" in out


def test_self_check_names_the_failing_step(monkeypatch, capsys):
    import lmi_explorer.models.reference.catalog as catalog_module

    def broken():
        raise OSError("data/catalog/models.csv missing")

    monkeypatch.setattr(catalog_module, "load_catalog", broken)
    assert main(["--self-check"]) == 1
    assert "self-check FAILED at data: OSError: data/catalog/models.csv missing" in capsys.readouterr().err
