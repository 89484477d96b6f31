"""The command line: `lmi-explorer estimate|catalog|calibrate|deploy|…`, for scripts and tests (no Qt).

Exit codes: 0 success, 2 bad input (one line on stderr saying what and where).
"""

from __future__ import annotations

import argparse
import io
import json
import math
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import pandas as pd

from lmi_explorer.models.commands import COMMANDS
from lmi_explorer.models.decision import Decision, evaluate
from lmi_explorer.models.errors import DataError
from lmi_explorer.models.estimate import OPTION_COLUMNS, Estimate, estimate
from lmi_explorer.models.export import neutralise_formulas
from lmi_explorer.models.reference.backends import architecture_listing, load_backends, release_listing, support_listing
from lmi_explorer.models.reference.catalog import load_catalog
from lmi_explorer.models.reference.hardware import load_hardware
from lmi_explorer.models.reference.pricing import PriceTable
from lmi_explorer.models.scenario import Scenario, default_scenario, load
from lmi_explorer.models.units import ms_per_token, percent, seconds, usd

if TYPE_CHECKING:
    from lmi_explorer.models.calibration.measurements import Measurement

#: Option fields in the JSON output (the public interface; more may be added, none removed).
JSON_OPTION_FIELDS = [
    "backend",
    "instance",
    "precision",
    "tensor_parallel",
    "fits",
    "reason",
    "weights_gib",
    "kv_bytes_per_token",
    "kv_capacity_tokens",
    "max_concurrency",
    "ttft_s",
    "tpot_ms",
    "requests_per_s_per_replica",
    "instances",
    "monthly_usd",
    "usd_per_million_tokens",
    # likely ranges (added beside the figures; the keys above are unchanged)
    "ttft_s_low",
    "ttft_s_high",
    "tpot_ms_low",
    "tpot_ms_high",
    "monthly_usd_low",
    "monthly_usd_high",
]


class UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message} (see 'lmi-explorer {self.prog.split()[-1]} --help')")


def _clean(value: Any) -> Any:
    """JSON-safe scalar: NaN/inf -> None, numpy -> Python."""
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def option_dict(row: pd.Series, fields: Sequence[str] = tuple(OPTION_COLUMNS)) -> dict[str, Any]:
    return {f: _clean(row[f]) for f in fields}


def result_dict(est: Estimate, dec: Decision) -> dict[str, Any]:
    """The JSON document of `estimate --format json`."""
    rec = dec.recommendation
    ts = est.traffic
    return {
        "scenario": est.scenario.name,
        "model": est.model.model_id,
        "recommendation": {
            "backend": rec.backend,
            "backend_name": rec.backend_name,
            "container": rec.container,
            "image": rec.image,
            "instance": rec.instance,
            "precision": rec.precision,
            "tensor_parallel": rec.tensor_parallel,
            "instances": rec.instances,
            "monthly_usd": _clean(rec.monthly_usd),
            "monthly_usd_low": _clean(rec.monthly_usd_low),
            "monthly_usd_high": _clean(rec.monthly_usd_high),
            "usd_per_million_tokens": _clean(rec.usd_per_million_tokens),
            "summary": rec.summary,
        },
        "decision_path": list(dec.path),
        "decision_steps": [{"node": s.node, "to": s.to, "reason": s.reason, "values": s.values} for s in dec.steps],
        "disagreement": dec.disagreement,
        "crossover_spread": dec.crossover_spread,
        "notes": list(dec.notes) + list(est.notes),
        "traffic": {
            "mean_input_tokens": ts.mean_input,
            "mean_output_tokens": ts.mean_output,
            "bound_input_tokens": ts.bound_input,
            "bound_output_tokens": ts.bound_output,
            "share_beyond_bounds": ts.share_beyond,
            "spread": ts.spread,
        },
        "best_by_precision": {p: option_dict(r, JSON_OPTION_FIELDS) for p, r in est.best_by_precision().items()},
        "options": [option_dict(r, JSON_OPTION_FIELDS) for _, r in est.options.iterrows()],
        "price_list": est.prices.name,
        "elapsed_ms": round(est.elapsed_s * 1000, 3),
        **mix_dict(dec),
    }


