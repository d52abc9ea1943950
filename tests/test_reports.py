"""Report files (JSON, Markdown, HTML) and JUnit properties, from real pytester runs."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any, cast

import pytest

from pytest_latency_sla.records import ReportDict, ResultDict
from pytest_latency_sla.reports.document import SCHEMA, write_json
from pytest_latency_sla.reports.files import write_report
from tests.conftest import SCRIPTED_CONFTEST

OUTCOMES = {
    "passed", "failed", "error", "skipped", "xfailed", "xpassed", "crashed", "interrupted"
}  # fmt: skip
NUMBER = (int, float)


def _number_or_none(value: Any) -> bool:
    return value is None or (isinstance(value, NUMBER) and not isinstance(value, bool))


def assert_schema(report: dict[str, Any]) -> None:
    """Every field of the JSON example in SPEC.md, with its type."""
    assert report["schema"] == SCHEMA == "pytest-latency-sla/1"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", report["created"])
    env = report["environment"]
    for key in ("python", "platform", "cpu"):
        assert isinstance(env[key], str) and env[key]
    assert isinstance(env["timer_overhead_ns"], int) and env["timer_overhead_ns"] >= 0
    assert isinstance(report["results"], list)
    for r in report["results"]:
        assert isinstance(r["nodeid"], str) and r["outcome"] in OUTCOMES
        assert isinstance(r["n"], int) and isinstance(r["warmup"], int)
        assert isinstance(r["duration_s"], NUMBER) and _number_or_none(r["mean_s"])
        if r["n"] == 0:  # crashed or interrupted before a timed call: listed, nothing measured
            assert r["outcome"] in ("crashed", "interrupted")
            assert r["quantiles_s"] == {} and r["mean_s"] is None
            continue
        assert set(r["quantiles_s"]) == {"50", "90", "99", "99.9", "max"}
        assert all(isinstance(v, NUMBER) for v in r["quantiles_s"].values())
        q = r["quantiles_s"]
        assert q["50"] <= q["90"] <= q["99"] <= q["99.9"] <= q["max"]
        assert isinstance(r["thresholds"], list)
        for t in r["thresholds"]:
            assert isinstance(t["percentile"], float) and 0 < t["percentile"] < 100
            assert isinstance(t["budget_s"], NUMBER) and t["budget_s"] > 0
            assert isinstance(t["estimate_s"], NUMBER)
            assert _number_or_none(t["lower_s"]) and _number_or_none(t["upper_s"])
            assert t["verdict"] in ("pass", "fail") and isinstance(t["confident"], bool)
            assert _number_or_none(t["margin"]) and isinstance(t["overkill"], bool)


EVERY_OUTCOME = """
import itertools, pytest

FAST = itertools.repeat(1_000_000)    # 1 ms: meets 50 ms
SLOW = itertools.repeat(60_000_000)   # 60 ms: misses 50 ms

@pytest.mark.latency_sla(ms=50, overkill=None)
def test_passed(latency_sla, scripted):
    latency_sla(scripted(FAST))

@pytest.mark.latency_sla(ms=50)
def test_missed(latency_sla, scripted):
    latency_sla(scripted(SLOW))

@pytest.mark.latency_sla(ms=50, overkill=None)
def test_failed_after(latency_sla, scripted):
    latency_sla(scripted(FAST))
    assert False, "the test's own assert"

@pytest.fixture
def broken_teardown():
    yield
    raise RuntimeError("teardown broke")

@pytest.mark.latency_sla(ms=50, overkill=None)
def test_error(broken_teardown, latency_sla, scripted):
    latency_sla(scripted(FAST))

@pytest.fixture
def measured_at_setup(latency_sla, scripted):
    latency_sla(scripted(FAST))
    raise RuntimeError("setup broke after measuring")

@pytest.mark.latency_sla(ms=50, overkill=None)
def test_setup_error(measured_at_setup):
    pass

@pytest.mark.latency_sla(ms=50, overkill=None)
def test_skipped(latency_sla, scripted):
    latency_sla(scripted(FAST))
    pytest.skip("skipped after measuring")

