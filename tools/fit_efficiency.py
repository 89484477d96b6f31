"""Refit the calibrated rows of data/backends/efficiency.csv from data/calibration/measured.csv.

Prints the fitted factors per group and the error of every case; paste the factors into the
CSV when the measured cases change. Run: python tools/fit_efficiency.py
"""

from __future__ import annotations

from lmi_explorer.models.calibration.cases import fit, load_cases

GROUPS = {
    ("trtllm", "a100-40gb", "a100-80gb"): "TensorRT-LLM (and FasterTransformer) on A100",
    ("trtllm", "h100"): "TensorRT-LLM FP8 on H100",
    ("tnx", "inferentia2"): "Transformers NeuronX on Inferentia2",
}


def main() -> None:
    cases = load_cases()
    for key, label in GROUPS.items():
        backend, *accs = key
        group = [c for c in cases if c.backend == backend and c.accelerator in accs]
        result = fit(group)
        e = result.efficiency
        print(f"{label}: eta_bw={e.eta_bw:.3f} eta_f={e.eta_f:.3f} step={e.step_overhead_s * 1000:.2f} ms")
        for c in group:
            after = result.after[c.case]
            print(
                f"    {c.case:34s} measured {c.measured:10.2f}  fitted {after:10.2f}  "
                f"{(after / c.measured - 1) * 100:+5.0f} %"
            )


if __name__ == "__main__":
    main()
