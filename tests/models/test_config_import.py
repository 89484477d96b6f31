"""Importing a custom model from its config.json: plain attention in, everything else refused with the factor."""

from __future__ import annotations

from pathlib import Path

import pytest

from lmi_explorer.models.errors import DataError
from lmi_explorer.models.estimate.memory import kv_bytes_per_token
from lmi_explorer.models.reference.catalog import load_catalog, validate_spec
from lmi_explorer.models.reference.config_import import import_config

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "hf_configs"


def text(pattern: str) -> str:
    return next(FIXTURES.glob(pattern)).read_text()


def test_dense_gqa_config_matches_the_catalog_row():
    got = import_config(text("*Qwen3-32B*.json"), "Qwen3-32B").spec
    validate_spec(got)
    row = load_catalog().get("Qwen/Qwen3-32B")
    for field in ("layers", "hidden_size", "heads", "kv_heads", "head_dim", "vocab_size", "context", "architecture"):
        assert getattr(got, field) == getattr(row, field), field
    assert got.params_billion == pytest.approx(row.params_billion, rel=1e-3)
    assert kv_bytes_per_token(got) == 64 * 8 * 128 * 4
    assert got.custom


def test_moe_config_carries_active_parameters():
    imported = import_config(text("*Qwen3-235B-A22B*.json"), "Qwen3-235B-A22B")
    spec = imported.spec
    assert spec.experts == 128 and spec.experts_per_token == 8
    assert spec.active_params_billion == pytest.approx(22.19, rel=0.01)
    assert spec.arch_class == "mixture-of-experts"
    assert imported.precision == "bf16"


@pytest.mark.parametrize("pattern", ["*gpt-oss-120b*.json", "*Llama-4-Maverick*.json", "*Qwen3.5-35B-A3B*.json"])
def test_windowed_and_linear_attention_configs_are_imported_with_their_layout(pattern):
    spec = import_config(text(pattern), "m").spec
    assert spec.config_json  # the estimate sizes their windows and state from it (architecture_of)


def test_bad_files_say_what_is_wrong():
    with pytest.raises(DataError):
        import_config("{not json", "broken.json")
    with pytest.raises(DataError):
        import_config('{"model_type": "llama"}', "thin.json")


def test_latent_attention_config_is_imported_with_its_latent():
    spec = import_config(text("*DeepSeek-R1*.json"), "DeepSeek-R1").spec
    assert (spec.kv_lora_rank, spec.qk_rope_head_dim) == (512, 64)
    assert kv_bytes_per_token(spec) == 70_272