@pytest.mark.xfail(reason="known slow", strict=True)
@pytest.mark.latency_sla(ms=50)
def test_xfailed(latency_sla, scripted):
    latency_sla(scripted(SLOW))

@pytest.mark.xfail(reason="flaky", strict=False)
@pytest.mark.latency_sla(ms=50, overkill=None)
def test_xpassed(latency_sla, scripted):
    latency_sla(scripted(FAST))

@pytest.mark.latency_sla(ms=50, overkill=None)
def test_twice(latency_sla, scripted):
    latency_sla(scripted(FAST))
    latency_sla(scripted(FAST))

def test_unbudgeted(latency_sla, scripted):
    latency_sla.measure(scripted(itertools.repeat(2_000)))

def test_not_measured():
    pass
"""


def test_json_holds_every_measured_test_whatever_its_outcome(
    scripted_pytester: pytest.Pytester,
) -> None:
    scripted_pytester.makepyfile(EVERY_OUTCOME)
    result = scripted_pytester.runpytest("--latency-json=out/report.json")
    result.assert_outcomes(passed=5, failed=2, errors=2, skipped=1, xfailed=1, xpassed=1)
    result.stdout.fnmatch_lines(["latency-sla: JSON report written to *out/report.json"])
    report = json.loads((scripted_pytester.path / "out" / "report.json").read_text())
    assert_schema(report)
    outcomes = {r["nodeid"].split("::")[1]: r["outcome"] for r in report["results"]}
    assert outcomes == {
        "test_passed": "passed",
        "test_missed": "failed",
        "test_failed_after": "failed",
        "test_error": "error",
        "test_setup_error": "error",
        "test_skipped": "skipped",
        "test_xfailed": "xfailed",
        "test_xpassed": "xpassed",
        "test_twice": "passed",
        "test_twice#2": "passed",
        "test_unbudgeted": "passed",
    }
    by_name = {r["nodeid"].split("::")[1]: r for r in report["results"]}
    missed = by_name["test_missed"]["thresholds"][0]
    assert (missed["verdict"], missed["confident"], missed["budget_s"]) == ("fail", True, 0.05)
    assert missed["estimate_s"] == pytest.approx(0.06)
    assert by_name["test_unbudgeted"]["thresholds"] == []
    assert by_name["test_unbudgeted"]["n"] == 3000
    assert [p.name for p in (scripted_pytester.path / "out").iterdir()] == ["report.json"]


def test_json_tolerates_values_a_plugin_should_not_have_put_there(tmp_path: Path) -> None:
    import numpy as np

    path = tmp_path / "r.json"
    garbage = {"a": float("nan"), "b": [float("inf")], "c": np.float64(1.5), "d": np.int64(3)}
    write_json(path, cast(ReportDict, garbage))
    assert json.loads(path.read_text()) == {"a": None, "b": [None], "c": 1.5, "d": 3}


def test_atomic_write_leaves_the_old_file_when_it_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os

    path = tmp_path / "r.json"
    path.write_text("old")

    def broken_replace(src: str, dst: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        write_report(path, "new")
    assert path.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["r.json"]


TWO_TESTS = """
import itertools, pytest

@pytest.mark.latency_sla(ms=50)
@pytest.mark.latency_sla(us=500, percentile=50)
def test_fast(latency_sla, scripted):
    latency_sla(scripted(itertools.repeat(7_100)))

@pytest.mark.parametrize("name", ["<script>alert(1)</script>", "a|b"])
@pytest.mark.latency_sla(ms=50, overkill=None)
def test_slow(latency_sla, scripted, name):
    latency_sla(scripted(itertools.repeat(60_000_000)))