def mix_dict(dec: Decision) -> dict[str, Any]:
    """``classes``/``split`` (several traffic classes) and ``day`` (a day profile): keys added only when set."""
    out: dict[str, Any] = {}
    split, week = dec.split, dec.week
    if split is not None:
        out["classes"] = [
            {
                "name": e.cls.name,
                "requests_per_s": e.cls.traffic.requests_per_s,
                "ttft_s": e.cls.traffic.ttft_s,
                "tpot_ms": e.cls.traffic.tpot_ms,
                "day_profile": e.cls.day_profile or None,
                "own_endpoint": None if e.option is None else option_dict(e.option, JSON_OPTION_FIELDS),
            }
            for e in split.separate
        ]
        sh = split.shared
        out["split"] = {
            "choice": split.choice or None,
            "monthly_usd": _clean(split.monthly_usd),
            "saving_usd": _clean(split.saving_usd),
            "shared_monthly_usd": _clean(split.shared_usd),
            "separate_monthly_usd": _clean(split.separate_usd),
            "shared": {
                "ttft_s": sh.ttft_s,
                "tpot_ms": sh.tpot_ms,
                "instances": sh.instances if sh.option is not None else None,
                "fixed_monthly_usd": _clean(sh.monthly_usd),
                "option": None if sh.option is None else option_dict(sh.option, JSON_OPTION_FIELDS[:4]),
                "reason": sh.reason or None,
            },
            "summary": split.summary,
        }
    if week is not None:
        out["day"] = {
            "autoscaling": week.autoscaling,
            "monthly_usd": _clean(week.monthly_usd),
            "autoscaled_monthly_usd": _clean(week.autoscaled_monthly_usd),
            "fixed_monthly_usd": _clean(week.fixed_monthly_usd),
            "late_share": _clean(week.late_share),
            "endpoints": [
                {
                    "label": e.label,
                    "option": e.option,
                    "startup_s": round(e.startup.total_s, 1),
                    "startup": e.startup.text,
                    "fixed_instances": e.plan.fixed_instances,
                    "peak_instances": e.plan.peak_instances,
                    "autoscaled_monthly_usd": _clean(e.plan.autoscaled_monthly_usd),
                    "fixed_monthly_usd": _clean(e.plan.fixed_monthly_usd),
                    "late_share": _clean(e.plan.late_share),
                }
                for e in week.endpoints
            ],
            "summary": week.summary,
        }
    return out


def mix_tables(dec: Decision) -> dict[str, pd.DataFrame]:
    """The CSV tables of ``estimate --format csv --table classes|day``."""
    rows = []
    if dec.split is not None:
        for e in dec.split.separate:
            o = e.option
            rows.append(
                {
                    "class": e.cls.name,
                    "requests_per_s": e.cls.traffic.requests_per_s,
                    "ttft_s": e.cls.traffic.ttft_s,
                    "tpot_ms": e.cls.traffic.tpot_ms,
                    "day_profile": e.cls.day_profile,
                    "own_backend": None if o is None else o["backend"],
                    "own_instance": None if o is None else o["instance"],
                    "own_precision": None if o is None else o["precision"],
                    "own_instances": None if o is None else int(o["instances"]),
                    "own_monthly_usd": e.monthly_usd,
                }
            )
    hours = []
    if dec.week is not None:
        w = dec.week
        for h in range(len(w.hourly_rps)):
            hours.append(
                {
                    "hour_of_week": h,
                    "day": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")[h // 24],
                    "hour": h % 24,
                    "requests_per_s": round(float(w.hourly_rps[h]), 6),
                    "instances_serving": round(float(w.hourly_serving[h]), 4),
                    "instances_billed": round(float(w.hourly_billed[h]), 4),
                }
            )
    return {"classes": pd.DataFrame(rows), "day": pd.DataFrame(hours)}


def _table(frame: pd.DataFrame) -> str:
    return frame.to_string(index=False) if not frame.empty else "(none)"


