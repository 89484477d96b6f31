"""A model's Hugging Face files, read offline: its config.json, and the exact size of its checkpoint.

Three ways to name a model:

- a ``config.json`` file (any name ending in ``.json``);
- a model folder: ``config.json`` plus, when they are there, ``model.safetensors.index.json`` and the
  ``*.safetensors`` shards (a clone, a download, or a snapshot folder of the cache);
- ``hf:ORG/NAME``: a snapshot already in the local Hugging Face cache. The cache is found the way
  ``huggingface_hub`` finds it (``HF_HUB_CACHE``, else ``HF_HOME/hub``, else ``~/.cache/huggingface/hub``;
  ``huggingface_hub.constants.HF_HUB_CACHE``) and read with ``huggingface_hub.scan_cache_dir(cache_dir)``,
  which walks the folder and returns an ``HFCacheInfo`` whose ``repos`` are ``CachedRepoInfo`` (``repo_id``,
  ``repo_type``, ``revisions``), each revision a ``CachedRevisionInfo`` (``commit_hash``, ``snapshot_path``,
  ``refs``, ``last_modified``); corrupted repositories are reported in ``HFCacheInfo.warnings`` rather than
  raised (huggingface_hub cache-system reference, "scan_cache_dir" and "try_to_load_from_cache",
  https://huggingface.co/docs/huggingface_hub/package_reference/cache). That is a file-system walk: nothing
  here opens a connection. ``huggingface_hub`` is optional (``pip install huggingface_hub``); without it a
  snapshot folder can still be given as a path.

The checkpoint's parameter count and format come from the safetensors files when they are present: each
file starts with an 8-byte little-endian header length and a JSON header giving every tensor's ``dtype``
and ``shape`` (https://github.com/huggingface/safetensors, "Format"); only those header bytes are read,
never the weights. Without the shards, the index's ``metadata.total_parameters`` (written by recent
``transformers``) or, for a 16-bit checkpoint, ``metadata.total_size`` at 2 bytes per parameter gives it.
"""

from __future__ import annotations

import json
import os
import re
import struct
from dataclasses import dataclass, field
from math import prod
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lmi_explorer.models.errors import DataError
from lmi_explorer.models.files import read_text

if TYPE_CHECKING:
    from lmi_explorer.models.reference.config_import import ImportedConfig

#: what a name given on the command line starts with to mean a snapshot in the local cache
HF_PREFIX = "hf:"
INDEX_NAME = "model.safetensors.index.json"
#: NVIDIA ModelOpt checkpoints name their format here when config.json has no quantization_config
QUANT_CONFIG_NAME = "hf_quant_config.json"
#: a config.json, or an index listing thousands of tensors, stays well under this
MAX_JSON_BYTES = 32 * 1024 * 1024
#: the safetensors format caps its header at 100 MB
MAX_HEADER_BYTES = 100_000_000
#: tensor names that hold quantization scales, zero points or shapes, not model parameters
_NOT_PARAMETERS = re.compile(
    r"(?:^|[._])(?:weight_scale(?:_2|_inv)?|input_scale|output_scale|k_scale|v_scale|scales?|scale_inv|"
    r"global_scale|weight_global_scale|input_global_scale|zero_point|weight_zero_point|qzeros|zeros|g_idx|"
    r"weight_shape)$"
)
_FLOAT8 = {"F8_E4M3", "F8_E5M2"}
_SIXTEEN_BIT = {"BF16", "F16"}
_INT_PACKED = {"I32", "U32"}
_KNOWN_DTYPES = {
    "BOOL", "U8", "I8", "F8_E4M3", "F8_E5M2", "F8_E8M0", "I16", "U16", "F16", "BF16", "I32", "U32", "F32",
    "F64", "I64", "U64", "F4", "F6_E2M3", "F6_E3M2",
}  # fmt: skip


@dataclass(frozen=True)
class CheckpointFacts:
    """What a checkpoint's own files say about its size and weight format.

    Parameters
    ----------
    params : int
        Parameters (count), packed 4-bit values unpacked; scales and zero points left out.
    precision : str
        Precision key the weights are stored in (``bf16``, ``fp8``, ``mxfp4``, ``nvfp4``, ``gptq``, ``awq``),
        or ``""`` when the files do not say (an index without shards).
    how : str
        Where the count came from, for the notes ("the headers of 17 safetensors files").
    """

    params: int
    precision: str
    how: str
    dtypes: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class ModelFiles:
    """A model's config.json as found, and what its checkpoint files say (``None`` without any)."""

    name: str
    config_path: Path
    config_text: str
    source: str
    checkpoint: CheckpointFacts | None = None


