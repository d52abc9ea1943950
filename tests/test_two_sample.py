"""The two-sample rule (STATS.md, "Two samples") and the order statistics a stored baseline
keeps, against hand-computed cases and the one-sample bounds they are built from."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from pytest_latency_sla.stats.bounds import bound_ranks, min_samples_to_pass, nearest_rank
from pytest_latency_sla.stats.looks import FAIL, FIRST_FAIL_LOOK, PASS, UNDECIDED, LookSchedule
from pytest_latency_sla.stats.stored import FLOOR_ALPHA, OrderWindow, order_window
from pytest_latency_sla.stats.two_sample import (
    RatioGate,
    RatioLooks,
    SideBounds,
    below_ratio,
    needed_pairs,
    ratio_bounds,
    ratio_decision,
    side_bounds,
)


def test_side_bounds_are_the_one_sample_order_statistics() -> None:
    ordered = np.arange(1, 101, dtype=np.int64) * 10  # X(k) = 10 k
    found = side_bounds(ordered, 50, 0.025)
    lower, upper = bound_ranks(100, 0.5, 0.025)
    assert found == SideBounds(500.0, 10.0 * lower, 10.0 * upper, 100)  # type: ignore[operator]
    assert lower is not None and upper is not None and lower < 50 < upper


def test_ratio_bounds_and_estimate() -> None:
    x = SideBounds(13.1, 12.0, 14.0, 598)
    y = SideBounds(8.4, 8.0, 9.0, 598)
    found = ratio_bounds(x, y)
    assert found.estimate == pytest.approx(13.1 / 8.4)
    assert found.lower == pytest.approx(12.0 / 9.0) and found.upper == pytest.approx(14.0 / 8.0)
    # a side without a bound, or a baseline at 0 ns, gives no ratio bound
    assert ratio_bounds(SideBounds(5, None, 6, 10), y).lower is None
    assert ratio_bounds(x, SideBounds(0, 0, 1, 10)).upper is None
    assert ratio_bounds(x, SideBounds(0, 0, 1, 10)).estimate == math.inf


@pytest.mark.parametrize(
    ("x", "y", "ratio", "verdict"),
    [
        ((7, 8, 8), (10, 10, 12), 0.8, "pass"),  # U_X = 8 <= 0.8 x L_Y = 8: a tie passes
        ((7, 8, 9), (10, 10, 12), 0.8, None),  # U_X = 9 > 8, L_X = 7 <= 0.8 x 12
        ((10, 10, 12), (7, 8, 9), 0.8, "fail"),  # L_X = 10 > 0.8 x U_Y = 7.2
        ((10, 7.2, 12), (7, 8, 9), 0.8, None),  # L_X = 7.2 is exactly 0.8 x 9: no fail
        ((5, None, 6), (10, 10, 12), 0.8, "pass"),
        ((5, 4, None), (10, 10, 12), 0.8, None),  # no upper bound: no pass
    ],
)
def test_confident_rules(
    x: tuple[float, float | None, float | None],
    y: tuple[float, float | None, float | None],
    ratio: float,
    verdict: str | None,
) -> None:
    assert ratio_decision(SideBounds(*x, 10), SideBounds(*y, 10), ratio) == verdict


def test_products_are_rounded_as_budgets_are() -> None:
    # 0.1 * 3 is 0.30000000000000004 in floats; 0.3 ns must still count as at the ratio
    assert below_ratio(0.3, 0.1, 3) and below_ratio(8, 0.8, 10)
    assert not below_ratio(8.002, 0.8, 10)


def _by_hand(x: np.ndarray, y: np.ndarray | None, gate: RatioGate, alpha: float) -> tuple[int, int]:
    """The first planned look (pair count) that decides, and its verdict, recomputed look by look
    from the schedule and the one-sample bounds."""
    schedule = LookSchedule(gate.q, alpha / 2)
    n = 0
    while n < len(x):
        n = schedule.next_look_after(n)
        if n > len(x):
            break
        for look in schedule.looks_at(n):
            xs = side_bounds(np.sort(x[:n]), gate.q * 100, look.alpha)
            if gate.stored is None:
                assert y is not None
                ys = side_bounds(np.sort(y[:n]), gate.q * 100, look.alpha)
            else:
                ys = SideBounds(0, gate.stored[0], gate.stored[1], 0)
            found = ratio_decision(xs, ys, gate.ratio)
            if found == look.side:
                return n, PASS if found == "pass" else FAIL
    return 0, UNDECIDED


@pytest.mark.parametrize("seed", range(12))
def test_looks_decide_where_the_rule_applied_look_by_look_decides(seed: int) -> None:
    rng = np.random.default_rng(seed)
    c = [0.6, 0.95, 1.0, 1.05, 1.3, 2.0][seed % 6]
    y = np.ceil(rng.lognormal(np.log(10_000), 0.3, 3000)).astype(np.int64)
    x = np.ceil(c * rng.lognormal(np.log(10_000), 0.3, 3000)).astype(np.int64)
    gate = RatioGate(0.5, 1.0)
    looks = RatioLooks([gate], 0.05)
    while (nxt := looks.next_look()) is not None and nxt <= 3000:
        looks.look(x[:nxt], y[:nxt])
    at, verdict = _by_hand(x, y, gate, 0.05)
    assert int(looks.verdicts[0, 0]) == verdict
    assert int(looks.at_n[0, 0]) == at
    assert int(looks.stopped_at[0]) == at


def test_a_stored_baseline_has_fixed_bounds() -> None:
    rng = np.random.default_rng(3)
    x = np.ceil(rng.lognormal(np.log(9_000), 0.3, 2000)).astype(np.int64)
    gate = RatioGate(0.5, 1.0, stored=(9_800.0, 10_200.0))
    looks = RatioLooks([gate], 0.05)
    while (nxt := looks.next_look()) is not None and nxt <= 2000:
        looks.look(x[:nxt])
    at, verdict = _by_hand(x, None, gate, 0.05)
    assert verdict == PASS and int(looks.verdicts[0, 0]) == PASS
    assert int(looks.at_n[0, 0]) == at
    # a stored baseline without a lower bound never gives a pass
    blind = RatioLooks([RatioGate(0.5, 10.0, stored=(None, 10_200.0))], 0.05)
    blind.look(x[:12])
    assert int(blind.verdicts[0, 0]) == UNDECIDED


def test_first_looks_and_level_per_side() -> None:
    # fail looks from 10 pairs, pass looks from 2 n_min at alpha/2 (12 for p50, 736 for p99)
    assert RatioLooks([RatioGate(0.5, 1.0)], 0.05).next_look() == FIRST_FAIL_LOOK
    assert LookSchedule(0.5, 0.025).first_pass_look == 12
    assert 2 * min_samples_to_pass(0.99, 0.025) == 736
    # each side spends at most alpha / 2 over every look
    spent = sum(
        look.alpha
        for n in range(1, 100_000)
        for look in LookSchedule(0.99, 0.025).looks_at(n)
        if look.side == "pass"
    )
    assert spent <= 0.025


def test_a_batch_of_runs_matches_the_runs_one_by_one() -> None:
    rng = np.random.default_rng(5)
    runs, n = 40, 400
    y = np.ceil(rng.lognormal(np.log(10_000), 0.4, (runs, n)))
    x = np.ceil(1.1 * rng.lognormal(np.log(10_000), 0.4, (runs, n)))
    gates = [RatioGate(0.5, 1.0), RatioGate(0.9, 1.2)]
    batch = RatioLooks(gates, 0.05, runs)
    while (nxt := batch.next_look()) is not None and nxt <= n:
        rows = np.flatnonzero(batch.running)
        batch.look(x[rows, :nxt], y[rows, :nxt], rows)
    for run in range(runs):
        one = RatioLooks(gates, 0.05)
        while (nxt := one.next_look()) is not None and nxt <= n:
            one.look(x[run, :nxt], y[run, :nxt])
        assert one.verdicts[0].tolist() == batch.verdicts[run].tolist()
        assert one.at_n[0].tolist() == batch.at_n[run].tolist()
        assert one.stopped_at[0] == batch.stopped_at[run]
    assert len({tuple(v) for v in batch.verdicts.tolist()}) >= 2


def test_needed_pairs_projects_the_current_samples() -> None:
    rng = np.random.default_rng(8)
    y = np.sort(np.ceil(rng.lognormal(np.log(10_000), 0.5, 200)).astype(np.int64))
    x = np.sort(np.ceil(0.8 * rng.lognormal(np.log(10_000), 0.5, 200)).astype(np.int64))
    needed = needed_pairs(x, y, 0.5, 1.0, 0.05, "pass", 200)
    assert needed > 200
    assert needed in {12 * 2**k for k in range(20)}  # a planned pass look
    # the same samples against themselves never separate: no pair count would decide
    assert needed_pairs(x, x, 0.5, 1.0, 0.05, "fail", 200) == 0
    # a stored baseline's bounds do not tighten: far enough from it, a look decides
    stored = SideBounds(12_000, 11_900, 12_100, 5000)
    assert needed_pairs(x, stored, 0.5, 1.0, 0.05, "pass", 200) > 200


@pytest.mark.parametrize("percentile", [50.0, 90.0, 99.0, 99.9, 95.0])
@pytest.mark.parametrize("n", [1, 7, 300, 5000])
def test_a_window_gives_the_exact_bounds_of_the_full_sample(percentile: float, n: int) -> None:
    rng = np.random.default_rng(n)
    ordered = np.sort(rng.integers(1_000, 50_000, n)).astype(np.int64)
    window = order_window(ordered, percentile)
    rebuilt = OrderWindow.from_dict(json.loads(json.dumps(window.to_dict())), n)
    assert rebuilt == window
    for alpha in (0.25, 0.05, 0.025, 0.005, 1e-4, FLOOR_ALPHA):
        assert rebuilt.side_bounds(alpha) == side_bounds(ordered, percentile, alpha)
    assert rebuilt.at(nearest_rank(n, percentile)) == float(
        ordered[nearest_rank(n, percentile) - 1]
    )


def test_a_window_of_two_million_samples_stays_small() -> None:
    rng = np.random.default_rng(0)
    ordered = np.sort(np.ceil(rng.lognormal(np.log(5_000), 0.4, 1 << 21))).astype(np.int64)
    windows = [order_window(ordered, p) for p in (50.0, 90.0, 99.0, 99.9)]
    assert sum(len(w.values_ns) for w in windows) < 20_000  # of 2,097,152
    text = json.dumps([w.to_dict() for w in windows], separators=(",", ":"))
    assert len(text) < 100_000
    half = 0.025
    for w in windows:
        assert w.side_bounds(half) == side_bounds(ordered, w.percentile, half)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"first_rank": 0}, "does not fit"),
        ({"first_rank": 99}, "does not fit"),
        ({"steps_ns": [1, -2]}, "must not decrease"),
        ({"percentile": 100.0}, "does not fit"),
        ({"first_rank": 1, "steps_ns": []}, "does not hold its percentile"),
    ],
)
def test_a_broken_window_record_is_refused(change: dict[str, object], message: str) -> None:
    record = order_window(np.arange(1, 101, dtype=np.int64), 50.0).to_dict()
    record.update(change)  # type: ignore[typeddict-item]
    with pytest.raises(ValueError, match=message):
        OrderWindow.from_dict(record, 100)


def test_a_stored_gate_that_can_never_be_decided_settles_without_a_verdict() -> None:
    rng = np.random.default_rng(6)
    x = np.ceil(rng.lognormal(np.log(10_000), 0.2, 20_000)).astype(np.int64)
    # a stored p50 known only to within [8,800, 11,500] ns: 10,000 ns now can neither pass
    # (above 1.1 x 8,800 = 9,680) nor fail (below 1.1 x 11,500 = 12,650) against it
    wide = RatioLooks([RatioGate(0.5, 1.1, stored=(8_800.0, 11_500.0))], 0.05)
    while (nxt := wide.next_look()) is not None and nxt <= 20_000:
        wide.look(x[:nxt])
    assert wide.hopeless[0, 0] and int(wide.verdicts[0, 0]) == UNDECIDED
    assert 0 < int(wide.stopped_at[0]) < 2_000 and wide.next_look() is None
    # a clear regression against the same stored bounds is still found
    slower = RatioLooks([RatioGate(0.5, 1.1, stored=(8_800.0, 11_500.0))], 0.05)
    while (nxt := slower.next_look()) is not None and nxt <= 20_000:
        slower.look(x[:nxt] * 2)
    assert int(slower.verdicts[0, 0]) == FAIL and not slower.hopeless[0, 0]
