"""Every sentence a user reads: failure lines, warnings, notes, advice, summaries, and the
errors of a measurement. One module, so that the test, the ``latency-sla`` command and every
report word the same thing the same way.

Plain data in (the report's ``ResultDict`` / ``ThresholdDict`` records, numbers, names), text
out. Durations are printed by ``units`` with ASCII units.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol, cast

from .plan import (
    MAX_CONCURRENCY,
    MAX_RATE,
    MAX_TIME_S,
    MAX_WARMUP,
    MIN_RATE,
    PERCENTILE_EDGE,
)
from .records import (
    AnyThresholdDict,
    BaselineNoteDict,
    CapacityDict,
    CapacityStop,
    EnvironmentDict,
    LoadDict,
    MachineDict,
    ProbeDict,
    RatioThresholdDict,
    ResultDict,
    SideDict,
    ThresholdDict,
)
from .units import (
    format_duration,
    format_measured_ratio,
    format_number,
    format_percentile,
    format_ratio,
)

# A p50 under this many timer overheads is said to be near the timer's resolution.
RESOLUTION_FACTOR = 10

# What a setting allows, where "positive and finite" is not the whole rule (see ``plan``).
PERCENTILE_ALLOWED = (
    f"percentile must be a number with 0 < p < 100, at least {PERCENTILE_EDGE:g} from either end"
)
MAX_TIME_ALLOWED = (
    f"max_time must be a positive number of seconds, at most {MAX_TIME_S:,.0f} (a day)"
)
WARMUP_ALLOWED = f"warmup must be an int from 0 to {MAX_WARMUP:,} (number of un-timed calls)"
RATE_ALLOWED = f"rate must be from {MIN_RATE:g} to {MAX_RATE:g} calls per second (one per ns)"
CONCURRENCY_ALLOWED = (
    f"concurrency must be an int from 1 to {MAX_CONCURRENCY:,} (one thread per worker)"
)
MIN_RATE_ALLOWED = (
    f"min_rate must be from {MIN_RATE:g} to {MAX_RATE:g} calls per second, the rate "
    "latency_sla.capacity must hold"
)
CAPACITY_TIME_ALLOWED = (
    f"capacity_time must be a positive number of seconds, at most {MAX_TIME_S:,.0f} (a day)"
)

XDIST_NOTICE = (
    "latency-sla: {workers} pytest-xdist workers share this machine's CPU cores, so latencies "
    "measured under xdist are pessimistic"
)


def plural(n: int, word: str, words: str | None = None) -> str:
    """``1 call``, ``2 calls``, ``1,000 calls``."""
    return f"{n:,} {word if n == 1 else (words or word + 's')}"


def per_second(rate: float) -> str:
    """``28,000/s``; below 10/s three significant digits (``2.5/s``)."""
    return f"{rate:,.0f}/s" if rate >= 10 else f"{rate:.3g}/s"


# --- a verdict -------------------------------------------------------------------------------


def ratio_of(t: AnyThresholdDict) -> RatioThresholdDict | None:
    """``t`` as a ratio threshold, or ``None`` for a budget (a record without a ``kind`` is a
    budget, as every record was before ratios)."""
    return cast(RatioThresholdDict, t) if t.get("kind") == "ratio" else None


def budget_of(t: AnyThresholdDict) -> ThresholdDict | None:
    """``t`` as a budget (absolute threshold), or ``None`` for a ratio."""
    return None if t.get("kind") == "ratio" else cast(ThresholdDict, t)


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


# --- ratios: a candidate against a baseline ------------------------------------------------


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
    return f"{ratio_head(result, t)}\n  {why}\n  {sampling_context(result)}"


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


def machine_text(machine: MachineDict) -> str:
    """``AMD EPYC (2 cores, Python 3.11.7, onnxruntime 1.17.0)``."""
    parts = []
    if "cpu_count" in machine:
        parts.append(f"{machine['cpu_count']} cores")
    if "python" in machine:
        parts.append(f"Python {machine['python']}")
    if machine.get("onnxruntime"):
        parts.append(f"onnxruntime {machine['onnxruntime']}")
    cpu = machine.get("cpu", "an unknown CPU")
    return f"{cpu} ({', '.join(parts)})" if parts else cpu


def other_machine(stored: MachineDict, now: MachineDict) -> str:
    """The one notice when a stored baseline comes from another machine."""
    return (
        f"latency-sla: the baseline was measured on {machine_text(stored)}, this run on "
        f"{machine_text(now)}: the comparison measures the machines too"
    )


# --- load ------------------------------------------------------------------------------------


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


# --- capacity ------------------------------------------------------------------------------


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
            f"capacity: {budgets} {verb} at no rate probed; {'not' if several else 'misses'} "
            f"at {per_second(misses)} ({level})"
        )
    if not rates:
        return f"capacity: {budgets} {verb} at no rate: the call alone, back to back, misses it"
    return (
        f"capacity: {budgets}: no confident verdict at any rate probed "
        f"({per_second(min(rates))} to {per_second(max(rates))})"
    )


def probe_verdict(probe: ProbeDict) -> str:
    """``holds``, ``misses``, ``above capacity``, or ``~holds`` / ``~misses`` for a probe that
    was not confident (its point estimate; the search claims nothing from it)."""
    if probe["overloaded"]:
        return "above capacity"
    if probe["outcome"] != "not confident":
        return probe["outcome"]
    passes = all(t["verdict"] == "pass" for t in probe["thresholds"])
    return "~holds" if passes else "~misses"


def _stop_reason(capacity: CapacityDict) -> str:
    rates = [p["rate"] for p in capacity["probes"]]
    reasons: dict[CapacityStop, str] = {
        "bracket": "misses_at / holds_at is within 1.10",
        "time budget": f"capacity_time {capacity['capacity_time_s']:g} s spent",
        "probe limit": "every planned probe ran",
        "no rate holds": "the lowest rate worth probing missed"
        if rates
        else "the call alone, back to back, misses the budget",
        "no rate misses": "the highest rate worth probing held",
        "not confident": "only rates whose probes were not confident were left to try",
        "mode off": "--latency-mode=off",
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
        head = f"capacity missed: {budgets} {verb} at no rate probed"
        if required is not None:
            head += f" (required: {per_second(required)})"
    lines = [head, capacity_line(capacity, result["confidence"])]
    misses = capacity["misses_at"]
    if required is not None and (misses is None or misses > required):
        lines.append(
            f"not confident at the required rate: no probe decided {per_second(required)}; "
            f"raise max_time above {max_time:g} s (longer probes) or capacity_time above "
            f"{capacity['capacity_time_s']:g} s"
        )
    lines.append(capacity_probes(capacity))
    lines.append(capacity_context(result))
    return "\n  ".join(lines)


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
    without an end); ``None`` otherwise."""
    unsure = [p for p in capacity["probes"] if p["outcome"] == "not confident"]
    if not unsure or capacity["stopped"] in ("bracket", "mode off"):
        return None
    rates = ", ".join(per_second(p["rate"]) for p in sorted(unsure, key=lambda p: p["rate"]))
    return (
        f"capacity search: no confident verdict at {rates} (latencies under load are "
        f"correlated: a probe's bounds count blocks of calls, not calls); the search claims "
        f"nothing there; raise max_time above {max_time:g} s for probes long enough to decide "
        "rates this close to the capacity"
    )