@dataclass(frozen=True)
class CachedModel:
    """A model repository in the local Hugging Face cache with a config.json in its snapshot."""

    repo_id: str
    revision: str
    snapshot: Path
    size_on_disk: int


# -- naming


def model_name(path: Path) -> str:
    """A model's name from its config file or folder.

    'Qwen--Qwen3-32B.config.json' → 'Qwen3-32B'; a bare config.json is named after its folder, and a
    cache snapshot (``models--ORG--NAME/snapshots/<hash>/``) after its repository.
    """
    if path.is_dir():
        folder = path
    else:
        stem = path.name.removesuffix(".json").removesuffix(".config")
        if stem != "config":
            return stem.split("--")[-1]
        folder = path.parent
    if folder.parent.name == "snapshots" and folder.parent.parent.name.startswith("models--"):
        return folder.parent.parent.name.split("--")[-1]
    return folder.name or "Imported model"


# -- the Hugging Face cache


def hf_cache_dir() -> Path:
    """The Hugging Face hub cache folder, resolved as huggingface_hub does, read from the environment now.

    ``HF_HUB_CACHE`` (or the older ``HUGGINGFACE_HUB_CACHE``), else ``HF_HOME/hub``, else
    ``XDG_CACHE_HOME/huggingface/hub``, else ``huggingface_hub.constants.HF_HUB_CACHE`` when the package is
    installed, else ``~/.cache/huggingface/hub``. The environment is read on every call because
    ``huggingface_hub.constants`` fixes its value when first imported.
    """
    for var in ("HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE"):
        if os.environ.get(var):
            return Path(os.environ[var]).expanduser()
    if os.environ.get("HF_HOME"):
        return Path(os.environ["HF_HOME"]).expanduser() / "hub"
    if os.environ.get("XDG_CACHE_HOME"):
        return Path(os.environ["XDG_CACHE_HOME"]).expanduser() / "huggingface" / "hub"
    try:
        from huggingface_hub import constants
    except ImportError:
        return Path.home() / ".cache" / "huggingface" / "hub"
    return Path(constants.HF_HUB_CACHE).expanduser()


def _scan(cache_dir: Path) -> Any:
    """``huggingface_hub.scan_cache_dir`` on ``cache_dir`` (``None`` when the folder does not exist)."""
    try:
        from huggingface_hub import scan_cache_dir
    except ImportError:
        raise DataError(
            f"reading the Hugging Face cache ({cache_dir}) needs the huggingface_hub package: "
            "pip install huggingface_hub; or give the snapshot folder itself "
            f"({cache_dir}/models--ORG--NAME/snapshots/<hash>)."
        ) from None
    if not cache_dir.is_dir():
        return None
    try:
        return scan_cache_dir(cache_dir)
    except (OSError, ValueError) as exc:  # CacheNotFound is a FileNotFoundError (an OSError)
        raise DataError(f"Hugging Face cache {cache_dir}: could not be read ({exc}).") from None


def _snapshot_of(repo: Any) -> Any | None:
    """The revision ``main`` points at, else the newest one with a config.json."""
    revisions = [r for r in repo.revisions if (Path(r.snapshot_path) / "config.json").is_file()]
    if not revisions:
        return None
    on_main = [r for r in revisions if "main" in r.refs]
    return (on_main or sorted(revisions, key=lambda r: r.last_modified, reverse=True))[0]


def cached_models(cache_dir: Path | None = None) -> list[CachedModel]:
    """Model repositories in the local Hugging Face cache that have a config.json, by repo id.

    Raises
    ------
    DataError
        huggingface_hub is not installed (the message says how to install it).
    """
    folder = cache_dir or hf_cache_dir()
    info = _scan(folder)
    if info is None:
        return []
    found = []
    for repo in info.repos:
        if repo.repo_type != "model":
            continue
        rev = _snapshot_of(repo)
        if rev is not None:
            found.append(CachedModel(repo.repo_id, rev.commit_hash, Path(rev.snapshot_path), repo.size_on_disk))
    return sorted(found, key=lambda m: m.repo_id.lower())