def render_table(est: Estimate, dec: Decision) -> str:
    """A report for people: the recommendation, the reasons, the best options."""
    s = est.scenario
    t = s.traffic
    d = s.deployment
    bk = load_backends()
    out = io.StringIO()
    w = out.write
    w(
        f"{s.name}: {est.model.label}, {t.requests_per_s:g} req/s (peak ×{t.peak_to_average:.3g}), "
        f"{t.input_mean:g}±{t.input_cv:g} in / {t.output_mean:g}±{t.output_cv:g} out tokens, "
        f"TTFT ≤ {seconds(t.ttft_s)}, TPOT ≤ {ms_per_token(t.tpot_ms)}\n"
    )
    w(
        f"{bk.release_label(d.lmi_release)}, {d.hardware}, {d.platform} {d.region}, {d.pricing_option}"
        f"{f' −{percent(d.discount)}' if d.discount else ''}, {d.hours_per_month:g} h/month; "
        f"prices: {est.prices.name}\n\n"
    )
    rec = dec.recommendation
    w(f"Recommendation: {rec.summary}\n")
    if rec.image:
        w(f"Container: {rec.container}, image {rec.image}\n")
    w("Path: " + " → ".join(dec.path) + "\n")
    for step in dec.steps:
        w(f"  - {step.reason}\n")
    if dec.disagreement:
        w(f"Note: {dec.disagreement}\n")
    for note in (*dec.notes, *est.notes):
        w(f"Note: {note}\n")
    w("\nBest option per precision:\n")
    rows = []
    for p, r in est.best_by_precision().items():
        rows.append(
            {
                "precision": bk.precisions[p].label,
                "backend": r["backend_name"],
                "instance": r["instance"],
                "TP": int(r["tensor_parallel"]),
                "instances": int(r["instances"]),
                "monthly": usd(float(r["monthly_usd"]), per="mo"),
                "$/M tokens": usd(float(r["usd_per_million_tokens"])),
                "TTFT": seconds(float(r["ttft_s"])),
                "TPOT": ms_per_token(float(r["tpot_ms"])),
            }
        )
    w(_table(pd.DataFrame(rows)) + "\n")
    sav = est.savings()
    if sav:
        w(f"Quantized saves {usd(sav[0], per='mo')} ({percent(sav[1])}) against the best full-precision option.\n")
    f = est.feasible.head(15)
    w(f"\nCheapest options ({len(est.feasible)} of {len(est.options)} fit and meet the targets):\n")
    view = pd.DataFrame(
        {
            "backend": f["backend"],
            "instance": f["instance"],
            "precision": f["precision"],
            "TP": f["tensor_parallel"],
            "conc.": f["operating_concurrency"],
            "instances": f["instances"],
            "monthly": [usd(v, per="mo") for v in f["monthly_usd"]],
            "TTFT": [seconds(v) for v in f["ttft_s"]],
            "TPOT": [ms_per_token(v) for v in f["tpot_ms"]],
        }
    )
    w(_table(view) + "\n")
    if est.feasible.empty:
        w("\nWhy nothing fits (first reasons):\n")
        for reason, n in est.options["reason"].value_counts().head(6).items():
            w(f"  {n:4d} × {reason}\n")
    if dec.split is not None:
        w("\n" + "\n".join(dec.split.lines()) + "\n")
    if dec.week is not None:
        w("\nThe week: " + dec.week.summary + "\n")
        for e in dec.week.endpoints:
            w(f"  {e.label} — {e.option}: {e.plan.text}; a new instance takes {e.startup.text}\n")
    w(f"\nEstimated in {est.elapsed_s * 1000:.1f} ms.\n")
    return out.getvalue()


def prices_option(path: str | None, mode: str = "replace") -> PriceTable | None:
    """--prices wins (a price list CSV or an AWS offer file); otherwise the scenario's own list, else the bundled one.

    ``mode`` ``override`` puts the file's rows over the bundled ones instead of replacing them.
    """
    if not path:
        return None
    from lmi_explorer.models.reference.pricing import load_price_file, with_bundled

    loaded = load_price_file(path, progress=_stderr_progress(path))
    if loaded.not_in_catalog and not loaded.offer_file:
        sys.stderr.write(
            f"lmi-explorer: note: {Path(path).name}: not in the catalog, ignored: {', '.join(loaded.not_in_catalog)}\n"
        )
    return with_bundled(loaded.table) if mode == "override" else loaded.table


