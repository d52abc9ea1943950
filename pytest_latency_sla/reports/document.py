"""The session report: one JSON-able record (schema ``pytest-latency-sla/1``), and its JSON file."""

from __future__ import annotations

import json
import math
import os
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

from ..records import EnvironmentDict, ReportDict, ResultDict
from .files import write_report

SCHEMA = "pytest-latency-sla/1"

__all__ = ["SCHEMA", "build_report", "write_json"]


def build_report(results: Sequence[ResultDict], environment: EnvironmentDict) -> ReportDict:
    return {
        "schema": SCHEMA,
        "created": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "environment": environment,
        "results": [_ordered(r) for r in results],
    }


_FIRST_KEYS = (
    "nodeid",
    "outcome",
    "n",
    "warmup",
    "duration_s",
    "mean_s",
    "quantiles_s",
    "thresholds",
)


def _ordered(result: ResultDict) -> ResultDict:
    """The same record with the keys a reader looks for first, first."""
    items: dict[str, Any] = dict(result)
    out = {key: items[key] for key in _FIRST_KEYS if key in items}
    out.update((key, value) for key, value in items.items() if key not in out)
    return cast(ResultDict, out)


def write_json(path: Path, report: ReportDict) -> Path:
    """Strict JSON: a NaN or infinity a plugin put in the report becomes ``null``, and a
    numpy scalar its plain value, rather than an unreadable file or a crash at the end."""
    text = json.dumps(_plain(report), indent=2, allow_nan=False, default=_default)
    write_report(path, text + "\n")
    return Path(path)


def _plain(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _default(value: Any) -> Any:
    tolist = getattr(value, "tolist", None)  # numpy scalars and arrays
    if callable(tolist):
        return _plain(tolist())
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    return str(value)
