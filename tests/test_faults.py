"""Faults during sampling: interrupts, a measured call that raises late, garbage-collection
storms, and the cap that keeps a never-deciding measurement's memory bounded."""

from __future__ import annotations

import inspect
import itertools
import json
import signal
import sys
import time

import pytest

from pytest_latency_sla.engine import sampler
from pytest_latency_sla.engine.clock import ScriptedClock
from pytest_latency_sla.engine.target import Target

FINISHED_FIRST = """
import itertools, pathlib, time, pytest

@pytest.mark.latency_sla(ms=50, overkill=None)
def test_a_finished(latency_sla, scripted):
    latency_sla(scripted(itertools.repeat(7100)))
"""


def _outcomes(path: object) -> dict[str, str]:
    report = json.loads(path.read_text())  # type: ignore[attr-defined]
    return {r["nodeid"].split("::")[-1]: r["outcome"] for r in report["results"]}


def test_keyboard_interrupt_from_the_measured_call(scripted_pytester: pytest.Pytester) -> None:
    scripted_pytester.makepyfile(
        FINISHED_FIRST
        + """
@pytest.mark.latency_sla(ms=50)
def test_b_interrupted(latency_sla):
    calls = itertools.count(1)
    def call():
        if next(calls) == 300:
            raise KeyboardInterrupt
    latency_sla(call)

def test_c_never_runs():
    pass
"""
    )
    result = scripted_pytester.runpytest("--latency-json=out.json", no_reraise_ctrlc=True)
    assert result.ret == pytest.ExitCode.INTERRUPTED
    result.stdout.fnmatch_lines(["*! KeyboardInterrupt !*"])
    result.stdout.no_fnmatch_line("*INTERNALERROR*")
    # pytest makes no report for a test Ctrl-C stopped: its row comes from the item itself
    assert _outcomes(scripted_pytester.path / "out.json") == {
        "test_a_finished": "passed",
        "test_b_interrupted": "interrupted",
    }
    records = json.loads((scripted_pytester.path / "out.json").read_text())["results"]
    (interrupted,) = [r for r in records if r["outcome"] == "interrupted"]
    # 299 calls before the interrupt: some warm-up, the rest timed; no threshold judged
    assert interrupted["n"] + interrupted["warmup"] == 299
    assert interrupted["n"] > 0 and interrupted["thresholds"] == []


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT to a child process is POSIX")
def test_sigint_during_sampling_writes_the_finished_results(
    scripted_pytester: pytest.Pytester,
) -> None:
    scripted_pytester.makepyfile(
        FINISHED_FIRST
        + """
@pytest.mark.latency_sla(s=1)
def test_b_long(latency_sla):
    pathlib.Path("sampling").touch()
    latency_sla(time.sleep, 0.05)  # 10 calls before the first look; max_time 3 s
"""
    )
    with (
        open(scripted_pytester.path / "stdout", "w") as out,
        open(scripted_pytester.path / "stderr", "w") as err,
    ):
        proc = scripted_pytester.popen(
            [sys.executable, "-m", "pytest", "--latency-json=out.json", "-p", "no:timeout"],
            stdout=out,
            stderr=err,
        )
        try:
            deadline = time.monotonic() + 60
            while not (scripted_pytester.path / "sampling").exists():
                assert proc.poll() is None and time.monotonic() < deadline
                time.sleep(0.02)
            time.sleep(0.2)  # well inside the sampling loop
            proc.send_signal(signal.SIGINT)
            assert proc.wait(timeout=60) == pytest.ExitCode.INTERRUPTED
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    stdout = (scripted_pytester.path / "stdout").read_text()
    assert "KeyboardInterrupt" in stdout and "INTERNALERROR" not in stdout
    assert _outcomes(scripted_pytester.path / "out.json") == {
        "test_a_finished": "passed",
        "test_b_long": "interrupted",
    }


