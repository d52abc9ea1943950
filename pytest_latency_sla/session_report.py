"""End of session, on the controller: the report dict, the terminal table and the files."""

from __future__ import annotations

from typing import Any

import pytest

from .collector import collector_key
from .recording import settings_key

__all__ = ["print_table", "session_report", "write_files"]

_report_key = pytest.StashKey[dict[str, Any]]()


def session_report(config: pytest.Config) -> dict[str, Any]:
    """Built once per session, after every result has arrived; other plugins may edit it."""
    report = config.stash.get(_report_key, None)
    if report is None:
        from .environment import describe
        from .report import build_report

        settings = config.stash[settings_key]
        results = config.stash[collector_key].ordered()
        versions = [r["onnxruntime"] for r in results if r.get("onnxruntime")]
        environment = describe(settings.gc, versions[0] if versions else None)
        workers = getattr(config.option, "numprocesses", None)
        if workers and not hasattr(config, "workerinput"):
            environment["xdist_workers"] = workers
        environment["scale"] = settings.scale
        environment["confidence"] = settings.confidence
        environment["mode"] = settings.mode
        report = build_report(results, environment)
        config.hook.pytest_latency_sla_report(config=config, report=report)
        config.stash[_report_key] = report
    return report


def print_table(terminalreporter: Any, config: pytest.Config) -> None:
    settings = config.stash[settings_key]
    if not settings.report or settings.mode == "off":
        return
    from .environment import one_line
    from .report_table import render_text, rows

    report = session_report(config)
    terminalreporter.write_sep("=", "latency SLA report")
    terminalreporter.write_line(one_line(report["environment"]))
    if settings.scale != 1.0:
        terminalreporter.write_line(f"budgets scaled by {settings.scale:g} (--latency-scale)")
    if not report["results"]:
        terminalreporter.write_line("no latency measurements in this session")
        return
    for line in render_text(rows(report["results"])):
        terminalreporter.write_line(line)


def write_files(config: pytest.Config) -> None:
    settings = config.stash[settings_key]
    if settings.mode == "off" or not (settings.json or settings.md or settings.html):
        return
    report = session_report(config)
    if settings.json:
        from .report import write_json

        write_json(settings.json, report)
    if settings.md:
        from .report_markdown import write_markdown

        write_markdown(settings.md, report, config)
    if settings.html:
        from .report_html import write_html

        write_html(settings.html, report)
