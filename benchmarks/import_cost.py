"""Import cost: a suite of 1,000 tests that never uses the plugin, with the plugin installed
against ``-p no:latency_sla``; and whether numpy or onnxruntime got imported. Interleaved runs,
medians over repeats.

    python benchmarks/import_cost.py [--repeats 9]
"""

from __future__ import annotations

import argparse

from _common import Row, median, print_rows, run_pytest, scratch

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


def run(repeats: int = 9) -> list[Row]:
    path = scratch(_suite())
    # plugins that would import numpy themselves are off in both arms (see _common)
    off = ["-p", "no:benchmark", "-p", "no:xdist", "-p", "no:asyncio"]
    with_plugin, without, loaded = [], [], set()
    for _ in range(repeats):
        with_plugin.append(run_pytest(path, *off, check=True)[0])
        loaded.update(filter(None, (path / "loaded.txt").read_text().split(",")))
        without.append(run_pytest(path, *off, "-p", "no:latency_sla", check=True)[0])
    a, b = median(with_plugin), median(without)
    ratio = a / b
    return [
        Row(
            f"import cost: {TESTS:,} tests that never use the plugin",
            f"-p no:latency_sla {b:.2f} s",
            f"{a:.2f} s; imported: {', '.join(sorted(loaded)) or 'neither numpy nor onnxruntime'}",
            ratio,
            "<= 1.02x; numpy, onnxruntime not imported",
            ratio <= 1.02 and not loaded,
        )
    ]


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=9)
    print_rows(run(parser.parse_args().repeats))