def capacity_threshold_text(capacity: CapacityDict) -> str:
    """The report's threshold cell: ``capacity p99 <= 50 ms``."""
    return "capacity " + ", ".join(capacity["budgets"])


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
    confidence (down to the call alone), else by the probes' point estimates, ``~pass`` when one
    held, ``~FAIL`` when none did."""
    if capacity["passed"]:
        return "pass"
    misses, required = capacity["misses_at"], capacity["min_rate"]
    if required is not None:
        return "FAIL" if misses is not None and misses <= required else "~FAIL"
    if capacity["stopped"] == "no rate holds":
        return "FAIL"
    estimated = any(
        not p["overloaded"]
        and p["thresholds"]
        and all(t["verdict"] == "pass" for t in p["thresholds"])
        for p in capacity["probes"]
    )
    return "~pass" if estimated else "~FAIL"


def capacity_failed(capacity: CapacityDict) -> bool:
    """Whether a capacity search fails its test (and exits the command with 1)."""
    return capacity_verdict_label(capacity) in ("FAIL", "~FAIL")


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


# --- the report ------------------------------------------------------------------------------


def test_label(result: ResultDict) -> str:
    """The test id of a row; in a merged report, a test measured in several files also names
    the file: ``t.py::test_a (from shard-2.json)``."""
    source = result.get("source")
    return result["nodeid"] if source is None else f"{result['nodeid']} (from {source})"


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


def summary_text(
    counts: Mapping[str, int], exitstatus: int | None = None, signal: str | None = None
) -> str:
    """``7 measurements, 8 budgets: 6 met, 2 missed (1 in xfail tests), 1 overkill``, then what
    else made the run fail: a crash, an interrupted measurement, pytest's exit status, a signal."""
    text = (
        f"{plural(counts['measurements'], 'measurement')}, "
        f"{plural(counts['budgets'], 'budget')}: {counts['met']} met, {counts['missed']} missed"
    )
    if counts["missed_expected"]:
        text += f" ({counts['missed_expected']} in xfail tests)"
    for key, label in (("not_confident", "not confident"), ("overkill", "overkill")):
        if counts[key]:
            text += f", {counts[key]} {label}"
    if counts["crashed"]:
        text += f", {counts['crashed']} crashed"
        if counts["crashed_expected"]:
            text += f" ({counts['crashed_expected']} in xfail tests)"
    if counts.get("new"):
        text += f", {counts['new']} new (not in the stored baseline)"
    if counts.get("interrupted"):
        text += f", {counts['interrupted']} interrupted"
    if signal:
        text += f"; the run was stopped by {signal}: finished tests only"
    elif exitstatus:
        text += f"; the run failed (pytest exit status {exitstatus}: {_exit_meaning(exitstatus)})"
    return text


