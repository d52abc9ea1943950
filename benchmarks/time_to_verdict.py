"""Time to verdict: the wall time of a whole ``pytest`` run of the funnel test at 50 ms, minus
that of the same test calling the model once; against what pytest-benchmark's ``benchmark``
fixture adds to the same test. Runs are interleaved; medians over repeats.

    python benchmarks/time_to_verdict.py [--repeats N] [--quick]      # needs pytest-benchmark
"""

from __future__ import annotations

import re

from _common import MODEL, Repeats, Row, main, median, run_pytest, scratch

REPEATS = Repeats(full=7, quick=3)

CONFTEST = f"""
import pytest
from pytest_latency_sla.onnx import example_inputs, load_session

@pytest.fixture(scope="session")
def funnel():
    session = load_session({str(MODEL)!r})
    return session, example_inputs(session)
"""
VARIANTS = {
    "once": """
def test_funnel(funnel):
    session, inputs = funnel
    session.run(None, inputs)
""",
    "plugin": """
import pytest

@pytest.mark.latency_sla(ms=50)
def test_funnel(latency_sla, funnel):
    session, inputs = funnel
    latency_sla(session.run, None, inputs)
""",
    "pytest-benchmark": """
def test_funnel(benchmark, funnel):
    session, inputs = funnel
    benchmark(session.run, None, inputs)
""",
}


def run(repeats: int, quick: bool) -> list[Row]:
    paths = {
        name: scratch({"conftest.py": CONFTEST, "test_funnel.py": body})
        for name, body in VARIANTS.items()
    }
    walls: dict[str, list[float]] = {name: [] for name in VARIANTS}
    sessions: dict[str, list[float]] = {name: [] for name in VARIANTS}
    for _ in range(repeats):
        for name, path in paths.items():
            wall, proc = run_pytest(path, "-W", "ignore", check=True)
            walls[name].append(wall)
            # pytest's own "1 passed in 0.46s": the session without interpreter start-up
            sessions[name].append(float(re.findall(r" in ([0-9.]+)s", proc.stdout)[-1]))
    rows = []
    for label, times in (("whole pytest run", walls), ("pytest session time", sessions)):
        once = median(times["once"])
        ours = median(times["plugin"]) - once
        peer = median(times["pytest-benchmark"]) - once
        rows.append(
            Row(
                f"time to verdict: funnel at 50 ms, {label}",
                f"calling once {once:.2f} s; pytest-benchmark adds {peer:.3f} s",
                f"plugin adds {ours:.3f} s",
                ours / peer if peer > 0 and ours > 0 else None,
                "<= 1x of what pytest-benchmark adds",
                # a difference below zero is the machine's noise, not a measurement
                ours <= peer if peer > 0 and ours > 0 else None,
            )
        )
    return rows


if __name__ == "__main__":
    main(run, REPEATS, __doc__)
