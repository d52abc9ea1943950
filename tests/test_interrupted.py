"""A measurement stopped from outside (pytest-timeout's signal method, Ctrl-C) keeps a row:
outcome ``interrupted``, the calls timed so far (n, p50, max), no verdict; and the interrupt
itself goes on unchanged."""

from __future__ import annotations

import itertools
import json
import signal
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from pytest_latency_sla.engine import sampler
from pytest_latency_sla.engine.clock import ScriptedClock
from pytest_latency_sla.engine.collect import MeasureSpec
from pytest_latency_sla.engine.load.run import run_load
from pytest_latency_sla.engine.load.schedule import LoadPlan, LoadRun
from pytest_latency_sla.engine.sampler import partial_of
from pytest_latency_sla.engine.target import Target
from pytest_latency_sla.plan import Threshold
from pytest_latency_sla.verdict.measure import interrupted_result


class Stop(BaseException):
    """An interrupt of our own, as pytest-timeout's ``Failed`` is: not an ``Exception``."""


def _raises_on_call(k: int, clock: ScriptedClock, exc: BaseException) -> object:
    calls = itertools.count(1)

    def call() -> None:
        clock.advance(5_000)
        if next(calls) == k:
            raise exc

    return call


def test_an_interrupt_keeps_the_samples_taken_so_far(scripted_clock: ScriptedClock) -> None:
    stop = Stop()
    with pytest.raises(Stop) as caught:
        sampler.sample(
            Target(_raises_on_call(120, scripted_clock, stop)),  # type: ignore[arg-type]
            [sampler.Gate(0.99, 50e6)],
            confidence=0.95,
            max_time=3.0,
            warmup=20,
        )
    assert caught.value is stop  # the interrupt itself, unchanged
    partial = partial_of(stop)
    assert partial.stopped == "interrupted" and partial.warmup == 20
    assert partial.samples_ns.tolist() == [5_000] * 99  # calls 21-119 were timed
    assert [d.verdict for d in partial.decisions] == [None]
    result = interrupted_result(partial, MeasureSpec((_threshold(),)), "t")
    assert (result.n, result.p50, result.max, result.thresholds) == (99, 5e-6, 5e-6, ())
    assert result.stopped == "interrupted"


def test_an_interrupt_during_warm_up_keeps_an_empty_row(scripted_clock: ScriptedClock) -> None:
    stop = KeyboardInterrupt()
    with pytest.raises(KeyboardInterrupt):
        sampler.sample(
            Target(_raises_on_call(3, scripted_clock, stop)),  # type: ignore[arg-type]
            [], confidence=0.95, max_time=3.0, warmup=20,
        )  # fmt: skip
    partial = partial_of(stop)
    assert (len(partial.samples_ns), partial.warmup, partial.stopped) == (0, 0, "interrupted")


def test_the_call_s_own_error_keeps_nothing(scripted_clock: ScriptedClock) -> None:
    error = ValueError("the call failed")
    with pytest.raises(ValueError):
        sampler.sample(
            Target(_raises_on_call(50, scripted_clock, error)),  # type: ignore[arg-type]
            [], confidence=0.95, max_time=3.0, warmup=0,
        )  # fmt: skip
    assert partial_of(error) is None  # an exception of the call: no latency is recorded


def test_an_interrupted_load_run_keeps_what_it_served(scripted_clock: ScriptedClock) -> None:
    stop = Stop()
    with pytest.raises(Stop):
        run_load(
            Target(_raises_on_call(40, scripted_clock, stop)),  # type: ignore[arg-type]
            LoadPlan(rate=1000.0),
            max_time=3.0,
            warmup=5,
        )
    partial = partial_of(stop)
    assert isinstance(partial, LoadRun)
    assert (len(partial.latency_ns), partial.warmup, partial.stopped) == (34, 5, "interrupted")


def _threshold() -> Threshold:
    return Threshold(99.0, 0.05, "50 ms")


@contextmanager
def _alarm(seconds: float, exc: type[BaseException]) -> Iterator[None]:
    def ring(signum: int, frame: object) -> None:
        raise exc()

    previous = signal.signal(signal.SIGALRM, ring)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


posix = pytest.mark.skipif(sys.platform == "win32", reason="SIGALRM and fork")


