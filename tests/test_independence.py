"""What breaks independence, reported: garbage collections, drift, timer resolution."""

from __future__ import annotations

import gc
import itertools
import json
from collections.abc import Callable

import numpy as np
import numpy.typing as npt
import pytest

from pytest_latency_sla.engine.clock import ScriptedClock, measure_timer_overhead_ns
from pytest_latency_sla.engine.sampler import Gate, sample
from pytest_latency_sla.engine.target import Target
from pytest_latency_sla.messages.common import plural
from pytest_latency_sla.messages.verdict import stability_notes
from pytest_latency_sla.records import GcMode, ResultDict
from pytest_latency_sla.stats.drift import DRIFT_RATIO, Drift, drift, near_timer_resolution

from .conftest import INNER_INI, SCRIPTED_CONFTEST


def drift_of(samples_ns: npt.NDArray[np.int64]) -> Drift:
    found = drift(samples_ns)
    assert found is not None, "two samples or more always have a drift figure"
    return found


def test_iid_samples_are_rarely_called_unstable() -> None:
    rng = np.random.default_rng(21)
    flagged = [
        drift_of(rng.lognormal(8.5, 0.8, n).astype(np.int64)).unstable
        for n in (20, 598, 1196, 5000)
        for _ in range(250)
    ]
    assert np.mean(flagged) <= 0.01


def test_a_step_in_the_middle_is_unstable() -> None:
    rng = np.random.default_rng(22)
    base = rng.lognormal(8.5, 0.3, 600)
    stepped = np.concatenate([base[:300], base[300:] * 1.5]).astype(np.int64)
    found = drift(stepped)
    assert found is not None and found.unstable and found.ratio == pytest.approx(1.5, rel=0.1)
    # the same step downwards too
    assert drift_of(stepped[::-1].copy()).unstable


def test_a_small_or_unproven_change_is_not_unstable() -> None:
    rng = np.random.default_rng(23)
    base = rng.lognormal(8.5, 0.3, 4000)
    small = np.concatenate([base[:2000], base[2000:] * (DRIFT_RATIO - 0.1)]).astype(np.int64)
    found = drift(small)
    assert found is not None and not found.unstable and found.ratio > 1.05
    # ten calls, the last five twice as slow: a big change, but ten calls cannot prove it
    short = np.array([1000, 1300, 900, 1100, 1000, 2000, 2600, 1800, 2200, 2000], dtype=np.int64)
    found = drift(short)
    assert found is not None and found.ratio == pytest.approx(2.0) and not found.unstable
    assert drift(np.array([5], dtype=np.int64)) is None


def test_near_timer_resolution() -> None:
    assert near_timer_resolution(499, 50) and not near_timer_resolution(500, 50)
    assert not near_timer_resolution(10, 0)  # a clock too coarse to measure itself


def test_notes_text() -> None:
    result: ResultDict = {
        "nodeid": "t.py::test",
        "n": 100,
        "warmup": 0,
        "duration_s": 0.0,
        "mean_s": None,
        "quantiles_s": {"50": 1.2e-7},
        "thresholds": [],
        "stopped": "decided",
        "gc_collections": 0,
        "confidence": 0.95,
        "unstable": True,
        "half_medians_s": [5.1e-6, 7.02e-6],
        "near_timer_resolution": True,
        "timer_overhead_s": 5.2e-8,
    }
    text = stability_notes(result)
    assert text == [
        "unstable: the median moved from 5.10 us in the first half of the samples to 7.02 us "
        "in the second (the bounds assume it does not)",
        "p50 120 ns is under 10x the timer overhead (52.0 ns): near timer resolution",
    ]


def test_timer_overhead_is_the_median_of_back_to_back_reads() -> None:
    # a clock that costs 40 ns a read, and 5 us on every 100th read (a stall)
    clock = ScriptedClock(start_ns=0)
    cost_of_a_read = clock.calls(itertools.cycle([40] * 99 + [5_000]))

    def read() -> int:
        cost_of_a_read()
        return clock()

    assert measure_timer_overhead_ns(read, pairs=1000) == 40


def _churn(clock: ScriptedClock) -> Callable[[], None]:
    tick = clock.calls(itertools.repeat(1_000))

    def call() -> None:
        tick()
        for _ in range(50):  # reference cycles: only the cyclic collector frees them
            cycle: list[object] = []
            cycle.append(cycle)

    return call


@pytest.mark.parametrize(("gc_mode", "collects"), [("keep", True), ("disable", False)])
def test_gc_mode_while_sampling(
    scripted_clock: ScriptedClock, gc_mode: GcMode, collects: bool
) -> None:
    assert gc.isenabled()
    s = sample(
        Target(_churn(scripted_clock)),
        [Gate(0.99, 1e6)],
        confidence=0.95,
        max_time=3,
        warmup=0,
        gc_mode=gc_mode,
    )
    assert len(s.samples_ns) == 598
    assert (s.gc_collections > 0) is collects
    assert gc.isenabled()  # restored after sampling


# Inner runs: the scripted clock, and a fixed timer overhead so no call is near resolution.
FIXED_TIMER_OVERHEAD = """
from pytest_latency_sla.engine import clock

@pytest.fixture(autouse=True)
def fixed_timer_overhead(monkeypatch):
    monkeypatch.setattr(clock, "timer_overhead_ns", lambda: 50)
"""


