"""A model from its Hugging Face files, offline: config.json, model folders, safetensors headers, the cache.

The safetensors files here are written by hand: the 8-byte little-endian header length, the JSON header,
and a few bytes in place of the tensors (only the header is ever read). Their parameter counts are worked
out in the comments. ``Qwen--Qwen3-0.6B``, ``openai--gpt-oss-20b`` and ``nvidia--DeepSeek-V3.1-NVFP4`` in
``tests/fixtures/hf_configs/`` are unchanged copies of the published config.json files, from the same
reference set as the others there (see its README).
"""

from __future__ import annotations

import io
import json
import shutil
import struct
import sys
import time
from contextlib import redirect_stderr, redirect_stdout
from math import prod
from pathlib import Path

import pytest

from lmi_explorer.models.cli import main
from lmi_explorer.models.errors import DataError
from lmi_explorer.models.reference.catalog import validate_spec
from lmi_explorer.models.reference.config_import import import_config, precision_key
from lmi_explorer.models.reference.hf_files import (
    cached_models,
    cached_snapshot,
    checkpoint_facts,
    hf_cache_dir,
    import_model,
    is_model_config,
    model_name,
    read_model_files,
    safetensors_header,
)
from lmi_explorer.models.reference.model_architecture import architecture_of
from lmi_explorer.models.scenario import load, save

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "hf_configs"
QWEN_06B = FIXTURES / "Qwen--Qwen3-0.6B.config.json"
SIZE = {"BF16": 2, "F16": 2, "F32": 4, "F8_E4M3": 1, "U8": 1, "I32": 4}

# Qwen3-0.6B-shaped tensors (vocab 151,936, hidden 1,024, tied embeddings), bf16:
#   embed 151,936 × 1,024 = 155,582,464; down_proj 1,024 × 3,072 = 3,145,728; norm 1,024
#   total 155,582,464 + 3,145,728 + 1,024 = 158,729,216
QWEN_TENSORS = {
    "model.embed_tokens.weight": ("BF16", [151_936, 1_024]),
    "model.layers.0.mlp.down_proj.weight": ("BF16", [1_024, 3_072]),
    "model.norm.weight": ("BF16", [1_024]),
}
QWEN_PARAMS = 158_729_216


def write_safetensors(path: Path, tensors: dict[str, tuple[str, list[int]]]) -> Path:
    """A safetensors file by hand: header length, JSON header, then a stand-in for the tensor bytes."""
    header: dict = {"__metadata__": {"format": "pt"}}
    offset = 0
    for name, (dtype, shape) in tensors.items():
        n = prod(shape) * SIZE[dtype]
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + n]}
        offset += n
    raw = json.dumps(header).encode()
    path.write_bytes(struct.pack("<Q", len(raw)) + raw + b"\0" * 16)
    return path


def model_folder(tmp_path: Path, config: Path = QWEN_06B, name: str = "Qwen3-0.6B") -> Path:
    folder = tmp_path / name
    folder.mkdir()
    shutil.copy(config, folder / "config.json")
    return folder


