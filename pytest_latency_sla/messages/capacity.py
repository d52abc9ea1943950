"""Capacity: what a capacity search (``latency_sla.capacity``) claims, its probes, why it
stopped, its miss, and its cells in the report.
"""

from __future__ import annotations

import math

from ..records import CapacityDict, CapacityStop, ProbeDict, ResultDict
from ..units import format_duration, format_ratio
from .common import per_second, plural


def _budgets(capacity: CapacityDict) -> tuple[str, bool]:
    """``p99 <= 50 ms`` (and whether there are several: the verb agrees)."""
    budgets = capacity["budgets"]
    if len(budgets) <= 1:
        return (budgets[0] if budgets else "the budget"), False
    return ", ".join(budgets[:-1]) + f" and {budgets[-1]}", True


def capacity_line(capacity: CapacityDict, confidence: float) -> str:
    """``capacity: p99 <= 50 ms holds at 31,000/s and misses at 33,800/s (95% confident
    each)``, or what the search could claim."""
    budgets, several = _budgets(capacity)
    holds, misses = capacity["holds_at"], capacity["misses_at"]
    level = f"{confidence * 100:g}% confident"
    verb = "hold" if several else "holds"
    if capacity["stopped"] == "mode off":
        return f"capacity: {budgets}: not searched (--latency-mode=off)"
    if holds is not None and misses is not None:
        missed = "not" if several else "misses"
        return (
            f"capacity: {budgets} {verb} at {per_second(holds)} and {missed} at "
            f"{per_second(misses)} ({level} each)"
        )
    rates = [p["rate"] for p in capacity["probes"]]
    if holds is not None:
        return (
            f"capacity: {budgets} {verb} at {per_second(holds)} ({level}); no rate up to "
            f"{per_second(max(rates))} missed"
        )
    if misses is not None:
        return (
            f"capacity: {budgets} {verb} at {_none_of(capacity['probes'])}; "
            f"{'not' if several else 'misses'} at {per_second(misses)} ({level})"
        )
    if not rates and capacity["stopped"] == "no rate holds":
        return f"capacity: {budgets} {verb} at no rate: the call alone, back to back, misses it"
    if not rates:
        return f"capacity: {budgets}: {_no_probe(capacity)}"
    return (
        f"capacity: {budgets}: no confident verdict at any rate probed "
        f"({per_second(min(rates))} to {per_second(max(rates))})"
    )


def _no_probe(capacity: CapacityDict) -> str:
    """Why a search that did not stop on the call alone missing ran no probe: a probe cannot
    decide a rate the call keeps up with, or the time budget went on the closed-loop start."""
    stopped = capacity["stopped"]
    if stopped == "max_time too short":
        return (
            "not searched: a probe of max_time cannot decide any rate up to the service rate "
            f"({per_second(capacity['service_rate'])})"
        )
    if stopped == "time budget":
        return (
            f"not searched: capacity_time {capacity['capacity_time_s']:g} s was spent before "
            "the first probe"
        )
    return "not searched: no probe ran"


def probe_verdict(probe: ProbeDict) -> str:
    """``holds``, ``misses``, ``above capacity`` (overloaded, its latencies over budget with
    confidence), or ``~holds`` / ``~misses`` for a probe that was not confident (its point
    estimate, a miss for an overloaded one; the search claims nothing from it)."""
    if probe["overloaded"]:
        return "above capacity" if probe["outcome"] == "misses" else "~misses"
    if probe["outcome"] != "not confident":
        return probe["outcome"]
    passes = all(t["verdict"] == "pass" for t in probe["thresholds"])
    return "~holds" if passes else "~misses"


