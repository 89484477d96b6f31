"""Estimate versus measured for every shipped calibration case; median and maximum error."""

from __future__ import annotations

import statistics

from lmi_explorer.models.calibration.cases import load_cases, predict


def main() -> None:
    errors = []
    print(f"{'case':34s} {'metric':20s} {'measured':>10s} {'estimate':>10s} {'error':>7s}")
    for c in load_cases():
        est = predict(c)
        err = est / c.measured - 1
        errors.append(abs(err))
        print(f"{c.case:34s} {c.metric:20s} {c.measured:10.2f} {est:10.2f} {err * 100:+6.1f}%")
    print(
        f"median |error| {statistics.median(errors) * 100:.1f} %, max {max(errors) * 100:.1f} % "
        f"over {len(errors)} cases"
    )


if __name__ == "__main__":
    main()
