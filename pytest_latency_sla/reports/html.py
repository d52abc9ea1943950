"""A self-contained HTML report: the latency table and, per measurement, a histogram of the
per-call latencies as inline SVG with each budget and measured percentile marked (for a
capacity search, latency against rate: ``rate_chart``).

No network: no external CSS, scripts or fonts, so the file opens the same from a CI artifact
store as on a laptop. Everything from a test (ids, parametrize ids, messages) is escaped.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from pathlib import Path

from .. import messages
from ..records import EnvironmentDict, ReportDict, ResultDict, ThresholdDict
from ..units import format_duration, format_percentile, format_ratio
from .files import write_report
from .table import HEADER, rows, summary

__all__ = ["render", "write_html"]

# Chart geometry (SVG user units; the SVG scales to the page width).
_W, _PLOT, _LANE = 760, 150, 14
_LEFT, _RIGHT, _TOP, _BOTTOM = 52, 20, 36, 38
# Above this span (max / min) the time axis is logarithmic: latency tails cover decades.
_LOG_SPAN = 5.0
# A budget this far beyond the slowest call is drawn as an arrow at the edge, not to scale:
# otherwise an overkill margin would squash the histogram into a sliver.
_OFF_CHART = 1000.0

_NUMERIC = {2, 3, 4, 5, 6}  # table columns aligned right
_BAR, _BAR_OVER, _BUDGET, _ESTIMATE, _BAND = "#8fa8bd", "#e57373", "#c62828", "#1565c0", "#1565c0"


def write_html(path: Path, report: ReportDict) -> Path:
    write_report(path, render(report))
    return Path(path)


def render(report: ReportDict) -> str:
    results = report.get("results", [])
    environment = report.get("environment", {})
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<title>Latency SLA report</title>",
        f"<style>{_CSS}</style></head><body>",
        "<header><h1>Latency SLA report</h1>",
        f'<p class="summary">{_summary(results, environment)}</p>',
        *(f'<p class="note">{escape(n)}</p>' for n in messages.session_notes(environment)),
        f'<p class="env">{escape(messages.environment_line(environment))}</p>',
        f'<p class="env">{escape(str(report.get("created", "")))} &middot; '
        f"{escape(str(report.get('schema', '')))}</p></header>",
    ]
    if results:
        parts.append(_table(results))
        parts.extend(_card(i, r) for i, r in enumerate(results))
    else:
        parts.append("<p>No latency measurements in this session.</p>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def _summary(results: Sequence[ResultDict], environment: EnvironmentDict) -> str:
    status, text = summary(results, environment)
    return f'<span class="{status}">{escape(text)}</span>'


def _verdict_class(label: str) -> str:
    if "FAIL" in label or label in ("CRASHED", "INTERRUPTED"):
        return "bad"
    return "unsure" if label.startswith("~") else ("good" if label.startswith("pass") else "")


def _table(results: Sequence[ResultDict]) -> str:
    anchors: dict[str, int] = {}
    for i, result in enumerate(results):
        anchors.setdefault(str(result["nodeid"]), i)
    head = "".join(
        f'<th class="num">{escape(h)}</th>' if i in _NUMERIC else f"<th>{escape(h)}</th>"
        for i, h in enumerate(HEADER)
    )
    body = []
    for row in rows(results):
        link = f'<a href="#r{anchors.get(row[0], 0)}"><code>{_breakable(row[0])}</code></a>'
        cells = [f'<td class="id">{link}</td>']
        cells += [
            f'<td class="num">{escape(c)}</td>' if i in _NUMERIC else f"<td>{escape(c)}</td>"
            for i, c in enumerate(row[1:-1], start=1)
        ]
        cells.append(f'<td class="{_verdict_class(row[-1])}">{escape(row[-1])}</td>')
        body.append(f"<tr>{''.join(cells)}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _breakable(test_id: str) -> str:
    """The escaped id, with line-break opportunities after the path's ``/`` and after ``::``
    (long ids wrap between their parts, not mid-name). Each part is its own bidi isolate
    (``<bdi>``): a right-to-left override in a parameter id cannot reorder the rest of the id
    or the ``#2`` of a second measurement."""
    test_id, measurement = _split_measurement(test_id)
    path, sep, rest = test_id.partition("::")
    parts = [escape(path).replace("/", "/<wbr>")]
    if sep:
        parts += [escape(part) for part in rest.split("::")]
    isolated = "::<wbr>".join(f"<bdi>{part}</bdi>" for part in parts)
    return isolated + (f"<bdi>{escape(measurement)}</bdi>" if measurement else "")


