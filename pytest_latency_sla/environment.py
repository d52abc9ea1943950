"""The one line of environment printed above the table: what the numbers were measured on."""

from __future__ import annotations

import gc
import platform
import sys
import time
from functools import cache
from typing import Any, Callable


@cache
def timer_overhead_ns() -> int:
    """The timer's own cost, measured once per process (each xdist worker measures its own).
    A median of 2,000 pairs is stable to a nanosecond or two and costs well under a millisecond."""
    return measure_timer_overhead_ns(time.perf_counter_ns)


def measure_timer_overhead_ns(clock: Callable[[], int], pairs: int = 2000) -> int:
    """The median of ``t1 - t0`` over back-to-back reads ``t0 = clock(); t1 = clock()``: what
    the sampler's timed loop adds to every call when the call itself does nothing."""
    diffs: list[int] = []
    append = diffs.append
    for _ in range(pairs):
        t0 = clock()
        t1 = clock()
        append(t1 - t0)
    diffs.sort()
    return int(diffs[len(diffs) // 2])


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


def onnxruntime_version() -> str | None:
    module = sys.modules.get("onnxruntime")
    return getattr(module, "__version__", None) if module is not None else None


def describe(gc_mode: str, extra_onnxruntime: str | None = None) -> dict[str, Any]:
    clock = time.get_clock_info("perf_counter")
    env: dict[str, Any] = {
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "cpu": cpu_name(),
        "cpu_count": _cpu_count(),
        "clock": f"{clock.implementation}, resolution {clock.resolution * 1e9:g} ns",
        "timer_overhead_ns": timer_overhead_ns(),
        "gc": "disabled while sampling" if gc_mode == "disable" else "on (gc.collect() before)",
        "gc_thresholds": list(gc.get_threshold()),
    }
    version = onnxruntime_version() or extra_onnxruntime
    if version:
        env["onnxruntime"] = version
    return env


def _cpu_count() -> int:
    import os

    return (
        len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    )


def one_line(env: dict[str, Any]) -> str:
    parts = [
        f"Python {env['python']}",
        f"CPU {env['cpu']} ({env['cpu_count']} cores)",
        f"clock {env['clock']}",
        f"timer overhead {env['timer_overhead_ns']} ns",
        f"GC {env['gc']}",
    ]
    if env.get("onnxruntime"):
        parts.append(f"onnxruntime {env['onnxruntime']}")
    if env.get("xdist_workers"):
        parts.append(f"xdist {env['xdist_workers']} workers")
    return "; ".join(parts)
