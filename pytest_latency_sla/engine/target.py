"""The measured call: ``fn(*args, **kwargs)``, awaited when ``fn`` is a coroutine function; and
the calls that would time the wrong thing (a plain function that returns an awaitable)."""

from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from typing import Any, Callable

from .. import messages

__all__ = ["Pair", "Target", "TargetError", "reject_awaitable"]


class TargetError(TypeError):
    """The target's calls would not do the work being timed; the message says why and how to fix."""


def reject_awaitable(value: Any, fn: Callable[..., Any]) -> None:
    """Raise ``TargetError`` when a plain function's return ``value`` is an awaitable: timing it
    would time creating a coroutine, never running it."""
    if inspect.isawaitable(value):
        if inspect.iscoroutine(value):
            value.close()  # never awaited on purpose: no "was never awaited" warning
        raise TargetError(messages.awaitable_returned(fn, value))


@dataclass(frozen=True)
class Target:
    """The measured call: ``fn(*args, **kwargs)``, awaited when ``fn`` is a coroutine function."""

    fn: Callable[..., Any]
    args: tuple[Any, ...] = ()
    kwargs: dict[str, Any] = field(default_factory=dict)

    @property
    def is_async(self) -> bool:
        return inspect.iscoroutinefunction(self.fn)


@dataclass(frozen=True)
class Pair:
    """Two measured calls compared with each other: ``candidate`` against ``baseline``."""

    candidate: Target
    baseline: Target
