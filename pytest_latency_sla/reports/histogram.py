"""A measurement's histogram as inline SVG: calls per latency bin, each budget (dashed) and
measured percentile (solid) marked with its label in a lane of its own, the confidence bounds
shaded, bins over the budget in red. A comparison overlays the baseline's histogram (same
bins) as an outline, with each side's percentile marked; a regression check marks the stored
baseline's percentile. The caption names only what was drawn."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from itertools import pairwise

from ..messages.charts import (
    bin_tooltip,
    histogram_caption,
    histogram_label,
    margin_text,
    nothing_to_draw,
)
from ..messages.verdict import budget_of, ratio_of
from ..records import ResultDict
from ..units import format_duration, format_percentile
from .chart import (
    BAND,
    BAR,
    BAR_OVER,
    BASELINE,
    BUDGET,
    ESTIMATE,
    FONT,
    MUTED,
    PLOT_LEFT,
    PLOT_RIGHT,
    Scale,
    label,
    log_scale,
    pct,
    tick_label,
    ticks_svg,
)

__all__ = ["histogram"]

_PLOT, _LANE, _AXIS = 150, 15, 26
# Above this span (max / min) the time axis is logarithmic: latency tails cover decades.
_LOG_SPAN = 5.0
# A mark this far beyond the slowest (or fastest) call is drawn as an arrow at the edge, not
# to scale: otherwise an overkill margin would squash the histogram into a sliver.
_OFF_CHART = 1000.0


@dataclass(frozen=True)
class _Mark:
    """A vertical line at ``seconds`` with its label: a budget, a percentile, a baseline's."""

    seconds: float
    text: str
    colour: str
    dashed: bool
    kind: str  # "budget", "estimate", "baseline"
    off_text: str = ""  # the label when it lies beyond the axis (an arrow at the edge)


def histogram(result: ResultDict) -> str:
    """The SVG and its caption; a short note when there is nothing to draw."""
    found = result.get("histogram")
    edges = found["edges_s"] if found else []
    counts = found["counts"] if found else []
    if len(edges) < 2 or not counts or not any(counts):
        return f'<p class="empty">{escape(nothing_to_draw(result))}</p>'
    side = result.get("baseline")
    other = side.get("histogram") if side is not None else None
    overlay = other["counts"] if other and other["edges_s"] == edges else None
    marks, bands = _marks(result)
    scale = _scale(edges, [m.seconds for m in marks])
    top = 8 + _LANE * len(marks)
    base = top + _PLOT
    tallest = max([*counts, *(overlay or [])])
    budget = min((m.seconds for m in marks if m.kind == "budget"), default=math.inf)
    svg = [
        f'<svg width="100%" height="{base + _AXIS}" role="img" class="chart" '
        f'font-family="{FONT}" font-size="12" '
        f'aria-label="{escape(histogram_label(str(result["nodeid"])))}">'
    ]
    drawn = {"bounds": False, "budget": False, "estimate": False, "baseline": False}
    for lower, upper in bands:
        if lower is not None and upper is not None and upper <= lower:
            continue
        x0 = scale.clamped(lower) if lower is not None else PLOT_LEFT
        x1 = scale.clamped(upper) if upper is not None else PLOT_RIGHT
        if x1 > x0:
            drawn["bounds"] = True
            svg.append(
                f'<rect x="{pct(x0)}" y="{top}" width="{pct(max(x1 - x0, 0.2))}" '
                f'height="{_PLOT}" fill="{BAND}" opacity="0.09"/>'
            )
    bars, over = _bars(edges, counts, scale, top, tallest, budget)
    svg.append(bars)
    if overlay is not None:
        svg.append(_outline(edges, overlay, scale, top, tallest))
    svg.append(
        f'<line x1="{pct(PLOT_LEFT)}" y1="{base}" x2="{pct(PLOT_RIGHT)}" y2="{base}" '
        f'stroke="{MUTED}"/>'
    )
    svg.append(ticks_svg(scale, base, [(v, tick_label(v)) for v, _ in scale.ticks()]))
    for lane, mark in enumerate(marks):
        svg.append(_mark(mark, scale, 8 + _LANE * (lane + 1) - 3, base, drawn))
    svg.append("</svg>")
    caption = histogram_caption(
        log=scale.log,
        tallest=tallest,
        overlay=overlay is not None,
        over_budget=over,
        budget=drawn["budget"],
        percentile=drawn["estimate"],
        baseline=drawn["baseline"],
        bounds=drawn["bounds"],
    )
    return "".join(svg) + f'<p class="caption">{escape(caption)}</p>'


