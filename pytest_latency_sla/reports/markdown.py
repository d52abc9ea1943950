"""The latency table as GitHub-flavoured Markdown: a file, or the job summary of a GitHub
Actions step (``--latency-md=github`` appends to ``$GITHUB_STEP_SUMMARY``)."""

from __future__ import annotations

import os
from pathlib import Path

from .. import messages
from ..records import EnvironmentDict, ReportDict, ResultDict
from .files import write_report
from .table import md_code, render_markdown, rows, summary

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
    lines.extend(f"{line}  " for line in messages.session_notes(environment, strong="**", code="`"))
    if lines[-1]:
        lines.append("")
    if results:
        lines.extend(render_markdown(rows(results)))
        endings = [(r["nodeid"], messages.ending(r)) for r in results]
        if any(ended for _, ended in endings):
            lines.append("")
        lines.extend(f"- {md_code(test)}: {_escape(e)}" for test, e in endings if e)
    else:
        lines.append("No latency measurements in this session.")
    lines.append("")
    lines.append(f"<sub>{_escape(messages.environment_line(environment))}</sub>")
    return "\n".join(lines) + "\n"


def _summary(results: list[ResultDict], environment: EnvironmentDict) -> str:
    status, text = summary(results, environment)
    icon = {"bad": ":x:", "warn": ":warning:", "good": ":white_check_mark:"}
    return f"{icon[status]} {text}"


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
