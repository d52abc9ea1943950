"""The timed pairs of a comparison: one loop per call shape, each call timed on its own.

``t0``, first call, ``t1``, second call, ``t2``: each interval holds one call and one clock
read, as in the sampler. An empty ``**kwargs`` still costs a dict per call, hence one loop per
shape. A call that raises notes on its exception which side it was (``side_of``), so the report
can say whether the candidate or the baseline raised: one ``try`` around each loop (it costs
nothing until something is raised, CPython 3.11+), and which call of the pair raised is read
from ``t1``, reset before each pair, outside the timed intervals.
"""

from __future__ import annotations

from array import array
from typing import Any

from .clock import CLOCK
from .target import Target

__all__ = ["BASELINE", "CANDIDATE", "note_side", "run_args", "run_bare", "run_general", "side_of"]

CANDIDATE, BASELINE = "candidate", "baseline"
# The attribute that says which side of a comparison raised an exception.
_SIDE_ATTR = "latency_sla_side"

# pytest leaves this module's frames out of a test's traceback: an exception raised by a
# measured call reads as if the test had called it directly (``--fulltrace`` shows them).
__tracebackhide__ = True


def note_side(error: BaseException, side: str) -> None:
    """Note on ``error`` (re-raised unchanged) which side of a comparison raised it."""
    try:
        setattr(error, _SIDE_ATTR, side)
    except (AttributeError, TypeError):  # an exception type without a __dict__
        pass


def side_of(error: BaseException) -> str:
    """What ``note_side`` noted on ``error``, or ``""``."""
    found = getattr(error, _SIDE_ATTR, "")
    return found if isinstance(found, str) else ""


def _raised(candidate_first: bool, t1: int) -> str:
    """The side whose call raised: the pair's first call when ``t1`` was not read yet."""
    return CANDIDATE if (t1 < 0) == candidate_first else BASELINE


def run_bare(
    a: Any, b: Any, order: list[bool], x: array[int], y: array[int], deadline: int
) -> bool:
    """Time a pair per entry of ``order`` (candidate ``a`` first where true) of calls with no
    arguments into ``x`` and ``y`` (ns); return True when the deadline passed."""
    clock = CLOCK.now_ns
    x_append, y_append = x.append, y.append
    candidate_first, t1 = True, -1
    try:
        for candidate_first in order:
            t1 = -1
            if candidate_first:
                t0 = clock()
                a()
                t1 = clock()
                b()
                t2 = clock()
                x_append(t1 - t0)
                y_append(t2 - t1)
            else:
                t0 = clock()
                b()
                t1 = clock()
                a()
                t2 = clock()
                y_append(t1 - t0)
                x_append(t2 - t1)
            if t2 > deadline:
                return True
    except BaseException as error:
        note_side(error, _raised(candidate_first, t1))
        raise
    return clock() > deadline


def run_args(
    a: Any,
    b: Any,
    args: tuple[Any, ...],
    order: list[bool],
    x: array[int],
    y: array[int],
    deadline: int,
) -> bool:
    """``run_bare`` for two calls with the same positional ``args``."""
    clock = CLOCK.now_ns
    x_append, y_append = x.append, y.append
    candidate_first, t1 = True, -1
    try:
        for candidate_first in order:
            t1 = -1
            if candidate_first:
                t0 = clock()
                a(*args)
                t1 = clock()
                b(*args)
                t2 = clock()
                x_append(t1 - t0)
                y_append(t2 - t1)
            else:
                t0 = clock()
                b(*args)
                t1 = clock()
                a(*args)
                t2 = clock()
                y_append(t1 - t0)
                x_append(t2 - t1)
            if t2 > deadline:
                return True
    except BaseException as error:
        note_side(error, _raised(candidate_first, t1))
        raise
    return clock() > deadline


def run_general(
    a: Target, b: Target, order: list[bool], x: array[int], y: array[int], deadline: int
) -> bool:
    """``run_bare`` for any arguments, keyword ones included, each side its own."""
    clock = CLOCK.now_ns
    x_append, y_append = x.append, y.append
    fa, aa, ka = a.fn, a.args, a.kwargs
    fb, ab, kb = b.fn, b.args, b.kwargs
    candidate_first, t1 = True, -1
    try:
        for candidate_first in order:
            t1 = -1
            if candidate_first:
                t0 = clock()
                fa(*aa, **ka)
                t1 = clock()
                fb(*ab, **kb)
                t2 = clock()
                x_append(t1 - t0)
                y_append(t2 - t1)
            else:
                t0 = clock()
                fb(*ab, **kb)
                t1 = clock()
                fa(*aa, **ka)
                t2 = clock()
                y_append(t1 - t0)
                x_append(t2 - t1)
            if t2 > deadline:
                return True
    except BaseException as error:
        note_side(error, _raised(candidate_first, t1))
        raise
    return clock() > deadline
