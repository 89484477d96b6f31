"""The working behind an estimate: every assumption, its value and where it comes from."""

from __future__ import annotations

from dataclasses import dataclass

from lmi_explorer.models.calibration.points import accelerator_label
from lmi_explorer.models.calibration.user import FittedEfficiency
from lmi_explorer.models.decision import Decision
from lmi_explorer.models.estimate import Estimate
from lmi_explorer.models.estimate.memory import kv_layout, window_caps
from lmi_explorer.models.estimate.precisions import full_precision
from lmi_explorer.models.export import RESIDUALS_SOURCE, spread_evidence
from lmi_explorer.models.reference.backends import Efficiency, load_backends, release_summary
from lmi_explorer.models.reference.catalog import ModelSpec
from lmi_explorer.models.reference.hardware import load_hardware
from lmi_explorer.models.reference.memory_reserve import engine_reserve
from lmi_explorer.models.reference.model_architecture import architecture_of, attention_label
from lmi_explorer.models.scenario import DEFAULTS, Scenario
from lmi_explorer.models.units import gib, percent, tokens, usd


@dataclass(frozen=True, slots=True)
class Assumption:
    topic: str
    item: str
    value: str
    source: str


def assumptions(est: Estimate, dec: Decision, scenario: Scenario | None = None) -> list[Assumption]:
    """What a figure rests on: model config, traffic shape, backend settings, hardware, price, data dates.

    ``scenario`` is the whole scenario (its traffic classes and day shapes), when it has more than the
    estimate's main traffic.
    """
    bk = load_backends()
    hw = load_hardware()
    m = est.model
    s = est.scenario
    ts = est.traffic
    out: list[Assumption] = [
        Assumption(
            "Model",
            m.name,
            f"{m.params_billion:.3f}B parameters, {m.layers} layers, {m.heads} heads / "
            f"{m.kv_heads} KV heads, context {m.context:,}",
            m.source or "catalog",
        ),
        *architecture_assumptions(m),
        Assumption(
            "Traffic",
            "Input length",
            f"mean {ts.mean_input:,.0f} tokens (after truncation), CV "
            f"{s.traffic.input_cv:g}, p{s.deployment.bound_percentile * 100:g} {ts.bound_input:,.0f}",
            "log-normal by mean and CV, cut at the context",
        ),
        Assumption(
            "Traffic",
            "Output length",
            f"mean {ts.mean_output:,.0f} tokens, CV {s.traffic.output_cv:g}, "
            f"p{s.deployment.bound_percentile * 100:g} {ts.bound_output:,.0f}",
            "log-normal by mean and CV, cut at what the context leaves",
        ),
        Assumption(
            "Traffic",
            "Beyond compiled bounds",
            percent(ts.share_beyond, 1),
            "share of requests longer than the compiled backends' bounds",
        ),
        Assumption("Planning", "Hours per month", f"{s.deployment.hours_per_month:g}", "scenario (730 = always on)"),
        Assumption(
            "Planning",
            "Target utilisation",
            percent(s.deployment.target_utilisation),
            "scenario: replicas sized to run at this share of their SLO capacity",
        ),
        Assumption(
            "Decision",
            "Even/uneven threshold",
            f"spread ≤ {DEFAULTS['even_spread_threshold']:g} is even",
            "data/defaults.json (between the guide's even and uneven examples)",
        ),
    ]
    lmi = s.deployment.lmi_release
    rel = bk.releases.where(lmi_version=lmi)[0]
    out.append(
        Assumption(
            "Release",
            bk.release_label(lmi),
            release_summary(bk, lmi).split("\n", 1)[1].replace("\n", "; ").replace("• ", ""),
            f"{rel['source']} (as of {rel['as_of']}); data/backends/release_changes.csv",
        )
    )
    r = dec.recommendation
    if r.backend in bk.backends:
        sup = bk.support_for(r.backend, m, lmi)
        b = bk.backends[r.backend]
        out.append(
            Assumption(
                "Support",
                f"{b.name}: {m.architecture}",
                f"{sup.level.value}: {sup.reason}",
                "data/backends/vllm_registry.csv (vLLM's own model registry per version)"
                if b.registry
                else "data/backends/support.csv",
            )
        )
    if r.instance is not None:
        inst = hw.instances[r.instance]
        acc = hw.accelerators[inst.accelerator]
        b = bk.backends[r.backend]
        eff = bk.efficiency_for(r.backend, acc.accelerator)
        mine = (r.backend, acc.accelerator)
        fitted = next((f for f in s.efficiency_overrides() if (f.backend, f.accelerator) == mine), None)
        row = est.options[
            (est.options["backend"] == r.backend)
            & (est.options["instance"] == r.instance)
            & (est.options["precision"] == r.precision)
            & (est.options["tensor_parallel"] == r.tensor_parallel)
        ].iloc[0]
        q = est.prices.quote(
            r.instance, s.deployment.region, s.deployment.platform, s.deployment.pricing_option, s.deployment.discount
        )
        profiled = engine_reserve(m, bk, r.backend, lmi, acc.accelerator)
        out += [
            Assumption(
                "Backend",
                b.name,
                f"memory fraction {b.memory_fraction:g} ({b.memory_mode}), max batch "
                f"{b.max_batch}, {'compiled' if b.compiled else 'not compiled'}, "
                f"{'paged KV' if b.paged_kv else 'static KV reservation'}; reserved before the KV cache: "
                + (
                    profiled.describe(r.tensor_parallel or 1, b.name)
                    if profiled is not None
                    else f"the accelerator's runtime reserve, {gib(acc.reserve_bytes)} (no profile measured for "
                    f"this engine version and accelerator)"
                ),
                b.source
                if profiled is None
                else f"{b.source}; reserve: data/backends/memory_reserve.csv, {profiled.source} "
                f"(as of {profiled.as_of})",
            ),
            _efficiency(eff, fitted, s.calibration.name if s.calibration else ""),
            Assumption(
                "Hardware",
                acc.name,
                f"{gib(acc.memory_bytes)} usable per device, "
                f"{acc.bandwidth_bytes_s / 1e9:,.0f} GB/s, {acc.fp16_flops / 1e12:,.0f} TFLOPS 16-bit, "
                f"runtime reserve {gib(acc.reserve_bytes)} "
                + (
                    f"(not applied: {b.name}'s own profiled reserve replaces it; the CUDA context lies in the "
                    f"1 − {b.memory_fraction:g} headroom)"
                    if profiled is not None
                    else "(applied)"
                ),
                f"{acc.source} (as of {acc.as_of})",
            ),
            Assumption(
                "Memory",
                "Weights per device",
                f"{row['weights_gib_per_device']:.1f} GiB at TP {r.tensor_parallel}",
                bk.precisions[r.precision or "bf16"].source,
            ),
            Assumption(
                "Memory",
                "KV cache",
                f"{row['kv_bytes_per_token']:,.0f} bytes/token (guide's form "
                f"{row['kv_bytes_per_token_guide']:,.0f}); {tokens(row['kv_capacity_tokens'])} per copy"
                + _layout_text(m, bk.caps_windows(r.backend, lmi)),
                f"latent attention: (kv_lora_rank {m.kv_lora_rank} + rope {m.qk_rope_head_dim}) × layers × bytes, "
                "the same on every tensor-parallel rank"
                if m.kv_lora_rank
                else "2 × layers × KV heads × head dim × bytes (GQA-aware)"
                if not m.has_config
                else "per layer kind from the config.json (currency-2026 §2: full, windowed, latent, linear state)",
            ),
            Assumption(
                "Price",
                r.instance,
                f"{usd(q.list_usd_per_hour)}/h list, {usd(q.usd_per_hour)}/h used",
                f"{q.source} (as of {q.as_of})",
            ),
            # the recommended cost's likely range: the spread behind it, its level and points
            Assumption(
                "Range",
                "Monthly cost",
                f"{r.likely_text or 'no range'}: {spread_evidence(r)}",
                RESIDUALS_SOURCE,
            ),
        ]
    missing = unmeasured_accelerators(est)
    names = ", ".join(accelerator_label(a) for a in missing)
    out.append(
        Assumption(
            "Calibration",
            "Accelerators without a measured point",
            f"efficiency assumed, not measured on {names}"
            if missing
            else "every candidate accelerator has a measured point",
            "published cases (data/calibration/measured.csv) and the scenario's imported load tests",
        )
    )
    return out + mix_assumptions(dec, scenario)


