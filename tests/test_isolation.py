"""Crash isolation: ``isolate=True`` / ``--latency-isolate`` measure in a forked child."""

from __future__ import annotations

import json
import os
import time
import warnings
from pathlib import Path

import pytest

from pytest_latency_sla.engine import isolation
from pytest_latency_sla.engine.collect import MeasureSpec
from pytest_latency_sla.engine.sampler import Sampling
from pytest_latency_sla.engine.target import Target

needs_fork = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
pytestmark = needs_fork

MODELS = Path(__file__).resolve().parent.parent / "models"

CRASHES = """
import ctypes, os, signal, time
import pytest

@pytest.mark.latency_sla(ms=50, isolate=True)
def test_segfault(latency_sla):
    latency_sla(ctypes.string_at, 0)

@pytest.mark.latency_sla(ms=50, isolate=True)
def test_abort(latency_sla):
    latency_sla(os.abort)

@pytest.mark.latency_sla(ms=50, isolate=True)
def test_exit_code(latency_sla):
    latency_sla(os._exit, 3)

@pytest.mark.latency_sla(ms=50, isolate=True)
def test_killed():
    os.kill(os.getpid(), signal.SIGKILL)

@pytest.mark.latency_sla(ms=50, overkill=None, isolate=True)
def test_still_runs(latency_sla):
    result = latency_sla(time.perf_counter)
    assert result.n > 0 and result.passed and result.isolated
"""


