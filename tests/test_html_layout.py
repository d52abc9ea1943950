"""The HTML report in a real headless Chromium, at 1400 px (a desktop) and at 400 px (a
phone), measured in the page: nothing runs off the screen except a table that scrolls on
purpose, no table cell narrower than its column's name, no short threshold or estimate broken
over two lines, every verdict on the screen, chart
labels whole and readable, test ids wrapping only at ``/``, ``::`` and ``[``. The report holds
every kind of row, from real runs (``tests/report_kinds.py``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from pytest_latency_sla.reports.html import write_html
from pytest_latency_sla.reports.phrases import ONE_LINE
from pytest_latency_sla.reports.style import CSS
from pytest_latency_sla.reports.table import HEADER
from tests.browser import layout, opened
from tests.report_kinds import LONG_ID, NAMES, TEST_FILE
from tests.test_reports import TWO_TESTS

pytestmark = pytest.mark.slow


def html_of(report: Path) -> Path:
    return report.with_name("every.html")


@pytest.mark.parametrize("width", [1400, 400])
def test_every_kind_of_row_fits_the_screen(
    browser: Any, every_kind_report: Path, width: int
) -> None:
    with opened(browser, html_of(every_kind_report), width) as page:
        found = layout(page, one_line=ONE_LINE)
        assert found["problems"] == []
        # wide: a table of eight columns; narrow: one card per row, its values labelled
        shape = page.evaluate(
            """() => ({
              head: getComputedStyle(document.querySelector('table.results thead')).display,
              rows: document.querySelectorAll('table.results tbody tr').length,
              row: getComputedStyle(document.querySelector('table.results tbody tr')).display,
              label: getComputedStyle(
                document.querySelector('table.results tbody td:nth-child(6)'), '::before'
              ).content,
            })"""
        )
        rows = page.evaluate("document.querySelectorAll('table.results tbody tr').length")
    assert rows == 16  # every kind of row: two stacked, a comparison's two, a stored regression's
    if width == 1400:
        assert (shape["head"], shape["row"]) == ("table-header-group", "table-row")
    else:
        assert (shape["head"], shape["row"], shape["label"]) == ("none", "flex", '"n"')
    # ids wrap only after "/" or "::", before "[", or beside the ellipsis of a shortened id
    odd = [
        (test, a, b)
        for test, a, b in found["breaks"]
        if not (a in "/:" or b == "[" or "\u2026" in (a, b))
    ]
    assert odd == []
    long_breaks = [(a, b) for test, a, b in found["breaks"] if test.endswith(LONG_ID[-40:])]
    assert long_breaks, "the 300-character id is longer than any column: it must wrap"


@pytest.mark.parametrize("width", [1400, 400])
def test_short_values_stay_whole_beside_long_ids(
    browser: Any, every_kind_report: Path, tmp_path: Path, width: int
) -> None:
    """Without a load run's details to widen it, the threshold column is as narrow as the table
    lets it be beside a 300-character id: ``p99 <= 1 ms`` and ``16.3 us [15.3 us, 17.9 us]``
    still read on one line; a longer value breaks only between its phrases."""
    report = json.loads(every_kind_report.read_text())
    report["results"] = [r for r in report["results"] if "load" not in r]
    write_html(tmp_path / "no-load.html", report)
    with opened(browser, tmp_path / "no-load.html", width) as page:
        found = layout(page, one_line=ONE_LINE)
        cells = page.evaluate(
            """() => [...document.querySelectorAll(
                'table.results tbody td:nth-child(2), table.results tbody td:nth-child(3)')]
              .map(td => td.textContent)"""
        )
    assert found["problems"] == []
    short = [c for c in cells if 10 < len(c) < ONE_LINE]
    assert len(short) >= 20 and all(" " not in c for c in short)  # numbers kept with units
    assert "p99\u00a0<=\u00a01\u00a0ms" in cells
    longer = [c for c in cells if len(c) >= ONE_LINE]
    assert longer == ["holds\u00a010,000/s, misses\u00a010,600/s"]  # may break after ","


def test_the_layout_check_finds_a_short_value_broken_in_two(browser: Any, tmp_path: Path) -> None:
    """The check itself: a threshold as plain text in a column squeezed to its longest word is
    found."""
    head = "".join(f"<th>{h}</th>" for h in HEADER)
    cells = "<td>t.py::t</td><td style='width:1px'>p99 &lt;= 5 ms</td>" + "<td>-</td>" * 6
    (tmp_path / "squeezed.html").write_text(
        f"<style>{CSS}</style><table class=results><thead><tr>{head}</tr></thead>"
        f"<tbody><tr>{cells}</tr></tbody></table>"
    )
    with opened(browser, tmp_path / "squeezed.html", 1400) as page:
        found = layout(page, one_line=ONE_LINE)
    short = [p for p in found["problems"] if p.startswith("short value")]
    assert len(short) == 1 and short[0].startswith('short value "p99 <= 5 ms" wraps onto '), short


@pytest.mark.parametrize("width", [1400, 400])
def test_charts_take_the_width_of_their_card(
    browser: Any, every_kind_report: Path, width: int
) -> None:
    with opened(browser, html_of(every_kind_report), width) as page:
        sizes = page.evaluate(
            """() => [...document.querySelectorAll('.card svg.chart')].map(svg => {
              const card = svg.closest('.card');
              const style = getComputedStyle(card);
              const inner = card.clientWidth - parseFloat(style.paddingLeft) -
                parseFloat(style.paddingRight);
              return [svg.getBoundingClientRect().width, inner];
            })"""
        )
    # a histogram per result with samples, the capacity search's chart: each card-wide
    assert len(sizes) == 12
    assert all(abs(svg - inner) <= 1 for svg, inner in sizes), sizes


def test_the_headroom_chart_shows_every_threshold_by_margin(
    browser: Any, every_kind_report: Path
) -> None:
    with opened(browser, html_of(every_kind_report), 1400) as page:
        blocks = page.evaluate(
            """() => [...document.querySelectorAll('.headroom .hr-rows')].map(list =>
              [...list.children].map(li => {
                const track = li.querySelector('.track').getBoundingClientRect();
                const at = (cls) => {
                  const el = li.querySelector('.' + cls);
                  if (!el) return null;
                  const r = el.getBoundingClientRect();
                  return (r.left + r.width / 2 - track.left) / track.width;
                };
                return {
                  name: li.querySelector('a').textContent,
                  href: li.querySelector('a').getAttribute('href'),
                  margin: parseFloat(li.querySelector('.m').textContent.replace(/,/g, '')),
                  tone: li.className,
                  colour: getComputedStyle(li.querySelector('.e')).backgroundColor,
                  estimate: at('e'), budget: at('t'),
                  zone: li.querySelector('.z') ? li.querySelector('.z').getBoundingClientRect().width : 0,
                };
              }))"""
        )
    absolute, ratios = blocks
    # every absolute threshold of the run, tightest first
    assert len(absolute) == 9 and len(ratios) == 2
    assert [row["margin"] for row in absolute] == sorted(row["margin"] for row in absolute)
    assert absolute[0]["name"].startswith("test_missed") and absolute[0]["tone"] == "bad"
    assert absolute[-1]["name"].startswith("test_absolute_overkill")
    # a miss lies right of its budget, a pass left of it, 3,062x under budget far left of it
    assert absolute[0]["estimate"] > absolute[0]["budget"]
    assert all(row["estimate"] < row["budget"] for row in absolute[1:])
    overkill = absolute[-1]
    assert overkill["budget"] - overkill["estimate"] > 0.3
    # the overkill zone is shaded where it is on the axis (the 50 ms budgets), not elsewhere
    assert overkill["zone"] > 0 and absolute[0]["zone"] == 0
    # verdict colours: red, amber, green
    colours = {row["tone"]: row["colour"] for row in absolute}
    assert colours == {"bad": "rgb(207, 34, 46)", "unsure": "rgb(154, 103, 0)",
                       "good": "rgb(26, 127, 55)"}  # fmt: skip
    # ratios on their own axis: the stored regression (0.62x) first, then the comparison
    assert [r["name"].split(" ")[0] for r in ratios] == ["test_regression", "test_int8_vs_fp32"]
    assert ratios[0]["estimate"] > ratios[0]["budget"] and ratios[0]["tone"] == "bad"
    # each row links to its test's card
    assert all(row["href"].startswith("#r") for row in absolute + ratios)


def test_crash_and_interrupt_reasons_are_on_the_page(browser: Any, every_kind_report: Path) -> None:
    with opened(browser, html_of(every_kind_report), 400) as page:
        reasons = page.evaluate(
            """() => [...document.querySelectorAll('.card .reason')].map(p => {
              const r = p.getBoundingClientRect();
              return [p.closest('.card').querySelector('h3 code').textContent, p.textContent,
                      r.width > 0 && r.right <= document.documentElement.clientWidth];
            })"""
        )
    assert [tuple(r) for r in reasons] == [
        (f"{TEST_FILE}::test_crashed", "measured call crashed: SIGSEGV (signal 11)", True),
        (f"{TEST_FILE}::test_interrupted", reasons[1][1], True),
    ]
    assert reasons[1][1].startswith("interrupted after n=")


def test_ids_are_shown_never_run(browser: Any, scripted_pytester: pytest.Pytester) -> None:
    scripted_pytester.makepyfile(
        TWO_TESTS.replace("<script>alert(1)</script>", "<script>document.title='pwned'</script>")
    )
    scripted_pytester.runpytest("--latency-html=r.html")
    with opened(browser, scripted_pytester.path / "r.html", 1400) as page:
        title = page.title()
        texts = page.evaluate(
            "[...document.querySelectorAll('td.id code')].map(c => c.textContent)"
        )
        charts = page.evaluate("document.querySelectorAll('svg.chart').length")
    assert title == "Latency SLA report"
    assert any(t.endswith("::test_slow[<script>document.title='pwned'</script>]") for t in texts)
    assert charts == 3


def test_every_kind_of_row_is_in_the_report(every_kind_report: Path) -> None:
    from tests.report_kinds import results

    found = results(every_kind_report)
    assert set(found) == set(NAMES)
    assert found["test_crashed"]["crash"] == "SIGSEGV (signal 11)"
    assert found["test_interrupted"]["outcome"] == "interrupted"
    assert found["test_regression"]["thresholds"][1]["against"] == "stored"
    assert "capacity" in found["test_capacity"] and "load" in found["test_under_load"]
    assert len(next(r["nodeid"] for n, r in found.items() if n == "test_long_id")) == 300
