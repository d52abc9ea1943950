"""What the HTML and Markdown reports draw and say, read from their text: the headroom chart,
captions that name only what a chart draws, counts in words, comparison overlays, crash and
interrupt reasons, a load threshold short enough for a Markdown column."""

from __future__ import annotations

import json
import re
from html import unescape
from pathlib import Path
from typing import Any, cast

import pytest

from pytest_latency_sla.messages.common import shorten_middle
from pytest_latency_sla.records import ReportDict, ResultDict
from pytest_latency_sla.reports.headroom import headroom
from pytest_latency_sla.reports.histogram import histogram
from pytest_latency_sla.reports.html import render
from pytest_latency_sla.reports.markdown import render as render_markdown
from pytest_latency_sla.reports.phrases import phrases
from tests.report_kinds import TEST_FILE


def threshold(
    budget: float, estimate: float, margin: float | None = None, **extra: Any
) -> dict[str, Any]:
    found = {
        "kind": "absolute", "percentile": 99.0, "budget_s": budget,
        "budget_text": f"{budget * 1e3:g} ms", "scale": 1.0, "estimate_s": estimate,
        "lower_s": estimate * 0.9, "upper_s": estimate * 1.1,
        "verdict": "pass" if estimate <= budget else "fail", "confident": True,
        "margin": budget / estimate if margin is None else margin, "overkill": False,
        "overkill_threshold": 1000.0,
    }  # fmt: skip
    found.update(extra)
    return found


def result(nodeid: str, thresholds: list[dict[str, Any]], **extra: Any) -> ResultDict:
    edges = [1e-5 * 1.1**i for i in range(11)]
    found: dict[str, Any] = {
        "nodeid": nodeid, "outcome": "passed", "n": 12, "warmup": 5, "duration_s": 0.1,
        "mean_s": 1.5e-5, "quantiles_s": {"50": 1.4e-5, "99": 2.3e-5, "max": 2.4e-5},
        "thresholds": thresholds, "stopped": "decided", "confidence": 0.95,
        "histogram": {"edges_s": edges, "counts": [0, 1, 3, 4, 2, 0, 0, 1, 0, 1]},
    }  # fmt: skip
    found.update(extra)
    return cast(ResultDict, found)


def caption_of(html: str) -> str:
    found = re.search(r'<p class="caption">([^<]*)</p>', html)
    assert found is not None, html
    return found.group(1)


def test_counts_are_in_words_one_call_two_calls() -> None:
    html = histogram(result("t.py::test", [threshold(2.2e-5, 2.3e-5)]))
    assert ": 1 call</title>" in html and ": 3 calls</title>" in html
    assert "1 calls" not in html
    lone = result("t.py::test", [], histogram={"edges_s": [1e-5, 2e-5], "counts": [1]})
    assert "the tallest 1 call;" in caption_of(histogram(lone)) + ";"


def test_a_caption_names_only_what_its_chart_draws() -> None:
    drawn = caption_of(histogram(result("t.py::test", [threshold(2.2e-5, 2.3e-5)])))
    assert drawn == (
        "Per-call latency (linear time axis); bar height: calls per bin, the tallest 4 calls; "
        "red bars: calls over the budget; dashed red: budget; solid blue: measured percentile; "
        "shaded: the confidence bounds."
    )
    # a budget 2,000x away is an arrow at the edge, not a dashed line: the caption says neither
    far = histogram(result("t.py::test", [threshold(5e-2, 2.3e-5)]))
    assert "budget 50 ms (2,174x margin) \u2192" in far
    assert "dashed red" not in caption_of(far) and "red bars" not in caption_of(far)
    # an interrupted measurement: its samples, no mark
    interrupted = histogram(result("t.py::test", [], outcome="interrupted"))
    assert caption_of(interrupted) == (
        "Per-call latency (linear time axis); bar height: calls per bin, the tallest 4 calls."
    )
    # measure(): no budget, its p99 marked
    measured = histogram(result("t.py::test", []))
    assert "p99 = 23.0 us" in measured and "solid blue: measured percentile" in measured
    assert "budget" not in caption_of(measured)