def run(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(list(args))
    return code, out.getvalue(), err.getvalue()


# -- import_config: every config parse_config reads, with the config carried


@pytest.mark.parametrize(
    "pattern",
    ["*gpt-oss-120b*", "*Llama-4-Maverick*", "*Qwen3.5-35B-A3B*", "*Gemma-4-31B*", "*DeepSeek-V4-Flash*"],
)
def test_windowed_and_linear_configs_are_imported_with_their_config(pattern):
    path = next(FIXTURES.glob(f"{pattern}.config.json"))
    imported = import_config(path.read_text(), model_name(path))
    spec = imported.spec
    validate_spec(spec)
    assert spec.custom and spec.config_json and spec.source == f"config.json: {model_name(path)}"
    assert json.loads(spec.config_json) == json.loads(path.read_text())
    assert architecture_of(spec) == imported.parsed.arch  # the estimate reads the same layers


def test_the_architecture_sizes_windowed_layers():
    spec = import_config((FIXTURES / "openai--gpt-oss-120b.config.json").read_text(), "gpt-oss-120b").spec
    kinds = {g.kind: g for g in architecture_of(spec).groups}
    assert kinds["sliding"].window == 128 and kinds["sliding"].count == 18
    assert spec.checkpoint_precision == "mxfp4"
    maverick = import_config(next(FIXTURES.glob("*Maverick*")).read_text(), "Maverick").spec
    assert {g.kind for g in architecture_of(maverick).groups} == {"full", "chunked"}


def test_warning_names_what_is_approximated_and_assumed():
    v4 = import_config(next(FIXTURES.glob("*DeepSeek-V4-Flash*")).read_text(), "DeepSeek-V4-Flash")
    assert not v4.parsed.arch.modelled
    assert v4.warning.startswith("DeepSeek-V4-Flash (DeepseekV4ForCausalLM): approximated: DeepSeek-V4 compresses")
    assert "Assumed:" in v4.warning and "multi-token-prediction" in v4.warning
    assert v4.warning.count("approximated") == 1  # one message
    qwen35 = import_config(next(FIXTURES.glob("*Qwen3.5-35B-A3B*")).read_text(), "Qwen3.5-35B-A3B")
    assert qwen35.parsed.arch.modelled and "approximated" not in qwen35.warning
    assert "Assumed:" in qwen35.warning and "vision tower" in qwen35.warning
    plain = import_config((FIXTURES / "Qwen--Qwen3-32B.config.json").read_text(), "Qwen3-32B")
    assert plain.warning == ""


def test_a_quantized_name_without_quantization_config_is_warned_about():
    imported = import_config((FIXTURES / "nvidia--DeepSeek-V3.1-NVFP4.config.json").read_text(), "DeepSeek-V3.1-NVFP4")
    assert imported.spec.checkpoint_precision == "bf16"
    assert "no quantization_config" in imported.warning


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("fp8 e4m3 block 128x128", "fp8"),
        ("fp8", "fp8"),
        ("mxfp4", "mxfp4"),
        ("float4 group 32 (compressed-tensors mxfp4-pack-quantized)", "mxfp4"),
        ("nvfp4", "nvfp4"),
        ("mixed (modelopt)", "nvfp4"),
        ("int4 group 32 (compressed-tensors pack-quantized)", "gptq"),
        ("gptq", "gptq"),
        ("awq", "awq"),
        ("int8 (compressed-tensors int-quantized)", "int8"),
        ("bf16", "bf16"),
        ("fp16", "bf16"),
        ("unspecified", "bf16"),
    ],
)
def test_precision_keys(text, key):
    assert precision_key(text) == key


def test_unknown_model_type_and_missing_fields_keep_one_clear_message():
    with pytest.raises(DataError, match="model_type 'acme' is not one the importer reads"):
        import_config('{"model_type": "acme", "architectures": ["AcmeForCausalLM"]}', "acme")
    with pytest.raises(DataError, match="no 'num_hidden_layers'"):
        import_config('{"model_type": "llama", "architectures": ["LlamaForCausalLM"]}', "thin")
    with pytest.raises(DataError, match="not valid JSON"):
        import_config("{not json", "broken")


def test_scenario_file_keeps_the_imported_config(make_scenario, tmp_path):
    spec = import_config((FIXTURES / "openai--gpt-oss-20b.config.json").read_text(), "gpt-oss-20b").spec
    path = tmp_path / "s.json"
    save(make_scenario(custom_model=spec, model_id=None), path)
    again = load(path).custom_model
    assert again is not None
    assert again.config_json == spec.config_json and again.checkpoint_precision == "mxfp4"
    assert architecture_of(again) == architecture_of(spec)


# -- safetensors headers


def test_header_count_is_exact(tmp_path):
    path = write_safetensors(tmp_path / "model.safetensors", QWEN_TENSORS)
    header = safetensors_header(path)
    assert set(header) == {"__metadata__", *QWEN_TENSORS}
    facts = checkpoint_facts(tmp_path)
    assert facts is not None
    assert facts.params == QWEN_PARAMS and facts.precision == "bf16"
    assert facts.how == "the headers of its 1 safetensors file"


def test_only_the_header_is_read(tmp_path):
    path = write_safetensors(tmp_path / "model.safetensors", QWEN_TENSORS)
    with path.open("r+b") as fh:
        fh.truncate(64 * 2**30)  # a sparse 64 GiB file: reading it whole would not finish
    started = time.perf_counter()
    assert checkpoint_facts(tmp_path).params == QWEN_PARAMS
    assert time.perf_counter() - started < 2


