"""Marker parsing: arguments, defaults, stacking and closest-wins, bad arguments."""

from __future__ import annotations

import math
from typing import Any

import pytest

from pytest_latency_sla.markers import BadMarkerArgument, MarkerCall, plan_from_markers
from pytest_latency_sla.plan import Defaults, Plan

WHERE = "test_x.py::test_y"


def mark(level: str = "function test_y", *args: Any, **kwargs: Any) -> MarkerCall:
    return MarkerCall(level=level, args=args, kwargs=kwargs)


def plan(*marks: MarkerCall, defaults: Defaults = Defaults()) -> Plan:
    return plan_from_markers(list(marks), defaults, WHERE)


def test_units_and_defaults() -> None:
    (t,) = plan(mark(ms=50)).thresholds
    assert (t.percentile, t.budget_s, t.budget_text, t.overkill) == (99.0, 0.05, "50 ms", 1000.0)
    assert plan(mark(us=200, percentile=50)).thresholds[0].budget_s == pytest.approx(200e-6)
    assert plan(mark(s=1.5, overkill=None)).thresholds[0].overkill is None
    assert plan(mark(s=1.5, overkill=0)).thresholds[0].overkill is None
    assert plan(mark(s=1.5)).thresholds[0].budget_text == "1.5 s"
    p = plan(mark(ms=5), defaults=Defaults(percentile=90, overkill=None, max_time=7, isolate=True))
    assert (p.thresholds[0].percentile, p.thresholds[0].overkill, p.max_time, p.isolate) == (
        90,
        None,
        7,
        True,
    )
    assert p.warmup is None


def test_stacked_markers_add_thresholds_sorted_by_percentile() -> None:
    p = plan(mark(ms=50), mark(us=200, percentile=50))
    assert [(t.percentile, t.budget_text) for t in p.thresholds] == [(50, "200 us"), (99, "50 ms")]


def test_closest_level_wins_for_the_same_percentile() -> None:
    p = plan(
        mark("function test_y", ms=20),
        mark("class TestZ", ms=50, max_time=9),
        mark("module test_x.py", ms=100, percentile=50, warmup=3),
    )
    assert [(t.percentile, t.budget_text) for t in p.thresholds] == [(50, "100 ms"), (99, "20 ms")]
    assert (p.max_time, p.warmup) == (9, 3)


def test_same_level_same_percentile_is_an_error() -> None:
    with pytest.raises(BadMarkerArgument, match=r"two latency_sla markers on the same function"):
        plan(mark(ms=20), mark(ms=50))


def test_same_level_conflicting_setting_is_an_error() -> None:
    with pytest.raises(BadMarkerArgument, match=r"max_time=1.0 and max_time=2.0"):
        plan(mark(ms=20, max_time=1), mark(ms=50, percentile=50, max_time=2))


@pytest.mark.parametrize(
    ("kwargs", "args", "message"),
    [
        ({}, (), r"needs exactly one budget, s=, ms= or us= .*got none"),
        ({"ms": 5, "us": 5}, (), r"got ms=5, us=5"),
        ({"ms": 0}, (), r"latency_sla\(ms=0\): the budget must be a positive finite"),
        ({"ms": -1}, (), r"ms=-1"),
        ({"ms": math.nan}, (), r"ms=nan"),
        ({"ms": math.inf}, (), r"ms=inf"),
        ({"ms": True}, (), r"ms=True"),
        ({"ms": "50"}, (), r"ms='50'"),
        ({"ms": None}, (), r"ms=None"),
        ({}, (50,), r"keyword arguments only; got positional 50 \(did you mean ms=50\?\)"),
        ({"msec": 50}, (), r"unknown latency_sla argument msec=50 \(did you mean ms\?\)"),
        ({"ms": 5, "percentile": 100}, (), r"percentile=100\): percentile must be .* 0 < p < 100"),
        ({"ms": 5, "percentile": 0}, (), r"percentile=0"),
        ({"ms": 5, "percentile": "99"}, (), r"percentile='99'"),
        ({"ms": 5, "percentile": math.nan}, (), r"percentile=nan"),
        ({"ms": 5, "overkill": 1}, (), r"overkill=1\): overkill must be a finite number > 1"),
        ({"ms": 5, "overkill": -3}, (), r"overkill=-3"),
        ({"ms": 5, "overkill": True}, (), r"overkill=True"),
        ({"ms": 5, "max_time": 0}, (), r"max_time=0\): max_time must be a positive"),
        ({"ms": 5, "max_time": math.inf}, (), r"max_time=inf"),
        ({"ms": 5, "warmup": -1}, (), r"warmup=-1\): warmup must be an int >= 0"),
        ({"ms": 5, "warmup": 2.5}, (), r"warmup=2.5"),
        ({"ms": 5, "isolate": 1}, (), r"isolate=1\): isolate must be True or False"),
        ({"ms": 5, "rate": 0}, (), r"rate=0"),
        ({"ms": 5, "arrivals": "burst"}, (), r"arrivals='burst'\): arrivals must be one of"),
        ({"ms": 5, "concurrency": 0}, (), r"concurrency=0"),
        ({"ms": 5, "concurrency": 1.5}, (), r"concurrency=1.5"),
    ],
)
def test_bad_arguments_name_the_test_argument_value_and_what_is_allowed(
    kwargs: dict[str, Any], args: tuple[Any, ...], message: str
) -> None:
    with pytest.raises(BadMarkerArgument, match=message) as info:
        plan(mark("function test_y", *args, **kwargs))
    assert str(info.value).startswith(WHERE + ": ")
