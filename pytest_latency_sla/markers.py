"""From ``latency_sla`` markers to a measurement ``Plan``: thresholds and sampling settings.

Pure functions on plain data; the pytest edge passes markers in closest-first order and turns a
``BadMarkerArgument`` into a setup error of that one test.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .messages.common import (
    CAPACITY_TIME_ALLOWED,
    CONCURRENCY_ALLOWED,
    MAX_TIME_ALLOWED,
    MIN_RATE_ALLOWED,
    PERCENTILE_ALLOWED,
    RATE_ALLOWED,
    RATIO_ALLOWED,
    WARMUP_ALLOWED,
    percentile_fraction,
)
from .messages.errors import capacity_time_below_max_time, min_rate_with_rate
from .plan import (
    CAPACITY_TIME,
    MAX_CONCURRENCY,
    MAX_RATE,
    MAX_RATIO,
    MAX_TIME_S,
    MAX_WARMUP,
    MIN_RATE,
    PERCENTILE_EDGE,
    Defaults,
    Plan,
    Threshold,
)
from .units import UNIT_SECONDS, format_budget, format_percentile

__all__ = [
    "BadMarkerArgument",
    "MarkerCall",
    "marker_calls",
    "plan_from_markers",
]

ARGUMENTS = (
    "s", "ms", "us", "ratio", "percentile", "overkill", "max_time", "warmup", "isolate",
    "rate", "arrivals", "concurrency", "min_rate", "capacity_time",
)  # fmt: skip
ARRIVALS = ("constant", "poisson")
# Exactly one of these per marker: a budget with its unit, or a ratio to a baseline.
BUDGETS = ("s", "ms", "us", "ratio")


class BadMarkerArgument(ValueError):
    """A ``latency_sla`` marker argument that cannot be used; the message is for the user."""


@dataclass(frozen=True)
class MarkerCall:
    """A marker's arguments, with the level it was applied at (closest first)."""

    level: str
    args: tuple[Any, ...]
    kwargs: Mapping[str, Any]


def plan_from_markers(marks: Sequence[MarkerCall], defaults: Defaults, where: str) -> Plan:
    """Merge markers, closest first: for one kind (budget or ratio) and percentile the closest
    level wins; sampling settings come from the closest marker that sets them."""
    by_percentile: dict[tuple[str, float], tuple[str, Threshold]] = {}
    settings: dict[str, tuple[str, Any]] = {}
    for mark in marks:
        parsed = _parse_one(mark, defaults, where)
        threshold = parsed.pop("threshold")
        key = (threshold.kind, threshold.percentile)
        seen = by_percentile.get(key)
        if seen is None:
            by_percentile[key] = (mark.level, threshold)
        elif seen[0] == mark.level:
            what = "ratio" if threshold.kind == "ratio" else "budget"
            raise BadMarkerArgument(
                f"{where}: two latency_sla markers on the same {mark.level} set a {what} for "
                f"{format_percentile(threshold.percentile)} ({seen[1].budget_text} and "
                f"{threshold.budget_text}); keep one, or give them different percentiles"
            )
        for name, value in parsed.items():
            held = settings.get(name)
            if held is None:
                settings[name] = (mark.level, value)
            elif held[0] == mark.level and held[1] != value:
                raise BadMarkerArgument(
                    f"{where}: two latency_sla markers on the same {mark.level} set "
                    f"{name}={held[1]!r} and {name}={value!r}; keep one"
                )
    if not by_percentile:
        raise BadMarkerArgument(f"{where}: no latency_sla marker")
    thresholds = tuple(
        t for _, t in sorted(by_percentile.values(), key=lambda s: (s[1].kind, s[1].percentile))
    )
    values = {name: value for name, (_, value) in settings.items()}
    if values.get("min_rate") is not None and values.get("rate") is not None:
        raise BadMarkerArgument(min_rate_with_rate(where, values["min_rate"], values["rate"]))
    max_time = values.get("max_time", defaults.max_time)
    if "capacity_time" in values and values["capacity_time"] < max_time:
        raise BadMarkerArgument(
            capacity_time_below_max_time(where, values["capacity_time"], max_time)
        )
    if any(t.kind == "ratio" for t in thresholds) and (
        values.get("rate") is not None or values.get("concurrency", 1) > 1
    ):
        raise BadMarkerArgument(
            f"{where}: latency_sla(ratio=...) cannot be combined with rate= or concurrency=: "
            "latency_sla.compare measures closed loop, one call after another"
        )
    return Plan(
        thresholds=thresholds,
        max_time=max_time,
        warmup=values.get("warmup"),
        isolate=values.get("isolate", defaults.isolate),
        rate=values.get("rate"),
        arrivals=values.get("arrivals", "constant"),
        concurrency=values.get("concurrency", 1),
        min_rate=values.get("min_rate"),
        capacity_time=values.get("capacity_time", CAPACITY_TIME),
    )


