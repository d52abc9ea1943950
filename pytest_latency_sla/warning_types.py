"""The plugin's warnings. Top-level classes in an importable module, so that pytest-xdist can
rebuild them on the controller by module and name."""

from __future__ import annotations

import pytest


class LatencySLAWarning(pytest.PytestWarning):
    """Base class of every warning pytest-latency-sla emits."""

    __module__ = "pytest_latency_sla"


class LatencyOverkillWarning(LatencySLAWarning):
    """The budget is so far above the measured percentile that optimizing the call is wasted."""

    __module__ = "pytest_latency_sla"


class LatencyInconclusiveWarning(LatencySLAWarning):
    """Sampling hit ``max_time`` before the bounds could give a confident verdict."""

    __module__ = "pytest_latency_sla"


class LatencyMissWarning(LatencySLAWarning):
    """A budget was missed while ``--latency-mode=warn`` keeps the test passing."""

    __module__ = "pytest_latency_sla"


class LatencyRegressionWarning(LatencySLAWarning):
    """A confident regression against the stored baseline (``--latency-baseline``) while
    ``--latency-mode=warn`` keeps the test passing."""

    __module__ = "pytest_latency_sla"
