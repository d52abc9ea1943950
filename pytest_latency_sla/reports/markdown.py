"""The latency table as GitHub-flavoured Markdown: a file, or the job summary of a GitHub
Actions step (``--latency-md=github`` appends to ``$GITHUB_STEP_SUMMARY``)."""

from __future__ import annotations

import os
from pathlib import Path

from ..messages.report import environment_line, session_notes, test_label
from ..messages.verdict import ending
from ..records import EnvironmentDict, ReportDict, ResultDict
from .files import write_report
from .table import markdown_header, markdown_row, md_code, summary, table_rows

__all__ = ["GITHUB", "render", "write_markdown"]

GITHUB = "github"
_SUMMARY_ENV = "GITHUB_STEP_SUMMARY"


def write_markdown(target: str | Path, report: ReportDict) -> str:
    """Write the Markdown report and say where it went. ``github`` appends to the step summary,
    or outside GitHub Actions writes nothing and says so (the same command works on a laptop)."""
    text = render(report)
    if str(target) != GITHUB:
        path = Path(target)
        write_report(path, text)
        return f"latency-sla: Markdown report written to {path}"
    summary_file = os.environ.get(_SUMMARY_ENV, "").strip()
    if not summary_file:
        return (
            f"latency-sla: --latency-md=github: {_SUMMARY_ENV} is not set (not a GitHub "
            "Actions step); no Markdown summary written"
        )
    # Appended, not replaced: earlier steps and tools share the step's summary file.
    with open(summary_file, "a", encoding="utf-8") as fh:
        fh.write("\n" + text)
    return f"latency-sla: Markdown report appended to {_SUMMARY_ENV} ({summary_file})"


def render(report: ReportDict) -> str:
    results = report.get("results", [])
    environment = report.get("environment", {})
    lines = ["## Latency SLA report", "", _summary(results, environment), ""]
    notes = session_notes(environment, strong="**", code="`")
    lines.extend(f"{_escape_text(line)}  " for line in notes)
    if lines[-1]:
        lines.append("")
    if results:
        table, notes = _table(results)
        lines.extend(table)
        endings = [(r["nodeid"], ending(r)) for r in results]
        notes += [f"- {md_code(test)}: {_escape(e)}" for test, e in endings if e]
        if notes:
            lines.append("")
        lines.extend(notes)
    else:
        lines.append("No latency measurements in this session.")
    lines.append("")
    lines.append(f"<sub>{_escape(environment_line(environment))}</sub>")
    return "\n".join(lines) + "\n"


def _table(results: list[ResultDict]) -> tuple[list[str], list[str]]:
    """The table, and its footnotes: a load run's threshold cell says the rate it asked for
    (``p99 <= 50 ms @ 28,000/s`` with a footnote mark), the footnote what it got (served rate,
    start delay), so that the column stays narrow."""
    numbers: dict[int, int] = {}
    notes: list[str] = []
    lines = markdown_header()
    for row in table_rows(results):
        if not row.detail:
            lines.append(markdown_row(row.cells))
            continue
        if row.index not in numbers:
            numbers[row.index] = len(numbers) + 1
            test = md_code(test_label(results[row.index]))
            notes.append(f"- <sup>{numbers[row.index]}</sup> {test}: {_escape(row.detail)}")
        lines.append(markdown_row(row.cells, f"<sup>{numbers[row.index]}</sup>"))
    return lines, notes


def _summary(results: list[ResultDict], environment: EnvironmentDict) -> str:
    status, text = summary(results, environment)
    icon = {"bad": ":x:", "warn": ":warning:", "good": ":white_check_mark:"}
    return f"{icon[status]} {text}"


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _escape_text(line: str) -> str:
    """``_escape`` outside the line's code spans (inside one, GitHub shows ``&lt;`` as it is,
    and nothing is HTML anyway): a CPU name read from a baseline file may hold ``<b>``."""
    parts = line.split("`")
    return "`".join(part if i % 2 else _escape(part) for i, part in enumerate(parts))
