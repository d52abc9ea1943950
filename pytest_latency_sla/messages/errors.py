"""Errors: a test set up wrong for a capacity search or a measurement, a measured call that
cannot be timed, raised, crashed or hung, and a clock that did not advance.
"""

from __future__ import annotations

from typing import Protocol

from .common import plural, shown_value

# --- errors of a capacity search ------------------------------------------------------------


def min_rate_with_rate(where: str, min_rate: float, rate: float) -> str:
    return (
        f"{where}: latency_sla(min_rate={min_rate:g}) is a capacity gate and "
        f"latency_sla.capacity searches the rate itself; remove rate={rate:g}"
    )


def capacity_time_below_max_time(where: str, capacity_time: float, max_time: float) -> str:
    return (
        f"{where}: latency_sla(capacity_time={capacity_time:g}): shorter than max_time "
        f"({max_time:g} s): a capacity search runs probes of max_time each; give it at least "
        f"{max_time:g} s, or a shorter max_time"
    )


def capacity_needs_budget(nodeid: str) -> str:
    return (
        f"{nodeid}: latency_sla.capacity(fn, ...) needs a budget to hold (s=, ms= or us=): add "
        "a marker such as @pytest.mark.latency_sla(ms=50) (optionally min_rate= to gate the "
        "capacity)"
    )


def capacity_with_ratio(nodeid: str, label: str) -> str:
    return (
        f"{nodeid}: latency_sla.capacity(fn, ...) holds budgets (s=, ms=, us=) at each rate it "
        f"probes; the marker's {label} is a ratio= threshold, which needs "
        "latency_sla.compare(candidate, baseline, ...): move it to a test that compares"
    )


def capacity_with_rate(nodeid: str, rate: float) -> str:
    return (
        f"{nodeid}: latency_sla.capacity(fn, ...) searches the rate; the marker's "
        f"rate={rate:g} fixes it: remove rate= (or call latency_sla(fn) to hold the budget at "
        "that rate)"
    )


def min_rate_needs_capacity(nodeid: str, called: str) -> str:
    """``min_rate=`` on a test that measures without a capacity search (``called``: how)."""
    return (
        f"{nodeid}: latency_sla(min_rate=...) gates a capacity search, but the test "
        f"{called}; call latency_sla.capacity(fn, ...) (or remove min_rate=)"
    )


# --- errors of a measurement -----------------------------------------------------------------


def needs_budget(nodeid: str) -> str:
    return (
        f"{nodeid}: latency_sla(...) needs a budget: add a marker such as "
        "@pytest.mark.latency_sla(ms=50) to the test, or call latency_sla.measure(fn) to "
        "sample without a budget"
    )


def needs_compare(nodeid: str, called: str | None = None) -> str:
    """A ``ratio=`` marker on a test that does not compare: at setup for a marker-only test,
    at the call of ``latency_sla(fn)`` (``called``), or at the end of a test that never
    compared."""
    how = f"; {called} times one call" if called else ""
    return (
        f"{nodeid}: latency_sla(ratio=...): ratio= needs latency_sla.compare(candidate, "
        f"baseline, ...), which measures a candidate against a baseline{how}"
    )


def compare_not_callable(which: str, fn: object) -> str:
    return (
        f"latency_sla.compare(candidate, baseline, ...) needs two callables to time; "
        f"{which} is {type(fn).__name__} {shown_value(fn)}"
    )


def compare_coroutine_object(which: str) -> str:
    return (
        f"latency_sla.compare(candidate, baseline, ...): {which} is a coroutine object; pass "
        "the coroutine function itself so it can be awaited once per timed call"
    )


def compare_under_load(nodeid: str) -> str:
    return (
        f"{nodeid}: latency_sla.compare(...) cannot run under load (rate= or concurrency= on "
        "the test's latency_sla marker): a comparison samples closed loop, one call after "
        "another; measure each variant under load in a test of its own"
    )


def coroutine_object() -> str:
    return (
        "latency_sla(fn, ...) got a coroutine object; pass the coroutine function itself "
        "(latency_sla(fetch, arg), not latency_sla(fetch(arg))) so it can be awaited once "
        "per timed call"
    )


def not_callable(fn: object, call: str = "latency_sla") -> str:
    return f"{call}(fn, ...) needs a callable to time; got {type(fn).__name__} {shown_value(fn)}"


def _call(side: str) -> str:
    """How the call that got the function is named: ``latency_sla(fn, ...)``, or a side of a
    comparison (``latency_sla.compare(...): baseline``)."""
    return f"latency_sla.compare(...): {side}" if side else "latency_sla(fn, ...)"


def awaitable_returned(fn: object, value: object, side: str = "") -> str:
    return (
        f"{_call(side)}: {_name(fn)!r} is not an async def function but returned "
        f"{type(value).__name__} {shown_value(value)}; pass an async def function so each timed "
        "call is awaited"
    )


def _name(fn: object) -> str:
    return str(getattr(fn, "__qualname__", None) or getattr(fn, "__name__", None) or fn)


def generator_function(fn: object, asynchronous: bool, side: str = "") -> str:
    """A generator function given as the measured call (``side``: which side of
    ``latency_sla.compare``, empty for ``latency_sla``)."""
    name = _name(fn)
    kind = "an async generator function" if asynchronous else "a generator function"
    return (
        f"{_call(side)}: {name} is {kind}: calling it only creates the generator, so timing it "
        f"would time only its creation, never its body; {_consume(name, asynchronous, side)}"
    )


