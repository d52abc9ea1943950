"""Results gathered from test reports on the process that reports (the xdist controller)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

__all__ = ["CRASHED_ATTR", "RESULTS_ATTR", "Collector", "collector_key"]

# The attribute that carries plain result dicts on a TestReport (it survives xdist's
# serialization, as every plain attribute of a report does).
RESULTS_ATTR = "latency_sla_results"
# Set (True) on the call report of a test whose isolated measurement crashed.
CRASHED_ATTR = "latency_sla_crashed"


@dataclass
class Collector:
    results: dict[str, dict[str, Any]] = field(default_factory=dict)
    by_test: dict[str, list[str]] = field(default_factory=dict)

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        for data in getattr(report, RESULTS_ATTR, None) or ():
            record = dict(data)
            record["outcome"] = _outcome(report)
            self.results[record["nodeid"]] = record
            names = self.by_test.setdefault(report.nodeid, [])
            if record["nodeid"] not in names:
                names.append(record["nodeid"])
        if report.when != "call" and report.failed:
            for name in self.by_test.get(report.nodeid, ()):
                if self.results[name]["outcome"] != "crashed":
                    self.results[name]["outcome"] = "error"

    def ordered(self) -> list[dict[str, Any]]:
        return list(self.results.values())


def _outcome(report: pytest.TestReport) -> str:
    if getattr(report, CRASHED_ATTR, False):
        return "crashed"
    if hasattr(report, "wasxfail"):
        return "xfailed" if report.skipped else "xpassed"
    if report.when != "call" and report.failed:
        return "error"
    return str(report.outcome)


collector_key = pytest.StashKey[Collector]()
