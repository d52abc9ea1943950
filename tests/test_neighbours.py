"""The plugin next to the plugins people run it with, each in a real pytest process.

Inner runs get tests/conftest.py's ini (no randomly, no cache, no hypothesis) unless a test
turns one of them back on.
"""

from __future__ import annotations

import json

import pytest

from tests.conftest import INNER_INI

THREE_TESTS = """
import itertools, pytest

@pytest.mark.latency_sla(ms=50, overkill=None)
def test_fast(latency_sla, scripted):
    latency_sla(scripted(itertools.repeat(7100)))

@pytest.mark.latency_sla(ms=1)
def test_slow(latency_sla, scripted):
    latency_sla(scripted(itertools.repeat(5_000_000)))

@pytest.mark.latency_sla(us=100, overkill=None)
def test_marker_only():
    pass

def test_plain():
    pass
"""


def _results(pytester: pytest.Pytester, name: str = "out.json") -> dict[str, str]:
    report = json.loads((pytester.path / name).read_text())
    return {r["nodeid"].split("::")[-1]: r["outcome"] for r in report["results"]}


def _clean(result: pytest.RunResult) -> None:
    text = "\n".join(result.stdout.lines + result.stderr.lines)
    assert "INTERNALERROR" not in text and "Traceback" not in text


def test_xdist_workers_measure_and_the_controller_reports_everything(
    scripted_pytester: pytest.Pytester,
) -> None:
    scripted_pytester.makepyfile(THREE_TESTS)
    result = scripted_pytester.runpytest_subprocess(
        "-n", "2", "--latency-json=out.json", "--latency-report"
    )
    result.assert_outcomes(passed=3, failed=1)
    _clean(result)
    result.stdout.fnmatch_lines(["*latency SLA report*", "*test_fast*", "*test_slow*"])
    assert _results(scripted_pytester) == {
        "test_fast": "passed",
        "test_slow": "failed",
        "test_marker_only": "passed",
    }


def test_randomly_any_order_same_results(scripted_pytester: pytest.Pytester) -> None:
    scripted_pytester.makepyfile(THREE_TESTS)
    scripted_pytester.makeini(INNER_INI.replace("-p no:randomly ", ""))
    for seed in ("1", "2"):
        result = scripted_pytester.runpytest_subprocess(
            f"--randomly-seed={seed}", "--latency-json=out.json"
        )
        result.assert_outcomes(passed=3, failed=1)
        result.stdout.fnmatch_lines([f"Using --randomly-seed={seed}"])
        assert _results(scripted_pytester) == {
            "test_fast": "passed",
            "test_slow": "failed",
            "test_marker_only": "passed",
        }


LONG_SAMPLING = """
import itertools, time, pytest

@pytest.mark.latency_sla(ms=50, overkill=None)
def test_before(latency_sla, scripted):
    latency_sla(scripted(itertools.repeat(7100)))

@pytest.mark.latency_sla(s=1)
def test_long(latency_sla):
    latency_sla(time.sleep, 0.2)  # the first look comes after 10 calls: 2 s

def test_after():
    pass
"""


@pytest.mark.slow
def test_timeout_signal_method_fails_that_test_and_the_session_goes_on(
    scripted_pytester: pytest.Pytester,
) -> None:
    scripted_pytester.makepyfile(LONG_SAMPLING)
    result = scripted_pytester.runpytest_subprocess(
        "--timeout=1", "-o", "timeout_method=signal", "--latency-json=out.json"
    )
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(["*Failed: Timeout (>1.0s) from pytest-timeout.*"])
    assert "INTERNALERROR" not in result.stdout.str()
    # the interrupted measurement keeps a row: the calls timed so far, no verdict
    assert _results(scripted_pytester) == {"test_before": "passed", "test_long": "interrupted"}
    report = json.loads((scripted_pytester.path / "out.json").read_text())
    (long,) = [r for r in report["results"] if r["nodeid"].endswith("test_long")]
    assert long["stopped"] == "interrupted" and long["thresholds"] == []
    assert long["n"] >= 1 and long["quantiles_s"]["50"] >= 0.2 and long["quantiles_s"]["max"]


def test_timeout_thread_method_ends_the_process(scripted_pytester: pytest.Pytester) -> None:
    # pytest-timeout's thread method dumps every thread's stack and calls os._exit(1): no
    # plugin can run after that, so no report file is written and later tests do not run.
    scripted_pytester.makepyfile(LONG_SAMPLING)
    result = scripted_pytester.runpytest_subprocess(
        "--timeout=1", "-o", "timeout_method=thread", "--latency-json=out.json"
    )
    assert result.ret == 1
    assert "+ Timeout +" in result.stdout.str() + result.stderr.str()
    assert "test_after" not in result.stdout.str()
    assert not (scripted_pytester.path / "out.json").exists()


ASYNC_CONFTEST = """
results = {}

def pytest_latency_sla_result(item, result):
    results[item.name] = result
"""