@pytest.mark.parametrize(
    ("tensors", "params", "precision"),
    [
        # FP8 block: 1,024 × 1,024 = 1,048,576 weights; the 8 × 8 inverse scales are not parameters
        ({"l.weight": ("F8_E4M3", [1_024, 1_024]), "l.weight_scale_inv": ("F32", [8, 8])}, 1_048_576, "fp8"),
        # NVFP4: 1,024 × 512 bytes, two values a byte = 1,048,576; FP8 scales per 16, a global F32 scale
        (
            {
                "l.weight": ("U8", [1_024, 512]),
                "l.weight_scale": ("F8_E4M3", [1_024, 64]),
                "l.weight_scale_2": ("F32", []),
                "l.input_scale": ("F32", []),
                "norm.weight": ("BF16", [1_024]),
            },
            1_048_576 + 1_024,
            "nvfp4",
        ),
        # MXFP4 experts (gpt-oss): 4 × 64 × 2 × 16 bytes = 8,192, two values a byte = 16,384; U8 scales skipped
        (
            {
                "mlp.experts.gate_up_proj_blocks": ("U8", [4, 64, 2, 16]),
                "mlp.experts.gate_up_proj_scales": ("U8", [4, 64, 2]),
                "mlp.experts.gate_up_proj_bias": ("BF16", [4, 64]),
            },
            16_384 + 256,
            "mxfp4",
        ),
        # GPTQ int4: 128 × 256 int32 words, eight values each = 262,144; zeros, scales and g_idx skipped
        (
            {
                "l.qweight": ("I32", [128, 256]),
                "l.qzeros": ("I32", [8, 256]),
                "l.scales": ("F16", [8, 2_048]),
                "l.g_idx": ("I32", [1_024]),
            },
            262_144,
            "gptq",
        ),
    ],
)
def test_quantized_headers_unpack_and_name_the_format(tmp_path, tensors, params, precision):
    write_safetensors(tmp_path / "model.safetensors", tensors)
    facts = checkpoint_facts(tmp_path)
    assert facts is not None and (facts.params, facts.precision) == (params, precision)


def test_awq_is_told_from_gptq_by_the_config(tmp_path):
    write_safetensors(tmp_path / "model.safetensors", {"l.qweight": ("I32", [128, 256])})
    facts = checkpoint_facts(tmp_path, {"quantization_config": {"quant_method": "awq", "bits": 4}})
    assert facts is not None and facts.precision == "awq" and facts.params == 262_144


def test_index_with_its_shards_sums_their_headers(tmp_path):
    folder = model_folder(tmp_path)
    names = list(QWEN_TENSORS)
    write_safetensors(folder / "model-00001-of-00002.safetensors", {n: QWEN_TENSORS[n] for n in names[:1]})
    write_safetensors(folder / "model-00002-of-00002.safetensors", {n: QWEN_TENSORS[n] for n in names[1:]})
    weight_map = {names[0]: "model-00001-of-00002.safetensors"} | dict.fromkeys(
        names[1:], "model-00002-of-00002.safetensors"
    )
    (folder / "model.safetensors.index.json").write_text(
        json.dumps({"metadata": {"total_size": 1}, "weight_map": weight_map})
    )
    files = read_model_files(folder)
    assert files.checkpoint is not None and files.checkpoint.params == QWEN_PARAMS
    assert files.checkpoint.how == "the headers of its 2 safetensors files"
    imported = import_model(folder)
    assert imported.spec.params_billion == pytest.approx(QWEN_PARAMS / 1e9)
    assert "parameter count 0.159B from the checkpoint (the headers of its 2 safetensors files)" in imported.spec.notes
    assert imported.spec.source == "model folder: Qwen3-0.6B" and imported.spec.name == "Qwen3-0.6B"


def test_index_without_shards(tmp_path):
    folder = model_folder(tmp_path)
    index = folder / "model.safetensors.index.json"
    weight_map = {"model.embed_tokens.weight": "model-00001-of-00002.safetensors"}
    # total_size of a bf16 checkpoint: two bytes a parameter
    index.write_text(json.dumps({"metadata": {"total_size": 1_192_000_000}, "weight_map": weight_map}))
    facts = read_model_files(folder).checkpoint
    assert facts is not None and facts.params == 596_000_000 and "total_size" in facts.how
    # total_parameters (recent transformers) is taken as it is
    index.write_text(json.dumps({"metadata": {"total_parameters": 751_632_384}, "weight_map": weight_map}))
    facts = read_model_files(folder).checkpoint
    assert facts is not None and facts.params == 751_632_384
    # a quantized checkpoint's byte size says nothing exact about its parameters
    quantized = model_folder(tmp_path, FIXTURES / "openai--gpt-oss-20b.config.json", "gpt-oss-20b")
    (quantized / "model.safetensors.index.json").write_text(
        json.dumps({"metadata": {"total_size": 13_761_264_768}, "weight_map": weight_map})
    )
    assert read_model_files(quantized).checkpoint is None
    assert "from the checkpoint" not in import_model(quantized).spec.notes


