"""The full command line: `estimate` and `catalog` (pure models) plus `export` (charts, no window)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any

from lmi_explorer.gui.charts import CHARTS
from lmi_explorer.models.cli import UsageError, build_parser
from lmi_explorer.models.commands import COMMANDS
from lmi_explorer.models.errors import DataError


def cmd_export(args: argparse.Namespace) -> int:
    from lmi_explorer.gui.charts.base import ChartInput
    from lmi_explorer.gui.output.export import export
    from lmi_explorer.models.cli import prices_option
    from lmi_explorer.models.decision import evaluate
    from lmi_explorer.models.estimate import estimate
    from lmi_explorer.models.scenario import load

    scenario = load(args.scenario)
    est = estimate(scenario, prices_option(args.prices))
    path = export(ChartInput(est, evaluate(scenario, est), scenario=scenario), args.out, chart=args.chart)
    sys.stdout.write(f"wrote {path}\n")
    return 0


def _add_export(sub: Any) -> None:
    e = sub.add_parser("export", help="charts (png/svg/pdf), a slide deck (pptx) or the options (csv), no window")
    e.add_argument("scenario", help="scenario JSON file")
    e.add_argument("--out", required=True, help="output file; the format follows its extension")
    e.add_argument("--chart", default="cost", choices=tuple(CHARTS), help="which chart for png/svg/pdf (default: cost)")
    e.add_argument(
        "--prices",
        help="your own price list CSV, or an AWS Price List offer file (AmazonEC2/AmazonSageMaker, JSON or CSV)",
    )
    e.set_defaults(func=cmd_export)


def parser() -> argparse.ArgumentParser:
    """The models' command line plus ``export``, which draws charts and so lives here."""
    return build_parser(extend=_add_export)


def main(argv: Sequence[str] | None = None) -> int:
    """Run a subcommand; bad input gives exit code 2 and one line on stderr."""
    try:
        args = parser().parse_args(list(argv) if argv is not None else None)
        if not getattr(args, "func", None):
            raise UsageError(f"choose a command: {', '.join(COMMANDS)} (see 'lmi-explorer --help')")
        return int(args.func(args))
    except (UsageError, DataError) as exc:
        sys.stderr.write(f"lmi-explorer: {exc}\n")
        return 2
    except BrokenPipeError:
        return 0
