"""The JSON and HTML reports grow linearly with the run: what one more test costs in bytes is the
same at 10, 100 and 1,000 tests (nothing in a report grows with the square of the run), and
stays within a few kilobytes. The records come from a real run, copied under new ids."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from pytest_latency_sla.records import ReportDict
from pytest_latency_sla.reports.document import write_json
from pytest_latency_sla.reports.html import render

SUITE = """
import itertools, pytest
import numpy as np

def draws(median_ns, seed=0):
    rng = np.random.default_rng(seed)
    return rng.lognormal(np.log(median_ns), 0.3, 100_000).tolist()

@pytest.mark.latency_sla(ms=50)
def test_overkill(latency_sla, scripted):
    latency_sla(scripted(draws(9_000)))

@pytest.mark.latency_sla(ms=2)
@pytest.mark.latency_sla(ms=1, percentile=50)
def test_stacked(latency_sla, scripted):
    latency_sla(scripted(draws(700_000)))

@pytest.mark.latency_sla(ratio=0.8, percentile=50)
def test_compared(latency_sla, scripted):
    latency_sla.compare(scripted(draws(6_000)), scripted(draws(8_400, seed=1)))

@pytest.mark.latency_sla(ms=50, rate=5_000, max_time=0.2)
def test_under_load(latency_sla, scripted):
    latency_sla(scripted(draws(30_000)))
"""
# What one more test may cost at most, in bytes (a test of the suite above averages about
# 3.5 KB of JSON and 7 KB of HTML: a histogram of some 50 bins, each with its tooltip).
CEILING = {"json": 6_000, "html": 12_000}


@pytest.fixture
def real_report(scripted_pytester: pytest.Pytester) -> ReportDict:
    scripted_pytester.makepyfile(SUITE)
    scripted_pytester.runpytest("--latency-json=r.json").assert_outcomes(passed=4)
    report: ReportDict = json.loads((scripted_pytester.path / "r.json").read_text())
    return report


def of_size(report: ReportDict, tests: int) -> ReportDict:
    """``report`` with ``tests`` results: its own, copied over and over under new ids."""
    base = report["results"]
    results = []
    for i in range(tests):
        record = copy.deepcopy(base[i % len(base)])
        record["nodeid"] = f"tests/test_{i // 100}.py::{record['nodeid'].split('::')[-1]}[{i}]"
        results.append(record)
    return {**report, "results": results}


def test_each_test_costs_the_same_bytes_at_any_run_size(
    real_report: ReportDict, tmp_path: Path
) -> None:
    sizes: dict[str, dict[int, int]] = {"json": {}, "html": {}}
    for tests in (12, 120, 1200):
        report = of_size(real_report, tests)
        path = write_json(tmp_path / f"{tests}.json", report)
        sizes["json"][tests] = path.stat().st_size
        sizes["html"][tests] = len(render(report).encode())
    for kind, size in sizes.items():
        # the cost of the 108 tests from 12 to 120, and of the 1,080 from 120 to 1,200
        small = (size[120] - size[12]) / 108
        large = (size[1200] - size[120]) / 1080
        assert large <= small * 1.03, (kind, small, large)
        assert large >= small * 0.97, (kind, small, large)
        assert large <= CEILING[kind], (kind, large)
        assert size[1200] / 1200 <= CEILING[kind], (kind, size[1200] / 1200)
