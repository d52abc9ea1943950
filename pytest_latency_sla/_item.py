"""One test at the pytest edge: its plan at setup, each measurement recorded, warnings and the
verdict out. Fixture calls and marker-only tests both go through ``measure_for_item``."""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from functools import partial  # no frame of its own: the measured call's traceback stays clean
from typing import TYPE_CHECKING, Any, Callable, TypeVar

import pytest

from . import messages
from .plan import Plan, Threshold
from .records import ResultDict
from .settings import MARKER, Settings, settings_key

if TYPE_CHECKING:
    from .engine.collect import MeasureSpec
    from .engine.target import Target
    from .verdict.measure import Findings
    from .verdict.result import CapacityResult, LatencyResult

Measured = TypeVar("Measured")

# The measuring modules (engine, verdict) are imported inside the functions that measure: a
# session whose tests never measure pays for none of them at startup.

__all__ = [
    "MARKER",
    "ItemState",
    "capacity_for_item",
    "capacity_unsearched",
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
    searched: bool = False  # latency_sla.capacity was called
    crashed: bool = False
    records: list[ResultDict] = field(default_factory=list)


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
    from .markers import marker_calls, plan_from_markers

    plan = plan_from_markers(marker_calls(marks), settings.defaults, item.nodeid)
    adjusted = []
    for threshold in plan.thresholds:
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
        pytest.fail(messages.min_rate_needs_capacity(item.nodeid, called), pytrace=False)
    from .engine.target import Target, TargetError

    funcargs = item.funcargs
    testargs = {name: funcargs[name] for name in item._fixtureinfo.argnames}
    try:
        target = Target(item.obj, (), testargs)
    except TargetError as error:
        pytest.fail(f"{item.nodeid}: {error}", pytrace=False)
    measure_for_item(item, target, state.plan, budgeted=True)
    return True


def nothing_measured(item: pytest.Item) -> str | None:
    """Why a test with a ``latency_sla`` marker failed to measure anything, or ``None``."""
    state = item.stash.get(item_state_key, None)
    if (
        state is None
        or state.plan is None
        or state.called
        or state.records
        or item.config.stash[settings_key].mode == "off"
    ):
        return None
    # a unittest.TestCase method or another plugin's item has no body we can call
    kind = None if MARKER in getattr(item, "fixturenames", ()) else type(item).__name__
    return messages.nothing_measured(item.nodeid, kind)


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
    return messages.min_rate_needs_capacity(item.nodeid, "never called latency_sla.capacity")


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


def _measure(
    item: pytest.Item, target: Target, plan: Plan | None, *, budgeted: bool
) -> LatencyResult:
    __tracebackhide__ = True
    from .engine.collect import MeasureSpec
    from .engine.load.schedule import load_plan
    from .verdict.measure import run_measurement

    settings = item.config.stash[settings_key]
    state = state_of(item)
    spec = MeasureSpec(
        thresholds=plan.thresholds if (plan is not None and budgeted) else (),
        confidence=settings.confidence,
        max_time=plan.max_time if plan is not None else settings.max_time,
        warmup=plan.warmup if plan is not None else None,
        gc_mode=settings.gc,
        load=load_plan(plan),
    )
    count = len(state.records) + 1
    name = item.nodeid if count == 1 else f"{item.nodeid}#{count}"
    isolate = plan.isolate if plan is not None else settings.isolate
    if settings.mode == "off":
        return _call_once(target, spec, isolate)
    if isolate:
        from .verdict.measure import run_isolated

        run = partial(_interruptible, item, state, target, spec, name, run_isolated, isolated=True)
        result = _isolated(state, name, run)
    else:
        result = _interruptible(item, state, target, spec, name, run_measurement)
    state.records.append(result.to_dict())
    _add_user_properties(item, result)
    item.config.hook.pytest_latency_sla_result(item=item, result=result)
    _warn_and_gate(item, result, spec, settings)
    return result


def _interruptible(
    item: pytest.Item,
    state: ItemState,
    target: Target,
    spec: MeasureSpec,
    name: str,
    run: Callable[[Target, MeasureSpec, str], LatencyResult],
    *,
    isolated: bool = False,
) -> LatencyResult:
    """``run(target, spec, name)``; when an interrupt stops it (a timeout plugin, Ctrl-C), keep
    a result with the samples taken so far (``interrupted``, no verdict) and re-raise the
    interrupt unchanged."""
    __tracebackhide__ = True
    try:
        return run(target, spec, name)
    except BaseException as error:
        if isinstance(error, Exception):
            _note_failed_call(item, target, error)
        if _is_interrupt(error):
            from .engine.sampler import partial_of
            from .verdict.measure import interrupted_result

            partial = partial_of(error)
            record = interrupted_result(partial, spec, name, isolated=isolated).to_dict()
            state.records.append(record)
            item.config.stash.setdefault(interrupted_items_key, []).append(item)
        raise


def _note_failed_call(item: pytest.Item, target: Target, error: Exception) -> None:
    """An error of the measured code after its first call: a report section says which call
    raised it (the error itself propagates unchanged)."""
    from .engine.clock import ClockStalled
    from .engine.sampler import call_of
    from .engine.target import TargetError

    call = call_of(error)
    if call is None or call.overall < 2 or isinstance(error, (TargetError, ClockStalled)):
        return
    body = target.fn is getattr(item, "obj", None)
    item.add_report_section("call", "latency-sla", messages.failed_call(call, body))


def _is_interrupt(error: BaseException) -> bool:
    """An exception that stops a measurement from outside the measured work: KeyboardInterrupt,
    a timeout plugin's failure, ``pytest.exit``; not the call's own error (an ``Exception``),
    nor a skip or xfail it asked for."""
    return not isinstance(error, (Exception, pytest.skip.Exception, pytest.xfail.Exception))


def capacity_for_item(item: pytest.Item, target: Target, plan: Plan) -> CapacityResult:
    """Search the capacity of ``target`` for ``item`` (``latency_sla.capacity``); record,
    warn, and fail the test when ``min_rate`` is not held (or, without it, no rate holds)."""
    __tracebackhide__ = True
    from .engine.clock import ClockStalled
    from .engine.target import TargetError

    try:
        return _capacity(item, target, plan)
    except (TargetError, ClockStalled) as error:
        message = f"{item.nodeid}: {error}"
    pytest.fail(message, pytrace=False)


def _capacity(item: pytest.Item, target: Target, plan: Plan) -> CapacityResult:
    __tracebackhide__ = True
    from .engine.capacity import CapacityPlan
    from .engine.collect import MeasureSpec
    from .verdict.capacity import capacity_findings, run_capacity
    from .verdict.result import CapacityResult

    settings = item.config.stash[settings_key]
    state = state_of(item)
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
    if settings.mode == "off":  # one call, no search
        _call_once(target, spec, plan.isolate)
        budgets = tuple(t.label for t in plan.thresholds)
        return CapacityResult(
            None, None, min_rate=plan.min_rate, budgets=budgets, stopped="mode off"
        )
    count = len(state.records) + 1
    name = item.nodeid if count == 1 else f"{item.nodeid}#{count}"
    search = partial(_searching, item, state, target, spec, name, run_capacity)
    result = _isolated(state, name, partial(search, isolate=True)) if plan.isolate else search()
    state.records.append(result.to_dict())
    _add_capacity_properties(item, result)
    item.config.hook.pytest_latency_sla_result(item=item, result=result)
    _gate(item, capacity_findings(result, spec), settings)
    return result


def _searching(
    item: pytest.Item,
    state: ItemState,
    target: Target,
    spec: MeasureSpec,
    name: str,
    run: Callable[..., CapacityResult],
    *,
    isolate: bool = False,
) -> CapacityResult:
    """``run(target, spec, name)``; an interrupt leaves an empty ``interrupted`` row (the
    search's probes are not kept) and is re-raised unchanged."""
    __tracebackhide__ = True
    try:
        return run(target, spec, name, isolate=isolate)
    except BaseException as error:
        if isinstance(error, Exception):
            _note_failed_call(item, target, error)
        if _is_interrupt(error):
            from .verdict.measure import interrupted_result

            record = interrupted_result(None, spec, name, isolated=isolate).to_dict()
            state.records.append(record)
            item.config.stash.setdefault(interrupted_items_key, []).append(item)
        raise


def _isolated(state: ItemState, name: str, run: Callable[[], Measured]) -> Measured:
    """An isolated measurement at the pytest edge: skip without fork; a crashed or killed child
    fails the test and leaves an empty result, so the reports still list the test."""
    __tracebackhide__ = True
    import numpy as np

    from .engine.isolation import ChildCrashed, ChildTimedOut, IsolationUnavailable
    from .verdict.result import LatencyResult

    try:
        return run()
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


def _call_once(target: Target, spec: MeasureSpec, isolate: bool) -> LatencyResult:
    """``--latency-mode=off``: the one call, in a forked child when the test isolates it (a
    crash there fails the test as it would in any mode); the thresholds listed, not judged."""
    __tracebackhide__ = True
    from .engine.isolation import ChildCrashed, ChildTimedOut, IsolationUnavailable
    from .verdict.measure import call_once

    try:
        return call_once(target, spec, isolate=isolate)
    except IsolationUnavailable as error:
        pytest.skip(str(error))
    except ChildCrashed as error:
        failure = error.message()
    except ChildTimedOut as error:
        failure = str(error)
    pytest.fail(failure, pytrace=False)


def _add_user_properties(item: pytest.Item, result: LatencyResult) -> None:
    for t in result.thresholds:
        item.user_properties.extend(
            [
                ("latency_percentile", float(t.percentile)),
                ("latency_budget_s", float(t.budget)),
                ("latency_estimate_s", float(t.estimate)),
                ("latency_upper_s", None if t.upper is None else float(t.upper)),
                ("latency_verdict", t.verdict if t.confident else f"{t.verdict} (not confident)"),
                ("latency_n", int(result.n)),
            ]
        )


def _add_capacity_properties(item: pytest.Item, result: CapacityResult) -> None:
    item.user_properties.extend(
        [
            ("latency_capacity_holds_at", result.holds_at),
            ("latency_capacity_misses_at", result.misses_at),
            ("latency_min_rate", result.min_rate),
            ("latency_n", int(result.n)),
        ]
    )


def _warn_and_gate(
    item: pytest.Item, result: LatencyResult, spec: MeasureSpec, settings: Settings
) -> None:
    __tracebackhide__ = True
    from .verdict.measure import findings

    _gate(item, findings(result, spec), settings)


def _gate(item: pytest.Item, found: Findings, settings: Settings) -> None:
    """Warn, and fail the test on a miss (``--latency-mode=warn``: warn instead)."""
    __tracebackhide__ = True
    from .warning_types import LatencyMissWarning

    for category, text in found.warnings:
        item.warn(category(text))
    if found.miss is None:
        return
    message = found.miss
    if settings.mode == "warn":
        item.warn(LatencyMissWarning(message.splitlines()[0]))
        return
    pytest.fail(message, pytrace=True)