def _stderr_progress(path: str | Path) -> Callable[[int, int], bool] | None:
    """Progress on stderr for big files (over 20 MiB), at most once per percent."""
    try:
        size = Path(path).stat().st_size
    except OSError:
        return None
    if size < 20 * 2**20:
        return None
    name = Path(path).name
    shown = [-1]

    def report(done: int, total: int) -> bool:
        pct = done * 100 // max(total, 1)
        if pct != shown[0]:
            shown[0] = pct
            end = "\n" if done >= total else ""
            sys.stderr.write(f"\rreading {name}: {pct:3d}% ({done / 2**20:,.0f} of {total / 2**20:,.0f} MiB){end}")
            sys.stderr.flush()
        return True

    return report


def cmd_prices(args: argparse.Namespace) -> int:
    """`prices import OFFER_FILE`: an AWS offer file as a price list CSV, with a one-line summary."""
    from lmi_explorer.models.files import write_atomic
    from lmi_explorer.models.reference import offer_files

    if offer_files.offer_code_of(args.offer_file) is None:
        name = Path(args.offer_file).name
        if not Path(args.offer_file).is_file():
            raise DataError(f"{name}: no such file. Check the path.")
        raise DataError(
            f"{name}: not an AWS Price List offer file. Download the AmazonEC2 or AmazonSageMaker offer file "
            "(https://pricing.us-east-1.amazonaws.com/offers/v1.0/aws/AmazonEC2/current/index.csv, or a region's)."
        )
    result = offer_files.read_offer_file(
        args.offer_file,
        regions=args.region or None,
        instances=None if args.all_instances else (),
        progress=_stderr_progress(args.offer_file),
    )
    offer_files.refuse_empty(result, args.region)
    text = result.to_csv()
    if args.out:
        write_atomic(Path(args.out), text.encode("utf-8"))
        sys.stdout.write(f"{result.summary()} Wrote {args.out}.\n")
    else:
        sys.stdout.write(text)
        sys.stderr.write(result.summary() + "\n")
    return 0


def cmd_loadtest(args: argparse.Namespace, scenario: Scenario) -> int:
    """`estimate --concurrency N`: each matching option as a load generator would measure it."""
    from lmi_explorer.models.estimate.loadtest import at_concurrency

    frame = at_concurrency(
        scenario,
        args.concurrency,
        instance=args.instance,
        backend=args.backend,
        precision=args.precision,
        tensor_parallel=args.tensor_parallel,
    )
    if args.format == "json":
        doc = {
            "scenario": scenario.name,
            "concurrency": args.concurrency,
            "options": [option_dict(r, list(frame.columns)) for _, r in frame.iterrows()],
        }
        sys.stdout.write(json.dumps(doc, indent=2, allow_nan=False) + "\n")
    elif args.format == "csv":
        sys.stdout.write(neutralise_formulas(frame).to_csv(index=False))
    else:
        sys.stdout.write(
            f"{scenario.name}: {len(frame)} option(s) at {args.concurrency} concurrent requests "
            "(closed loop, one model copy)\n"
        )
        with pd.option_context("display.max_rows", 200, "display.width", 200):
            sys.stdout.write(_table(frame.round(3)) + "\n")
    if frame.empty:
        sys.stderr.write("lmi-explorer: no option matches those filters and fits in memory.\n")
    return 0


def with_model_config(scenario: Scenario, where: str) -> Scenario:
    """The scenario with the model of a config.json, a model folder or ``hf:ORG/NAME`` as its custom model.

    What the estimate only approximates for that model is said on stderr (one line).
    """
    from lmi_explorer.models.reference.hf_files import import_model

    imported = import_model(where)
    if imported.warning:
        sys.stderr.write(f"lmi-explorer: note: {imported.warning}\n")
    return scenario.with_changes(custom_model=imported.spec, model_id=None)