"""


def test_markdown_file_is_the_table_as_gfm(scripted_pytester: pytest.Pytester) -> None:
    scripted_pytester.makepyfile(TWO_TESTS)
    result = scripted_pytester.runpytest("--latency-md=md/summary.md")
    result.assert_outcomes(passed=1, failed=2, warnings=1)
    text = (scripted_pytester.path / "md" / "summary.md").read_text()
    lines = text.splitlines()
    assert lines[0] == "## Latency SLA report"
    assert ":x: 3 measurements, 4 budgets: 2 met, 2 missed; of the budgets, 1 overkill" in text
    header = lines.index(
        "| test | threshold | estimate [bounds] | p50 | max | n | margin | verdict |"
    )
    assert lines[header + 1] == "| --- | --- | --- | ---: | ---: | ---: | ---: | --- |"
    table = lines[header + 2 : header + 6]
    assert table[0].startswith("| `test_markdown_file_is_the_table_as_gfm.py::test_fast` | ")
    assert "| p50 &lt;= 500 us | 7.10 us [7.10 us, 7.10 us] |" in table[0]
    assert table[1].endswith("| 598 | 7,042x | pass overkill |")
    assert (
        "`test_markdown_file_is_the_table_as_gfm.py::test_slow[<script>alert(1)</script>]`"
        in table[2]
    )
    assert "| FAIL |" in table[2]
    assert "`test_markdown_file_is_the_table_as_gfm.py::test_slow[a\\|b]`" in table[3]
    assert all(row.count(" | ") == 7 for row in table)  # no unescaped pipe splits a row
    assert lines[-1].startswith("<sub>Python ")


def test_markdown_github_appends_to_the_step_summary(
    scripted_pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    scripted_pytester.makepyfile(TWO_TESTS)
    summary = scripted_pytester.path / "step_summary.md"
    summary.write_text("# Build\nearlier step output\n")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    scripted_pytester.runpytest("--latency-md=github")
    result = scripted_pytester.runpytest("--latency-md=github")
    assert result.ret == pytest.ExitCode.TESTS_FAILED  # the verdicts, not the summary
    result.stdout.fnmatch_lines(
        [f"latency-sla: Markdown report appended to GITHUB_STEP_SUMMARY ({summary})"]
    )
    text = summary.read_text()
    assert text.startswith("# Build\nearlier step output\n\n## Latency SLA report\n")
    assert text.count("## Latency SLA report") == 2


def test_markdown_github_outside_actions_is_a_notice(
    scripted_pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    scripted_pytester.makepyfile(TWO_TESTS)
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    result = scripted_pytester.runpytest("--latency-md=github", "-k", "test_fast")
    result.assert_outcomes(passed=1, warnings=1)
    assert result.ret == pytest.ExitCode.OK
    notices = [line for line in result.outlines if "GITHUB_STEP_SUMMARY" in line]
    assert notices == [
        "latency-sla: --latency-md=github: GITHUB_STEP_SUMMARY is not set (not a GitHub Actions "
        "step); no Markdown summary written"
    ]
    assert sorted(p.name for p in scripted_pytester.path.iterdir() if p.suffix == ".md") == []


def test_html_is_self_contained_and_escapes_every_id(scripted_pytester: pytest.Pytester) -> None:
    scripted_pytester.makepyfile(TWO_TESTS)
    scripted_pytester.runpytest("--latency-html=r.html").assert_outcomes(
        passed=1, failed=2, warnings=1
    )
    html = (scripted_pytester.path / "r.html").read_text()
    assert html.startswith("<!DOCTYPE html>")
    for external in ("http://", "https://", "<link", "<script", "@import", "url(", "src="):
        assert external not in html.lower(), external
    # the id wraps at "::", "[" and "/" (even the one inside the parameter), escaped
    shown = (
        "<bdi><span class=w>test_slow</span><wbr><span class=w>[&lt;script&gt;alert(1)"
        "&lt;/</span><wbr><span class=w>script&gt;]</span></bdi></code>"
    )
    assert html.count("::<wbr>" + shown) == 2  # its table row and its card
    assert html.count("<code>" + shown) == 1  # its row of the headroom chart: the name alone
    assert "<script>alert" not in html
    assert html.count("<svg ") == 3  # one histogram per measurement
    assert "budget 500 us" in html and "p50 = 7.10 us" in html  # budget line, percentile mark
    assert "budget 50 ms (7,042x margin) \u2192" in html  # a budget far off the chart: an arrow
    assert "p99 = 60.0 ms" in html and html.count("stroke-dasharray") >= 3


def test_html_histogram_axis_is_logarithmic_only_where_the_range_calls_for_it() -> None:
    from pytest_latency_sla.reports.html import render

    def report(edges: list[float]) -> ReportDict:
        # only what the chart reads: the renderer must cope with a partial record
        counts = [5] * (len(edges) - 1)
        result = {"nodeid": "t", "n": 10, "histogram": {"edges_s": edges, "counts": counts}}
        result["thresholds"] = [
            {"percentile": 99.0, "budget_s": edges[-1], "estimate_s": edges[-2], "lower_s": None,
             "upper_s": None, "verdict": "pass", "confident": False, "margin": 1.1, "overkill": False}
        ]  # fmt: skip
        return cast(ReportDict, {"results": [result], "environment": {}})

    assert "(linear time axis)" in render(report([1.0e-3, 1.1e-3, 1.2e-3, 1.3e-3]))
    assert "(log time axis)" in render(report([1e-6, 1e-5, 1e-4, 1e-3]))
    assert ">10 us<" in render(report([1e-6, 1e-5, 1e-4, 1e-3]))  # decade ticks, as written


def test_junit_xml_carries_one_property_group_per_threshold(
    scripted_pytester: pytest.Pytester,
) -> None:
    scripted_pytester.makepyfile(TWO_TESTS)
    scripted_pytester.runpytest("--junitxml=junit.xml")
    root = ET.parse(scripted_pytester.path / "junit.xml").getroot()
    cases = {case.get("name"): case for case in root.iter("testcase")}
    assert set(cases) == {"test_fast", "test_slow[<script>alert(1)</script>]", "test_slow[a|b]"}

    def props(name: str) -> list[tuple[str | None, str | None]]:
        return [(p.get("name"), p.get("value")) for p in cases[name].iter("property")]

    names = [
        "latency_percentile", "latency_budget_s", "latency_estimate_s", "latency_upper_s",
        "latency_verdict", "latency_n",
    ]  # fmt: skip
    fast = props("test_fast")
    assert [k for k, _ in fast] == names * 2
    assert [v for _, v in fast] == [
        "50.0", "0.0005", "7.1e-06", "7.1e-06", "pass", "598",
        "99.0", "0.05", "7.1e-06", "7.1e-06", "pass", "598",
    ]  # fmt: skip
    slow = dict(props("test_slow[a|b]"))
    estimate = slow["latency_estimate_s"]
    assert slow["latency_verdict"] == "fail" and estimate is not None and float(estimate) == 0.06
    assert cases["test_slow[a|b]"].find("failure") is not None


def test_user_properties_are_plain_python_values(scripted_pytester: pytest.Pytester) -> None:
    scripted_pytester.makeconftest(
        SCRIPTED_CONFTEST
        + """