def _stop_reason(capacity: CapacityDict) -> str:
    rates = [p["rate"] for p in capacity["probes"]]
    spent = f"capacity_time {capacity['capacity_time_s']:g} s spent"
    reasons: dict[CapacityStop, str] = {
        "bracket": "misses_at / holds_at is within 1.10",
        "time budget": spent if rates else spent + " before the first probe",
        "probe limit": "every planned probe ran",
        "no rate holds": "the lowest rate worth probing missed"
        if rates
        else "the call alone, back to back, misses the budget",
        "no rate misses": "the highest rate worth probing held",
        "not confident": "only not-confident rates were left, and too little time to probe "
        "them again for longer",
        "max_time too short": "a probe of max_time cannot decide any rate up to the service rate",
        "mode off": "--latency-mode=off",
        "interrupted": "interrupted (a timeout, Ctrl-C) after its finished probes",
    }
    return reasons[capacity["stopped"]]


def capacity_missed(result: ResultDict, *, max_time: float) -> str:
    """``capacity missed: p99 <= 50 ms holds up to 19,500/s, below the required 28,000/s``,
    then what the search claimed, its probes and why it stopped."""
    capacity = result["capacity"]
    budgets, several = _budgets(capacity)
    holds, required = capacity["holds_at"], capacity["min_rate"]
    verb = "hold" if several else "holds"
    if holds is not None and required is not None:
        head = (
            f"capacity missed: {budgets} {verb} up to {per_second(holds)}, below the required "
            f"{per_second(required)}"
        )
    else:
        head = f"capacity missed: {budgets} {verb} at {_none_of(capacity['probes'])}"
        if required is not None:
            head += f" (required: {per_second(required)})"
    lines = [head, capacity_line(capacity, result["confidence"])]
    misses = capacity["misses_at"]
    needed = capacity.get("max_time_needed_s")
    if capacity["stopped"] == "max_time too short" and needed is not None:
        lines.append(
            "a probe decides a rate only with enough calls over the percentile, and at "
            f"{per_second(capacity['service_rate'])} a probe of max_time {max_time:g} s has too "
            f"few: raise max_time to at least {_at_least(needed)} s"
        )
    elif capacity["stopped"] == "time budget" and not capacity["probes"]:
        lines.append(
            f"the closed-loop start took {format_duration(result['duration_s'])}: give "
            f"capacity_time at least {_at_least(result['duration_s'] + max_time)} s for one "
            f"probe of max_time {max_time:g} s"
        )
    elif required is not None and (misses is None or misses > required):
        lines.append(
            f"not confident at the required rate: no probe decided {per_second(required)}; "
            f"raise max_time above {max_time:g} s (longer probes) or capacity_time above "
            f"{capacity['capacity_time_s']:g} s"
        )
    lines.append(capacity_probes(capacity))
    lines.append(capacity_context(result))
    return "\n  ".join(lines)


def _at_least(seconds: float) -> str:
    """``seconds`` rounded up to two significant digits: ``125.3`` -> ``130``."""
    if not math.isfinite(seconds) or seconds <= 0:
        return f"{seconds:g}"
    step = 10.0 ** (math.floor(math.log10(seconds)) - 1)
    return f"{math.ceil(round(seconds / step, 9)) * step:.12g}"


def capacity_probes(capacity: CapacityDict) -> str:
    """``probes: 40,200/s above capacity; 32,200/s holds; 36,000/s ~misses``."""
    if not capacity["probes"]:
        return "probes: none"
    return "probes: " + "; ".join(
        f"{per_second(p['rate'])} {probe_verdict(p)}" for p in capacity["probes"]
    )


def capacity_context(result: ResultDict) -> str:
    """``7 probes, 412,000 calls in 24.1 s; stopped: ...; closed loop: 1 worker serves
    40,200/s back to back``."""
    capacity = result["capacity"]
    workers = capacity["concurrency"]
    return (
        f"{plural(len(capacity['probes']), 'probe')}, {plural(result['n'], 'call')} in "
        f"{format_duration(result['duration_s'])}; stopped: {_stop_reason(capacity)}; closed "
        f"loop: {plural(workers, 'worker')} {'serves' if workers == 1 else 'serve'} "
        f"{per_second(capacity['service_rate'])} back to back"
    )