@pytest.fixture
def inner(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makeconftest(SCRIPTED_CONFTEST + FIXED_TIMER_OVERHEAD)
    return pytester


# Each call leaves reference cycles behind, so the collector runs while sampling.
CHURN_TEST = """
import itertools, pytest

@pytest.mark.latency_sla(ms=50, overkill=None)
def test_churn(latency_sla, scripted):
    step = scripted(itertools.repeat(5_000))

    def call():
        step()
        for _ in range(50):
            cycle = []
            cycle.append(cycle)

    latency_sla(call)
"""


@pytest.mark.parametrize(
    ("how", "collects"),
    [
        ("default", True),
        ("--latency-gc=disable", False),
        ("ini", False),
        ("--latency-gc=keep", True),
    ],
)
def test_latency_gc_setting_reaches_the_sampler(
    inner: pytest.Pytester, how: str, collects: bool
) -> None:
    inner.makepyfile(CHURN_TEST)
    args = ["--latency-report", "--latency-json=out.json"]
    if how == "ini":
        inner.makeini(INNER_INI + "latency_gc = disable\n")
    elif how != "default":
        args.append(how)
    result = inner.runpytest(*args)
    result.assert_outcomes(passed=1)
    report = json.loads((inner.path / "out.json").read_text())
    (record,) = report["results"]
    assert (record["gc_collections"] > 0) is collects
    gc_line = "GC disabled while sampling" if not collects else "GC on (older objects frozen)"
    result.stdout.fnmatch_lines([f"*timer overhead * ns; {gc_line}*"])
    if collects:
        result.stdout.fnmatch_lines(
            [
                f"note: *::test_churn: {plural(record['gc_collections'], 'garbage collection')} "
                "while sampling"
            ]
        )
    else:
        result.stdout.no_fnmatch_line("note: *")


def test_bad_latency_gc_value_is_a_usage_error(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--latency-gc=off")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--latency-gc: expected one of keep, disable, got 'off'*"])


def test_drift_is_reported_in_json_table_and_messages(inner: pytest.Pytester) -> None:
    inner.makepyfile(
        """
        import itertools, pytest

        def phases(first, count, then):
            return itertools.chain(itertools.islice(itertools.cycle(first), count),
                                   itertools.cycle(then))

        @pytest.mark.latency_sla(ms=50, overkill=None, warmup=0)
        def test_drifts(latency_sla, scripted):
            # a confident pass at 598 calls, but the calls got 60% slower halfway through
            r = latency_sla(scripted(phases([5_000], 299, [8_000])))
            assert r.unstable and r.thresholds[0].confident

        @pytest.mark.latency_sla(ms=1.5, max_time=2, overkill=None, warmup=0)
        def test_drifts_undecided(latency_sla, scripted):
            # 1% over the budget throughout (undecidable), 40% slower after 1000 calls
            latency_sla(scripted(phases([2e6] + [1e6] * 99, 1000, [2e6] + [1.4e6] * 99)))

        @pytest.mark.latency_sla(ms=1.5, overkill=None, warmup=0)
        def test_drifts_and_fails(latency_sla, scripted):
            # 1% over the budget, then 5% over and 40% slower: a confident fail, drift included
            latency_sla(scripted(phases([2e6] + [1e6] * 99, 600, [2e6] * 5 + [1.4e6] * 95)))
        """
    )
    result = inner.runpytest("--latency-report", "--latency-json=out.json")
    result.assert_outcomes(passed=1, failed=2, warnings=1)
    records = json.loads((inner.path / "out.json").read_text())["results"]
    assert [r["unstable"] for r in records] == [True, True, True]
    assert records[0]["half_medians_s"] == [pytest.approx(5e-6), pytest.approx(8e-6)]
    unstable = (
        "unstable: the median moved from {} in the first half of the samples to {} in the "
        "second (the bounds assume it does not)"
    )
    drifted = unstable.format("1.00 ms", "1.40 ms")
    for lines in (
        [
            "*latency SLA missed: p99 = 2.00 ms > budget 1.5 ms (n=*",
            "*not confident: sampling stopped (max_time)*",
            "*garbage collections while sampling; " + drifted,
        ],
        [
            "*latency SLA missed: p99 = 2.00 ms > budget 1.5 ms (n=1280, *",
            "*confident: the 95% lower bound*",
            "*garbage collections while sampling; " + drifted,
        ],
        [
            "*LatencyInconclusiveWarning: no confident verdict for p99 <= 1.5 ms after n=*; "
            "decided by the point estimate; raise max_time *; " + drifted
        ],
        [
            "note: *::test_drifts: " + unstable.format("5.00 us", "8.00 us"),
            "note: *::test_drifts_undecided: " + drifted,
            "note: *::test_drifts_and_fails: " + drifted,
        ],
    ):
        result.stdout.fnmatch_lines(lines)


def test_calls_near_timer_resolution_are_noted(inner: pytest.Pytester) -> None:
    inner.makepyfile(
        """
        import itertools, pytest

        @pytest.mark.latency_sla(us=5, overkill=None)
        def test_tiny(latency_sla, scripted):
            r = latency_sla(scripted(itertools.repeat(120)))
            assert r.near_timer_resolution

        @pytest.mark.latency_sla(us=50, overkill=None)
        def test_resolved(latency_sla, scripted):
            assert not latency_sla(scripted(itertools.repeat(500))).near_timer_resolution
        """
    )
    result = inner.runpytest("--latency-report", "--latency-json=out.json")
    result.assert_outcomes(passed=2)
    records = json.loads((inner.path / "out.json").read_text())["results"]
    assert [r["near_timer_resolution"] for r in records] == [True, False]
    assert records[0]["timer_overhead_s"] == pytest.approx(50e-9)
    result.stdout.fnmatch_lines(
        [
            "note: *::test_tiny: p50 120 ns is under 10x the timer overhead (50.0 ns): "
            "near timer resolution"
        ]
    )
    result.stdout.no_fnmatch_line("note: *::test_resolved*")
