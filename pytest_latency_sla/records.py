"""The records that cross a layer: verdict, mode and stop-reason literals, and the JSON-able
dicts of the report (schema ``pytest-latency-sla/1``) that every renderer reads.

Types only: nothing here runs. The dicts are plain ``dict`` objects at run time (they travel
inside pytest-xdist reports and are written as JSON); the ``TypedDict`` classes name their keys
for the type checker and the reader.
"""

from __future__ import annotations

from typing import Literal, NotRequired, TypedDict

__all__ = [
    "Against",
    "AnyThresholdDict",
    "Arrivals",
    "BaselineDict",
    "BaselineNoteDict",
    "CapacityDict",
    "CapacityStop",
    "EnvironmentDict",
    "GcMode",
    "HistogramDict",
    "LoadDict",
    "MachineDict",
    "Mode",
    "OrderWindowDict",
    "Outcome",
    "OverloadDict",
    "ProbeDict",
    "ProbeOutcome",
    "RatioThresholdDict",
    "ReportDict",
    "ResultDict",
    "SideDict",
    "Stopped",
    "StoredMeasurementDict",
    "StoredStatus",
    "ThresholdDict",
    "ThresholdKind",
    "Verdict",
]

Verdict = Literal["pass", "fail"]
Mode = Literal["enforce", "warn", "off"]
GcMode = Literal["keep", "disable"]
Arrivals = Literal["constant", "poisson"]
ThresholdKind = Literal["absolute", "ratio"]
# What a ratio threshold compares with: a baseline sampled in the same run, or a stored one.
Against = Literal["baseline", "stored"]
# A measurement's place in a stored baseline: compared with it, or not in it.
StoredStatus = Literal["compared", "new"]
# Why sampling ended. "decided": every threshold confident (or one confident fail).
Stopped = Literal[
    "decided",
    "max_time",
    "max_samples",
    "sample count",
    "rate above capacity",
    "mode off",
    "crashed",
    "killed at deadline",
    "interrupted",
]
# Why a capacity search ended: its bracket is narrow enough (misses_at / holds_at <= 1.10), its
# time budget (capacity_time) or its planned probes are spent, the lowest rate worth probing
# misses (or the call alone is over budget), no rate up to the highest worth probing misses,
# only not-confident rates are left to probe, a probe of max_time is too short to decide any
# rate below the service rate, ``--latency-mode=off`` searched nothing, or an interrupt (a
# timeout, Ctrl-C) stopped it (its finished probes kept).
CapacityStop = Literal[
    "bracket",
    "time budget",
    "probe limit",
    "no rate holds",
    "no rate misses",
    "not confident",
    "max_time too short",
    "mode off",
    "interrupted",
]
# One probe of a capacity search: every threshold passed confidently, one failed confidently
# (an overloaded run too, when its latencies show it), or neither.
ProbeOutcome = Literal["holds", "misses", "not confident"]
# The test's pytest outcome, or what ended its measurement.
Outcome = Literal[
    "passed", "failed", "error", "skipped", "xfailed", "xpassed", "crashed", "interrupted"
]


class ThresholdDict(TypedDict):
    """One absolute threshold's verdict. Durations in seconds; ``margin`` is budget / estimate."""

    kind: Literal["absolute"]
    percentile: float
    budget_s: float
    budget_text: str
    scale: float
    estimate_s: float
    lower_s: float | None
    upper_s: float | None
    verdict: Verdict | None  # None: not judged (--latency-mode=off)
    confident: bool
    margin: float | None
    overkill: bool
    overkill_threshold: float | None


class RatioThresholdDict(TypedDict):
    """One ratio threshold's verdict: the candidate's ``percentile`` against ``ratio`` x the
    baseline's (``against``: sampled in the same run, or stored). ``estimate``, ``lower`` and
    ``upper`` are ratios (``None`` where there is no bound, or a baseline of 0 ns);
    ``candidate_s`` and ``baseline_s`` the two nearest-rank percentiles in seconds, from
    ``n`` (the result's) and ``baseline_n`` samples; ``margin`` is ratio / estimate."""

    kind: Literal["ratio"]
    percentile: float
    ratio: float
    against: Against
    estimate: float | None
    lower: float | None
    upper: float | None
    verdict: Verdict | None  # None: not judged (--latency-mode=off)
    confident: bool
    margin: float | None
    candidate_s: float
    baseline_s: float
    baseline_n: int


AnyThresholdDict = ThresholdDict | RatioThresholdDict


class OverloadDict(TypedDict):
    served_rate: float
    backlog_s: float
    after_s: float


class LoadDict(TypedDict):
    """What a load run asked for and got: arrivals per second, workers, the start delay."""

    rate: float | None
    arrivals: Arrivals
    concurrency: int
    achieved_rate: float
    start_delay_p99_s: float | None
    overload: NotRequired[OverloadDict]


class ProbeDict(TypedDict):
    """One probe of a capacity search: a load run at ``rate`` arrivals/s judged at its own
    ``confidence`` (the search's alpha spread over its planned probes). ``thresholds`` hold each
    threshold's verdict at that level. ``quantiles_s`` are of its latencies, keys as in
    ``ResultDict``."""

    rate: float
    served_rate: float
    n: int
    duration_s: float
    confidence: float
    outcome: ProbeOutcome
    overloaded: bool
    start_delay_p99_s: float | None
    quantiles_s: dict[str, float]
    thresholds: list[ThresholdDict]
    # the mean duration of its calls, queueing left out (seconds): 1 / it is the most one worker
    # could serve while the probe ran; absent from reports written before it was recorded
    service_time_s: NotRequired[float | None]


