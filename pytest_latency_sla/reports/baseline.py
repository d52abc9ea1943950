"""The stored baseline file (schema ``pytest-latency-sla-baseline/1``): what ``--latency-save``
writes, atomically, for a later ``--latency-baseline`` run to compare with."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path

from ..records import BaselineDict, MachineDict, StoredMeasurementDict
from .files import write_report

__all__ = ["BASELINE_SCHEMA", "build_baseline", "write_baseline"]

BASELINE_SCHEMA = "pytest-latency-sla-baseline/1"


def build_baseline(
    measurements: Mapping[str, StoredMeasurementDict], machine: MachineDict
) -> BaselineDict:
    """The file's record: the machine fingerprint and every stored measurement by name."""
    return {
        "schema": BASELINE_SCHEMA,
        "created": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "machine": machine,
        "measurements": dict(measurements),
    }


def write_baseline(path: Path, baseline: BaselineDict) -> Path:
    """Compact JSON (one measurement per line), written by the rules of the report files
    (``files.write_report``: atomically, a symlink or device written through)."""
    lines = [
        "{" + f'"schema": {json.dumps(baseline["schema"])},',
        f'"created": {json.dumps(baseline["created"])},',
        f'"machine": {json.dumps(baseline["machine"], sort_keys=True)},',
        '"measurements": {',
    ]
    items = list(baseline["measurements"].items())
    for i, (name, stored) in enumerate(items):
        comma = "," if i < len(items) - 1 else ""
        lines.append(f"{json.dumps(name)}: {json.dumps(stored, separators=(',', ':'))}{comma}")
    lines.append("}}")
    return write_report(path, "\n".join(lines) + "\n")