def test_a_call_that_raises_on_its_500th_call(scripted_pytester: pytest.Pytester) -> None:
    scripted_pytester.makepyfile(
        FINISHED_FIRST
        + """
class Exhausted(Exception):
    pass

@pytest.mark.latency_sla(ms=50, overkill=None)
def test_b_raises(latency_sla, scripted):
    calls = itertools.count(1)
    tick = scripted(itertools.repeat(7100))
    def call():
        tick()
        if next(calls) == 500:  # 200 warm-up calls, then the 300th timed call
            raise Exhausted("connection pool exhausted on call 500")
    latency_sla(call)

def test_c_runs():
    pass
"""
    )
    result = scripted_pytester.runpytest("--latency-json=out.json")
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(
        ["E   *Exhausted: connection pool exhausted on call 500", "FAILED *test_b_raises - *"]
    )
    assert _outcomes(scripted_pytester.path / "out.json") == {"test_a_finished": "passed"}


def test_garbage_collection_storms_are_counted_not_fatal(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import gc, pytest

        def allocate():
            for _ in range(300):
                a = []
                a.append(a)  # a cycle only the collector can free

        @pytest.mark.latency_sla(s=1, overkill=None)
        def test_allocates(latency_sla):
            result = latency_sla(allocate)
            assert result.passed and result.gc_collections > 0

        @pytest.mark.latency_sla(s=1, overkill=None)
        def test_collects_every_call(latency_sla):
            result = latency_sla(gc.collect, 0)
            assert result.gc_collections >= result.n
        """
    )
    result = pytester.runpytest("--latency-json=out.json")
    result.assert_outcomes(passed=2)
    records = json.loads((pytester.path / "out.json").read_text())["results"]
    assert all(r["gc_collections"] > 0 for r in records)


def test_sampling_stops_at_the_sample_cap(scripted_clock: ScriptedClock) -> None:
    # p99 right on the budget: exactly 1 call in 100 is over it, so no look can decide and
    # only the cap ends the measurement (max_time is far away on the fake clock).
    durations = itertools.cycle([1_000] * 99 + [3_000])

    def call() -> None:
        scripted_clock.advance(next(durations))

    sampling = sampler.sample(
        Target(call),
        [sampler.Gate(0.99, 2_000)],
        confidence=0.95,
        max_time=1e6,
        warmup=0,
        max_samples=20_000,
    )
    assert (len(sampling.samples_ns), sampling.stopped) == (20_000, "max_samples")
    assert sampling.decisions[0].verdict is None
    # the cap every measurement runs with: 2**21 int64 samples, 16 MiB
    assert inspect.signature(sampler.sample).parameters["max_samples"].default == 1 << 21
    assert sampler.MAX_SAMPLES * 8 == 16 * 2**20


def test_a_finished_test_keeps_its_record_not_its_samples(
    scripted_pytester: pytest.Pytester,
) -> None:
    # 200,000 scripted samples each (1.6 MB raw); the plugin keeps a few KB per measurement
    scripted_pytester.makeconftest(
        scripted_pytester.path.joinpath("conftest.py").read_text()
        + """
import json, numpy

def pytest_sessionfinish(session):
    from pytest_latency_sla._item import item_state_key
    for item in session.items:
        records = item.stash[item_state_key].records
        assert records and not any(
            isinstance(value, numpy.ndarray) for r in records for value in r.values()
        )
        print("KEPT", item.name, len(records), len(json.dumps(records)))
"""
    )
    scripted_pytester.makepyfile(
        """
        import itertools, pytest

        @pytest.mark.parametrize("i", range(3))
        @pytest.mark.latency_sla(us=1, percentile=50, max_time=0.2, warmup=0, overkill=None)
        def test_undecided(latency_sla, scripted, i):
            # half the calls over the budget: the p50 sits on it, so only max_time ends it
            result = latency_sla(scripted(itertools.cycle([999, 1_001])))
            assert result.n > 199_000
            latency_sla.measure(scripted(itertools.repeat(1_000)))
        """
    )
    result = scripted_pytester.runpytest("-s", "-W", "ignore::pytest_latency_sla.LatencySLAWarning")
    result.assert_outcomes(passed=3)
    kept = [line.split("KEPT")[1].split() for line in result.outlines if "KEPT" in line]
    assert len(kept) == 3
    assert all(int(count) == 2 and int(size) <= 100_000 for _, count, size in kept)