def _exit_meaning(exitstatus: int) -> str:
    return {
        1: "tests failed",
        2: "interrupted",
        3: "internal error",
        4: "usage error",
        5: "no tests collected",
    }.get(exitstatus, "see the pytest output")


def session_notes(environment: EnvironmentDict, strong: str = "", code: str = "") -> list[str]:
    """What changes how the whole table reads (scaled budgets, warn mode, xdist workers).
    ``strong`` and ``code`` are the markup put around a setting's value and an option's name."""
    notes = []
    scale = environment.get("scale", 1.0)
    if scale != 1.0:
        notes.append(f"Budgets scaled by {strong}{scale:g}{strong} ({code}--latency-scale{code}).")
    if environment.get("mode") == "warn":
        notes.append(
            f"Mode {strong}warn{strong}: a missed budget warns instead of failing the test."
        )
    workers = environment.get("xdist_workers")
    if workers:
        notes.append(
            f"Measured by {workers} pytest-xdist workers sharing the CPU cores: latencies are "
            "pessimistic."
        )
    baseline = environment.get("baseline")
    if baseline is not None:
        notes.append(baseline_line(baseline, environment.get("regression", 0.1), code) + ".")
    return notes


def baseline_line(note: BaselineNoteDict, regression: float, code: str = "") -> str:
    """``compared with the stored baseline base.json (2026-11-28T09:00:00Z): a regression
    beyond 10% fails``."""
    return (
        f"Compared with the stored baseline {code}{note['path']}{code} ({note['created']}): "
        f"a confident regression beyond {regression * 100:g}% fails"
    )


# --- charts ----------------------------------------------------------------------------------

HEADROOM_TITLE = "Headroom"
RATE_AXIS = "arrivals per second"
NO_PROBE = "no probe ran: nothing to draw"


def headroom_caption(*, zone: bool, ratios: bool) -> str:
    """What a headroom chart draws (the overkill zone only where it shows)."""
    if ratios:
        return (
            "Ratio thresholds, tightest first, on a log axis of ratios: dot, the measured "
            "ratio; bar, its confidence bounds; red tick, the allowed ratio."
        )
    text = (
        "Every threshold, tightest first, on one log time axis: dot, the measured percentile; "
        "bar, its confidence bounds; red tick, the budget"
    )
    return text + ("; shaded, the overkill zone (that far under budget)." if zone else ".")