class CapacityDict(TypedDict):
    """A capacity search (``latency_sla.capacity``): the highest rate that held every threshold
    with confidence (``holds_at``) and the lowest that missed or overloaded (``misses_at``),
    arrivals per second (``None`` where no probe gave that claim); the gate ``min_rate`` and
    whether it ``passed`` (a rate held, at least ``min_rate``; ``True`` under
    ``--latency-mode=off``, which searches nothing and fails nothing); the closed-loop
    ``service_rate`` the search started from."""

    holds_at: float | None
    misses_at: float | None
    min_rate: float | None
    passed: bool
    budgets: list[str]
    service_rate: float
    concurrency: int
    arrivals: Arrivals
    capacity_time_s: float
    stopped: CapacityStop
    probes: list[ProbeDict]
    # stopped "max_time too short": the probe length (s) that would decide a rate below the
    # service rate
    max_time_needed_s: NotRequired[float]


class HistogramDict(TypedDict):
    edges_s: list[float]
    counts: list[int]


class SideDict(TypedDict):
    """One side of a comparison: its samples' quantiles (seconds, keys as ``quantiles_s`` of
    ``ResultDict``), warm-up, and the drift check of its halves. The baseline's histogram
    shares the candidate's bin edges."""

    n: int
    warmup: int
    mean_s: float | None
    quantiles_s: dict[str, float]
    unstable: bool
    half_medians_s: list[float] | None
    near_timer_resolution: bool
    histogram: NotRequired[HistogramDict]


class ResultDict(TypedDict):
    """One measurement of one test. ``quantiles_s`` has the keys "50", "90", "99", "99.9" and
    "max" when ``n > 0``. A comparison (``latency_sla.compare``) describes its candidate at the
    top level (``n`` is the pair count) and both sides under ``candidate`` and ``baseline``."""

    nodeid: str
    outcome: NotRequired[Outcome]
    n: int
    warmup: int
    duration_s: float
    mean_s: float | None
    quantiles_s: dict[str, float]
    thresholds: list[AnyThresholdDict]
    stopped: Stopped
    gc_collections: int
    confidence: float
    unstable: bool
    half_medians_s: list[float] | None
    near_timer_resolution: bool
    timer_overhead_s: float
    histogram: NotRequired[HistogramDict]
    load: NotRequired[LoadDict]
    capacity: NotRequired[CapacityDict]
    isolated: NotRequired[bool]
    onnxruntime: NotRequired[str]
    crash: NotRequired[str]  # how an isolated child ended: "SIGSEGV (signal 11)"
    crashed_worker: NotRequired[str]  # the pytest-xdist worker that died running the test: "gw0"
    xfail: NotRequired[bool]  # the test is marked xfail (its miss or crash was expected)
    source: NotRequired[str]  # merged reports: the file a test measured in several came from
    candidate: NotRequired[SideDict]
    baseline: NotRequired[SideDict]
    stored: NotRequired[StoredStatus]  # with --latency-baseline: compared with it, or new


class MachineDict(TypedDict, total=False):
    """What a stored baseline was measured on: its machine fingerprint."""

    cpu: str
    cpu_count: int
    python: str
    platform: str
    onnxruntime: str


class BaselineNoteDict(TypedDict):
    """The stored baseline a run compared with: its file, when and where it was measured."""

    path: str
    created: str
    machine: MachineDict
    same_machine: bool


class EnvironmentDict(TypedDict, total=False):
    """What the numbers were measured on, and the session settings that change how they read."""

    python: str
    implementation: str
    platform: str
    cpu: str
    cpu_count: int
    clock: str
    timer_overhead_ns: int
    gc: str
    gc_thresholds: list[int]
    onnxruntime: str
    xdist_workers: int
    scale: float
    scale_source: str  # where a scale other than 1 came from: "--latency-scale", "ini ...", ...
    confidence: float
    mode: Mode
    baseline: BaselineNoteDict
    regression: float  # allowed slowdown against the stored baseline, as a fraction (0.1)
    merged_from: list[str]  # merged reports: every source file, in the order given
    exitstatus: int  # pytest's exit status when the report was made (0: every test passed)
    signal: str  # the signal that ended the run early ("SIGTERM"), with finished results only


class ReportDict(TypedDict):
    schema: str
    created: str
    environment: EnvironmentDict
    results: list[ResultDict]


class OrderWindowDict(TypedDict):
    """Consecutive order statistics of a stored sample around one percentile: ranks
    ``first_rank`` on (1-based), the first value and the steps between neighbours (ns)."""

    percentile: float
    first_rank: int
    first_ns: int
    steps_ns: list[int]


class StoredMeasurementDict(TypedDict):
    """One measurement of a stored baseline: ``n`` samples, their quantiles (seconds), and the
    order statistics an exact later comparison needs."""

    n: int
    quantiles_s: dict[str, float]
    order_statistics: list[OrderWindowDict]


class BaselineDict(TypedDict):
    """A stored baseline file (schema ``pytest-latency-sla-baseline/1``), measurements by name
    (the node id, ``#2`` for a test's second measurement)."""

    schema: str
    created: str
    machine: MachineDict
    measurements: dict[str, StoredMeasurementDict]