def _marks(result: ResultDict) -> tuple[list[_Mark], list[tuple[float | None, float | None]]]:
    """The lines to draw, and the confidence bands (lower, upper; ``None`` for no bound)."""
    marks: list[_Mark] = []
    bands: list[tuple[float | None, float | None]] = []
    compared = "baseline" in result
    for t in result.get("thresholds") or []:
        budget = budget_of(t)
        name = format_percentile(t["percentile"])
        if budget is not None:
            shown = budget.get("budget_text") or format_duration(budget["budget_s"])
            text = f"budget {shown}"
            margin = budget.get("margin")
            off = f"{text} ({margin_text(margin)} margin)" if margin else text
            marks.append(_Mark(budget["budget_s"], text, BUDGET, True, "budget", off))
            who = "candidate " if compared else ""
            value = budget["estimate_s"]
            marks.append(
                _Mark(value, f"{who}{name} = {format_duration(value)}", ESTIMATE, False, "estimate")
            )
            bands.append((budget["lower_s"], budget["upper_s"]))
            continue
        ratio = ratio_of(t)
        if ratio is None:
            continue
        value = ratio["candidate_s"]
        who = "candidate " if ratio["against"] == "baseline" else ""
        marks.append(
            _Mark(value, f"{who}{name} = {format_duration(value)}", ESTIMATE, False, "estimate")
        )
        base = ratio["baseline_s"]
        side = "baseline" if ratio["against"] == "baseline" else "stored"
        marks.append(
            _Mark(base, f"{side} {name} = {format_duration(base)}", BASELINE, True, "baseline")
        )
    if not result.get("thresholds") and not compared and result.get("outcome") != "interrupted":
        p99 = (result.get("quantiles_s") or {}).get("99")
        if p99 is not None:  # measure(): no budget, its p99 marked as the table reports it
            marks.append(_Mark(p99, f"p99 = {format_duration(p99)}", ESTIMATE, False, "estimate"))
    unique: dict[tuple[float, str], _Mark] = {}
    for mark in marks:
        unique.setdefault((mark.seconds, mark.text), mark)
    return list(unique.values()), bands


def _scale(edges: Sequence[float], marks: Sequence[float]) -> Scale:
    low, high = min(edges), max(edges)
    near = [m for m in marks if m > 0 and low / _OFF_CHART <= m <= high * _OFF_CHART]
    low, high = min([low, *near]), max([high, *near])
    high = max(high, low * 1.01)
    if low > 0 and high / low >= _LOG_SPAN:
        return log_scale(low, high)
    pad = (high - low) * 0.05
    return Scale(max(low - pad, low / 10), high + pad, log=False)


def _bars(
    edges: Sequence[float],
    counts: Sequence[int],
    scale: Scale,
    top: float,
    tallest: int,
    budget: float,
) -> tuple[str, bool]:
    """The bars, in two groups (under and over the budget); whether any is over."""
    groups: dict[bool, list[str]] = {False: [], True: []}
    for (lo, hi), count in zip(pairwise(edges), counts, strict=True):
        if not count:
            continue
        x0, x1 = scale(lo), scale(hi)
        # at least 2 px, so a single slow call in the tail stays visible next to the peak
        height = max(_PLOT * count / tallest, 2.0)
        tip = bin_tooltip(format_duration(lo), format_duration(hi), count)
        groups[lo >= budget].append(
            f'<rect x="{pct(x0)}" y="{top + _PLOT - height:.1f}" '
            f'width="{pct(max(x1 - x0 - 0.08, 0.1))}" height="{height:.1f}">'
            f"<title>{escape(tip)}</title></rect>"
        )
    out = "".join(
        f'<g fill="{colour}">{"".join(groups[over])}</g>'
        for over, colour in ((False, BAR), (True, BAR_OVER))
        if groups[over]
    )
    return out, bool(groups[True])


def _outline(
    edges: Sequence[float], counts: Sequence[int], scale: Scale, top: float, tallest: int
) -> str:
    """The baseline's histogram as a step outline over the candidate's bars."""
    base = top + _PLOT
    lines = []
    previous = base
    for (lo, hi), count in zip(pairwise(edges), counts, strict=True):
        y = base - (max(_PLOT * count / tallest, 2.0) if count else 0.0)
        x0, x1 = pct(scale(lo)), pct(scale(hi))
        if y != previous:
            lines.append(f'<line x1="{x0}" y1="{previous:.1f}" x2="{x0}" y2="{y:.1f}"/>')
        if count:
            lines.append(f'<line x1="{x0}" y1="{y:.1f}" x2="{x1}" y2="{y:.1f}"/>')
        previous = y
    if previous != base:
        x = pct(scale(edges[-1]))
        lines.append(f'<line x1="{x}" y1="{previous:.1f}" x2="{x}" y2="{base}"/>')
    return f'<g stroke="{BASELINE}" stroke-width="2">{"".join(lines)}</g>'


def _mark(mark: _Mark, scale: Scale, lane: float, base: float, drawn: dict[str, bool]) -> str:
    x = scale(mark.seconds)
    if x > PLOT_RIGHT:
        return label(PLOT_RIGHT, lane, f"{mark.off_text or mark.text} \u2192", mark.colour, "end")
    if x < PLOT_LEFT:
        return label(PLOT_LEFT, lane, f"\u2190 {mark.off_text or mark.text}", mark.colour, "start")
    drawn[mark.kind] = True
    dash = ' stroke-dasharray="6 4"' if mark.dashed else ""
    anchor = "end" if x > 50 else "start"
    return (
        f'<line x1="{pct(x)}" y1="{lane + 3}" x2="{pct(x)}" y2="{base}" stroke="{mark.colour}" '
        f'stroke-width="2"{dash}/>' + label(x, lane, mark.text, mark.colour, anchor)
    )