def margin_text(margin: float | None) -> str:
    """A margin (budget / estimate): ``3,062x``; ``-`` for none."""
    return "-" if margin is None else format_ratio(margin)


def histogram_label(nodeid: str) -> str:
    return f"histogram of per-call latency of {nodeid}"


def rate_chart_label(nodeid: str) -> str:
    return f"probes of the capacity search of {nodeid}"


def bin_tooltip(low: str, high: str, count: int) -> str:
    """``10.0 us to 11.2 us: 1 call``."""
    return f"{low} to {high}: {plural(count, 'call')}"


def nothing_to_draw(result: ResultDict) -> str:
    """Why a card has no histogram."""
    if result.get("outcome") == "crashed":
        return "no timed call finished before the crash: nothing to draw"
    if result.get("n", 0) == 0:
        return "no timed call: nothing to draw"
    return "no histogram in this record: nothing to draw"


def histogram_caption(
    *,
    log: bool,
    tallest: int,
    overlay: bool,
    over_budget: bool,
    budget: bool,
    percentile: bool,
    baseline: bool,
    bounds: bool,
) -> str:
    """The caption of a histogram, naming only what it draws."""
    scale = "log" if log else "linear"
    parts = [
        f"Per-call latency ({scale} time axis); bar height: calls per bin, the tallest "
        f"{plural(tallest, 'call')}"
    ]
    if overlay:
        parts.append("bars: candidate, orange outline: baseline")
    if over_budget:
        parts.append("red bars: calls over the budget")
    if budget:
        parts.append("dashed red: budget")
    if percentile:
        parts.append("solid blue: measured percentile")
    if baseline:
        parts.append("dashed orange: the baseline's percentile")
    if bounds:
        parts.append("shaded: the confidence bounds")
    return "; ".join(parts) + "."


def rate_caption(*, outcomes: set[str], overloaded: bool, bounds: bool) -> str:
    """The caption of a capacity search's chart, naming only what it draws."""
    colours = [
        f"{colour}, {meaning}"
        for outcome, colour, meaning in (
            ("holds", "green", "held"),
            ("misses", "red", "missed"),
            ("not confident", "amber", "not confident"),
        )
        if outcome in outcomes
    ]
    parts = ["Latency against arrival rate (log axes): a dot per probe and percentile"]
    parts.append("; ".join(colours))
    if overloaded:
        parts.append("hollow, above capacity (the backlog grew)")
    if bounds:
        parts.append("bar, the confidence bounds")
    parts.append("dashed red: budget")
    return "; ".join(parts) + "."


def card_facts(result: ResultDict) -> list[str]:
    """The line under a card's title: ``n 598``, ``warm-up 200``, ``mean``, percentiles."""
    facts = [f"n {result.get('n', 0):,}", f"warm-up {result.get('warmup', 0):,}"]
    if result.get("mean_s") is not None:
        facts.append(f"mean {format_duration(result['mean_s'])}")
    quantiles = result.get("quantiles_s") or {}
    facts += [f"p{k} {format_duration(v)}" for k, v in quantiles.items() if k != "max"]
    if "max" in quantiles:
        facts.append(f"max {format_duration(quantiles['max'])}")
    return facts


def side_facts(name: str, side: SideDict) -> str:
    """One side of a comparison: ``baseline: n 598, p50 8.40 us, p99 9.10 us, max 12.0 us``."""
    quantiles = side.get("quantiles_s") or {}
    shown = [f"n {side.get('n', 0):,}"]
    shown += [f"p{k} {format_duration(quantiles[k])}" for k in ("50", "99") if k in quantiles]
    if "max" in quantiles:
        shown.append(f"max {format_duration(quantiles['max'])}")
    return f"{name}: " + ", ".join(shown)


