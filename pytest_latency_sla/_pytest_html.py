"""pytest-html's report, with each measured test's latency: a ``latency`` column in the results
table (one line per threshold: ``p99 <= 50 ms: 16.3 us [15.3 us, 17.9 us], pass overkill``)
and, in the row's extras, the test's card from the plugin's own HTML report (its histogram or
capacity chart), through pytest-html's documented hooks (``pytest_html_results_table_header``,
``pytest_html_results_table_row``) and extras (``pytest_html.extras.html``).

Registered only on the process that writes the report (the xdist controller, or the only
process) and only when pytest-html is active and ``--html`` is given; only then is anything of
pytest-html imported. Results reach that process on the test reports (``collector``), so the
extras are attached there, under xdist too.
"""

from __future__ import annotations

from typing import Any

import pytest

from .collector import CRASHED_ATTR, RESULTS_ATTR
from .records import ResultDict

__all__ = ["PytestHtmlRows"]

# The latency column's least width: pytest-html lets a long test id take the table's width,
# and a column of lines such as ``p99 <= 50 ms: 16.3 us [15.3 us, 17.9 us], pass`` squeezed
# to a word per line no longer reads. Each line's phrases never break inside (``phrases``).
_MIN_WIDTH = "min-width: 18em"


class PytestHtmlRows:
    """The hooks that put each measured test's latency into pytest-html's report."""

    def __init__(self) -> None:
        self._lines: dict[str, list[str]] = {}

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        """Before pytest-html reads the report: its results as lines for the row and as HTML
        extras (pytest-html gathers every phase's extras when the test's teardown arrives)."""
        carried = getattr(report, RESULTS_ATTR, None)
        if not carried:
            return
        from pytest_html import extras

        from .messages.report import latency_cell
        from .reports.html import fragment

        added = []
        for data in carried:
            record: ResultDict = dict(data)  # type: ignore[assignment]  # a result's plain dict
            if getattr(report, CRASHED_ATTR, False):
                record["outcome"] = "crashed"
            elif record.get("stopped") == "interrupted":
                record["outcome"] = "interrupted"
            lines = latency_cell(record)
            suffix = record["nodeid"][len(report.nodeid) :]  # "#2": the test's second one
            if suffix:
                lines = [f"{suffix}: {line}" for line in lines]
            self._lines.setdefault(report.nodeid, []).extend(lines)
            added.append(extras.html(fragment(record)))
        report.extras = [*getattr(report, "extras", []), *added]  # type: ignore[attr-defined]

    @pytest.hookimpl(optionalhook=True)
    def pytest_html_results_table_header(self, cells: list[str]) -> None:
        cells.insert(2, f'<th class="latency" style="{_MIN_WIDTH}">Latency</th>')

    @pytest.hookimpl(optionalhook=True)
    def pytest_html_results_table_row(self, report: Any, cells: list[str]) -> None:
        if not cells:  # another plugin took the row out of the table
            return
        from .reports.phrases import phrases

        lines = self._lines.get(getattr(report, "nodeid", ""), [])
        shown = "".join(f"<div>{phrases(line)}</div>" for line in lines)
        cells.insert(2, f'<td class="col-latency" style="{_MIN_WIDTH}">{shown}</td>')
