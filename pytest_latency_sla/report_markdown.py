"""The latency table as GitHub-flavoured Markdown: a file, or the job summary of a GitHub
Actions step (``--latency-md=github`` appends to ``$GITHUB_STEP_SUMMARY``)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from .report import write_atomic
from .report_table import environment_line, render_markdown, rows, session_notes, summary

__all__ = ["GITHUB", "render", "write_markdown"]

GITHUB = "github"
_SUMMARY_ENV = "GITHUB_STEP_SUMMARY"


def write_markdown(
    target: str | Path, report: dict[str, Any], config: pytest.Config
) -> Path | None:
    """Write the Markdown report; return the file written, or ``None`` for ``github``, which
    appends to the step summary, or outside GitHub Actions writes nothing and says so (the
    same command works on a laptop)."""
    text = render(report)
    if str(target) != GITHUB:
        path = Path(target)
        write_atomic(path, text)
        return path
    summary = os.environ.get(_SUMMARY_ENV, "").strip()
    if not summary:
        from .session_report import notice

        notice(
            config,
            f"latency-sla: --latency-md=github: {_SUMMARY_ENV} is not set (not a GitHub "
            "Actions step); no Markdown summary written",
        )
        return None
    # Appended, not replaced: earlier steps and tools share the step's summary file.
    with open(summary, "a", encoding="utf-8") as fh:
        fh.write("\n" + text)
    from .session_report import notice

    notice(config, f"latency-sla: Markdown report appended to {_SUMMARY_ENV} ({summary})")
    return None


def render(report: dict[str, Any]) -> str:
    results: Sequence[dict[str, Any]] = report.get("results", [])
    environment: dict[str, Any] = report.get("environment", {})
    lines = ["## Latency SLA report", "", _summary(results, environment.get("mode", "")), ""]
    lines.extend(f"{line}  " for line in session_notes(environment, strong="**", code="`"))
    if lines[-1]:
        lines.append("")
    if results:
        lines.extend(render_markdown(rows(results)))
    else:
        lines.append("No latency measurements in this session.")
    lines.append("")
    lines.append(f"<sub>{_escape(environment_line(environment))}</sub>")
    return "\n".join(lines) + "\n"


def _summary(results: Sequence[dict[str, Any]], mode: str) -> str:
    status, text = summary(results, mode)
    icon = {"bad": ":x:", "warn": ":warning:", "good": ":white_check_mark:"}
    return f"{icon[status]} {text}"


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
