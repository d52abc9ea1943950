"""Capacity against MLPerf LoadGen and the physical limit: the funnel model, one worker, a 50 ms
p99 budget, all in one run.

* The physical limit: 1 / (mean service time), from a bare loop calling the model back to back
  and timing nothing, right before the search and right after it; one worker cannot serve more.
  A shared VM's speed can drift by more than half within seconds, so the limit while the search
  ran is shown too: 1 / the mean duration of the probes' own calls (queueing left out), over
  all its probes and over the probe that held at ``holds_at``.
* This plugin's capacity search (``latency_sla.capacity``, Poisson arrivals as in LoadGen's
  Server scenario): ``holds_at`` against the limit (at most it, and at least 70% of it for one
  worker: the engine's own overhead is then at most 30%), the search's wall time against its
  30 s budget, and the bracket ``misses_at / holds_at`` against 1.10.
* The load engine's own cost, apart from queueing and the machine's drift: the rate its loop
  serves when always behind (every call starting as the last ends) against a bare loop run just
  before it, paired several times.
* MLPerf LoadGen's Server scenario (Poisson arrivals, ``server_target_latency_percentile`` 0.99,
  ``server_target_latency_ns`` the budget) at ``holds_at`` and at ``misses_at``: VALID or
  INVALID, its p99, and its own overhead at p50 (its p50 minus the call's bare p50). LoadGen
  times from its scheduled issue to ``QuerySamplesComplete``; its issue thread calls the Python
  SUT, which runs the model inline, so its path through pybind11 and the GIL is in every
  latency it reports.
* LoadGen's Server p50/p99 at a light 5,000/s beside this plugin's load run at the same rate
  and arrivals: what each path adds to a call when nothing queues.
* LoadGen's SingleStream p50/p99 (one query at a time, issued when the last completes) beside
  this plugin's closed-loop p50/p99 (calls back to back, each timed on its own), on the same
  ONNX Runtime session.

LoadGen writes its log files to a temporary directory, removed afterwards; nothing goes to the
network. Needs ``pip install -e '.[bench]'`` (``mlcommons-loadgen``, module ``mlperf_loadgen``).

    python benchmarks/capacity_vs_loadgen.py [--repeats N] [--quick]
"""

from __future__ import annotations

import re
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from _common import MODEL, Repeats, Row, main, median

from pytest_latency_sla.engine.capacity import BRACKET, CapacityPlan, search_capacity
from pytest_latency_sla.engine.load.run import run_load
from pytest_latency_sla.engine.load.schedule import LoadPlan
from pytest_latency_sla.engine.target import Target
from pytest_latency_sla.onnx import example_inputs, load_session
from pytest_latency_sla.plan import Threshold
from pytest_latency_sla.units import format_duration

REPEATS = Repeats(full=3, quick=1)
BUDGET_S = 0.050
CAPACITY_TIME = 30.0
LEAST_SHARE = 0.70  # holds_at at least this share of the physical limit, for one worker
LIGHT_RATE = 5_000.0  # a rate both serve easily: what each adds to a call at light load


@dataclass(frozen=True)
class LoadGenRun:
    """What LoadGen's summary says: VALID or INVALID, latency percentiles (seconds), the rate."""

    valid: bool
    p50: float
    p99: float
    rate: float


SLICE_S = 0.5  # the bare loop's rate is also taken in slices this long, to show its drift


def _bare_rate(call: Any, seconds: float, slices: list[float] | None = None) -> float:
    """Calls per second of a loop calling ``call`` back to back, timing nothing; the rate of
    each ``SLICE_S`` of it is appended to ``slices``."""
    calls, started = 0, time.perf_counter()
    end = started + seconds
    slice_calls, slice_start = 0, started
    while (now := time.perf_counter()) < end:
        if now - slice_start >= SLICE_S:
            if slices is not None:
                slices.append(slice_calls / (now - slice_start))
            slice_calls, slice_start = 0, now
        for _ in range(100):
            call()
        calls += 100
        slice_calls += 100
    return calls / (time.perf_counter() - started)


