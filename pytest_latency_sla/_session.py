"""End of session, on the reporting process: the report record, the terminal table, the files,
and the few lines of notice that go with them. ``write_files`` also serves the SIGTERM handler
(``_signals``), which writes what has finished before the process ends."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import pytest

from ._baseline import baseline_key, machine_of
from .collector import collector_key, xdist_workers
from .messages.files import baseline_written, mode_off_no_report, report_not_written
from .messages.ratio import other_machine
from .messages.report import XDIST_NOTICE, baseline_line, environment_line
from .records import EnvironmentDict, ReportDict, ResultDict
from .settings import Settings, settings_key

__all__ = ["print_summary", "report_options", "session_report", "write_files"]

_report_key = pytest.StashKey[ReportDict]()
_notices_key = pytest.StashKey[list[str]]()


def session_report(config: pytest.Config, exitstatus: int | None = None) -> ReportDict:
    """Built once per session, after every result has arrived; other plugins may edit it.
    ``exitstatus`` is pytest's exit status, so that no summary reads green when the run failed."""
    report = config.stash.get(_report_key, None)
    if report is None:
        report = _build_report(config, exitstatus)
        config.stash[_report_key] = report
    return report


def _build_report(
    config: pytest.Config, exitstatus: int | None, signal_name: str | None = None
) -> ReportDict:
    from .reports.document import build_report

    settings = config.stash[settings_key]
    results = config.stash[collector_key].ordered()
    environment = _environment(config, results)
    workers = xdist_workers(config)
    if workers:
        environment["xdist_workers"] = workers
    environment["scale"] = settings.scale
    if settings.scale != 1.0:
        environment["scale_source"] = settings.sources.get("scale", "--latency-scale")
    environment["confidence"] = settings.confidence
    environment["mode"] = settings.mode
    if exitstatus is not None:
        environment["exitstatus"] = int(exitstatus)
    if signal_name is not None:
        environment["signal"] = signal_name
    baseline = config.stash.get(baseline_key, None)
    if baseline is not None:
        environment["baseline"] = baseline.note(machine_of(environment))
        environment["regression"] = settings.regression
    report = build_report(results, environment)
    config.hook.pytest_latency_sla_report(config=config, report=report)
    return report


def _environment(config: pytest.Config, results: list[ResultDict] | None = None) -> EnvironmentDict:
    """What the numbers were measured on (onnxruntime's version from any result that had it)."""
    from .engine.environment import describe

    if results is None:
        results = config.stash[collector_key].ordered()
    versions = [r["onnxruntime"] for r in results if r.get("onnxruntime")]
    return describe(config.stash[settings_key].gc, versions[0] if versions else None)


def notice(config: pytest.Config, line: str) -> None:
    """A line for the end of the terminal summary (files are written before it is printed)."""
    config.stash.setdefault(_notices_key, []).append(line)


def report_options(settings: Settings) -> list[str]:
    """The report options given: ``["--latency-json", "--latency-report"]``."""
    given = [("json", settings.json), ("md", settings.md), ("html", settings.html)]
    names = [f"--latency-{name}" for name, value in given if value]
    return names + (["--latency-report"] if settings.report else [])


def print_summary(terminalreporter: Any, config: pytest.Config, exitstatus: int) -> None:
    settings = config.stash[settings_key]
    if settings.mode == "off":
        given = report_options(settings)
        if given:
            terminalreporter.write_line(mode_off_no_report(given))
        return
    has_results = bool(config.stash[collector_key].results)
    if settings.report:
        _print_table(terminalreporter, config, exitstatus)
    workers = xdist_workers(config)
    if workers and has_results:
        terminalreporter.write_line(XDIST_NOTICE.format(workers=workers), yellow=True)
    other = _other_machine(config, exitstatus)
    if other is not None:
        terminalreporter.write_line(other, yellow=True)
    for line in config.stash.get(_notices_key, []):
        terminalreporter.write_line(line)


