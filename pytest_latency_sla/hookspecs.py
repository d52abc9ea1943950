"""Hooks that other plugins (or a ``conftest.py``) can implement."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from .result import LatencyResult
    from .thresholds import Threshold


@pytest.hookspec(firstresult=True)
def pytest_latency_sla_threshold(item: pytest.Item, threshold: Threshold) -> Threshold | None:
    """Called at setup for every threshold of a test's markers.

    Return a replacement ``Threshold`` to change it, e.g. a per-hardware budget with
    ``dataclasses.replace(threshold, budget_s=threshold.budget_s * 2, budget_text="100 ms")``;
    return ``None`` to keep it. The first non-``None`` result wins.
    """


def pytest_latency_sla_result(item: pytest.Item, result: LatencyResult) -> None:
    """Called after every finished measurement of a test (each fixture call is one), on the
    process that measured it (an xdist worker under ``-n``). Use it to export results to a
    metrics store."""


def pytest_latency_sla_report(config: pytest.Config, report: dict[str, Any]) -> None:
    """Called once on the controller with the JSON-able report (schema ``pytest-latency-sla/1``)
    before any report file is written; edit ``report`` in place to add or drop data."""
