"""A capacity search as inline SVG: latency against arrival rate, one point per probe and
threshold (its estimate, with its confidence bounds as a bar), each budget as a dashed line,
and the two claims (``holds_at``, ``misses_at``) marked. Both axes are logarithmic. Drawn as
the histograms are (``chart``): the width of its card, labels at their own size, a caption that
names only what was drawn."""

from __future__ import annotations

import math
from html import escape

from ..messages.capacity import probe_verdict
from ..messages.charts import NO_PROBE, RATE_AXIS, rate_caption, rate_chart_label
from ..messages.common import per_second
from ..messages.verdict import estimate_text, threshold_text
from ..records import CapacityDict, ProbeDict, ThresholdDict
from ..units import format_percentile
from .chart import (
    BUDGET,
    FONT,
    MUTED,
    PLOT_LEFT,
    PLOT_RIGHT,
    VERDICT_COLOURS,
    Scale,
    label,
    log_scale,
    pct,
    tick_label,
    ticks_svg,
)

__all__ = ["rate_chart"]

_TOP, _PLOT, _AXIS = 38, 200, 40
_COLOURS = {
    "holds": VERDICT_COLOURS["good"],
    "misses": VERDICT_COLOURS["bad"],
    "not confident": VERDICT_COLOURS["unsure"],
}


class _Vertical:
    """Latency (s) onto pixels, logarithmically: ``low`` at the bottom of the plot."""

    def __init__(self, low: float, high: float) -> None:
        self.scale = log_scale(low, high, pad=0.08)

    def __call__(self, seconds: float) -> float:
        frac = (self.scale(seconds) - PLOT_LEFT) / (PLOT_RIGHT - PLOT_LEFT)
        return _TOP + _PLOT * (1 - frac)


def rate_chart(capacity: CapacityDict, nodeid: str) -> str:
    """The chart and its caption, or a short note when no probe ran."""
    probes = [p for p in capacity["probes"] if p["thresholds"] and p["rate"] > 0]
    if not probes:
        return f'<p class="empty">{escape(NO_PROBE)}</p>'
    latencies = [v for p in probes for t in p["thresholds"] for v in _values(t) if v > 0]
    budgets = probes[0]["thresholds"]
    rates = [p["rate"] for p in probes]
    x = log_scale(min(rates), max(rates), pad=0.06)
    y = _Vertical(min(latencies + [t["budget_s"] for t in budgets]),
                  max(latencies + [t["budget_s"] for t in budgets]))  # fmt: skip
    base = _TOP + _PLOT
    out = [
        f'<svg width="100%" height="{base + _AXIS}" role="img" class="chart" '
        f'font-family="{FONT}" font-size="12" '
        f'aria-label="{escape(rate_chart_label(nodeid))}">',
        _grid(y),
        f'<line x1="{pct(PLOT_LEFT)}" y1="{base}" x2="{pct(PLOT_RIGHT)}" y2="{base}" '
        f'stroke="{MUTED}"/>',
        ticks_svg(x, base, [(v, per_second(v)) for v, _ in x.ticks()]),
        f'<text x="50%" y="{base + _AXIS - 4}" text-anchor="middle" fill="{MUTED}" '
        f'font-size="11">{escape(RATE_AXIS)}</text>',
    ]
    for t in budgets:
        level = y(t["budget_s"])
        out.append(
            f'<line x1="{pct(PLOT_LEFT)}" y1="{level:.1f}" x2="{pct(PLOT_RIGHT)}" '
            f'y2="{level:.1f}" stroke="{BUDGET}" stroke-width="1.5" stroke-dasharray="6 4"/>'
            + label(PLOT_RIGHT, level - 4, threshold_text(t), BUDGET, "end")
        )
    out += _claims(capacity, x)
    seen: set[str] = set()
    for probe in probes:
        out += _points(probe, x, y, seen)
    out.append("</svg>")
    caption = rate_caption(
        outcomes=seen - {"overloaded", "bounds"},
        overloaded="overloaded" in seen,
        bounds="bounds" in seen,
    )
    return "".join(out) + f'<p class="caption">{escape(caption)}</p>'


def _values(t: ThresholdDict) -> list[float]:
    found = (t["estimate_s"], t["lower_s"], t["upper_s"])
    return [float(v) for v in found if v is not None]


def _grid(y: _Vertical) -> str:
    """Light horizontal lines at round latencies, each labelled inside the plot's left edge."""
    lines, labels = [], []
    for value, major in y.scale.ticks():
        if not major:
            continue
        at = y(value)
        lines.append(
            f'<line x1="{pct(PLOT_LEFT)}" y1="{at:.1f}" x2="{pct(PLOT_RIGHT)}" y2="{at:.1f}"/>'
        )
        labels.append(
            f'<text x="{pct(PLOT_LEFT)}" y="{at - 3:.1f}" dx="2">{escape(tick_label(value))}</text>'
        )
    return (
        f'<g stroke="#d8dee4">{"".join(lines)}</g>'
        f'<g fill="{MUTED}" font-size="11">{"".join(labels)}</g>'
    )


def _claims(capacity: CapacityDict, x: Scale) -> list[str]:
    """The highest rate that held and the lowest that missed: a dotted line each, labelled in
    a lane of its own, on the side where the label stays inside the chart."""
    out = []
    claims = (("holds at", capacity["holds_at"], 14), ("misses at", capacity["misses_at"], 28))
    for name, rate, lane in claims:
        if rate is None or rate <= 0:
            continue
        at = x(rate)
        align = "end" if at > 50 else "start"
        out.append(
            f'<line x1="{pct(at)}" y1="{lane + 3}" x2="{pct(at)}" y2="{_TOP + _PLOT}" '
            f'stroke="{MUTED}" stroke-dasharray="2 3"/>'
            + label(at, lane, f"{name} {per_second(rate)}", MUTED, align, 400)
        )
    return out


def _points(probe: ProbeDict, x: Scale, y: _Vertical, seen: set[str]) -> list[str]:
    colour = _COLOURS[probe["outcome"]]
    at = pct(x(probe["rate"]))
    seen.add(probe["outcome"])
    if probe["overloaded"]:
        seen.add("overloaded")
    out = []
    for t in probe["thresholds"]:
        lower, upper = t["lower_s"], t["upper_s"]
        if lower and upper and not math.isclose(lower, upper):
            seen.add("bounds")
            out.append(
                f'<line x1="{at}" y1="{y(lower):.1f}" x2="{at}" y2="{y(upper):.1f}" '
                f'stroke="{colour}" stroke-width="3" opacity="0.45"/>'
            )
        if t["estimate_s"] > 0:
            title = (
                f"{per_second(probe['rate'])}: {format_percentile(t['percentile'])} "
                f"{estimate_text(t)}, {probe_verdict(probe)}"
            )
            fill = "#fff" if probe["overloaded"] else colour
            out.append(
                f'<circle cx="{at}" cy="{y(t["estimate_s"]):.1f}" r="4.5" fill="{fill}" '
                f'stroke="{colour}" stroke-width="2"><title>{escape(title)}</title></circle>'
            )
    return out