ASYNC_TESTS = """
import asyncio, threading, time, pytest
from conftest import results

calls = {"handler": 0, "body": 0}
threads = set()

async def handler():
    calls["handler"] += 1
    threads.add(threading.current_thread().name)
    await asyncio.sleep(0)

@pytest.mark.asyncio
@pytest.mark.latency_sla(ms=50, overkill=None)
async def test_fixture_awaits_the_coroutine_function_per_call(latency_sla):
    result = latency_sla(handler)
    assert calls["handler"] == result.warmup + result.n
    # the test's own loop is running: the measurement's loop runs in a worker thread
    assert threads == {"latency-sla_0"}

@pytest.mark.asyncio
@pytest.mark.latency_sla(ms=50, overkill=None)
async def test_marker_only_async_body():
    calls["body"] += 1
    await asyncio.sleep(0)

@pytest.mark.latency_sla(ms=50, overkill=None)
def test_sync_test_awaits_in_its_own_loop(latency_sla):
    threads.clear()
    latency_sla(handler)
    assert threads == {"MainThread"}

def test_the_async_body_ran_once_per_call():
    result = results["test_marker_only_async_body"]
    assert calls["body"] == result.warmup + result.n

stray = {"calls": 0}

async def slow():
    stray["calls"] += 1
    await asyncio.sleep(0.1)

@pytest.mark.timeout(0.6)
@pytest.mark.asyncio
@pytest.mark.latency_sla(s=1)
async def test_times_out_while_sampling(latency_sla):
    latency_sla(slow)  # 10 calls before the first look: 1 s

def test_the_interrupted_batch_stopped():
    seen = stray["calls"]
    time.sleep(0.3)
    assert stray["calls"] == seen
"""


def test_asyncio_awaits_once_per_timed_call(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(ASYNC_CONFTEST)
    pytester.makepyfile(ASYNC_TESTS)
    result = pytester.runpytest_subprocess("--latency-json=out.json", "-W", "error")
    result.assert_outcomes(passed=5, failed=1)
    result.stdout.fnmatch_lines(["*Failed: Timeout (>0.6s) from pytest-timeout.*"])
    assert "INTERNALERROR" not in result.stdout.str()
    assert _results(pytester) == {
        "test_fixture_awaits_the_coroutine_function_per_call": "passed",
        "test_marker_only_async_body": "passed",
        "test_sync_test_awaits_in_its_own_loop": "passed",
        "test_times_out_while_sampling": "interrupted",
    }


DISABLED = """
import pytest

@pytest.mark.latency_sla(ms=50)
def test_marker_only():
    pass

@pytest.mark.latency_sla(ms=50)
def test_fixture(latency_sla):
    pass
"""


def test_disabled_plugin_leaves_an_unknown_marker(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(DISABLED)
    result = pytester.runpytest_subprocess("-p", "no:latency_sla")
    # the body runs once, unmeasured; the fixture does not exist
    result.assert_outcomes(passed=1, errors=1, warnings=2)
    result.stdout.fnmatch_lines(
        [
            "E       fixture 'latency_sla' not found",
            "*PytestUnknownMarkWarning: Unknown pytest.mark.latency_sla*",
        ]
    )
    strict = pytester.runpytest_subprocess("-p", "no:latency_sla", "--strict-markers")
    strict.assert_outcomes(errors=1)
    strict.stdout.fnmatch_lines(["*'latency_sla' not found in `markers` configuration option*"])


WARNS = """
import itertools, pytest

@pytest.mark.latency_sla(ms=50)
def test_overkill(latency_sla, scripted):
    latency_sla(scripted(itertools.repeat(7100)))

@pytest.mark.latency_sla(ms=50, overkill=None)
def test_quiet(latency_sla, scripted):
    latency_sla(scripted(itertools.repeat(7100)))
"""


def test_strict_markers_and_warnings_as_errors(scripted_pytester: pytest.Pytester) -> None:
    scripted_pytester.makepyfile(WARNS)
    result = scripted_pytester.runpytest_subprocess(
        "--strict-markers", "-W", "error", "--latency-json=out.json"
    )
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        ["E   *LatencyOverkillWarning: p99 = 7.10 us is 7,042x under the 50 ms budget*"]
    )
    assert "INTERNALERROR" not in result.stdout.str()
    assert _results(scripted_pytester) == {"test_overkill": "failed", "test_quiet": "passed"}


def test_last_failed_and_failed_first(scripted_pytester: pytest.Pytester) -> None:
    scripted_pytester.makepyfile(THREE_TESTS)
    scripted_pytester.makeini(INNER_INI.replace("-p no:cacheprovider ", ""))
    scripted_pytester.runpytest_subprocess().assert_outcomes(passed=3, failed=1)
    last = scripted_pytester.runpytest_subprocess("--lf", "--latency-json=out.json")
    last.assert_outcomes(failed=1)
    assert _results(scripted_pytester) == {"test_slow": "failed"}
    first = scripted_pytester.runpytest_subprocess("--ff", "--latency-json=out.json")
    first.assert_outcomes(passed=3, failed=1)
    assert list(_results(scripted_pytester)) == ["test_slow", "test_fast", "test_marker_only"]


def test_exitfirst_still_writes_the_finished_results(scripted_pytester: pytest.Pytester) -> None:
    scripted_pytester.makepyfile(THREE_TESTS)
    result = scripted_pytester.runpytest_subprocess(
        "-x", "--latency-json=out.json", "--latency-report"
    )
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*latency SLA report*"])
    assert _results(scripted_pytester) == {"test_fast": "passed", "test_slow": "failed"}


def test_collect_only_measures_nothing_and_keeps_the_last_report(
    scripted_pytester: pytest.Pytester,
) -> None:
    scripted_pytester.makepyfile(THREE_TESTS)
    (scripted_pytester.path / "out.json").write_text("the last real report")
    result = scripted_pytester.runpytest_subprocess(
        "--co", "--latency-json=out.json", "--latency-report"
    )
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines(["*4 tests collected*"])
    result.stdout.no_fnmatch_line("*latency SLA report*")
    _clean(result)
    assert (scripted_pytester.path / "out.json").read_text() == "the last real report"
