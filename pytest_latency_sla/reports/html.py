"""A self-contained HTML report: a one-line summary, the headroom chart (every threshold against
its budget, ``headroom``), the latency table, and a card per measurement with its histogram
(``histogram``; a comparison overlays its baseline) or, for a capacity search, latency against
rate (``rate_chart``) and its probes.

No network: no external CSS, scripts or fonts, so the file opens the same from a CI artifact
store as on a laptop. Everything from a test (ids, parametrize ids, messages) is escaped. The
layout holds at any width (``style``); tests check it in a real browser at 1400 and 400 px.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from pathlib import Path

from ..messages.capacity import capacity_line
from ..messages.charts import card_facts, side_facts
from ..messages.load import under_load_line
from ..messages.report import environment_line, session_notes, test_label
from ..messages.verdict import ending, result_notes
from ..records import EnvironmentDict, ReportDict, ResultDict
from .chart import verdict_class
from .files import write_report
from .headroom import headroom
from .histogram import histogram
from .ids import breakable
from .phrases import phrases
from .rate_chart import rate_chart
from .style import CSS, FRAGMENT_CSS
from .table import HEADER, Row, probe_table, summary, table_rows

__all__ = ["card", "fragment", "render", "write_html"]

_NUMERIC = {2, 3, 4, 5, 6}  # table columns aligned right


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
        f"<style>{CSS}</style></head><body>",
        "<header><h1>Latency SLA report</h1>",
        f'<p class="summary">{_summary(results, environment)}</p>',
        *(f'<p class="note">{escape(n)}</p>' for n in session_notes(environment)),
        f'<p class="env">{escape(environment_line(environment))}</p>',
        f'<p class="env">{escape(str(report.get("created", "")))} &middot; '
        f"{escape(str(report.get('schema', '')))}</p></header><main>",
    ]
    if results:
        parts.append(headroom(results))
        parts.append(_table(results))
        parts.extend(card(r, f"r{i}") for i, r in enumerate(results))
    else:
        parts.append("<p>No latency measurements in this session.</p>")
    parts.append("</main></body></html>")
    return "\n".join(parts) + "\n"


def _summary(results: Sequence[ResultDict], environment: EnvironmentDict) -> str:
    status, text = summary(results, environment)
    return f'<span class="{status}">{escape(text)}</span>'


def _table(results: Sequence[ResultDict]) -> str:
    head = "".join(
        f'<th class="num">{escape(h)}</th>' if i in _NUMERIC else f"<th>{escape(h)}</th>"
        for i, h in enumerate(HEADER)
    )
    body = "".join(_row(row) for row in table_rows(results))
    return (
        f'<h2 id="results">Results</h2><div class="scroll"><table class="results">'
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>"
    )


def _row(row: Row) -> str:
    cells = row.cells
    link = f'<a href="#r{row.index}"><code>{breakable(cells[0])}</code></a>'
    threshold = phrases(cells[1])
    if row.detail:
        threshold += f'<span class="detail">{escape(row.detail)}</span>'
    out = [
        f'<td class="id">{link}</td>',
        f"<td>{threshold}</td>",
        f'<td class="num">{phrases(cells[2])}</td>',
    ]
    out += [f'<td class="num">{escape(c)}</td>' for c in cells[3:-1]]
    out.append(f'<td class="{verdict_class(cells[-1])}">{escape(cells[-1])}</td>')
    return f"<tr>{''.join(out)}</tr>"


def fragment(result: ResultDict) -> str:
    """One measurement's card for another report's page (pytest-html's extras): the card, with
    the few styles it needs, scoped to it (its charts carry their own)."""
    return f'<div class="latency-sla"><style>{FRAGMENT_CSS}</style>{card(result)}</div>'


def card(result: ResultDict, anchor: str | None = None) -> str:
    """One measurement's card: its id and outcome, what was measured, why it ended early (a
    crash, an interrupt), its notes, and its chart. ``anchor`` is the card's element id."""
    outcome = str(result.get("outcome", ""))
    badge = f' <span class="outcome {escape(outcome)}">{escape(outcome)}</span>' if outcome else ""
    where = f' id="{escape(anchor)}"' if anchor else ""
    parts = [
        f'<section class="card"{where}><h3><code>{breakable(test_label(result))}</code>{badge}</h3>'
    ]
    if "baseline" in result and "candidate" in result:
        for name in ("candidate", "baseline"):
            side = result["candidate"] if name == "candidate" else result["baseline"]
            parts.append(f'<p class="facts">{escape(side_facts(name, side))}</p>')
    else:
        parts.append(f'<p class="facts">{escape(" · ".join(card_facts(result)))}</p>')
    load = result.get("load")
    if load is not None:
        parts.append(f'<p class="facts">{escape(under_load_line(load))}</p>')
    ended = ending(result)
    if ended:
        parts.append(f'<p class="reason">{escape(ended)}</p>')
    else:
        parts += [f'<p class="note">{escape(n)}</p>' for n in result_notes(result)]
    parts.append(_chart(result))
    parts.append("</section>")
    return "".join(parts)


def _chart(result: ResultDict) -> str:
    """A capacity search's latency-against-rate chart and probes, else the histogram."""
    if "capacity" in result:
        capacity = result["capacity"]
        line = capacity_line(capacity, result.get("confidence", 0.95))
        header, probes = probe_table(capacity)
        head = "".join(f"<th>{escape(h)}</th>" for h in header)
        body = "".join(
            "<tr>" + "".join(f"<td>{escape(c)}</td>" for c in row) + "</tr>" for row in probes
        )
        table = (
            f'<div class="scroll"><table class="probes"><thead><tr>{head}</tr></thead>'
            f"<tbody>{body}</tbody></table></div>"
        )
        chart = rate_chart(capacity, str(result["nodeid"]))
        return f'<p class="facts">{escape(line)}</p>{chart}{table if probes else ""}'
    return histogram(result)