def test_a_comparison_overlays_its_baseline_on_the_same_bins() -> None:
    edges = [1e-5 * 1.1**i for i in range(11)]
    ratio = {
        "kind": "ratio", "percentile": 50.0, "ratio": 0.8, "against": "baseline",
        "estimate": 0.7, "lower": 0.65, "upper": 0.75, "verdict": "pass", "confident": True,
        "margin": 1.14, "candidate_s": 1.4e-5, "baseline_s": 2.0e-5, "baseline_n": 12,
    }  # fmt: skip
    side = {"n": 12, "warmup": 5, "mean_s": 2e-5, "quantiles_s": {"50": 2e-5}, "unstable": False,
            "half_medians_s": None, "near_timer_resolution": False,
            "histogram": {"edges_s": edges, "counts": [0, 0, 0, 1, 2, 5, 3, 1, 0, 0]}}  # fmt: skip
    compared = result("t.py::test", [ratio], baseline=side, candidate=dict(side))
    html = histogram(compared)
    assert 'stroke="#d97706" stroke-width="2"' in html  # the baseline's outline
    assert "candidate p50 = 14.0 us" in html and "baseline p50 = 20.0 us" in html
    assert "bars: candidate, orange outline: baseline" in caption_of(html)
    # another bin layout cannot be overlaid: no outline, and the caption does not claim one
    side["histogram"] = {"edges_s": [1.0, 2.0], "counts": [1]}
    alone = histogram(compared)
    assert "orange outline" not in caption_of(alone) and 'stroke-width="2"><line' not in alone
    card = render(cast(ReportDict, {"results": [compared], "environment": {}}))
    assert "candidate: n 12" in card and "baseline: n 12, p50 20.0 us" in card


def test_the_headroom_chart_sorts_by_margin_and_keeps_ratios_apart() -> None:
    ratio = {
        "kind": "ratio", "percentile": 99.0, "ratio": 1.1, "against": "stored",
        "estimate": 1.5, "lower": 1.3, "upper": None, "verdict": "fail", "confident": True,
        "margin": 0.73, "candidate_s": 3e-5, "baseline_s": 2e-5, "baseline_n": 100,
    }  # fmt: skip
    results = [
        result("a.py::test_roomy", [threshold(1e-3, 2e-5)]),
        result("a.py::test_tight", [threshold(2.2e-5, 2e-5), ratio]),
        result("a.py::test_overkill", [threshold(1.0, 2e-5, overkill=True)]),
        result("a.py::test_crashed", [], outcome="crashed", n=0),
    ]
    html = headroom(results)
    names = re.findall(r"<span class=w>(test_\w+)</span>", html)
    assert names == ["test_tight", "test_roomy", "test_overkill", "test_tight"]
    blocks = html.split('<ol class="hr-rows')
    absolute_rows = blocks[1].split("</ol>")[0]
    assert len(blocks) == 3 and "1.1x stored" in blocks[2] and "stored" not in absolute_rows
    # the overkill zone: only the 1 s budget's reaches onto the axis
    assert blocks[1].count('<i class="z"') == 1
    assert "shaded, the overkill zone" in html
    assert '<a href="#r1">' in blocks[1] and '<a href="#r2">' in blocks[1]
    assert headroom([results[3]]) == ""  # nothing to draw: no section


def test_a_long_id_in_the_headroom_keeps_its_file_its_test_and_its_end() -> None:
    """A row names its test after the file; an id too long for that is shortened in the middle,
    its file and test at the start and its last parameters at the end, an ellipsis where it may
    wrap; the row's title holds the whole id. A ``::`` inside a parameter does not cut the
    name."""
    repeated = "a/b::c[d]" * 20
    params = "tests/models/test_m.py::test_long[" + "-".join(f"model{i}" for i in range(40)) + "]"
    inner = "t.py::TestA::test_x[a::b]"
    html = headroom([result(i, [threshold(1e-3, 2e-5 * (1 + n))])
                     for n, i in enumerate((repeated, params, inner))])  # fmt: skip
    found = re.findall(r'<li class="\w*" title="([^"]*)"><a href="#r(\d)"><code>(.*?)</code>', html)
    rows = {int(r): (unescape(title), unescape(re.sub(r"<[^>]+>", "", code)))
            for title, r, code in found}  # fmt: skip
    name = rows[0][1]
    assert name == shorten_middle(repeated, 130).replace("...", "\u2026") and len(name) == 128
    assert name.startswith("a/b::c[d]a/b::c[d]") and name.endswith("a/b::c[d]a/b::c[d]")
    assert rows[1][1].startswith("tests/models/test_m.py::test_long[model0-model1-")
    assert rows[1][1].endswith("-model38-model39]") and "\u2026" in rows[1][1]
    assert rows[2][1] == "TestA::test_x[a::b]"
    for index, test_id in enumerate((repeated, params, inner)):
        assert rows[index][0].startswith(f"{test_id}: p99 <= 1 ms, ")
    # the threshold beside the name never breaks inside
    assert "</code> p99&nbsp;&lt;=&nbsp;1&nbsp;ms</a>" in html


