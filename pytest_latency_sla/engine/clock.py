"""The one clock: every timed call, every deadline and every wait of a measurement reads it.

``CLOCK.now_ns`` is ``time.perf_counter_ns`` (``clock_gettime(CLOCK_MONOTONIC)`` on Linux), bound
when the plugin is loaded and held on an object rather than as a module attribute. Test helpers
that patch time -- freezegun (which swaps every *module attribute* holding a real time function),
``unittest.mock.patch("time.perf_counter_ns")``, ``monkeypatch.setattr(time, ...)`` -- replace
names, not this reference, so a frozen test is still timed in real time. A clock that stands
still anyway (patched below Python, or swapped on purpose) is detected: ``ClockStalled``.

Simulations and tests script time with ``ScriptedClock``: installed in ``CLOCK``, it moves only
when a scripted call or a wait moves it, so verdicts come out exact instead of timing-dependent.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from functools import cache

__all__ = [
    "CLOCK",
    "Clock",
    "ClockStalled",
    "Deadline",
    "REAL_SLEEP",
    "ScriptedClock",
    "measure_timer_overhead_ns",
    "timer_overhead_ns",
]

# Waits longer than this sleep first and spin only for the rest; shorter waits spin, which is
# what keeps open-loop start delays under a microsecond. With the timer slack at 1 ns (see
# ``load.schedule.precise_sleep``), a sleeper wakes ~10 us late (p99 ~40 us on a busy 2-core
# machine) instead of 60-100 us; sleeping most of each gap also leaves the CPU to other
# processes, so the scheduler does not preempt the worker for spinning.
SPIN_NS = 50_000
# Reads of an unchanged clock in one spin before it is taken as stopped (about 0.1 s of reads).
_STALL_READS = 2_000_000


class ClockStalled(RuntimeError):
    """The clock did not advance across timed calls: time is frozen or patched."""

    def __init__(self, where: str) -> None:
        # only when it happens: this module loads with the plugin
        from ..messages.errors import clock_stalled

        super().__init__(clock_stalled(where))


class Clock:
    """Monotonic nanoseconds (``now_ns``), a sleep in seconds (``sleep``), and how much of a
    wait is spun rather than slept (``spin_ns``)."""

    __slots__ = ("now_ns", "sleep", "spin_ns")

    def __init__(self) -> None:
        self.now_ns: Callable[[], int] = time.perf_counter_ns
        self.sleep: Callable[[float], None] = time.sleep
        self.spin_ns = SPIN_NS

    def wait_until(self, deadline_ns: int) -> None:
        """Return at ``deadline_ns``: sleep most of a long wait, spin the rest. Raises
        ``ClockStalled`` when the clock does not move while spinning."""
        now = self.now_ns
        remaining = deadline_ns - now()
        if remaining > self.spin_ns:
            self.sleep((remaining - self.spin_ns) / 1e9)
        last, same = now(), 0
        while last < deadline_ns:
            current = now()
            if current == last:
                same += 1
                if same > _STALL_READS:
                    raise ClockStalled("a wait for a scheduled start never ended")
            else:
                last, same = current, 0

    def sleep_until(self, deadline_ns: int) -> None:
        """Sleep the whole wait, for worker threads: a spinning thread holds the GIL, and a thread
        coming back from a call (ONNX Runtime runs without the GIL) could wait up to the 5 ms
        switch interval for it; a sleeper wakes tens of microseconds late instead."""
        remaining = deadline_ns - self.now_ns()
        if remaining > 0:
            self.sleep(remaining / 1e9)


CLOCK = Clock()
# Waiting on a real process (an isolated child exiting) takes real time whatever clock the
# measurement reads: under a ScriptedClock, ``CLOCK.sleep`` only moves simulated time, and a
# parent polling with it would spend its whole deadline before the child could exit.
REAL_SLEEP: Callable[[float], None] = time.sleep


class Deadline:
    """A time limit ``seconds`` from now on ``CLOCK`` that a clock standing still cannot push
    back: a wait that ended without its event (``waited``) counts its own length as spent even
    when the clock says no time passed."""

    def __init__(self, seconds: float) -> None:
        self._left = seconds
        self._last = CLOCK.now_ns()

    def left(self) -> float:
        """Seconds still left (negative once passed)."""
        now = CLOCK.now_ns()
        self._left -= max(0, now - self._last) / 1e9
        self._last = now
        return self._left

    def waited(self, seconds: float) -> None:
        """A wait of ``seconds`` (a select timeout, a sleep) has just ended."""
        now = CLOCK.now_ns()
        self._left -= max(max(0, now - self._last) / 1e9, seconds)
        self._last = now


class ScriptedClock:
    """Simulated time for simulations and tests: it moves only by ``advance`` or a sleep.

    ``with clock.installed():`` makes it the clock of every measurement; ``clock.calls(ns)``
    is a measured call whose durations are the scripted ones, in order.
    """

    def __init__(self, start_ns: int = 10**9) -> None:
        self.now = start_ns

    def __call__(self) -> int:
        return self.now

    def advance(self, ns: float) -> None:
        self.now += int(ns)

    def sleep(self, seconds: float) -> None:
        self.now += max(0, round(seconds * 1e9))

    def calls(self, durations_ns: Iterable[float]) -> Callable[[], None]:
        """A call that takes the next scripted duration each time it is called."""
        durations = iter(durations_ns)

        def call() -> None:
            self.now += int(next(durations))

        return call

    @contextmanager
    def installed(self) -> Iterator[ScriptedClock]:
        saved = CLOCK.now_ns, CLOCK.sleep, CLOCK.spin_ns
        CLOCK.now_ns, CLOCK.sleep, CLOCK.spin_ns = self, self.sleep, 0
        try:
            yield self
        finally:
            CLOCK.now_ns, CLOCK.sleep, CLOCK.spin_ns = saved


@cache
def timer_overhead_ns() -> int:
    """The timer's own cost, measured once per process (each xdist worker measures its own).
    A median of 2,000 pairs is stable to a nanosecond or two and costs well under a millisecond."""
    return measure_timer_overhead_ns(CLOCK.now_ns)


def measure_timer_overhead_ns(clock: Callable[[], int], pairs: int = 2000) -> int:
    """The median of ``t1 - t0`` over back-to-back reads ``t0 = clock(); t1 = clock()``: what
    the sampler's timed loop adds to every call when the call itself does nothing."""
    diffs: list[int] = []
    append = diffs.append
    for _ in range(pairs):
        t0 = clock()
        t1 = clock()
        append(t1 - t0)
    diffs.sort()
    return int(diffs[len(diffs) // 2])
