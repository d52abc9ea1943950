"""A capacity search as inline SVG: latency against arrival rate, one point per probe and
threshold (its estimate, with its confidence bounds), each budget as a dashed line, and the two
claims (``holds_at``, ``misses_at``) marked. Both axes are logarithmic."""

from __future__ import annotations

import math
from html import escape

from .. import messages
from ..records import CapacityDict, ProbeDict, ThresholdDict
from ..units import format_duration, format_percentile

__all__ = ["rate_chart"]

_W, _H = 760, 240
_LEFT, _RIGHT, _TOP, _BOTTOM = 62, 20, 30, 40
_COLOURS = {"holds": "#1a7f37", "misses": "#cf222e", "not confident": "#9a6700"}
_BUDGET = "#c62828"


class _Log:
    """A logarithmic axis from ``low`` to ``high`` onto pixels ``start`` to ``end``."""

    def __init__(self, low: float, high: float, start: float, end: float) -> None:
        pad = (math.log10(high) - math.log10(low)) * 0.06 or 0.05
        self.low, self.high = math.log10(low) - pad, math.log10(high) + pad
        self.start, self.end = start, end

    def __call__(self, value: float) -> float:
        frac = (math.log10(value) - self.low) / (self.high - self.low)
        return self.start + frac * (self.end - self.start)

    def ticks(self) -> list[float]:
        """Round values inside the axis: 1-2-5 per decade, every digit on a narrow axis, one
        decade in a few on a wide one."""
        first, last = math.floor(self.low), math.ceil(self.high)
        found: list[float] = []
        for mantissas in ((1, 2, 3, 4, 5, 6, 7, 8, 9), (1, 2, 5), (1,)):
            found = [
                m * 10.0**d
                for d in range(first, last + 1)
                for m in mantissas
                if self.low <= math.log10(m * 10.0**d) <= self.high
            ]
            if len(found) <= 8:
                return found
        return found[:: max(1, len(found) // 7)]


def rate_chart(capacity: CapacityDict, nodeid: str) -> str:
    """The chart and its caption, or a short note when no probe ran."""
    probes = [p for p in capacity["probes"] if p["thresholds"] and p["rate"] > 0]
    if not probes:
        return '<p class="empty">no probe to draw</p>'
    latencies = [v for p in probes for t in p["thresholds"] for v in _values(t) if v > 0]
    budgets = [t["budget_s"] for t in probes[0]["thresholds"]]
    rates = [p["rate"] for p in probes]
    x = _Log(min(rates), max(rates), _LEFT, _W - _RIGHT)
    y = _Log(min(latencies + budgets), max(latencies + budgets), _H - _BOTTOM, _TOP)
    label = "probes of the capacity search of " + nodeid
    out = [f'<svg viewBox="0 0 {_W} {_H}" role="img" class="hist" aria-label="{escape(label)}">']
    out += _axes(x, y)
    for budget, t in zip(budgets, probes[0]["thresholds"]):
        level = y(budget)
        out.append(
            f'<line x1="{_LEFT}" y1="{level:.1f}" x2="{_W - _RIGHT}" y2="{level:.1f}" '
            f'stroke="{_BUDGET}" stroke-width="1.5" stroke-dasharray="6 4"/>'
            f'<text x="{_W - _RIGHT - 4}" y="{level - 4:.1f}" fill="{_BUDGET}" class="mark" '
            f'text-anchor="end">{escape(messages.threshold_text(t))}</text>'
        )
    claims = (("holds at", capacity["holds_at"], "end"), ("misses at", capacity["misses_at"], ""))
    for name, rate, anchor in claims:
        if rate is not None and rate > 0:
            at = x(rate)
            shift, align = (-3, "end") if anchor else (3, "start")
            out.append(
                f'<line x1="{at:.1f}" y1="{_TOP}" x2="{at:.1f}" y2="{_H - _BOTTOM}" '
                f'class="axis" stroke-dasharray="2 3"/><text x="{at + shift:.1f}" '
                f'y="{_TOP - 8}" class="tick" text-anchor="{align}">{escape(name)} '
                f"{escape(messages.per_second(rate))}</text>"
            )
    for probe in probes:
        out += _points(probe, x, y)
    out.append("</svg>")
    caption = (
        "latency against arrival rate (log axes): each probe's estimate of each percentile, "
        "its confidence bounds as a bar; green: held, red: missed or above capacity, amber: "
        "not confident; dashed: budget"
    )
    return "".join(out) + f'<p class="caption">{escape(caption)}</p>'


def _values(t: ThresholdDict) -> list[float]:
    found = (t["estimate_s"], t["lower_s"], t["upper_s"])
    return [float(v) for v in found if v is not None]


def _axes(x: _Log, y: _Log) -> list[str]:
    base = _H - _BOTTOM
    out = [
        f'<line x1="{_LEFT}" y1="{base}" x2="{_W - _RIGHT}" y2="{base}" class="axis"/>',
        f'<line x1="{_LEFT}" y1="{_TOP}" x2="{_LEFT}" y2="{base}" class="axis"/>',
        f'<text x="{(_LEFT + _W - _RIGHT) / 2:.0f}" y="{_H - 6}" class="tick" '
        'text-anchor="middle">arrivals per second</text>',
    ]
    for tick in x.ticks():
        at = x(tick)
        out.append(
            f'<line x1="{at:.1f}" y1="{base}" x2="{at:.1f}" y2="{base + 5}" class="axis"/>'
            f'<text x="{at:.1f}" y="{base + 17}" class="tick" text-anchor="middle">'
            f"{escape(messages.per_second(tick))}</text>"
        )
    for tick in y.ticks():
        at = y(tick)
        out.append(
            f'<line x1="{_LEFT - 5}" y1="{at:.1f}" x2="{_LEFT}" y2="{at:.1f}" class="axis"/>'
            f'<text x="{_LEFT - 7}" y="{at + 4:.1f}" class="tick" text-anchor="end">'
            f"{escape(_tick_label(tick))}</text>"
        )
    return out


def _tick_label(seconds: float) -> str:
    """``1 ms`` rather than ``1.00 ms`` on an axis."""
    number, unit = format_duration(seconds).split()
    if "." in number:
        number = number.rstrip("0").rstrip(".")
    return f"{number} {unit}"


def _points(probe: ProbeDict, x: _Log, y: _Log) -> list[str]:
    colour = _COLOURS[probe["outcome"]]
    at = x(probe["rate"])
    out = []
    for t in probe["thresholds"]:
        lower, upper = t["lower_s"], t["upper_s"]
        if lower and upper:
            out.append(
                f'<line x1="{at:.1f}" y1="{y(lower):.1f}" x2="{at:.1f}" y2="{y(upper):.1f}" '
                f'stroke="{colour}" stroke-width="2" opacity="0.5"/>'
            )
        if t["estimate_s"] > 0:
            title = (
                f"{messages.per_second(probe['rate'])}: {format_percentile(t['percentile'])} "
                f"{messages.estimate_text(t)}, {messages.probe_verdict(probe)}"
            )
            fill = "#fff" if probe["overloaded"] else colour
            out.append(
                f'<circle cx="{at:.1f}" cy="{y(t["estimate_s"]):.1f}" r="4.5" fill="{fill}" '
                f'stroke="{colour}" stroke-width="2"><title>{escape(title)}</title></circle>'
            )
    return out