def latency_cell(result: ResultDict) -> list[str]:
    """A measured test's lines in another report's table (pytest-html): one per threshold,
    ``p99 16.3 us <= 50 ms: pass overkill``; the capacity line; or what ended it."""
    ended = ending(result)
    if ended is not None:
        return [ended]
    if "capacity" in result:
        capacity = result["capacity"]
        return [capacity_line(capacity, result.get("confidence", 0.95))]
    lines = []
    for t in result.get("thresholds") or []:
        lines.append(f"{threshold_text(t)}: {estimate_text(t)}, {verdict_label(t)}")
    if "baseline" in result and not any(ratio_of(t) for t in result.get("thresholds") or []):
        lines.append(f"no gate: candidate/baseline {ratios_without_gate(result)}")
    if not lines:
        p99 = (result.get("quantiles_s") or {}).get("99")
        lines.append(f"no budget: p99 {format_duration(p99)}, n={result.get('n', 0):,}")
    return lines


def environment_line(environment: Mapping[str, Any]) -> str:
    """``Python 3.11.7; CPU AMD EPYC (2 cores); clock ...; timer overhead 61 ns; GC on ...``.
    A plugin may have trimmed the environment through ``pytest_latency_sla_report``: then the
    keys it left, as they are."""
    try:
        parts = [
            f"Python {environment['python']}",
            f"CPU {environment['cpu']} ({environment['cpu_count']} cores)",
            f"clock {environment['clock']}",
            f"timer overhead {environment['timer_overhead_ns']} ns",
            f"GC {environment['gc']}",
        ]
    except KeyError:
        return "; ".join(f"{k} {v}" for k, v in environment.items())
    if environment.get("onnxruntime"):
        parts.append(f"onnxruntime {environment['onnxruntime']}")
    if environment.get("xdist_workers"):
        parts.append(f"xdist {environment['xdist_workers']} workers")
    merged = environment.get("merged_from")
    if merged:
        parts.append(f"merged from {plural(len(merged), 'report')} (machine of the first)")
    return "; ".join(parts)


def gc_setting(gc_mode: str) -> str:
    """The environment line's GC setting."""
    return "disabled while sampling" if gc_mode == "disable" else "on (older objects frozen)"


# --- input ----------------------------------------------------------------------------------


def percent_of(fraction: float) -> str:
    """``0.99`` as the percentile it stands for: ``99``; ``0.999``: ``99.9``."""
    meant = round(float(fraction) * 100, 10)
    return str(int(meant)) if meant.is_integer() else repr(meant)


def percentile_fraction(value: float, spelled: str) -> str:
    """A percentile given as a fraction (``0.99``): what it should have been (``spelled`` is how
    the user writes the setting: ``percentile=``, ``--percentile ``)."""
    return f"percentile is in percent (0 < p < 100); did you mean {spelled}{percent_of(value)}?"


# --- errors of a capacity search ------------------------------------------------------------


def min_rate_with_rate(where: str, min_rate: float, rate: float) -> str:
    return (
        f"{where}: latency_sla(min_rate={min_rate:g}) is a capacity gate and "
        f"latency_sla.capacity searches the rate itself; remove rate={rate:g}"
    )


def capacity_needs_budget(nodeid: str) -> str:
    return (
        f"{nodeid}: latency_sla.capacity(fn, ...) needs a budget to hold (s=, ms= or us=): add "
        "a marker such as @pytest.mark.latency_sla(ms=50) (optionally min_rate= to gate the "
        "capacity)"
    )


def capacity_with_ratio(nodeid: str, label: str) -> str:
    return (
        f"{nodeid}: latency_sla.capacity(fn, ...) holds budgets (s=, ms=, us=) at each rate it "
        f"probes; the marker's {label} is a ratio= threshold, which needs "
        "latency_sla.compare(candidate, baseline, ...): move it to a test that compares"
    )


def capacity_with_rate(nodeid: str, rate: float) -> str:
    return (
        f"{nodeid}: latency_sla.capacity(fn, ...) searches the rate; the marker's "
        f"rate={rate:g} fixes it: remove rate= (or call latency_sla(fn) to hold the budget at "
        "that rate)"
    )


