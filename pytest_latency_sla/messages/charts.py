"""Charts of the HTML report: titles, axis names, captions naming only what a chart draws,
tooltips, and the facts under a card's title.
"""

from __future__ import annotations

from ..records import ResultDict, SideDict
from ..units import format_duration, format_ratio
from .common import plural

HEADROOM_TITLE = "Headroom"
RATE_AXIS = "arrivals per second"
NO_PROBE = "no probe ran: nothing to draw"


def headroom_caption(*, zone: bool, ratios: bool) -> str:
    """What a headroom chart draws (the overkill zone only where it shows)."""
    if ratios:
        return (
            "Ratio thresholds, tightest first, on a log axis of ratios: dot, the measured "
            "ratio; bar, its confidence bounds; red tick, the allowed ratio."
        )
    text = (
        "Every threshold, tightest first, on one log time axis: dot, the measured percentile; "
        "bar, its confidence bounds; red tick, the budget"
    )
    return text + ("; shaded, the overkill zone (that far under budget)." if zone else ".")


def margin_text(margin: float | None) -> str:
    """A margin (budget / estimate): ``3,062x``; ``-`` for none."""
    return "-" if margin is None else format_ratio(margin)


def histogram_label(nodeid: str) -> str:
    return f"histogram of per-call latency of {nodeid}"


def rate_chart_label(nodeid: str) -> str:
    return f"probes of the capacity search of {nodeid}"


def bin_tooltip(low: str, high: str, count: int) -> str:
    """``10.0 us to 11.2 us: 1 call``."""
    return f"{low} to {high}: {plural(count, 'call')}"


def nothing_to_draw(result: ResultDict) -> str:
    """Why a card has no histogram."""
    if result.get("outcome") == "crashed":
        return "no timed call finished before the crash: nothing to draw"
    if result.get("n", 0) == 0:
        return "no timed call: nothing to draw"
    return "no histogram in this record: nothing to draw"


def histogram_caption(
    *,
    log: bool,
    tallest: int,
    overlay: bool,
    over_budget: bool,
    budget: bool,
    percentile: bool,
    baseline: bool,
    bounds: bool,
) -> str:
    """The caption of a histogram, naming only what it draws."""
    scale = "log" if log else "linear"
    parts = [
        f"Per-call latency ({scale} time axis); bar height: calls per bin, the tallest "
        f"{plural(tallest, 'call')}"
    ]
    if overlay:
        parts.append("bars: candidate, orange outline: baseline")
    if over_budget:
        parts.append("red bars: calls over the budget")
    if budget:
        parts.append("dashed red: budget")
    if percentile:
        parts.append("solid blue: measured percentile")
    if baseline:
        parts.append("dashed orange: the baseline's percentile")
    if bounds:
        parts.append("shaded: the confidence bounds")
    return "; ".join(parts) + "."


def rate_caption(*, outcomes: set[str], overloaded: bool, bounds: bool) -> str:
    """The caption of a capacity search's chart, naming only what it draws."""
    colours = [
        f"{colour}, {meaning}"
        for outcome, colour, meaning in (
            ("holds", "green", "held"),
            ("misses", "red", "missed"),
            ("not confident", "amber", "not confident"),
        )
        if outcome in outcomes
    ]
    parts = ["Latency against arrival rate (log axes): a dot per probe and percentile"]
    parts.append("; ".join(colours))
    if overloaded:
        parts.append("hollow, above capacity (the backlog grew)")
    if bounds:
        parts.append("bar, the confidence bounds")
    parts.append("dashed red: budget")
    return "; ".join(parts) + "."


def card_facts(result: ResultDict) -> list[str]:
    """The line under a card's title: ``n 598``, ``warm-up 200``, ``mean``, percentiles."""
    facts = [f"n {result.get('n', 0):,}", f"warm-up {result.get('warmup', 0):,}"]
    if result.get("mean_s") is not None:
        facts.append(f"mean {format_duration(result['mean_s'])}")
    quantiles = result.get("quantiles_s") or {}
    facts += [f"p{k} {format_duration(v)}" for k, v in quantiles.items() if k != "max"]
    if "max" in quantiles:
        facts.append(f"max {format_duration(quantiles['max'])}")
    return facts


def side_facts(name: str, side: SideDict) -> str:
    """One side of a comparison: ``baseline: n 598, p50 8.40 us, p99 9.10 us, max 12.0 us``."""
    quantiles = side.get("quantiles_s") or {}
    shown = [f"n {side.get('n', 0):,}"]
    shown += [f"p{k} {format_duration(quantiles[k])}" for k in ("50", "99") if k in quantiles]
    if "max" in quantiles:
        shown.append(f"max {format_duration(quantiles['max'])}")
    return f"{name}: " + ", ".join(shown)
