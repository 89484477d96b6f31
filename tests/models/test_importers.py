"""Load-test result importers: each documented format reads to the hand-checked figures; bad files are named."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lmi_explorer.models.calibration.importers import (
    FORMATS,
    TEMPLATE_SCHEMA,
    detect_format,
    load_measurements,
    measurements_from_text,
)
from lmi_explorer.models.calibration.measurements import RunFacts
from lmi_explorer.models.errors import DataError
from lmi_explorer.models.files import data_root

SAMPLES = Path(__file__).parent / "samples" / "measurements"


def one(path: str, facts: RunFacts | None = None):
    (m,) = load_measurements(SAMPLES / path, facts)
    return m


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        ("vllm_bench_serve.json", "vllm"),
        ("llmperf_summary.json", "llmperf"),
        ("awscurl_result.json", "awscurl"),
        ("profile_export_genai_perf.json", "genai-perf"),
        ("profile_export_aiperf.json", "aiperf"),
        ("measurements.csv", "csv"),
    ],
)
def test_format_is_detected_by_content(path, kind):
    assert detect_format((SAMPLES / path).read_text()) == kind
    assert kind in FORMATS


def test_vllm_bench_serve():
    m = one("vllm_bench_serve.json")
    assert (m.model, m.concurrency) == ("meta-llama/Llama-3.1-8B", 16)
    assert (m.input_tokens, m.output_tokens) == (1000.0, 200.0)  # 320,000 / 320 and 64,000 / 320
    assert (m.ttft_s, m.tpot_ms, m.output_tokens_per_s) == (0.16, 41.0, 385.1)
    assert m.instance is m.backend is m.precision is m.tensor_parallel is None  # not in the file
    assert m.label == "vllm_bench_serve c=16"


def test_vllm_append_result_is_one_run_per_line():
    doc = json.loads((SAMPLES / "vllm_bench_serve.json").read_text())
    lines = [json.dumps(doc), json.dumps({**doc, "max_concurrency": 32, "mean_tpot_ms": 55.0})]
    runs = measurements_from_text("sweep.json", "\n".join(lines) + "\n")
    assert [(m.label, m.concurrency, m.tpot_ms) for m in runs] == [
        ("sweep #1 c=16", 16, 41.0),
        ("sweep #2 c=32", 32, 55.0),
    ]


def test_llmperf_summary():
    m = one("llmperf_summary.json")
    assert (m.model, m.concurrency, m.input_tokens, m.output_tokens) == ("meta-llama/Llama-3.1-8B", 8, 550.0, 151.5)
    assert m.ttft_s == 0.125
    assert m.tpot_ms == pytest.approx(30.5)  # 0.0305 s inter-token latency
    assert m.output_tokens_per_s == 254.3


def test_awscurl_streaming_summary():
    m = one("awscurl_result.json", RunFacts(input_tokens=1000, instance="ml.g5.12xlarge", backend="lmi-dist"))
    assert m.concurrency == 10
    assert m.output_tokens == 256.0  # 76,800 tokens / 300 requests
    assert m.ttft_s == pytest.approx(0.4113)
    assert m.tpot_ms == pytest.approx((10866.2 - 411.3) / 255)
    assert m.output_tokens_per_s == 235.56
    assert m.model == "TheBloke/Llama-2-13B-fp16"  # from the tokenizer, for want of a model field
    assert (m.input_tokens, m.instance, m.backend) == (1000.0, "g5.12xlarge", "lmi-dist")
    assert m.note == ""


def test_awscurl_without_streaming_or_tokenizer_keeps_throughput_only():
    doc = json.loads((SAMPLES / "awscurl_result.json").read_text())
    del doc["tokenizer"]
    doc["timeToFirstByte"] = 10800.0
    (m,) = measurements_from_text("plain.json", json.dumps(doc))
    assert m.ttft_s is m.tpot_ms is None
    assert m.output_tokens_per_s == 235.56
    assert "words" in m.note and "not streamed" in m.note


def test_genai_perf_export():
    m = one("profile_export_genai_perf.json")
    assert (m.model, m.concurrency, m.input_tokens, m.output_tokens) == ("meta-llama/Llama-3.1-8B", 4, 512.0, 128.0)
    assert m.ttft_s == pytest.approx(0.0615)
    assert m.tpot_ms == pytest.approx(8.75)
    assert m.output_tokens_per_s == 436.5
    assert m.backend is None  # --backend only names the engine with the Triton service kind


def test_genai_perf_triton_backend_names_the_engine_and_units_convert():
    doc = json.loads((SAMPLES / "profile_export_genai_perf.json").read_text())
    doc["input_config"]["service_kind"] = "triton"
    doc["time_to_first_token"] = {"unit": "ns", "avg": 61_500_000}
    (m,) = measurements_from_text("triton.json", json.dumps(doc))
    assert m.backend == "trtllm"
    assert m.ttft_s == pytest.approx(0.0615)


def test_aiperf_export():
    m = one("profile_export_aiperf.json")
    assert (m.model, m.concurrency, m.input_tokens, m.output_tokens) == ("meta-llama/Llama-3.1-70B", 32, 2000.0, 200.0)
    assert (m.ttft_s, m.tpot_ms, m.output_tokens_per_s) == (pytest.approx(0.402), pytest.approx(24.7), 1203.9)


def test_csv_template_rows():
    runs = load_measurements(SAMPLES / "measurements.csv")
    assert [m.concurrency for m in runs] == [1, 16, 64]
    last = runs[2]
    assert (last.instance, last.backend, last.precision, last.tensor_parallel) == ("g6e.2xlarge", "vllm", "bf16", 1)
    assert (last.ttft_s, last.tpot_ms, last.output_tokens_per_s) == (None, 82.5, None)
    assert last.label == "measurements row 4 c=64"


def test_shipped_template_has_the_documented_columns():
    header = (data_root() / "calibration" / "template.csv").read_text().splitlines()[0].split(",")
    assert header == [*TEMPLATE_SCHEMA, "source", "as_of"]


def test_file_facts_win_over_given_facts():
    m = one("vllm_bench_serve.json", RunFacts(model="other", concurrency=3))
    assert (m.model, m.concurrency) == ("meta-llama/Llama-3.1-8B", 16)


# --------------------------------------------------------------------------- bad files


def vllm_doc(**changes) -> str:
    doc = json.loads((SAMPLES / "vllm_bench_serve.json").read_text())
    doc.update(changes)
    return json.dumps(doc)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (vllm_doc(max_concurrency=None), r"run.json: field 'max_concurrency' is missing or null\. Run `vllm bench"),
        (vllm_doc(request_rate=4.0), r"run.json: field 'request_rate' is 4, an open-loop run"),
        (vllm_doc(completed=0), r"run.json: field 'completed' is 0"),
        (vllm_doc(total_input_tokens="many"), r"run.json: field 'total_input_tokens' is 'many', not a number"),
        (vllm_doc(mean_tpot_ms=-3), r"run.json: field 'mean_tpot_ms' is negative"),
        (vllm_doc().replace('"mean_ttft_ms": 160.0', '"mean_ttft_ms": NaN'), r"field 'mean_ttft_ms' is NaN"),
        (vllm_doc(mean_ttft_ms=None, mean_tpot_ms=None, output_throughput=None), r"run.json: no metric measured"),
        ('{"completed": 3, "mean_ttft_ms": 1', r"run.json: not valid JSON \(line 1"),
        ('{"hello": 1}', r"run.json: not a load-test result this app reads"),
        ("", r"run.json: the file is empty"),
        ('{"concurrentClients": 2, "totalRequests": 4, "failedRequests": 4}', r"every request failed"),
        ('{"concurrentClients": 2, "totalRequests": 4, "tokenThroughput": 9}', r"field 'totalTokens' is missing.*-t"),
        (
            '{"time_to_first_token": {"unit": "fortnights", "avg": 1}, "input_config": {"concurrency": 2}}',
            r"field 'time_to_first_token.unit' is \"fortnights\"",
        ),
        (
            '{"output_token_throughput": {"unit": "tokens/sec", "avg": 1}, "input_config": {"concurrency": null}}',
            r"field 'input_config.concurrency' is missing or null\. Run `genai-perf profile --concurrency N`",
        ),
        ("Metric,avg,min\nTime to First Token (ms),1,1\n", r"GenAI-Perf/AIPerf's CSV export"),
        ("model,concurrency,output_tokens\n", r"run.json: missing column\(s\) instance"),
    ],
)
def test_bad_files_name_the_file_and_field(text, message):
    with pytest.raises(DataError, match=message):
        measurements_from_text("run.json", text)


def test_bad_csv_rows_name_row_and_column():
    header = (
        "model,instance,backend,precision,tp,concurrency,input_tokens,output_tokens,ttft_s,tpot_ms,"
        "output_tokens_per_s,source,as_of\n"
    )
    with pytest.raises(DataError, match=r"mine.csv: row 2, column 'concurrency': 'x' is not a number"):
        measurements_from_text("mine.csv", header + "m,g5.xlarge,vllm,bf16,1,x,10,10,1,1,1,me,2026\n")
    with pytest.raises(DataError, match=r"mine.csv: row 2, column 'tpot_ms': 0 is not a measurement"):
        measurements_from_text("mine.csv", header + "m,g5.xlarge,vllm,bf16,1,2,10,10,,0,,me,2026\n")
    with pytest.raises(DataError, match=r"mine.csv: row 2: no metric"):
        measurements_from_text("mine.csv", header + "m,g5.xlarge,vllm,bf16,1,2,10,10,,,,me,2026\n")
    with pytest.raises(DataError, match=r"mine.csv: no measurement rows"):
        measurements_from_text("mine.csv", header)


def test_binary_and_huge_files_are_refused(tmp_path):
    binary = tmp_path / "blob.json"
    binary.write_bytes(b"\x00\x01\x02")
    with pytest.raises(DataError, match=r"blob\.json: looks like a binary file"):
        load_measurements(binary)
    with pytest.raises(DataError, match=r"missing\.json: cannot be read"):
        load_measurements(tmp_path / "missing.json")
