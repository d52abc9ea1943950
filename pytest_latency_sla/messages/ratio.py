"""Ratios: a candidate against a baseline (``latency_sla.compare``), or this run against a stored
baseline; the machine a stored baseline was measured on.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..records import RatioThresholdDict, ResultDict
from ..units import format_duration, format_measured_ratio, format_number, format_percentile
from .common import printable
from .verdict import round_up_seconds, sampling_context, stability_notes, threshold_text


def _sides(t: RatioThresholdDict) -> tuple[str, str]:
    """How the two sides of a ratio are called: candidate/baseline, or now/stored."""
    return ("now", "stored") if t["against"] == "stored" else ("candidate", "baseline")


def ratio_bounds_text(result: ResultDict, t: RatioThresholdDict) -> str:
    """``95% bounds [1.42x, 1.71x]``."""
    return (
        f"{result['confidence'] * 100:g}% bounds "
        f"[{format_measured_ratio(t['lower'])}, {format_measured_ratio(t['upper'])}]"
    )


def ratio_head(result: ResultDict, t: RatioThresholdDict) -> str:
    """``latency ratio missed: p50 candidate/baseline = 1.56x > 0.8x (n=598+598, 95% bounds
    [1.42x, 1.71x]; candidate p50 13.1 us, baseline p50 8.40 us)``; against a stored baseline
    ``latency regression: p99 now/stored = ...``."""
    now, then = _sides(t)
    p = format_percentile(t["percentile"])
    what = "latency regression" if t["against"] == "stored" else "latency ratio missed"
    relation = "<=" if t["verdict"] == "pass" else ">"
    return (
        f"{what}: {p} {now}/{then} = {format_measured_ratio(t['estimate'])} {relation} "
        f"{format_number(t['ratio'])}x (n={result['n']}+{t['baseline_n']}, "
        f"{ratio_bounds_text(result, t)}; {now} {p} {format_duration(t['candidate_s'])}, "
        f"{then} {p} {format_duration(t['baseline_s'])})"
    )


def ratio_failure_message(result: ResultDict, t: RatioThresholdDict) -> str:
    """``ratio_head``, then why the verdict is (or is not) confident and how the samples were
    taken."""
    p = format_percentile(t["percentile"])
    level = f"{(1 + result['confidence']) / 2 * 100:g}%"
    if t["against"] == "stored":
        now, then = f"this run's {p}", f"the stored {p}"
    else:
        now, then = f"the candidate's {p}", "the baseline's"
    if t["confident"]:
        why = (
            f"confident: the {level} lower bound of {now} is above "
            f"{format_number(t['ratio'])}x the {level} upper bound of {then}"
        )
    else:
        why = (
            f"not confident: sampling stopped ({result['stopped']}) before the bounds could "
            "decide; the verdict is the ratio of the point estimates"
        )
    lines = [ratio_head(result, t), why, sampling_context(result)]
    if t["against"] == "stored":
        lines.append(STORED_MEASURES_THE_MACHINE)
    return "\n  ".join(lines)


# The advice under every regression against a stored baseline: p99 of a microsecond call on a
# shared runner measures the runner's contention as much as the code.
STORED_MEASURES_THE_MACHINE = (
    "a stored baseline compares the machine's state too (its load, its neighbours, its clock "
    "speed then and now); on shared runners latency_sla.compare(candidate, baseline), "
    "interleaved in the same run, is the gate that does not measure the runner"
)


def ratio_inconclusive_message(
    result: ResultDict, t: RatioThresholdDict, *, max_time: float, needed_n: int
) -> str:
    """Why a ratio got no confident verdict, and what ``max_time`` would give one
    (``needed_n``: the pair count at which samples like these would decide, 0 if none would)."""
    relation = "<=" if t["verdict"] == "pass" else ">"
    n = result["n"]
    per_pair = result["duration_s"] / n if n else 0.0
    unit = "a call" if t["against"] == "stored" else "a pair"
    if needed_n > n:
        advice = (
            f"raise max_time to about {round_up_seconds(needed_n * per_pair * 1.2)} s "
            f"(a confident verdict needs n >= {needed_n} at {format_duration(per_pair)} {unit})"
        )
    else:
        advice = f"raise max_time above {max_time:g} s (the ratio sits close to the limit)"
    text = (
        f"no confident verdict for {threshold_text(t)} after n={n}+{t['baseline_n']} in "
        f"{format_duration(result['duration_s'])}: ratio {format_measured_ratio(t['estimate'])} "
        f"{relation} {format_number(t['ratio'])}x, {ratio_bounds_text(result, t)}; decided by "
        f"the point estimates; {advice}"
    )
    return "; ".join([text, *stability_notes(result)])


def stored_too_small(result: ResultDict, t: RatioThresholdDict) -> str:
    """A ratio to a stored baseline that no number of samples in this run could decide."""
    p = format_percentile(t["percentile"])
    return (
        f"no confident verdict for {threshold_text(t)} after n={result['n']}+{t['baseline_n']}: "
        f"ratio {format_measured_ratio(t['estimate'])}, {ratio_bounds_text(result, t)}; the "
        f"stored baseline's {t['baseline_n']:,} samples bound its {p} too loosely to decide a "
        f"{format_number(t['ratio'])}x limit either way, however long this run samples: "
        "compare with a baseline saved from a run with more samples"
    )


def ratios_without_gate(result: ResultDict) -> str:
    """The estimate cell of a comparison with no ratio threshold: ``p50 1.56x, p99 1.20x``."""
    candidate = result.get("candidate")
    baseline = result.get("baseline")
    if candidate is None or baseline is None:
        return "-"
    found = []
    for key in ("50", "99"):
        x, y = candidate["quantiles_s"].get(key), baseline["quantiles_s"].get(key)
        if x is not None and y:
            found.append(f"p{key} {format_measured_ratio(x / y)}")
    return ", ".join(found) or "-"


def machine_text(machine: Mapping[str, Any]) -> str:
    """``AMD EPYC (2 cores, Python 3.11.7, onnxruntime 1.17.0)``, on one line whatever a
    (hand-edited) baseline file holds (``printable``)."""
    parts = []
    if "cpu_count" in machine:
        parts.append(f"{machine['cpu_count']} cores")
    if "python" in machine:
        parts.append(f"Python {machine['python']}")
    if machine.get("onnxruntime"):
        parts.append(f"onnxruntime {machine['onnxruntime']}")
    cpu = str(machine.get("cpu", "an unknown CPU"))
    return printable(f"{cpu} ({', '.join(parts)})" if parts else cpu)


def other_machine(stored: Mapping[str, Any], now: Mapping[str, Any]) -> str:
    """The one notice when a stored baseline comes from another machine."""
    return f"latency-sla: {other_machine_note(stored, now)}"


def other_machine_note(stored: Mapping[str, Any], now: Mapping[str, Any]) -> str:
    """``the baseline was measured on <cpu>, this run on <cpu>: the comparison measures the
    machines too`` (``now``: this run's machine, or its environment record)."""
    return (
        f"the baseline was measured on {machine_text(stored)}, this run on "
        f"{machine_text(now)}: the comparison measures the machines too"
    )
