"""Why nothing fits: the real cause, named, with what would change it.

"Nothing fits" has many causes: the release has no backend for the chosen hardware, the filters
leave no instance of it, no backend supports the architecture, a precision or the hardware's
number formats rule every option out, no tensor-parallel degree splits the heads, the weights or
one request's KV cache do not fit, or the latency targets are missed even at one request. Each
option of the estimate carries the cause it failed on (``cause``, in ``FAIL_CAUSES`` order); the
one the best option got furthest to is the one to tell the user.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from lmi_explorer.models.estimate import Estimate, estimate
from lmi_explorer.models.estimate.options import FAIL_CAUSES
from lmi_explorer.models.estimate.pipeline import OptionRow, scenario_grid
from lmi_explorer.models.reference.backends import load_backends
from lmi_explorer.models.reference.hardware import load_hardware
from lmi_explorer.models.scenario import Scenario
from lmi_explorer.models.units import usd

HARDWARE_WORDS = {"gpu": "GPU", "neuron": "Inferentia2/Trainium"}


def describe_option(row: OptionRow) -> str:
    """'2 × g5.12xlarge (bf16, TP 4) at $10,200/mo'."""
    prec = load_backends().precisions[row["precision"]].label
    n = int(row["instances"])
    return (
        f"{n} × {row['instance']} ({prec}, TP {int(row['tensor_parallel'])}) at "
        f"{usd(float(row['monthly_usd']), per='mo')}"
    )


def no_neuron_reason(lmi: int, *, short: bool = False) -> str:
    """Why a release has no Inferentia2/Trainium backend, and which releases do."""
    bk = load_backends()
    neuron = [b for b in bk.backends.values() if b.hardware == "neuron"]
    last = max((b.to_lmi or bk.latest_lmi) for b in neuron) if neuron else 0
    first = min(b.from_lmi for b in neuron) if neuron else 0
    names = " / ".join(b.name for b in neuron)
    image = bk.container(neuron[0].backend, last)[1] if neuron else ""
    if lmi < first:
        return f"LMI v{lmi} has no Inferentia2/Trainium backend; {names} starts in LMI v{first}."
    if short:
        return f"LMI v{lmi} has no Neuron backend ({names} was last shipped in LMI v{last})."
    return (
        f"LMI v{lmi} ships no Inferentia2/Trainium backend: {names} was last shipped in LMI v{last}"
        f"{f' ({image})' if image else ''}. Choose LMI v{last} or earlier for Inferentia2, or GPU hardware; "
        "later Neuron serving uses AWS's separate Neuron vLLM containers, which this release of LMI does not include."
    )


def nothing_fits_cause(scenario: Scenario, est: Estimate) -> str:
    """One or two sentences: the real reason no option fits, and what would change it."""
    d = scenario.deployment
    c = est.columns
    if len(c["fits"]) == 0:
        return _no_candidates(scenario)
    causes = [str(v) for v in c["cause"]]
    rank = {k: i for i, k in enumerate(FAIL_CAUSES)}
    furthest = max((rank[k] for k in causes if k in rank), default=-1)
    if furthest < 0:
        return "No option meets the targets."
    cause = FAIL_CAUSES[furthest]
    rows = np.flatnonzero(np.array(causes, dtype=object) == cause)
    reasons = list(dict.fromkeys(str(c["reason"][i]) for i in rows))
    # the example is the largest instance that failed this way: "even the biggest one cannot"
    sample = str(c["reason"][rows[int(np.argmax(c["devices"][rows]))]])
    t = scenario.traffic
    if cause == "support":
        lead = f"No backend in LMI v{d.lmi_release} can run {est.model.architecture} here: " + " ".join(reasons[:3])
        return lead + _releases_that_would(scenario)
    if cause == "accelerator":
        return f"No backend of LMI v{d.lmi_release} runs on these accelerators: {sample}" + _releases_that_would(
            scenario
        )
    if cause in ("precision", "hardware_precision"):
        return f"The chosen precisions rule every option out: {sample}" + _widened(scenario, precisions=True)
    if cause == "tp":
        what = "Leave tensor parallelism on automatic" if d.tensor_parallel else "Choose instances with more devices"
        return f"No tensor-parallel degree works: {sample} {what}."
    if cause == "weights":
        return f"The weights do not fit on any candidate: {sample}" + _widened(scenario, precisions=True)
    if cause == "kv":
        return (
            f"The model fits, but its KV cache cannot hold one request: {sample} Shorten requests or the "
            "bound percentile, or use instances with more memory." + _widened(scenario, precisions=True)
        )
    if cause in ("ttft", "tpot"):
        target = f"TPOT target ({t.tpot_ms:g} ms)" if cause == "tpot" else f"TTFT target ({t.ttft_s:g} s)"
        return (
            f"Options fit in memory, but none meets the {target} even at one request: {sample} "
            "Relax the target, shorten requests, or use faster instances." + _widened(scenario, precisions=False)
        )
    return sample


def _no_candidates(scenario: Scenario) -> str:
    """No option at all: the release has no backend for the hardware, or the filters leave no instance."""
    bk = load_backends()
    hw = load_hardware()
    d = scenario.deployment
    lmi = d.lmi_release
    kinds = {"gpu": ("gpu",), "inferentia": ("neuron",), "both": ("gpu", "neuron")}[d.hardware]
    live = {b.hardware for b in bk.backends.values() if b.available(lmi)}
    if not any(k in live for k in kinds):
        return no_neuron_reason(lmi) if "neuron" in kinds else f"LMI v{lmi} has no GPU backend."
    want = [k for k in kinds if k in live]
    offered = {
        inst.family
        for inst in hw.instances.values()
        if ("neuron" if hw.accelerators[inst.accelerator].is_neuron else "gpu") in want
    }
    if d.instance_families and not offered & set(d.instance_families):
        words = " or ".join(HARDWARE_WORDS[k] for k in want)
        chosen = ", ".join(d.instance_families)
        return (
            f"None of the chosen instance families ({chosen}) has {words} instances; add one of "
            f"{', '.join(sorted(offered))} or change the hardware choice."
        )
    return "No candidate instance matches the hardware and family choices; widen them."


def _releases_that_would(scenario: Scenario) -> str:
    """' LMI v15 would serve it.' for the nearest release whose backends can run the model here."""
    bk = load_backends()
    d = scenario.deployment
    if d.hardware == "inferentia":
        return ""
    # the option grid of each release (cached, traffic-free) is enough: it says whether any backend can
    # run the model on these instances there, without a full estimate per release on every slider step
    for v in sorted(bk.lmi_versions, key=lambda v: (abs(v - d.lmi_release), -v)):
        if v == d.lmi_release:
            continue
        if (scenario_grid(replace(scenario, deployment=replace(d, lmi_release=v))).config >= 0).any():
            return f" LMI v{v} would serve it."
    return ""


def _widened(scenario: Scenario, *, precisions: bool) -> str:
    """' It would fit with …' when more instance families or precisions would help; '' otherwise."""
    bk = load_backends()
    d = scenario.deployment
    wide = replace(
        scenario,
        deployment=replace(
            d,
            instance_families=(),
            precisions=tuple(bk.precisions) if precisions else d.precisions,
            tensor_parallel=None,
        ),
    )
    if wide == scenario:
        return ""
    best = estimate(wide).best()
    if best is None:
        return " No instance family or precision would help; relax the targets or pick a smaller model."
    return f" It would fit with {best['backend_name']} on {describe_option(best)} (widen the families or precisions)."