def _closed_loop(target: Target, seconds: float) -> tuple[float, float]:
    """This plugin's closed-loop p50 and p99 (seconds): one worker, calls back to back."""
    import numpy as np

    run = run_load(target, LoadPlan(rate=None), max_time=seconds)
    p50, p99 = np.percentile(run.latency_ns, [50, 99])
    return float(p50) / 1e9, float(p99) / 1e9


def _engine_share(call: Any, target: Target, pairs: int) -> float:
    """The load engine's own cost, as the share of the bare loop's rate it serves when it is
    always behind (Poisson arrivals at 10x the bare rate, one worker: every call starts the
    moment the last one ends, through the engine's loop): the median over ``pairs`` runs, each
    paired with a bare loop right before it, so both see the machine at the same speed."""
    shares = []
    for _ in range(pairs):
        bare = _bare_rate(call, SLICE_S)
        run = run_load(
            target, LoadPlan(rate=10 * bare, arrivals="poisson"), max_time=SLICE_S, warmup=0
        )
        shares.append(len(run.latency_ns) / run.duration_s / bare)
    return median(shares)


def _open_loop(target: Target, rate: float, seconds: float) -> tuple[float, float]:
    """This plugin's p50 and p99 (seconds) of a load run at ``rate``, Poisson arrivals."""
    import numpy as np

    run = run_load(target, LoadPlan(rate=rate, arrivals="poisson"), max_time=seconds)
    p50, p99 = np.percentile(run.latency_ns, [50, 99])
    return float(p50) / 1e9, float(p99) / 1e9


def _loadgen(call: Any, scenario: str, seconds: float, rate: float = 0.0) -> LoadGenRun:
    """One LoadGen run in PerformanceOnly mode; the SUT runs ``call`` inline for each sample."""
    import mlperf_loadgen as lg

    def issue(samples: Any) -> None:
        responses = []
        for sample in samples:
            call()
            responses.append(lg.QuerySampleResponse(sample.id, 0, 0))
        lg.QuerySamplesComplete(responses)

    settings = lg.TestSettings()
    settings.scenario = getattr(lg.TestScenario, scenario)
    settings.mode = lg.TestMode.PerformanceOnly
    if scenario == "Server":
        settings.server_target_qps = rate
        settings.server_target_latency_ns = int(BUDGET_S * 1e9)
        settings.server_target_latency_percentile = 0.99
    else:
        settings.single_stream_expected_latency_ns = 20_000
    settings.min_duration_ms = int(seconds * 1000)
    settings.max_duration_ms = int(seconds * 4000)
    settings.min_query_count = 1
    with tempfile.TemporaryDirectory(prefix="loadgen-") as out:
        log = lg.LogSettings()
        log.log_output.outdir = out
        log.log_output.copy_summary_to_stdout = False
        log.enable_trace = False
        sut = lg.ConstructSUT(issue, lambda: None)
        qsl = lg.ConstructQSL(1024, 1024, lambda indices: None, lambda indices: None)
        try:
            lg.StartTestWithLogSettings(sut, qsl, settings, log)
        finally:
            lg.DestroyQSL(qsl)
            lg.DestroySUT(sut)
        summary = (Path(out) / "mlperf_log_summary.txt").read_text()
    return _parse(summary)


def _parse(summary: str) -> LoadGenRun:
    def number(label: str) -> float:
        found = re.search(rf"^{re.escape(label)}\s*:\s*([0-9.]+)", summary, re.MULTILINE)
        if found is None:
            raise ValueError(f"LoadGen's summary has no {label!r}:\n{summary}")
        return float(found.group(1))

    rate_label = (
        "Completed samples per second"
        if "Completed samples per second" in summary
        else "QPS w/ loadgen overhead"
    )
    return LoadGenRun(
        valid="Result is : VALID" in summary,
        p50=number("50.00 percentile latency (ns)") / 1e9,
        p99=number("99.00 percentile latency (ns)") / 1e9,
        rate=number(rate_label),
    )