def _print_table(terminalreporter: Any, config: pytest.Config, exitstatus: int) -> None:
    from .reports.table import footnotes, render_text, rows

    settings = config.stash[settings_key]
    report = session_report(config, exitstatus)
    terminalreporter.write_sep("=", "latency SLA report")
    terminalreporter.write_line(environment_line(report["environment"]))
    if settings.scale != 1.0:
        source = settings.sources.get("scale", "--latency-scale")
        terminalreporter.write_line(f"budgets scaled by {settings.scale:g} ({source})")
    if settings.mode == "warn":
        terminalreporter.write_line("mode warn: a missed budget warns instead of failing")
    baseline = report["environment"].get("baseline")
    if baseline is not None:
        terminalreporter.write_line(baseline_line(baseline, settings.regression))
    if not report["results"]:
        terminalreporter.write_line("no latency measurements in this session")
        return
    for line in render_text(rows(report["results"])) + footnotes(report["results"]):
        terminalreporter.write_line(line)


def _other_machine(config: pytest.Config, exitstatus: int) -> str | None:
    """The notice when the stored baseline was measured on another machine."""
    if config.stash.get(baseline_key, None) is None or not config.stash[collector_key].results:
        return None
    environment = session_report(config, exitstatus)["environment"]
    note = environment.get("baseline")
    if note is None or note["same_machine"]:
        return None
    return other_machine(note["machine"], machine_of(environment))


def write_files(
    config: pytest.Config,
    exitstatus: int | None,
    *,
    signal_name: str | None = None,
    say: Callable[[str], None] | None = None,
) -> bool:
    """Write every report file asked for, and the baseline of ``--latency-save``; False when
    one could not be written. Each line for the user goes to ``say`` (default: the terminal
    summary's notices). ``signal_name``: the run is ending on that signal, with the results
    finished so far (the report is built afresh)."""
    settings = config.stash[settings_key]
    if settings.mode == "off":
        return True
    tell = say or (lambda line: notice(config, line))
    written = True
    if settings.save:
        from ._baseline import merged
        from .reports.baseline import build_baseline, write_baseline

        save = settings.save
        collector = config.stash[collector_key]
        machine = machine_of(_environment(config))
        stored, kept, dropped = merged(save, collector.stored, collector.ran, machine)
        baseline = build_baseline(stored, machine)
        written &= _write(
            tell,
            "baseline",
            save,
            lambda: baseline_written(write_baseline(save, baseline), kept, dropped),
        )
    if not (settings.json or settings.md or settings.html):
        return written
    if signal_name is None:
        report = session_report(config, exitstatus)
    else:
        report = _build_report(config, exitstatus, signal_name)
    if settings.json:
        from .reports.document import write_json

        json_path = settings.json
        written &= _write(
            tell, "JSON", json_path, lambda: _written("JSON", write_json(json_path, report))
        )
    if settings.md:
        from .reports.markdown import write_markdown

        md = settings.md
        written &= _write(tell, "Markdown", md, lambda: write_markdown(md, report))
    if settings.html:
        from .reports.html import write_html

        html = settings.html
        written &= _write(tell, "HTML", html, lambda: _written("HTML", write_html(html, report)))
    return written


def _written(kind: str, path: object) -> str:
    return f"latency-sla: {kind} report written to {path}"


def _write(
    tell: Callable[[str], None], kind: str, target: object, write: Callable[[], str]
) -> bool:
    """Write one report and say where it went, or why it could not be written."""
    try:
        said = write()
    except OSError as exc:
        why = getattr(exc, "reason", None) or exc.strerror or str(exc)
        tell(report_not_written(kind, target, why))
        return False
    tell(said)
    return True


def say_on_stderr(line: str) -> None:
    """A line for the user when no terminal summary will follow (the process is ending)."""
    try:
        sys.stderr.write(line + "\n")
        sys.stderr.flush()
    except (OSError, ValueError):
        pass
