"""A report read back from a file (``latency-sla merge``) is checked row by row before anything
renders it: a row without a key the reports read, or with a key of the wrong type, is refused
with one line naming the file, the row and the key (exit 2), never a traceback half-way through
the table. What the check lets through renders in every format."""

from __future__ import annotations

import copy
import json
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from pytest_latency_sla.cli import main
from pytest_latency_sla.reports import html, markdown
from pytest_latency_sla.reports.merge import MergeError, load_report
from pytest_latency_sla.reports.shape import ShapeError, check_result, required_keys
from pytest_latency_sla.reports.table import footnotes, render_text, rows, summary

THRESHOLD: dict[str, Any] = {
    "kind": "absolute", "percentile": 99.0, "budget_s": 0.001, "budget_text": "1 ms",
    "scale": 1.0, "estimate_s": 0.0018, "lower_s": 0.0015, "upper_s": None, "verdict": "fail",
    "confident": True, "margin": 0.55, "overkill": False, "overkill_threshold": 1000.0,
}  # fmt: skip
ROW: dict[str, Any] = {
    "nodeid": "t.py::test_missed", "outcome": "failed", "n": 10, "warmup": 10,
    "duration_s": 0.0128, "mean_s": 0.00128,
    "quantiles_s": {"50": 0.0012, "90": 0.0015, "99": 0.0018, "99.9": 0.0018, "max": 0.0018},
    "thresholds": [THRESHOLD], "stopped": "decided", "gc_collections": 0, "confidence": 0.95,
    "unstable": False, "half_medians_s": [0.0012, 0.0013], "near_timer_resolution": False,
    "timer_overhead_s": 0.0, "histogram": {"edges_s": [0.0008, 0.001, 0.002], "counts": [4, 6]},
}  # fmt: skip


def with_change(change: Callable[[dict[str, Any]], object]) -> dict[str, Any]:
    row = copy.deepcopy(ROW)
    change(row)
    return row


def report_of(*results: object) -> dict[str, Any]:
    return {"schema": "pytest-latency-sla/1", "created": "2026-11-30T00:00:00Z",
            "environment": {"python": "3.11.7", "mode": "enforce"}, "results": list(results)}  # fmt: skip


MALFORMED = [
    pytest.param(
        {"nodeid": "x", "outcome": "passed"},
        "results[0] ('x'): 'n' is missing (an integer)",
        id="missing-n",
    ),
    pytest.param(
        with_change(lambda r: r.pop("thresholds")),
        "results[0] ('t.py::test_missed'): 'thresholds' is missing (a list)",
        id="missing-thresholds",
    ),
    pytest.param(
        with_change(lambda r: r.update(thresholds={"p99": "1 ms"})),
        "results[0] ('t.py::test_missed'): 'thresholds' must be a list, got an object: "
        '{"p99": "1 ms"}',
        id="thresholds-not-a-list",
    ),
    pytest.param(
        with_change(lambda r: r["thresholds"][0].pop("verdict")),
        "results[0] ('t.py::test_missed'): 'thresholds[0].verdict' is missing "
        '("pass", "fail" or null)',
        id="threshold-without-verdict",
    ),
    pytest.param(
        with_change(lambda r: r.update(n="598")),
        "results[0] ('t.py::test_missed'): 'n' must be an integer, got a string: \"598\"",
        id="n-a-string",
    ),
    pytest.param(
        with_change(lambda r: r.update(n=True)),
        "results[0] ('t.py::test_missed'): 'n' must be an integer, got a boolean: true",
        id="n-a-boolean",
    ),
    pytest.param(
        with_change(lambda r: r["thresholds"][0].update(kind="relative")),
        "results[0] ('t.py::test_missed'): 'thresholds[0].kind' must be \"absolute\" or "
        '"ratio", got a string: "relative"',
        id="unknown-threshold-kind",
    ),
    pytest.param(
        with_change(lambda r: r["quantiles_s"].update({"50": "1.2 ms"})),
        "results[0] ('t.py::test_missed'): 'quantiles_s[\"50\"]' must be a number, got a "
        'string: "1.2 ms"',
        id="quantile-a-string",
    ),
    pytest.param(
        with_change(lambda r: r.update(histogram={"edges_s": [0.001]})),
        "results[0] ('t.py::test_missed'): 'histogram.counts' is missing (a list)",
        id="histogram-without-counts",
    ),
    pytest.param(
        with_change(lambda r: r.update(outcome="exploded")),
        'results[0] (\'t.py::test_missed\'): \'outcome\' must be "passed", "failed", "error", '
        '"skipped", "xfailed", "xpassed", "crashed" or "interrupted", got a string: "exploded"',
        id="unknown-outcome",
    ),
    pytest.param(
        [1, 2], "results[0]: the row must be an object, got a list: [1, 2]", id="row-not-an-object"
    ),
    pytest.param(
        with_change(lambda r: r.update(nodeid=7)),
        "results[0]: 'nodeid' must be a string, got an integer: 7",
        id="nodeid-a-number",
    ),
]


