"""Timing that patched clocks cannot fool: freezegun, time-machine, mock.patch and monkeypatch
replace time functions, never the plugin's own reference to the real clock; a clock that really
stands still is an error of that test, and no wait or deadline hangs on it.

freezegun walks every attribute of every loaded module when it starts, which imports numpy's
lazy submodules; an in-process pytester run would unload them again, and numpy's extension
modules cannot be loaded twice in one process: those runs are subprocesses."""

from __future__ import annotations

import json

import pytest

pytest.importorskip("freezegun")
pytest.importorskip("time_machine")

SLOW_CALL_UNDER = {
    "freezegun": (
        "from freezegun import freeze_time",
        '@freeze_time("2024-01-01")',
    ),
    "freezegun_tick": (
        "from freezegun import freeze_time",
        '@freeze_time("2024-01-01", tick=True)',
    ),
    "time_machine": (
        "import time_machine",
        '@time_machine.travel("2024-01-01", tick=False)',
    ),
    "mock_patch": (
        "from unittest import mock",
        '@mock.patch.multiple("time", perf_counter_ns=lambda: 0, perf_counter=lambda: 0.0, '
        "monotonic=lambda: 0.0)",
    ),
}


@pytest.mark.slow
@pytest.mark.parametrize("patch", sorted(SLOW_CALL_UNDER))
def test_a_5ms_call_misses_a_1ms_budget_under_a_patched_clock(
    pytester: pytest.Pytester, patch: str
) -> None:
    imports, decorator = SLOW_CALL_UNDER[patch]
    pytester.makepyfile(
        f"""
        import time, pytest
        {imports}

        {decorator}
        @pytest.mark.latency_sla(ms=1)
        def test_slow_call(latency_sla):
            latency_sla(time.sleep, 0.005)
        """
    )
    result = pytester.runpytest_subprocess("--latency-json=out.json")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*latency SLA missed: p99 = * ms > budget 1 ms*"])
    (record,) = json.loads((pytester.path / "out.json").read_text())["results"]
    assert record["quantiles_s"]["50"] >= 0.005  # the real duration, not 0 ns


@pytest.mark.slow
def test_monkeypatched_time_functions_do_not_change_the_timing(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import time, pytest

        @pytest.mark.latency_sla(ms=1)
        def test_slow_call(latency_sla, monkeypatch):
            monkeypatch.setattr(time, "perf_counter_ns", lambda: 0)
            monkeypatch.setattr(time, "perf_counter", lambda: 0.0)
            monkeypatch.setattr(time, "monotonic_ns", lambda: 0)
            latency_sla(time.sleep, 0.005)
        """
    )
    result = pytester.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*latency SLA missed: p99 = * ms > budget 1 ms*"])


@pytest.mark.slow
@pytest.mark.parametrize("patch", ["freezegun", "time_machine"])
def test_a_load_run_under_a_frozen_clock_ends_at_max_time(
    pytester: pytest.Pytester, patch: str
) -> None:
    imports, decorator = SLOW_CALL_UNDER[patch]
    pytester.makepyfile(
        f"""
        import time, pytest
        {imports}

        {decorator}
        @pytest.mark.latency_sla(ms=50, rate=100, max_time=0.3, overkill=None)
        def test_under_load(latency_sla):
            result = latency_sla(len, "abc")
            assert result.n == 30 and result.load["rate"] == 100
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
    assert result.duration < 30  # it ends: before, the schedule's waits never did


@pytest.mark.slow
def test_an_isolated_child_is_killed_at_its_deadline_under_a_frozen_clock(
    pytester: pytest.Pytester,
) -> None:
    pytester.makeconftest(
        """
        import pytest
        from pytest_latency_sla.engine import isolation

        @pytest.fixture(autouse=True)
        def short_grace(monkeypatch):
            monkeypatch.setattr(isolation, "GRACE_S", 0.5)
        """
    )
    pytester.makepyfile(
        """
        import time, pytest
        from freezegun import freeze_time

        @freeze_time("2024-01-01")
        @pytest.mark.latency_sla(ms=50, isolate=True, max_time=0.2, warmup=0)
        def test_hangs(latency_sla):
            latency_sla(time.sleep, 3600)
        """
    )
    result = pytester.runpytest_subprocess()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*measured call did not finish*was killed*"])


STALLED = """
import pytest
from pytest_latency_sla.engine.clock import CLOCK

@pytest.fixture
def stalled(monkeypatch):
    monkeypatch.setattr(CLOCK, "now_ns", lambda: 10**9)
"""


@pytest.mark.parametrize(
    "marker", ["ms=1", "ms=1, percentile=50", "ms=1, rate=1000, max_time=0.2"], ids=str
)
def test_a_clock_that_stands_still_is_an_error_not_a_pass(
    pytester: pytest.Pytester, marker: str
) -> None:
    pytester.makeconftest(STALLED)
    pytester.makepyfile(
        f"""
        import pytest

        @pytest.mark.latency_sla({marker})
        def test_frozen(latency_sla, stalled):
            latency_sla(len, "abc")

        def test_next():
            pass
        """
    )
    result = pytester.runpytest()
    result.assert_outcomes(failed=1, passed=1)
    result.stdout.fnmatch_lines(
        ["*test_frozen: the clock did not advance during the measurement (is time frozen*"]
    )
    result.stdout.no_fnmatch_line("*Traceback*")