def run(repeats: int, quick: bool) -> list[Row]:
    session = load_session(MODEL)
    inputs = example_inputs(session)

    def call() -> None:
        session.run(None, inputs)

    target = Target(session.run, (None, inputs))
    capacity_time, max_time = (10.0, 1.0) if quick else (CAPACITY_TIME, 3.0)
    lg_seconds = 1.0 if quick else 5.0
    seen: dict[str, list[Any]] = {
        key: []
        for key in (
            "limit", "limit_after", "slices", "during", "during_holds", "bare_p50", "holds",
            "misses", "engine",
            "wall", "closed_p50", "closed_p99",
            "lg_ss", "lg_holds", "lg_misses", "lg_light", "light_p50", "light_p99",
        )
    }  # fmt: skip
    for _ in range(repeats):
        seen["engine"].append(_engine_share(call, target, 3 if quick else 7))
        seen["limit"].append(_bare_rate(call, 1.0 if quick else 3.0, seen["slices"]))
        p50, p99 = _closed_loop(target, 1.0 if quick else 3.0)
        seen["closed_p50"].append(p50)
        seen["closed_p99"].append(p99)
        started = time.perf_counter()
        found = search_capacity(
            target,
            [Threshold(99.0, BUDGET_S, "50 ms")],
            CapacityPlan(capacity_time=capacity_time, arrivals="poisson"),
            confidence=0.95,
            max_time=max_time,
        )
        seen["wall"].append(time.perf_counter() - started)
        seen["limit_after"].append(_bare_rate(call, 1.0 if quick else 3.0, seen["slices"]))
        timed = [p for p in found.probes if p.service_time_s is not None]
        busy = sum(p.n * (p.service_time_s or 0.0) for p in timed)
        seen["during"].append(sum(p.n for p in timed) / busy if busy > 0 else None)
        held = [p for p in timed if p.outcome == "holds" and p.rate == found.holds_at]
        seen["during_holds"].append(1 / (held[-1].service_time_s or 1.0) if held else None)
        seen["holds"].append(found.holds_at)
        seen["misses"].append(found.misses_at)
        seen["lg_ss"].append(_loadgen(call, "SingleStream", lg_seconds))
        seen["lg_light"].append(_loadgen(call, "Server", lg_seconds, LIGHT_RATE))
        light = _open_loop(target, LIGHT_RATE, lg_seconds)
        seen["light_p50"].append(light[0])
        seen["light_p99"].append(light[1])
        if found.holds_at is not None:
            seen["lg_holds"].append(_loadgen(call, "Server", lg_seconds, found.holds_at))
        if found.misses_at is not None:
            seen["lg_misses"].append(_loadgen(call, "Server", lg_seconds, found.misses_at))
    return _rows(seen, capacity_time, repeats)