def _split_measurement(test_id: str) -> tuple[str, str]:
    """``("a.py::t", "#2")`` for the second measurement ``a.py::t#2``; ``(test_id, "")``."""
    head, sep, number = test_id.rpartition("#")
    if sep and number.isdigit() and head:
        return head, f"#{number}"
    return test_id, ""


def _card(index: int, result: ResultDict) -> str:
    outcome = str(result.get("outcome", ""))
    quantiles = result.get("quantiles_s") or {}
    facts = [f"n {result.get('n', 0):,}", f"warm-up {result.get('warmup', 0):,}"]
    if result.get("mean_s") is not None:
        facts.append(f"mean {format_duration(result['mean_s'])}")
    facts += [f"p{k} {format_duration(v)}" for k, v in quantiles.items() if k != "max"]
    if "max" in quantiles:
        facts.append(f"max {format_duration(quantiles['max'])}")
    ended = messages.ending(result)
    reason = f'<p class="reason">{escape(ended)}</p>' if ended else ""
    return (
        f'<section class="card" id="r{index}"><h2><code>{_breakable(str(result["nodeid"]))}</code> '
        f'<span class="outcome {escape(outcome)}">{escape(outcome)}</span></h2>'
        f'<p class="facts">{escape(" · ".join(facts))}</p>{reason}{_chart(result)}'
        "</section>"
    )


def _chart(result: ResultDict) -> str:
    """A capacity search's latency-against-rate chart, else the histogram of the samples."""
    if "capacity" in result:
        from .rate_chart import rate_chart

        capacity = result["capacity"]
        line = messages.capacity_line(capacity, result.get("confidence", 0.95))
        return f'<p class="facts">{escape(line)}</p>' + rate_chart(capacity, str(result["nodeid"]))
    return _histogram_svg(result)


