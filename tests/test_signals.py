"""SIGTERM (a cancelled CI job, a stopped container) and the death of the process that measures:
the reports keep every finished result, the process still ends as SIGTERM ends it, and no
isolated child or pytest-xdist worker is left running. Real processes throughout."""

from __future__ import annotations

import json
import os
import signal
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from subprocess import Popen

import pytest

from tests.conftest import SCRIPTED_CONFTEST

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")

TEN_THEN_WAIT = """
import itertools, os, pathlib, time, pytest

@pytest.mark.parametrize("k", range(10))
@pytest.mark.latency_sla(ms=50, overkill=None)
def test_finished(latency_sla, scripted, k):
    latency_sla(scripted(itertools.repeat(7100)))

def test_waits_for_the_signal():
    pathlib.Path("waiting").write_text(str(os.getpid()))
    time.sleep(120)
"""

HANGING_CHILD = """
import os, pathlib, time, pytest

@pytest.mark.latency_sla(ms=50, isolate=True, max_time=60)
def test_hangs_in_the_child(latency_sla):
    def call():
        pathlib.Path("child.pid").write_text(str(os.getpid()))
        time.sleep(600)
    latency_sla(call)
"""

REPORTS = ("--latency-json=r.json", "--latency-md=r.md", "--latency-html=r.html")


@contextmanager
def _running(pytester: pytest.Pytester, *args: str) -> Iterator[Popen[bytes]]:
    with (
        open(pytester.path / "stdout", "w") as out,
        open(pytester.path / "stderr", "w") as err,
    ):
        proc = pytester.popen(
            [sys.executable, "-m", "pytest", "-p", "no:timeout", *args], stdout=out, stderr=err
        )
        try:
            yield proc
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()


def _wait_for(path: Path, proc: Popen[bytes], seconds: float = 60) -> str:
    deadline = time.monotonic() + seconds
    while not (path.exists() and path.read_text()):
        assert proc.poll() is None, "pytest ended before reaching the point under test"
        assert time.monotonic() < deadline, f"{path.name} never appeared"
        time.sleep(0.02)
    return path.read_text()


def _alive(pid: int) -> bool:
    """Running (a zombie waiting to be reaped has ended)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return False
    return fields[0] not in ("Z", "X")


def _gone(pid: int, seconds: float = 10) -> bool:
    deadline = time.monotonic() + seconds
    while _alive(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def _kill_if_alive(pid: int) -> None:
    """Clean up after a failed check: the process under test must not outlive the test."""
    if _alive(pid):
        os.kill(pid, signal.SIGKILL)


linux_only = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")


@pytest.mark.slow
def test_sigterm_writes_every_finished_result_then_ends_as_sigterm(
    scripted_pytester: pytest.Pytester,
) -> None:
    scripted_pytester.makepyfile(TEN_THEN_WAIT)
    with _running(scripted_pytester, *REPORTS) as proc:
        _wait_for(scripted_pytester.path / "waiting", proc)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=60) == -signal.SIGTERM  # killed by SIGTERM, as without us
    report = json.loads((scripted_pytester.path / "r.json").read_text())
    assert len(report["results"]) == 10
    assert {r["outcome"] for r in report["results"]} == {"passed"}
    assert report["environment"]["signal"] == "SIGTERM"
    markdown = (scripted_pytester.path / "r.md").read_text()
    assert ":x: 10 measurements, 10 budgets: 10 met, 0 missed; the run was stopped by SIGTERM" in (
        markdown
    )
    assert "stopped by SIGTERM" in (scripted_pytester.path / "r.html").read_text()
    stderr = (scripted_pytester.path / "stderr").read_text()
    assert "latency-sla: SIGTERM: writing the reports with the tests finished so far" in stderr
    assert "latency-sla: JSON report written to" in stderr and "Traceback" not in stderr


@pytest.mark.slow
def test_sigterm_calls_the_handler_that_was_there_before(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(
        SCRIPTED_CONFTEST
        + """
import os, pathlib, signal

def _own(signum, frame):
    pathlib.Path("own-handler").write_text(str(pathlib.Path("r.json").exists()))
    os._exit(7)

