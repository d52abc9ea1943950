"""pytest-html's report carries each measured test's latency (a column, and the test's chart
in the row's extras), in one process and under xdist, checked in a real browser; without
pytest-html, or without ``--html``, nothing of it is imported."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.browser import layout, opened

pytestmark = pytest.mark.slow  # real pytest processes, pytest-html for real, a browser

SUITE = """
import itertools, os, signal, pytest

@pytest.mark.latency_sla(ms=50, overkill=None)
@pytest.mark.latency_sla(us=500, percentile=50)
def test_stacked(latency_sla, scripted):
    latency_sla(scripted(itertools.repeat(7_100)))

@pytest.mark.latency_sla(ms=1)
def test_missed(latency_sla, scripted):
    latency_sla(scripted(itertools.repeat(2_000_000)))

@pytest.mark.latency_sla(ms=50, overkill=None)
def test_twice(latency_sla, scripted):
    latency_sla(scripted(itertools.repeat(1_000_000)))
    latency_sla(scripted(itertools.repeat(2_000_000)))

def segfault():
    os.kill(os.getpid(), signal.SIGSEGV)

@pytest.mark.latency_sla(ms=50, isolate=True)
def test_crashed(latency_sla):
    latency_sla(segfault)

def test_not_measured():
    pass
"""

# Read in the page: each result row's test id, latency cell lines, and charts in its extras.
ROWS_JS = """() => [...document.querySelectorAll('#results-table tbody.results-table-row')].map(
  body => ({
    test: body.querySelector('td.col-testId').textContent,
    latency: [...body.querySelectorAll('td.col-latency div')].map(
      d => d.textContent.replace(/\u00a0/g, ' ')),
    charts: [...body.querySelectorAll('.extraHTML svg.chart')].map(svg => {
      const box = svg.closest('.extraHTML').getBoundingClientRect();
      return [svg.getBoundingClientRect().width, box.width];
    }),
    reasons: [...body.querySelectorAll('.extraHTML .reason')].map(p => p.textContent),
  }))"""


@pytest.mark.parametrize("workers", [0, 2])
def test_pytest_html_rows_carry_the_latency_and_its_chart(
    browser: Any, scripted_pytester: pytest.Pytester, workers: int
) -> None:
    scripted_pytester.makepyfile(test_suite=SUITE)
    xdist = ["-n", str(workers)] if workers else []
    result = scripted_pytester.runpytest_subprocess(
        *xdist, "--html=out/report.html", "--self-contained-html", "--latency-json=r.json"
    )
    result.assert_outcomes(passed=3, failed=2)
    page = scripted_pytester.path / "out" / "report.html"
    with opened(browser, page, 1400) as tab:
        header = tab.evaluate(
            "[...document.querySelectorAll('#results-table thead th')].map(t => t.textContent)"
        )
        tab.click("#show_all_details")  # every row's extras open
        rows = {row["test"]: row for row in tab.evaluate(ROWS_JS)}
        found = layout(tab, scrollers=".scroll, .extra", ids=".extraHTML code")
    assert header[:3] == ["Result", "Test", "Latency"]
    name = "test_suite.py::"
    assert rows[name + "test_stacked"]["latency"] == [
        "p50 <= 500 us: 7.10 us [7.10 us, 7.10 us], pass",
        "p99 <= 50 ms: 7.10 us [7.10 us, 7.10 us], pass",
    ]
    assert rows[name + "test_missed"]["latency"] == ["p99 <= 1 ms: 2.00 ms [2.00 ms, -], FAIL"]
    assert rows[name + "test_twice"]["latency"] == [
        "p99 <= 50 ms: 1.00 ms [1.00 ms, 1.00 ms], pass",
        "#2: p99 <= 50 ms: 2.00 ms [2.00 ms, 2.00 ms], pass",
    ]
    assert rows[name + "test_crashed"]["latency"] == ["measured call crashed: SIGSEGV (signal 11)"]
    assert rows[name + "test_crashed"]["reasons"] == ["measured call crashed: SIGSEGV (signal 11)"]
    assert rows[name + "test_not_measured"]["latency"] == []
    # a chart per measurement, as wide as the row's extras
    charts = {test[len(name) :]: row["charts"] for test, row in rows.items()}
    assert {test: len(c) for test, c in charts.items()} == {
        "test_stacked": 1, "test_missed": 1, "test_twice": 2, "test_crashed": 0,
        "test_not_measured": 0,
    }  # fmt: skip
    assert all(abs(svg - box) <= 2 for c in charts.values() for svg, box in c)
    assert [p for p in found["problems"] if "chart label" in p] == []
    # the plugin's own JSON report is as without pytest-html
    records = json.loads((scripted_pytester.path / "r.json").read_text())["results"]
    assert len(records) == 5


LONG_ID_SUITE = """
import itertools, pytest

