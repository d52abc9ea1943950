"""Shared helpers for the benchmark scripts: repeats, medians, pytest runs in a scratch dir."""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
MODEL = ROOT / "models" / "funnel.onnx"
# Inner pytest runs: fixed order, no cache, and no plugin that would import numpy on its own.
QUIET_PLUGINS = ["-p", "no:randomly", "-p", "no:cacheprovider", "-p", "no:hypothesispytest"]
INI = "[pytest]\naddopts = -q\n"
LAST_CPU = [0.0]


@dataclass
class Row:
    what: str
    baseline: str
    measured: str
    ratio: float | None
    target: str
    met: bool | None

    def cells(self) -> list[str]:
        ratio = "-" if self.ratio is None else f"{self.ratio:.3g}"
        met = {True: "yes", False: "NO", None: "-"}[self.met]
        return [self.what, self.baseline, self.measured, ratio, self.target, met]


def median(values: list[float]) -> float:
    return statistics.median(values)


def scratch(files: dict[str, str]) -> Path:
    """A fresh directory holding ``files`` and a pytest.ini of its own."""
    path = Path(tempfile.mkdtemp(prefix="latency-bench-"))
    (path / "pytest.ini").write_text(INI)
    for name, text in files.items():
        (path / name).write_text(text)
    return path


def run_pytest(
    path: Path, *args: str, check: bool = False
) -> tuple[float, subprocess.CompletedProcess[str]]:
    """Wall time (s) of a whole ``python -m pytest`` run in ``path``; its CPU time (user +
    system, less disturbed by other processes on a shared machine) is in ``LAST_CPU[0]``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    env.pop("PYTEST_ADDOPTS", None)
    t0 = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", *QUIET_PLUGINS, *args],
        cwd=path,
        env=env,
        capture_output=True,
        text=True,
    )
    elapsed = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    LAST_CPU[0] = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if check and proc.returncode not in (0,):
        raise RuntimeError(f"pytest failed in {path}:\n{proc.stdout}\n{proc.stderr}")
    return elapsed, proc


def latency_json(path: Path, name: str = "out.json") -> dict[str, Any]:
    data: dict[str, Any] = json.loads((path / name).read_text())
    return data


def print_rows(rows: list[Row]) -> None:
    header = ["what", "baseline (same run)", "measured", "ratio", "target", "met"]
    table = [header, *(r.cells() for r in rows)]
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    for i, row in enumerate(table):
        print("| " + " | ".join(c.ljust(widths[j]) for j, c in enumerate(row)) + " |")
        if i == 0:
            print("| " + " | ".join("-" * w for w in widths) + " |")
