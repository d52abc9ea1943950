"""Load: what a run at a rate (or with concurrent callers) asked for and got, a rate above
capacity, and a load run too short for its correlation.
"""

from __future__ import annotations

from ..records import LoadDict, ResultDict, ThresholdDict
from ..units import format_duration, format_percentile
from .common import per_second, plural
from .verdict import bounds_text


def load_note(load: LoadDict) -> str:
    """``@ 28,000/s (served 27,950/s, start delay p99 3.00 us)`` for the threshold cell."""
    return f"{load_rate(load)} ({load_detail(load)})"


def load_rate(load: LoadDict) -> str:
    """What a load run asked for, short enough for a table column: ``@ 28,000/s``,
    ``@ 28,000/s, 4 threads``, ``@ 4 callers``."""
    workers = load.get("concurrency", 1)
    rate = load.get("rate")
    if rate is None:
        return f"@ {workers} callers"
    threads = f", {workers} threads" if workers > 1 else ""
    return f"@ {per_second(rate)}{threads}"


def load_detail(load: LoadDict) -> str:
    """What a load run got: ``served 27,950/s, start delay p99 3.00 us`` (closed-loop callers:
    ``served 27,950/s``)."""
    served = f"served {per_second(load['achieved_rate'])}"
    if load.get("rate") is None:
        return served
    return f"{served}, start delay p99 {format_duration(load.get('start_delay_p99_s'))}"


def overload_message(result: ResultDict) -> str | None:
    """``rate above capacity: target 28,000/s, served 9,870/s`` and why, for a load run stopped
    because its backlog kept growing; ``None`` for any other result."""
    load = result.get("load")
    if load is None or "overload" not in load or load.get("rate") is None:
        return None
    overload = load["overload"]
    rate = load["rate"] or 0.0
    head = (
        f"rate above capacity: target {per_second(rate)}, "
        f"served {per_second(overload['served_rate'])}"
    )
    workers = load["concurrency"]
    return (
        f"{head}\n  the start delay kept growing: {format_duration(overload['backlog_s'])} behind "
        f"schedule after {format_duration(overload['after_s'])} (stopped early, not at "
        f"max_time)\n  {result['n']:,} calls on {plural(workers, 'worker')}, p50 latency "
        f"{format_duration(result['quantiles_s'].get('50'))}; lower the rate or add workers "
        "(concurrency=)"
    )


def load_inconclusive_message(result: ResultDict, t: ThresholdDict, *, max_time: float) -> str:
    """Why a load run gave no confident verdict: too short for its correlation."""
    relation = "<=" if t["verdict"] == "pass" else ">"
    load = result.get("load")
    note = f" ({load_note(load)})" if load is not None else ""
    return (
        f"no confident verdict for {format_percentile(t['percentile'])} <= {t['budget_text']} "
        f"under load{note} after n={result['n']} in {format_duration(result['duration_s'])}: "
        f"estimate {format_duration(t['estimate_s'])} {relation} budget, "
        f"{bounds_text(result, t)} (latencies under load are correlated: the bounds count "
        f"blocks of calls, not calls); decided by the point estimate; raise max_time above "
        f"{max_time:g} s"
    )


def under_load_line(load: LoadDict) -> str:
    """The line a load miss adds under its failure message."""
    return f"under load {load_note(load)}"