def cached_snapshot(repo_id: str, cache_dir: Path | None = None) -> Path:
    """The snapshot folder of ``repo_id`` (``ORG/NAME``) in the local cache.

    Raises
    ------
    DataError
        Not in the cache (the message names the folder searched and what is there), or no huggingface_hub.
    """
    folder = cache_dir or hf_cache_dir()
    info = _scan(folder)
    if info is None:
        raise DataError(
            f"hf:{repo_id}: the Hugging Face cache folder {folder} does not exist; download the model there "
            "first (huggingface-cli download), set HF_HUB_CACHE, or give the model's folder or config.json."
        )
    for repo in info.repos:
        if repo.repo_type == "model" and repo.repo_id.lower() == repo_id.lower():
            rev = _snapshot_of(repo)
            if rev is None:
                raise DataError(f"hf:{repo_id}: the cached snapshots in {repo.repo_path} have no config.json.")
            return Path(rev.snapshot_path)
    there = sorted(r.repo_id for r in info.repos if r.repo_type == "model")
    listing = f" It holds {', '.join(there[:8])}{' …' if len(there) > 8 else ''}." if there else " It holds no models."
    broken = f" {len(info.warnings)} cached repo(s) could not be read." if info.warnings else ""
    raise DataError(
        f"hf:{repo_id}: not in the Hugging Face cache searched ({folder}).{listing}{broken} Download it first, "
        "set HF_HUB_CACHE to the cache that has it, or give the model's folder or config.json."
    )


# -- safetensors


def safetensors_header(path: Path) -> dict[str, Any]:
    """The JSON header of a safetensors file, read without reading the tensors.

    Raises
    ------
    DataError
        Not a safetensors file: too short, a header length beyond the file's end, or a header that is not
        a JSON object of tensors with ``dtype`` and ``shape``.
    """
    what = "check the file is complete (a download may have stopped) or remove it from the folder"
    try:
        size = path.stat().st_size
        with path.open("rb") as fh:
            head = fh.read(8)
            if len(head) < 8:
                raise DataError(f"{path.name}: {size} bytes, too short for a safetensors file; {what}.")
            (length,) = struct.unpack("<Q", head)
            if length > min(size - 8, MAX_HEADER_BYTES):
                raise DataError(
                    f"{path.name}: its header says {length:,} bytes but the file has {size - 8:,} after the length; "
                    f"not a safetensors file, or a truncated one; {what}."
                )
            raw = fh.read(length)
    except OSError as exc:
        raise DataError(f"{path.name}: could not be read ({exc.strerror or exc}).") from None
    try:
        header = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise DataError(f"{path.name}: the safetensors header is not valid JSON ({exc}); {what}.") from None
    if not isinstance(header, dict):
        raise DataError(f"{path.name}: the safetensors header should be a JSON object; {what}.")
    for name, t in header.items():
        if name == "__metadata__":
            continue
        shape = t.get("shape") if isinstance(t, dict) else None
        if (
            not isinstance(t, dict)
            or t.get("dtype") not in _KNOWN_DTYPES
            or not isinstance(shape, list)
            or not all(isinstance(d, int) and not isinstance(d, bool) and d >= 0 for d in shape)
        ):
            raise DataError(f"{path.name}: tensor '{name}' has no valid dtype and shape in the header; {what}.")
    return header


def _count(headers: list[dict[str, Any]], int_bits: int) -> tuple[int, dict[str, int], str]:
    """Parameters, parameters per stored dtype, and the precision key the tensors are stored in."""
    params = 0
    dtypes: dict[str, int] = {}
    scale_dtypes: set[str] = set()
    blocks = False
    for header in headers:
        for name, t in header.items():
            if name == "__metadata__":
                continue
            dtype, n = t["dtype"], prod(t["shape"])
            if _NOT_PARAMETERS.search(name):
                scale_dtypes.add(dtype)
                continue
            if dtype == "U8":  # two 4-bit values a byte (MXFP4 ``*_blocks``, NVFP4 and pack-quantized weights)
                n *= 2
                blocks = blocks or name.endswith("_blocks")
            elif dtype in _INT_PACKED and (name.endswith("qweight") or name.endswith("weight_packed")):
                n *= 32 // int_bits
            params += n
            dtypes[dtype] = dtypes.get(dtype, 0) + n
    quantized = {k: v for k, v in dtypes.items() if k in _FLOAT8 | {"U8", "F4"} | _INT_PACKED}
    precision = "bf16"
    if quantized:
        top = max(quantized, key=lambda k: quantized[k])
        if top in _FLOAT8:
            precision = "fp8"
        elif top in _INT_PACKED:
            precision = "gptq"  # awq is told apart by its config (see checkpoint_facts)
        elif top == "F4" or (not blocks and "F8_E4M3" in scale_dtypes):
            precision = "nvfp4"  # FP8 (E4M3) scale per 16 values
        else:
            precision = "mxfp4"  # E8M0 (stored as U8) scale per 32 values
    return params, dtypes, precision