def cmd_estimate(args: argparse.Namespace) -> int:
    scenario: Scenario = load(args.scenario) if args.scenario else default_scenario()
    if args.model_config:
        scenario = with_model_config(scenario, args.model_config)
    if args.concurrency is not None:
        return cmd_loadtest(args, scenario)
    prices = prices_option(args.prices, args.prices_mode)
    est = estimate(scenario, prices)
    dec = evaluate(scenario, est)
    sens = None
    if args.sensitivity or args.table == "sensitivity":
        from lmi_explorer.models.mix.sensitivity import tornado

        sens = tornado(scenario, prices)
    if args.format == "json":
        doc = result_dict(est, dec)
        if sens is not None:
            doc["sensitivity"] = {
                "base_monthly_usd": _clean(sens.base_usd),
                "bars": [{k: _clean(v) for k, v in r.items()} for r in sens.to_frame().to_dict("records")],
            }
        sys.stdout.write(json.dumps(doc, indent=2, allow_nan=False) + "\n")
    elif args.format == "csv":
        if args.table == "options":
            frame = est.options
        elif args.table == "sensitivity":
            assert sens is not None
            frame = sens.to_frame()
        else:
            frame = mix_tables(dec)[args.table]
            if frame.empty:
                need = "more than one traffic class" if args.table == "classes" else "a day profile (load.day_profile)"
                raise DataError(f"--table {args.table}: this scenario has no such table; it needs {need}.")
        sys.stdout.write(neutralise_formulas(frame).to_csv(index=False))
    else:
        sys.stdout.write(render_table(est, dec))
        if sens is not None:
            sys.stdout.write("\nWhat moves the cost:\n" + "".join(f"  {line}\n" for line in sens.text().splitlines()))
    return 0


def _known_models(measurements: list[Measurement], scenario: Scenario, model: str | None) -> list[Measurement]:
    """Runs naming a model the app does not know take ``--model`` (said in their note); without it, DataError.

    A run is never estimated as the scenario's model in place of the one its file names.
    """
    from dataclasses import replace

    from lmi_explorer.models.calibration.measurements import resolve_model

    out, unknown = [], []
    for m in measurements:
        if not resolve_model(m.model, scenario).reason:
            out.append(m)
        elif model:
            said = f"the file names model '{m.model}'; --model {model} used"
            out.append(replace(m, model=model, note=f"{m.note}; {said}" if m.note else said))
        else:
            unknown.append(f"{m.label} ('{m.model}')")
    if unknown:
        shown = ", ".join(unknown[:5]) + (f" and {len(unknown) - 5} more" if len(unknown) > 5 else "")
        raise DataError(
            f"{len(unknown)} run(s) name a model that is not in the catalog: {shown}; give --model ID (the "
            "catalog model they ran) or --model-config CONFIG (the model's config.json or folder)."
        )
    return out


def cmd_calibrate(args: argparse.Namespace) -> int:
    """`calibrate`: estimate vs measured for load-test files, efficiency fitted, optionally saved in a scenario."""

    from lmi_explorer.models.calibration.fit import fit_measurements
    from lmi_explorer.models.calibration.importers import load_measurements
    from lmi_explorer.models.calibration.measurements import RunFacts, resolve_model
    from lmi_explorer.models.calibration.user import to_dict as calibration_dict
    from lmi_explorer.models.scenario import save

    scenario: Scenario = load(args.scenario)
    if args.model_config:
        scenario = with_model_config(scenario, args.model_config)
    if args.model and resolve_model(args.model, scenario).reason:
        raise DataError(
            f"--model {args.model}: not a catalog model (see 'lmi-explorer catalog models') nor the scenario's; "
            "give a catalog id, or --model-config CONFIG for a model the catalog does not have."
        )
    facts = RunFacts(
        model=args.model,
        instance=args.instance,
        backend=args.backend,
        precision=args.precision,
        tensor_parallel=args.tensor_parallel,
        input_tokens=args.input_tokens,
        concurrency=args.concurrency,
    )
    measurements = _known_models(
        [m for path in args.measurements for m in load_measurements(path, facts)], scenario, args.model
    )
    report = fit_measurements(measurements, scenario)
    calibrated = scenario.with_changes(calibration=report.calibration)
    if args.out:
        save(calibrated, args.out)
    if args.format == "json":
        doc = {
            "scenario": scenario.name,
            "measurements": len(measurements),
            "median_error_before": _clean(report.median_error_before),
            "median_error_after": _clean(report.median_error_after),
            "factors": calibration_dict(report.calibration)["factors"],
            "points": [{k: _clean(v) for k, v in r.items()} for r in report.points.to_dict("records")],
            "not_fitted": report.not_fitted.to_dict("records"),
            "saved": args.out,
        }
        sys.stdout.write(json.dumps(doc, indent=2, allow_nan=False) + "\n")
        return 0
    out = io.StringIO()
    w = out.write
    w(f"{scenario.name}: {len(measurements)} measurement(s), {len(report.points)} figure(s) compared\n\n")
    if len(report.points):
        table = report.points.assign(
            error_before=report.points["error_before"].map(percent),
            error_after=report.points["error_after"].map(percent),
        ).round(3)
        with pd.option_context("display.max_rows", 500, "display.width", 200):
            w(_table(table) + "\n\n")
        w(
            f"Median |error|: {percent(report.median_error_before)} with the shipped factors, "
            f"{percent(report.median_error_after)} fitted.\n"
        )
    for f in report.calibration.factors:
        w(f"  {f.backend} on {f.accelerator}: {f.summary()} ({f.points} figures)\n")
    for r in report.not_fitted.to_dict("records"):
        w(f"  not compared: {r['label']}: {r['reason']}\n")
    w(
        f"Calibrated scenario saved to {args.out}.\n"
        if args.out
        else "Give --out FILE.json to save the calibrated scenario.\n"
    )
    sys.stdout.write(out.getvalue())
    return 0


