"""Results travel from the measuring process to the reporting one (the xdist controller) as
plain dicts on ``TestReport``s; the ``Collector`` gathers them with each test's outcome."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, cast

import pytest

from ._item import MARKER, interrupted_items_key, item_state_key
from .records import Outcome, ResultDict, StoredMeasurementDict

__all__ = [
    "CRASHED_ATTR",
    "MEASURES_ATTR",
    "RESULTS_ATTR",
    "STORED_ATTR",
    "Collector",
    "attach_results",
    "collector_key",
    "gather_unsent",
    "is_worker",
    "xdist_workers",
]

# The attribute that carries plain result dicts on a TestReport (it survives xdist's
# serialization, as every plain attribute of a report does).
RESULTS_ATTR = "latency_sla_results"
# Set (True) on the call report of a test whose isolated measurement crashed.
CRASHED_ATTR = "latency_sla_crashed"
# Set (True) on the setup report of a test that will measure (a marker, or the fixture): under
# xdist it reaches the controller before the call, so a worker that dies during the call
# leaves the controller knowing that a latency test was lost.
MEASURES_ATTR = "latency_sla_measures"
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
    state = item.stash.get(item_state_key, None)
    if report.when == "setup" and (
        (state is not None and state.plan is not None)
        or MARKER in getattr(item, "fixturenames", ())
    ):
        setattr(report, MEASURES_ATTR, True)
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
    confidence: float = 0.95  # the session's, for a row made here (a crashed worker's test)
    stored: dict[str, StoredMeasurementDict] = field(default_factory=dict)
    # every test whose body ran (for --latency-save: its earlier entries are replaced)
    ran: set[str] = field(default_factory=set)
    # Each test's place in the collection: under xdist results arrive in the order workers
    # finish them, and the report lists them in the order pytest collected them.
    collected: dict[str, int] = field(default_factory=dict)

    def order_by(self, nodeids: Iterable[str]) -> None:
        """Record the collection order (tests already known keep their place)."""
        for nodeid in nodeids:
            self.collected.setdefault(nodeid, len(self.collected))

    @pytest.hookimpl(optionalhook=True)
    def pytest_xdist_node_collection_finished(self, node: object, ids: list[str]) -> None:
        """On the xdist controller: a worker's collected ids (every worker collects the same
        tests in the same order)."""
        self.order_by(ids)

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.when == "call" and not report.skipped:
            self.ran.add(report.nodeid)
        carried = getattr(report, RESULTS_ATTR, None)
        if getattr(report, MEASURES_ATTR, False):
            self.by_test.setdefault(report.nodeid, [])
        if not carried and report.nodeid not in self.by_test:
            # a test that measures nothing: most tests of a suite stop here
            return
        if _worker_crash(report):
            self._crashed_worker(report)
        self.stored.update(getattr(report, STORED_ATTR, None) or {})
        self._add(report.nodeid, carried or ())
        self.outcomes[report.nodeid] = _merge(self.outcomes.get(report.nodeid), report)
        if hasattr(report, "wasxfail") and report.skipped:
            self.expected_failures.add(report.nodeid)

    def _add(self, test: str, carried: Iterable[Mapping[str, Any]]) -> None:
        for data in carried:
            record = cast(ResultDict, dict(data))
            self.results[record["nodeid"]] = record
            names = self.by_test.setdefault(test, [])
            if record["nodeid"] not in names:
                names.append(record["nodeid"])

    def _crashed_worker(self, report: pytest.TestReport) -> None:
        """pytest-xdist reports the test a dead worker was running as failed, with no results:
        what it measured died with the worker. The test still gets a row, ``crashed``."""
        if self.by_test.get(report.nodeid):
            return  # it measured during setup, and those results arrived
        record = cast(ResultDict, empty_record(report.nodeid, self.confidence))
        node = getattr(report, "node", None)
        worker = getattr(getattr(node, "gateway", None), "id", None)
        record["crashed_worker"] = str(worker or "?")
        self._add(report.nodeid, [record])

    def add_unsent(self, test: str, carried: Iterable[Mapping[str, Any]]) -> None:
        """Results of a test that never got its report (the session was interrupted in it)."""
        self._add(test, carried)
        self.outcomes[test] = "interrupted"

    def ordered(self) -> list[ResultDict]:
        """Every result in collection order (a test pytest did not collect, after them, in
        arrival order), each with its test's outcome so far; a measurement stopped by an
        interrupt is ``interrupted`` whatever its test's outcome."""
        out = []
        unknown = len(self.collected)
        tests = sorted(
            self.by_test.items(),
            key=lambda pair: self.collected.get(pair[0], unknown),  # sorted() is stable
        )
        for test, names in tests:
            outcome = self.outcomes.get(test, "passed")
            for name in names:
                record = self.results[name].copy()
                interrupted = record.get("stopped") == "interrupted" and outcome != "crashed"
                record["outcome"] = "interrupted" if interrupted else outcome
                if test in self.expected_failures:
                    # an xfail test that crashed is "crashed" yet expected: say so
                    record["xfail"] = True
                out.append(record)
        return out


def gather_unsent(session: pytest.Session) -> None:
    """Hand the collector the results of tests that an interrupt (Ctrl-C, ``pytest.exit``)
    stopped before pytest made their report: their rows say ``interrupted``."""
    config = session.config
    collector = config.stash.get(collector_key, None)
    if collector is None:
        return
    for item in config.stash.get(interrupted_items_key, []):
        state = item.stash.get(item_state_key, None)
        if state is None:
            continue
        sent = item.stash.get(_attached_key, 0)
        fresh = state.records[sent:]
        if fresh:
            collector.add_unsent(item.nodeid, fresh)
            item.stash[_attached_key] = len(state.records)


def empty_record(nodeid: str, confidence: float) -> dict[str, Any]:
    """A result with no samples, for a test whose measurement is lost."""
    return {
        "nodeid": nodeid,
        "n": 0,
        "warmup": 0,
        "duration_s": 0.0,
        "mean_s": None,
        "quantiles_s": {},
        "thresholds": [],
        "stopped": "crashed",
        "gc_collections": 0,
        "confidence": confidence,
        "unstable": False,
        "half_medians_s": None,
        "near_timer_resolution": False,
        "timer_overhead_s": 0.0,
    }


def _worker_crash(report: pytest.TestReport) -> bool:
    """The report pytest-xdist makes for the test a dead worker was running (its
    ``handle_crashitem``: phase ``"???"``, a "worker ... crashed while running" text)."""
    return (
        report.failed
        and report.when not in ("setup", "call", "teardown")
        and "crashed while running" in str(report.longrepr)
    )


def _merge(previous: Outcome | None, report: pytest.TestReport) -> Outcome:
    """The test's outcome after one more phase: the call decides, a failed setup or teardown
    makes it an error, and a crash of the measured call sticks."""
    if previous == "crashed" or getattr(report, CRASHED_ATTR, False) or _worker_crash(report):
        return "crashed"
    if report.when != "call" and report.failed:
        return "error"
    if report.when == "teardown":
        return previous or "passed"
    if hasattr(report, "wasxfail"):
        return "xfailed" if report.skipped else "xpassed"
    return cast("Outcome", report.outcome)


collector_key = pytest.StashKey[Collector]()
