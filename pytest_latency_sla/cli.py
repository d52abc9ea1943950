"""``latency-sla MODEL.onnx --ms 50``: the gate on a bare ONNX model, without writing a test;
``latency-sla CANDIDATE.onnx --vs BASELINE.onnx --ratio 0.8``: the relative gate, both models
sampled interleaved in one process; ``latency-sla MODEL.onnx --ms 50 --find-rate``: the highest
arrival rate at which the budget holds; ``latency-sla merge FILE.json...``: one report from
several (``_merge_cli``).

Exit status: 0 when every budget holds (with ``--find-rate``: a rate holds, at least
``--min-rate`` when given), 1 on a miss (or a rate above capacity, or no rate that holds), 2 on
bad usage (bad arguments, a missing or unusable model file, two models that take different
inputs).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .engine.collect import MeasureSpec
    from .plan import Plan
    from .verdict.result import CapacityResult, ComparisonResult, LatencyResult

__all__ = ["main"]

EXIT_PASS, EXIT_MISS, EXIT_USAGE = 0, 1, 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="latency-sla",
        description="Hold an ONNX model to a latency budget (p99 by default), with the same "
        "confidence bounds, table and warnings as the pytest-latency-sla plugin. Inputs are "
        "random, built from the model's input metadata.",
        epilog="exit status: 0 pass, 1 missed budget or ratio, or rate above capacity "
        "(--find-rate: no rate holds, or --min-rate missed), 2 bad usage. "
        "'latency-sla merge FILE.json...' merges JSON reports (see latency-sla merge --help)",
    )
    parser.add_argument("model", metavar="MODEL.onnx", help="the ONNX model file")
    budget = parser.add_mutually_exclusive_group()
    budget.add_argument("--ms", type=float, help="budget in milliseconds")
    budget.add_argument("--us", type=float, help="budget in microseconds")
    budget.add_argument("--s", type=float, help="budget in seconds")
    parser.add_argument(
        "--vs",
        metavar="BASELINE.onnx",
        help="compare MODEL.onnx (the candidate) with this model: both sampled in one process, "
        "calls interleaved in random order, on the candidate's inputs",
    )
    parser.add_argument(
        "--ratio",
        type=float,
        metavar="R",
        help="with --vs: the candidate's percentile must be at most R x the baseline's "
        "(e.g. 0.8: at least 20%% faster); may be given with a budget",
    )
    parser.add_argument(
        "--percentile",
        type=float,
        default=99.0,
        metavar="P",
        help="the percentile the budget (and --ratio) bounds, 0 < P < 100 (default: 99)",
    )
    parser.add_argument(
        "--rate",
        type=float,
        metavar="R",
        help="arrivals per second: latency counts from each call's intended "
        "start (default: closed loop, one call after another)",
    )
    parser.add_argument(
        "--arrivals",
        default="constant",
        choices=("constant", "poisson"),
        help="spacing of the arrivals with --rate (default: constant)",
    )
    parser.add_argument(
        "--concurrency",
        type=int,
        default=1,
        metavar="N",
        help="worker threads serving the calls (default: 1)",
    )
    parser.add_argument(
        "--find-rate",
        action="store_true",
        help="search the highest arrival rate at which the budget holds: load runs of "
        "--max-time seconds each, from the closed-loop service rate, until the rate that "
        "misses is within 10%% of the one that holds or --capacity-time is spent",
    )
    parser.add_argument(
        "--capacity-time",
        type=float,
        default=None,
        metavar="S",
        help="seconds the whole --find-rate search may take, at least --max-time (default: 30)",
    )
    parser.add_argument(
        "--min-rate",
        type=float,
        default=None,
        metavar="R",
        help="with --find-rate: exit 1 unless the budget holds at R calls per second or more, "
        "with confidence",
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=1,
        metavar="T",
        help="ONNX Runtime intra-op threads of the session (default: 1)",
    )
    parser.add_argument(
        "--max-time",
        type=float,
        default=3.0,
        metavar="S",
        help="seconds of sampling, warm-up not counted (default: 3)",
    )
    parser.add_argument(
        "--confidence",
        type=float,
        default=0.95,
        metavar="C",
        help="confidence of the bounds, 0.5 < C < 1 (default: 0.95)",
    )
    parser.add_argument(
        "--overkill",
        type=float,
        default=1000.0,
        metavar="X",
        help="warn when budget / measured percentile >= X; 0 turns it off (default: 1000)",
    )
    parser.add_argument(
        "--json",
        type=Path,
        metavar="PATH",
        help="write the report as JSON (schema pytest-latency-sla/1) to PATH",
    )
    return parser  # fmt: skip


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["merge"]:  # a model file named "merge" is given as ./merge
        from ._merge_cli import main as merge

        return merge(argv[1:])
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        plan, spec = _plan(args)
    except ValueError as error:
        parser.error(str(error))
    try:
        from .onnx import example_inputs, load_session

        session = load_session(args.model, threads=args.threads)
        inputs = example_inputs(session)
        baseline = None
        if args.vs is not None:
            baseline = load_session(args.vs, threads=args.threads)
            different = _input_difference(args, inputs, example_inputs(baseline))
            if different is not None:
                raise ValueError(different)
    except (OSError, ValueError, ImportError) as error:
        print(f"latency-sla: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    from .engine.target import Pair, Target
    from .messages.errors import model_run_failed
    from .verdict.result import CapacityResult

    # One run first: a model that loads but cannot run on these inputs (a shape or type it
    # rejects, a kernel it lacks) is an unusable model, said in one line, not a traceback.
    built = [(name, tuple(value.shape), str(value.dtype)) for name, value in inputs.items()]
    candidate = Target(session.run, (None, inputs))
    model = args.model
    result: LatencyResult | ComparisonResult | CapacityResult
    try:
        session.run(None, inputs, _quiet_run())  # the error is said once, below
        if spec.capacity is not None:
            from .verdict.capacity import run_capacity

            result = run_capacity(candidate, spec, name=args.model)
        elif baseline is None:
            from .verdict.measure import run_measurement

            result = run_measurement(candidate, spec, name=args.model)
        else:
            from .verdict.comparison import run_comparison

            model = args.vs
            baseline.run(None, inputs, _quiet_run())
            model = args.model
            pair = Pair(candidate, Target(baseline.run, (None, inputs)))
            result = run_comparison(pair, spec, name=f"{args.model} vs {args.vs}")
    except Exception as error:  # onnxruntime raises its own types, all Exceptions
        print(f"latency-sla: error: {model_run_failed(model, built, error)}",
              file=sys.stderr)  # fmt: skip
        return EXIT_USAGE
    if isinstance(result, CapacityResult):
        return _report_capacity(result, spec, args)
    return _report(result, spec, args)


def _input_difference(
    args: argparse.Namespace, candidate: dict[str, Any], baseline: dict[str, Any]
) -> str | None:
    """Why the two models cannot take the same inputs (names, shapes, element types: every
    difference), or ``None``. Symbolic dimensions are compared as ``example_inputs`` resolves
    them."""

    def shown(value: Any) -> str:
        return f"{tuple(value.shape)} {value.dtype}"

    found = []
    for name in sorted(set(candidate) | set(baseline)):
        if name not in baseline:
            found.append(f"{name}: {shown(candidate[name])} only in {args.model}")
        elif name not in candidate:
            found.append(f"{name}: {shown(baseline[name])} only in {args.vs}")
        elif shown(candidate[name]) != shown(baseline[name]):
            found.append(
                f"{name} is {shown(candidate[name])} in {args.model}, "
                f"{shown(baseline[name])} in {args.vs}"
            )
    if not found:
        return None
    return f"{args.model} and {args.vs} take different inputs: {'; '.join(found)}"


def _quiet_run() -> Any:
    """ONNX Runtime run options that keep its own log of a failed run off stderr."""
    import onnxruntime

    options = onnxruntime.RunOptions()
    options.log_severity_level = 4  # fatal only
    return options


def _plan(args: argparse.Namespace) -> tuple[Plan, MeasureSpec]:
    """The arguments as a marker would give them, checked by the same rules."""
    import math

    from .engine.collect import MeasureSpec
    from .engine.load.schedule import load_plan
    from .markers import BadMarkerArgument, MarkerCall, plan_from_markers
    from .plan import Defaults, Plan

    if not 0.5 < args.confidence < 1:
        raise ValueError(f"--confidence: expected 0.5 < C < 1, got {args.confidence:g}")
    if args.json is not None:
        args.json = _json_path(args.json)
    if args.threads < 1:
        raise ValueError(f"--threads: expected an int >= 1, got {args.threads}")
    if not math.isfinite(args.overkill) or not (args.overkill == 0 or args.overkill > 1):
        raise ValueError(f"--overkill: expected 0 (off) or a number > 1, got {args.overkill:g}")
    kwargs: dict[str, Any] = {
        unit: getattr(args, unit) for unit in ("s", "ms", "us") if getattr(args, unit) is not None
    }
    if args.ratio is not None and args.vs is None:
        raise ValueError("--ratio needs --vs BASELINE.onnx, the model to compare with")
    if not kwargs and args.vs is None:
        raise ValueError("one of the arguments --ms --us --s is required (or --vs BASELINE.onnx)")
    if args.vs is not None and (args.rate is not None or args.concurrency != 1):
        raise ValueError(
            "--vs compares closed loop: it cannot be combined with --rate or --concurrency"
        )
    _check_find_rate(args)
    for unit, value in kwargs.items():
        if value.is_integer():
            kwargs[unit] = int(value)
    settings: dict[str, Any] = {"max_time": args.max_time, "concurrency": args.concurrency}
    if args.rate is not None:
        settings.update(rate=args.rate, arrivals=args.arrivals)
    if args.find_rate:
        settings["arrivals"] = args.arrivals
        for name in ("min_rate", "capacity_time"):
            if getattr(args, name) is not None:
                settings[name] = getattr(args, name)
    marks = []
    if kwargs:
        kwargs.update(percentile=args.percentile, overkill=args.overkill, **settings)
        marks.append(MarkerCall("command line", (), kwargs))
    if args.ratio is not None:
        ratio = {"ratio": args.ratio, "percentile": args.percentile}
        marks.append(MarkerCall("command line", (), ratio if kwargs else {**ratio, **settings}))
    try:
        plan = (
            plan_from_markers(marks, Defaults(), "latency-sla")
            if marks
            else Plan((), max_time=_checked_max_time(args.max_time))
        )
    except BadMarkerArgument as error:
        raise ValueError(_as_option(str(error))) from None
    capacity = None
    if args.find_rate:
        from .engine.capacity import CapacityPlan

        capacity = CapacityPlan(
            capacity_time=plan.capacity_time,
            min_rate=plan.min_rate,
            arrivals=plan.arrivals,
            concurrency=plan.concurrency,
        )
    spec = MeasureSpec(
        thresholds=plan.thresholds,
        confidence=args.confidence,
        max_time=plan.max_time,
        load=None if capacity is not None else load_plan(plan),
        capacity=capacity,
    )
    return plan, spec


def _check_find_rate(args: argparse.Namespace) -> None:
    """``--find-rate`` searches the rate at which a budget holds: no fixed ``--rate``, no
    comparison; ``--min-rate`` and ``--capacity-time`` need it."""
    if not args.find_rate:
        for name in ("min_rate", "capacity_time"):
            if getattr(args, name) is not None:
                option = "--" + name.replace("_", "-")
                raise ValueError(f"{option} needs --find-rate (a capacity search)")
        return
    if args.rate is not None:
        raise ValueError("--find-rate searches the rate: remove --rate")
    if args.vs is not None or args.ratio is not None:
        raise ValueError("--find-rate holds a budget (--ms, --us, --s), not a comparison: "
                         "remove --vs and --ratio")  # fmt: skip


def _checked_max_time(value: float) -> float:
    """``--max-time`` when no budget or ratio is there to check it (by the marker's rules)."""
    import math

    from .messages.common import MAX_TIME_ALLOWED
    from .plan import MAX_TIME_S

    if not (0 < value < math.inf):
        raise ValueError(
            f"--max-time {value}: max_time must be a positive finite number of seconds"
        )
    if value > MAX_TIME_S:
        raise ValueError(f"--max-time {value}: {MAX_TIME_ALLOWED}")
    return value


def _json_path(given: Path) -> Path:
    """``--json``: the report rules of the plugin (``reports.files``), in an existing directory."""
    from .reports.files import ReportPathError, check_target, report_path

    try:
        path = report_path(str(given), Path.cwd())
        if not path.parent.is_dir() and not path.is_symlink():
            raise ValueError(f"--json {given}: give a file path in an existing directory")
        check_target(path)
    except ReportPathError as error:
        raise ValueError(f"--json {given}: {error.message}") from None
    return path


def _as_option(message: str) -> str:
    # "latency-sla: latency_sla(rate=-1.0): rate must ..." -> "--rate -1.0: rate must ..."
    import re

    message = re.sub(
        r"^latency-sla: latency_sla\((\w+)=([^)]*)\)",
        lambda m: f"--{m.group(1).replace('_', '-')} {m.group(2)}",
        message,
    )
    return message.replace("did you mean percentile=", "did you mean --percentile ")


def _report(
    result: LatencyResult | ComparisonResult, spec: MeasureSpec, args: argparse.Namespace
) -> int:
    from .engine.environment import describe
    from .messages.files import report_not_written
    from .messages.report import environment_line
    from .reports.table import render_text, rows
    from .verdict.measure import findings

    found = findings(result, spec)
    data = result.to_dict()
    data["outcome"] = "passed" if found.miss is None else "failed"
    environment = describe("keep")
    print(environment_line(environment))
    for line in render_text(rows([data])):
        print(line)
    for category, text in found.warnings:
        print(f"{category.__name__}: {text}")
    if found.miss is not None:
        print(found.miss)
    if args.json is not None:
        from .reports.document import build_report, write_json

        try:
            write_json(args.json, build_report([data], environment))
        except OSError as error:  # checked at start; the file system changed since
            why = getattr(error, "reason", None) or error.strerror or str(error)
            print(report_not_written("JSON", args.json, why), file=sys.stderr)
            return EXIT_USAGE
    return EXIT_PASS if found.miss is None else EXIT_MISS


def _report_capacity(result: CapacityResult, spec: MeasureSpec, args: argparse.Namespace) -> int:
    """One row per probe, the line of claims, warnings, the failure message; the JSON report
    holds every probe."""
    from .engine.environment import describe
    from .messages.capacity import capacity_context, capacity_line, capacity_missed
    from .messages.files import report_not_written
    from .messages.report import environment_line
    from .reports.table import render_probes
    from .verdict.capacity import capacity_findings

    found = capacity_findings(result, spec)
    data = result.to_dict()
    data["outcome"] = "passed" if result.passed else "failed"
    capacity = data["capacity"]
    environment = describe("keep")
    print(environment_line(environment))
    print(capacity_context(data))
    for line in render_probes(capacity):
        print(line)
    print(capacity_line(capacity, result.confidence))
    for category, text in found.warnings:
        print(f"{category.__name__}: {text}")
    if not result.passed:
        print(capacity_missed(data, max_time=spec.max_time))
    if args.json is not None:
        from .reports.document import build_report, write_json

        try:
            write_json(args.json, build_report([data], environment))
        except OSError as error:  # checked at start; the file system changed since
            why = getattr(error, "reason", None) or error.strerror or str(error)
            print(report_not_written("JSON", args.json, why), file=sys.stderr)
            return EXIT_USAGE
    # the command answers "up to what rate?": without a confident answer it exits 1
    return EXIT_PASS if result.passed else EXIT_MISS


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