def min_rate_needs_capacity(nodeid: str, called: str) -> str:
    """``min_rate=`` on a test that measures without a capacity search (``called``: how)."""
    return (
        f"{nodeid}: latency_sla(min_rate=...) gates a capacity search, but the test "
        f"{called}; call latency_sla.capacity(fn, ...) (or remove min_rate=)"
    )


# --- errors of a measurement -----------------------------------------------------------------


def needs_budget(nodeid: str) -> str:
    return (
        f"{nodeid}: latency_sla(...) needs a budget: add a marker such as "
        "@pytest.mark.latency_sla(ms=50) to the test, or call latency_sla.measure(fn) to "
        "sample without a budget"
    )


def needs_compare(nodeid: str, called: str | None = None) -> str:
    """A ``ratio=`` marker on a test that does not compare: at setup for a marker-only test,
    at the call of ``latency_sla(fn)`` (``called``), or at the end of a test that never
    compared."""
    how = f"; {called} times one call" if called else ""
    return (
        f"{nodeid}: latency_sla(ratio=...): ratio= needs latency_sla.compare(candidate, "
        f"baseline, ...), which measures a candidate against a baseline{how}"
    )


def compare_not_callable(which: str, fn: object) -> str:
    return (
        f"latency_sla.compare(candidate, baseline, ...) needs two callables to time; "
        f"{which} is {type(fn).__name__} {fn!r:.60}"
    )


def compare_coroutine_object(which: str) -> str:
    return (
        f"latency_sla.compare(candidate, baseline, ...): {which} is a coroutine object; pass "
        "the coroutine function itself so it can be awaited once per timed call"
    )


def compare_under_load(nodeid: str) -> str:
    return (
        f"{nodeid}: latency_sla.compare(...) cannot run under load (rate= or concurrency= on "
        "the test's latency_sla marker): a comparison samples closed loop, one call after "
        "another; measure each variant under load in a test of its own"
    )


def coroutine_object() -> str:
    return (
        "latency_sla(fn, ...) got a coroutine object; pass the coroutine function itself "
        "(latency_sla(fetch, arg), not latency_sla(fetch(arg))) so it can be awaited once "
        "per timed call"
    )


def not_callable(fn: object, call: str = "latency_sla") -> str:
    return f"{call}(fn, ...) needs a callable to time; got {type(fn).__name__} {fn!r:.60}"


def awaitable_returned(fn: object, value: object) -> str:
    return (
        f"latency_sla(fn, ...): {getattr(fn, '__qualname__', fn)!r} is not an async def "
        f"function but returned {type(value).__name__} {value!r:.60}; pass an async def "
        "function so each timed call is awaited"
    )


def _name(fn: object) -> str:
    return str(getattr(fn, "__qualname__", None) or getattr(fn, "__name__", None) or fn)


def generator_function(fn: object, asynchronous: bool) -> str:
    """A generator function given as the measured call."""
    name = _name(fn)
    kind = "an async generator function" if asynchronous else "a generator function"
    return (
        f"latency_sla(fn, ...): {name} is {kind}: calling it only creates the generator, so "
        f"timing it would time only its creation, never its body; {_consume(name, asynchronous)}"
    )


def generator_returned(fn: object, shown: str, asynchronous: bool) -> str:
    """A plain function that returned a generator or an async generator."""
    name = _name(fn)
    return (
        f"latency_sla(fn, ...): {name} returned {shown:.60}: timing the call would time only the "
        f"generator's creation, never its body; {_consume(name, asynchronous)}"
    )


def _consume(name: str, asynchronous: bool) -> str:
    if "<" in name:  # a lambda or a local function: its qualified name is no expression
        name = "fn"
    if asynchronous:
        return (
            "consume it inside the timed call, in a coroutine: async def consume(): return "
            f"[item async for item in {name}()], then latency_sla(consume)"
        )
    return f"consume it inside the timed call: latency_sla(lambda: list({name}()))"


def nothing_measured(nodeid: str, item_kind: str | None) -> str:
    """A test with a marker that ended without a measurement; ``item_kind`` is the class name
    of an item that has no body to measure, ``None`` for a test that never called the fixture."""
    if item_kind is None:
        why = "requests the latency_sla fixture but never calls it; call latency_sla(fn, ...)"
    else:
        why = (
            f"is a {item_kind}, whose body only pytest test functions can have measured; move "
            "the measured call into a pytest test function"
        )
    return f"{nodeid}: nothing was measured: the test has a latency_sla marker and {why}"