def test_headers_override_the_config_format(tmp_path):
    folder = model_folder(tmp_path, FIXTURES / "nvidia--DeepSeek-V3.1-NVFP4.config.json", "DeepSeek-V3.1-NVFP4")
    (folder / "hf_quant_config.json").write_text(json.dumps({"quantization": {"quant_algo": "NVFP4"}}))
    imported = import_model(folder / "config.json")
    assert imported.spec.checkpoint_precision == "nvfp4"
    assert "no quantization_config" not in imported.warning
    assert "weights stored as nvfp4 (from hf_quant_config.json" in imported.spec.notes


# -- bad input: the file named, and what to do


def test_bad_files_are_refused_with_the_file_named(tmp_path):
    bad = tmp_path / "broken"
    bad.mkdir()
    (bad / "config.json").write_text("{not json")
    with pytest.raises(DataError, match="not valid JSON"):
        import_model(bad)
    with pytest.raises(DataError, match=r"no config.json in this folder"):
        read_model_files(tmp_path)
    with pytest.raises(DataError, match="no such file or folder"):
        read_model_files(tmp_path / "missing")
    folder = model_folder(tmp_path)
    shard = folder / "model.safetensors"
    shard.write_bytes(struct.pack("<Q", 10_000) + b"{}")
    with pytest.raises(DataError, match=r"model.safetensors: its header says 10,000 bytes but the file has 2"):
        read_model_files(folder)
    shard.write_bytes(struct.pack("<Q", 5) + b"nope!")
    with pytest.raises(DataError, match=r"model\.safetensors: the safetensors header is not valid JSON"):
        read_model_files(folder)
    shard.write_bytes(b"abc")
    with pytest.raises(DataError, match="too short for a safetensors file"):
        read_model_files(folder)
    raw = json.dumps({"w": {"dtype": "Q7", "shape": [2]}}).encode()
    shard.write_bytes(struct.pack("<Q", len(raw)) + raw)
    with pytest.raises(DataError, match="tensor 'w' has no valid dtype and shape"):
        read_model_files(folder)
    shard.unlink()
    (folder / "model.safetensors.index.json").write_text("[1, 2")
    with pytest.raises(DataError, match=r"model.safetensors.index.json: not valid JSON"):
        read_model_files(folder)
    (folder / "model.safetensors.index.json").write_text(json.dumps({"weight_map": {"w": "../../elsewhere.bin"}}))
    with pytest.raises(DataError, match="weight_map names files outside the model folder"):
        read_model_files(folder)


def test_model_config_is_told_from_a_scenario(tmp_path, make_scenario):
    assert is_model_config(QWEN_06B)
    scenario = tmp_path / "s.json"
    save(make_scenario(), scenario)
    assert not is_model_config(scenario)
    assert not is_model_config(tmp_path)


def test_names():
    assert model_name(QWEN_06B) == "Qwen3-0.6B"
    assert model_name(Path("/m/Llama-3.1-8B/config.json")) == "Llama-3.1-8B"
    assert model_name(Path("/c/models--Qwen--Qwen3-8B/snapshots/0123abc/config.json")) == "Qwen3-8B"


# -- the local Hugging Face cache


@pytest.fixture
def hf_cache(tmp_path, monkeypatch):
    """A cache laid out as huggingface_hub lays it: models--ORG--NAME/{refs/main, snapshots/<hash>/}."""
    pytest.importorskip("huggingface_hub")
    cache = tmp_path / "hub"
    repo = cache / "models--Qwen--Qwen3-0.6B"
    snapshot = repo / "snapshots" / "0123456789abcdef"
    snapshot.mkdir(parents=True)
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text("0123456789abcdef")  # no newline, as huggingface_hub writes it
    shutil.copy(QWEN_06B, snapshot / "config.json")
    write_safetensors(snapshot / "model.safetensors", QWEN_TENSORS)
    monkeypatch.setenv("HF_HUB_CACHE", str(cache))
    return cache