def pytest_runtest_logreport(report):
    if report.when == "call":
        for name, value in report.user_properties:
            assert type(value) in (float, int, str, type(None)), (name, type(value))
        print("checked", len(report.user_properties))
"""
    )
    scripted_pytester.makepyfile(TWO_TESTS)
    result = scripted_pytester.runpytest("-s")
    result.assert_outcomes(passed=1, failed=2)
    out = result.stdout.str()
    assert out.count("checked 12") == 1 and out.count("checked 6") == 2


def test_reports_are_written_when_the_session_stops_early(
    scripted_pytester: pytest.Pytester,
) -> None:
    scripted_pytester.makepyfile(EVERY_OUTCOME)
    result = scripted_pytester.runpytest(
        "-x", "--latency-json=r.json", "--latency-md=r.md", "--latency-html=r.html"
    )
    result.assert_outcomes(passed=1, failed=1)
    report = json.loads((scripted_pytester.path / "r.json").read_text())
    assert_schema(report)
    assert [r["outcome"] for r in report["results"]] == ["passed", "failed"]
    assert "| FAIL |" in (scripted_pytester.path / "r.md").read_text()
    assert (scripted_pytester.path / "r.html").read_text().count("<svg ") == 2


def test_summary_counts_a_miss_in_an_xfail_test_apart() -> None:
    from pytest_latency_sla.messages.report import summary_text
    from pytest_latency_sla.reports.table import summary_status, tally

    def result(outcome: str, verdict: str, confident: bool = True) -> ResultDict:
        # only the keys the tally reads
        t = {"verdict": verdict, "confident": confident, "overkill": False}
        return cast(ResultDict, {"nodeid": outcome, "outcome": outcome, "thresholds": [t]})

    expected_miss = [result("passed", "pass"), result("xfailed", "fail")]
    counts = tally(expected_miss)
    assert summary_text(counts) == "2 measurements, 2 budgets: 1 met, 1 missed (1 in xfail tests)"
    assert summary_status(counts, "enforce") == "good"
    real_miss = [*expected_miss, result("passed", "fail", confident=False)]
    assert summary_status(tally(real_miss), "enforce") == "bad"
    assert summary_status(tally(real_miss), "warn") == "warn"
    assert summary_text(tally(real_miss)).endswith(
        "2 missed (1 in xfail tests); of the budgets, 1 not confident"
    )
    crashed = cast(ResultDict, {"outcome": "crashed", "thresholds": []})
    assert summary_status(tally([crashed]), "warn") == "bad"


def test_a_summary_is_never_green_when_the_run_failed() -> None:
    from pytest_latency_sla.messages.report import summary_text
    from pytest_latency_sla.reports.table import summary_status, tally

    met = tally(
        [
            cast(
                ResultDict,
                {"nodeid": "t", "outcome": "passed", "thresholds": [{"verdict": "pass"}]},
            )
        ]
    )
    assert summary_status(met, "enforce", exitstatus=0) == "good"
    for status in (1, 2, 3, 4):
        assert summary_status(met, "enforce", exitstatus=status) == "bad"
        assert summary_status(met, "warn", exitstatus=status) == "bad"
    assert summary_status(met, "enforce", signal="SIGTERM") == "bad"
    assert summary_text(met, 1).endswith("; the run failed (pytest exit status 1: tests failed)")
    interrupted = tally(
        [cast(ResultDict, {"nodeid": "t", "outcome": "interrupted", "thresholds": []})]
    )
    assert summary_status(interrupted, "warn", exitstatus=0) == "bad"
    assert summary_text(interrupted) == "1 measurement, 0 budgets: 0 met, 0 missed, 1 interrupted"


def test_a_failing_test_that_measures_nothing_turns_the_summary_red(
    scripted_pytester: pytest.Pytester,
) -> None:
    scripted_pytester.makepyfile(
        """
        import itertools, pytest

        @pytest.mark.latency_sla(ms=50, overkill=None)
        def test_fast(latency_sla, scripted):
            latency_sla(scripted(itertools.repeat(7_100)))

        def test_unrelated():
            assert False
        """
    )
    result = scripted_pytester.runpytest("--latency-md=r.md", "--latency-html=r.html")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    summary = (scripted_pytester.path / "r.md").read_text().splitlines()[2]
    assert summary == (
        ":x: 1 measurement, 1 budget: 1 met, 0 missed; the run failed (pytest exit status 1: "
        "tests failed)"
    )
    assert (
        '<p class="summary"><span class="bad">' in (scripted_pytester.path / "r.html").read_text()
    )


def test_markdown_code_span_survives_backticks_and_pipes() -> None:
    from pytest_latency_sla.reports.table import md_code

    assert md_code("t.py::test[a|b]") == "`t.py::test[a\\|b]`"
    assert md_code("t.py::test[``x`]") == "```t.py::test[``x`]```"
    assert md_code("`edge`") == "`` `edge` ``"


@pytest.mark.slow
@pytest.mark.skipif(not hasattr(__import__("os"), "fork"), reason="isolation needs fork")
def test_reports_list_a_crashed_measurement(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import os, pytest

        @pytest.mark.latency_sla(ms=50, overkill=None)
        def test_fine(latency_sla):
            latency_sla(lambda: None)

        @pytest.mark.latency_sla(ms=50, isolate=True)
        def test_crash(latency_sla):
            latency_sla(os._exit, 3)

        @pytest.mark.xfail(reason="known crash", strict=True)
        @pytest.mark.latency_sla(ms=50, isolate=True)
        def test_known_crash(latency_sla):
            latency_sla(os._exit, 3)
        """
    )
    result = pytester.runpytest(
        "--latency-json=r.json", "--latency-md=r.md", "--latency-html=r.html"
    )
    result.assert_outcomes(passed=1, failed=1, xfailed=1)
    report = json.loads((pytester.path / "r.json").read_text())
    assert_schema(report)
    by_name = {r["nodeid"].split("::")[1]: r for r in report["results"]}
    assert {k: r["outcome"] for k, r in by_name.items()} == {
        "test_fine": "passed",
        "test_crash": "crashed",
        "test_known_crash": "crashed",
    }
    assert by_name["test_known_crash"]["xfail"] is True and "xfail" not in by_name["test_crash"]
    markdown = (pytester.path / "r.md").read_text()
    assert ":x: 3 measurements, 1 budget: 1 met, 0 missed, 2 crashed (1 in xfail tests)" in markdown
    assert markdown.count("| CRASHED |") == 2
    html = (pytester.path / "r.html").read_text()
    assert html.count('<p class="reason">measured call crashed: ') == 2
    assert html.count("no timed call finished before the crash: nothing to draw") == 2
    assert html.count("<svg ") == 1


