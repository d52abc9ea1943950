"""``latency-sla merge FILE.json... [--json OUT] [--md OUT] [--html OUT]``: one report from the
JSON reports of several CI jobs or shards (a matrix, ``pytest-split`` groups): every result in
node-id order, a test measured in more than one file listed once per file with the file it
came from. Prints the summary and the table; writes each report asked for by the rules of the
plugin's report files (``reports.files``; ``--md github`` appends to the job summary).

Exit status: 0 when merged and written, 2 for bad usage: a file that cannot be read, is not
JSON, is not a latency report of this schema, or is given twice; an output path the report
rules refuse, or that cannot be written.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .records import ReportDict

__all__ = ["main"]

EXIT_OK, EXIT_USAGE = 0, 2
PROG = "latency-sla merge"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Merge the JSON reports (--latency-json) of several jobs or shards into "
        "one report: results in node-id order, a test measured in several files listed once "
        "per file with the file it came from. Prints the table; writes the reports asked for.",
        epilog="exit status: 0 merged, 2 bad usage (a file that is not a latency report of "
        "the same schema, a file given twice, an output path that cannot be written)",
    )
    parser.add_argument("files", nargs="+", metavar="FILE.json", help="JSON reports to merge")
    parser.add_argument("--json", metavar="OUT", help="write the merged JSON report to OUT")
    parser.add_argument(
        "--md",
        metavar="OUT",
        help="write the merged Markdown report to OUT ('github': append to $GITHUB_STEP_SUMMARY)",
    )
    parser.add_argument("--html", metavar="OUT", help="write the merged HTML report to OUT")
    return parser


def main(argv: Sequence[str]) -> int:
    from .messages.files import merge_given_twice
    from .reports.files import ReportPathError, check_target, report_path
    from .reports.merge import MergeError, load_report, merge_reports

    args = _parser().parse_args(argv)
    targets: dict[str, Path | str] = {}
    for option in ("json", "md", "html"):
        raw = getattr(args, option)
        if raw is None:
            continue
        if option == "md" and raw.strip() == "github":
            targets[option] = "github"
            continue
        try:
            path = report_path(raw, Path.cwd())
            check_target(path, create_dirs=True)
        except ReportPathError as error:
            return _error(f"--{option}: {error.message}")
        targets[option] = path
    seen: dict[str, str] = {}
    loaded = []
    try:
        for name in args.files:
            key = os.path.realpath(name)
            if key in seen:
                raise MergeError(merge_given_twice(name, seen[key]))
            seen[key] = name
            loaded.append((name, load_report(name)))
        merged = merge_reports(loaded)
    except MergeError as error:
        return _error(str(error))
    _print(merged)
    return _write(targets, merged)


def _print(report: ReportDict) -> None:
    from .messages.report import environment_line
    from .reports.table import footnotes, render_text, rows, summary

    results = report["results"]
    print(summary(results, report["environment"])[1])
    print(environment_line(report["environment"]))
    for line in render_text(rows(results)) + footnotes(results):
        print(line)


def _write(targets: dict[str, Path | str], report: ReportDict) -> int:
    """Write each report asked for, saying where; 2 when one could not be written."""
    from .messages.files import report_not_written
    from .reports.document import write_json
    from .reports.html import write_html
    from .reports.markdown import write_markdown

    def json_file() -> str:
        return f"{PROG}: JSON report written to {write_json(Path(targets['json']), report)}"

    def markdown() -> str:
        said = write_markdown(targets["md"], report)
        return said.replace("latency-sla:", f"{PROG}:", 1)

    def html_file() -> str:
        return f"{PROG}: HTML report written to {write_html(Path(targets['html']), report)}"

    writers: dict[str, tuple[str, Callable[[], str]]] = {
        "json": ("JSON", json_file),
        "md": ("Markdown", markdown),
        "html": ("HTML", html_file),
    }
    status = EXIT_OK
    for option, target in targets.items():
        kind, write = writers[option]
        try:
            print(write())
        except OSError as error:  # checked at start; the file system changed since
            why = getattr(error, "reason", None) or error.strerror or str(error)
            print(report_not_written(kind, target, why), file=sys.stderr)
            status = EXIT_USAGE
    return status


def _error(message: str) -> int:
    print(f"{PROG}: error: {message}", file=sys.stderr)
    return EXIT_USAGE