@pytest.mark.slow
@posix
def test_an_interrupt_stops_the_load_workers_and_keeps_what_they_served() -> None:
    # 20 calls/s of 1 ms on two workers: far below capacity on any machine, so only the
    # interrupt ends the run (not "rate above capacity")
    with _alarm(1.0, Stop), pytest.raises(Stop) as caught:
        run_load(
            Target(time.sleep, (0.001,)),
            LoadPlan(rate=20.0, concurrency=2),
            max_time=60,
            warmup=0,  # the alarm lands while the workers serve, however busy the machine
        )
    partial = partial_of(caught.value)
    assert partial.stopped == "interrupted" and len(partial.latency_ns) > 0
    time.sleep(0.2)
    assert not [t for t in threading.enumerate() if t.name.startswith("latency-sla-worker")]


@pytest.mark.slow
@posix
def test_an_interrupted_isolated_parent_gets_the_child_s_samples() -> None:
    from pytest_latency_sla.engine.isolation import run_isolated

    spec = MeasureSpec((_threshold(),), max_time=60, warmup=0)
    with _alarm(1.0, Stop), pytest.raises(Stop) as caught:
        run_isolated(Target(time.sleep, (0.005,)), spec)
    partial = partial_of(caught.value)
    assert partial is not None and partial.stopped == "interrupted"
    assert len(partial.samples_ns) > 10  # about 1 s of 5 ms calls, on any machine


TIMED_OUT = """
import itertools, time, pytest

@pytest.mark.latency_sla(ms=50, overkill=None)
def test_a_before(latency_sla, scripted):
    latency_sla(scripted(itertools.repeat(7100)))

@pytest.mark.timeout(1.5)
@pytest.mark.latency_sla(s=1, max_time=60)
def test_b_in_process(latency_sla):
    latency_sla(time.sleep, 0.01)

@pytest.mark.timeout(1.5)
@pytest.mark.latency_sla(s=1, max_time=60, isolate=True)
def test_c_isolated(latency_sla):
    latency_sla(time.sleep, 0.01)

def test_d_after():
    pass
"""


@pytest.mark.slow
@posix
def test_a_timed_out_measurement_is_reported_interrupted(
    scripted_pytester: pytest.Pytester,
) -> None:
    scripted_pytester.makepyfile(TIMED_OUT)
    result = scripted_pytester.runpytest_subprocess(
        "-o", "timeout_method=signal", "--latency-report", "--latency-json=r.json",
        "--latency-md=r.md", "--latency-html=r.html",
    )  # fmt: skip
    result.assert_outcomes(passed=2, failed=2)
    result.stdout.fnmatch_lines(["*Failed: Timeout (>1.5s) from pytest-timeout.*"])
    assert "INTERNALERROR" not in result.stdout.str()
    records = {r["nodeid"].split("::")[-1]: r for r in _results(scripted_pytester)}
    assert records["test_a_before"]["outcome"] == "passed"
    for name in ("test_b_in_process", "test_c_isolated"):
        record = records[name]
        assert (record["outcome"], record["stopped"], record["thresholds"]) == (
            "interrupted",
            "interrupted",
            [],
        )
        # 10 ms calls for a second or so: many of them timed, on any machine
        assert (
            record["n"] > 10 and 0.01 <= record["quantiles_s"]["50"] <= record["quantiles_s"]["max"]
        )
    assert records["test_c_isolated"]["isolated"] is True
    result.stdout.fnmatch_lines(
        [
            "*::test_b_in_process *-  *-  * ms  * ms  * -  INTERRUPTED",
            "note: *::test_b_in_process: interrupted after n=*",
        ]
    )
    markdown = (scripted_pytester.path / "r.md").read_text()
    assert markdown.startswith("## Latency SLA report\n\n:x: 3 measurements, 1 budget: 1 met")
    assert ", 2 interrupted; the run failed (pytest exit status 1: tests failed)" in markdown
    assert "| INTERRUPTED |" in markdown and ": interrupted after n=" in markdown
    html = (scripted_pytester.path / "r.html").read_text()
    assert '<p class="reason">interrupted after n=' in html


def _results(pytester: pytest.Pytester) -> list[dict[str, object]]:
    records: list[dict[str, object]] = json.loads((pytester.path / "r.json").read_text())["results"]
    return records


def test_a_skip_inside_the_measured_call_is_no_interrupt(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import itertools, pytest

        @pytest.mark.latency_sla(ms=50)
        def test_skips(latency_sla):
            calls = itertools.count()
            def call():
                if next(calls) == 30:
                    pytest.skip("the GPU went away")
            latency_sla(call)
        """
    )
    result = pytester.runpytest("--latency-json=r.json")
    result.assert_outcomes(skipped=1)
    assert _results(pytester) == []