@pytest.mark.parametrize("model", [1], ids=["resnet50_v1_5_int8_batch32_" * 15])
@pytest.mark.latency_sla(ms=50, overkill=None)
@pytest.mark.latency_sla(us=500, percentile=50)
def test_long(latency_sla, scripted, model):
    latency_sla(scripted(itertools.repeat(7_100)))

@pytest.mark.latency_sla(ms=1)
def test_short(latency_sla, scripted):
    latency_sla(scripted(itertools.repeat(2_000_000)))
"""

# Read in the page: each latency cell's width inside its padding, and its widest phrase (the
# parts of its lines between the places a line may break: after a colon, after a comma outside
# the bounds, before the bounds, before "@ rate"), as wide as it is drawn in the cell's font.
LATENCY_WIDTHS_JS = r"""() => {
  const probe = document.createElement('span');
  probe.style.cssText = 'position:absolute;visibility:hidden;white-space:nowrap';
  document.body.appendChild(probe);
  const found = [...document.querySelectorAll('td.col-latency')].filter(td => td.textContent)
    .map(td => {
      const style = getComputedStyle(td);
      probe.style.font = style.font;
      let widest = 0, part = '';
      for (const div of td.querySelectorAll('div')) {
        const text = div.textContent.replace(/\u00a0/g, ' ');
        for (const piece of text.split(/(?<=:) |(?<=,) (?![^\[]*\])| (?=\[)| (?=@ )/)) {
          probe.textContent = piece;
          const width = probe.getBoundingClientRect().width;
          if (width > widest) { widest = width; part = piece; }
        }
      }
      const inner = td.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
      return {inner, widest, part, test: td.parentElement.querySelector('td.col-testId').getBoundingClientRect().width};
    });
  probe.remove();
  return found;
}"""


def test_a_long_test_id_does_not_squeeze_the_latency_column(
    browser: Any, scripted_pytester: pytest.Pytester
) -> None:
    """pytest-html lets a 400-character id with no place to wrap widen its Test column past the
    screen (about 2,500 px); the Latency column keeps a readable width, never narrower than the
    widest phrase of its lines."""
    scripted_pytester.makepyfile(test_suite=LONG_ID_SUITE)
    result = scripted_pytester.runpytest_subprocess("--html=report.html", "--self-contained-html")
    result.assert_outcomes(passed=1, failed=1)
    with opened(browser, scripted_pytester.path / "report.html", 1400) as tab:
        cells = tab.evaluate(LATENCY_WIDTHS_JS)
        em = tab.evaluate(
            "parseFloat(getComputedStyle(document.querySelector('td.col-latency')).fontSize)"
        )
    assert len(cells) == 2 and all(c["test"] > 2000 for c in cells)  # the Test column, in px
    for cell in cells:
        assert cell["widest"] > 0 and cell["inner"] + 0.5 >= cell["widest"], cell
        assert cell["inner"] >= 16 * em, cell  # a readable column, not a word per line


NO_PYTEST_HTML = """
import sys

def pytest_sessionfinish(session):
    loaded = sorted(m for m in sys.modules if m.startswith(("pytest_html", "pytest_metadata")))
    ours = "pytest_latency_sla._pytest_html" in sys.modules
    with open("modules.txt", "w") as fh:
        fh.write(repr((loaded, ours)))
"""


def test_nothing_of_pytest_html_is_imported_without_it(
    scripted_pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    # pytest-html "not installed": not loaded as a plugin, and any import of it fails loudly
    stub = scripted_pytester.mkdir("not_installed") / "pytest_html"
    stub.mkdir()
    (stub / "__init__.py").write_text("raise ImportError('pytest-html is not installed')\n")
    scripted_pytester.makeconftest(
        (scripted_pytester.path / "conftest.py").read_text() + NO_PYTEST_HTML
    )
    scripted_pytester.makepyfile(test_suite=SUITE)
    monkeypatch.setenv("PYTHONPATH", str(stub.parent))
    result = scripted_pytester.runpytest_subprocess(
        "-p",
        "no:html",
        "-p",
        "no:html_fixtures",
        "-p",
        "no:metadata",
        "--latency-html=r.html",
        "--latency-json=r.json",
    )
    result.assert_outcomes(passed=3, failed=2)
    assert (scripted_pytester.path / "modules.txt").read_text() == "([], False)"
    assert (scripted_pytester.path / "r.html").read_text().count('<section class="card"') == 5


def test_without_html_the_pytest_html_hooks_are_not_loaded(
    scripted_pytester: pytest.Pytester,
) -> None:
    scripted_pytester.makeconftest(
        (scripted_pytester.path / "conftest.py").read_text() + NO_PYTEST_HTML
    )
    scripted_pytester.makepyfile(test_suite=SUITE)
    result = scripted_pytester.runpytest_subprocess("--latency-json=r.json")
    result.assert_outcomes(passed=3, failed=2)
    loaded, ours = eval((scripted_pytester.path / "modules.txt").read_text())
    assert "pytest_html.plugin" in loaded  # installed: pytest loads pytest-html by itself
    assert ours is False  # but no report of it is written: our hooks for it stay unloaded
