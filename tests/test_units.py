"""How numbers are printed: three significant digits, ASCII units, budgets as written."""

from __future__ import annotations

import pytest

from pytest_latency_sla.units import (
    format_budget,
    format_duration,
    format_measured_ratio,
    format_percentile,
    format_ratio,
)


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0.0612, "61.2 ms"),
        (7.1e-6, "7.10 us"),
        (5.2e-8, "52.0 ns"),
        (1.5, "1.50 s"),
        (123.4, "123 s"),
        (0.000999996, "1.00 ms"),
        (0.9999, "1.00 s"),
        (3e-10, "0.30 ns"),
        # values that round up to the next digit keep three significant digits
        (9.999e-6, "10.0 us"),
        (9.995e-6, "10.0 us"),
        (99.96e-9, "100 ns"),
        (9.9949e-6, "9.99 us"),
        (-9.999e-6, "-10.0 us"),
        (0.0, "0 ns"),
        (None, "-"),
    ],
)
def test_durations(seconds: float | None, text: str) -> None:
    assert format_duration(seconds) == text


def test_budgets_ratios_percentiles() -> None:
    assert [format_budget(50, "ms"), format_budget(1.5, "s"), format_budget(5, "us")] == [
        "50 ms",
        "1.5 s",
        "5 us",
    ]
    assert format_budget(0.25, "ms") == "0.25 ms"
    assert [format_ratio(7042.3), format_ratio(2.46), format_ratio(0.0554)] == [
        "7,042x",
        "2.5x",
        "0.055x",
    ]
    assert [format_percentile(99), format_percentile(99.9), format_percentile(50.0)] == [
        "p99",
        "p99.9",
        "p50",
    ]


@pytest.mark.parametrize(
    ("ratio", "shown"),
    [
        (1.5634, "1.56x"),
        (0.8, "0.800x"),
        (0.81234, "0.812x"),
        (0.0099999, "0.0100x"),
        (0.000123, "0.000123x"),
        (12.345, "12.3x"),
        (1234.5, "1,234x"),
        (0.0, "0x"),
        (None, "-"),
        (float("inf"), "infx"),
    ],
)
def test_measured_ratios_have_three_significant_digits(ratio: float | None, shown: str) -> None:
    assert format_measured_ratio(ratio) == shown