class FailedCallInfo(Protocol):
    """What ``failed_call`` reads of the engine's record of a call that raised."""

    @property
    def phase(self) -> str: ...

    @property
    def number(self) -> int: ...

    @property
    def warmup(self) -> int: ...

    @property
    def overall(self) -> int: ...


def failed_call(call: FailedCallInfo, body: bool) -> str:
    """Which call of the measured code raised (``call``: an ``engine.sampler.FailedCall``), and,
    for a marker-only test (``body``), that its body runs again and again."""
    if call.phase == "warm-up":
        which = f"warm-up call {call.number:,} (un-timed)"
    else:
        kind = "scheduled" if call.phase == "scheduled" else "timed"
        which = (
            f"{kind} call {call.number:,}, after {plural(call.warmup, 'warm-up call')} "
            f"(call {call.overall:,} in all)"
        )
    if body:
        how = (
            "with a latency_sla marker and no latency_sla fixture, the test body is the measured "
            "call: it runs again and again (warm-up, then timed calls) with the same fixture "
            "values, so whatever one call changes (an item popped from a list, a closed "
            "connection, a counter) the next call sees; measure only the call itself with the "
            "latency_sla fixture, or give each call fresh state"
        )
    else:
        how = (
            "latency_sla(fn, ...) calls fn again and again with the same arguments, so whatever "
            "one call changes the next call sees"
        )
    return f"the exception above came from {which}, not the first call: {how}"


def clock_stalled(where: str) -> str:
    return (
        f"the clock did not advance during the measurement (is time frozen or patched? {where}); "
        "the plugin reads time.perf_counter_ns through a reference taken when it loaded, which "
        "freezegun, time-machine, mock.patch and monkeypatch do not reach, so something replaced "
        "the clock below Python or inside the plugin"
    )


def crashed(how: str) -> str:
    """``measured call crashed: SIGSEGV (signal 11)``."""
    return f"measured call crashed: {how}"


def crash_with_trace(how: str, trace: str) -> str:
    if not trace:
        return crashed(how)
    return f"{crashed(how)}\nfaulthandler in the isolated process:\n{trace}"


def child_timed_out(
    deadline_s: float, max_time: float, grace_s: float, setting: str = "max_time"
) -> str:
    return (
        f"measured call did not finish: the isolated process was still running after "
        f"{deadline_s:.3g} s (2 x {setting} {max_time:.3g} s + {grace_s:.3g} s, warm-up "
        "included) and was killed"
    )


def isolation_unavailable(platform: str) -> str:
    return (
        f"isolate=True needs os.fork, which is not available on this platform ({platform}); "
        "the measurement was not run"
    )


def model_run_failed(
    model: str, inputs: list[tuple[str, tuple[int, ...], str]], error: BaseException
) -> str:
    """``'m.onnx' failed to run with the inputs built from its metadata (x: (1, 1) float32):
    <ONNX Runtime's words>`` -- one line, for a model that loads but cannot run on them."""
    built = ", ".join(f"{name}: {shape} {dtype}" for name, shape, dtype in inputs) or "none"
    said = " ".join(str(error).split()) or type(error).__name__
    return f"{model!r} failed to run with the inputs built from its metadata ({built}): {said}"


# --- report files ----------------------------------------------------------------------------
# Each returns (the whole sentence, naming the path; only why, for a line that names the report).


def report_path_empty(raw: object) -> tuple[str, str]:
    return f"expected a file path, got {raw!r}", "no file path given"


def report_path_no_home(text: str) -> tuple[str, str]:
    user = text[1:].split("/", 1)[0]
    why = f"there is no user {user!r}, so {'~' + user!r} names no home directory"
    return f"cannot write {text!r}: {why}", why


def report_path_name_too_long(path: str, length: int) -> tuple[str, str]:
    why = f"a name in it is {length} bytes long, more than the file system allows"
    return f"cannot write {_cut(path)!r}: {why}", why