def mix_assumptions(dec: Decision, scenario: Scenario | None) -> list[Assumption]:
    """What the traffic mix and the day rest on: the shared-endpoint rule, the shapes, the start-up figures."""
    from lmi_explorer.models.mix.day import STARTUP_SCHEMA, load_day_profiles
    from lmi_explorer.models.tables import read_table

    out: list[Assumption] = []
    split, week = dec.split, dec.week
    if split is not None:
        out.append(
            Assumption(
                "Traffic mix",
                "Shared endpoint",
                f"every class at TTFT ≤ {split.shared.ttft_s:g} s and TPOT ≤ {split.shared.tpot_ms:g} ms; "
                "replicas = the week's peak of Σ rate ÷ capacity per class, ÷ utilisation",
                "models/mix/classes.py (mixed batches and cross-class length bounds not modelled)",
            )
        )
    if week is None:
        return out
    profiles = load_day_profiles()
    used = {c.day_profile for c in scenario.classes()} if scenario is not None else set()
    for name in sorted(used & set(profiles)):
        p = profiles[name]
        out.append(Assumption("Day", f"Shape: {p.label}", p.description or p.label, p.source))
    if "custom" in used:
        out.append(Assumption("Day", "Shape: drawn", "24 weekday and 24 weekend factors", "the scenario (drawn)"))
    for r in read_table("backends/startup.csv", STARTUP_SCHEMA).records:
        if r["key"] == "image_pull_s":
            continue  # listed in the table for reference; caching is the default
        out.append(
            Assumption(
                "Day",
                f"Start-up: {r['key']}",
                f"{r['value']:g} {r['unit']} ({r['applies_to']})",
                f"{r['source']} (as of {r['as_of']})",
            )
        )
    for e in week.endpoints:
        out.append(Assumption("Day", f"A new instance ({e.label})", e.startup.text, "data/backends/startup.csv"))
    return out