@dataclass(frozen=True)
class _Axis:
    low: float
    high: float
    log: bool

    def x(self, seconds: float) -> float:
        if self.log:
            frac = (math.log10(seconds) - math.log10(self.low)) / (
                math.log10(self.high) - math.log10(self.low)
            )
        else:
            frac = (seconds - self.low) / (self.high - self.low)
        return _LEFT + frac * (_W - _LEFT - _RIGHT)

    def ticks(self) -> list[float]:
        if self.log:
            first, last = math.floor(math.log10(self.low)), math.ceil(math.log10(self.high))
            for mantissas in ((1, 2, 5), (1,)):
                found = [
                    m * 10.0**d
                    for d in range(first, last + 1)
                    for m in mantissas
                    if self.low <= m * 10.0**d <= self.high
                ]
                if len(found) <= 9:
                    return found
            return found[:: max(1, len(found) // 8)]
        raw = (self.high - self.low) / 5
        magnitude = 10.0 ** math.floor(math.log10(raw))
        step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
        start = math.ceil(self.low / step) * step
        return [start + i * step for i in range(int((self.high - start) / step) + 1)]


def _axis(edges: Sequence[float], marks: Sequence[float]) -> _Axis:
    low, high = min(edges), max(edges)
    marks = [m for m in marks if low / _OFF_CHART <= m <= high * _OFF_CHART]
    low, high = min([low, *marks]), max([high, *marks])
    high = max(high, low * 1.01)
    if high / low >= _LOG_SPAN:
        pad = (math.log10(high) - math.log10(low)) * 0.04
        return _Axis(10 ** (math.log10(low) - pad), 10 ** (math.log10(high) + pad), log=True)
    pad = (high - low) * 0.05
    return _Axis(max(low - pad, low / 10), high + pad, log=False)


def _histogram_svg(result: ResultDict) -> str:
    histogram = result.get("histogram")
    edges = histogram["edges_s"] if histogram else []
    counts = histogram["counts"] if histogram else []
    if len(edges) < 2 or not counts or not any(counts):
        return '<p class="empty">no samples to draw</p>'
    # a histogram is in seconds: budgets are drawn on it, ratios are not
    found = (messages.budget_of(t) for t in result.get("thresholds") or [])
    thresholds = [t for t in found if t is not None]
    marks = [t["budget_s"] for t in thresholds] + [t["estimate_s"] for t in thresholds]
    axis = _axis(edges, marks)
    top = _TOP + _LANE * 2 * max(len(thresholds) - 1, 0)
    height = top + _PLOT + _BOTTOM
    base = top + _PLOT
    tallest = max(counts)
    budget = min((t["budget_s"] for t in thresholds), default=math.inf)
    out = [
        f'<svg viewBox="0 0 {_W} {height}" role="img" class="hist" '
        f'aria-label="{escape("histogram of per-call latency of " + str(result["nodeid"]))}">'
    ]
    for t in thresholds:  # the confidence band of each estimate, under the bars
        lower, upper = t.get("lower_s"), t.get("upper_s")
        if lower and upper and upper <= axis.high:
            x0, x1 = axis.x(max(lower, axis.low)), axis.x(upper)
            out.append(
                f'<rect x="{x0:.1f}" y="{top}" width="{max(x1 - x0, 1):.1f}" '
                f'height="{base - top}" fill="{_BAND}" opacity="0.08"/>'
            )
    for lo, hi, count in zip(edges, edges[1:], counts):
        if not count:
            continue
        x0, x1 = axis.x(lo), axis.x(hi)
        # at least 2 px, so a single slow call in the tail stays visible next to the peak
        bar = max((base - top) * count / tallest, 2.0)
        colour = _BAR_OVER if lo >= budget else _BAR
        out.append(
            f'<rect x="{x0:.1f}" y="{base - bar:.1f}" width="{max(x1 - x0 - 0.6, 0.8):.1f}" '
            f'height="{bar:.1f}" fill="{colour}"><title>{escape(format_duration(lo))} to '
            f"{escape(format_duration(hi))}: {count:,} calls</title></rect>"
        )
    out += _axes(axis, tallest, top, base)
    for row, t in enumerate(thresholds):
        out += _marks(axis, t, top, base, lanes=(12 + 2 * row * _LANE, 12 + (2 * row + 1) * _LANE))
    out.append("</svg>")
    scale = "log" if axis.log else "linear"
    caption = (
        f"per-call latency ({scale} time axis), calls per bin; dashed: budget, "
        "solid: measured percentile, shaded: its confidence bounds"
    )
    return "".join(out) + f'<p class="caption">{escape(caption)}</p>'


def _axes(axis: _Axis, tallest: int, top: float, base: float) -> list[str]:
    out = [
        f'<line x1="{_LEFT}" y1="{base}" x2="{_W - _RIGHT}" y2="{base}" class="axis"/>',
        f'<line x1="{_LEFT}" y1="{top}" x2="{_LEFT}" y2="{base}" class="axis"/>',
        f'<text x="{_LEFT - 6}" y="{top + 4}" class="tick" text-anchor="end">{tallest:,}</text>',
        f'<text x="{_LEFT - 6}" y="{base}" class="tick" text-anchor="end">0</text>',
    ]
    for tick in axis.ticks():
        x = axis.x(tick)
        out.append(f'<line x1="{x:.1f}" y1="{base}" x2="{x:.1f}" y2="{base + 5}" class="axis"/>')
        out.append(
            f'<text x="{x:.1f}" y="{base + 18}" class="tick" text-anchor="middle">'
            f"{escape(_tick_label(tick))}</text>"
        )
    return out


def _marks(
    axis: _Axis, threshold: ThresholdDict, top: float, base: float, lanes: tuple[float, float]
) -> list[str]:
    """The budget (dashed) and the measured percentile (solid), each labelled in its lane."""
    out = []
    budget, estimate = threshold["budget_s"], threshold["estimate_s"]
    label = f"budget {threshold.get('budget_text') or format_duration(budget)}"
    if budget > axis.high:
        margin = threshold.get("margin")
        ratio = f" ({format_ratio(margin)} margin)" if margin else ""
        out.append(_label(_W - _RIGHT, lanes[0], f"{label}{ratio} \u2192", _BUDGET, "end"))
    elif budget < axis.low:  # far below the fastest call: an arrow at the left edge
        out.append(_label(_LEFT, lanes[0], f"\u2190 {label}", _BUDGET, "start"))
    else:
        x = axis.x(budget)
        out.append(
            f'<line x1="{x:.1f}" y1="{lanes[0] + 3}" x2="{x:.1f}" y2="{base}" '
            f'stroke="{_BUDGET}" stroke-width="2" stroke-dasharray="6 4"/>'
        )
        out.append(_label(x, lanes[0], label, _BUDGET, _anchor(x)))
    x = axis.x(min(max(estimate, axis.low), axis.high))
    text = f"{format_percentile(threshold['percentile'])} = {format_duration(estimate)}"
    out.append(
        f'<line x1="{x:.1f}" y1="{lanes[1] + 3}" x2="{x:.1f}" y2="{base}" '
        f'stroke="{_ESTIMATE}" stroke-width="2"/>'
    )
    out.append(_label(x, lanes[1], text, _ESTIMATE, _anchor(x)))
    return out


def _anchor(x: float) -> str:
    return "end" if x > _W * 0.72 else "start"


def _label(x: float, y: float, text: str, colour: str, anchor: str) -> str:
    shift = -4 if anchor == "end" else 4
    return (
        f'<text x="{x + shift:.1f}" y="{y:.1f}" fill="{colour}" class="mark" '
        f'text-anchor="{anchor}">{escape(text)}</text>'
    )


def _tick_label(seconds: float) -> str:
    number, unit = format_duration(seconds).split()
    if "." in number:
        number = number.rstrip("0").rstrip(".")
    return f"{number} {unit}"


_CSS = """
:root { color-scheme: light; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial,
  sans-serif; color: #1f2328; background: #f6f8fa; margin: 0 auto; padding: 24px 28px;
  max-width: 1180px; }
h1 { font-size: 22px; margin: 0 0 6px; }
h2 { font-size: 15px; margin: 0 0 4px; font-weight: 600; overflow-wrap: anywhere; }
bdi { unicode-bidi: isolate; }
code { font: 12.5px/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono",
  monospace; }
.summary { font-size: 15px; margin: 4px 0; }
.note { margin: 2px 0; color: #7a4d00; }
.env { margin: 2px 0; color: #57606a; font-size: 12.5px; }
table { border-collapse: collapse; margin: 18px 0; background: #fff; width: 100%;
  box-shadow: 0 1px 2px rgba(0,0,0,.08); }
th, td { padding: 5px 9px; border-bottom: 1px solid #d8dee4; text-align: left;
  vertical-align: top; white-space: nowrap; }
th { background: #eef1f4; font-weight: 600; font-size: 13px; }
th.num, td.num { text-align: right; font-variant-numeric: tabular-nums; }
td.id { white-space: normal; overflow-wrap: anywhere; }
td.id a { color: #0550ae; text-decoration: none; }
.good { color: #1a7f37; font-weight: 600; }
.bad { color: #cf222e; font-weight: 700; }
.unsure, .warn { color: #9a6700; font-weight: 600; }
.card { background: #fff; border-radius: 6px; padding: 12px 16px 8px; margin: 14px 0;
  box-shadow: 0 1px 2px rgba(0,0,0,.08); }
.facts { margin: 0 0 6px; color: #57606a; font-size: 12.5px; }
.outcome { font: 600 11px/1 system-ui, sans-serif; padding: 3px 7px; border-radius: 10px;
  background: #eef1f4; color: #57606a; vertical-align: middle; margin-left: 6px; }
.outcome.passed, .outcome.xfailed { background: #dafbe1; color: #1a7f37; }
.outcome.failed, .outcome.error, .outcome.crashed, .outcome.interrupted, .outcome.xpassed {
  background: #ffebe9; color: #cf222e; }
svg.hist { width: 100%; max-width: 900px; height: auto; display: block; }
svg .axis { stroke: #57606a; stroke-width: 1; }
svg .tick { font: 11px system-ui, sans-serif; fill: #57606a; }
svg .mark { font: 600 12px system-ui, sans-serif; }
.caption { margin: 2px 0 4px; color: #6e7781; font-size: 11.5px; }
.empty { color: #6e7781; font-style: italic; }
.reason { margin: 0 0 6px; color: #cf222e; font-weight: 600; }
"""
