"""``--latency-mode`` (enforce / warn / off) and ``--latency-scale``, end to end."""

from __future__ import annotations

import json

import pytest

MISSES = """
import itertools, pytest

@pytest.mark.latency_sla(ms=50)
def test_slow(latency_sla, scripted):
    latency_sla(scripted(itertools.repeat(60_000_000)))
"""


def test_enforce_is_the_default_and_fails_a_miss(scripted_pytester: pytest.Pytester) -> None:
    scripted_pytester.makepyfile(MISSES)
    result = scripted_pytester.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*Failed: latency SLA missed: p99 = 60.0 ms > budget 50 ms*"])


@pytest.mark.parametrize("how", ["cli", "env", "ini"])
def test_warn_mode_passes_with_a_miss_warning(
    scripted_pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    scripted_pytester.makepyfile(MISSES)
    args = []
    if how == "cli":
        args.append("--latency-mode=warn")
    elif how == "env":
        monkeypatch.setenv("LATENCY_SLA_MODE", "warn")
    else:
        from .conftest import INNER_INI

        scripted_pytester.makeini(INNER_INI + "latency_mode = warn\n")
    result = scripted_pytester.runpytest(*args, "--latency-json=r.json")
    result.assert_outcomes(passed=1, warnings=1)
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines(
        [
            "*LatencyMissWarning: latency SLA missed: p99 = 60.0 ms > budget 50 ms "
            "(n=10, 95% bounds [[]60.0 ms, -]; p50 60.0 ms, max 60.0 ms)"
        ]
    )
    report = json.loads((scripted_pytester.path / "r.json").read_text())
    assert report["environment"]["mode"] == "warn"
    (record,) = report["results"]
    assert record["outcome"] == "passed" and record["thresholds"][0]["verdict"] == "fail"


def test_warn_mode_miss_warning_is_an_error_under_w_error(
    scripted_pytester: pytest.Pytester,
) -> None:
    scripted_pytester.makepyfile(MISSES)
    result = scripted_pytester.runpytest(
        "--latency-mode=warn", "-W", "error::pytest_latency_sla.LatencyMissWarning"
    )
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*LatencyMissWarning: latency SLA missed*"])


def test_off_mode_calls_once_and_neither_gates_nor_reports(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(
        """
        seen = []

        def pytest_latency_sla_result(item, result):
            seen.append(item.name)
        """
    )
    pytester.makepyfile(
        """
        import pytest
        from conftest import seen

        calls = {"fixture": 0, "body": 0, "measure": 0}

        @pytest.mark.latency_sla(us=1, percentile=50)
        @pytest.mark.latency_sla(us=1)
        def test_fixture(latency_sla):
            def slow():
                calls["fixture"] += 1
                sum(range(100_000))
            result = latency_sla(slow)
            assert calls["fixture"] == 1
            # every attribute a test reads, from the one call; the thresholds listed, unjudged
            assert result.n == 1 and result.samples_ns.tolist() == [round(result.max * 1e9)]
            assert result.p50 == result.p90 == result.p99 == result.p999 == result.max > 0
            assert result.percentile(12.5) == result.mean == result.max
            assert result.passed and not result.isolated
            assert [(t.percentile, t.budget, t.budget_text) for t in result.thresholds] == [
                (50.0, 1e-6, "1 us"), (99.0, 1e-6, "1 us")
            ]
            for t in result.thresholds:
                assert (t.verdict, t.confident, t.lower, t.upper) == (None, False, None, None)
                assert t.estimate == result.max and t.passed and not t.overkill

        @pytest.mark.latency_sla(us=1)
        def test_body():
            calls["body"] += 1
            sum(range(100_000))

        def test_measure(latency_sla):
            result = latency_sla.measure(lambda: calls.__setitem__("measure", 1))
            assert (result.n, result.thresholds, result.passed) == (1, (), True)

        def test_counts():
            assert calls == {"fixture": 1, "body": 1, "measure": 1}
            assert seen == []  # nothing measured, nothing handed to the result hook
        """
    )
    result = pytester.runpytest(
        "--latency-mode=off", "--latency-report", "--latency-json=r.json", "--latency-md=r.md"
    )
    result.assert_outcomes(passed=4)
    result.stdout.no_fnmatch_line("*latency SLA report*")
    notices = [line for line in result.stdout.lines if "latency-sla:" in line]
    assert notices == [
        "latency-sla: --latency-mode=off gates and records nothing, so no latency report is "
        "written (--latency-json, --latency-md, --latency-report ignored)"
    ]
    assert not (pytester.path / "r.json").exists() and not (pytester.path / "r.md").exists()


def test_off_mode_without_a_report_option_says_nothing(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.latency_sla(ms=50)
        def test_body():
            pass
        """
    )
    result = pytester.runpytest("--latency-mode=off")
    result.assert_outcomes(passed=1)
    result.stdout.no_fnmatch_line("*latency-sla:*")


ISOLATED_IN_OFF_MODE = """
import ctypes, os, pytest

parent = os.getpid()
calls = []

@pytest.mark.latency_sla(ms=50, isolate=True)
def test_fixture_call_runs_in_the_child(latency_sla):
    result = latency_sla(lambda: calls.append(os.getpid()))
    assert result.n == 1 and result.isolated and result.thresholds[0].verdict is None
    assert calls == []  # appended in the child, not here

@pytest.mark.latency_sla(ms=50, isolate=True)
def test_marker_only_body_runs_in_the_child():
    assert os.getpid() != parent

@pytest.mark.latency_sla(ms=50, isolate=True)
def test_segfault(latency_sla):
    latency_sla(ctypes.string_at, 0)

@pytest.mark.latency_sla(ms=50, isolate=True)
def test_segfault_in_the_body():
    ctypes.string_at(0)

def test_after():
    pass
"""


@pytest.mark.slow
@pytest.mark.skipif(not hasattr(__import__("os"), "fork"), reason="isolation needs os.fork")
def test_off_mode_never_runs_an_isolated_target_in_process(pytester: pytest.Pytester) -> None:
    # A real process: were the call run here, the segfault would end the whole run.
    pytester.makepyfile(ISOLATED_IN_OFF_MODE)
    result = pytester.runpytest_subprocess("--latency-mode=off", "-p", "no:faulthandler")
    result.assert_outcomes(passed=3, failed=2)
    result.stdout.fnmatch_lines(
        [
            "*_ test_segfault _*",
            "measured call crashed: SIGSEGV (signal 11)",
            "*_ test_segfault_in_the_body _*",
            "measured call crashed: SIGSEGV (signal 11)",
        ]
    )
    assert result.ret == pytest.ExitCode.TESTS_FAILED


def test_scale_multiplies_every_budget_and_shows_everywhere(
    scripted_pytester: pytest.Pytester,
) -> None:
    scripted_pytester.makepyfile(
        MISSES
        + """
@pytest.mark.latency_sla(ms=50, percentile=50)
@pytest.mark.latency_sla(ms=80, overkill=None)
def test_two(latency_sla, scripted):
    latency_sla(scripted(itertools.repeat(60_000_000)))
"""
    )
    assert scripted_pytester.runpytest().ret == pytest.ExitCode.TESTS_FAILED
    result = scripted_pytester.runpytest(
        "--latency-scale=2",
        "--latency-report",
        "--latency-json=r.json",
        "--latency-md=r.md",
        "--latency-html=r.html",
    )
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(
        [
            "budgets scaled by 2 (--latency-scale)",
            "*::test_slow *p99 <= 100 ms (50 ms x 2) *pass",
            "*::test_two *p50 <= 100 ms (50 ms x 2) *pass",
            "*::test_two *p99 <= 160 ms (80 ms x 2) *pass",
        ]
    )
    report = json.loads((scripted_pytester.path / "r.json").read_text())
    assert report["environment"]["scale"] == 2.0
    budgets = [(t["budget_s"], t["scale"]) for r in report["results"] for t in r["thresholds"]]
    assert budgets == [(0.1, 2.0), (0.1, 2.0), (0.16, 2.0)]
    markdown = (scripted_pytester.path / "r.md").read_text()
    assert "Budgets scaled by **2** (`--latency-scale`)." in markdown
    assert "p99 &lt;= 160 ms (80 ms x 2)" in markdown
    html = (scripted_pytester.path / "r.html").read_text()
    assert "Budgets scaled by 2 (--latency-scale)." in html
    assert "budget 160 ms (80 ms x 2)" in html


def test_scale_from_environment(
    scripted_pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    scripted_pytester.makepyfile(MISSES)
    monkeypatch.setenv("LATENCY_SLA_SCALE", "1.5")
    result = scripted_pytester.runpytest(
        "--latency-json=r.json", "--latency-md=r.md", "--latency-report"
    )
    result.assert_outcomes(passed=1)
    # the scale is said to come from where it came from
    result.stdout.fnmatch_lines(["budgets scaled by 1.5 (environment variable LATENCY_SLA_SCALE)"])
    report = json.loads((scripted_pytester.path / "r.json").read_text())
    assert report["environment"]["scale_source"] == "environment variable LATENCY_SLA_SCALE"
    markdown = (scripted_pytester.path / "r.md").read_text()
    assert "Budgets scaled by **1.5** (environment variable `LATENCY_SLA_SCALE`)." in markdown
    (record,) = report["results"]
    assert record["thresholds"][0]["budget_s"] == pytest.approx(0.075)