def _read_json(path: Path, what: str) -> Any:
    try:
        return json.loads(read_text(path, label=path.name, limit=MAX_JSON_BYTES))
    except ValueError as exc:
        if isinstance(exc, DataError):
            raise
        raise DataError(f"{path.name}: not valid JSON ({exc}); {what}.") from None


def checkpoint_facts(folder: Path, config: dict[str, Any] | None = None) -> CheckpointFacts | None:
    """Parameter count and weight format from a model folder's safetensors index and headers.

    Parameters
    ----------
    folder : Path
        The model folder (``config.json`` beside the checkpoint files).
    config : dict, optional
        The parsed config.json: its ``quantization_config`` tells AWQ from GPTQ and gives the packed bits.

    Returns
    -------
    CheckpointFacts or None
        ``None`` when the folder has no index and no safetensors file, or an index whose count cannot be
        read without the shards (a quantized checkpoint without ``total_parameters``).
    """
    q = (config or {}).get("quantization_config") or ((config or {}).get("text_config") or {}).get(
        "quantization_config"
    )
    q = q if isinstance(q, dict) else {}
    method = str(q.get("quant_method") or "").lower()
    bits = int(q.get("bits") or q.get("w_bit") or 4)
    for group in (q.get("config_groups") or {}).values():
        if isinstance(group, dict) and isinstance(group.get("weights"), dict):
            bits = int(group["weights"].get("num_bits") or bits)
    bits = bits if bits in (2, 4, 8) else 4
    index_path = folder / INDEX_NAME
    index: dict[str, Any] | None = None
    if index_path.is_file():
        index = _read_json(index_path, "check the download is complete, or remove the index from the folder")
        if not isinstance(index, dict) or not isinstance(index.get("weight_map"), dict):
            raise DataError(f"{INDEX_NAME}: no 'weight_map' object; check the download is complete.")
        shards = sorted({str(v) for v in index["weight_map"].values()})
        if any(Path(s).name != s for s in shards):  # a shard is a file beside the index, never a path elsewhere
            raise DataError(f"{INDEX_NAME}: its weight_map names files outside the model folder; check the file.")
    else:
        shards = sorted(p.name for p in folder.glob("*.safetensors"))
        if any(s.startswith("model") for s in shards):
            shards = [s for s in shards if s.startswith("model")]  # not a consolidated copy beside them
    present = [folder / s for s in shards if (folder / s).is_file()]
    hint = _quant_hint(folder)
    if shards and len(present) == len(shards):
        params, dtypes, precision = _count([safetensors_header(p) for p in present], bits)
        if precision == "gptq" and (method == "awq" or hint == "awq"):
            precision = "awq"
        files = f"{len(present)} safetensors file{'s' if len(present) > 1 else ''}"
        return CheckpointFacts(params, precision, f"the headers of its {files}", dtypes)
    meta = (index or {}).get("metadata")
    meta = meta if isinstance(meta, dict) else {}
    total_params = meta.get("total_parameters")
    total_size = meta.get("total_size")
    dtype = str((config or {}).get("torch_dtype") or (config or {}).get("dtype") or "")
    if isinstance(total_params, int) and total_params > 0:
        return CheckpointFacts(total_params, hint, f"{INDEX_NAME} (metadata.total_parameters)")
    if isinstance(total_size, int) and total_size > 0 and not q and not hint and dtype in ("bfloat16", "float16"):
        return CheckpointFacts(total_size // 2, "bf16", f"{INDEX_NAME} (metadata.total_size at 2 bytes a parameter)")
    if hint:
        return CheckpointFacts(0, hint, f"{QUANT_CONFIG_NAME} (quantization.quant_algo)")
    return None


def _quant_hint(folder: Path) -> str:
    """The precision key NVIDIA ModelOpt's ``hf_quant_config.json`` names (its configs often omit it)."""
    path = folder / QUANT_CONFIG_NAME
    if not path.is_file():
        return ""
    doc = _read_json(path, "check the download is complete, or remove the file from the folder")
    quant = doc.get("quantization") if isinstance(doc, dict) else None
    algo = str(quant.get("quant_algo") or "").upper() if isinstance(quant, dict) else ""
    if "AWQ" in algo:
        return "awq"
    for tag, key in (("NVFP4", "nvfp4"), ("MXFP4", "mxfp4"), ("MIXED", "nvfp4"), ("FP8", "fp8"), ("INT8", "int8")):
        if tag in algo:
            return key
    return ""


# -- finding and importing


def is_model_config(path: Path) -> bool:
    """Whether a file is a Hugging Face config.json (a ``model_type`` and no ``schema_version``), by content.

    Files over the config size limit are not read (an offer file may be several GB).
    """
    try:
        if not path.is_file() or path.stat().st_size > MAX_JSON_BYTES or path.suffix.lower() != ".json":
            return False
        obj = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return False
    return isinstance(obj, dict) and isinstance(obj.get("model_type"), str) and "schema_version" not in obj


def read_model_files(where: str | Path) -> ModelFiles:
    """Find a model's config.json (and its checkpoint facts) from a path or ``hf:ORG/NAME``.

    Raises
    ------
    DataError
        The path does not exist, a folder has no config.json, a file is malformed, or the repository is not
        in the local cache; the message names the file or folder and what to do.
    """
    text = str(where)
    if text.startswith(HF_PREFIX):
        repo_id = text[len(HF_PREFIX) :].strip().strip("/")
        if repo_id.count("/") != 1 or not all(repo_id.split("/")):
            raise DataError(f"{text}: name a cached model as hf:ORG/NAME (e.g. hf:Qwen/Qwen3-8B).")
        snapshot = cached_snapshot(repo_id)
        files = _from_folder(snapshot, f"Hugging Face cache: {repo_id} (snapshot {snapshot.name[:12]})")
        return ModelFiles(repo_id.split("/")[-1], files.config_path, files.config_text, files.source, files.checkpoint)
    path = Path(text).expanduser()
    if path.is_dir():
        return _from_folder(path, f"model folder: {path.name}")
    if not path.exists():
        raise DataError(f"{path}: no such file or folder; give a config.json, a model folder or hf:ORG/NAME.")
    config_text = read_text(path, label=path.name, limit=MAX_JSON_BYTES)
    facts = None
    if path.name == "config.json":  # a model folder's own config: its checkpoint files are beside it
        facts = checkpoint_facts(path.parent, _parsed(config_text, path))
    label = path.name if path.name != "config.json" else f"{path.parent.name}/config.json"
    return ModelFiles(model_name(path), path, config_text, f"config.json: {label}", facts)


def _parsed(text: str, path: Path) -> dict[str, Any]:
    try:
        obj = json.loads(text)
    except ValueError as exc:
        raise DataError(f"{path}: not valid JSON ({exc}); check the file is the model's config.json.") from None
    if not isinstance(obj, dict):
        raise DataError(f"{path}: the top level should be an object; check the file is the model's config.json.")
    return obj


def _from_folder(folder: Path, source: str) -> ModelFiles:
    config_path = folder / "config.json"
    if not config_path.is_file():
        raise DataError(
            f"{folder}: no config.json in this folder; choose the model's folder (the one holding config.json "
            "and the *.safetensors files) or the config.json itself."
        )
    config_text = read_text(config_path, label=f"{folder.name}/config.json", limit=MAX_JSON_BYTES)
    facts = checkpoint_facts(folder, _parsed(config_text, config_path))
    return ModelFiles(model_name(folder), config_path, config_text, source, facts)


def import_model(where: str | Path) -> ImportedConfig:
    """A custom model from a config.json, a model folder or ``hf:ORG/NAME``, with the checkpoint's own count.

    Raises
    ------
    DataError
        As :func:`read_model_files`, or the config cannot be read (unknown ``model_type``, missing field).
    """
    from lmi_explorer.models.reference.config_import import import_config

    files = read_model_files(where)
    return import_config(files.config_text, files.name, checkpoint=files.checkpoint, source=files.source)


__all__ = [
    "HF_PREFIX",
    "CachedModel",
    "CheckpointFacts",
    "ModelFiles",
    "cached_models",
    "cached_snapshot",
    "checkpoint_facts",
    "hf_cache_dir",
    "import_model",
    "is_model_config",
    "model_name",
    "read_model_files",
    "safetensors_header",
]
