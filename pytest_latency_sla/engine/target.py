"""The measured call: ``fn(*args, **kwargs)``, awaited when ``fn`` is a coroutine function; and
the calls that would time the wrong thing: a generator function (its call only creates the
generator), a plain function that returns an awaitable, a generator or an async generator."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from ..messages.errors import awaitable_returned, generator_function, generator_returned

__all__ = ["Pair", "Target", "TargetError", "reject_lazy_result"]


class TargetError(TypeError):
    """The target's calls would not do the work being timed; the message says why and how to fix."""


def reject_lazy_result(value: Any, fn: Callable[..., Any], side: str = "") -> None:
    """Raise ``TargetError`` when a plain function's return ``value`` does the work only later:
    an awaitable (timing the call times creating a coroutine, never running it), a generator or
    an async generator (timing the call times creating it, never its body). ``side`` names the
    side of a comparison the function is (``candidate``, ``baseline``; empty otherwise)."""
    if inspect.isawaitable(value):
        if inspect.iscoroutine(value):
            value.close()  # never awaited on purpose: no "was never awaited" warning
        raise TargetError(awaitable_returned(fn, value, side))
    if inspect.isgenerator(value) or inspect.isasyncgen(value):
        message = generator_returned(fn, value, inspect.isasyncgen(value), side)
        if inspect.isgenerator(value):
            value.close()
        raise TargetError(message)


@dataclass(frozen=True)
class Target:
    """The measured call: ``fn(*args, **kwargs)``, awaited when ``fn`` is a coroutine function."""

    fn: Callable[..., Any]
    args: tuple[Any, ...] = ()
    kwargs: dict[str, Any] = field(default_factory=dict)
    # which side of a comparison this call is ("candidate", "baseline"), for the errors
    side: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        if inspect.isgeneratorfunction(self.fn) or inspect.isasyncgenfunction(self.fn):
            asynchronous = inspect.isasyncgenfunction(self.fn)
            raise TargetError(generator_function(self.fn, asynchronous, self.side))

    @property
    def is_async(self) -> bool:
        return inspect.iscoroutinefunction(self.fn)


@dataclass(frozen=True)
class Pair:
    """Two measured calls compared with each other: ``candidate`` against ``baseline`` (each
    knows its side, for the errors)."""

    candidate: Target
    baseline: Target

    def __post_init__(self) -> None:
        for side in ("candidate", "baseline"):
            target: Target = getattr(self, side)
            if target.side != side:
                object.__setattr__(self, side, replace(target, side=side))
