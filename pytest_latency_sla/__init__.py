"""pytest-latency-sla: hold p99 latency budgets in pytest, decided with confidence bounds.

The documented surface is what this package exports (below), the ``latency_sla`` marker and
fixture, the hooks of ``hookspecs``, ``pytest_latency_sla.onnx`` and the ``latency-sla``
command. Everything else is internal and may change.

The package is built in layers; a layer imports only the layers before it (checked by
``tests/test_layers.py``):

1. foundation -- ``records`` (types of what crosses a layer), ``units``, ``messages`` (every
   sentence a user reads, a module per topic: ``verdict``, ``ratio``, ``load``, ``capacity``,
   ``report``, ``charts``, ``errors``, ``files``), ``plan`` (what a test asks for),
   ``warning_types``, ``onnx``;
2. ``stats`` -- bounds, sequential looks, batch means, drift, two-sample bounds for ratios,
   the order statistics a stored baseline keeps, the seeded simulation;
3. ``engine`` -- the one clock, the sampler, the interleaved sampler of a comparison, the load
   engine, the capacity search over load runs, isolation;
4. ``verdict`` -- the one judge and the result records;
5. ``reports`` -- JSON, terminal and Markdown table, HTML;
6. the pytest edge -- ``plugin`` (hooks only), ``_item``, ``fixture``, ``collector``,
   ``_session``, ``settings``, ``markers``, ``hookspecs``, and the ``cli``.

Importing this package loads neither numpy nor onnxruntime, and the names below are loaded on
first use, so a session that never measures pays almost nothing for the plugin.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .plan import Threshold
    from .verdict.result import (
        CapacityResult,
        ComparisonResult,
        LatencyResult,
        ProbeResult,
        ThresholdResult,
    )
    from .warning_types import (
        LatencyInconclusiveWarning,
        LatencyMissWarning,
        LatencyOverkillWarning,
        LatencyRegressionWarning,
        LatencySLAWarning,
    )

__all__ = [
    "CapacityResult",
    "ComparisonResult",
    "LatencyInconclusiveWarning",
    "LatencyMissWarning",
    "LatencyOverkillWarning",
    "LatencyRegressionWarning",
    "LatencyResult",
    "LatencySLAWarning",
    "ProbeResult",
    "Threshold",
    "ThresholdResult",
]

__version__ = "0.1.0"

_HOMES = {
    "CapacityResult": ".verdict.result",
    "ComparisonResult": ".verdict.result",
    "ProbeResult": ".verdict.result",
    "LatencyResult": ".verdict.result",
    "ThresholdResult": ".verdict.result",
    "Threshold": ".plan",
    "LatencySLAWarning": ".warning_types",
    "LatencyOverkillWarning": ".warning_types",
    "LatencyInconclusiveWarning": ".warning_types",
    "LatencyMissWarning": ".warning_types",
    "LatencyRegressionWarning": ".warning_types",
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
