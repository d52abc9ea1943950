"""The hookspecs other plugins implement, each exercised by a small plugin in a real run."""

from __future__ import annotations

import json

import pytest

from pytest_latency_sla import hookspecs
from tests.conftest import SCRIPTED_CONFTEST

SUITE = """
import itertools, pytest

@pytest.mark.slow_runner
@pytest.mark.latency_sla(ms=50, overkill=None)
def test_scaled(latency_sla, scripted):
    latency_sla(scripted(itertools.repeat(60_000_000)))

@pytest.mark.latency_sla(ms=50, overkill=None)
def test_kept(latency_sla, scripted):
    latency_sla(scripted(itertools.repeat(60_000_000)))

@pytest.mark.latency_sla(ms=50, overkill=None)
def test_twice(latency_sla, scripted):
    latency_sla(scripted(itertools.repeat(1_000_000)))
    latency_sla(scripted(itertools.repeat(2_000_000)))
"""


@pytest.fixture
def inner(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makepyfile(SUITE)
    return pytester


def test_threshold_hook_replaces_a_budget(inner: pytest.Pytester) -> None:
    inner.makeconftest(
        SCRIPTED_CONFTEST
        + """
import dataclasses

def pytest_configure(config):
    config.addinivalue_line("markers", "slow_runner: budgets doubled")

def pytest_latency_sla_threshold(item, threshold):
    if item.get_closest_marker("slow_runner") is None:
        return None
    return dataclasses.replace(threshold, budget_s=threshold.budget_s * 2, budget_text="100 ms")
"""
    )
    # a second implementation, called after the conftest's: firstresult must stop before it
    inner.makepyfile(
        extra_plugin="""
import pytest

@pytest.hookimpl(trylast=True)
def pytest_latency_sla_threshold(item, threshold):
    if item.get_closest_marker("slow_runner") is not None:
        raise AssertionError("called after the first result: firstresult is broken")
    return None
"""
    )
    inner.syspathinsert()
    result = inner.runpytest("-p", "extra_plugin", "--latency-report", "--latency-json=r.json")
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(
        ["*::test_scaled *p99 <= 100 ms *pass", "*::test_kept *p99 <= 50 ms *FAIL"]
    )
    report = json.loads((inner.path / "r.json").read_text())
    scaled = next(r for r in report["results"] if r["nodeid"].endswith("test_scaled"))
    assert scaled["thresholds"][0]["budget_s"] == 0.1


def test_result_hook_sees_every_measurement(inner: pytest.Pytester) -> None:
    inner.makeconftest(
        SCRIPTED_CONFTEST
        + """
import json
seen = []

def pytest_configure(config):
    config.addinivalue_line("markers", "slow_runner: unused here")

def pytest_latency_sla_result(item, result):
    from pytest_latency_sla import LatencyResult
    assert isinstance(result, LatencyResult)
    seen.append([item.nodeid, result.name, result.n, result.passed, result.p99])

def pytest_sessionfinish(session):
    with open("seen.json", "w") as fh:
        json.dump(seen, fh)
"""
    )
    inner.runpytest().assert_outcomes(passed=1, failed=2)
    seen = json.loads((inner.path / "seen.json").read_text())
    base = "test_result_hook_sees_every_measurement.py::"
    assert seen == [
        [base + "test_scaled", base + "test_scaled", 10, False, 0.06],
        [base + "test_kept", base + "test_kept", 10, False, 0.06],
        [base + "test_twice", base + "test_twice", 598, True, 0.001],
        [base + "test_twice", base + "test_twice#2", 598, True, 0.002],
    ]


def test_report_hook_edits_show_up_in_every_file(inner: pytest.Pytester) -> None:
    inner.makeconftest(
        SCRIPTED_CONFTEST
        + """
def pytest_configure(config):
    config.addinivalue_line("markers", "slow_runner: unused here")

def pytest_latency_sla_report(config, report):
    assert report["schema"] == "pytest-latency-sla/1"
    report["ci"] = {"build": 42, "runner": "ubuntu-latest"}
    report["results"] = [r for r in report["results"] if not r["nodeid"].endswith("#2")]
    for r in report["results"]:
        r["team"] = "funnel"
"""
    )
    result = inner.runpytest("--latency-json=r.json", "--latency-md=r.md", "--latency-report")
    result.assert_outcomes(passed=1, failed=2)
    report = json.loads((inner.path / "r.json").read_text())
    assert report["ci"] == {"build": 42, "runner": "ubuntu-latest"}
    assert len(report["results"]) == 3 and {r["team"] for r in report["results"]} == {"funnel"}
    assert "test_twice#2" not in (inner.path / "r.md").read_text()
    result.stdout.no_fnmatch_line("*test_twice#2*")


def test_every_hookspec_is_documented() -> None:
    names = [n for n in dir(hookspecs) if n.startswith("pytest_latency_sla_")]
    assert names == [
        "pytest_latency_sla_report",
        "pytest_latency_sla_result",
        "pytest_latency_sla_threshold",
    ]
    for name in names:
        doc = getattr(hookspecs, name).__doc__
        assert doc and len(doc.split()) > 15, name


def test_report_hook_may_drop_environment_keys(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(
        """
def pytest_latency_sla_report(report):
    del report["environment"]["cpu"]
"""
    )
    pytester.makepyfile(
        """
import pytest

@pytest.mark.latency_sla(ms=50, overkill=None)
def test_body():
    pass
"""
    )
    result = pytester.runpytest("--latency-report", "--latency-md=r.md", "--latency-html=r.html")
    result.assert_outcomes(passed=1)
    result.stdout.no_fnmatch_line("*INTERNALERROR*")
    result.stdout.fnmatch_lines(["python *; platform *; cpu_count *"])
    assert "; cpu_count " in (pytester.path / "r.md").read_text()


def test_a_suite_that_never_measures_runs_no_per_test_hook(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(
        """
        def pytest_sessionfinish(session):
            manager = session.config.pluginmanager
            print("MEASURED_TESTS", manager.get_plugin("latency_sla_measured_tests") is not None)
            print("COLLECTOR", manager.get_plugin("latency_sla_collector") is not None)
        """
    )
    pytester.makepyfile("def test_plain():\n    pass\n")
    result = pytester.runpytest("-s")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*MEASURED_TESTS False*", "*COLLECTOR False*"])


def test_a_fixture_requested_at_run_time_still_measures_and_reports(
    scripted_pytester: pytest.Pytester,
) -> None:
    scripted_pytester.makepyfile(
        """
        import itertools

        def test_dynamic(request, scripted):
            latency_sla = request.getfixturevalue("latency_sla")
            assert latency_sla.measure(scripted(itertools.repeat(1_000))).n == 3000
        """
    )
    result = scripted_pytester.runpytest("--latency-json=out.json")
    result.assert_outcomes(passed=1)
    (record,) = json.loads((scripted_pytester.path / "out.json").read_text())["results"]
    assert record["nodeid"].endswith("::test_dynamic") and record["n"] == 3000


@pytest.mark.parametrize(
    "source",
    [
        "pytestmark = pytest.mark.latency_sla(ms=50)\n\ndef test_a():\n    pass\n",
        "@pytest.mark.latency_sla(ms=50)\nclass TestA:\n    def test_a(self):\n        pass\n",
        "class TestA:\n    @pytest.mark.latency_sla(ms=50)\n    def test_a(self):\n        pass\n",
        "@pytest.mark.latency_sla(ms=50)\n@pytest.mark.parametrize('x', [1])\ndef test_a(x):\n    pass\n",
    ],
    ids=["module", "class", "method", "parametrized"],
)
def test_a_marker_at_any_level_registers_the_per_test_hooks(
    pytester: pytest.Pytester, source: str
) -> None:
    # without the hooks the marker-only body would run once, unmeasured
    pytester.makepyfile("import pytest\n\n" + source)
    result = pytester.runpytest("--latency-json=out.json", "--latency-max-time=0.05")
    result.assert_outcomes(passed=1)
    (record,) = json.loads((pytester.path / "out.json").read_text())["results"]
    assert record["n"] > 1


def test_a_marker_added_at_collection_registers_the_per_test_hooks(
    pytester: pytest.Pytester,
) -> None:
    pytester.makeconftest(
        """
        import pytest

        def pytest_collection_modifyitems(items):
            for item in items:
                item.add_marker(pytest.mark.latency_sla(ms=50))
        """
    )
    pytester.makepyfile("def test_a():\n    pass\n")
    result = pytester.runpytest("--latency-json=out.json", "--latency-max-time=0.05")
    result.assert_outcomes(passed=1)
    (record,) = json.loads((pytester.path / "out.json").read_text())["results"]
    assert record["n"] > 1
