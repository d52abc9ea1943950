"""A report holding every kind of row, made by real pytest runs on the scripted clock (where
time can be scripted): absolute, stacked, missed, not confident, overkill, load, ratio
comparison, a comparison without a gate, stored regression, capacity, crashed, interrupted,
measure with no budget, and a 300-character parametrized id. The renderers and the browser
tests read it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.conftest import INNER_INI, SCRIPTED_CONFTEST

# Separators where an id may wrap: the path's "/", "::", "[" and the parameter's own "/".
_PREFIX = "tests/models/test_every_kind.py::test_long_id["
_SEGMENTS = ["resnet50-v1.5-int8-batch32", "imagenet-val-224px-crop", "onnxruntime-cpu-ep"]
LONG_PARAM = "/".join(f"{name}-{i}" for i, name in enumerate(_SEGMENTS * 5))[: 299 - len(_PREFIX)]
LONG_ID = f"{_PREFIX}{LONG_PARAM}]"  # 300 characters

SUITE = f"""
import itertools, os, signal, time
import numpy as np
import pytest

SLOWER = float(os.environ.get("SLOWER", "1"))
LONG_PARAM = {LONG_PARAM!r}


def draws(median_ns, sigma=0.25, seed=0):
    rng = np.random.default_rng(seed)
    return rng.lognormal(np.log(median_ns), sigma, 200_000).tolist()


@pytest.mark.latency_sla(ms=50)
def test_absolute_overkill(latency_sla, scripted):
    latency_sla(scripted(draws(9_000)))


@pytest.mark.latency_sla(ms=2)
@pytest.mark.latency_sla(ms=1, percentile=50)
def test_stacked(latency_sla, scripted):
    latency_sla(scripted(draws(700_000)))


@pytest.mark.latency_sla(ms=1)
def test_missed(latency_sla, scripted):
    latency_sla(scripted(draws(1_400_000)))


@pytest.mark.latency_sla(us=180, max_time=0.2)
def test_not_confident(latency_sla, scripted):
    latency_sla(scripted(draws(100_000)))


@pytest.mark.latency_sla(ms=50, rate=28_000, max_time=0.5)
def test_under_load(latency_sla, scripted):
    latency_sla(scripted(draws(30_000, sigma=0.3)))


@pytest.mark.latency_sla(ratio=0.8, percentile=50)
@pytest.mark.latency_sla(ms=1)
def test_int8_vs_fp32(latency_sla, scripted):
    latency_sla.compare(scripted(draws(6_000)), scripted(draws(8_400, seed=1)))


def test_compare_without_gate(latency_sla, scripted):
    latency_sla.compare(scripted(draws(13_100)), scripted(draws(8_400, seed=1)))


@pytest.mark.latency_sla(ms=1)
def test_regression(latency_sla, scripted):
    latency_sla(scripted([d * SLOWER for d in draws(10_000)]))


@pytest.mark.latency_sla(ms=1, max_time=1, capacity_time=10)
def test_capacity(latency_sla, scripted):
    latency_sla.capacity(scripted(itertools.repeat(100_000)))


def segfault():
    os.kill(os.getpid(), signal.SIGSEGV)


@pytest.mark.latency_sla(ms=50, isolate=True)
def test_crashed(latency_sla):
    latency_sla(segfault)


@pytest.mark.timeout(1.0)
@pytest.mark.latency_sla(s=1, max_time=60)
def test_interrupted(latency_sla):
    latency_sla(time.sleep, 0.005)


def test_measure_only(latency_sla, scripted):
    latency_sla.measure(scripted(draws(2_000)))


@pytest.mark.parametrize("model", [LONG_PARAM], ids=[LONG_PARAM])
@pytest.mark.latency_sla(ms=50, overkill=None)
def test_long_id(latency_sla, scripted, model):
    latency_sla(scripted(draws(40_000)))
"""

TEST_FILE = "tests/models/test_every_kind.py"
# The kinds of row, by test name: what the renderers must show.
NAMES = (
    "test_absolute_overkill",
    "test_stacked",
    "test_missed",
    "test_not_confident",
    "test_under_load",
    "test_int8_vs_fp32",
    "test_compare_without_gate",
    "test_regression",
    "test_capacity",
    "test_crashed",
    "test_interrupted",
    "test_measure_only",
    "test_long_id",
)


def write_suite(directory: Path) -> None:
    """The suite, its conftest (the scripted clock) and an ini, in ``directory``."""
    (directory / "tests" / "models").mkdir(parents=True, exist_ok=True)
    (directory / "pytest.ini").write_text(INNER_INI)
    (directory / "conftest.py").write_text(SCRIPTED_CONFTEST)
    (directory / TEST_FILE).write_text(SUITE)


def run_pytest(
    directory: Path, *args: str, slower: float = 1.0
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "LATENCY_SLA_"))}
    env.update(SLOWER=str(slower), COLUMNS="80", PYTHONDONTWRITEBYTECODE="1")
    env.pop("GITHUB_STEP_SUMMARY", None)
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:xdist", *args],
        cwd=directory,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def build(directory: Path) -> Path:
    """Run the suite (a first run stores the baseline of ``test_regression``; the second is
    50% slower) and return the second run's JSON report; its Markdown and HTML lie beside it
    (``every.md``, ``every.html``)."""
    write_suite(directory)
    saved = run_pytest(directory, "-k", "test_regression", "--latency-save=base.json", slower=1.0)
    assert saved.returncode == 0, saved.stdout + saved.stderr
    done = run_pytest(
        directory,
        "-o", "timeout_method=signal",
        "--latency-baseline=base.json", "--latency-regression=10%",
        "--latency-json=every.json", "--latency-md=every.md", "--latency-html=every.html",
        slower=1.5,
    )  # fmt: skip
    assert "INTERNALERROR" not in done.stdout, done.stdout
    report = directory / "every.json"
    assert report.exists(), done.stdout + done.stderr
    return report


def results(report: Path) -> dict[str, dict[str, Any]]:
    """The report's results by test name (the part after ``::``, parameters dropped)."""
    data = json.loads(report.read_text())
    return {r["nodeid"].split("::")[-1].split("[")[0]: r for r in data["results"]}