signal.signal(signal.SIGTERM, _own)
"""
    )
    pytester.makepyfile(TEN_THEN_WAIT)
    with _running(pytester, "--latency-json=r.json") as proc:
        _wait_for(pytester.path / "waiting", proc)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=60) == 7  # the earlier handler decided how the process ends
    assert (pytester.path / "own-handler").read_text() == "True"  # after the reports
    assert len(json.loads((pytester.path / "r.json").read_text())["results"]) == 10


def test_the_handler_lives_only_while_a_session_with_reports_runs(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        """
        import signal

        def test_records():
            handler = signal.getsignal(signal.SIGTERM)
            with open("handler", "w") as fh:
                fh.write(type(handler).__name__ if callable(handler) else repr(handler))
        """
    )
    before = signal.getsignal(signal.SIGTERM)
    pytester.runpytest("--latency-json=r.json").assert_outcomes(passed=1)
    assert (pytester.path / "handler").read_text() == "TermHandler"
    assert signal.getsignal(signal.SIGTERM) is before
    pytester.runpytest().assert_outcomes(passed=1)  # no report file: nothing to write
    assert (pytester.path / "handler").read_text() == repr(before)
    previous = signal.signal(signal.SIGTERM, signal.SIG_IGN)
    try:  # a SIGTERM ignored before the session stays ignored
        pytester.runpytest("--latency-json=r.json").assert_outcomes(passed=1)
        assert (pytester.path / "handler").read_text() == repr(signal.SIG_IGN)
        assert signal.getsignal(signal.SIGTERM) == signal.SIG_IGN
    finally:
        signal.signal(signal.SIGTERM, previous)


@pytest.mark.slow
@linux_only
@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGKILL], ids=["SIGTERM", "SIGKILL"])
def test_an_isolated_child_never_outlives_its_parent(
    pytester: pytest.Pytester, how: signal.Signals
) -> None:
    # SIGKILL gives the parent no chance to clean up: the kernel ends the child
    # (PR_SET_PDEATHSIG); SIGTERM goes through the handler, which kills it too.
    pytester.makepyfile(HANGING_CHILD)
    with _running(pytester, "--latency-json=r.json") as proc:
        child = int(_wait_for(pytester.path / "child.pid", proc))
        assert child != proc.pid and _alive(child)
        proc.send_signal(how)
        assert proc.wait(timeout=60) == -how
        try:
            assert _gone(child), f"the isolated child {child} outlived its parent"
        finally:
            _kill_if_alive(child)
    if how == signal.SIGTERM:
        assert json.loads((pytester.path / "r.json").read_text())["results"] == []


BLOCKS = """
import os, pathlib, signal, time

def test_b_blocks():
    # stuck as a test in native code is: deaf to the KeyboardInterrupt that execnet raises in
    # a worker whose controller has gone
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    pathlib.Path(f"blocking-{os.getpid()}").write_text(str(os.getpid()))
    time.sleep(120)
"""
XDIST_TESTS = """
import itertools, os, pathlib, signal, time, pytest

@pytest.mark.parametrize("k", range(6))
@pytest.mark.latency_sla(ms=50, overkill=None)
def test_a_finished(latency_sla, scripted, k):
    latency_sla(scripted(itertools.repeat(7100)))

def test_b_blocks():
    # stuck as a test in native code is: deaf to the KeyboardInterrupt that execnet raises in
    # a worker whose controller has gone
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    pathlib.Path(f"blocking-{os.getpid()}").write_text(str(os.getpid()))
    time.sleep(120)
"""


@pytest.mark.slow
@linux_only
def test_sigterm_to_the_xdist_controller_writes_and_stops_the_workers(
    scripted_pytester: pytest.Pytester,
) -> None:
    # a file per worker: one runs the six measurements and then blocks, the other just blocks
    scripted_pytester.makepyfile(test_one=XDIST_TESTS, test_two=BLOCKS)
    with _running(scripted_pytester, "-n", "2", "--dist=loadfile", *REPORTS) as proc:
        deadline = time.monotonic() + 120
        while len(list(scripted_pytester.path.glob("blocking-*"))) < 2:
            assert proc.poll() is None and time.monotonic() < deadline
            time.sleep(0.05)
        time.sleep(2)  # the last finished test's report is on its way to the controller
        workers = [int(p.name.split("-")[1]) for p in scripted_pytester.path.glob("blocking-*")]
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=60) == -signal.SIGTERM
        try:
            assert all(_gone(pid) for pid in workers), "a pytest-xdist worker outlived the run"
        finally:
            for pid in workers:
                _kill_if_alive(pid)
    report = json.loads((scripted_pytester.path / "r.json").read_text())
    assert sorted(r["nodeid"].split("::")[-1] for r in report["results"]) == [
        f"test_a_finished[{k}]" for k in range(6)
    ]
    assert report["environment"]["signal"] == "SIGTERM"