def cmd_deploy(args: argparse.Namespace) -> int:
    """`deploy`: the LMI configuration, image and scripts for the recommendation or one option."""
    from lmi_explorer.models.deploy import build
    from lmi_explorer.models.files import write_atomic

    scenario: Scenario = load(args.scenario)
    if args.model_config:
        scenario = with_model_config(scenario, args.model_config)
    est = estimate(scenario, prices_option(args.prices, args.prices_mode))
    if args.endpoint is not None and args.option is not None:
        raise UsageError("give --option or --endpoint, not both")
    dec = evaluate(scenario, est) if args.option is None else None
    if args.endpoint is not None:
        from lmi_explorer.models.deploy import build_endpoint

        artifact = build_endpoint(scenario, est, dec, args.endpoint, scenario_file=args.scenario)
    else:
        from lmi_explorer.models.deploy import with_autoscaling

        artifact = with_autoscaling(build(est, args.option, dec, scenario_file=args.scenario), scenario)
    text = artifact.render(args.format)  # refused formats raise before anything is written
    for note in artifact.values.notes:
        sys.stderr.write(f"lmi-explorer: note: {note}\n")
    if args.out:
        write_atomic(Path(args.out), text.encode("utf-8"))
        sys.stdout.write(f"wrote {args.out} ({artifact.target.title})\n")
    else:
        sys.stdout.write(text)
    return 0


def cmd_catalog(args: argparse.Namespace) -> int:
    if args.what == "models":
        frame = load_catalog().frame.drop(columns=["notes"])
    elif args.what == "instances":
        hw = load_hardware()
        frame = hw.instance_frame.merge(
            hw.accelerator_frame[["accelerator", "name", "memory_gib", "bandwidth_gb_s"]], on="accelerator"
        ).drop(columns=["notes"], errors="ignore")
    elif args.what == "releases":
        rows = release_listing(load_backends())
        frame = pd.DataFrame(rows)
        if args.format == "table":  # the changes read better as lines than as a 300-character column
            frame = frame.drop(columns=["changes"])
            notes = "".join(f"  {r['lmi']}: {r['changes']}\n" for r in rows if r["changes"])
            frame_text = frame.to_string(index=False)
            sys.stdout.write(frame_text + "\n\nWhat changed:\n" + notes)
            return 0
    elif args.what == "architectures":
        bk = load_backends()
        lmi = args.release or bk.latest_lmi
        if lmi not in bk.lmi_versions:
            raise UsageError(f"--release {lmi}: unknown LMI release (known: v{bk.lmi_versions[0]}–v{bk.latest_lmi})")
        frame = pd.DataFrame(architecture_listing(bk, lmi))
        if args.format == "table":
            version = bk.engine_version("vllm", lmi)
            sys.stdout.write(f"Architectures vLLM {version} (LMI v{lmi}) lists in its registry:\n")
    else:
        bk = load_backends()
        frame = pd.DataFrame(support_listing(bk, list(load_catalog().models.values())))
        if args.format == "table":
            sys.stdout.write(
                "Backends (LMI releases with support per architecture; vLLM read from its own model registry):\n"
            )
    if args.format == "json":
        sys.stdout.write(frame.to_json(orient="records", indent=2) + "\n")
    elif args.format == "csv":
        sys.stdout.write(neutralise_formulas(frame).to_csv(index=False))
    else:
        with pd.option_context("display.max_rows", None, "display.width", 200, "display.max_colwidth", 40):
            sys.stdout.write(frame.to_string(index=False) + "\n")
    return 0


