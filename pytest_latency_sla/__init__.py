"""pytest-latency-sla: hold p99 latency budgets in pytest, decided with confidence bounds.

Importing this package loads neither numpy nor onnxruntime.
"""

from __future__ import annotations

from .result import LatencyResult, ThresholdResult
from .thresholds import Threshold
from .warning_types import (
    LatencyInconclusiveWarning,
    LatencyMissWarning,
    LatencyOverkillWarning,
    LatencySLAWarning,
)

__all__ = [
    "LatencyInconclusiveWarning",
    "LatencyMissWarning",
    "LatencyOverkillWarning",
    "LatencyResult",
    "LatencySLAWarning",
    "Threshold",
    "ThresholdResult",
]

__version__ = "0.1.0"
