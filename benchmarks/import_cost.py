"""Import cost: a suite of 1,000 tests that never uses the plugin, with the plugin installed
against ``-p no:latency_sla``; and whether numpy or onnxruntime got imported. Alternating pairs
of runs; the ratio is the median of the pairs' ratios (the machine's load changes between pairs
more than within one).

    python benchmarks/import_cost.py [--repeats N] [--quick]
"""

from __future__ import annotations

from pathlib import Path

from _common import LAST_CPU, QUIET_PLUGINS, Repeats, Row, main, median, run_pytest, scratch

REPEATS = Repeats(full=8, quick=3)
TESTS = 1000
CONFTEST = """
import sys

def pytest_sessionfinish(session):
    loaded = [m for m in ("numpy", "onnxruntime") if m in sys.modules]
    with open("loaded.txt", "w") as fh:
        fh.write(",".join(loaded))
"""


def _suite() -> dict[str, str]:
    files = {"conftest.py": CONFTEST}
    for f in range(10):
        body = "".join(
            f"def test_{i}():\n    assert {i} + 1 == {i + 1}\n\n" for i in range(TESTS // 10)
        )
        files[f"test_plain_{f}.py"] = body
    return files


def run(repeats: int, quick: bool) -> list[Row]:
    path = scratch(_suite())
    # plugins that would import numpy themselves are off in both arms (see _common)
    off = ["-p", "no:benchmark", "-p", "no:xdist", "-p", "no:asyncio"]
    wall: dict[bool, list[float]] = {True: [], False: []}
    cpu: dict[bool, list[float]] = {True: [], False: []}
    loaded: set[str] = set()
    for _ in range(repeats):
        for plugin in (True, False):
            disable = [] if plugin else ["-p", "no:latency_sla"]
            wall[plugin].append(run_pytest(path, *off, *disable, check=True)[0])
            cpu[plugin].append(LAST_CPU[0])
            if plugin:
                loaded.update(filter(None, (path / "loaded.txt").read_text().split(",")))
    imported = ", ".join(sorted(loaded)) or "neither numpy nor onnxruntime"
    rows = []
    for label, times in (("wall", wall), ("CPU", cpu)):
        a, b = median(times[True]), median(times[False])
        ratio = median([x / y for x, y in zip(times[True], times[False], strict=True)])
        rows.append(
            Row(
                f"import cost: {TESTS:,} tests that never use the plugin ({label} time)",
                f"-p no:latency_sla {b:.2f} s",
                f"{a:.2f} s; imported: {imported}",
                ratio,
                "<= 1.02x; numpy, onnxruntime not imported",
                ratio <= 1.02 and not loaded,
            )
        )
    a, b = (_function_calls(path, *off, *([] if p else ["-p", "no:latency_sla"])) for p in (1, 0))
    rows.append(
        Row(
            f"import cost: {TESTS:,} tests that never use the plugin (Python function calls)",
            f"-p no:latency_sla {b:,}",
            f"{a:,} (+{a - b:,})",
            a / b,
            "<= 1.02x",
            a / b <= 1.02,
        )
    )
    return rows


def _function_calls(path: Path, *args: str) -> int:
    """Python function calls in one whole run, counted by cProfile: the same count every run,
    whatever else the machine is doing (wall and CPU time here swing by +-10% between runs)."""
    import pstats
    import subprocess
    import sys
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "profile"
        cmd = [sys.executable, "-m", "cProfile", "-o", str(out), "-m", "pytest", *QUIET_PLUGINS]
        subprocess.run([*cmd, *args], cwd=path, capture_output=True, check=True)
        return int(pstats.Stats(str(out)).total_calls)  # type: ignore[attr-defined]


if __name__ == "__main__":
    main(run, REPEATS, __doc__)