def report_path_not_writable(path: str) -> tuple[str, str]:
    return f"{path!r} is not writable", "it is not writable"


def report_path_refused(path: str, resolved: str, kind: str) -> tuple[str, str]:
    """A path that is neither a regular file, a character device nor this process's stream."""
    via = f" (the link leads to {resolved!r})" if resolved != path else ""
    if kind == "directory":
        return f"{path!r} is a directory{via}; give a file path", f"it is a directory{via}"
    why = (
        f"it is a {kind}{via}; a report goes to a regular file, a character device such as "
        "/dev/null, or /dev/stdout"
    )
    return f"{path!r}: {why}", why


def report_path_cannot_write(path: str, why: str) -> tuple[str, str]:
    return f"cannot write {_cut(path)!r}: {why}", why


def report_path_under_a_file(path: str, blocker: str) -> tuple[str, str]:
    why = f"{blocker!r} is a file, not a directory"
    return f"cannot write {path!r}: {why}", why


def report_path_stream_closed(path: str, fd: int) -> tuple[str, str]:
    why = f"file descriptor {fd} is not open in this process"
    return f"cannot write {path!r}: {why}", why


def mode_off_no_report(options: list[str]) -> str:
    """The one notice of a run in ``--latency-mode=off`` that was asked for a report."""
    return (
        f"latency-sla: --latency-mode=off gates and records nothing, so no latency report is "
        f"written ({', '.join(options)} ignored)"
    )


SIGTERM_WRITING = (
    "latency-sla: SIGTERM: writing the reports with the tests finished so far, then ending"
)


def reports_not_written(error: BaseException) -> str:
    """The reports could not be built at all (a SIGTERM handler's last word)."""
    return f"ERROR: latency-sla: the reports could not be written: {error!r}"


MERGE_NOTHING = "no reports to merge"


def merge_unreadable(name: str, why: str) -> str:
    return f"{name}: cannot read it: {why}"


def merge_not_json(name: str, why: str) -> str:
    return f"{name}: not JSON ({why})"


def merge_not_a_report(name: str) -> str:
    return f"{name}: not a latency report (no list of results)"


def merge_other_schema(name: str, schema: object, wanted: str) -> str:
    """A file of another schema: a stored baseline, or a report of another version."""
    advice = (
        "it is a stored baseline (--latency-save), not a report: merge the --latency-json files"
        if str(schema).startswith("pytest-latency-sla-baseline/")
        else "merge reports written by the same version of pytest-latency-sla"
    )
    return f"{name}: schema {schema!r}, but merge reads {wanted!r} reports only; {advice}"


def merge_given_twice(name: str, first: str) -> str:
    """``latency-sla merge`` given one file twice (by two names, or the same one)."""
    same = "" if name == first else f" (as {first})"
    return f"{name}: given twice{same}: each report is merged once"


def report_not_written(kind: str, target: object, why: str) -> str:
    """The line for a report that could not be written at the end of the session."""
    return f"ERROR: latency-sla: cannot write the {kind} report {target}: {why}"


def _cut(text: str, keep: int = 80) -> str:
    return shorten_middle(text, keep)


def shorten_middle(text: str, width: int) -> str:
    """``text`` in at most ``width`` characters, its middle left out as ``...``: the start of a
    test id (its file) and its end (the test, its parameters, ``#2``) both stay readable."""
    if len(text) <= width:
        return text
    head = (width - 3) // 2
    return f"{text[:head]}...{text[len(text) - (width - 3 - head) :]}"


def printable(text: str) -> str:
    """``text`` on one line, shown in the order it is stored: control characters (newlines,
    escapes), format characters (bidi overrides, zero-width marks) and line separators written
    as Python writes them (``\\n``, ``\\x1b``, ``\\u202e``); other characters unchanged."""
    if text.isprintable():
        return text
    import unicodedata

    return "".join(
        ch.encode("unicode_escape").decode("ascii")
        if unicodedata.category(ch) in _UNPRINTABLE
        else ch
        for ch in text
    )


_UNPRINTABLE = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}
