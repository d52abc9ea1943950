"""Under pytest-xdist every worker measures; the controller reports every result once."""

from __future__ import annotations

import json

import pytest

from .test_reports import assert_schema

pytestmark = pytest.mark.slow  # real pytest processes, with real xdist workers

SUITE = """
import itertools, pytest

@pytest.mark.latency_sla(ms=50)
def test_overkill(latency_sla, scripted):
    latency_sla(scripted(itertools.repeat(7_100)))

@pytest.mark.latency_sla(ms=50, overkill=None)
def test_missed(latency_sla, scripted):
    latency_sla(scripted(itertools.repeat(60_000_000)))

@pytest.mark.parametrize("i", range(4))
@pytest.mark.latency_sla(ms=50, overkill=None)
def test_param(latency_sla, scripted, i):
    latency_sla(scripted(itertools.repeat(1_000_000 * (i + 1))))

@pytest.mark.latency_sla(ms=50, overkill=None)
def test_marker_only():
    pass
"""


def test_two_workers_one_report(scripted_pytester: pytest.Pytester) -> None:
    scripted_pytester.makepyfile(SUITE)
    result = scripted_pytester.runpytest_subprocess(
        "-n", "2", "--latency-report", "--latency-json=r.json", "--latency-mode=warn"
    )
    result.assert_outcomes(passed=7, warnings=2)
    out = result.stdout.str()
    assert out.count("latency SLA report") == 1
    notice = "pytest-xdist workers share this machine's CPU cores, so latencies measured under"
    assert out.count(notice) == 1
    result.stdout.fnmatch_lines(["*; xdist 2 workers"])
    rows = [line for line in result.outlines if " p99 <= 50 ms " in line]
    assert len(rows) == 7
    # our warning classes reach the controller as themselves, with their text
    result.stdout.fnmatch_lines_random(
        [
            "*LatencyOverkillWarning: p99 = 7.10 us is 7,042x under the 50 ms budget*",
            "*LatencyMissWarning: latency SLA missed: p99 = 60.0 ms > budget 50 ms*",
        ]
    )
    report = json.loads((scripted_pytester.path / "r.json").read_text())
    assert_schema(report)
    assert report["environment"]["xdist_workers"] == 2
    names = sorted(r["nodeid"].split("::")[1] for r in report["results"])
    assert names == [
        "test_marker_only",
        "test_missed",
        "test_overkill",
        "test_param[0]",
        "test_param[1]",
        "test_param[2]",
        "test_param[3]",
    ]
    assert {r["outcome"] for r in report["results"]} == {"passed"}


def test_warning_as_error_under_xdist_fails_the_test(scripted_pytester: pytest.Pytester) -> None:
    scripted_pytester.makepyfile(SUITE)
    result = scripted_pytester.runpytest_subprocess(
        "-n", "2", "-W", "error::pytest_latency_sla.LatencySLAWarning", "-k", "overkill"
    )
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*LatencyOverkillWarning: p99 = 7.10 us is 7,042x*"])
