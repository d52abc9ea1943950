"""Stored baselines at the pytest edge.

``--latency-baseline=PATH``: the file is loaded and checked when the session starts (a file
that is not a baseline stops the session with a one-line ``UsageError``); each measurement whose
name is in it gets a ratio threshold ``now <= (1 + regression) x stored`` per percentile it
gates (``stored_for``), and one that is not is reported as new. ``--latency-save=PATH``: each
measurement's order statistics travel with its report (``collector``), and the file is written
at the end (``_session``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from .messages.files import SAVE_NOT_REPLACED
from .records import (
    BaselineNoteDict,
    EnvironmentDict,
    MachineDict,
    StoredMeasurementDict,
    StoredStatus,
)
from .settings import Settings
from .stats.stored import OrderWindow

__all__ = [
    "FINGERPRINT",
    "StoredBaseline",
    "baseline_key",
    "load_baseline",
    "machine_of",
    "same_machine",
]

SCHEMA = "pytest-latency-sla-baseline/1"
# The parts of an environment record that make a machine's latencies what they are.
FINGERPRINT = ("cpu", "cpu_count", "python", "platform", "onnxruntime")


@dataclass(frozen=True)
class Stored:
    """What is needed later of a stored measurement: its order statistics by percentile."""

    n: int
    windows: dict[float, OrderWindow] = field(default_factory=dict)


@dataclass(frozen=True)
class StoredBaseline:
    """A loaded baseline file: where and when it was measured, and its measurements by name."""

    path: Path
    created: str
    machine: MachineDict
    measurements: dict[str, Stored]

    def stored_for(
        self, name: str, gated: Iterable[float]
    ) -> tuple[StoredStatus, Mapping[float, OrderWindow]]:
        """Whether the measurement ``name`` is in the baseline, and its windows of the gated
        percentiles (those the stored record has)."""
        found = self.measurements.get(name)
        if found is None:
            return "new", {}
        return "compared", {p: found.windows[p] for p in set(gated) if p in found.windows}

    def note(self, machine: MachineDict) -> BaselineNoteDict:
        """What the JSON report records about this baseline, next to this run's machine."""
        return {
            "path": str(self.path),
            "created": self.created,
            "machine": self.machine,
            "same_machine": same_machine(self.machine, machine),
        }


baseline_key = pytest.StashKey[StoredBaseline]()


def configure(config: pytest.Config, settings: Settings) -> None:
    """Load ``--latency-baseline`` once per process (each xdist worker compares on its own);
    check that a file already at ``--latency-save`` is a baseline (its entries of tests not run
    are kept: ``merged``), so that a report or a typo is never overwritten at the end."""
    if settings.mode == "off":
        return
    if settings.baseline is not None:
        config.stash[baseline_key] = load_baseline(settings.baseline)
    save = settings.save
    if save is not None and save.is_file() and save.stat().st_size:
        load_baseline(save, "--latency-save")


def merged(
    path: Path,
    measured: Mapping[str, StoredMeasurementDict],
    ran: Iterable[str],
    machine: MachineDict,
) -> tuple[dict[str, StoredMeasurementDict], int, int]:
    """What ``--latency-save`` writes to ``path``: the measurements of this run, and those of
    the file already there whose tests did not run now (deselected with ``-k``, on another
    shard), when it was measured on the same machine. Returns the measurements, how many were
    kept from the file, and how many were dropped because the file came from another machine.
    A test that ran now has its earlier entries replaced, all of them (``#2`` included)."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        earlier = data["measurements"]
        stored_machine = data.get("machine") or {}
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError):
        return dict(measured), 0, 0
    now = set(ran) | {_test_of(name) for name in measured}
    keep = {n: r for n, r in earlier.items() if _test_of(n) not in now and n not in measured}
    if not same_machine(stored_machine, machine):
        return dict(measured), 0, len(keep)
    return {**keep, **measured}, len(keep), 0


def _test_of(name: str) -> str:
    """The test of a measurement's name: ``t.py::test_x#2`` -> ``t.py::test_x``."""
    return re.sub(r"#\d+$", "", name)


def load_baseline(path: Path, option: str = "--latency-baseline") -> StoredBaseline:
    """The baseline at ``path``; ``pytest.UsageError`` naming the ``option``, the path and what
    is wrong."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise pytest.UsageError(
            f"{option}: cannot read {str(path)!r} as a baseline file: {error}"
            f"{SAVE_NOT_REPLACED if option == '--latency-save' else ''}"
        ) from None
    try:
        return _parse(path, data)
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        text = f"missing {error}" if isinstance(error, KeyError) else str(error)
        raise pytest.UsageError(
            f"{option}: {str(path)!r} is not a {SCHEMA} file written by --latency-save: {text}"
            f"{SAVE_NOT_REPLACED if option == '--latency-save' else ''}"
        ) from None


def _parse(path: Path, data: Any) -> StoredBaseline:
    if not isinstance(data, dict) or data.get("schema") != SCHEMA:
        schema = data.get("schema") if isinstance(data, dict) else type(data).__name__
        raise ValueError(f"schema {schema!r}, expected {SCHEMA!r}")
    measurements = {}
    for name, record in data["measurements"].items():
        n = record["n"]
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise ValueError(f"{name}: n must be a positive int, got {n!r}")
        windows = {}
        for window in record["order_statistics"]:
            try:
                rebuilt = OrderWindow.from_dict(window, n)
            except ValueError as error:
                raise ValueError(f"{name}: {error}") from None
            windows[rebuilt.percentile] = rebuilt
        measurements[str(name)] = Stored(n, windows)
    machine = data.get("machine") or {}
    if not isinstance(machine, dict):
        raise ValueError("machine must be a JSON object")
    return StoredBaseline(Path(path), str(data.get("created", "")), machine, measurements)  # type: ignore[arg-type]


def machine_of(environment: EnvironmentDict) -> MachineDict:
    """This run's fingerprint, from the report's environment record."""
    machine: MachineDict = {}
    for key in FINGERPRINT:
        if key in environment:
            machine[key] = environment[key]  # type: ignore[literal-required]
    return machine


def same_machine(stored: Mapping[str, Any], now: Mapping[str, Any]) -> bool:
    """The fingerprints agree (onnxruntime only where both runs loaded it)."""
    for key in FINGERPRINT:
        if key == "onnxruntime" and not (stored.get(key) and now.get(key)):
            continue
        if stored.get(key) != now.get(key):
            return False
    return True