@pytest.mark.parametrize(("row", "error"), MALFORMED)
def test_a_malformed_row_is_one_line_and_exit_2(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    row: object,
    error: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("good.json").write_text(json.dumps(report_of(ROW)))
    Path("bad.json").write_text(json.dumps(report_of(row)))
    assert main(["merge", "good.json", "bad.json", "--html", "out.html"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == f"latency-sla merge: error: bad.json: {error}\n"
    assert not Path("out.html").exists()


def test_the_row_is_named_by_its_index_among_good_rows(tmp_path: Path) -> None:
    path = tmp_path / "r.json"
    second = with_change(lambda r: r.update(nodeid="t.py::test_b", thresholds=[{"kind": "ratio"}]))
    path.write_text(json.dumps(report_of(ROW, second)))
    with pytest.raises(MergeError) as raised:
        load_report(path)
    assert str(raised.value) == (
        f"{path}: results[1] ('t.py::test_b'): 'thresholds[0].percentile' is missing (a number)"
    )


@pytest.mark.parametrize(
    ("content", "error"),
    [
        ({"results": {"nodeid": "x"}}, "not a latency report (no list of results)"),
        ({"results": [], "environment": ["python 3.11"]},
         "the environment must be an object, got a list: [\"python 3.11\"]"),
        ({"results": [], "environment": {"scale": "2"}},
         "'environment.scale' must be a number, got a string: \"2\""),
    ],
)  # fmt: skip
def test_a_report_not_shaped_as_one_is_refused(
    tmp_path: Path, content: dict[str, Any], error: str
) -> None:
    path = tmp_path / "r.json"
    path.write_text(json.dumps({"schema": "pytest-latency-sla/1", **content}))
    with pytest.raises(MergeError) as raised:
        load_report(path)
    assert str(raised.value) == f"{path}: {error}"


def test_what_a_crashed_or_interrupted_row_has_no_need_of(tmp_path: Path) -> None:
    """Nothing was judged in a crashed or interrupted measurement: no thresholds needed. A
    threshold without ``kind`` is a budget; keys the records do not name are left alone."""
    crashed = {"nodeid": "t.py::test_c", "outcome": "crashed", "n": 0, "crash": "SIGSEGV"}
    stopped = {"nodeid": "t.py::test_i", "outcome": "interrupted", "n": 3, "quantiles_s": {}}
    old = with_change(lambda r: (r["thresholds"][0].pop("kind"), r.update(extra=[1])))
    path = tmp_path / "r.json"
    path.write_text(json.dumps(report_of(crashed, stopped, old)))
    assert [r["nodeid"] for r in load_report(path)["results"]] == [
        "t.py::test_c", "t.py::test_i", "t.py::test_missed"
    ]  # fmt: skip
    assert required_keys(crashed) == ("nodeid", "n")
    assert required_keys({"capacity": {}}) == ("nodeid", "n", "thresholds", "confidence")


def render_all(result: dict[str, Any], environment: Any) -> None:
    report: Any = {"schema": "pytest-latency-sla/1", "created": "", "environment": environment,
                   "results": [result]}  # fmt: skip
    summary(report["results"], environment)
    render_text(rows(report["results"]))
    footnotes(report["results"])
    markdown.render(report)
    html.render(report)


@pytest.mark.slow
def test_every_row_the_check_lets_through_renders(every_kind_report: Path) -> None:
    """Every kind of row from real runs passes; without any key the check does not require,
    it still renders in every format; and so does every seeded random corruption of a row
    (keys dropped, values of another JSON type) that the check lets through."""
    report = json.loads(every_kind_report.read_text())
    results, environment = report["results"], report["environment"]
    load_report(every_kind_report)
    for row in results:
        for key in set(row) - set(required_keys(row)):
            render_all({k: v for k, v in row.items() if k != key}, environment)
    values: list[object] = [None, "x", 0, -1, 1.5, True, [], {}, [1], {"a": 1}, "50"]
    rng = random.Random(20261130)
    passed = 0
    for _ in range(3000):
        row = copy.deepcopy(rng.choice(results))
        for _ in range(rng.randint(1, 3)):
            parent, key = _somewhere(row, rng)
            if isinstance(parent, dict) and rng.random() < 0.4:
                del parent[key]
            else:
                parent[key] = copy.deepcopy(rng.choice(values))
        try:
            check_result(row, 0, "r.json")
        except ShapeError:
            continue
        render_all(row, environment)
        passed += 1
    assert 300 < passed < 2700  # the corruptions both pass and fail the check


def _somewhere(row: dict[str, Any], rng: random.Random) -> tuple[Any, Any]:
    """A random (container, key or index) anywhere inside ``row``."""
    places: list[tuple[Any, Any]] = []

    def walk(value: Any) -> None:
        keys = value.keys() if isinstance(value, dict) else range(len(value))
        for key in list(keys):
            places.append((value, key))
            if isinstance(value[key], (dict, list)):
                walk(value[key])

    walk(row)
    return rng.choice(places)