def _rows(seen: dict[str, list[Any]], capacity_time: float, repeats: int) -> list[Row]:
    limit = median(seen["limit"])
    limit_after = median(seen["limit_after"])
    during = [d for d in seen["during"] if d is not None]
    during_holds = [d for d in seen["during_holds"] if d is not None]
    bare_p50 = median(seen["closed_p50"])
    holds = [h for h in seen["holds"] if h is not None]
    misses = [m for m in seen["misses"] if m is not None]
    held = median(holds) if holds else None
    missed = median(misses) if misses else None
    wall = median(seen["wall"])
    rows = [
        Row(
            "physical limit: funnel, 1 worker, 1 / mean service time",
            "bare loop, back to back, before the search",
            f"{limit:,.0f}/s (mean {format_duration(1 / limit)})",
            None,
            "-",
            None,
        ),
        Row(
            "the same bare loop right after the search",
            f"before: {limit:,.0f}/s",
            f"after: {limit_after:,.0f}/s",
            limit_after / limit,
            "-",
            None,
        ),
    ]
    engine = median(seen["engine"])
    rows.append(
        Row(
            "the load engine's own cost: rate served when always behind / bare loop just before",
            "bare loop, 0.5 s",
            f"{engine:.0%} of it",
            engine,
            f">= {LEAST_SHARE:.0%} (its overhead <= {1 - LEAST_SHARE:.0%})",
            engine >= LEAST_SHARE,
        )
    )
    slices: list[float] = seen["slices"]
    if slices:
        rows.append(
            Row(
                f"the bare loop in {SLICE_S:g} s slices, before and after each search",
                f"slowest {min(slices):,.0f}/s",
                f"fastest {max(slices):,.0f}/s",
                max(slices) / min(slices),
                "-",
                None,
            )
        )
    if during:
        rows.append(
            Row(
                "the limit while the search ran: 1 / mean duration of its probes' calls",
                f"bare loop before: {limit:,.0f}/s",
                f"{median(during):,.0f}/s",
                median(during) / limit,
                "-",
                None,
            )
        )
    rows += [
        Row(
            f"capacity at p99 <= 50 ms: holds_at ({len(holds)} of {repeats} runs found one)",
            f"physical limit {limit:,.0f}/s",
            f"{held:,.0f}/s" if held is not None else "none",
            held / limit if held is not None else None,
            f"{LEAST_SHARE:.0%} to 100% of the limit",
            held is not None and LEAST_SHARE * limit <= held <= limit,
        ),
    ]
    shares = [h / d for h, d in zip(seen["holds"], seen["during_holds"], strict=True) if h and d]
    if held is not None and shares:
        own = median(during_holds)
        share = median(shares)
        rows.append(
            Row(
                "holds_at against the limit during its own probe (1 / its calls' mean duration)",
                f"limit then {own:,.0f}/s",
                f"{held:,.0f}/s",
                share,
                f"{LEAST_SHARE:.0%} to 100% of the limit",
                LEAST_SHARE <= share <= 1.0,
            )
        )
    rows += [
        Row(
            "capacity search: wall time",
            f"capacity_time {capacity_time:g} s",
            f"{wall:.1f} s",
            wall / capacity_time,
            "within it (<= 1.02)",
            wall <= capacity_time * 1.02,
        ),
    ]
    brackets = [m / h for h, m in zip(seen["holds"], seen["misses"], strict=True) if h and m]
    bracket = median(brackets) if brackets else None
    rows.append(
        Row(
            "capacity search: misses_at / holds_at",
            f"holds {held:,.0f}/s" if held is not None else "holds: none",
            f"misses {missed:,.0f}/s" if missed is not None else "misses: none",
            bracket,
            f"<= {BRACKET:.2f}",
            bracket is not None and bracket <= BRACKET,
        )
    )
    # LoadGen's verdicts are reported beside this plugin's, not held to them: its Python SUT path
    # (its issue thread calling into Python for every query) is part of what it measures
    for key, label, claim in (
        ("lg_holds", "holds_at", "holds"),
        ("lg_misses", "misses_at", "misses"),
    ):
        runs: list[LoadGenRun] = seen[key]
        if not runs:
            continue
        valid = sum(r.valid for r in runs)
        p99, p50 = median([r.p99 for r in runs]), median([r.p50 for r in runs])
        rows.append(
            Row(
                f"LoadGen Server at this plugin's {label} (Poisson, p99 target 50 ms)",
                f"this plugin: {claim}",
                f"VALID {valid} of {len(runs)}; p99 {format_duration(p99)}; own p50 overhead "
                f"{format_duration(p50 - bare_p50)} (p50 {format_duration(p50)}); served "
                f"{median([r.rate for r in runs]):,.0f}/s",
                None,
                "-",
                None,
            )
        )
    light: list[LoadGenRun] = seen["lg_light"]
    for quantile, ours, theirs in (
        ("p50", median(seen["light_p50"]), median([r.p50 for r in light])),
        ("p99", median(seen["light_p99"]), median([r.p99 for r in light])),
    ):
        rows.append(
            Row(
                f"LoadGen Server {quantile} at {LIGHT_RATE:,.0f}/s (Poisson) vs this plugin's load "
                "run",
                f"this plugin {format_duration(ours)}",
                f"LoadGen {format_duration(theirs)}",
                theirs / ours,
                "-",
                None,
            )
        )
    single: list[LoadGenRun] = seen["lg_ss"]
    for quantile, ours, theirs in (
        ("p50", bare_p50, median([r.p50 for r in single])),
        ("p99", median(seen["closed_p99"]), median([r.p99 for r in single])),
    ):
        rows.append(
            Row(
                f"LoadGen SingleStream {quantile} vs this plugin's closed loop",
                f"this plugin {format_duration(ours)}",
                f"LoadGen {format_duration(theirs)}",
                theirs / ours,
                "-",
                None,
            )
        )
    return rows


if __name__ == "__main__":
    main(run, REPEATS, __doc__)