def cmd_scenario(args: argparse.Namespace) -> int:
    """`scenario`: write the default scenario, or a traffic preset's, as a starting file."""
    from lmi_explorer.models.scenario import dumps, save
    from lmi_explorer.models.scenario.examples import example_scenario

    scenario = example_scenario(args.preset)
    if args.out:
        save(scenario, args.out)
        sys.stdout.write(f"wrote {args.out}\n")
    else:
        sys.stdout.write(dumps(scenario))
    return 0


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} must be at least 1")
    return value


def build_parser(extend: Callable[[Any], None] | None = None) -> argparse.ArgumentParser:
    """The command line; ``extend`` receives the subparsers to add commands that need more than models/."""
    parser = _Parser(
        prog="lmi-explorer",
        description="LMI Explorer: backend, instance, precision and cost. Without a command it opens the window "
        "(optionally on a scenario file).",
    )
    sub = parser.add_subparsers(dest="command", parser_class=_Parser, metavar="COMMAND")
    p = sub.add_parser("estimate", help="every option and the recommendation for a scenario file")
    p.add_argument("scenario", nargs="?", help="scenario JSON file (default: the built-in default scenario)")
    p.add_argument("--format", choices=("table", "json", "csv"), default="table")
    p.add_argument(
        "--model-config",
        metavar="PATH",
        help="estimate for this model instead of the scenario's: a Hugging Face config.json, a model folder "
        "(config.json with its safetensors files) or hf:ORG/NAME for a snapshot in the local Hugging Face cache",
    )
    p.add_argument(
        "--prices",
        help="your own price list CSV (same columns as the bundled one) or an AWS Price List offer file "
        "(AmazonEC2/AmazonSageMaker, JSON or CSV)",
    )
    p.add_argument(
        "--prices-mode",
        choices=("replace", "override"),
        default="replace",
        help="with --prices: use only its prices (replace, the default) or its rows over the bundled ones",
    )
    p.add_argument(
        "--sensitivity",
        action="store_true",
        help="also the monthly cost when each input moves by a step (rate, lengths, targets, spread, discount)",
    )
    p.add_argument(
        "--table",
        choices=("options", "classes", "day", "sensitivity"),
        default="options",
        help="with --format csv: every option (default), the traffic classes, the week hour by hour, "
        "or the sensitivity bars",
    )
    p.add_argument("--concurrency", type=_positive_int, help="what-if: every option at exactly N concurrent requests")
    p.add_argument("--instance", help="with --concurrency: only this instance type")
    p.add_argument("--backend", help="with --concurrency: only this backend (e.g. vllm, trtllm)")
    p.add_argument("--precision", help="with --concurrency: only this precision (bf16, fp8, int8, awq, gptq)")
    p.add_argument("--tensor-parallel", type=_positive_int, help="with --concurrency: only this TP degree")
    p.set_defaults(func=cmd_estimate)
    k = sub.add_parser("calibrate", help="estimate vs measured for load-test result files, and fitted efficiency")
    k.add_argument("scenario", help="scenario JSON file")
    k.add_argument(
        "--measurements",
        action="append",
        required=True,
        metavar="FILE",
        help="a load-test result (vLLM bench serve JSON, LLMPerf summary, awscurl -P output, GenAI-Perf/"
        "AIPerf export JSON or the CSV template); repeat for several",
    )
    k.add_argument(
        "--model",
        help="catalog model id the runs used, when the file does not say or names a model not in the catalog",
    )
    k.add_argument(
        "--model-config",
        metavar="CONFIG",
        help="the scenario's model from its config.json, a model folder or hf:ORG/NAME in the local cache "
        "(as estimate --model-config); runs naming it are compared on it",
    )
    k.add_argument("--instance", help="instance type the test ran on, when the file does not say")
    k.add_argument(
        "--backend", help="backend that served it (vllm, lmi-dist, trtllm, tnx …), when the file does not say"
    )
    k.add_argument("--precision", help="precision (bf16, fp8, int8, awq, gptq), when the file does not say")
    k.add_argument("--tensor-parallel", type=_positive_int, help="TP degree, when the file does not say")
    k.add_argument("--input-tokens", type=_positive_int, help="mean prompt length, when the file does not say")
    k.add_argument("--concurrency", type=_positive_int, help="concurrent clients, when the file does not say")
    k.add_argument("--out", help="save the scenario with the measurements and fitted factors here")
    k.add_argument("--format", choices=("table", "json"), default="table")
    k.set_defaults(func=cmd_calibrate)
    from lmi_explorer.models.deploy.formats import FORMATS as DEPLOY_FORMATS

    dp = sub.add_parser("deploy", help="the LMI configuration, image and scripts to deploy an option, with a test plan")
    dp.add_argument("scenario", help="scenario JSON file")
    dp.add_argument(
        "--option",
        metavar="BACKEND:INSTANCE:PRECISION[:TP]",
        help="the option to deploy, e.g. vllm:g6e.xlarge:fp8:1 (default: the recommendation)",
    )
    dp.add_argument(
        "--format",
        choices=DEPLOY_FORMATS,
        default="properties",
        help="serving.properties, environment variables, a SageMaker Python SDK script, boto3 request JSON, an "
        "EC2 docker command, or the load-test validation plan",
    )
    dp.add_argument(
        "--endpoint",
        metavar="shared|CLASS",
        help="with several traffic classes: the shared endpoint, or one class's own endpoint (by its name)",
    )
    dp.add_argument("--out", help="file to write (default: print it)")
    dp.add_argument("--model-config", metavar="PATH", help="deploy this model instead of the scenario's (as estimate)")
    dp.add_argument("--prices", help="your own price list CSV or an AWS Price List offer file (as estimate)")
    dp.add_argument("--prices-mode", choices=("replace", "override"), default="replace")
    dp.set_defaults(func=cmd_deploy)
    c = sub.add_parser("catalog", help="what the app knows: models, instances, backends or releases")
    c.add_argument("what", choices=("models", "instances", "backends", "releases", "architectures"))
    c.add_argument("--release", type=_positive_int, help="LMI release for 'architectures' (default: the newest)")
    c.add_argument("--format", choices=("table", "json", "csv"), default="table")
    c.set_defaults(func=cmd_catalog)
    pr = sub.add_parser("prices", help="convert an AWS Price List offer file to a price list CSV")
    prs = pr.add_subparsers(dest="prices_command", parser_class=_Parser, metavar="ACTION", required=True)
    imp = prs.add_parser("import", help="an AmazonEC2 or AmazonSageMaker offer file (JSON or CSV) as a price list CSV")
    imp.add_argument("offer_file", help="the offer file (index.json or index.csv, all regions or one)")
    imp.add_argument("--region", action="append", metavar="R", help="keep only this region code; repeat for several")
    imp.add_argument("--out", help="CSV file to write (default: print the CSV)")
    imp.add_argument("--all-instances", action="store_true", help="keep every instance type, not only the catalog's")
    imp.set_defaults(func=cmd_prices)
    from lmi_explorer.models.traffic import load_presets

    w = sub.add_parser("scenario", help="write the default scenario, or a traffic preset's, as a starting file")
    w.add_argument("--preset", choices=tuple(load_presets()), help="apply this traffic preset to the default")
    w.add_argument("--out", help="file to write (default: print the JSON)")
    w.set_defaults(func=cmd_scenario)
    if extend is not None:
        extend(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run a subcommand; bad input gives exit code 2 and one line on stderr."""
    parser = build_parser()
    try:
        args = parser.parse_args(list(argv) if argv is not None else None)
        if not getattr(args, "func", None):
            raise UsageError(f"choose a command: {', '.join(COMMANDS)} (see 'lmi-explorer --help')")
        return int(args.func(args))
    except UsageError as exc:
        sys.stderr.write(f"lmi-explorer: {exc}\n")
        return 2
    except DataError as exc:
        sys.stderr.write(f"lmi-explorer: {exc}\n")
        return 2
    except BrokenPipeError:
        return 0
