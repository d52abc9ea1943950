"""How durations, budgets and ratios are printed: ASCII units, for CI consoles and log scrapers."""

from __future__ import annotations

import math

_UNITS = (("s", 1.0), ("ms", 1e-3), ("us", 1e-6), ("ns", 1e-9))
UNIT_SECONDS = {"s": 1.0, "ms": 1e-3, "us": 1e-6}


def format_duration(seconds: float | None) -> str:
    """A measured duration with three significant digits: ``61.2 ms``, ``7.10 us``, ``52.0 ns``."""
    if seconds is None:
        return "-"
    if not math.isfinite(seconds):
        return str(seconds)
    if seconds == 0:
        return "0 ns"
    for unit, scale in _UNITS:
        value = seconds / scale
        if abs(value) >= 1 or unit == "ns":
            text = _three_significant(value)
            if text.replace("-", "").startswith("1000") and unit != "s":
                # 999.96 us rounds up to 1000 us: print it as 1.00 ms instead.
                return format_duration(math.copysign(_rounded(seconds), seconds))
            return f"{text} {unit}"
    raise AssertionError("unreachable")


def _rounded(seconds: float) -> float:
    digits = 2 - int(math.floor(math.log10(abs(seconds))))
    return round(abs(seconds), digits)


def _three_significant(value: float) -> str:
    """``value`` to three significant digits, rounded first: 9.996 -> ``10.0``, not ``10.00``."""
    if value == 0:
        return "0.00"
    digits = 2 - int(math.floor(math.log10(abs(value))))
    rounded = round(value, digits)
    magnitude = abs(rounded)
    if magnitude >= 100:
        return f"{rounded:.0f}"
    if magnitude >= 10:
        return f"{rounded:.1f}"
    return f"{rounded:.2f}"


def format_number(value: float) -> str:
    """A number as a person wrote it: ``50``, ``1.5``, ``0.25``."""
    if float(value).is_integer() and abs(value) < 1e15:  # not 1e308 as 309 digits
        return str(int(value))
    return repr(float(value))


def format_budget(value: float, unit: str) -> str:
    """A budget as written in the marker: ``50 ms``, ``1 ms``, ``5 us``."""
    return f"{format_number(value)} {unit}"


def format_ratio(ratio: float) -> str:
    """A margin: ``7,042x``; below 10, one decimal (``2.5x``); below 1, two digits (``0.05x``)."""
    if not math.isfinite(ratio):
        return "infx"
    if ratio >= 1e15:  # a budget of days on a call of nanoseconds: digits, not commas
        return f"{ratio:.3g}x"
    if ratio >= 10:
        return f"{ratio:,.0f}x"
    if ratio >= 1:
        return f"{ratio:.1f}x"
    return f"{ratio:.2g}x"


def format_percentile(percentile: float) -> str:
    """``p99``, ``p50``, ``p99.9``."""
    return f"p{format_number(percentile)}"


def format_measured_ratio(ratio: float | None) -> str:
    """A measured ratio with three significant digits: ``1.56x``, ``0.812x``, ``12.3x``,
    ``1,234x``; ``-`` for none."""
    if ratio is None:
        return "-"
    if not math.isfinite(ratio):
        return f"{ratio}x"
    if ratio >= 100:
        return f"{ratio:,.0f}x"
    if ratio >= 1:
        return f"{_three_significant(ratio)}x"
    if ratio <= 0:
        return "0x"
    return f"{ratio:#.3g}x"  # "#": keep the zeros that make three digits (0.800x)
