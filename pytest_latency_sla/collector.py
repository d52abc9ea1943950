"""Results travel from the measuring process to the reporting one (the xdist controller) as
plain dicts on ``TestReport``s; the ``Collector`` gathers them with each test's outcome."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, cast

import pytest

if TYPE_CHECKING:
    from .records import Outcome, ResultDict, StoredMeasurementDict

__all__ = [
    "CRASHED_ATTR",
    "RESULTS_ATTR",
    "STORED_ATTR",
    "Collector",
    "attach_results",
    "collector_key",
    "is_worker",
    "xdist_workers",
]

# The attribute that carries plain result dicts on a TestReport (it survives xdist's
# serialization, as every plain attribute of a report does).
RESULTS_ATTR = "latency_sla_results"
# Set (True) on the call report of a test whose isolated measurement crashed.
CRASHED_ATTR = "latency_sla_crashed"
# With --latency-save: the stored form of the measurements on the report, by name.
STORED_ATTR = "latency_sla_stored"

_attached_key = pytest.StashKey[int]()


def is_worker(config: pytest.Config) -> bool:
    """Whether this process is a pytest-xdist worker (it measures; the controller reports)."""
    return hasattr(config, "workerinput")


def xdist_workers(config: pytest.Config) -> int:
    """How many xdist workers this (controller) process runs; 0 without xdist."""
    if is_worker(config) or not config.pluginmanager.hasplugin("dsession"):
        return 0
    return len(getattr(config.option, "tx", None) or ())


def attach_results(item: pytest.Item, report: pytest.TestReport) -> None:
    """Put the item's measurements not yet sent on ``report``, and mark the call report of a
    crashed isolated measurement. Usually measurements go with the call phase, but a fixture
    may measure during setup, and the test may then never reach its call."""
    from ._item import item_state_key

    state = item.stash.get(item_state_key, None)
    if state is None:
        return
    if report.when == "call" and state.crashed:
        setattr(report, CRASHED_ATTR, True)
    sent = item.stash.get(_attached_key, 0)
    fresh = state.records[sent:]
    if fresh:
        setattr(report, RESULTS_ATTR, fresh)
        names = [r["nodeid"] for r in fresh]
        stored = {name: state.stored[name] for name in names if name in state.stored}
        if stored:
            setattr(report, STORED_ATTR, stored)
        item.stash[_attached_key] = len(state.records)


@dataclass(eq=False)  # a plugin object: pytest keeps registered plugins in sets
class Collector:
    """Registered as a plugin on the process that reports: gathers every result and outcome."""

    results: dict[str, ResultDict] = field(default_factory=dict)
    by_test: dict[str, list[str]] = field(default_factory=dict)
    outcomes: dict[str, Outcome] = field(default_factory=dict)
    expected_failures: set[str] = field(default_factory=set)
    stored: dict[str, StoredMeasurementDict] = field(default_factory=dict)

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        carried = getattr(report, RESULTS_ATTR, None)
        if not carried and report.nodeid not in self.by_test:
            # a test that measured nothing so far: its earlier phases passed (or it would have
            # ended there), so nothing about it needs keeping; most tests of a suite stop here
            return
        self.stored.update(getattr(report, STORED_ATTR, None) or {})
        for data in carried or ():
            record = cast("ResultDict", dict(data))
            self.results[record["nodeid"]] = record
            names = self.by_test.setdefault(report.nodeid, [])
            if record["nodeid"] not in names:
                names.append(record["nodeid"])
        self.outcomes[report.nodeid] = _merge(self.outcomes.get(report.nodeid), report)
        if hasattr(report, "wasxfail") and report.skipped:
            self.expected_failures.add(report.nodeid)

    def ordered(self) -> list[ResultDict]:
        """Every result in arrival order, each with its test's outcome so far."""
        out = []
        for test, names in self.by_test.items():
            outcome = self.outcomes.get(test, "passed")
            for name in names:
                record = self.results[name].copy()
                record["outcome"] = outcome
                if test in self.expected_failures:
                    # an xfail test that crashed is "crashed" yet expected: say so
                    record["xfail"] = True
                out.append(record)
        return out


def _merge(previous: Outcome | None, report: pytest.TestReport) -> Outcome:
    """The test's outcome after one more phase: the call decides, a failed setup or teardown
    makes it an error, and a crash of the measured call sticks."""
    if previous == "crashed" or getattr(report, CRASHED_ATTR, False):
        return "crashed"
    if report.when != "call" and report.failed:
        return "error"
    if report.when == "teardown":
        return previous or "passed"
    if hasattr(report, "wasxfail"):
        return "xfailed" if report.skipped else "xpassed"
    return cast("Outcome", report.outcome)


collector_key = pytest.StashKey[Collector]()
