"""The ``latency_sla`` fixture object: ``latency_sla(fn, *args, **kwargs)``, ``.measure`` and
``.compare``."""

from __future__ import annotations

import inspect
from typing import Any, Callable

import pytest

from . import messages
from ._item import compare_for_item, measure_for_item, state_of
from .engine.target import Pair, Target, TargetError
from .verdict.result import ComparisonResult, LatencyResult

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
            pytest.fail(messages.needs_budget(self._item.nodeid), pytrace=False)
        if plan.ratios:
            called = "latency_sla(fn)"
            pytest.fail(messages.needs_compare(self._item.nodeid, called), pytrace=False)
        state_of(self._item).called = True
        return measure_for_item(self._item, _target(fn, args, kwargs), plan, budgeted=True)

    def measure(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> LatencyResult:
        """Sample ``fn`` with no budget: 3,000 timed calls or ``max_time``, whichever is first."""
        __tracebackhide__ = True
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
        state = state_of(self._item)
        state.called = True
        pair = Pair(
            _target(candidate, args, kwargs, "candidate"),
            _target(baseline, args, kwargs, "baseline"),
        )
        state.compared = True
        return compare_for_item(self._item, pair, state.plan)

    def __repr__(self) -> str:
        return f"<LatencySLA for {self._item.nodeid}>"


def _target(
    fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any], which: str = ""
) -> Target:
    """The measured call; ``which`` names a side of ``compare`` in the errors."""
    __tracebackhide__ = True
    if inspect.iscoroutine(fn):
        fn.close()  # refused, not forgotten: no "coroutine was never awaited" warning
        text = messages.compare_coroutine_object(which) if which else messages.coroutine_object()
        pytest.fail(text, pytrace=False)
    if not callable(fn):
        text = messages.compare_not_callable(which, fn) if which else messages.not_callable(fn)
        pytest.fail(text, pytrace=False)
    try:
        return Target(fn, args, kwargs)
    except TargetError as error:
        message = f"latency_sla.compare(...): {which}: {error}" if which else str(error)
    pytest.fail(message, pytrace=False)
