"""Under pytest-xdist every worker measures; the controller reports every result once."""

from __future__ import annotations

import json
import re

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


CRASHING = """
import itertools, os, pytest

@pytest.mark.parametrize("i", range(4))
@pytest.mark.latency_sla(ms=50, overkill=None)
def test_a_fine(latency_sla, scripted, i):
    latency_sla(scripted(itertools.repeat(1_000_000)))

@pytest.mark.latency_sla(ms=50, overkill=None)
def test_b_dies_after_measuring(latency_sla, scripted):
    latency_sla(scripted(itertools.repeat(1_000_000)))
    os._exit(1)

@pytest.mark.latency_sla(ms=50, overkill=None)
def test_c_dies_inside_the_measured_call(latency_sla):
    latency_sla(os._exit, 1)

def test_d_unmeasured():
    pass
"""


@pytest.mark.slow
def test_a_crashed_worker_s_tests_are_crashed_rows_and_the_summary_is_red(
    scripted_pytester: pytest.Pytester,
) -> None:
    scripted_pytester.makepyfile(CRASHING)
    result = scripted_pytester.runpytest_subprocess(
        "-n", "2", "--latency-report", "--latency-json=r.json", "--latency-md=r.md",
        "--latency-html=r.html",
    )  # fmt: skip
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.assert_outcomes(passed=5, failed=2)
    result.stdout.fnmatch_lines_random(
        [
            "*::test_b_dies_after_measuring *-  *-  *-  *-  *0  *-  CRASHED",
            "*::test_c_dies_inside_the_measured_call *-  *-  *-  *-  *0  *-  CRASHED",
            "note: *::test_b_dies_after_measuring: pytest-xdist worker gw? crashed while running "
            "this test; what it measured was lost with the worker",
        ]
    )
    report = json.loads((scripted_pytester.path / "r.json").read_text())
    assert_schema(report)
    outcomes = {r["nodeid"].split("::")[1]: r["outcome"] for r in report["results"]}
    assert outcomes == {
        **{f"test_a_fine[{i}]": "passed" for i in range(4)},
        "test_b_dies_after_measuring": "crashed",
        "test_c_dies_inside_the_measured_call": "crashed",
    }
    crashed = [r for r in report["results"] if r["outcome"] == "crashed"]
    assert all(r["crashed_worker"] in ("gw0", "gw1", "gw2", "gw3") for r in crashed)
    assert report["environment"]["exitstatus"] == 1
    markdown = (scripted_pytester.path / "r.md").read_text()
    summary = markdown.splitlines()[2]
    assert summary == (
        ":x: 6 measurements, 4 budgets: 4 met, 0 missed, 2 crashed; the run failed "
        "(pytest exit status 1: tests failed)"
    )
    html = (scripted_pytester.path / "r.html").read_text()
    assert '<span class="bad">6 measurements' in html


# The first file's test waits until the second file's tests are done: they finish first, on
# the other worker, yet the report lists every test in collection order.
FIRST_FILE = """
import itertools, time, pytest
from pathlib import Path

@pytest.mark.latency_sla(ms=50, overkill=None)
def test_first_finishes_last(latency_sla, scripted):
    deadline = time.monotonic() + 60
    while not Path("second-done").exists() and time.monotonic() < deadline:
        time.sleep(0.01)
    latency_sla(scripted(itertools.repeat(1_000_000)))
    with open("finished", "a") as fh:
        fh.write("test_first_finishes_last\\n")
"""
SECOND_FILE = """
import itertools, pytest
from pathlib import Path

@pytest.mark.parametrize("i", range(4))
@pytest.mark.latency_sla(ms=50, overkill=None)
def test_second(latency_sla, scripted, i):
    latency_sla(scripted(itertools.repeat(1_000_000)))
    latency_sla(scripted(itertools.repeat(2_000_000)))
    with open("finished", "a") as fh:
        fh.write(f"test_second[{i}]\\n")
    if i == 3:
        Path("second-done").touch()
"""


@pytest.mark.parametrize("dist", ["loadfile", "load"])
def test_rows_come_in_collection_order_not_completion_order(
    scripted_pytester: pytest.Pytester, dist: str
) -> None:
    scripted_pytester.makepyfile(test_a_first=FIRST_FILE, test_b_second=SECOND_FILE)
    result = scripted_pytester.runpytest_subprocess(
        "-n", "2", "--dist", dist, "--latency-report", "--latency-json=r.json",
        "--latency-md=r.md",
    )  # fmt: skip
    result.assert_outcomes(passed=5)
    finished = (scripted_pytester.path / "finished").read_text().split()
    collected = ["test_first_finishes_last", *(f"test_second[{i}]" for i in range(4))]
    if dist == "loadfile":  # each file on its own worker: the first file's test finished last
        assert finished[-1] == "test_first_finishes_last"
    assert set(finished) == set(collected)
    report = json.loads((scripted_pytester.path / "r.json").read_text())
    names = [r["nodeid"].split("::")[1] for r in report["results"]]
    assert names == [
        "test_first_finishes_last",
        *(name for i in range(4) for name in (f"test_second[{i}]", f"test_second[{i}]#2")),
    ]
    # the terminal table and the Markdown in the same order
    rows = [line.split()[0].split("::")[1] for line in result.outlines if " p99 <= 50 ms " in line]
    assert rows == names
    markdown = (scripted_pytester.path / "r.md").read_text()
    assert [m.split("::")[1] for m in re.findall(r"^\| `([^`]*)`", markdown, re.M)] == names