def generator_returned(fn: object, value: object, asynchronous: bool, side: str = "") -> str:
    """A plain function that returned ``value``, a generator or an async generator."""
    name = _name(fn)
    return (
        f"{_call(side)}: {name} returned {shown_value(value)}: timing the call would time only "
        f"the generator's creation, never its body; {_consume(name, asynchronous, side)}"
    )


def _consume(name: str, asynchronous: bool, side: str) -> str:
    if "<" in name:  # a lambda or a local function: its qualified name is no expression
        name = "fn"
    if asynchronous:
        return (
            "consume it inside the timed call, in a coroutine: async def consume(): return "
            f"[item async for item in {name}()], then {_passing('consume', side)}"
        )
    return f"consume it inside the timed call: {_passing(f'lambda: list({name}())', side)}"


def _passing(expression: str, side: str) -> str:
    """The call that measures ``expression`` in place of the function given."""
    if side == "candidate":
        return f"latency_sla.compare({expression}, baseline)"
    if side == "baseline":
        return f"latency_sla.compare(candidate, {expression})"
    return f"latency_sla({expression})"


def nothing_measured(nodeid: str, item_kind: str | None) -> str:
    """A test with a marker that ended without a measurement; ``item_kind`` is the class name
    of an item that has no body to measure, ``None`` for a test that never called the fixture."""
    if item_kind is None:
        why = "requests the latency_sla fixture but never calls it; call latency_sla(fn, ...)"
    else:
        why = (
            f"is a {item_kind}, whose body only pytest test functions can have measured; move "
            "the measured call into a pytest test function"
        )
    return f"{nodeid}: nothing was measured: the test has a latency_sla marker and {why}"


class FailedCallInfo(Protocol):
    """What ``failed_call`` reads of the engine's record of a call that raised."""

    @property
    def phase(self) -> str: ...

    @property
    def number(self) -> int: ...

    @property
    def warmup(self) -> int: ...

    @property
    def overall(self) -> int: ...

    @property
    def side(self) -> str: ...

    @property
    def probe(self) -> str: ...

    @property
    def before(self) -> int: ...


def failed_call(call: FailedCallInfo, body: bool) -> str:
    """Which call of the measured code raised (``call``: an ``engine.sampler.FailedCall``; of
    which side, in a comparison), and, for a marker-only test (``body``), that its body runs
    again and again."""
    whose = f"the {call.side}'s " if call.side else ""
    if call.phase == "warm-up":
        which = f"warm-up call {call.number:,} (un-timed)"
    else:
        kind = "scheduled" if call.phase == "scheduled" else "timed"
        of_probe = f" of {call.probe}" if call.probe else ""
        earlier = f" and {plural(call.before, 'earlier call')} of the search" if call.before else ""
        which = (
            f"{kind} call {call.number:,}{of_probe}, after "
            f"{plural(call.warmup, 'warm-up call')}{earlier} (call {call.overall:,} in all)"
        )
    if call.side:
        how = (
            "latency_sla.compare(candidate, baseline, ...) calls each side again and again with "
            "the same arguments, so whatever one call changes the next call sees"
        )
    elif body:
        how = (
            "with a latency_sla marker and no latency_sla fixture, the test body is the measured "
            "call: it runs again and again (warm-up, then timed calls) with the same fixture "
            "values, so whatever one call changes (an item popped from a list, a closed "
            "connection, a counter) the next call sees; measure only the call itself with the "
            "latency_sla fixture, or give each call fresh state"
        )
    else:
        called = "latency_sla.capacity(fn, ...)" if call.probe else "latency_sla(fn, ...)"
        how = (
            f"{called} calls fn again and again with the same arguments, so whatever one call "
            "changes the next call sees"
        )
    first = "its first call" if call.side else "the first call"
    return f"the exception above came from {whose}{which}, not {first}: {how}"


def clock_stalled(where: str) -> str:
    return (
        f"the clock did not advance during the measurement (is time frozen or patched? {where}); "
        "the plugin reads time.perf_counter_ns through a reference taken when it loaded, which "
        "freezegun, time-machine, mock.patch and monkeypatch do not reach, so something replaced "
        "the clock below Python or inside the plugin"
    )


def crashed(how: str) -> str:
    """``measured call crashed: SIGSEGV (signal 11)``."""
    return f"measured call crashed: {how}"


def crash_with_trace(how: str, trace: str) -> str:
    if not trace:
        return crashed(how)
    return f"{crashed(how)}\nfaulthandler in the isolated process:\n{trace}"


def child_timed_out(
    deadline_s: float, max_time: float, grace_s: float, setting: str = "max_time"
) -> str:
    return (
        f"measured call did not finish: the isolated process was still running after "
        f"{deadline_s:.3g} s (2 x {setting} {max_time:.3g} s + {grace_s:.3g} s, warm-up "
        "included) and was killed"
    )


def isolation_unavailable(platform: str) -> str:
    return (
        f"isolate=True needs os.fork, which is not available on this platform ({platform}); "
        "the measurement was not run"
    )


def model_run_failed(
    model: str, inputs: list[tuple[str, tuple[int, ...], str]], error: BaseException
) -> str:
    """``'m.onnx' failed to run with the inputs built from its metadata (x: (1, 1) float32):
    <ONNX Runtime's words>`` -- one line, for a model that loads but cannot run on them."""
    built = ", ".join(f"{name}: {shape} {dtype}" for name, shape, dtype in inputs) or "none"
    said = " ".join(str(error).split()) or type(error).__name__
    return f"{model!r} failed to run with the inputs built from its metadata ({built}): {said}"
