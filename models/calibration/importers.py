"""Read load-test result files into :class:`~models.measurements.Measurement` rows.

One parser per tool, chosen by the file's content (not its name), so a renamed file still reads.
Field names follow each tool's own writer; where each is documented is in :data:`FORMATS` and in
``tests/models/samples/measurements/README.md``. Facts a file does not record (instance, backend,
precision, TP, sometimes model, prompt length or concurrency) come from a :class:`RunFacts`; every
problem is a :class:`DataError` naming the file, the field and what to do.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal, overload

from lmi_explorer.models.calibration.measurements import (
    Measurement,
    RunFacts,
    check,
    normalise_backend,
    with_facts,
)
from lmi_explorer.models.errors import DataError
from lmi_explorer.models.files import read_text
from lmi_explorer.models.tables import Column, parse_table

#: Format key → what it is and where its fields are defined.
FORMATS: dict[str, str] = {
    "vllm": "vLLM serving benchmark result JSON (`vllm bench serve --save-result`, or the older "
    "benchmarks/benchmark_serving.py); vllm-project/vllm vllm/benchmarks/serve.py",
    "llmperf": "LLMPerf summary JSON (`token_benchmark_ray.py --results-dir`, *_summary.json); "
    "ray-project/llmperf token_benchmark_ray.py and src/llmperf/common_metrics.py",
    "awscurl": "awscurl benchmark summary (`awscurl -c N -N M -P -t`, TOKENIZER set); deepjavalibrary/djl-serving "
    "awscurl/src/main/java/ai/djl/awscurl/Result.java, serving/docs/lmi/deployment_guide/benchmarking-your-endpoint.md",
    "genai-perf": "NVIDIA GenAI-Perf profile_export_genai_perf.json; triton-inference-server/perf_analyzer "
    "genai-perf/genai_perf/export_data/json_exporter.py and metrics/statistics.py",
    "aiperf": "NVIDIA AIPerf profile_export_aiperf.json; ai-dynamo/aiperf "
    "docs/tutorials/working-with-profile-exports.md",
    "csv": "LMI Explorer measurement CSV (data/calibration/template.csv): model, instance, backend, precision, tp, "
    "concurrency, input_tokens, output_tokens, ttft_s, tpot_ms, output_tokens_per_s, source, as_of",
}

#: Columns of the CSV template (``data/calibration/template.csv``), besides ``source`` and ``as_of``.
TEMPLATE_SCHEMA: dict[str, Column] = {
    "model": Column("str", required=False),
    "instance": Column("str", required=False),
    "backend": Column("str", required=False),
    "precision": Column("str", required=False),
    "tp": Column("int", required=False, minimum=1, maximum=1024),
    "concurrency": Column("int", minimum=1, maximum=1_000_000),
    "input_tokens": Column("float", minimum=1, maximum=10_000_000),
    "output_tokens": Column("float", minimum=1, maximum=10_000_000),
    "ttft_s": Column("float", required=False, minimum=0),
    "tpot_ms": Column("float", required=False, minimum=0),
    "output_tokens_per_s": Column("float", required=False, minimum=0),
}

#: A time-to-first-byte this close to the whole request means the response was not streamed.
NOT_STREAMED_SHARE = 0.9
_TIME_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "sec": 1.0}
_RATE_UNITS = ("tokens/sec", "tokens/s", "tok/s", "per sec", "tokens/second")


class _NonFinite:
    """A NaN or Infinity in a JSON file: refused, but only where a field we read holds one."""

    def __init__(self, token: str) -> None:
        self.token = token


class _Reader:
    """Typed access to one JSON result object; errors name the file and the field."""

    def __init__(self, name: str, obj: dict[str, Any], facts: RunFacts) -> None:
        self.name = name
        self.obj = obj
        self.facts = facts

    def get(self, path: str) -> Any:
        value: Any = self.obj
        for part in path.split("."):
            if not isinstance(value, dict) or part not in value:
                return None
            value = value[part]
        return value

    @overload
    def number(self, path: str, *, required: Literal[True] = True, hint: str = "") -> float: ...
    @overload
    def number(self, path: str, *, required: bool, hint: str = "") -> float | None: ...

    def number(self, path: str, *, required: bool = True, hint: str = "") -> float | None:
        value = self.get(path)
        if value is None:
            if required:
                raise DataError(f"{self.name}: field '{path}' is missing.{' ' + hint if hint else ''}")
            return None
        if isinstance(value, _NonFinite):
            raise DataError(f"{self.name}: field '{path}' is {value.token}, not a number; did the run complete?")
        if isinstance(value, str):  # LLMPerf writes some numpy values as text
            try:
                value = float(value)
            except ValueError:
                raise DataError(f"{self.name}: field '{path}' is '{value[:40]}', not a number.") from None
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise DataError(f"{self.name}: field '{path}' is not a number.")
        if value < 0:
            raise DataError(f"{self.name}: field '{path}' is negative ({value:g}).")
        return float(value)

    def whole(self, path: str, *, required: bool = True, hint: str = "") -> int | None:
        value = self.number(path, required=required, hint=hint)
        if value is None:
            return None
        if value != int(value):
            raise DataError(f"{self.name}: field '{path}' must be a whole number (got {value:g}).")
        return int(value)

    def text(self, path: str) -> str | None:
        value = self.get(path)
        if isinstance(value, list) and value and isinstance(value[0], str):
            value = value[0]  # GenAI-Perf's --model takes several names; the first is the one profiled
        if not isinstance(value, str):
            return None
        return value.strip() or None

    def concurrency(self, path: str, hint: str) -> int:
        n = self.whole(path, required=False)
        if n is None:
            n = self.facts.concurrency
        if n is None:
            raise DataError(f"{self.name}: field '{path}' is missing or null. {hint}")
        if n < 1:
            raise DataError(f"{self.name}: field '{path}' is {n}; a load test needs at least one client.")
        return n

    def stat(self, key: str, *, time: bool = False) -> float | None:
        """The ``avg`` of a GenAI-Perf/AIPerf metric object, in seconds when ``time``."""
        obj = self.get(key)
        if obj is None:
            return None
        if not isinstance(obj, dict):
            raise DataError(f"{self.name}: field '{key}' should be an object with 'unit' and 'avg'.")
        avg = self.number(f"{key}.avg")
        unit = obj.get("unit")
        if time:
            if unit not in _TIME_UNITS:
                raise DataError(
                    f"{self.name}: field '{key}.unit' is {json.dumps(unit)}; expected one of {', '.join(_TIME_UNITS)}."
                )
            return avg * _TIME_UNITS[unit] if avg is not None else None
        if key.endswith("throughput") and unit is not None and unit not in _RATE_UNITS:
            raise DataError(f"{self.name}: field '{key}.unit' is {json.dumps(unit)}; expected tokens/sec.")
        return avg


def _metric(value: float | None) -> float | None:
    """Tools write 0 for a metric they could not measure (e.g. TPOT of one-token outputs)."""
    return value if value is not None and value > 0 else None


def _label(name: str, run: int | None, concurrency: int) -> str:
    stem = Path(name).stem
    return f"{stem} #{run} c={concurrency}" if run is not None else f"{stem} c={concurrency}"


# --------------------------------------------------------------------------- one parser per format


def _vllm(r: _Reader, run: int | None) -> Measurement:
    completed = r.whole("completed")
    if not completed:
        raise DataError(f"{r.name}: field 'completed' is 0; no request finished, so there is nothing to compare.")
    rate = r.get("request_rate")
    if isinstance(rate, int | float) and not isinstance(rate, bool) and math.isfinite(rate):
        raise DataError(
            f"{r.name}: field 'request_rate' is {rate:g}, an open-loop run; the comparison needs a fixed number of "
            "clients: run `vllm bench serve --request-rate inf --max-concurrency N`."
        )
    n = r.concurrency("max_concurrency", "Run `vllm bench serve --max-concurrency N` (a fixed number of clients).")
    total_out = r.number("total_output_tokens")
    ttft_ms = _metric(r.number("mean_ttft_ms", required=False))
    if not total_out:
        raise DataError(f"{r.name}: field 'total_output_tokens' is 0; run with a tokenizer so tokens are counted.")
    return Measurement(
        label=_label(r.name, run, n),
        model=r.text("model_id"),
        instance=None,
        backend=None,  # 'backend' in this file is the client's endpoint type, not the server's engine
        precision=None,
        tensor_parallel=None,
        concurrency=n,
        input_tokens=r.number("total_input_tokens") / completed,
        output_tokens=total_out / completed,
        ttft_s=None if ttft_ms is None else ttft_ms / 1000.0,
        tpot_ms=_metric(r.number("mean_tpot_ms", required=False)),
        output_tokens_per_s=_metric(r.number("output_throughput", required=False)),
        source=f"{r.name} (vLLM bench serve)",
    )


def _llmperf(r: _Reader, run: int | None) -> Measurement:
    n = r.concurrency("num_concurrent_requests", "Give the number of concurrent requests of the run.")
    done = r.whole("results_num_completed_requests", required=False)
    if done == 0:
        raise DataError(f"{r.name}: field 'results_num_completed_requests' is 0; no request finished.")
    inp = r.number("results_number_input_tokens_mean", required=False)
    out = r.number("results_number_output_tokens_mean", required=False)
    itl = r.number("results_inter_token_latency_s_mean", required=False)
    return Measurement(
        label=_label(r.name, run, n),
        model=r.text("model"),
        instance=None,
        backend=None,
        precision=None,
        tensor_parallel=None,
        concurrency=n,
        input_tokens=inp if inp else r.number("mean_input_tokens"),
        output_tokens=out if out else r.number("mean_output_tokens"),
        ttft_s=_metric(r.number("results_ttft_s_mean", required=False)),
        tpot_ms=None if not itl else itl * 1000.0,
        output_tokens_per_s=_metric(r.number("results_mean_output_throughput_token_per_s", required=False)),
        source=f"{r.name} (LLMPerf)",
    )


def _awscurl(r: _Reader, run: int | None) -> Measurement:
    if r.get("hasError") is True:
        raise DataError(f"{r.name}: field 'hasError' is true; awscurl did not finish the benchmark.")
    n = r.concurrency("concurrentClients", "Run awscurl with -c N (concurrent clients).")
    total = r.whole("totalRequests")
    failed = r.whole("failedRequests", required=False) or 0
    ok = (total or 0) - failed
    if ok <= 0:
        raise DataError(f"{r.name}: fields 'totalRequests'/'failedRequests': every request failed.")
    tokens = r.number("totalTokens", required=False)
    per_request = tokens / ok if tokens else r.number("tokenPerRequest", required=False)
    if not per_request:
        raise DataError(
            f"{r.name}: field 'totalTokens' is missing or 0; run awscurl with -t (and the TOKENIZER environment "
            "variable set) so it counts generated tokens."
        )
    notes = []
    tokenizer = r.text("tokenizer")
    if tokenizer is None:
        notes.append("awscurl counted words, not tokens (TOKENIZER was not set)")
    latency_ms = r.number("averageLatency", required=False)
    ttfb_ms = r.number("timeToFirstByte", required=False)
    ttft = tpot = None
    if latency_ms and ttfb_ms and ttfb_ms < NOT_STREAMED_SHARE * latency_ms:
        ttft = ttfb_ms / 1000.0
        tpot = (latency_ms - ttfb_ms) / (per_request - 1) if per_request > 1 else None
    elif ttfb_ms:
        notes.append("not streamed: the first byte is the whole answer, so only throughput is compared")
    return Measurement(
        label=_label(r.name, run, n),
        model=r.facts.model or tokenizer,  # the tokenizer is usually the model's Hugging Face id
        instance=None,
        backend=None,
        precision=None,
        tensor_parallel=None,
        concurrency=n,
        input_tokens=None,  # awscurl does not record the prompt length
        output_tokens=per_request,
        ttft_s=ttft,
        tpot_ms=tpot,
        output_tokens_per_s=_metric(r.number("tokenThroughput", required=False)),
        source=f"{r.name} (awscurl)",
        note="; ".join(notes),
    )


def _is_aiperf(obj: dict[str, Any]) -> bool:
    """AIPerf nests its settings (``endpoint``, ``loadgen`` objects); GenAI-Perf writes its flat arguments."""
    cfg = obj.get("input_config")
    nested = isinstance(cfg, dict) and (isinstance(cfg.get("loadgen"), dict) or isinstance(cfg.get("endpoint"), dict))
    return "aiperf_version" in obj or nested


def _nvidia(r: _Reader, run: int | None) -> Measurement:
    aiperf = _is_aiperf(r.obj)
    tool = "AIPerf" if aiperf else "GenAI-Perf"
    if aiperf:
        n = r.concurrency("input_config.loadgen.concurrency", "Run `aiperf profile --concurrency N`.")
        model = r.text("input_config.endpoint.model_names") or r.text("input_config.model_names")
        backend = None
    else:
        n = r.concurrency("input_config.concurrency", "Run `genai-perf profile --concurrency N`.")
        model = r.text("input_config.model")
        # with the Triton service kind, --backend names the server engine
        kind, engine = r.text("input_config.service_kind"), r.text("input_config.backend")
        backend = normalise_backend(engine) if kind == "triton" and engine in ("tensorrtllm", "vllm") else None
    ttft = r.stat("time_to_first_token", time=True)
    itl = r.stat("inter_token_latency", time=True)
    out = r.stat("output_sequence_length")
    if not out:
        raise DataError(f"{r.name}: field 'output_sequence_length' is missing; was a tokenizer given to {tool}?")
    return Measurement(
        label=_label(r.name, run, n),
        model=model,
        instance=None,
        backend=backend,
        precision=None,
        tensor_parallel=None,
        concurrency=n,
        input_tokens=r.stat("input_sequence_length") or None,
        output_tokens=out,
        ttft_s=_metric(ttft),
        tpot_ms=None if not itl else itl * 1000.0,
        output_tokens_per_s=_metric(r.stat("output_token_throughput")),
        source=f"{r.name} ({tool})",
    )


def _csv(name: str, text: str, facts: RunFacts) -> list[Measurement]:
    frame = parse_table(text, TEMPLATE_SCHEMA, name)
    if frame.empty:
        raise DataError(f"{name}: no measurement rows; add one row per load-test run below the header.")
    out = []
    for i, row in enumerate(frame.records, start=2):
        metrics: dict[str, float | None] = {}
        for col in ("ttft_s", "tpot_ms", "output_tokens_per_s"):
            v = row[col]
            if v is not None and not (isinstance(v, float) and math.isnan(v)) and v == 0:
                raise DataError(f"{name}: row {i}, column '{col}': 0 is not a measurement; leave it empty instead.")
            metrics[col] = None if v is None or (isinstance(v, float) and math.isnan(v)) else float(v)
        if not any(v is not None for v in metrics.values()):
            raise DataError(f"{name}: row {i}: no metric; fill at least one of ttft_s, tpot_ms, output_tokens_per_s.")
        tp = row["tp"]
        n = int(row["concurrency"])

        def cell(col: str, row: dict = row) -> str | None:
            v = row[col]
            return None if v is None or (isinstance(v, float) and math.isnan(v)) else str(v)

        out.append(
            Measurement(
                label=f"{Path(name).stem} row {i} c={n}",
                model=cell("model"),
                instance=cell("instance"),
                backend=cell("backend"),
                precision=cell("precision"),
                tensor_parallel=None if tp is None or (isinstance(tp, float) and math.isnan(tp)) else int(tp),
                concurrency=n,
                input_tokens=float(row["input_tokens"]),
                output_tokens=float(row["output_tokens"]),
                source=f"{name}: {row['source']}" + (f" ({row['as_of']})" if cell("as_of") else ""),
                ttft_s=metrics["ttft_s"],
                tpot_ms=metrics["tpot_ms"],
                output_tokens_per_s=metrics["output_tokens_per_s"],
            )
        )
    return out


_JSON_PARSERS: dict[str, Callable[[_Reader, int | None], Measurement]] = {
    "vllm": _vllm,
    "llmperf": _llmperf,
    "awscurl": _awscurl,
    "genai-perf": _nvidia,
    "aiperf": _nvidia,
}


def _json_kind(obj: Any) -> str | None:
    if not isinstance(obj, dict):
        return None
    if "completed" in obj and any(k in obj for k in ("mean_ttft_ms", "mean_tpot_ms", "output_throughput")):
        return "vllm"
    if "num_concurrent_requests" in obj or any(isinstance(k, str) and k.startswith("results_") for k in obj):
        return "llmperf"
    if "concurrentClients" in obj or "totalTimeMills" in obj:
        return "awscurl"
    stats = ("time_to_first_token", "inter_token_latency", "output_token_throughput", "request_throughput")
    if any(isinstance(obj.get(k), dict) and "avg" in obj[k] for k in stats):
        return "aiperf" if _is_aiperf(obj) else "genai-perf"
    return None


_UNKNOWN = (
    "not a load-test result this app reads. Use a vLLM `bench serve --save-result` JSON, an LLMPerf "
    "*_summary.json, awscurl's -P output, a GenAI-Perf/AIPerf profile export JSON, or the CSV template "
    "(data/calibration/template.csv)."
)


def _json_documents(name: str, text: str) -> list[Any]:
    """One JSON document, or several one per line (``vllm bench serve --append-result``)."""

    def parse(chunk: str) -> Any:
        return json.loads(chunk, parse_constant=_NonFinite)

    try:
        return [parse(text)]
    except RecursionError:
        raise DataError(f"{name}: nested too deeply to be a load-test result.") from None
    except json.JSONDecodeError as exc:
        if exc.msg != "Extra data":
            raise DataError(f"{name}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}).") from None
    docs = []
    for line_no, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            try:
                docs.append(parse(line))
            except (json.JSONDecodeError, RecursionError):
                raise DataError(f"{name}: line {line_no} is not a JSON object; expected one result per line.") from None
    return docs


def detect_format(text: str) -> str:
    """The format key (see :data:`FORMATS`) of a result file's text; DataError when none fits."""
    return _detect("file", text)


