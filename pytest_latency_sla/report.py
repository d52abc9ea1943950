"""The session report: one JSON-able dict (schema ``pytest-latency-sla/1``) and the files
written from it, each atomically (a temporary file beside the target, then a rename)."""

from __future__ import annotations

import json
import math
import os
import tempfile
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

SCHEMA = "pytest-latency-sla/1"

__all__ = ["SCHEMA", "build_report", "write_atomic", "write_json"]


def build_report(results: Sequence[dict[str, Any]], environment: dict[str, Any]) -> dict[str, Any]:
    return {
        "schema": SCHEMA,
        "created": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
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


def _ordered(result: dict[str, Any]) -> dict[str, Any]:
    out = {key: result[key] for key in _FIRST_KEYS if key in result}
    out.update((key, value) for key, value in result.items() if key not in out)
    return out


def write_atomic(path: Path, text: str) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def write_json(path: Path, report: dict[str, Any]) -> Path:
    """Strict JSON: a NaN or infinity a plugin put in the report becomes ``null``, and a
    numpy scalar its plain value, rather than an unreadable file or a crash at the end."""
    text = json.dumps(_plain(report), indent=2, allow_nan=False, default=_default)
    write_atomic(path, text + "\n")
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
