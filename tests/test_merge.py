"""Merging the JSON reports of several shards or jobs: node-id order, duplicates kept with their
source, other schemas refused."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from pytest_latency_sla.messages.report import session_notes
from pytest_latency_sla.records import ReportDict
from pytest_latency_sla.reports.merge import MergeError, load_report, merge_reports
from pytest_latency_sla.reports.table import rows


def report(*nodeids: str, mode: str = "enforce", cpu: str = "CPU A") -> ReportDict:
    results: list[Any] = [
        {"nodeid": nodeid, "outcome": "passed", "n": 598, "thresholds": [], "quantiles_s": {}}
        for nodeid in nodeids
    ]
    return {
        "schema": "pytest-latency-sla/1",
        "created": "2026-11-30T00:00:00Z",
        "environment": {"cpu": cpu, "mode": mode, "scale": 1.0},  # type: ignore[typeddict-item]
        "results": results,
    }


def test_results_come_in_node_id_order_from_every_shard() -> None:
    merged = merge_reports(
        [("a.json", report("t_b.py::test_2", "t_a.py::test_1")), ("b.json", report("t_a.py::z"))]
    )
    assert [r["nodeid"] for r in merged["results"]] == [
        "t_a.py::test_1",
        "t_a.py::z",
        "t_b.py::test_2",
    ]
    assert all("source" not in r for r in merged["results"])
    assert merged["environment"]["merged_from"] == ["a.json", "b.json"]
    assert merged["schema"] == "pytest-latency-sla/1"


def test_a_test_measured_in_two_files_is_reported_twice_with_its_source() -> None:
    merged = merge_reports([("a.json", report("t.py::test")), ("b.json", report("t.py::test"))])
    assert [(r["nodeid"], r.get("source")) for r in merged["results"]] == [
        ("t.py::test", "a.json"),
        ("t.py::test", "b.json"),
    ]
    assert [row[0] for row in rows(merged["results"])] == [
        "t.py::test (from a.json)",
        "t.py::test (from b.json)",
    ]


def test_settings_the_sources_disagree_on_are_dropped() -> None:
    merged = merge_reports(
        [("a.json", report("t::a", mode="warn")), ("b.json", report("t::b", mode="enforce"))]
    )
    assert "mode" not in merged["environment"] and merged["environment"]["scale"] == 1.0


def scaled(nodeid: str, scale: float, source: str | None) -> ReportDict:
    found = report(nodeid)
    found["environment"]["scale"] = scale
    if source is not None:
        found["environment"]["scale_source"] = source
    return found


def test_a_scale_s_source_is_kept_only_where_every_report_names_it() -> None:
    env, ini = "environment variable LATENCY_SLA_SCALE", "ini latency_scale"
    same = merge_reports([("a.json", scaled("t::a", 2, env)), ("b.json", scaled("t::b", 2, env))])
    assert (same["environment"]["scale"], same["environment"]["scale_source"]) == (2, env)
    # the same scale from two sources, in either order: the scale stays, no source is named
    for first, second in ((env, ini), (ini, env)):
        both = merge_reports(
            [("a.json", scaled("t::a", 2, first)), ("b.json", scaled("t::b", 2, second))]
        )
        assert both["environment"]["scale"] == 2 and "scale_source" not in both["environment"]
        assert session_notes(both["environment"]) == ["Budgets scaled by 2."]
    # different scales: neither the scale nor a source is kept
    apart = merge_reports([("a.json", scaled("t::a", 2, env)), ("b.json", scaled("t::b", 3, env))])
    assert "scale" not in apart["environment"] and "scale_source" not in apart["environment"]
    # an older report, without a source, first: none is made up
    old = merge_reports([("a.json", scaled("t::a", 2, None)), ("b.json", scaled("t::b", 2, None))])
    assert session_notes(old["environment"]) == ["Budgets scaled by 2."]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "a.json: cannot read it: No such file or directory"),
        ("{not json", "a.json: not JSON"),
        ('{"schema": "pytest-latency-sla/1"}', "a.json: not a latency report (no list of results)"),
        (
            '{"schema": "pytest-latency-sla/2", "results": []}',
            "a.json: schema 'pytest-latency-sla/2', but merge reads 'pytest-latency-sla/1' "
            "reports only",
        ),
        (
            '{"schema": "pytest-latency-sla-baseline/1", "results": []}',
            "a.json: schema 'pytest-latency-sla-baseline/1', but merge reads",
        ),
    ],
)
def test_files_that_are_not_reports_are_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, content: str | None, message: str
) -> None:
    monkeypatch.chdir(tmp_path)
    if content is not None:
        Path("a.json").write_text(content)
    with pytest.raises(MergeError) as raised:
        load_report("a.json")
    assert str(raised.value).startswith(message)


def test_a_report_round_trips(tmp_path: Path) -> None:
    path = tmp_path / "r.json"
    path.write_text(json.dumps(report("t::a")))
    assert load_report(path)["results"][0]["nodeid"] == "t::a"
    with pytest.raises(MergeError, match="no reports to merge"):
        merge_reports([])