@pytest.mark.parametrize(
    ("text", "html"),
    [
        ("p99 <= 5 ms", "p99&nbsp;&lt;=&nbsp;5&nbsp;ms"),
        ("201 ns [140 ns, 350 ns]", "201&nbsp;ns&nbsp;[140&nbsp;ns,&nbsp;350&nbsp;ns]"),
        ("p99 <= 100 ms (50 ms x 2) @ 28,000/s",
         "p99&nbsp;&lt;=&nbsp;100&nbsp;ms&nbsp;(50&nbsp;ms&nbsp;x&nbsp;2) @&nbsp;28,000/s"),
        ("p99 <= 50 ms: 16.3 us [15.3 us, 17.9 us], pass overkill",
         "p99&nbsp;&lt;=&nbsp;50&nbsp;ms: 16.3&nbsp;us [15.3&nbsp;us,&nbsp;17.9&nbsp;us], "
         "pass&nbsp;overkill"),
        ("holds 10,000/s, misses 10,600/s", "holds&nbsp;10,000/s, misses&nbsp;10,600/s"),
        ("capacity: p99 <= 1 ms holds at 10,000/s and misses at 10,600/s (95% confident each)",
         "capacity: p99&nbsp;&lt;=&nbsp;1&nbsp;ms holds at 10,000/s and misses at 10,600/s "
         "(95% confident each)"),
    ],
)  # fmt: skip
def test_a_value_breaks_only_between_its_phrases(text: str, html: str) -> None:
    """Under 30 characters, one unit; longer, plain spaces only between phrases; a sentence
    wraps between words, but never inside ``p99 <= 1 ms``."""
    assert phrases(text) == html


def test_a_long_run_s_headroom_scrolls_inside_itself() -> None:
    many = [result(f"a.py::test_{i}", [threshold(1e-3, 1e-5 * (1 + i))]) for i in range(30)]
    assert '<ol class="hr-rows long">' in headroom(many)
    assert '<ol class="hr-rows">' in headroom(many[:5])


@pytest.mark.slow
def test_markdown_keeps_a_load_threshold_short_and_says_why_rows_ended(
    every_kind_report: Path,
) -> None:
    markdown = every_kind_report.with_name("every.md").read_text()
    rows = {line.split(" | ")[0]: line for line in markdown.splitlines() if line.startswith("| `")}
    load = rows[f"| `{TEST_FILE}::test_under_load`"]
    assert "| p99 &lt;= 50 ms @ 28,000/s <sup>1</sup> |" in load
    assert "served" not in load and "start delay" not in load
    footnote = next(line for line in markdown.splitlines() if line.startswith("- <sup>1</sup>"))
    assert re.fullmatch(
        rf"- <sup>1</sup> `{TEST_FILE}::test_under_load`: served 2\d,\d\d\d/s, start delay p99 "
        r"[\d.]+ [mun]?s",
        footnote,
    )
    assert f"- `{TEST_FILE}::test_crashed`: measured call crashed: SIGSEGV (signal 11)" in markdown
    assert re.search(rf"- `{TEST_FILE}::test_interrupted`: interrupted after n=\d+", markdown)
    # the same report rendered again from its JSON says the same
    report = json.loads(every_kind_report.read_text())
    assert render_markdown(report).split("\n", 3)[3] == markdown.split("\n", 3)[3]