def _parse_one(mark: MarkerCall, defaults: Defaults, where: str) -> dict[str, Any]:
    if mark.args:
        shown = ", ".join(_show(a) for a in mark.args)
        hint = f" (did you mean ms={_show(mark.args[0])}?)" if _is_real(mark.args[0]) else ""
        raise BadMarkerArgument(
            f"{where}: latency_sla takes keyword arguments only; got positional {shown}{hint}"
        )
    for name in mark.kwargs:
        if name not in ARGUMENTS:
            import difflib  # only for a misspelt argument

            close = difflib.get_close_matches(name, ARGUMENTS, n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            raise BadMarkerArgument(
                f"{where}: unknown latency_sla argument {name}={_show(mark.kwargs[name])}{hint}; "
                f"allowed: {', '.join(ARGUMENTS)}"
            )
    kwargs = dict(mark.kwargs)
    out: dict[str, Any] = {}
    percentile = _percentile(kwargs.pop("percentile", defaults.percentile), where)
    value, unit = _budget(kwargs, where)
    if unit == "ratio":
        if "overkill" in kwargs:
            raise _bad(
                where, "overkill", kwargs["overkill"],
                "overkill applies to a budget (s=, ms=, us=), not to ratio=",
            )  # fmt: skip
        out["threshold"] = Threshold.relative(percentile, float(value))
    else:
        out["threshold"] = Threshold(
            percentile=percentile,
            budget_s=float(value) * UNIT_SECONDS[unit],
            budget_text=format_budget(value, unit),
            overkill=_overkill(kwargs.pop("overkill", defaults.overkill), where),
        )
    for name in BUDGETS:
        kwargs.pop(name, None)
    for name, value in kwargs.items():
        out[name] = _SETTING_CHECKS[name](value, where)
    return out


def _is_real(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _isfinite(value: Any) -> bool:
    try:
        return math.isfinite(value)
    except OverflowError:  # an int beyond float range, e.g. ms=10**400
        return False


def _show(value: Any) -> str:
    """``repr`` cut to a length that keeps the message on one readable line."""
    shown = repr(value)
    return shown if len(shown) <= 60 else shown[:57] + "..."


def _bad(where: str, name: str, value: Any, allowed: str) -> BadMarkerArgument:
    return BadMarkerArgument(f"{where}: latency_sla({name}={_show(value)}): {allowed}")


def _budget(kwargs: Mapping[str, Any], where: str) -> tuple[float, str]:
    given = [(unit, kwargs[unit]) for unit in BUDGETS if unit in kwargs]
    if len(given) != 1:
        got = ", ".join(f"{u}={_show(v)}" for u, v in given) or "none"
        if "ratio" in kwargs:
            raise BadMarkerArgument(
                f"{where}: latency_sla(ratio=...) takes no unit: give ratio= or a budget "
                f"(s=, ms=, us=) in one marker, and stack a second marker for the other; "
                f"got {got}"
            )
        raise BadMarkerArgument(
            f"{where}: latency_sla needs exactly one budget, s=, ms= or us= "
            f"(e.g. latency_sla(ms=50)), or a ratio= for latency_sla.compare; got {got}"
        )
    unit, value = given[0]
    if unit == "ratio":
        if not _is_real(value) or not _isfinite(value) or not 0 < value <= MAX_RATIO:
            raise _bad(where, "ratio", value, RATIO_ALLOWED)
        return value, unit
    if not _is_real(value) or not _isfinite(value) or float(value) * UNIT_SECONDS[unit] <= 0:
        raise _bad(where, unit, value, "the budget must be a positive finite int or float")
    return value, unit


def _percentile(value: Any, where: str) -> float:
    if not _is_real(value) or not 0 < value < 100:
        raise _bad(where, "percentile", value, "percentile must be a number with 0 < p < 100")
    if not PERCENTILE_EDGE <= value <= 100 - PERCENTILE_EDGE:
        raise _bad(where, "percentile", value, PERCENTILE_ALLOWED)
    if value < 1:  # 0.99 as MLPerf LoadGen and numpy write it: almost surely meant p99
        raise _bad(where, "percentile", value, percentile_fraction(value, "percentile="))
    return float(value)


def _overkill(value: Any, where: str) -> float | None:
    if value is None or (_is_real(value) and value == 0):
        return None
    if not _is_real(value) or not _isfinite(value) or value <= 1:
        raise _bad(
            where, "overkill", value, "overkill must be a finite number > 1, or None or 0 for off"
        )
    return float(value)


def _max_time(value: Any, where: str) -> float:
    if not _is_real(value) or not _isfinite(value) or value <= 0:
        raise _bad(where, "max_time", value, "max_time must be a positive finite number of seconds")
    if value > MAX_TIME_S:
        raise _bad(where, "max_time", value, MAX_TIME_ALLOWED)
    return float(value)


def _warmup(value: Any, where: str) -> int:
    if not isinstance(value, numbers.Integral) or isinstance(value, bool) or value < 0:
        raise _bad(where, "warmup", value, "warmup must be an int >= 0 (number of un-timed calls)")
    if int(value) > MAX_WARMUP:
        raise _bad(where, "warmup", value, WARMUP_ALLOWED)
    return int(value)


def _isolate(value: Any, where: str) -> bool:
    if not isinstance(value, bool):
        raise _bad(where, "isolate", value, "isolate must be True or False")
    return value


def _rate(value: Any, where: str) -> float | None:
    if value is None:
        return None
    if not _is_real(value) or not _isfinite(value) or value <= 0:
        raise _bad(
            where, "rate", value, "rate must be a positive finite number of calls per second"
        )
    if not MIN_RATE <= value <= MAX_RATE:
        raise _bad(where, "rate", value, RATE_ALLOWED)
    return float(value)


def _arrivals(value: Any, where: str) -> str:
    if not isinstance(value, str) or value not in ARRIVALS:
        raise _bad(where, "arrivals", value, f"arrivals must be one of {', '.join(ARRIVALS)}")
    return str(value)


def _concurrency(value: Any, where: str) -> int:
    if not isinstance(value, numbers.Integral) or isinstance(value, bool) or value < 1:
        raise _bad(where, "concurrency", value, "concurrency must be an int >= 1")
    if int(value) > MAX_CONCURRENCY:
        raise _bad(where, "concurrency", value, CONCURRENCY_ALLOWED)
    return int(value)


def _min_rate(value: Any, where: str) -> float | None:
    if value is None:
        return None
    if not _is_real(value) or not _isfinite(value) or value <= 0:
        raise _bad(
            where,
            "min_rate",
            value,
            "min_rate must be a positive finite number of calls per second, the rate "
            "latency_sla.capacity must hold",
        )
    if not MIN_RATE <= value <= MAX_RATE:
        raise _bad(where, "min_rate", value, MIN_RATE_ALLOWED)
    return float(value)


def _capacity_time(value: Any, where: str) -> float:
    if not _is_real(value) or not _isfinite(value) or value <= 0:
        raise _bad(
            where,
            "capacity_time",
            value,
            "capacity_time must be a positive finite number of seconds (the whole capacity search)",
        )
    if value > MAX_TIME_S:
        raise _bad(where, "capacity_time", value, CAPACITY_TIME_ALLOWED)
    return float(value)


_SETTING_CHECKS = {
    "max_time": _max_time,
    "warmup": _warmup,
    "isolate": _isolate,
    "rate": _rate,
    "arrivals": _arrivals,
    "concurrency": _concurrency,
    "min_rate": _min_rate,
    "capacity_time": _capacity_time,
}


def marker_calls(pairs: Iterable[tuple[Any, Any]]) -> list[MarkerCall]:
    """``(node, mark)`` pairs from ``item.iter_markers_with_node`` as plain ``MarkerCall``s."""
    calls = []
    for node, mark in pairs:
        level = f"{type(node).__name__.lower()} {node.name}"
        calls.append(MarkerCall(level=level, args=tuple(mark.args), kwargs=dict(mark.kwargs)))
    return calls