def _detect(name: str, text: str) -> str:
    body = text.lstrip("\ufeff \t\r\n")
    if not body:
        raise DataError(f"{name}: the file is empty.")
    if body[0] in "{[":
        docs = _json_documents(name, body)
        kinds = {_json_kind(d) for d in docs}
        if len(kinds) != 1 or None in kinds:
            raise DataError(f"{name}: {_UNKNOWN}")
        return kinds.pop()  # type: ignore[return-value]
    header = body.splitlines()[0].lower()
    if "concurrency" in header and "output_tokens" in header:
        return "csv"
    if header.startswith("metric,"):
        raise DataError(f"{name}: this is GenAI-Perf/AIPerf's CSV export; load its JSON export instead.")
    raise DataError(f"{name}: {_UNKNOWN}")


def measurements_from_text(name: str, text: str, facts: RunFacts | None = None) -> tuple[Measurement, ...]:
    """Every run in a result file's text, with ``facts`` filling what the file does not record.

    ``name`` is the file name, used in labels and error messages.
    """
    facts = facts or RunFacts()
    kind = _detect(name, text)
    if kind == "csv":
        raw = _csv(name, text, facts)
        wheres = [f"{name}: row {i}" for i in range(2, len(raw) + 2)]
    else:
        docs = _json_documents(name, text.lstrip("\ufeff \t\r\n"))
        several = len(docs) > 1
        raw = []
        wheres = []
        for i, doc in enumerate(docs, start=1):
            where = f"{name}: run {i}" if several else name
            raw.append(_JSON_PARSERS[kind](_Reader(where, doc, facts), i if several else None))
            wheres.append(where)
    out = []
    for m, where in zip(raw, wheres, strict=True):
        m = with_facts(m, facts)
        check(m, where)
        out.append(m)
    return tuple(out)


def load_measurements(path: str | Path, facts: RunFacts | None = None) -> tuple[Measurement, ...]:
    """Read a load-test result file (any format in :data:`FORMATS`), refusing huge or binary files."""
    p = Path(path)
    return measurements_from_text(p.name, read_text(p), facts)