def test_cache_dir_follows_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hub"))
    assert hf_cache_dir() == tmp_path / "hub"
    monkeypatch.delenv("HF_HUB_CACHE")
    monkeypatch.delenv("HUGGINGFACE_HUB_CACHE", raising=False)
    monkeypatch.setenv("HF_HOME", str(tmp_path / "home"))
    assert hf_cache_dir() == tmp_path / "home" / "hub"


def test_cached_models_are_listed_and_imported(hf_cache):
    (found,) = cached_models()
    assert found.repo_id == "Qwen/Qwen3-0.6B" and found.revision == "0123456789abcdef"
    assert cached_snapshot("qwen/qwen3-0.6b") == found.snapshot
    imported = import_model("hf:Qwen/Qwen3-0.6B")
    spec = imported.spec
    assert spec.name == "Qwen3-0.6B" and spec.config_json
    assert spec.params_billion == pytest.approx(QWEN_PARAMS / 1e9)
    assert spec.source == "Hugging Face cache: Qwen/Qwen3-0.6B (snapshot 0123456789ab)"


def test_a_repo_not_in_the_cache_names_the_folder_searched(hf_cache):
    with pytest.raises(DataError) as info:
        import_model("hf:meta-llama/Llama-3.1-8B")
    msg = str(info.value)
    assert f"not in the Hugging Face cache searched ({hf_cache})" in msg and "Qwen/Qwen3-0.6B" in msg
    with pytest.raises(DataError, match="name a cached model as hf:ORG/NAME"):
        import_model("hf:just-a-name")


def test_a_missing_cache_folder_is_named(tmp_path, monkeypatch):
    pytest.importorskip("huggingface_hub")
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "nowhere"))
    assert cached_models() == []
    with pytest.raises(DataError, match=r"the Hugging Face cache folder .*nowhere does not exist"):
        import_model("hf:Qwen/Qwen3-0.6B")


def test_without_huggingface_hub_the_message_says_what_to_install(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "huggingface_hub", None)  # import fails as if it were not installed
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path))
    with pytest.raises(DataError, match="needs the huggingface_hub package: pip install huggingface_hub"):
        cached_models()
    # a snapshot folder given as a path needs no package
    folder = model_folder(tmp_path)
    assert import_model(folder).spec.name == "Qwen3-0.6B"


# -- estimate --model-config


def test_cli_estimates_a_config_json():
    code, out, err = run(
        "estimate", "--model-config", str(FIXTURES / "openai--gpt-oss-120b.config.json"), "--format", "json"
    )
    assert code == 0, err
    doc = json.loads(out)
    assert doc["model"] == "custom" and doc["options"]
    assert {o["precision"] for o in doc["options"]} >= {"mxfp4"}
    assert err == ""  # gpt-oss is sized in full: nothing to warn about


def test_cli_model_config_keeps_the_scenario_and_notes_approximations(make_scenario, tmp_path):
    path = tmp_path / "s.json"
    save(make_scenario(requests_per_s=7.0), path)
    config = next(FIXTURES.glob("*DeepSeek-V4-Flash*"))
    code, _, err = run("estimate", str(path), "--model-config", str(config), "--format", "json")
    assert code == 0
    assert "7 req/s" in run("estimate", str(path), "--model-config", str(config))[1]
    assert err.startswith("lmi-explorer: note: DeepSeek-V4-Flash") and err.count("\n") == 1


def test_cli_model_folder_and_cache(hf_cache, tmp_path):
    code, out, _ = run("estimate", "--model-config", "hf:Qwen/Qwen3-0.6B")
    assert code == 0 and "Qwen3-0.6B (0.2B)" in out
    code, out, _ = run("estimate", "--model-config", str(model_folder(tmp_path)), "--format", "csv")
    assert code == 0 and "," in out.splitlines()[0]


@pytest.mark.parametrize(
    ("arg", "says"),
    [
        ("hf:meta-llama/Llama-3.1-8B", "not in the Hugging Face cache searched"),
        ("/no/such/config.json", "no such file or folder"),
    ],
)
def test_cli_errors_are_one_line_with_exit_2(hf_cache, arg, says):
    code, out, err = run("estimate", "--model-config", arg)
    assert code == 2 and out == ""
    assert err.startswith("lmi-explorer: ") and says in err and err.count("\n") == 1 and "Traceback" not in err
