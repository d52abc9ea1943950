"""Memory bound: the peak memory of the worst-case measurement, a ~1 us call sampled for
``max_time`` (10 s; 2 s with ``--quick``), against the bytes of the samples it took; and memory
across a session: a pytest run of 20 measurements that each reach the sample cap against a run
of one, and what the plugin keeps of a finished test.

The looks are patched to never decide, so only the sample cap (2**21 int64 samples, 16 MiB)
or ``max_time`` can end the measurement. Timing is real. Each repeat runs in a fresh Python
process that does nothing else, where the growth of the peak resident set size
(``VmHWM`` on Linux) over what it was before sampling is the measurement's own.

    python benchmarks/memory_bound.py [--repeats N] [--quick]
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
from pathlib import Path

from _common import Repeats, Row, main, median, run_pytest, scratch

REPEATS = Repeats(full=3, quick=1)
# Peak growth over the samples' own bytes: the buffer with its headroom, the array made from it
# and a sorted copy come to about 3x; a fourth copy would be a regression.
LIMIT = 4.0
# A session of many capped measurements may peak this much above a session of one.
SESSION_LIMIT_MB = 60
# What the plugin may keep of a finished test (its report record), when user code holds nothing.
KEPT_LIMIT_KB = 100

SESSION_CONFTEST = """
import json, pytest
from pytest_latency_sla.stats import looks

@pytest.fixture(autouse=True)
def never_decide(monkeypatch):
    monkeypatch.setattr(looks, "fail_cutoff", lambda n, q, alpha: n + 1)
    monkeypatch.setattr(looks, "pass_cutoff", lambda n, q, alpha: -1)

def pytest_sessionfinish(session):
    from pytest_latency_sla._item import item_state_key
    kept = [len(json.dumps(item.stash[item_state_key].records)) for item in session.items
            if item_state_key in item.stash]
    with open("/proc/self/status", encoding="ascii") as fh:
        peak = next(int(line.split()[1]) * 1024 for line in fh if line.startswith("VmHWM:"))
    with open("memory.json", "w") as fh:
        json.dump({"peak": peak, "kept": max(kept)}, fh)
"""
SESSION_TESTS = """
import pytest

def noop():
    pass

@pytest.mark.parametrize("i", range({count}))
@pytest.mark.latency_sla(ms=1, max_time=600, warmup=10, overkill=None)
def test_capped(latency_sla, i):
    assert latency_sla(noop).n == 2**21  # the result is dropped when the test ends
"""


def peak_rss_bytes() -> int:
    """The peak resident set size of this process image. On Linux ``ru_maxrss`` carries over
    the parent's peak into a child it starts (through exec), so read ``VmHWM``, which starts
    afresh; elsewhere ``ru_maxrss`` (bytes on macOS)."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024  # kB
    except OSError:
        pass
    scale = 1 if sys.platform == "darwin" else 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale


def one_microsecond() -> None:
    end = time.perf_counter() + 1e-6
    while time.perf_counter() < end:
        pass


def child(max_time: float) -> None:
    """One measurement in this (fresh) process; prints what it found as one JSON line."""
    import numpy as np

    from pytest_latency_sla.engine.collect import MeasureSpec
    from pytest_latency_sla.engine.target import Target
    from pytest_latency_sla.plan import Threshold
    from pytest_latency_sla.stats import looks
    from pytest_latency_sla.verdict.measure import run_measurement

    spec = MeasureSpec(
        thresholds=[Threshold(99.0, 1e-3, "1 ms", overkill=None)], max_time=max_time, warmup=100
    )
    # warm numpy and the code paths once, so the baseline holds everything but the samples
    run_measurement(Target(one_microsecond), spec)
    np.sort(np.zeros(10, dtype=np.int64))
    before = peak_rss_bytes()
    looks.fail_cutoff = lambda n, q, alpha: n + 1  # type: ignore[assignment]
    looks.pass_cutoff = lambda n, q, alpha: -1  # type: ignore[assignment]
    result = run_measurement(Target(one_microsecond), spec)
    growth = peak_rss_bytes() - before
    print(json.dumps({"n": result.n, "stopped": result.stopped, "growth": growth}))


def _in_fresh_process(max_time: float) -> dict[str, float]:
    code = f"import memory_bound; memory_bound.child({max_time!r})"
    proc = subprocess.run(
        [sys.executable, "-c", code],
        cwd=Path(__file__).resolve().parent,
        capture_output=True,
        text=True,
        check=True,
    )
    found: dict[str, float] = json.loads(proc.stdout.splitlines()[-1])
    return found


def _session(count: int) -> dict[str, int]:
    """Peak RSS (bytes) of a pytest run of ``count`` capped measurements, and the largest record
    (JSON bytes) the plugin kept of a finished test."""
    path = scratch(
        {"conftest.py": SESSION_CONFTEST, "test_capped.py": SESSION_TESTS.format(count=count)}
    )
    _, proc = run_pytest(path, "-p", "no:xdist", check=True)
    found: dict[str, int] = json.loads((path / "memory.json").read_text())
    return found


def run(repeats: int, quick: bool) -> list[Row]:
    rows = _one_measurement(repeats, quick)
    many = 5 if quick else 20
    one = [_session(1) for _ in range(repeats)]
    twenty = [_session(many) for _ in range(repeats)]
    peak_one = median([f["peak"] for f in one]) / 2**20
    peak_many = median([f["peak"] for f in twenty]) / 2**20
    kept = max(f["kept"] for f in one + twenty) / 1024
    rows += [
        Row(
            f"memory across a session: {many} capped measurements in one pytest run",
            f"1 capped measurement: peak RSS {peak_one:.0f} MiB",
            f"peak RSS {peak_many:.0f} MiB (+{peak_many - peak_one:.0f} MiB)",
            peak_many / peak_one,
            f"within {SESSION_LIMIT_MB} MB of one",
            peak_many - peak_one <= SESSION_LIMIT_MB * 1e6 / 2**20,
        ),
        Row(
            "kept of a finished capped test (its report record)",
            f"its samples {2**21 * 8 / 2**20:.0f} MiB",
            f"{kept:.1f} KB",
            kept * 1024 / (2**21 * 8),
            f"<= {KEPT_LIMIT_KB} KB",
            kept <= KEPT_LIMIT_KB * 1000 / 1024,
        ),
    ]
    return rows


def _one_measurement(repeats: int, quick: bool) -> list[Row]:
    max_time = 2.0 if quick else 10.0
    found = [_in_fresh_process(max_time) for _ in range(repeats)]
    n = median([f["n"] for f in found])
    growth = median([f["growth"] for f in found])
    stopped = ", ".join(sorted({str(f["stopped"]) for f in found}))
    ratio = growth / (n * 8)
    return [
        Row(
            f"memory: ~1 us call, looks that never decide, max_time {max_time:g} s",
            f"{n:,.0f} int64 samples {n * 8 / 2**20:.1f} MiB",
            f"peak RSS +{growth / 2**20:.1f} MiB (stopped: {stopped})",
            ratio,
            f"1x to {LIMIT:g}x",
            # under 1x the samples were not all held at once: the measurement of memory is broken
            1 <= ratio <= LIMIT,
        )
    ]


if __name__ == "__main__":
    main(run, REPEATS, __doc__)
