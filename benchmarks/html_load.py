"""HTML report of a 1,000-test run: how long it takes to open in Chromium (navigation, parsing,
the load event and a full layout, as a person waits for it), against a plain HTML table of the
same rows opened in the same browser in the same run; and its size per test, with the JSON's.

The run is real: a suite of 1,000 measured tests (four kinds: one budget, two stacked, a
comparison, a load run) on a scripted clock, so it takes seconds. Chromium is Debian's
(/usr/bin/chromium, or $CHROMIUM), driven by Playwright; it is never downloaded.

    python benchmarks/html_load.py [--repeats N] [--quick]
"""

from __future__ import annotations

import html
import json
import os
import time
from pathlib import Path
from typing import Any

from _common import Repeats, Row, main, median, run_pytest, scratch

REPEATS = Repeats(full=7, quick=2)
TARGET_S = 2.0
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]  # fmt: skip
CONFTEST = """
import pytest
from pytest_latency_sla.engine.clock import ScriptedClock

@pytest.fixture
def scripted():
    clock = ScriptedClock()
    with clock.installed():
        yield clock.calls
"""
SUITE = """
import pytest
import numpy as np

def draws(median_ns, seed):
    rng = np.random.default_rng(seed)
    return rng.lognormal(np.log(median_ns), 0.3, 50_000).tolist()

@pytest.mark.parametrize("i", range({per_kind}))
@pytest.mark.latency_sla(ms=50)
def test_budget(latency_sla, scripted, i):
    latency_sla(scripted(draws(9_000 + i, i)))

@pytest.mark.parametrize("i", range({per_kind}))
@pytest.mark.latency_sla(ms=2)
@pytest.mark.latency_sla(ms=1, percentile=50)
def test_stacked(latency_sla, scripted, i):
    latency_sla(scripted(draws(700_000, i)))

@pytest.mark.parametrize("i", range({per_kind}))
@pytest.mark.latency_sla(ratio=0.8, percentile=50)
def test_compared(latency_sla, scripted, i):
    latency_sla.compare(scripted(draws(6_000, i)), scripted(draws(8_400, i + 1)))

@pytest.mark.parametrize("i", range({per_kind}))
@pytest.mark.latency_sla(ms=50, rate=5_000, max_time=0.1)
def test_under_load(latency_sla, scripted, i):
    latency_sla(scripted(draws(30_000, i)))
"""


def _reports(tests: int) -> Path:
    """A real run of ``tests`` measured tests; its JSON and HTML reports, and a plain table of
    the same rows (``plain.html``), in the returned directory."""
    path = scratch({"conftest.py": CONFTEST, "test_many.py": SUITE.format(per_kind=tests // 4)})
    run_pytest(path, "--latency-json=r.json", "--latency-html=r.html", check=True)
    from pytest_latency_sla.reports.table import HEADER, rows

    results = json.loads((path / "r.json").read_text())["results"]
    cells = "".join(
        "<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>"
        for row in rows(results)
    )
    head = "".join(f"<th>{h}</th>" for h in HEADER)
    (path / "plain.html").write_text(
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>plain</title></head><body>"
        f"<table><thead><tr>{head}</tr></thead><tbody>{cells}</tbody></table></body></html>\n"
    )
    return path


def _open_s(browser: Any, page_path: Path) -> float:
    """Seconds from asking Chromium to open the file to the page laid out, in a fresh page."""
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    try:
        started = time.perf_counter()
        page.goto(page_path.as_uri(), wait_until="load")
        page.evaluate("document.documentElement.scrollHeight")  # forces the whole layout
        return time.perf_counter() - started
    finally:
        page.close()


def run(repeats: int, quick: bool) -> list[Row]:
    from playwright.sync_api import sync_playwright

    tests = 200 if quick else 1000
    path = _reports(tests)
    chromium = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    if not os.access(chromium, os.X_OK):
        raise SystemExit(f"html_load: no Chromium at {chromium}: apt-get install chromium")
    report, plain = path / "r.html", path / "plain.html"
    times: dict[Path, list[float]] = {report: [], plain: []}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            _open_s(browser, report)  # the first page pays for starting the renderer
            for _ in range(repeats):
                for page_path in (report, plain):  # alternating: the machine's load is shared
                    times[page_path].append(_open_s(browser, page_path))
        finally:
            browser.close()
    measured, baseline = median(times[report]), median(times[plain])
    size = report.stat().st_size
    json_size = (path / "r.json").stat().st_size
    return [
        Row(
            f"HTML report of {tests:,} tests: open in Chromium (load and layout)",
            f"plain table of the same rows {baseline:.2f} s",
            f"{measured:.2f} s ({size / 1e6:.1f} MB)",
            measured / baseline,
            f"< {TARGET_S:g} s",
            measured < TARGET_S,
        ),
        Row(
            f"report size per test ({tests:,} tests)",
            f"plain table {plain.stat().st_size / tests / 1e3:.1f} KB",
            f"HTML {size / tests / 1e3:.1f} KB, JSON {json_size / tests / 1e3:.1f} KB",
            size / plain.stat().st_size,
            "linear (tests/test_report_size.py)",
            None,
        ),
    ]


if __name__ == "__main__":
    main(run, REPEATS, __doc__)
