"""The latency table as GitHub-flavoured Markdown: a file, or the job summary of a GitHub
Actions step (``--latency-md=github`` appends to ``$GITHUB_STEP_SUMMARY``)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from .report import write_atomic
from .report_table import render_markdown, rows

__all__ = ["GITHUB", "render", "write_markdown"]

GITHUB = "github"
_SUMMARY_ENV = "GITHUB_STEP_SUMMARY"


def write_markdown(
    target: str | Path, report: dict[str, Any], config: pytest.Config
) -> Path | None:
    """Write the Markdown report; return the file written, or ``None`` when ``target`` is
    ``github`` outside GitHub Actions (a notice says so; the same command works on a laptop)."""
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
    return Path(summary)


def render(report: dict[str, Any]) -> str:
    results: Sequence[dict[str, Any]] = report.get("results", [])
    environment: dict[str, Any] = report.get("environment", {})
    lines = ["## Latency SLA report", "", _summary(results), ""]
    lines.extend(f"{line}  " for line in _notes(environment))
    if lines[-1]:
        lines.append("")
    if results:
        lines.extend(render_markdown(rows(results)))
    else:
        lines.append("No latency measurements in this session.")
    lines.append("")
    lines.append(f"<sub>{_escape(_environment_line(environment))}</sub>")
    return "\n".join(lines) + "\n"


def _summary(results: Sequence[dict[str, Any]]) -> str:
    verdicts = [t for r in results for t in r.get("thresholds", ())]
    failed = sum(1 for t in verdicts if t.get("verdict") != "pass")
    unsure = sum(1 for t in verdicts if not t.get("confident", True))
    overkill = sum(1 for t in verdicts if t.get("overkill"))
    crashed = sum(1 for r in results if r.get("outcome") == "crashed")
    parts = [f"**{len(results)}** measurement{'s' if len(results) != 1 else ''}"]
    parts.append(
        f"**{len(verdicts) - failed}** budget{'s' if len(verdicts) - failed != 1 else ''} met"
    )
    parts.append(f"**{failed}** missed")
    if unsure:
        parts.append(f"{unsure} not confident (~)")
    if overkill:
        parts.append(f"{overkill} overkill")
    if crashed:
        parts.append(f"**{crashed}** crashed")
    icon = ":x:" if failed or crashed else ":white_check_mark:"
    return f"{icon} " + ", ".join(parts)


def _notes(environment: dict[str, Any]) -> list[str]:
    notes = []
    scale = environment.get("scale", 1.0)
    if scale != 1.0:
        notes.append(f"Budgets scaled by **{scale:g}** (`--latency-scale`).")
    if environment.get("mode") == "warn":
        notes.append("Mode **warn**: a missed budget warns instead of failing the test.")
    if environment.get("xdist_workers"):
        notes.append(
            f"Measured by {environment['xdist_workers']} pytest-xdist workers sharing the CPU "
            "cores: latencies are pessimistic."
        )
    return notes


def _environment_line(environment: dict[str, Any]) -> str:
    from .environment import one_line

    try:
        return one_line(environment)
    except KeyError:  # a plugin trimmed the environment through pytest_latency_sla_report
        return "; ".join(f"{k} {v}" for k, v in environment.items())


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
