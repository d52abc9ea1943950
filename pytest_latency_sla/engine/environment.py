"""What the numbers were measured on: Python, CPU, clock, timer overhead, GC, onnxruntime.

``describe`` gives the report's ``environment`` record; ``messages.report.environment_line``
words it.
"""

from __future__ import annotations

import gc
import os
import platform
import sys
import time
from functools import cache

from ..messages.report import gc_setting
from ..records import EnvironmentDict, GcMode
from .clock import timer_overhead_ns

__all__ = ["cpu_count", "cpu_name", "describe", "onnxruntime_version"]


@cache
def cpu_name() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.lower().startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown"


def cpu_count() -> int:
    """The cores this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def onnxruntime_version() -> str | None:
    """The version of onnxruntime when this process has imported it (never imports it)."""
    module = sys.modules.get("onnxruntime")
    return getattr(module, "__version__", None) if module is not None else None


def describe(gc_mode: GcMode, extra_onnxruntime: str | None = None) -> EnvironmentDict:
    clock = time.get_clock_info("perf_counter")
    env: EnvironmentDict = {
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "cpu": cpu_name(),
        "cpu_count": cpu_count(),
        "clock": f"{clock.implementation}, resolution {clock.resolution * 1e9:g} ns",
        "timer_overhead_ns": timer_overhead_ns(),
        "gc": gc_setting(gc_mode),
        "gc_thresholds": list(gc.get_threshold()),
    }
    version = onnxruntime_version() or extra_onnxruntime
    if version:
        env["onnxruntime"] = version
    return env