@pytest.mark.slow
def test_crashes_fail_only_their_test_and_are_reported_as_crashed(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(CRASHES)
    result = pytester.runpytest_subprocess("-W", "error", "--latency-json=out.json")
    result.assert_outcomes(failed=4, passed=1)
    result.stdout.fnmatch_lines(
        [
            "*_ test_segfault _*",
            "measured call crashed: SIGSEGV (signal 11)",
            "faulthandler in the isolated process:",
            "Fatal Python error: Segmentation fault",
            "*File *ctypes*line * in string_at",
            "*File *test_crashes_fail_only_their_test_and_are_reported_as_crashed.py*"
            "line * in test_segfault",
            "*_ test_abort _*",
            "measured call crashed: SIGABRT (signal 6)",
            "*_ test_exit_code _*",
            "measured call crashed: exited with code 3",
            "*_ test_killed _*",
            "measured call crashed: SIGKILL (signal 9)",
        ]
    )
    # The crash's traceback is part of the failure, not spilled onto the terminal's stderr.
    assert "Fatal Python error" not in result.stderr.str()
    report = json.loads((pytester.path / "out.json").read_text())
    outcomes = {r["nodeid"].split("::")[1]: (r["outcome"], r["n"]) for r in report["results"]}
    assert outcomes == {
        "test_segfault": ("crashed", 0),
        "test_abort": ("crashed", 0),
        "test_exit_code": ("crashed", 0),
        "test_killed": ("crashed", 0),
        "test_still_runs": ("passed", outcomes["test_still_runs"][1]),
    }
    assert outcomes["test_still_runs"][1] > 0


@pytest.mark.slow
def test_exception_in_child_arrives_with_type_message_and_traceback(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        """
        import threading, pytest

        def validate():
            raise ValueError("quiz answer out of range")

        class Unpicklable(Exception):
            def __init__(self, lock):
                super().__init__("holds a lock")
                self.lock = lock

        def hold():
            raise Unpicklable(threading.Lock())

        @pytest.mark.latency_sla(ms=50, isolate=True)
        def test_value_error(latency_sla):
            latency_sla(validate)

        @pytest.mark.latency_sla(ms=50, isolate=True)
        def test_unpicklable(latency_sla):
            latency_sla(hold)
        """
    )
    result = pytester.runpytest()
    result.assert_outcomes(failed=2)
    result.stdout.fnmatch_lines(
        [
            "*RemoteTraceback: ",
            "'''",
            "Traceback (most recent call last):",
            '  File "*test_exception_in_child*.py", line *, in validate',
            '    raise ValueError("quiz answer out of range")',
            "ValueError: quiz answer out of range",
            "'''",
            "The above exception was the direct cause of the following exception:",
            "*E       ValueError: quiz answer out of range",
        ]
    )
    result.stdout.fnmatch_lines(
        [
            "*raise Unpicklable(threading.Lock())",
            "*Unpicklable: holds a lock",
            "E   *.IsolatedCallError: test_exception_in_child_arrives*.Unpicklable: holds a lock",
        ]
    )


@pytest.mark.slow
def test_verdict_from_child_samples_matches_in_process(scripted_pytester: pytest.Pytester) -> None:
    # The scripted clock is patched before the fork, so the child's samples are exact and the
    # parent's verdict must read exactly as an in-process one.
    scripted_pytester.makepyfile(
        """
        import itertools, pytest

        @pytest.mark.latency_sla(ms=50)
        def test_slow(latency_sla, scripted):
            latency_sla(scripted(itertools.cycle([61.2e6, 40.1e6, 80.2e6, 55e6, 70.3e6])))
        """
    )
    message = (
        "E       Failed: latency SLA missed: p99 = 80.2 ms > budget 50 ms (n=10, 95% bounds "
        "[[]80.2 ms, -]; p50 61.2 ms, max 80.2 ms)"
    )
    in_process = scripted_pytester.runpytest()
    in_process.assert_outcomes(failed=1)
    in_process.stdout.fnmatch_lines([message])
    isolated = scripted_pytester.runpytest("--latency-isolate", "--latency-json=out.json")
    isolated.assert_outcomes(failed=1)
    isolated.stdout.fnmatch_lines([message])
    (record,) = json.loads((scripted_pytester.path / "out.json").read_text())["results"]
    assert (record["outcome"], record["n"], record["isolated"]) == ("failed", 10, True)


@pytest.mark.slow
def test_sample_on_a_scaled_budget_passes_alike_isolated(
    scripted_pytester: pytest.Pytester,
) -> None:
    # 262.145 us x 133 is 34865284.99999999 ns in floats: a 34,865,285 ns call sits exactly on
    # the budget, and both ways of measuring must count it as within it.
    scripted_pytester.makepyfile(
        """
        import itertools, pytest

        @pytest.mark.latency_sla(us=262.145, overkill=None, max_time=30)
        def test_on_the_budget(latency_sla, scripted):
            r = latency_sla(scripted(itertools.repeat(34_865_285)))
            assert r.passed and r.thresholds[0].confident
        """
    )
    in_process = scripted_pytester.runpytest("--latency-scale=133")
    in_process.assert_outcomes(passed=1)
    isolated = scripted_pytester.runpytest("--latency-scale=133", "--latency-isolate")
    isolated.assert_outcomes(passed=1)


@pytest.mark.slow
def test_hanging_call_is_killed_at_the_deadline(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The real grace is 10 s; a shorter one keeps the suite fast, the rule is the same.
    monkeypatch.setattr(isolation, "GRACE_S", 0.5)
    pytester.makepyfile(
        """
        import time, pytest

        @pytest.mark.latency_sla(ms=50, max_time=0.2, isolate=True)
        def test_hangs(latency_sla):
            latency_sla(time.sleep, 3600)

        def test_next():
            pass
        """
    )
    result = pytester.runpytest("--latency-json=out.json")
    result.assert_outcomes(failed=1, passed=1)
    result.stdout.fnmatch_lines(
        [
            "measured call did not finish: the isolated process was still running after "
            "0.9 s (2 x max_time 0.2 s + 0.5 s, warm-up included) and was killed"
        ]
    )
    (record,) = json.loads((pytester.path / "out.json").read_text())["results"]
    assert (record["outcome"], record["n"], record["stopped"]) == (
        "failed",
        0,
        "killed at deadline",
    )


def test_deadline_is_twice_max_time_plus_ten_seconds() -> None:
    assert isolation.child_deadline_s(3.0) == 16.0
    assert isolation.child_deadline_s(0.25) == 10.5


@pytest.mark.slow
def test_onnx_session_created_before_the_fork_runs_in_the_child(
    pytester: pytest.Pytester,
) -> None:
    pytest.importorskip("onnxruntime")
    pytester.makepyfile(
        f"""
        import pytest
        from pytest_latency_sla.onnx import example_inputs, load_session

        @pytest.fixture(scope="module")
        def funnel():
            session = load_session({str(MODELS / "funnel.onnx")!r})
            return session, example_inputs(session)

        @pytest.mark.latency_sla(ms=50, overkill=None, max_time=0.5, isolate=True)
        def test_funnel_isolated(latency_sla, funnel):
            session, inputs = funnel
            result = latency_sla(session.run, None, inputs)
            assert result.passed and result.n >= 598 and result.isolated
            # the parent's session is untouched by the child's use of its copy
            assert session.run(None, inputs)[0].shape == (1, 3)
        """
    )
    result = pytester.runpytest_subprocess("-W", "error")
    result.assert_outcomes(passed=1)


def test_no_fork_skips_with_a_reason(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import os, pytest

        @pytest.fixture
        def no_fork(monkeypatch):
            monkeypatch.delattr(os, "fork")

        @pytest.mark.latency_sla(ms=50, isolate=True)
        def test_isolated(no_fork, latency_sla):
            latency_sla(len, "abc")
        """
    )
    result = pytester.runpytest("-rs")
    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines(
        ["SKIPPED [[]1[]] *: isolate=True needs os.fork, which is not available on this platform*"]
    )


@pytest.mark.slow
def test_fork_with_threads_is_fine_under_w_error(pytester: pytest.Pytester) -> None:
    # A live thread at the fork: Python 3.12+ warns about it; ``-W error`` must not break it.
    pytester.makepyfile(
        """
        import threading, time, pytest

        @pytest.mark.latency_sla(ms=50, overkill=None, isolate=True)
        def test_with_a_thread(latency_sla):
            stop = threading.Event()
            thread = threading.Thread(target=stop.wait)
            thread.start()
            try:
                assert latency_sla(time.perf_counter).passed
            finally:
                stop.set()
                thread.join()
        """
    )
    result = pytester.runpytest_subprocess("-W", "error")
    result.assert_outcomes(passed=1)
    assert "multi-threaded" not in result.stdout.str()


@pytest.mark.slow
def test_the_multithreaded_fork_warning_is_handled(monkeypatch: pytest.MonkeyPatch) -> None:
    # Whatever the running Python does, the warning as 3.12 words it never escapes.
    real_fork = os.fork

    def fork_that_warns() -> int:
        warnings.warn(
            f"This process (pid={os.getpid()}) is multi-threaded, use of fork() may lead to "
            "deadlocks in the child.",
            DeprecationWarning,
            stacklevel=2,
        )
        return real_fork()

    monkeypatch.setattr(os, "fork", fork_that_warns)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sampling = isolation.run_isolated(Target(int), MeasureSpec((), max_time=0.2, warmup=1))
    assert isinstance(sampling, Sampling)  # no load plan: the closed-loop sampler's record
    assert len(sampling.samples_ns) > 0


@pytest.mark.slow
def test_child_writes_nothing_twice_and_runs_no_atexit(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(
        """
        import atexit, os
        atexit.register(lambda: os.write(1, b"atexit ran\\n"))
        """
    )
    pytester.makepyfile(
        """
        import sys, pytest

        @pytest.mark.latency_sla(ms=50, overkill=None, max_time=0.2, isolate=True)
        def test_prints(latency_sla):
            print("printed before the fork")
            sys.stdout.write("unflushed at the fork")
            latency_sla(len, "abc")
            print()
        """
    )
    # -s: a block-buffered stdout, so an unflushed line would be written by both processes.
    result = pytester.runpytest_subprocess("-s")
    result.assert_outcomes(passed=1)
    out = result.stdout.str()
    assert out.count("printed before the fork") == 1
    assert out.count("unflushed at the fork") == 1
    assert out.count("atexit ran") == 1


@pytest.mark.slow
def test_unit_run_isolated_returns_the_childs_samples() -> None:
    # No pytest in the way: a plain function measured in a child, its raw samples here.
    result = isolation.run_isolated(Target(sum, ((1, 2),)), MeasureSpec((), warmup=3))
    assert isinstance(result, Sampling)
    assert result.warmup == 3
    assert result.stopped == "sample count" and len(result.samples_ns) == 3000
    assert result.samples_ns.dtype.name == "int64" and (result.samples_ns > 0).all()
    assert result.samples_ns.flags.writeable  # an owned copy, not a view of the pipe's bytes


@pytest.mark.slow
def test_coroutine_function_is_awaited_in_the_child(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import asyncio, pytest

        calls = []

        async def ping():
            calls.append(1)
            await asyncio.sleep(0)

        @pytest.mark.latency_sla(ms=50, overkill=None, max_time=0.2, isolate=True)
        def test_async(latency_sla):
            result = latency_sla(ping)
            assert result.passed and result.n >= 598
            assert calls == []  # every call happened in the child
        """
    )
    pytester.runpytest().assert_outcomes(passed=1)


@pytest.mark.slow
def test_interrupted_parent_leaves_no_child(monkeypatch: pytest.MonkeyPatch) -> None:
    forked: list[int] = []
    real_fork = isolation._fork

    def recording_fork() -> int:
        pid = real_fork()
        if pid:
            forked.append(pid)
        return pid

    def interrupted(fd: int, deadline: float, chunks: list[bytes]) -> bool:
        raise KeyboardInterrupt

    monkeypatch.setattr(isolation, "_fork", recording_fork)
    monkeypatch.setattr(isolation, "_read_all", interrupted)
    with pytest.raises(KeyboardInterrupt):
        isolation.run_isolated(Target(time.sleep, (3600,)), MeasureSpec((), warmup=0))
    (pid,) = forked
    with pytest.raises(ChildProcessError):  # killed and reaped: no such child any more
        os.waitpid(pid, os.WNOHANG)


def test_a_child_slow_to_exit_is_waited_for_in_real_time_under_a_scripted_clock(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The child has sent its samples and closed the pipe but takes 50 ms (real time) to exit,
    # as a busy machine makes it. A scripted clock's sleep moves only simulated time: polling
    # with it would spend the 16 s deadline in a few milliseconds and kill a finished child.
    from pytest_latency_sla.engine.clock import Deadline, ScriptedClock

    real_waitpid = os.waitpid
    exits_at = time.monotonic() + 0.05
    calls = []

    def slow_exit(pid: int, options: int) -> tuple[int, int]:
        calls.append(pid)
        if time.monotonic() < exits_at:
            return 0, 0
        return real_waitpid(pid, options)

    child = os.fork()
    if child == 0:
        os._exit(0)
    monkeypatch.setattr(os, "waitpid", slow_exit)
    with ScriptedClock().installed():
        status = isolation._wait(child, Deadline(isolation.child_deadline_s(3.0)))
    assert status is not None and os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
    assert len(calls) < 1000  # it slept between polls instead of spinning
