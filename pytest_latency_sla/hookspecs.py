"""Hooks that other plugins (or a ``conftest.py``) can implement.

Registered in ``pytest_addhooks``; implement them as plain functions named like the specs below.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from .plan import Threshold
    from .records import ReportDict
    from .verdict.result import CapacityResult, ComparisonResult, LatencyResult


@pytest.hookspec(firstresult=True)
def pytest_latency_sla_threshold(item: pytest.Item, threshold: Threshold) -> Threshold | None:
    """Called at setup, on the process that runs the test, for every threshold of its markers.

    Return a replacement ``Threshold`` to change it, e.g. a per-hardware budget with
    ``dataclasses.replace(threshold, budget_s=threshold.budget_s * 2, budget_text="100 ms")``;
    return ``None`` to keep it. The first non-``None`` result wins. ``budget_s`` is the budget
    as the marker wrote it: ``--latency-scale`` multiplies the returned budget too.

    Budgets only: a ``ratio=`` threshold (``threshold.kind == "ratio"``) compares two calls
    measured on the same machine in the same run, so no per-hardware adjustment applies and
    this hook is not called for it (nor does ``--latency-scale`` change it).
    """


@pytest.hookspec
def pytest_latency_sla_result(
    item: pytest.Item, result: LatencyResult | ComparisonResult | CapacityResult
) -> None:
    """Called after every finished measurement of a test (each fixture call is one), before
    the verdict fails the test, on the process that measured it (an xdist worker under
    ``-n``). ``result`` is the ``LatencyResult``, samples included; for
    ``latency_sla.compare`` the ``ComparisonResult`` (its ``candidate`` and ``baseline`` are
    ``LatencyResult``s); for ``latency_sla.capacity`` the ``CapacityResult`` with every probe
    (``isinstance`` tells them apart). Use it to export results to a metrics store; nothing is
    called in ``--latency-mode=off``."""


@pytest.hookspec
def pytest_latency_sla_report(config: pytest.Config, report: ReportDict) -> None:
    """Called once per session that asks for a report (``--latency-report``, ``-json``,
    ``-md`` or ``-html``), on the controller under xdist, with the JSON-able report
    (schema ``pytest-latency-sla/1``, every test's result in ``report["results"]``) before the
    terminal table is printed and any report file is written. Edit ``report`` in place to add
    or drop data; the table and every file show the edit."""
