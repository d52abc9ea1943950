"""The verdict over sorted samples and the words that report it, without pytest."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pytest

from pytest_latency_sla.engine.collect import MeasureSpec
from pytest_latency_sla.engine.sampler import Decision, Sampling
from pytest_latency_sla.messages.verdict import failure_message, overkill_message
from pytest_latency_sla.plan import Threshold
from pytest_latency_sla.verdict.judge import closed_loop_bounds, judge
from pytest_latency_sla.verdict.measure import judge_collected
from pytest_latency_sla.verdict.result import LatencyResult, ThresholdResult

P99_50MS = Threshold(percentile=99, budget_s=0.05, budget_text="50 ms")


def result_of(
    samples_ns: list[float], decision: Decision, threshold: Threshold = P99_50MS
) -> LatencyResult:
    sampling = Sampling(
        samples_ns=np.array(samples_ns, dtype=np.int64),
        warmup=3,
        duration_s=0.5,
        stopped="decided",
        decisions=[decision],
        gc_collections=0,
    )
    return judge_collected(sampling, MeasureSpec(thresholds=[threshold]), "t.py::test")


def judged(
    sorted_ns: npt.NDArray[np.int64], threshold: Threshold, decision: Decision
) -> ThresholdResult:
    return judge(threshold, closed_loop_bounds(sorted_ns, threshold, decision, 0.95))


def test_confident_verdict_comes_from_the_decision() -> None:
    samples = np.sort(np.full(598, 7_100, dtype=np.int64))
    t = judged(samples, P99_50MS, Decision("pass", 598))
    assert (t.verdict, t.confident, t.overkill) == ("pass", True, True)
    assert t.estimate == pytest.approx(7.1e-6) and t.margin == pytest.approx(0.05 / 7.1e-6)
    assert t.lower == t.upper == pytest.approx(7.1e-6)


def test_without_a_decision_the_point_estimate_decides_not_confidently() -> None:
    samples = np.sort(np.r_[np.full(95, 1e6), np.full(5, 60e6)].astype(np.int64))
    t = judged(samples, P99_50MS, Decision())
    assert (t.verdict, t.confident) == ("fail", False)
    assert t.estimate == pytest.approx(0.06) and t.upper is None  # 100 samples: no upper bound


def test_scale_multiplies_the_budget_and_is_shown() -> None:
    samples = np.sort(np.full(598, 70e6).astype(np.int64))
    t = judged(samples, P99_50MS.scaled(2.0), Decision("pass", 598))
    assert t.budget == pytest.approx(0.1) and t.budget_text == "100 ms (50 ms x 2)"


def test_failure_message_first_line_is_specs_format() -> None:
    samples = [61.2e6] * 5 + [40.1e6] * 4 + [80.2e6]
    result = result_of(samples, Decision("fail", 10))
    record = result.summary()
    threshold = record["thresholds"][0]
    assert threshold["kind"] == "absolute"
    message = failure_message(record, threshold)
    first, *rest = message.splitlines()
    assert first == (
        "latency SLA missed: p99 = 80.2 ms > budget 50 ms (n=10, 95% bounds [61.2 ms, -]; "
        "p50 61.2 ms, max 80.2 ms)"
    )
    assert "confident" in rest[0] and "3 warm-up calls" in rest[1]


def test_overkill_message() -> None:
    result = result_of([7_100] * 598, Decision("pass", 598))
    threshold = result.summary()["thresholds"][0]
    assert threshold["kind"] == "absolute"
    assert overkill_message(threshold) == (
        "p99 = 7.10 us is 7,042x under the 50 ms budget (overkill threshold 1,000x): "
        "further optimization of this call is wasted effort"
    )


def test_result_properties() -> None:
    result = result_of(list(range(1, 1001)), Decision())
    assert result.n == 1000 and result.samples_ns.dtype == np.int64
    assert [result.p50, result.p90, result.p99, result.p999, result.max] == pytest.approx(
        [500e-9, 900e-9, 990e-9, 999e-9, 1000e-9]
    )
    assert result.mean == pytest.approx(500.5e-9)
    data = result.to_dict()
    assert data["quantiles_s"]["99.9"] == pytest.approx(999e-9)
    assert sum(data["histogram"]["counts"]) == 1000
