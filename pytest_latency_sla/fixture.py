"""The ``latency_sla`` fixture object: ``latency_sla(fn, *args, **kwargs)`` and ``.measure``."""

from __future__ import annotations

import inspect
from typing import Any, Callable

import pytest

from . import messages
from ._item import measure_for_item, state_of
from .engine.target import Target, TargetError
from .verdict.result import LatencyResult

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
        state_of(self._item).called = True
        return measure_for_item(self._item, _target(fn, args, kwargs), plan, budgeted=True)

    def measure(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> LatencyResult:
        """Sample ``fn`` with no budget: 3,000 timed calls or ``max_time``, whichever is first."""
        __tracebackhide__ = True
        state = state_of(self._item)
        state.called = True
        return measure_for_item(self._item, _target(fn, args, kwargs), state.plan, budgeted=False)

    def __repr__(self) -> str:
        return f"<LatencySLA for {self._item.nodeid}>"


def _target(fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> Target:
    __tracebackhide__ = True
    if inspect.iscoroutine(fn):
        fn.close()  # refused, not forgotten: no "coroutine was never awaited" warning
        pytest.fail(messages.coroutine_object(), pytrace=False)
    if not callable(fn):
        pytest.fail(messages.not_callable(fn), pytrace=False)
    try:
        return Target(fn, args, kwargs)
    except TargetError as error:
        message = str(error)
    pytest.fail(message, pytrace=False)
