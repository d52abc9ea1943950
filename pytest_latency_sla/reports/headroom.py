"""The headroom chart at the top of the HTML report: every threshold of the run on one
logarithmic axis, its estimate (a dot) with its confidence bounds (a bar) against its budget (a
red tick), coloured by verdict, the overkill zone (at or beyond the overkill factor under the
budget) shaded; sorted by margin, the tightest first. Ratio thresholds (candidate against
baseline, now against stored) are on an axis of their own, in ratios.

Made of HTML and CSS rather than SVG: each row's label wraps like text and links to the test's
card, and the chart is as wide as the page at any screen size. Positions are percentages of
the track, from the same scales as the other charts (``chart.Scale``)."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape

from ..messages.charts import HEADROOM_TITLE, headroom_caption, margin_text
from ..messages.common import middle_cut
from ..messages.report import test_label
from ..messages.verdict import budget_of, estimate_text, ratio_of, threshold_text, verdict_label
from ..records import AnyThresholdDict, ResultDict
from ..units import format_number
from .chart import Scale, log_scale, pct, tick_label, verdict_class
from .ids import breakable
from .phrases import unbroken

__all__ = ["headroom"]

# Above this many rows, the list scrolls inside itself (the table and cards stay near).
_SCROLL_ROWS = 24
# A row names its test without the file (``test_x[int8]``, ``TestA::test_x``). A name longer
# than _NAME_WIDTH is shown as the whole id shortened in the middle to _LONG_WIDTH: its start
# (the file and the test) and its end (the last parameters, ``#2``) stay; the row's tooltip
# and the card have it whole. One generated id must not make its row ten lines high.
_NAME_WIDTH = 64
_LONG_WIDTH = 128


@dataclass(frozen=True)
class _Entry:
    index: int  # the result's card: #r<index>
    name: str  # the test's name after its file (parameters and #2 kept), or its shortened id
    shown: str  # the name as HTML, wrapping where an id may (``ids.breakable``)
    title: str  # the whole id and what the row says, for a tooltip
    threshold: str
    estimate: float
    lower: float | None
    upper: float | None
    budget: float
    zone: float | None  # the overkill zone ends here (budget / overkill factor)
    margin: float
    verdict: str  # "pass", "~pass overkill", ...
    tone: str  # verdict class: "good", "bad", "unsure", ""


def headroom(results: Sequence[ResultDict]) -> str:
    """The section, or "" when the run has no threshold to draw."""
    absolute: list[_Entry] = []
    ratios: list[_Entry] = []
    for index, result in enumerate(results):
        if result.get("outcome") in ("crashed", "interrupted"):
            continue
        for t in result.get("thresholds") or []:
            entry = _entry(index, result, t)
            if entry is not None:
                (ratios if ratio_of(t) else absolute).append(entry)
    if not absolute and not ratios:
        return ""
    parts = ['<section class="headroom" aria-labelledby="headroom">']
    parts.append(f'<h2 id="headroom">{escape(HEADROOM_TITLE)}</h2>')
    if absolute:
        scale = _scale(absolute)
        zone = any(e.zone is not None and scale(e.zone) > scale.low for e in absolute)
        caption = headroom_caption(zone=zone, ratios=False)
        parts.append(_block(absolute, scale, caption, tick_label))
    if ratios:
        scale = _scale(ratios)
        caption = headroom_caption(zone=False, ratios=True)
        parts.append(_block(ratios, scale, caption, lambda v: f"{format_number(v)}x"))
    parts.append("</section>")
    return "".join(parts)


def _entry(index: int, result: ResultDict, t: AnyThresholdDict) -> _Entry | None:
    ratio = ratio_of(t)
    if ratio is not None:
        estimate, lower, upper = ratio["estimate"], ratio["lower"], ratio["upper"]
        budget, zone = ratio["ratio"], None
    else:
        budget_t = budget_of(t)
        assert budget_t is not None
        estimate, lower, upper = budget_t["estimate_s"], budget_t["lower_s"], budget_t["upper_s"]
        budget = budget_t["budget_s"]
        factor = budget_t.get("overkill_threshold")
        zone = budget / factor if factor else None
    if estimate is None or not estimate > 0 or not budget > 0:
        return None  # nothing to place on a log axis (a call of 0 ns, a ratio to 0 ns)
    label = test_label(result)
    name, shown = _shown_name(label)
    threshold = threshold_text(t)
    verdict = verdict_label(t)
    margin = t.get("margin")
    return _Entry(
        index=index,
        name=name,
        shown=shown,
        title=f"{label}: {threshold}, {estimate_text(t)}, {verdict}",
        threshold=threshold,
        estimate=estimate,
        lower=lower if lower and lower > 0 else None,
        upper=upper if upper and upper > 0 else None,
        budget=budget,
        zone=zone,
        margin=margin if margin is not None else math.inf,
        verdict=verdict,
        tone=verdict_class(verdict),
    )


def _shown_name(test_id: str) -> tuple[str, str]:
    """The name after the file (split at its first ``::``: a parameter may hold one), or for
    a longer one the whole id with its middle left out as an ellipsis, where it may wrap; as
    text and as HTML (``ids.breakable``)."""
    name = test_id.partition("::")[2] or test_id
    if len(name) <= _NAME_WIDTH:
        return name, breakable(name)
    head, tail = middle_cut(test_id, _LONG_WIDTH - 1)
    return f"{head}\u2026{tail}", f"{breakable(head)}<wbr>\u2026<wbr>{breakable(tail)}"


def _scale(entries: Sequence[_Entry]) -> Scale:
    values = [v for e in entries for v in (e.estimate, e.lower, e.upper, e.budget) if v]
    return log_scale(min(values), max(values), pad=0.03)


def _block(
    entries: Sequence[_Entry], scale: Scale, caption: str, shown: Callable[[float], str]
) -> str:
    ordered = sorted(entries, key=lambda e: (e.margin, e.name))
    ticks = "".join(
        f'<span class="{"" if major else "minor"}" style="left:{pct(scale(v))}">'
        f"{escape(shown(v))}</span>"
        for v, major in scale.ticks()
    )
    rows = "".join(_row(e, scale) for e in ordered)
    long = " long" if len(ordered) > _SCROLL_ROWS else ""
    return (
        f'<p class="caption">{escape(caption)}</p>'
        f'<div class="hr-axis" aria-hidden="true"><span></span><div>{ticks}</div></div>'
        f'<ol class="hr-rows{long}">{rows}</ol>'
    )


def _row(e: _Entry, scale: Scale) -> str:
    parts = []
    if e.zone is not None and scale(e.zone) > 0:
        parts.append(f'<i class="z" style="width:{pct(min(scale(e.zone), 100.0))}"></i>')
    low = scale.clamped(e.lower) if e.lower is not None else 0.0
    high = scale.clamped(e.upper) if e.upper is not None else 100.0
    if high > low:
        parts.append(f'<i class="b" style="left:{pct(low)};width:{pct(high - low)}"></i>')
    parts.append(f'<i class="t" style="left:{pct(scale(e.budget))}"></i>')
    parts.append(f'<i class="e" style="left:{pct(scale(e.estimate))}"></i>')
    margin = margin_text(e.margin)
    return (
        f'<li class="{e.tone}" title="{escape(e.title)}">'
        f'<a href="#r{e.index}"><code>{e.shown}</code> {unbroken(e.threshold)}</a>'
        f'<span class="track">{"".join(parts)}</span>'
        f'<span class="m">{escape(margin)} {escape(e.verdict)}</span></li>'
    )
