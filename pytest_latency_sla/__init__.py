"""pytest-latency-sla: hold p99 latency budgets in pytest, decided with confidence bounds.

Importing this package loads neither numpy nor onnxruntime, and the names below are loaded on
first use, so a session that never measures pays almost nothing for the plugin.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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

_HOMES = {
    "LatencyResult": ".result",
    "ThresholdResult": ".result",
    "Threshold": ".thresholds",
    "LatencySLAWarning": ".warning_types",
    "LatencyOverkillWarning": ".warning_types",
    "LatencyInconclusiveWarning": ".warning_types",
    "LatencyMissWarning": ".warning_types",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(home, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
