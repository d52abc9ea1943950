"""End of session, on the reporting process: the report record, the terminal table, the files,
and the few lines of notice that go with them."""

from __future__ import annotations

from typing import Any, Callable

import pytest

from . import messages
from ._baseline import baseline_key, machine_of
from .collector import collector_key, xdist_workers
from .records import ReportDict
from .settings import settings_key

__all__ = ["print_summary", "session_report", "write_files"]

_report_key = pytest.StashKey[ReportDict]()
_notices_key = pytest.StashKey[list[str]]()


def session_report(config: pytest.Config) -> ReportDict:
    """Built once per session, after every result has arrived; other plugins may edit it."""
    report = config.stash.get(_report_key, None)
    if report is None:
        from .engine.environment import describe
        from .reports.document import build_report

        settings = config.stash[settings_key]
        results = config.stash[collector_key].ordered()
        versions = [r["onnxruntime"] for r in results if r.get("onnxruntime")]
        environment = describe(settings.gc, versions[0] if versions else None)
        workers = xdist_workers(config)
        if workers:
            environment["xdist_workers"] = workers
        environment["scale"] = settings.scale
        environment["confidence"] = settings.confidence
        environment["mode"] = settings.mode
        baseline = config.stash.get(baseline_key, None)
        if baseline is not None:
            environment["baseline"] = baseline.note(machine_of(environment))
            environment["regression"] = settings.regression
        report = build_report(results, environment)
        config.hook.pytest_latency_sla_report(config=config, report=report)
        config.stash[_report_key] = report
    return report


def notice(config: pytest.Config, line: str) -> None:
    """A line for the end of the terminal summary (files are written before it is printed)."""
    config.stash.setdefault(_notices_key, []).append(line)


def print_summary(terminalreporter: Any, config: pytest.Config) -> None:
    settings = config.stash[settings_key]
    if settings.mode == "off":
        return
    has_results = bool(config.stash[collector_key].results)
    if settings.report:
        _print_table(terminalreporter, config)
    workers = xdist_workers(config)
    if workers and has_results:
        terminalreporter.write_line(messages.XDIST_NOTICE.format(workers=workers), yellow=True)
    other = _other_machine(config)
    if other is not None:
        terminalreporter.write_line(other, yellow=True)
    for line in config.stash.get(_notices_key, []):
        terminalreporter.write_line(line)


def _print_table(terminalreporter: Any, config: pytest.Config) -> None:
    from .reports.table import footnotes, render_text, rows

    settings = config.stash[settings_key]
    report = session_report(config)
    terminalreporter.write_sep("=", "latency SLA report")
    terminalreporter.write_line(messages.environment_line(report["environment"]))
    if settings.scale != 1.0:
        terminalreporter.write_line(f"budgets scaled by {settings.scale:g} (--latency-scale)")
    if settings.mode == "warn":
        terminalreporter.write_line("mode warn: a missed budget warns instead of failing")
    baseline = report["environment"].get("baseline")
    if baseline is not None:
        terminalreporter.write_line(messages.baseline_line(baseline, settings.regression))
    if not report["results"]:
        terminalreporter.write_line("no latency measurements in this session")
        return
    for line in render_text(rows(report["results"])) + footnotes(report["results"]):
        terminalreporter.write_line(line)


def _other_machine(config: pytest.Config) -> str | None:
    """The notice when the stored baseline was measured on another machine."""
    baseline = config.stash.get(baseline_key, None)
    if baseline is None or not config.stash[collector_key].results:
        return None
    environment = session_report(config)["environment"]
    note = environment.get("baseline")
    if note is None or note["same_machine"]:
        return None
    return messages.other_machine(note["machine"], machine_of(environment))


def write_files(config: pytest.Config) -> None:
    settings = config.stash[settings_key]
    if settings.mode == "off":
        return
    if settings.save:
        from .reports.baseline import build_baseline, write_baseline

        save = settings.save
        stored = config.stash[collector_key].stored
        machine = machine_of(session_report(config)["environment"])
        _write(
            config,
            "baseline",
            save,
            lambda: _written("baseline", write_baseline(save, build_baseline(stored, machine))),
        )
    if not (settings.json or settings.md or settings.html):
        return
    report = session_report(config)
    if settings.json:
        from .reports.document import write_json

        json_path = settings.json
        _write(config, "JSON", json_path, lambda: _written("JSON", write_json(json_path, report)))
    if settings.md:
        from .reports.markdown import write_markdown

        md = settings.md
        _write(config, "Markdown", md, lambda: write_markdown(md, report))
    if settings.html:
        from .reports.html import write_html

        html = settings.html
        _write(config, "HTML", html, lambda: _written("HTML", write_html(html, report)))


def _written(kind: str, path: object) -> str:
    if kind == "baseline":
        return f"latency-sla: baseline written to {path}"
    return f"latency-sla: {kind} report written to {path}"


def _write(config: pytest.Config, kind: str, target: object, write: Callable[[], str]) -> None:
    """Write one report; say where it went, or why it could not be written (the session's
    verdict stands either way: the tests ran)."""
    try:
        said = write()
    except OSError as exc:
        notice(config, f"ERROR: latency-sla: cannot write the {kind} report {target}: {exc}")
        return
    notice(config, said)
