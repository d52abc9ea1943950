"""The ``latency_sla`` fixture object: ``latency_sla(fn, *args, **kwargs)``, ``.measure``,
``.compare`` and ``.capacity``."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import pytest

from ._item import capacity_for_item, compare_for_item, measure_for_item, state_of
from .engine.target import Pair, Target, TargetError
from .messages.errors import (
    capacity_needs_budget,
    capacity_with_rate,
    capacity_with_ratio,
    compare_coroutine_object,
    compare_not_callable,
    coroutine_object,
    min_rate_needs_capacity,
    needs_budget,
    needs_compare,
    not_callable,
)
from .verdict.result import CapacityResult, ComparisonResult, LatencyResult

__all__ = ["LatencySLA"]


class LatencySLA:
    """Times ``fn(*args, **kwargs)`` call by call and checks the test's ``latency_sla`` budgets.

    A coroutine function is awaited once per timed call. A missed budget fails the test at
    this call; an exception raised by ``fn`` propagates unchanged.
    """

    def __init__(self, item: pytest.Item) -> None:
        self._item = item

    def __call__(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> LatencyResult:
        __tracebackhide__ = True
        plan = state_of(self._item).plan
        if plan is None:
            pytest.fail(needs_budget(self._item.nodeid), pytrace=False)
        if plan.ratios:
            called = "latency_sla(fn)"
            pytest.fail(needs_compare(self._item.nodeid, called), pytrace=False)
        self._no_min_rate("called latency_sla(fn)")
        state_of(self._item).called = True
        return measure_for_item(self._item, _target(fn, args, kwargs), plan, budgeted=True)

    def measure(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> LatencyResult:
        """Sample ``fn`` with no budget: 3,000 timed calls or ``max_time``, whichever is first."""
        __tracebackhide__ = True
        self._no_min_rate("called latency_sla.measure(fn)")
        state = state_of(self._item)
        state.called = True
        return measure_for_item(self._item, _target(fn, args, kwargs), state.plan, budgeted=False)

    def compare(
        self,
        candidate: Callable[..., Any],
        baseline: Callable[..., Any],
        /,
        *args: Any,
        **kwargs: Any,
    ) -> ComparisonResult:
        """Time ``candidate`` against ``baseline``, both called with ``*args, **kwargs``: both
        warmed up, then pairs of calls in seeded random order, each call timed on its own,
        until every threshold of the test's markers is decided (``ratio=`` markers bound the
        ratio of the two percentiles; budgets apply to the candidate) or ``max_time``. Without
        a marker, or with budgets only, the ratios are reported with no gate."""
        __tracebackhide__ = True
        self._no_min_rate("called latency_sla.compare(candidate, baseline)")
        state = state_of(self._item)
        state.called = True
        pair = Pair(
            _target(candidate, args, kwargs, "candidate"),
            _target(baseline, args, kwargs, "baseline"),
        )
        state.compared = True
        return compare_for_item(self._item, pair, state.plan)

    def capacity(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> CapacityResult:
        """Search the highest arrival rate at which every budget of the test's markers holds:
        load runs of ``fn(*args, **kwargs)`` (``max_time`` each, ``concurrency=`` workers,
        ``arrivals=`` spacing) from the closed-loop service rate, bracketing and bisecting until
        ``misses_at / holds_at <= 1.10`` or ``capacity_time`` (default 30 s, at least
        ``max_time``) is spent. Fails the test when ``min_rate=`` is set and not held with
        confidence (without it, when no rate holds with confidence). Under
        ``--latency-mode=off`` it makes one call and searches nothing: the result's ``passed``
        is ``True`` with no ``holds_at``."""
        __tracebackhide__ = True
        nodeid = self._item.nodeid
        state = state_of(self._item)
        plan = state.plan
        if plan is None or not plan.budgets:
            pytest.fail(capacity_needs_budget(nodeid), pytrace=False)
        if plan.ratios:
            pytest.fail(capacity_with_ratio(nodeid, plan.ratios[0].label), pytrace=False)
        if plan.rate is not None:
            pytest.fail(capacity_with_rate(nodeid, plan.rate), pytrace=False)
        target = _target(fn, args, kwargs, call="latency_sla.capacity")
        state.called = state.searched = True
        return capacity_for_item(self._item, target, plan)

    def _no_min_rate(self, called: str) -> None:
        __tracebackhide__ = True
        plan = state_of(self._item).plan
        if plan is not None and plan.min_rate is not None:
            message = min_rate_needs_capacity(self._item.nodeid, called)
            pytest.fail(message, pytrace=False)

    def __repr__(self) -> str:
        return f"<LatencySLA for {self._item.nodeid}>"


def _target(
    fn: Callable[..., Any],
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    which: str = "",
    *,
    call: str = "latency_sla",
) -> Target:
    """The measured call; ``which`` names a side of ``compare`` in the errors, ``call`` the
    method it was given to."""
    __tracebackhide__ = True
    if inspect.iscoroutine(fn):
        fn.close()  # refused, not forgotten: no "coroutine was never awaited" warning
        text = compare_coroutine_object(which) if which else coroutine_object()
        pytest.fail(text, pytrace=False)
    if not callable(fn):
        text = compare_not_callable(which, fn) if which else not_callable(fn, call)
        pytest.fail(text, pytrace=False)
    try:
        return Target(fn, args, kwargs, side=which)
    except TargetError as error:
        message = str(error)
    pytest.fail(message, pytrace=False)
