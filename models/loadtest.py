"""What a load generator would measure: each option at exactly N concurrent requests.

A closed loop of N clients (each sends, waits for the answer, sends again), the way vLLM's
serving benchmark, LLMPerf or awscurl report. Up to the backend's memory limit all N run in
one batch; beyond it the extra requests wait for a free slot.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from models._resources import DataError
from models.estimate.options import option_grid
from models.estimate.pipeline import memory_and_physics, traffic_stats
from models.estimate.speed import steady_state
from models.scenario import Scenario

LOADTEST_COLUMNS = [
    "backend", "instance", "precision", "tensor_parallel", "concurrency", "batch", "max_concurrency",
    "tpot_ms", "ttft_s", "e2e_latency_s", "output_tokens_per_s", "requests_per_s",
]  # fmt: skip


def at_concurrency(
    scenario: Scenario,
    concurrency: int,
    *,
    instance: str | None = None,
    backend: str | None = None,
    precision: str | None = None,
    tensor_parallel: int | None = None,
) -> pd.DataFrame:
    """Latency and throughput of one model copy of each matching option with ``concurrency`` clients."""
    if concurrency < 1:
        raise DataError(f"concurrency: {concurrency} must be at least 1.")
    model = scenario.model()
    d = scenario.deployment
    ts = traffic_stats(scenario, model)
    grid = option_grid(model, d.lmi_release, d.hardware, d.instance_families, d.precisions, d.tensor_parallel,
                       d.kv_cache_dtype)  # fmt: skip
    _fits, _cap, bmax, idx, ph = memory_and_physics(
        grid, model.context, ts.mean_input, ts.mean_output, ts.bound_input, ts.bound_output
    )
    if len(idx) == 0:
        return pd.DataFrame(columns=LOADTEST_COLUMNS)
    b = np.minimum(concurrency, bmax[idx])
    st = steady_state(ph, b, utilisation=0.0)  # a closed loop has no random arrivals to queue behind
    # requests beyond the memory limit wait for a slot: on average (N - B) / X
    wait = np.maximum(concurrency - b, 0) / st.requests_per_s
    ttft = st.ttft_s + wait
    e2e = ttft + ph.decode_steps * st.tpot_s
    per_config = pd.DataFrame({
        "config": idx, "batch": b, "max_concurrency": bmax[idx], "tpot_ms": st.tpot_s * 1000.0, "ttft_s": ttft,
        "e2e_latency_s": e2e, "output_tokens_per_s": st.requests_per_s * ts.mean_output,
        "requests_per_s": st.requests_per_s,
    })  # fmt: skip
    rows = pd.DataFrame({
        "backend": grid.backend, "instance": grid.instance, "precision": grid.precision,
        "tensor_parallel": grid.tensor_parallel, "config": grid.config,
    })  # fmt: skip
    out = rows.merge(per_config, on="config", how="inner")
    for col, value in (("instance", instance), ("backend", backend), ("precision", precision),
                       ("tensor_parallel", tensor_parallel)):  # fmt: skip
        if value is not None:
            out = out[out[col] == value]
    out.insert(4, "concurrency", concurrency)
    return out[LOADTEST_COLUMNS].reset_index(drop=True)
