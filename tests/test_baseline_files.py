"""The stored-baseline files and the settings around them: a baseline entry that cannot be
compared with, a machine name that is not one line of text, outputs that are one file, a
regression with nothing to regress from, and ``--latency-save`` on a selection of tests."""

from __future__ import annotations

import json

import numpy as np
import pytest

from pytest_latency_sla.verdict.result import LatencyResult
from pytest_latency_sla.verdict.stored import stored_record
from tests.test_baseline import SUITE, _saved

ZERO_P50 = (
    '{"schema": "pytest-latency-sla-baseline/1", "measurements": {"t.py::t": {"n": 5, '
    '"order_statistics": [{"percentile": 50.0, "first_rank": 1, "first_ns": 0, '
    '"steps_ns": [0, 0, 7, 1]}]}}}'
)


def test_a_stored_percentile_of_zero_is_refused_when_loading(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_one():\n    pass\n")
    (pytester.path / "b.json").write_text(ZERO_P50)
    result = pytester.runpytest("--latency-baseline=b.json")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        [
            "ERROR: --latency-baseline: '*b.json' is not a pytest-latency-sla-baseline/1 file "
            "written by --latency-save: t.py::t: its p50 is 0 ns; a stored percentile must be "
            "positive (a ratio to 0 means nothing)"
        ]
    )


def test_a_percentile_of_zero_is_never_saved() -> None:
    # a call below the clock's resolution: most samples 0 ns, the tail not
    samples = np.array([0] * 95 + [100] * 5, dtype=np.int64)
    record = stored_record(LatencyResult(samples_ns=samples))
    assert record is not None
    assert [w["percentile"] for w in record["order_statistics"]] == [99.0, 99.9]


def test_a_machine_name_from_the_file_is_shown_on_one_line_and_escaped(
    scripted_pytester: pytest.Pytester,
) -> None:
    data = _saved(scripted_pytester)
    data["machine"]["cpu"] = "Evil\n<b>CPU</b> & co"
    (scripted_pytester.path / "other.json").write_text(json.dumps(data))
    result = scripted_pytester.runpytest(
        "--latency-baseline=other.json", "--latency-md=r.md", "--latency-html=r.html"
    )
    result.assert_outcomes(passed=4)
    result.stdout.fnmatch_lines(
        ["latency-sla: the baseline was measured on Evil\\n<b>CPU</b> & co (*), this run on *"]
    )
    markdown = (scripted_pytester.path / "r.md").read_text()
    assert "The baseline was measured on Evil\\n&lt;b&gt;CPU&lt;/b&gt; &amp; co (" in markdown
    html = (scripted_pytester.path / "r.html").read_text()
    assert "The baseline was measured on Evil\\n&lt;b&gt;CPU&lt;/b&gt; &amp; co (" in html
    assert "<b>CPU" not in markdown and "<b>CPU" not in html


@pytest.mark.parametrize(
    ("args", "ini", "message"),
    [
        (["--latency-json=same.json", "--latency-html=same.json"], "",
         "--latency-json and --latency-html name the same file '/*/same.json': one would "
         "overwrite the other; give each its own file"),
        (["--latency-md=out/../same.json", "--latency-save=same.json"], "",
         "--latency-md and --latency-save name the same file '/*/same.json'*"),
        (["--latency-html=r.html"], "latency_json = r.html",
         "ini latency_json and --latency-html name the same file '/*/r.html'*"),
        (["--latency-json=base.json", "--latency-baseline=base.json"], "",
         "--latency-json and --latency-baseline name the same file '/*/base.json'*"),
        (["--latency-regression=5%"], "",
         "--latency-regression: --latency-regression is the slowdown allowed against a stored "
         "baseline, and no --latency-baseline=PATH (ini latency_baseline, LATENCY_SLA_BASELINE) "
         "is given: give the baseline to compare with, or remove the regression setting"),
    ],
    ids=["json-html", "md-save-resolved", "ini-and-cli", "report-over-baseline",
         "regression-cli"],
)  # fmt: skip
def test_settings_that_do_not_go_together_stop_the_session(
    pytester: pytest.Pytester, args: list[str], ini: str, message: str
) -> None:
    pytester.makepyfile("def test_one():\n    pass\n")
    (pytester.path / "out").mkdir()
    (pytester.path / "base.json").write_text(ZERO_P50.replace('"first_ns": 0', '"first_ns": 5'))
    pytester.makeini(
        "[pytest]\nasyncio_default_fixture_loop_scope = function\n"
        f"addopts = -p no:randomly -p no:cacheprovider\n{ini}\n"
    )
    result = pytester.runpytest(*args)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"ERROR: {message}"])


