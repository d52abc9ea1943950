"""One report from the JSON reports of several jobs or shards (a CI matrix, pytest-split groups):
``latency-sla merge FILE.json...``.

Rows come in node-id order. A test measured in more than one file is kept once per file, each
with the file it came from (``source``), never silently replaced. Reports of another schema are
refused: their fields may not mean the same.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

from ..messages.files import (
    MERGE_NOTHING,
    merge_not_a_report,
    merge_not_json,
    merge_other_schema,
    merge_unreadable,
)
from ..records import EnvironmentDict, ReportDict, ResultDict
from .document import SCHEMA
from .shape import ShapeError, check_environment, check_result

__all__ = ["MergeError", "load_report", "merge_reports"]


class MergeError(ValueError):
    """A file that cannot be merged; the message names it and says why."""


def load_report(path: str | os.PathLike[str]) -> ReportDict:
    """A JSON report read from ``path``. Raises ``MergeError`` for a missing or unreadable file,
    a file that is not JSON, JSON that is not a latency report of schema
    ``pytest-latency-sla/1``, or a report whose environment or a result row lacks a key the
    reports read or holds one of the wrong type (``shape``: the message names the row and the
    key)."""
    shown = os.fspath(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        why = getattr(error, "strerror", None) or error
        raise MergeError(merge_unreadable(shown, str(why))) from None
    try:
        data: Any = json.loads(text)
    except ValueError as error:
        raise MergeError(merge_not_json(shown, str(error))) from None
    schema = data.get("schema") if isinstance(data, dict) else None
    # another schema is said as such, whatever else the file holds (a stored baseline)
    other = isinstance(schema, str) and schema != SCHEMA
    if not other and not (isinstance(data, dict) and isinstance(data.get("results"), list)):
        raise MergeError(merge_not_a_report(shown))
    if schema != SCHEMA:
        raise MergeError(merge_other_schema(shown, schema, SCHEMA))
    try:
        if "environment" in data:
            check_environment(data["environment"], shown)
        for index, row in enumerate(data["results"]):
            check_result(row, index, shown)
    except ShapeError as error:
        raise MergeError(str(error)) from None
    return cast(ReportDict, data)


def merge_reports(reports: Sequence[tuple[str, ReportDict]]) -> ReportDict:
    """The reports ``(source name, report)`` as one: every result in node-id order, a result
    whose node id appears in more than one source marked with its ``source``; the environment
    of the first report, with ``merged_from`` listing every source (and ``mode`` / ``scale``
    kept only where all sources agree)."""
    if not reports:
        raise MergeError(MERGE_NOTHING)
    where: dict[str, set[str]] = {}
    for source, report in reports:
        for result in report["results"]:
            where.setdefault(str(result.get("nodeid", "")), set()).add(source)
    merged: list[ResultDict] = []
    for source, report in reports:
        for result in report["results"]:
            record = result.copy()
            if len(where[str(result.get("nodeid", ""))]) > 1:
                record["source"] = source
            merged.append(record)
    merged.sort(key=lambda r: (str(r.get("nodeid", "")), str(r.get("source", ""))))
    return {
        "schema": SCHEMA,
        "created": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "environment": _environment([report for _, report in reports], [s for s, _ in reports]),
        "results": merged,
    }


def _environment(reports: Sequence[ReportDict], sources: Sequence[str]) -> EnvironmentDict:
    """The first report's environment, less the settings the reports do not share (a scale's
    source goes with it: kept only when every report names the same)."""
    environment = reports[0].get("environment", {}).copy()
    for key in ("mode", "scale", "scale_source", "confidence"):
        values = Counter(repr(r.get("environment", {}).get(key)) for r in reports)
        if len(values) > 1:
            environment.pop(key, None)  # type: ignore[misc]  # a key of the loop, not a literal
    if "scale" not in environment:
        environment.pop("scale_source", None)
    environment["merged_from"] = list(sources)
    return environment
