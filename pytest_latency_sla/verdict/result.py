"""What a measurement produced: plain dataclasses, with a JSON-able form for reports and xdist."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..records import (
    Against,
    AnyThresholdDict,
    Arrivals,
    CapacityDict,
    CapacityStop,
    HistogramDict,
    LoadDict,
    ProbeDict,
    ProbeOutcome,
    ResultDict,
    SideDict,
    Stopped,
    StoredStatus,
    ThresholdDict,
    ThresholdKind,
    Verdict,
)
from ..stats.bounds import nearest_rank

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

__all__ = ["CapacityResult", "ComparisonResult", "LatencyResult", "ProbeResult", "ThresholdResult"]

_HISTOGRAM_BINS = 48


@dataclass(frozen=True)
class ThresholdResult:
    """The verdict on one threshold. Durations are in seconds.

    ``lower`` and ``upper`` are the distribution-free bounds of the percentile at the session's
    confidence over all ``n`` samples; either is ``None`` where ``n`` is too small to give it.
    ``margin`` is ``budget / estimate``; ``overkill`` says whether it reached the overkill threshold.
    ``verdict`` is ``None`` under ``--latency-mode=off``, which judges nothing (``estimate`` is
    then the one call's duration).

    For a ratio threshold (``kind == "ratio"``) ``budget``, ``estimate``, ``lower`` and ``upper``
    are ratios candidate / baseline; ``against`` says whether the baseline was sampled in the
    same run or stored, ``candidate`` and ``baseline`` are the two percentiles (seconds) and
    ``baseline_n`` the baseline's sample count. A stored baseline fails a test only with
    confidence: ``passed`` is false for a ratio to a stored baseline only when ``confident``.
    """

    percentile: float
    budget: float
    estimate: float
    lower: float | None
    upper: float | None
    verdict: Verdict | None
    confident: bool
    margin: float
    overkill: bool
    budget_text: str = ""
    overkill_threshold: float | None = None
    scale: float = 1.0
    kind: ThresholdKind = "absolute"
    against: Against | None = None
    candidate: float | None = None
    baseline: float | None = None
    baseline_n: int = 0

    @property
    def passed(self) -> bool:
        """Not failed: ``True`` for a pass, for no verdict (``--latency-mode=off``), and for a
        ratio to a stored baseline not confidently failed."""
        if self.against == "stored" and not self.confident:
            return True
        return self.verdict != "fail"

    def to_dict(self) -> AnyThresholdDict:
        if self.kind == "ratio":
            return {
                "kind": "ratio",
                "percentile": float(self.percentile),
                "ratio": float(self.budget),
                "against": self.against or "baseline",
                "estimate": _finite_or_none(self.estimate),
                "lower": _finite_or_none(self.lower),
                "upper": _finite_or_none(self.upper),
                "verdict": self.verdict,
                "confident": bool(self.confident),
                "margin": _finite_or_none(self.margin),
                "candidate_s": float(self.candidate or 0.0),
                "baseline_s": float(self.baseline or 0.0),
                "baseline_n": int(self.baseline_n),
            }
        return {
            "kind": self.kind,
            "percentile": float(self.percentile),
            "budget_s": float(self.budget),
            "budget_text": self.budget_text,
            "scale": float(self.scale),
            "estimate_s": float(self.estimate),
            "lower_s": _opt(self.lower),
            "upper_s": _opt(self.upper),
            "verdict": self.verdict,
            "confident": bool(self.confident),
            "margin": _finite_or_none(self.margin),
            "overkill": bool(self.overkill),
            "overkill_threshold": _opt(self.overkill_threshold),
        }


@dataclass(frozen=True)
class LatencyResult:
    """One measurement: every timed call, in order, and the verdict of each threshold."""

    samples_ns: npt.NDArray[np.int64]
    thresholds: tuple[ThresholdResult, ...] = ()
    name: str = ""
    warmup: int = 0
    duration_s: float = 0.0
    stopped: Stopped = "decided"
    gc_collections: int = 0
    confidence: float = 0.95
    # medians (ns) of the first and second half of the samples; ``unstable`` when they differ
    # by more than chance and 20% (see ``stability``)
    half_medians_ns: tuple[float, float] | None = None
    unstable: bool = False
    # the p50 is under 10x the session's measured timer overhead (``timer_overhead_ns``)
    near_timer_resolution: bool = False
    timer_overhead_ns: int = 0
    # a load run: the rate asked for and served, the start delay (``None`` in closed loop)
    load: LoadDict | None = None
    # measured in a forked child (``isolate=True``)
    isolated: bool = False
    # onnxruntime's version, when the measuring process had it loaded
    onnxruntime: str | None = None
    # how an isolated child ended when it crashed: ``SIGSEGV (signal 11)``
    crash: str | None = None
    # with --latency-baseline: "compared" with the stored measurement of this name, or "new"
    stored: StoredStatus | None = None
    _sorted_ns: npt.NDArray[np.int64] | None = field(
        default=None, init=False, repr=False, compare=False
    )

    @property
    def n(self) -> int:
        return int(self.samples_ns.shape[0])

    def percentile(self, p: float) -> float:
        """The nearest-rank ``p``-th percentile in seconds (``0 < p <= 100``)."""
        if not 0 < p <= 100:
            raise ValueError(f"percentile must be in (0, 100], got {p!r}")
        if self.n == 0:
            return math.nan
        return float(self._sorted()[nearest_rank(self.n, p) - 1]) / 1e9

    @property
    def p50(self) -> float:
        return self.percentile(50)

    @property
    def p90(self) -> float:
        return self.percentile(90)

    @property
    def p99(self) -> float:
        return self.percentile(99)

    @property
    def p999(self) -> float:
        return self.percentile(99.9)

    @property
    def max(self) -> float:
        return float(self.samples_ns.max()) / 1e9 if self.n else math.nan

    @property
    def mean(self) -> float:
        return float(self.samples_ns.mean()) / 1e9 if self.n else math.nan

    @property
    def passed(self) -> bool:
        """No threshold failed (``True`` under ``--latency-mode=off``, which judges nothing)."""
        return all(t.passed for t in self.thresholds)

    def _sorted(self) -> npt.NDArray[np.int64]:
        cached = self._sorted_ns
        if cached is None:
            import numpy as np

            cached = np.sort(self.samples_ns)
            object.__setattr__(self, "_sorted_ns", cached)
        return cached

    def summary(self) -> ResultDict:
        """The JSON-able form without the histogram (plain Python values only: numpy scalars
        break pytest-xdist)."""
        quantiles = {}
        if self.n:
            for label, p in (("50", 50.0), ("90", 90.0), ("99", 99.0), ("99.9", 99.9)):
                quantiles[label] = self.percentile(p)
            quantiles["max"] = self.max
        data: ResultDict = {
            "nodeid": self.name,
            "n": self.n,
            "warmup": int(self.warmup),
            "duration_s": float(self.duration_s),
            "mean_s": _finite_or_none(self.mean),
            "quantiles_s": quantiles,
            "thresholds": [t.to_dict() for t in self.thresholds],
            "stopped": self.stopped,
            "gc_collections": int(self.gc_collections),
            "confidence": float(self.confidence),
            "unstable": bool(self.unstable),
            "half_medians_s": None
            if self.half_medians_ns is None
            else [float(m) / 1e9 for m in self.half_medians_ns],
            "near_timer_resolution": bool(self.near_timer_resolution),
            "timer_overhead_s": float(self.timer_overhead_ns) / 1e9,
        }
        if self.load is not None:
            data["load"] = self.load
        if self.isolated:
            data["isolated"] = True
        if self.onnxruntime:
            data["onnxruntime"] = self.onnxruntime
        if self.crash:
            data["crash"] = self.crash
        if self.stored:
            data["stored"] = self.stored
        return data

    def to_dict(self) -> ResultDict:
        """``summary()`` and the histogram: what the reports keep of this measurement."""
        data = self.summary()
        data["histogram"] = self.histogram()
        return data

    def histogram(
        self, bins: int = _HISTOGRAM_BINS, span_ns: tuple[float, float] | None = None
    ) -> HistogramDict:
        """Counts over log-spaced bins between the fastest and the slowest call (or over
        ``span_ns``, the range of both sides of a comparison)."""
        if not self.n:
            return {"edges_s": [], "counts": []}
        import numpy as np

        low_ns, high_ns = span_ns or (float(self.samples_ns.min()), float(self.samples_ns.max()))
        low = max(low_ns, 1.0)
        high = max(high_ns, low * 1.001)
        edges = np.geomspace(low, high * 1.000001, bins + 1)
        counts, _ = np.histogram(np.maximum(self.samples_ns, low), bins=edges)
        return {
            "edges_s": [float(e) / 1e9 for e in edges],
            "counts": [int(c) for c in counts],
        }


@dataclass(frozen=True)
class ProbeResult:
    """One probe of a capacity search: a load run at ``rate`` arrivals per second (``served``:
    the rate it achieved), its verdict per threshold at the probe's own ``confidence``, and the
    ``outcome`` (``"holds"``, ``"misses"``, ``"not confident"``). Durations in seconds."""

    rate: float
    served_rate: float
    n: int
    duration: float
    confidence: float
    thresholds: tuple[ThresholdResult, ...]
    outcome: ProbeOutcome
    overloaded: bool = False
    start_delay_p99: float | None = None
    quantiles: dict[str, float] = field(default_factory=dict)
    service_time: float | None = None  # the mean duration of its calls, queueing left out

    @property
    def passed(self) -> bool:
        return self.outcome == "holds"

    def to_dict(self) -> ProbeDict:
        return {
            "rate": float(self.rate),
            "served_rate": float(self.served_rate),
            "n": int(self.n),
            "duration_s": float(self.duration),
            "confidence": float(self.confidence),
            "outcome": self.outcome,
            "overloaded": bool(self.overloaded),
            "start_delay_p99_s": _opt(self.start_delay_p99),
            "quantiles_s": {k: float(v) for k, v in self.quantiles.items()},
            "thresholds": [_absolute(t.to_dict()) for t in self.thresholds],
            "service_time_s": _opt(self.service_time),
        }


def _absolute(record: AnyThresholdDict) -> ThresholdDict:
    """A budget's record (a capacity search holds budgets only, never ratios)."""
    if record["kind"] != "absolute":
        raise ValueError(f"a capacity probe holds budgets, not ratios: {record}")
    return record


@dataclass(frozen=True)
class CapacityResult:
    """A capacity search (``latency_sla.capacity``).

    ``holds_at``: the highest rate (calls per second) at which every threshold passed with
    confidence; ``misses_at``: the lowest at which one failed with confidence or the call could
    not keep up; ``None`` where no probe gave that claim. Each claim holds at the session's
    confidence. ``probes`` in the order they ran; ``service`` is the closed-loop run the search
    started from (``service_rate``: calls per second the workers complete back to back).
    ``passed``: the search does not fail its test (see the property).
    ``max_time_needed``: when the search stopped because a probe of ``max_time`` cannot decide
    any rate below the service rate (``stopped == "max_time too short"``), the probe length in
    seconds that could.
    """

    holds_at: float | None
    misses_at: float | None
    probes: tuple[ProbeResult, ...] = ()
    min_rate: float | None = None
    service: ProbeResult | None = None
    budgets: tuple[str, ...] = ()
    name: str = ""
    stopped: CapacityStop = "bracket"
    duration_s: float = 0.0
    warmup: int = 0
    confidence: float = 0.95
    concurrency: int = 1
    arrivals: Arrivals = "constant"
    capacity_time: float = 30.0
    gc_collections: int = 0
    isolated: bool = False
    onnxruntime: str | None = None
    max_time_needed: float | None = None

    @property
    def service_rate(self) -> float:
        return self.service.served_rate if self.service is not None else 0.0

    @property
    def n(self) -> int:
        """Timed calls over every probe."""
        return sum(p.n for p in self.probes)

    @property
    def passed(self) -> bool:
        """Whether the search does not fail its test: a rate holds with confidence
        (``holds_at`` is set), at least ``min_rate`` when that gate is set. Under
        ``--latency-mode=off`` nothing is measured and no test fails on latency, as
        ``LatencyResult.passed`` is ``True`` there: ``passed`` is ``True`` with ``holds_at``
        and ``misses_at`` both ``None`` and ``stopped == "mode off"`` (nothing was claimed;
        read ``holds_at`` for a rate that held)."""
        if self.stopped == "mode off":
            return True
        if self.holds_at is None:
            return False
        return self.min_rate is None or self.holds_at >= self.min_rate

    def to_dict(self) -> ResultDict:
        """The report record: the search under ``capacity``; the top-level quantiles are those
        of the probe that held at ``holds_at`` (the latency at the rate that holds; of a rate
        probed again, the probe that decided it)."""
        holding = next(
            (p for p in reversed(self.probes) if p.rate == self.holds_at and p.passed), None
        )
        capacity: CapacityDict = {
            "holds_at": _opt(self.holds_at),
            "misses_at": _opt(self.misses_at),
            "min_rate": _opt(self.min_rate),
            "passed": bool(self.passed),
            "budgets": list(self.budgets),
            "service_rate": float(self.service_rate),
            "concurrency": int(self.concurrency),
            "arrivals": self.arrivals,
            "capacity_time_s": float(self.capacity_time),
            "stopped": self.stopped,
            "probes": [p.to_dict() for p in self.probes],
        }
        if self.max_time_needed is not None:
            capacity["max_time_needed_s"] = float(self.max_time_needed)
        data: ResultDict = {
            "nodeid": self.name,
            "n": self.n,
            "warmup": int(self.warmup),
            "duration_s": float(self.duration_s),
            "mean_s": None,
            "quantiles_s": dict(holding.quantiles) if holding is not None else {},
            "thresholds": [],
            "stopped": _RESULT_STOPPED[self.stopped],
            "gc_collections": int(self.gc_collections),
            "confidence": float(self.confidence),
            "unstable": False,
            "half_medians_s": None,
            "near_timer_resolution": False,
            "timer_overhead_s": 0.0,
            "capacity": capacity,
        }
        if self.isolated:
            data["isolated"] = True
        if self.onnxruntime:
            data["onnxruntime"] = self.onnxruntime
        return data


# How a search's end reads as a measurement's: a narrow bracket is a decision, a spent
# budget a forced end.
_RESULT_STOPPED: dict[CapacityStop, Stopped] = {
    "bracket": "decided",
    "time budget": "max_time",
    "probe limit": "max_time",
    "no rate holds": "decided",
    "no rate misses": "decided",
    "not confident": "max_time",
    "max_time too short": "max_time",
    "mode off": "mode off",
    "interrupted": "interrupted",
}


@dataclass(frozen=True)
class ComparisonResult:
    """A candidate measured against a baseline in the same run, in pairs of calls in random
    order (``latency_sla.compare``).

    ``candidate`` and ``baseline`` are each side's ``LatencyResult`` (the candidate's
    ``thresholds`` are the absolute ones, which apply to it); ``thresholds`` holds every
    threshold of the comparison, absolute ones first, then the ratios (``kind == "ratio"``).
    """

    candidate: LatencyResult
    baseline: LatencyResult
    thresholds: tuple[ThresholdResult, ...] = ()
    name: str = ""

    def ratio(self, p: float) -> float:
        """The point estimate of candidate / baseline at percentile ``p`` (``0 < p <= 100``):
        the ratio of the two nearest-rank percentiles (inf when the baseline's is 0)."""
        candidate, baseline = self.candidate.percentile(p), self.baseline.percentile(p)
        if baseline > 0 or math.isnan(baseline):
            return candidate / baseline
        return math.inf if candidate > 0 else math.nan

    @property
    def passed(self) -> bool:
        return all(t.passed for t in self.thresholds)

    def summary(self) -> ResultDict:
        """The JSON-able form: the candidate at the top level (``n`` is the pair count), every
        threshold, and each side under ``candidate`` and ``baseline``."""
        data = self.candidate.summary()
        data["nodeid"] = self.name
        data["thresholds"] = [t.to_dict() for t in self.thresholds]
        data["candidate"] = _side(self.candidate)
        data["baseline"] = _side(self.baseline)
        return data

    def to_dict(self) -> ResultDict:
        """``summary()`` and both histograms, over the same bins."""
        data = self.summary()
        sides = [r for r in (self.candidate, self.baseline) if r.n]
        span = (
            (
                min(float(r.samples_ns.min()) for r in sides),
                max(float(r.samples_ns.max()) for r in sides),
            )
            if sides
            else None
        )
        data["histogram"] = self.candidate.histogram(span_ns=span)
        data["baseline"]["histogram"] = self.baseline.histogram(span_ns=span)
        return data


def _side(result: LatencyResult) -> SideDict:
    full = result.summary()
    return {
        "n": full["n"],
        "warmup": full["warmup"],
        "mean_s": full["mean_s"],
        "quantiles_s": full["quantiles_s"],
        "unstable": full["unstable"],
        "half_medians_s": full["half_medians_s"],
        "near_timer_resolution": full["near_timer_resolution"],
    }


def _opt(value: float | None) -> float | None:
    return None if value is None else float(value)


def _finite_or_none(value: float | None) -> float | None:
    return float(value) if value is not None and math.isfinite(value) else None
