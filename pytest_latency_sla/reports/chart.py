"""What the report's charts share: scales from values to a horizontal position in percent of
the chart's width, their ticks, and colours.

Every chart is an inline SVG whose horizontal positions are percentages and whose vertical
positions and text sizes are pixels: it takes the whole width of its card at any screen size
(no empty quarter on a wide screen), while its labels keep their size (readable on a phone).
Styles are presentation attributes on the elements or their groups, so an SVG reads the same
inside another page (pytest-html) as in the report's own.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from html import escape

from ..units import format_duration

__all__ = [
    "BAND",
    "BAR",
    "BAR_OVER",
    "BASELINE",
    "BUDGET",
    "ESTIMATE",
    "FONT",
    "INK",
    "MUTED",
    "PLOT_LEFT",
    "PLOT_RIGHT",
    "VERDICT_COLOURS",
    "Scale",
    "label",
    "log_scale",
    "pct",
    "tick_label",
    "ticks_svg",
    "verdict_class",
]

# Log axes stay within 1e-300..1e300: what a float holds, with room for the axis' padding.
_EXPONENT = 300
# The plot spans this part of the chart's width (percent); labels sit inside it.
PLOT_LEFT, PLOT_RIGHT = 1.0, 99.0
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif"
INK, MUTED = "#1f2328", "#57606a"
BAR, BAR_OVER, BASELINE = "#8fa8bd", "#e57373", "#d97706"
BUDGET, ESTIMATE, BAND = "#c62828", "#1565c0", "#1565c0"
# By verdict class (see ``verdict_class`` in ``html``): held, missed, not confident, unjudged.
VERDICT_COLOURS = {"good": "#1a7f37", "bad": "#cf222e", "unsure": "#9a6700", "": "#6e7781"}


def verdict_class(label: str) -> str:
    """A verdict label's tone: ``"good"`` (pass), ``"bad"`` (FAIL, CRASHED, INTERRUPTED),
    ``"unsure"`` (~pass, ~FAIL), ``""`` (no verdict)."""
    if "FAIL" in label or label in ("CRASHED", "INTERRUPTED"):
        return "bad"
    return "unsure" if label.startswith("~") else ("good" if label.startswith("pass") else "")


def pct(value: float) -> str:
    """A horizontal position: ``37.25%``."""
    return f"{value:.2f}%"


@dataclass(frozen=True)
class Scale:
    """Values from ``low`` to ``high`` onto ``PLOT_LEFT``..``PLOT_RIGHT`` percent of the width,
    logarithmically when ``log``."""

    low: float
    high: float
    log: bool

    def __call__(self, value: float) -> float:
        """The position of ``value`` in percent of the chart's width (beyond the ends for a
        value outside the scale)."""
        if self.log:
            value = max(value, 1e-300)
            frac = (math.log10(value) - math.log10(self.low)) / (
                math.log10(self.high) - math.log10(self.low)
            )
        else:
            frac = (value - self.low) / (self.high - self.low)
        return PLOT_LEFT + frac * (PLOT_RIGHT - PLOT_LEFT)

    def clamped(self, value: float) -> float:
        return min(max(self(value), PLOT_LEFT), PLOT_RIGHT)

    def ticks(self) -> list[tuple[float, bool]]:
        """Round values inside the scale, each with whether it is major: on a log scale the
        powers of ten are major and 2 and 5 minor (a narrow screen shows the major ones only);
        on a linear scale every tick is major."""
        if not self.log:
            raw = (self.high - self.low) / 6
            magnitude = 10.0 ** math.floor(math.log10(raw))
            # the round step nearest to a sixth of the span: five to eight ticks
            step = min((m * magnitude for m in (1, 2, 5, 10)), key=lambda s: abs(math.log(s / raw)))
            start = math.ceil(self.low / step) * step
            count = int((self.high - start) / step + 1e-9) + 1
            # more than five labels: every other one is minor (a narrow screen skips it)
            return [(start + i * step, count <= 5 or i % 2 == 0) for i in range(count)]
        first = max(math.floor(math.log10(self.low)), -_EXPONENT)
        last = min(math.ceil(math.log10(self.high)), _EXPONENT)
        decades = last - first
        step = 1
        if decades <= 1:  # within a decade or so: every digit
            mantissas: tuple[int, ...] = (1, 2, 3, 4, 5, 6, 7, 8, 9)
        elif decades <= 4:
            mantissas = (1, 2, 5)
        else:  # many decades: powers of ten, every few when there are more than eight
            mantissas, step = (1,), math.ceil(decades / 8)
        found = [
            m * 10.0**d
            for d in range(first, last + 1, step)
            for m in mantissas
            if self.low <= m * 10.0**d <= self.high
        ]
        if len(found) < 3:  # a span of a few percent: round steps, as on a linear axis
            return [tick for tick in Scale(self.low, self.high, log=False).ticks() if tick[0] > 0]
        # a narrow screen shows the major ticks only: powers of ten on a wide span
        return [(v, decades <= 2 or _mantissa(v) == 1) for v in found]


def _mantissa(value: float) -> int:
    return round(value / 10.0 ** math.floor(math.log10(value) + 1e-9))


def log_scale(low: float, high: float, pad: float = 0.04) -> Scale:
    """A log scale from ``low`` to ``high`` (both > 0), widened by ``pad`` of its span on each
    side (a tenth of a decade at least), so no mark sits on the edge."""
    span = math.log10(high) - math.log10(low)
    extra = max(span * pad, 0.1 if span == 0 else 0.0)
    # within what a float holds: a budget of 1e308 s must not overflow the axis
    first = max(math.log10(low) - extra, -_EXPONENT)
    last = min(math.log10(high) + extra, _EXPONENT)
    return Scale(10**first, 10 ** max(last, first + 0.1), log=True)


def tick_label(seconds: float) -> str:
    """``1 ms`` rather than ``1.00 ms`` on an axis."""
    number, unit = format_duration(seconds).split()
    if "." in number:
        number = number.rstrip("0").rstrip(".")
    return f"{number} {unit}"


def label(x: float, y: float, text: str, colour: str, anchor: str, weight: int = 600) -> str:
    """A text label at ``x`` percent and ``y`` pixels, 4 px off its anchor."""
    shift = -4 if anchor == "end" else (4 if anchor == "start" else 0)
    # a white halo keeps the text legible where it crosses a line or a bar
    return (
        f'<text x="{pct(x)}" y="{y:.0f}" dx="{shift}" fill="{colour}" font-weight="{weight}" '
        f'text-anchor="{anchor}" stroke="#fff" stroke-width="3" paint-order="stroke">'
        f"{escape(text)}</text>"
    )


def ticks_svg(scale: Scale, base: float, text: list[tuple[float, str]]) -> str:
    """Tick marks under the line at ``base`` and their labels (``text``: value, label), each
    label anchored so that it stays inside the chart; minor ones carry ``class="minor"``."""
    majors = {value for value, major in scale.ticks() if major}
    marks, labels = [], []
    for value, shown in text:
        x = scale(value)
        if not PLOT_LEFT - 0.01 <= x <= PLOT_RIGHT + 0.01:
            continue
        # near an edge a label grows inwards: centred, half of it would be cut off
        anchor = "start" if x < 12 else ("end" if x > 88 else "middle")
        minor = "" if value in majors else ' class="minor"'
        marks.append(f'<line x1="{pct(x)}" y1="{base}" x2="{pct(x)}" y2="{base + 5}"/>')
        labels.append(
            f'<text x="{pct(x)}" y="{base + 18}" text-anchor="{anchor}"{minor}>'
            f"{escape(shown)}</text>"
        )
    return (
        f'<g stroke="{MUTED}">{"".join(marks)}</g>'
        f'<g fill="{MUTED}" font-size="11">{"".join(labels)}</g>'
    )
