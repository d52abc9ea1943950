"""A threshold and its verdict: how a threshold, its estimate and its verdict read, the failure
and inconclusive messages of a budget, the overkill warning, and what the samples themselves say
(drift, timer resolution, why a measurement ended without a verdict).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import cast

from ..records import AnyThresholdDict, RatioThresholdDict, ResultDict, SideDict, ThresholdDict
from ..units import (
    format_duration,
    format_measured_ratio,
    format_number,
    format_percentile,
    format_ratio,
)
from .common import RESOLUTION_FACTOR, plural
from .errors import crashed

# --- a threshold and its verdict ------------------------------------------------------------


def ratio_of(t: AnyThresholdDict) -> RatioThresholdDict | None:
    """``t`` as a ratio threshold, or ``None`` for a budget (a record without a ``kind`` is a
    budget, as every record was before ratios)."""
    return cast(RatioThresholdDict, t) if t.get("kind") == "ratio" else None


def budget_of(t: AnyThresholdDict) -> ThresholdDict | None:
    """``t`` as a budget (absolute threshold), or ``None`` for a ratio."""
    return None if t.get("kind") == "ratio" else cast(ThresholdDict, t)


def verdict_label(t: AnyThresholdDict) -> str:
    """``pass``, ``~pass`` (not confident), ``pass overkill``, ``FAIL``, ``~FAIL``; ``-`` for
    no verdict."""
    if t["verdict"] is None:
        return "-"
    if t["verdict"] == "pass":
        label = "pass" if t["confident"] else "~pass"
        budget = budget_of(t)
        return f"{label} overkill" if budget is not None and budget["overkill"] else label
    return "FAIL" if t["confident"] else "~FAIL"


def threshold_text(t: AnyThresholdDict) -> str:
    """``p99 <= 50 ms`` (the budget as written, or ``100 ms (50 ms x 2)`` when scaled);
    ``p50 <= 0.8x baseline``, ``p99 <= 1.1x stored`` for a ratio."""
    ratio = ratio_of(t)
    if ratio is not None:
        budget = f"{format_number(ratio['ratio'])}x {ratio['against']}"
    else:
        absolute = cast(ThresholdDict, t)
        budget = absolute.get("budget_text") or format_duration(absolute["budget_s"])
    return f"{format_percentile(t['percentile'])} <= {budget}"


def estimate_text(t: AnyThresholdDict) -> str:
    """``25.4 us [14.8 us, 33.5 us]``; ``1.56x [1.42x, 1.71x]`` for a ratio."""
    ratio = ratio_of(t)
    if ratio is not None:
        return (
            f"{format_measured_ratio(ratio['estimate'])} "
            f"[{format_measured_ratio(ratio['lower'])}, {format_measured_ratio(ratio['upper'])}]"
        )
    absolute = cast(ThresholdDict, t)
    return (
        f"{format_duration(absolute['estimate_s'])} "
        f"[{format_duration(absolute['lower_s'])}, {format_duration(absolute['upper_s'])}]"
    )


# --- the messages of a budget ----------------------------------------------------------------


def bounds_text(result: ResultDict, t: ThresholdDict) -> str:
    """``95% bounds [55.0 ms, 70.3 ms]``."""
    return (
        f"{result['confidence'] * 100:g}% bounds "
        f"[{format_duration(t['lower_s'])}, {format_duration(t['upper_s'])}]"
    )


@dataclass(frozen=True)
class ColdStart:
    """A miss whose calls over budget are mostly the first timed calls: ``over_first`` of the
    ``over`` calls over budget came in the first ``first`` calls; ``warmup`` is the suggestion."""

    first: int
    over_first: int
    over: int
    warmup: int


def failure_message(result: ResultDict, t: ThresholdDict, cold: ColdStart | None = None) -> str:
    """``latency SLA missed: p99 = 61.2 ms > budget 50 ms (n=412, 95% bounds [...]; p50 ...,
    max ...)``, then why the verdict is (or is not) confident, a cold start if the calls over
    budget came first, and how the samples were taken."""
    quantiles = result["quantiles_s"]
    head = (
        f"latency SLA missed: {format_percentile(t['percentile'])} = "
        f"{format_duration(t['estimate_s'])} > budget {t['budget_text']} (n={result['n']}, "
        f"{bounds_text(result, t)}; p50 {format_duration(quantiles.get('50'))}, "
        f"max {format_duration(quantiles.get('max'))})"
    )
    if t["confident"]:
        why = (
            f"confident: the {result['confidence'] * 100:g}% lower bound of the "
            f"{format_percentile(t['percentile'])} is above the budget"
        )
    else:
        why = (
            f"not confident: sampling stopped ({result['stopped']}) before the bounds could "
            "decide; the verdict is the point estimate"
        )
    lines = [head, why]
    if cold is not None:
        lines.append(cold_start_note(result, cold))
    lines.append(sampling_context(result))
    return "\n  ".join(lines)


def cold_start_note(result: ResultDict, cold: ColdStart) -> str:
    return (
        f"cold start? {cold.over_first} of the {plural(cold.over, 'call')} over budget came in the "
        f"first {cold.first} of {result['n']:,} timed calls, after "
        f"{plural(result['warmup'], 'warm-up call')}: the call may still have been warming up; "
        f"if the budget is for its steady state, set warmup={cold.warmup}"
    )


def sampling_context(result: ResultDict) -> str:
    """``598 timed calls in 1.26 s after 10 warm-up calls; 0 garbage collections while
    sampling`` (for a comparison: pairs, and both warm-ups), and what the stability checks
    found."""
    if "baseline" in result and "candidate" in result:
        warmups = f"{result['candidate']['warmup']}+{result['baseline']['warmup']}"
        text = (
            f"{plural(result['n'], 'pair')} of calls in random order in "
            f"{format_duration(result['duration_s'])} after {warmups} warm-up calls; "
            f"{plural(result['gc_collections'], 'garbage collection')} while sampling"
        )
    else:
        text = (
            f"{plural(result['n'], 'timed call')} in {format_duration(result['duration_s'])} "
            f"after {plural(result['warmup'], 'warm-up call')}; "
            f"{plural(result['gc_collections'], 'garbage collection')} while sampling"
        )
    return "; ".join([text, *stability_notes(result)])


def overkill_message(t: ThresholdDict) -> str:
    """``p99 = 7.1 us is 7,042x under the 50 ms budget (overkill threshold 1,000x): ...``"""
    margin = t["margin"] if t["margin"] is not None else math.inf
    limit = t["overkill_threshold"] if t["overkill_threshold"] is not None else math.inf
    return (
        f"{format_percentile(t['percentile'])} = {format_duration(t['estimate_s'])} is "
        f"{format_ratio(margin)} under the {t['budget_text']} budget (overkill threshold "
        f"{format_ratio(limit)}): further optimization of this call is wasted effort"
    )


def inconclusive_message(
    result: ResultDict, t: ThresholdDict, *, max_time: float, needed_n: int
) -> str:
    """Why no confident verdict came, and what ``max_time`` would give one (``needed_n``: the
    sample count at which the current exceedance rate would decide, 0 if none would)."""
    relation = "<=" if t["verdict"] == "pass" else ">"
    n = result["n"]
    per_call = result["duration_s"] / n if n else 0.0
    if needed_n > n:
        advice = (
            f"raise max_time to about {round_up_seconds(needed_n * per_call * 1.2)} s "
            f"(a confident verdict needs n >= {needed_n} at {format_duration(per_call)} a call)"
        )
    else:
        advice = f"raise max_time above {max_time:g} s (the percentile sits close to the budget)"
    text = (
        f"no confident verdict for {format_percentile(t['percentile'])} <= {t['budget_text']} "
        f"after n={n} in {format_duration(result['duration_s'])}: estimate "
        f"{format_duration(t['estimate_s'])} {relation} budget, {bounds_text(result, t)}; "
        f"decided by the point estimate; {advice}"
    )
    return "; ".join([text, *stability_notes(result)])


def round_up_seconds(seconds: float) -> str:
    """A ``max_time`` to suggest: tenths below a second, whole seconds above."""
    if seconds < 1:
        return f"{math.ceil(seconds * 10) / 10:g}"
    return f"{math.ceil(seconds):d}"


# --- what the samples themselves say ---------------------------------------------------------


def stability_notes(result: ResultDict) -> list[str]:
    """Drift between the halves, and a call near the timer's resolution (for a comparison,
    of each side)."""
    sides: list[tuple[str, ResultDict | SideDict]] = [("", result)]
    if "candidate" in result and "baseline" in result:
        sides = [("candidate ", result["candidate"]), ("baseline ", result["baseline"])]
    found = []
    overhead = format_duration(result.get("timer_overhead_s", 0.0))
    for name, side in sides:
        halves = side.get("half_medians_s")
        if side.get("unstable") and halves is not None:
            first, second = halves
            found.append(
                f"{name}unstable: the median moved from {format_duration(first)} in the first "
                f"half of the samples to {format_duration(second)} in the second (the bounds "
                "assume it does not)"
            )
        p50 = side.get("quantiles_s", {}).get("50")
        if side.get("near_timer_resolution") and p50 is not None:
            found.append(
                f"{name}p50 {format_duration(p50)} is under {RESOLUTION_FACTOR}x the timer "
                f"overhead ({overhead}): near timer resolution"
            )
    return found


def result_notes(result: ResultDict) -> list[str]:
    """The notes under the table for one result: why it ended early (a crash, an interrupt),
    collections while sampling, then ``stability_notes``."""
    ended = ending(result)
    if ended is not None:
        return [ended]
    found = stability_notes(result)
    collections = result.get("gc_collections", 0)
    if collections:
        found.insert(0, f"{plural(collections, 'garbage collection')} while sampling")
    if result.get("stored") == "new":
        found.append("new: not in the stored baseline, nothing to compare with")
    return found


def ending(result: ResultDict) -> str | None:
    """Why a measurement has no verdict: ``interrupted after n=412`` (a timeout, Ctrl-C),
    ``measured call crashed: SIGSEGV (signal 11)``, ``worker 'gw0' crashed ...``; else None."""
    if result.get("outcome") == "interrupted":
        return interrupted(result["n"])
    if result.get("outcome") == "crashed":
        worker = result.get("crashed_worker")
        if worker is not None:
            return worker_crashed(worker)
        how = result.get("crash")
        return crashed(how) if how else "crashed"
    return None


def worker_crashed(worker: str) -> str:
    """A test whose pytest-xdist worker died while running it (pytest reports it failed)."""
    return (
        f"pytest-xdist worker {worker} crashed while running this test; what it measured "
        "was lost with the worker"
    )


def interrupted(n: int) -> str:
    """``interrupted after n=412``: a measurement stopped from outside before its verdict."""
    return f"interrupted after n={n:,}"
