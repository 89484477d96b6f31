"""Refit the shipped efficiency factors and the estimate's ranges from the published calibration set.

Fits η_bw, η_f, the step overhead and (where TP varies) the link efficiency per backend × accelerator to
``data/calibration/loadtests.csv`` with the same search a user's load tests get
(:func:`models.calibration.fit.fit_measurements`), then writes

- ``data/backends/efficiency.csv``: a fitted row per (backend, accelerator) with at least ``MIN_POINTS``
  figures and a median |error| within ``MAX_FIT_ERROR``; any other accelerator takes the fit of the same
  backend on the nearest architecture (``NEAREST``), flagged as such; rows of backends with no published
  point are kept as they are;
- ``data/calibration/residuals.csv``: per (backend, accelerator, metric) the 10th and 90th percentile of
  log(estimate / measured) after the fit, the evidence behind each estimate's likely range.

Only points measured on the backend's own engine are fitted (``FIT_ENGINES``: a TGI-neuron point is compared
with the Transformers NeuronX estimate but does not set its factors). The search starts from the backend's
``*`` row, which this tool never rewrites, so a second run gives the same files; a row's ``as_of`` changes
only when its figures do.

Run: ``python tools/fit_published.py`` (prints what it fitted; ``--dry-run`` writes nothing).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import math
from dataclasses import replace
from pathlib import Path

import numpy as np

from lmi_explorer.models.calibration.fit import fit_measurements
from lmi_explorer.models.calibration.published import (
    BACKEND_ENGINES,
    all_at_once_labels,
    burst,
    load_published,
    parity_scenario,
    placement,
    published_measurements,
    published_parity,
)
from lmi_explorer.models.estimate import ranges
from lmi_explorer.models.files import data_root
from lmi_explorer.models.reference.backends import load_backends
from lmi_explorer.models.reference.hardware import load_hardware

MIN_POINTS = 3
#: a fit whose median |error| stays above this is not credible (the figures disagree with the model or
#: with each other): the accelerator takes the nearest architecture's fit instead, flagged
MAX_FIT_ERROR = 0.35
#: accelerator architecture -> architectures whose fit stands in, nearest first
NEAREST = {
    "turing": ("ampere", "ada"),
    "volta": ("ampere",),
    "ampere": ("ada", "hopper"),
    "ada": ("ampere", "hopper"),
    "hopper": ("blackwell", "ampere"),
    "blackwell": ("hopper",),
    "blackwell-rtx": ("ada", "hopper"),
    "neuron-v2": ("neuron-v3",),
    "neuron-v3": ("neuron-v2",),
}
METRICS = ("ttft_ms", "tpot_ms", "output_tokens_per_s")
#: backend -> engines whose points set its factors (the app's backend is that engine inside LMI)
FIT_ENGINES = BACKEND_ENGINES
SOURCE = "log(estimate / measured) after the fit: tools/fit_published.py over data/calibration/loadtests.csv"


def _rows(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        return list(reader.fieldnames or []), list(reader)


def _write(path: Path, header: list[str], rows: list[dict[str, str]]) -> None:
    out = io.StringIO()
    w = csv.DictWriter(out, fieldnames=header, lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")


def _keep_date(row: dict[str, str], old: dict[str, str] | None) -> dict[str, str]:
    """``row`` with the previous ``as_of`` where nothing else changed (a rerun rewrites the same file)."""
    if old is not None and all(old.get(k) == v for k, v in row.items() if k != "as_of"):
        return {**row, "as_of": old.get("as_of", row["as_of"])}
    return row


def _engines(backend: str, accelerator: str) -> str:
    versions = sorted(
        {
            f"{p.engine} {p.engine_version}".strip()
            for p in load_published()
            if p.backend == backend
            and p.accelerator == accelerator
            and p.engine in FIT_ENGINES.get(backend, (p.engine,))
        }
    )
    return ", ".join(versions)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dry-run", action="store_true")
    args = ap.parse_args()
    today = dt.date.today().isoformat()
    # the central figures do not depend on the ranges being refitted here: estimate without them
    ranges._residuals.cache_clear()
    ranges._residuals = lambda: {}  # type: ignore[assignment]
    ranges.spread_for.cache_clear()
    own = {p.label for p in load_published() if p.fitted}
    point_of = {p.label: p for p in load_published()}
    # a rate-inf run's TTFT is the queue through the whole submission: the report does not compare it, so the
    # fit does not chase it either (its TPOT and throughput stay)
    measurements = [
        replace(m, ttft_s=None) if point_of[m.label].workload == "rate_inf" else m
        for m in published_measurements()
        if m.label in own
    ]
    base = parity_scenario()
    # rate-inf submissions are replayed step by step (models.estimate.burst), as the parity report prices them
    bursts = {}
    for m in measurements:
        p = point_of[m.label]
        if p.workload == "rate_inf":
            sched, _ph, _why = burst(p, placement(p, base))
            if sched is not None:
                bursts[m.label] = sched
    bk = load_backends()
    report = fit_measurements(
        measurements,
        parity_scenario(),
        name="published",
        start_for=lambda backend, _acc: bk.efficiency_for(backend, "*"),
        all_at_once=all_at_once_labels(),
        # each point as the parity report places it (its recorded memory share, KV-cache type, length spread)
        place_for=lambda m, scenario: placement(point_of[m.label], scenario),
        bursts=bursts,
    )
    fitted = {
        (f.backend, f.accelerator): f
        for f in report.calibration.overrides()
        if f.points >= MIN_POINTS and (f.median_error_after or 0.0) <= MAX_FIT_ERROR
    }
    # a fit whose points could not tell the KV reads from the weights takes the KV share of η_bw that the
    # same backend's other fits found (their median), so no accelerator reads its KV cache for free
    shared_kv: dict[tuple[str, str], float] = {}
    for backend in sorted({b for b, _ in fitted}):
        shares = [f.eta_kv / f.eta_bw for (b, _a), f in fitted.items() if b == backend and f.eta_kv is not None]
        if not shares:
            continue
        share = float(np.median(shares))
        for key, f in list(fitted.items()):
            if key[0] == backend and f.eta_kv is None:
                fitted[key] = replace(f, eta_kv=round(max(f.eta_bw * share, 0.05), 3))
                shared_kv[key] = share
    for f in report.calibration.overrides():
        if (f.backend, f.accelerator) not in fitted:
            print(f"  not shipped: {f.backend} {f.accelerator} ({f.points} figures, {(f.median_error_after or 0):.0%})")
    print(f"median |error| before {report.median_error_before:.1%}, after {report.median_error_after:.1%}")
    for f in fitted.values():
        print(
            f"  {f.backend:8s} {f.accelerator:12s} η_bw {f.eta_bw:.3f} η_f {f.eta_f:.3f} "
            f"step {f.step_overhead_ms:.2f} ms "
            f"link {f.eta_link if f.eta_link is not None else '—'} kv {f.eta_kv if f.eta_kv is not None else '—'} "
            f"seq {f.seq_overhead_us if f.seq_overhead_us is not None else '—'} µs "
            f"first {f.first_token_ms if f.first_token_ms is not None else '—'} ms  "
            f"{f.points} figures, "
            f"{(f.median_error_before or 0):.1%} → {(f.median_error_after or 0):.1%}"
        )
    path = data_root() / "backends" / "efficiency.csv"
    header, rows = _rows(path)
    keep = [r for r in rows if (r["backend"], r["accelerator"]) not in fitted]
    new = []
    for (backend, acc), f in sorted(fitted.items()):
        new.append(
            {
                "backend": backend,
                "accelerator": acc,
                "eta_bw": f"{f.eta_bw:g}",
                "eta_f": f"{f.eta_f:g}",
                "step_overhead_ms": f"{f.step_overhead_ms:g}",
                "eta_link": "" if f.eta_link is None else f"{f.eta_link:g}",
                "eta_kv": "" if f.eta_kv is None else f"{f.eta_kv:g}",
                "seq_overhead_us": "" if f.seq_overhead_us is None else f"{f.seq_overhead_us:g}",
                "first_token_ms": "" if f.first_token_ms is None else f"{f.first_token_ms:g}",
                "source": (
                    f"Fit (tools/fit_published.py) to {f.points} published figures in data/calibration/loadtests.csv "
                    f"({_engines(backend, acc)})"
                ),
                "as_of": today,
                "notes": (
                    f"median |error| {(f.median_error_before or 0):.0%} with the factors before, "
                    f"{(f.median_error_after or 0):.0%} after"
                    + (
                        f"; eta_kv = eta_bw x {shared_kv[(backend, acc)]:.2f}, the median share of the other "
                        f"{backend} fits (these points do not separate KV reads from weights)"
                        if (backend, acc) in shared_kv
                        else ""
                    )
                ),
            }
        )
    # accelerators of a fitted backend without enough points: the nearest architecture's fit
    hw = load_hardware()
    arch_of = {a: acc.architecture for a, acc in hw.accelerators.items()}
    for backend in sorted({b for b, _ in fitted}):
        mine = {a: f for (b, a), f in fitted.items() if b == backend}
        for acc, arch in sorted(arch_of.items()):
            if acc in mine or hw.accelerators[acc].is_neuron != (backend in ("tnx", "vllm-neuron")):
                continue
            if not load_backends().backends[backend].runs_on(arch):
                continue
            # the same architecture's fits, else the nearest's; among several, the one that fits its points best
            ranked = sorted(mine, key=lambda a, m=mine: m[a].median_error_after or 0.0)
            donors = [a for a in ranked if arch_of[a] == arch] or [
                a for near in NEAREST.get(arch, ()) for a in ranked if arch_of[a] == near
            ]
            if not donors:
                continue
            d = mine[donors[0]]
            keep = [r for r in keep if (r["backend"], r["accelerator"]) != (backend, acc)]
            new.append(
                {
                    "backend": backend,
                    "accelerator": acc,
                    "eta_bw": f"{d.eta_bw:g}",
                    "eta_f": f"{d.eta_f:g}",
                    "step_overhead_ms": f"{d.step_overhead_ms:g}",
                    "eta_link": "" if d.eta_link is None else f"{d.eta_link:g}",
                    "eta_kv": "" if d.eta_kv is None else f"{d.eta_kv:g}",
                    "seq_overhead_us": "" if d.seq_overhead_us is None else f"{d.seq_overhead_us:g}",
                    "first_token_ms": "" if d.first_token_ms is None else f"{d.first_token_ms:g}",
                    "source": (
                        f"No credible fit on this accelerator ({MIN_POINTS}+ published figures within "
                        f"{MAX_FIT_ERROR:.0%}): uses the {donors[0]} fit (nearest architecture: "
                        f"{arch_of[donors[0]]}) of tools/fit_published.py"
                    ),
                    "as_of": today,
                    "notes": "uncalibrated on this accelerator",
                }
            )
    previous = {(r["backend"], r["accelerator"]): r for r in rows}
    out_rows = [_keep_date(r, previous.get((r["backend"], r["accelerator"]))) for r in new] + keep
    if not args.dry_run:
        _write(path, header, out_rows)
        load_backends.cache_clear()
        from lmi_explorer.models.estimate import clear_caches

        clear_caches()
    # residuals after the fit: the evidence behind each estimate's range
    frame = published_parity()
    # the evidence behind the ranges: the points the factors were fitted to (not another server's, nor a
    # point set aside as at odds with its own source)
    fitted_cases = {p.case for p in load_published() if p.fitted}
    frame = frame[
        frame["metric"].isin(METRICS)
        & frame["estimate"].notna()
        & (frame["measured"] > 0)
        & frame["point"].isin(fitted_cases)
    ]
    log_err = np.log(frame["estimate"].astype(float) / frame["measured"].astype(float))
    frame = frame.assign(log_error=log_err)
    res = []
    for keys, g in [
        *frame.groupby(["backend", "accelerator", "metric"]),
        *(((b, "*", m), g) for (b, m), g in frame.groupby(["backend", "metric"])),
        *((("*", "*", m), g) for m, g in frame.groupby("metric")),
    ]:
        backend, acc, metric = keys
        # lower / higher order statistics: the band holds at least 80 % of the points behind it
        q10 = float(np.quantile(g["log_error"], 0.1, method="lower"))
        q90 = float(np.quantile(g["log_error"], 0.9, method="higher"))
        res.append(
            {
                "backend": backend,
                "accelerator": acc,
                "metric": metric,
                "points": str(len(g)),
                "q10": f"{q10:.4f}",
                "q90": f"{q90:.4f}",
                "median_abs_error": f"{float(np.median(np.abs(np.exp(g['log_error']) - 1))):.4f}",
                "source": SOURCE,
                "as_of": today,
            }
        )
    print(f"{len(res)} residual rows; overall:")
    for r in res:
        if r["backend"] == "*":
            lo, hi = math.exp(float(r["q10"])) - 1, math.exp(float(r["q90"])) - 1
            med = float(r["median_abs_error"])
            print(f"  {r['metric']:20s} {r['points']:>4s} points, median |err| {med:.1%}, p10–p90 {lo:+.0%}…{hi:+.0%}")
    if not args.dry_run:
        res_path = data_root() / "calibration" / "residuals.csv"
        _, old = _rows(res_path) if res_path.exists() else ([], [])
        before = {(r["backend"], r["accelerator"], r["metric"]): r for r in old}
        res = [_keep_date(r, before.get((r["backend"], r["accelerator"], r["metric"]))) for r in res]
        _write(res_path, list(res[0]), res)


if __name__ == "__main__":
    main()