def test_regression_from_the_environment_needs_a_baseline_too(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester.makepyfile("def test_one():\n    pass\n")
    monkeypatch.setenv("LATENCY_SLA_REGRESSION", "5%")
    result = pytester.runpytest()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        ["ERROR: environment variable LATENCY_SLA_REGRESSION: --latency-regression is the *"]
    )


def test_a_regression_in_the_ini_file_waits_for_a_baseline(pytester: pytest.Pytester) -> None:
    # the project's setting, for the runs that give a baseline (CI's); a local run has none
    pytester.makepyfile("def test_one():\n    pass\n")
    pytester.makeini(
        "[pytest]\nasyncio_default_fixture_loop_scope = function\n"
        "addopts = -p no:randomly -p no:cacheprovider\nlatency_regression = 5%\n"
    )
    result = pytester.runpytest()
    result.assert_outcomes(passed=1)
    assert result.ret == pytest.ExitCode.OK


def test_outputs_that_may_share_a_path(scripted_pytester: pytest.Pytester) -> None:
    _saved(scripted_pytester)
    # a device takes several reports; the baseline read may be the one saved anew
    result = scripted_pytester.runpytest(
        "--latency-json=/dev/null", "--latency-html=/dev/null",
        "--latency-baseline=base.json", "--latency-save=base.json",
    )  # fmt: skip
    result.assert_outcomes(passed=4)


def test_save_on_a_selection_keeps_the_entries_of_tests_not_run(
    scripted_pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = _saved(scripted_pytester)["measurements"]
    name = "test_save_on_a_selection_keeps_the_entries_of_tests_not_run.py::"
    monkeypatch.setenv("SLOWER", "2")
    result = scripted_pytester.runpytest("--latency-save=base.json", "-k", "test_budgets")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(
        [
            "latency-sla: baseline written to */base.json (2 measurements of tests not run now "
            "kept from the file)"
        ]
    )
    data = json.loads((scripted_pytester.path / "base.json").read_text())
    now = data["measurements"]
    assert sorted(now) == sorted(first)
    for kept in ("test_compared", "test_no_budget"):
        assert now[name + kept] == first[name + kept]
    for replaced in ("test_budgets", "test_budgets#2"):
        then, later = (m[name + replaced]["quantiles_s"]["50"] for m in (first, now))
        assert later == pytest.approx(2 * then, rel=0.1)
    # a test that ran now and measured less drops its earlier entries (#2 included)
    scripted_pytester.makepyfile(
        **{name[:-3]: SUITE.replace("    latency_sla(scripted(draws(20_000)))\n", "")}
    )
    scripted_pytester.runpytest("--latency-save=base.json", "-k", "test_budgets")
    now = json.loads((scripted_pytester.path / "base.json").read_text())["measurements"]
    assert name + "test_budgets#2" not in now and name + "test_compared" in now
    # the file from another machine: nothing of it is kept
    data = json.loads((scripted_pytester.path / "base.json").read_text())
    data["machine"]["cpu"] = "Intel Xeon E5-2680"
    (scripted_pytester.path / "base.json").write_text(json.dumps(data))
    result = scripted_pytester.runpytest("--latency-save=base.json", "-k", "test_budgets")
    result.stdout.fnmatch_lines(
        [
            "latency-sla: baseline written to */base.json (2 measurements of tests not run now "
            "dropped: the file was measured on another machine)"
        ]
    )
    now = json.loads((scripted_pytester.path / "base.json").read_text())["measurements"]
    assert sorted(now) == [name + "test_budgets"]


def test_save_never_replaces_a_file_that_is_not_a_baseline(
    scripted_pytester: pytest.Pytester,
) -> None:
    scripted_pytester.makepyfile(SUITE)
    (scripted_pytester.path / "r.json").write_text('{"schema": "pytest-latency-sla/1"}')
    result = scripted_pytester.runpytest("--latency-save=r.json")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        [
            "ERROR: --latency-save: '*r.json' is not a pytest-latency-sla-baseline/1 file written "
            "by --latency-save: schema 'pytest-latency-sla/1', expected "
            "'pytest-latency-sla-baseline/1'; it is not replaced: remove it or save to another "
            "path"
        ]
    )
    assert (scripted_pytester.path / "r.json").read_text() == '{"schema": "pytest-latency-sla/1"}'