def capacity_inconclusive(capacity: CapacityDict, *, max_time: float) -> str | None:
    """A warning when probes that were not confident left the bracket wider than 1.10 (or
    without an end), naming the rates no probe decided (a rate probed again and decided is not
    one of them); ``None`` otherwise."""
    decided = {p["rate"] for p in capacity["probes"] if p["outcome"] != "not confident"}
    holds, misses = capacity["holds_at"], capacity["misses_at"]
    unsure = {
        p["rate"]
        for p in capacity["probes"]
        if p["outcome"] == "not confident"
        and p["rate"] not in decided  # not decided later
        and (holds is None or p["rate"] > holds)  # nor at or below a rate that held
        and (misses is None or p["rate"] < misses)  # nor at or above one that missed
    }
    if not unsure or capacity["stopped"] in ("bracket", "mode off", "interrupted"):
        return None
    rates = ", ".join(per_second(rate) for rate in sorted(unsure))
    return (
        f"capacity search: no confident verdict at {rates} (latencies under load are "
        f"correlated: a probe's bounds count blocks of calls, not calls); the search claims "
        f"nothing there; raise max_time above {max_time:g} s for probes with enough blocks of calls to "
        "decide those rates"
    )


def capacity_threshold_text(capacity: CapacityDict) -> str:
    """The report's threshold cell: ``capacity p99 <= 50 ms``, with the gate when there is one
    (``capacity p99 <= 50 ms, min_rate 2,000/s``: the margin column is holds_at / min_rate)."""
    text = "capacity " + ", ".join(capacity["budgets"])
    required = capacity["min_rate"]
    return text if required is None else f"{text}, min_rate {per_second(required)}"


def capacity_estimate_text(capacity: CapacityDict) -> str:
    """``holds 31,000/s, misses 33,800/s``."""
    holds, misses = capacity["holds_at"], capacity["misses_at"]
    parts = [
        f"holds {per_second(holds)}" if holds is not None else "holds -",
        f"misses {per_second(misses)}" if misses is not None else "misses -",
    ]
    return ", ".join(parts)


def capacity_margin_text(capacity: CapacityDict) -> str:
    """holds_at / min_rate, ``-`` without a gate."""
    holds, required = capacity["holds_at"], capacity["min_rate"]
    if required is None or holds is None:
        return "-"
    return format_ratio(holds / required)


def capacity_verdict_label(capacity: CapacityDict) -> str:
    """``pass`` when a rate holds with confidence (at least ``min_rate`` when set). With
    ``min_rate``: ``FAIL`` when a confident miss at or below it settles it, ``~FAIL`` when no
    probe decided it (the gate needs confidence). Without: ``FAIL`` when no rate holds with
    confidence down to the call alone, ``~FAIL`` when no rate held with confidence otherwise
    (probes not confident, or none ran): a search that found no holding rate fails."""
    if capacity["passed"]:
        return "pass"
    misses, required = capacity["misses_at"], capacity["min_rate"]
    if required is not None:
        return "FAIL" if misses is not None and misses <= required else "~FAIL"
    if capacity["stopped"] == "no rate holds":
        return "FAIL"
    return "~FAIL"  # no rate held with confidence: never a pass, even by estimates


def capacity_failed(capacity: CapacityDict) -> bool:
    """Whether a capacity search fails its test (and exits the command with 1)."""
    return capacity_verdict_label(capacity) in ("FAIL", "~FAIL")


def _none_of(probes: list[ProbeDict]) -> str:
    """Where nothing held: ``no rate probed``, ``no rate (1 rate probed)``, ``none of the 6
    rates probed`` (each rate once, however often probed), with ``with confidence`` when a probe
    was not confident (it claims nothing either way)."""
    rates = {p["rate"] for p in probes}
    unsure = " with confidence" if any(p["outcome"] == "not confident" for p in probes) else ""
    if not rates:
        return "no rate probed"
    if len(rates) == 1:
        return f"no rate{unsure} (1 rate probed)"
    return f"none of the {len(rates)} rates probed{unsure}"