def architecture_assumptions(m: ModelSpec) -> list[Assumption]:
    """The model's architecture as sized, and every part of it that is approximated or not modelled."""
    arch = architecture_of(m)
    source = f"config.json ({m.source})" if m.has_config else (m.source or "catalog")
    out = [
        Assumption(
            "Model",
            "Architecture",
            f"{attention_label(m)}; checkpoint in {full_precision(m)}",
            source,
        )
    ]
    if not arch.modelled:
        out.append(
            Assumption(
                "Model",
                "Not modelled",
                f"{arch.assumptions[0]}: the memory and speed of that part are an assumption, not a rule",
                source,
            )
        )
    for note in arch.assumptions[0 if arch.modelled else 1 :]:
        out.append(Assumption("Model", "Approximated", note, source))
    return out


def _layout_text(m: ModelSpec, caps_windows: bool) -> str:
    """'; full layers 36,864 B/token, windowed …': what one sequence holds, for non-plain architectures."""
    if not m.has_config:
        return ""
    lay = kv_layout(m, 2.0, 1, "tensor", caps_windows)
    parts = [f"full layers {lay.full:,.0f} B/token"]
    for w, cap in zip(lay.windowed, lay.caps, strict=True):
        parts.append(f"windowed layers {w:,.0f} B/token kept for at most {cap:,} tokens")
    if not caps_windows and window_caps(architecture_of(m)):
        parts.append("windowed layers keep every token (this engine does not free what leaves the window)")
    if lay.state:
        parts.append(f"linear-attention state {lay.state / 2**20:,.1f} MiB per sequence")
    return " — " + "; ".join(parts) + " (bf16, whole copy)"


def _efficiency(eff: Efficiency, fitted: FittedEfficiency | None, calibration: str) -> Assumption:
    """The recommended option's efficiency factors: fitted to the user's measurements, or shipped."""
    if fitted is None:
        return Assumption(
            "Backend",
            "Efficiency",
            f"{eff.summary()} (shipped{'' if eff.calibrated else '; no measured point here'})",
            eff.source,
        )
    errors = ""
    if fitted.median_error_before is not None and fitted.median_error_after is not None:
        errors = f"; median error {percent(fitted.median_error_before)} → {percent(fitted.median_error_after)}"
    return Assumption(
        "Backend",
        "Efficiency",
        f"{fitted.summary()} (fitted to your measurements)",
        f"fit to {fitted.points} measured figures in '{calibration}'{errors}",
    )


def unmeasured_accelerators(est: Estimate) -> list[str]:
    """Accelerators of the scenario's candidate instances with no measured point behind their efficiency.

    A point counts when a shipped published case ran on the accelerator, or one of the scenario's imported
    load tests ran on an instance with it. Ids, in the order the candidates list them.
    """
    from lmi_explorer.models.calibration.cases import load_cases

    hw = load_hardware()
    measured = {c.accelerator for c in load_cases()}
    cal = est.scenario.calibration
    for m in cal.measurements if cal is not None else ():
        if m.instance in hw.instances:
            measured.add(hw.instances[m.instance].accelerator)
    instances = dict.fromkeys(est.options["instance"].astype(str)) if len(est.options) else {}
    candidates = dict.fromkeys(hw.instances[i].accelerator for i in instances if i in hw.instances)
    return [a for a in candidates if a not in measured]