ODD_IDS = """
import itertools, pytest

LONG = "x" * 5000

@pytest.mark.parametrize(
    "name", ["two\\nlines", "\\u202eabc", "esc\\x1b[31mred", LONG], ids=lambda name: name
)
@pytest.mark.latency_sla(ms=50, overkill=None)
def test_odd(latency_sla, scripted, name):
    latency_sla(scripted(itertools.repeat(7_100)))
    latency_sla(scripted(itertools.repeat(7_100)))
"""


def test_odd_ids_do_not_break_the_table_and_stay_whole_in_the_files(
    scripted_pytester: pytest.Pytester,
) -> None:
    from tests.conftest import INNER_INI

    # pytest escapes ids itself unless told not to; a user who turns that off gets raw ids
    scripted_pytester.makeini(
        INNER_INI + "disable_test_id_escaping_and_forfeit_all_rights_to_community_support = true\n"
    )
    scripted_pytester.makepyfile(ODD_IDS)
    result = scripted_pytester.runpytest(
        "--latency-report", "--latency-json=r.json", "--latency-md=r.md", "--latency-html=r.html"
    )
    result.assert_outcomes(passed=4)
    lines = result.stdout.lines
    start = next(i for i, line in enumerate(lines) if line.startswith("test "))
    table = lines[start : start + 2 + 8]  # header, rule, two measurements of four tests
    assert all(line.startswith("test_odd") for line in table[2:])
    assert max(len(line) for line in table) < 300  # not padded to the 5,000-character id
    shown = [line.split("  ")[0] for line in table[2:]]
    assert (
        "test_odd_ids_do_not_break_the_table_and_stay_whole_in_the_files.py::test_odd[two\\nlines]"
        in shown
    )
    assert any(s.endswith("::test_odd[\\u202eabc]#2") for s in shown)
    assert any(s.endswith("::test_odd[esc\\x1b[31mred]") for s in shown)
    long_rows = [s for s in shown if "..." in s]
    assert len(long_rows) == 2 and all(len(s) == 120 for s in long_rows)
    assert long_rows[1].endswith("xxx]#2") and long_rows[0].startswith("test_odd_ids")
    assert not any("\x1b" in line or "\u202e" in line for line in lines)
    # the files keep every id whole
    names = [
        r["nodeid"] for r in json.loads((scripted_pytester.path / "r.json").read_text())["results"]
    ]
    assert any(name.endswith("[two\nlines]") for name in names)
    assert any(name.endswith("x" * 5000 + "]#2") for name in names)
    markdown = (scripted_pytester.path / "r.md").read_text()
    assert "x" * 5000 + "]#2`" in markdown and "[two\\nlines]`" in markdown
    assert "\u202e" not in markdown and "\x1b" not in markdown
    html = (scripted_pytester.path / "r.html").read_text()
    # the override stays, shut inside its own isolate: "#2" cannot be reordered by it
    assert (
        "<bdi><span class=w>test_odd</span><wbr><span class=w>[\u202eabc]</span></bdi>"
        "<bdi>#2</bdi>" in html
    )
    assert "x" * 5000 in html
