"""One test at the pytest edge: its plan at setup, each measurement recorded, warnings and the
verdict out. Fixture calls and marker-only tests go through ``measure_for_item``, comparisons
through ``compare_for_item``, capacity searches through ``capacity_for_item``."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from functools import partial  # no frame of its own: the measured call's traceback stays clean
from typing import TYPE_CHECKING, Any, TypeVar

import pytest

from .messages.errors import compare_under_load, failed_call, min_rate_needs_capacity, needs_compare
from .messages.errors import nothing_measured as nothing_measured_message
from .plan import Plan, Threshold
from .records import ResultDict, StoredMeasurementDict, StoredStatus
from .settings import MARKER, Settings, settings_key

if TYPE_CHECKING:
    from .engine.collect import MeasureSpec
    from .engine.target import Pair, Target
    from .stats.stored import OrderWindow
    from .verdict.measure import Findings
    from .verdict.result import CapacityResult, ComparisonResult, LatencyResult

    # what a measurement returns, and of those what ``_record`` keeps (a capacity search keeps
    # its own record)
    Result = TypeVar("Result", LatencyResult, ComparisonResult, CapacityResult)
    Recorded = TypeVar("Recorded", LatencyResult, ComparisonResult)

# The measuring modules (engine, verdict) are imported inside the functions that measure: a
# session whose tests never measure pays for none of them at startup.

__all__ = [
    "MARKER",
    "ItemState",
    "capacity_for_item",
    "capacity_unsearched",
    "compare_for_item",
    "interrupted_items_key",
    "item_state_key",
    "measure_for_item",
    "measure_test_body",
    "nothing_measured",
    "plan_for_item",
    "setup_plan",
    "state_of",
]


@dataclass
class ItemState:
    """What the plugin keeps of one test: its plan, and of each finished measurement only the
    report record (quantiles, bounds, histogram: a few KB), never the raw samples, so a session
    of many capped measurements holds no more memory than one (the ``LatencyResult`` stays the
    user's)."""

    plan: Plan | None = None
    called: bool = False
    compared: bool = False
    searched: bool = False  # latency_sla.capacity was called
    crashed: bool = False
    records: list[ResultDict] = field(default_factory=list)
    # with --latency-save: each measurement's record for the baseline file, by name
    stored: dict[str, StoredMeasurementDict] = field(default_factory=dict)


item_state_key = pytest.StashKey[ItemState]()
# Items with a measurement stopped by an interrupt: after Ctrl-C pytest makes no report for the
# test, so the reporting process collects these at the end (``collector.gather_unsent``).
interrupted_items_key = pytest.StashKey[list[pytest.Item]]()


def plan_for_item(item: pytest.Item, settings: Settings) -> Plan | None:
    """Parse the item's markers (closest first), let other plugins adjust each threshold, and
    scale every budget by ``--latency-scale``: the one place a budget is scaled."""
    marks = list(item.iter_markers_with_node(MARKER))
    if not marks:
        return None
    from .markers import BadMarkerArgument, marker_calls, plan_from_markers

    plan = plan_from_markers(marker_calls(marks), settings.defaults, item.nodeid)
    if plan.ratios and MARKER not in getattr(item, "fixturenames", ()):
        raise BadMarkerArgument(needs_compare(item.nodeid))
    adjusted = []
    for threshold in plan.thresholds:
        if threshold.kind == "ratio":  # machine-independent: no per-hardware hook, no scale
            adjusted.append(threshold)
            continue
        replacement = item.config.hook.pytest_latency_sla_threshold(item=item, threshold=threshold)
        chosen = threshold if replacement is None else replacement
        _check_threshold(chosen, settings.scale, item.nodeid, hooked=replacement is not None)
        adjusted.append(chosen.scaled(settings.scale))
    return replace(plan, thresholds=tuple(adjusted))


def _check_threshold(threshold: Any, scale: float, where: str, *, hooked: bool) -> None:
    """What a hook returned, and a budget times ``--latency-scale``, must still be usable: an
    infinite budget would pass anything and cannot be written to the JSON report."""
    from .markers import BadMarkerArgument

    if hooked and not isinstance(threshold, Threshold):
        raise BadMarkerArgument(
            f"{where}: pytest_latency_sla_threshold returned {threshold!r:.60}; "
            "expected a Threshold (e.g. dataclasses.replace(threshold, budget_s=...)) or None"
        )
    budget = threshold.budget_s * scale
    if not (0 < threshold.percentile < 100 and 0 < budget < math.inf):
        source = "pytest_latency_sla_threshold returned" if hooked else "latency_sla"
        raise BadMarkerArgument(
            f"{where}: {source} {threshold.label} (x scale {scale:g} = {budget!r} s): a budget "
            "must be a positive finite number of seconds, a percentile 0 < p < 100"
        )


def setup_plan(item: pytest.Item) -> str | None:
    """Parse and keep the item's plan at setup; the message of a bad marker argument, if any."""
    from .markers import BadMarkerArgument

    try:
        plan = plan_for_item(item, item.config.stash[settings_key])
    except BadMarkerArgument as error:
        return str(error)
    if plan is not None:
        state_of(item).plan = plan
    return None


def state_of(item: pytest.Item) -> ItemState:
    state = item.stash.get(item_state_key, None)
    if state is None:
        state = item.stash[item_state_key] = ItemState()
    return state


def measure_test_body(item: pytest.Function) -> bool:
    """Marker-only use: measure the test body itself as the call. False when the test is not
    measured this way (no marker, the fixture is requested, or ``--latency-mode=off``)."""
    __tracebackhide__ = True
    state = item.stash.get(item_state_key, None)
    if state is None or state.plan is None or MARKER in item.fixturenames:
        return False
    if item.config.stash[settings_key].mode == "off" and not state.plan.isolate:
        return False  # pytest calls the body once, as it would without the plugin
    if state.plan.min_rate is not None and item.config.stash[settings_key].mode != "off":
        called = "measures its own body (it does not request the latency_sla fixture)"
        pytest.fail(min_rate_needs_capacity(item.nodeid, called), pytrace=False)
    from .engine.target import Target, TargetError

    funcargs = item.funcargs
    testargs = {name: funcargs[name] for name in item._fixtureinfo.argnames}
    try:
        target = Target(item.obj, (), testargs)
    except TargetError as error:
        message = f"{item.nodeid}: {error}"
    else:
        measure_for_item(item, target, state.plan, budgeted=True)
        return True
    pytest.fail(message, pytrace=False)  # outside the handler: not chained to the error


def nothing_measured(item: pytest.Item) -> str | None:
    """Why a test with a ``latency_sla`` marker failed to measure anything, or ``None``."""
    state = item.stash.get(item_state_key, None)
    if state is None or state.plan is None or item.config.stash[settings_key].mode == "off":
        return None
    if state.plan.ratios and not state.compared:
        return needs_compare(item.nodeid)
    if state.called or state.records:
        return None
    # a unittest.TestCase method or another plugin's item has no body we can call
    kind = None if MARKER in getattr(item, "fixturenames", ()) else type(item).__name__
    return nothing_measured_message(item.nodeid, kind)


def capacity_unsearched(item: pytest.Item) -> str | None:
    """Why a test whose marker sets ``min_rate=`` failed to gate it: it never called
    ``latency_sla.capacity`` (``None`` when it did, or measured nothing at all)."""
    state = item.stash.get(item_state_key, None)
    if (
        state is None
        or state.plan is None
        or state.plan.min_rate is None
        or state.searched
        or not (state.called or state.records)
        or item.config.stash[settings_key].mode == "off"
    ):
        return None
    return min_rate_needs_capacity(item.nodeid, "never called latency_sla.capacity")


def measure_for_item(
    item: pytest.Item, target: Target, plan: Plan | None, *, budgeted: bool
) -> LatencyResult:
    """Measure ``target`` for ``item``; record, warn, and fail the test on a missed budget."""
    __tracebackhide__ = True
    from .engine.clock import ClockStalled
    from .engine.target import TargetError

    try:
        return _measure(item, target, plan, budgeted=budgeted)
    except (TargetError, ClockStalled) as error:
        message = f"{item.nodeid}: {error}"
    pytest.fail(message, pytrace=False)


def compare_for_item(item: pytest.Item, pair: Pair, plan: Plan | None) -> ComparisonResult:
    """Measure ``pair`` for ``item``: interleaved, against every threshold of the plan (or none,
    reporting the ratios); record, warn, and fail the test on a missed budget or ratio."""
    __tracebackhide__ = True
    from .engine.clock import ClockStalled
    from .engine.target import TargetError
    from .verdict.comparison import compare_once, run_comparison

    if plan is not None and plan.under_load:
        pytest.fail(compare_under_load(item.nodeid), pytrace=False)
    settings = item.config.stash[settings_key]
    spec, name, status = _spec(item, plan, budgeted=True, pair=True)
    isolate = plan.isolate if plan is not None else settings.isolate
    try:
        if settings.mode == "off":
            return _once(compare_once, pair, spec, isolate)
        run = partial(run_comparison, isolate=isolate)
        result = _run_guarded(item, spec, name, isolate, run, pair, spec, name)
    except (TargetError, ClockStalled) as error:
        message = f"{item.nodeid}: {error}"
    else:
        return _record(item, result, spec, status)
    # outside the handler: the one-line failure, not chained to the error it words
    pytest.fail(message, pytrace=False)


def capacity_for_item(item: pytest.Item, target: Target, plan: Plan) -> CapacityResult:
    """Search the capacity of ``target`` for ``item`` (``latency_sla.capacity``); record,
    warn, and fail the test when ``min_rate`` is not held (or, without it, no rate holds)."""
    __tracebackhide__ = True
    from .engine.capacity import CapacityPlan
    from .engine.clock import ClockStalled
    from .engine.collect import MeasureSpec
    from .engine.target import TargetError
    from .verdict.capacity import capacity_findings, run_capacity
    from .verdict.measure import call_once
    from .verdict.result import CapacityResult

    settings = item.config.stash[settings_key]
    state = state_of(item)
    count = len(state.records) + 1
    name = item.nodeid if count == 1 else f"{item.nodeid}#{count}"
    spec = MeasureSpec(
        thresholds=plan.thresholds,
        confidence=settings.confidence,
        max_time=plan.max_time,
        warmup=plan.warmup,
        gc_mode=settings.gc,
        capacity=CapacityPlan(
            capacity_time=plan.capacity_time,
            min_rate=plan.min_rate,
            arrivals=plan.arrivals,
            concurrency=plan.concurrency,
        ),
    )
    try:
        if settings.mode == "off":  # one call, no search
            _once(call_once, target, spec, plan.isolate)
            budgets = tuple(t.label for t in plan.thresholds)
            return CapacityResult(
                None, None, min_rate=plan.min_rate, budgets=budgets, stopped="mode off", name=name
            )
        run = partial(run_capacity, isolate=plan.isolate)
        result = _run_guarded(item, spec, name, plan.isolate, run, target, spec, name)
    except (TargetError, ClockStalled) as error:
        message: str | None = f"{item.nodeid}: {error}"
    else:
        message = None
    if message is not None:  # outside the handler: the one-line failure, not chained
        pytest.fail(message, pytrace=False)
    state.records.append(result.to_dict())
    item.user_properties.extend(
        [
            ("latency_capacity_holds_at", result.holds_at),
            ("latency_capacity_misses_at", result.misses_at),
            ("latency_min_rate", result.min_rate),
            ("latency_n", int(result.n)),
        ]
    )
    item.config.hook.pytest_latency_sla_result(item=item, result=result)
    _gate(item, capacity_findings(result, spec), settings)
    return result


def _spec(
    item: pytest.Item, plan: Plan | None, *, budgeted: bool, pair: bool = False
) -> tuple[MeasureSpec, str, StoredStatus | None]:
    """How to measure the item's next measurement, its name (``<nodeid>#2`` for the second),
    and its place in the stored baseline: the regression thresholds and order statistics of
    ``--latency-baseline`` join the plan's thresholds."""
    import zlib

    from ._baseline import baseline_key
    from .engine.collect import MeasureSpec
    from .engine.load.schedule import load_plan
    from .verdict.stored import regression_thresholds

    settings = item.config.stash[settings_key]
    count = len(state_of(item).records) + 1
    name = item.nodeid if count == 1 else f"{item.nodeid}#{count}"
    thresholds = plan.thresholds if (plan is not None and budgeted) else ()
    load = None if pair else load_plan(plan)
    baseline = item.config.stash.get(baseline_key, None)
    status: StoredStatus | None = None
    stored: Mapping[float, OrderWindow] = {}
    if baseline is not None and load is None:
        gated = [t.percentile for t in thresholds]
        status, stored = baseline.stored_for(name, gated)
        thresholds = (*thresholds, *regression_thresholds(gated, stored, settings.regression))
    spec = MeasureSpec(
        thresholds=thresholds,
        confidence=settings.confidence,
        max_time=plan.max_time if plan is not None else settings.max_time,
        warmup=plan.warmup if plan is not None else None,
        gc_mode=settings.gc,
        load=load,
        stored=stored,
        seed=zlib.crc32(name.encode()),
    )
    return spec, name, status


def _measure(
    item: pytest.Item, target: Target, plan: Plan | None, *, budgeted: bool
) -> LatencyResult:
    __tracebackhide__ = True
    from .verdict.measure import call_once, run_isolated, run_measurement

    settings = item.config.stash[settings_key]
    spec, name, status = _spec(item, plan, budgeted=budgeted)
    isolate = plan.isolate if plan is not None else settings.isolate
    if settings.mode == "off":
        return _once(call_once, target, spec, isolate)
    run = run_isolated if isolate else run_measurement
    result = _run_guarded(item, spec, name, isolate, run, target, spec, name)
    return _record(item, result, spec, status)


def _record(
    item: pytest.Item, result: Recorded, spec: MeasureSpec, status: StoredStatus | None
) -> Recorded:
    """Keep ``result`` (and its stored form for ``--latency-save``), tell the hooks, warn, and
    fail the test on a miss."""
    __tracebackhide__ = True
    from .verdict.result import ComparisonResult
    from .verdict.stored import stored_record

    settings = item.config.stash[settings_key]
    state = state_of(item)
    measured = result.candidate if isinstance(result, ComparisonResult) else result
    if status is not None:
        object.__setattr__(measured, "stored", status)  # known here, not where it was judged
    state.records.append(result.to_dict())
    if settings.save is not None:
        record = stored_record(result, (t.percentile for t in spec.thresholds))
        if record is not None:
            state.stored[result.name] = record
    _add_user_properties(item, result)
    item.config.hook.pytest_latency_sla_result(item=item, result=result)
    _warn_and_gate(item, result, spec, settings)
    return result


def _run_guarded(
    item: pytest.Item,
    spec: MeasureSpec,
    name: str,
    isolated: bool,
    run: Callable[..., Result],
    *args: Any,
) -> Result:
    """``run(*args)``, kept when an interrupt stops it (``_interruptible``); when isolated, at
    the pytest edge: skip without fork, and a crashed or killed child fails the test and leaves
    an empty result, so the reports still list it."""
    __tracebackhide__ = True
    if not isolated:
        return _interruptible(item, spec, name, False, run, *args)
    import numpy as np

    from .engine.isolation import ChildCrashed, ChildTimedOut, IsolationUnavailable
    from .verdict.result import LatencyResult

    state = state_of(item)
    try:
        return _interruptible(item, spec, name, True, run, *args)
    except IsolationUnavailable as error:
        pytest.skip(str(error))
    except ChildCrashed as error:
        state.crashed = True
        failure = error.message()
        empty = LatencyResult(
            samples_ns=np.zeros(0, dtype=np.int64),
            name=name,
            stopped="crashed",
            isolated=True,
            crash=error.how,
        )
    except ChildTimedOut as error:
        failure = str(error)
        empty = LatencyResult(
            samples_ns=np.zeros(0, dtype=np.int64),
            name=name,
            stopped="killed at deadline",
            isolated=True,
        )
    state.records.append(empty.to_dict())
    pytest.fail(failure, pytrace=False)


def _interruptible(
    item: pytest.Item,
    spec: MeasureSpec,
    name: str,
    isolated: bool,
    run: Callable[..., Result],
    *args: Any,
) -> Result:
    """``run(*args)``; when an interrupt stops it (a timeout plugin, Ctrl-C), keep a result with
    the samples taken so far (``interrupted``, no verdict) and re-raise the interrupt
    unchanged."""
    __tracebackhide__ = True
    try:
        return run(*args)
    except BaseException as error:
        if isinstance(error, Exception) and args:
            _note_failed_call(item, args[0], error)
        if _is_interrupt(error):
            from .engine.capacity import CapacitySearch
            from .engine.compare import Comparison
            from .engine.sampler import partial_of
            from .verdict.capacity import judge_search
            from .verdict.comparison import interrupted_comparison
            from .verdict.measure import interrupted_result

            partial = partial_of(error)
            if isinstance(partial, CapacitySearch):  # its finished probes, their claims
                kept = judge_search(partial, spec, name, isolated=isolated).to_dict()
            elif spec.capacity is not None:  # stopped before its first probe
                kept = interrupted_result(None, spec, name, isolated=isolated).to_dict()
            elif isinstance(partial, Comparison):
                kept = interrupted_comparison(partial, spec, name, isolated=isolated).to_dict()
            else:
                kept = interrupted_result(partial, spec, name, isolated=isolated).to_dict()
            state_of(item).records.append(kept)
            item.config.stash.setdefault(interrupted_items_key, []).append(item)
        raise


def _note_failed_call(item: pytest.Item, target: object, error: Exception) -> None:
    """An error of the measured code after its first call: a report section says which call
    raised it (the error itself propagates unchanged)."""
    from .engine.clock import ClockStalled
    from .engine.sampler import call_of
    from .engine.target import TargetError

    call = call_of(error)
    if call is None or call.overall < 2 or isinstance(error, (TargetError, ClockStalled)):
        return
    body = getattr(target, "fn", None) is getattr(item, "obj", None)
    item.add_report_section("call", "latency-sla", failed_call(call, body))


def _is_interrupt(error: BaseException) -> bool:
    """An exception that stops a measurement from outside the measured work: KeyboardInterrupt,
    a timeout plugin's failure, ``pytest.exit``; not the call's own error (an ``Exception``),
    nor a skip or xfail it asked for."""
    return not isinstance(error, (Exception, pytest.skip.Exception, pytest.xfail.Exception))


def _once(run: Callable[..., Result], target: Any, spec: MeasureSpec, isolate: bool) -> Result:
    """``--latency-mode=off``: the one call (of each side of a comparison), in a forked child
    when the test isolates it (a crash there fails the test as it would in any mode); the
    thresholds listed, not judged."""
    __tracebackhide__ = True
    from .engine.isolation import ChildCrashed, ChildTimedOut, IsolationUnavailable

    try:
        return run(target, spec, isolate=isolate)
    except IsolationUnavailable as error:
        pytest.skip(str(error))
    except ChildCrashed as error:
        failure = error.message()
    except ChildTimedOut as error:
        failure = str(error)
    pytest.fail(failure, pytrace=False)


def _add_user_properties(item: pytest.Item, result: LatencyResult | ComparisonResult) -> None:
    """One group of JUnit properties per threshold, in order (plain values: xdist)."""
    from .verdict.result import ComparisonResult

    n = result.candidate.n if isinstance(result, ComparisonResult) else result.n
    for t in result.thresholds:
        verdict = t.verdict if t.confident else f"{t.verdict} (not confident)"
        if t.kind == "ratio":
            group = [
                ("latency_percentile", float(t.percentile)),
                ("latency_ratio", float(t.budget)),
                ("latency_ratio_against", str(t.against)),
                ("latency_ratio_estimate", _plain(t.estimate)),
                ("latency_ratio_upper", _plain(t.upper)),
            ]
        else:
            group = [
                ("latency_percentile", float(t.percentile)),
                ("latency_budget_s", float(t.budget)),
                ("latency_estimate_s", float(t.estimate)),
                ("latency_upper_s", _plain(t.upper)),
            ]
        item.user_properties.extend([*group, ("latency_verdict", verdict), ("latency_n", int(n))])


def _plain(value: float | None) -> float | None:
    return None if value is None or not math.isfinite(value) else float(value)


def _warn_and_gate(
    item: pytest.Item,
    result: LatencyResult | ComparisonResult,
    spec: MeasureSpec,
    settings: Settings,
) -> None:
    __tracebackhide__ = True
    from .verdict.measure import findings

    _gate(item, findings(result, spec), settings)


def _gate(item: pytest.Item, found: Findings, settings: Settings) -> None:
    """Warn, and fail the test on a miss or a regression (``--latency-mode=warn``: warn
    instead)."""
    __tracebackhide__ = True
    from .warning_types import LatencyMissWarning, LatencyRegressionWarning

    for category, text in found.warnings:
        item.warn(category(text))
    if found.miss is None and found.regression is None:
        return
    if settings.mode == "warn":
        if found.miss is not None:
            item.warn(LatencyMissWarning(found.miss.splitlines()[0]))
        if found.regression is not None:
            item.warn(LatencyRegressionWarning(found.regression.splitlines()[0]))
        return
    pytest.fail("\n".join(m for m in (found.miss, found.regression) if m), pytrace=True)
