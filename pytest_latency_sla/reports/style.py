"""The HTML report's style sheet. Two layouts of the summary table: columns on a wide screen,
where only the test id wraps (at ``/``, ``::``, ``[``: see ``ids``) and every other cell keeps
its natural width; and below ``NARROW`` pixels one card per row, each value under its column's
name, so that every number and verdict stays on the screen. Wider tables (a capacity search's
probes) scroll sideways inside their own box, never the page."""

from __future__ import annotations

from .table import HEADER

__all__ = ["CSS", "FRAGMENT_CSS", "NARROW"]

NARROW = 1080

_LABELS = "\n".join(
    f'.results td:nth-child({i + 1})::before {{ content: "{name}"; }}'
    for i, name in enumerate(HEADER)
)

CSS = (
    """
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial,
  sans-serif; color: #1f2328; background: #f6f8fa; margin: 0 auto; padding: 24px 28px;
  max-width: 1400px; }
h1 { font-size: 22px; margin: 0 0 6px; }
h2 { font-size: 17px; margin: 22px 0 6px; }
h3 { font-size: 15px; margin: 0 0 4px; font-weight: 600; overflow-wrap: anywhere; }
bdi { unicode-bidi: isolate; }
code { font: 12.5px/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono",
  monospace; overflow-wrap: anywhere; }
.w { white-space: nowrap; }
a { color: #0550ae; text-decoration: none; }
a:hover { text-decoration: underline; }
.summary { font-size: 15px; margin: 4px 0; }
.note { margin: 2px 0; color: #7a4d00; }
.env { margin: 2px 0; color: #57606a; font-size: 12.5px; overflow-wrap: anywhere; }
.scroll { overflow-x: auto; max-width: 100%; }
table { border-collapse: collapse; background: #fff; box-shadow: 0 1px 2px rgba(0,0,0,.08); }
.results { width: 100%; margin: 6px 0 18px; }
th, td { padding: 5px 8px; border-bottom: 1px solid #d8dee4; text-align: left;
  vertical-align: top; white-space: nowrap; }
.results td:nth-child(2), .results td:nth-child(3) { white-space: normal; }
th { background: #eef1f4; font-weight: 600; font-size: 13px; }
.num { text-align: right; font-variant-numeric: tabular-nums; }
.results td.id { white-space: normal; min-width: 12em; }
.detail { display: block; white-space: normal; color: #57606a; font-size: 12px;
  min-width: 12em; }
.good { color: #1a7f37; font-weight: 600; }
.bad { color: #cf222e; font-weight: 700; }
.unsure, .warn { color: #9a6700; font-weight: 600; }
.card { background: #fff; border-radius: 6px; padding: 12px 16px 8px; margin: 14px 0;
  box-shadow: 0 1px 2px rgba(0,0,0,.08); }
.card .note { color: #57606a; font-size: 12.5px; }
/* A card off the screen is laid out and drawn only when scrolled to: a run of a thousand
   tests opens as fast as its first screen. */
.card { content-visibility: auto; contain-intrinsic-size: auto 340px; }
.facts { margin: 0 0 6px; color: #57606a; font-size: 12.5px; }
.outcome { font: 600 11px/1 system-ui, sans-serif; padding: 3px 7px; border-radius: 10px;
  background: #eef1f4; color: #57606a; vertical-align: middle; margin-left: 6px;
  white-space: nowrap; }
.outcome.passed, .outcome.xfailed { background: #dafbe1; color: #1a7f37; }
.outcome.failed, .outcome.error, .outcome.crashed, .outcome.interrupted, .outcome.xpassed {
  background: #ffebe9; color: #cf222e; }
svg.chart { display: block; width: 100%; overflow: hidden; }
.caption { margin: 2px 0 4px; color: #6e7781; font-size: 11.5px; }
.empty { color: #6e7781; font-style: italic; }
.reason { margin: 0 0 6px; color: #cf222e; font-weight: 600; }
.probes { font-size: 12.5px; margin: 4px 0 8px; }
.probes td, .probes th { padding: 3px 8px; }
.headroom { background: #fff; border-radius: 6px; padding: 10px 16px 12px; margin: 16px 0;
  box-shadow: 0 1px 2px rgba(0,0,0,.08); }
.headroom h2 { margin-top: 0; }
.hr-axis, .hr-rows li { display: grid; grid-template-columns: minmax(10em, 32%) 1fr 11em;
  column-gap: 10px; align-items: center; }
.hr-axis { font-size: 11px; color: #57606a; height: 18px; }
.hr-axis div { position: relative; height: 100%; }
.hr-axis div span { position: absolute; top: 0; transform: translateX(-50%);
  white-space: nowrap; }
.hr-axis div span:first-child { transform: none; }
.hr-rows { list-style: none; margin: 0 0 8px; padding: 0; }
.hr-rows.long { max-height: 36em; overflow-y: auto; }
.hr-rows li { padding: 2px 0; border-top: 1px solid #eef1f4; font-size: 12.5px; }
.hr-rows a { color: #1f2328; overflow-wrap: anywhere; }
.hr-rows code { font-size: 12px; }
.track { position: relative; height: 14px; background: linear-gradient(#d8dee4, #d8dee4)
  center / 100% 1px no-repeat; }
.track i { position: absolute; top: 0; height: 14px; }
.track .z { left: 0; background: #e3e8ee; }
.track .b { top: 4px; height: 6px; background: currentColor; opacity: .35; border-radius: 3px; }
.track .t { width: 2px; margin-left: -1px; background: #c62828; }
.track .e { top: 2px; width: 10px; height: 10px; margin-left: -5px; border-radius: 50%;
  background: currentColor; }
.hr-rows .m { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
.hr-rows li { color: #6e7781; font-weight: 400; }
.hr-rows li.good { color: #1a7f37; }
.hr-rows li.bad { color: #cf222e; }
.hr-rows li.unsure { color: #9a6700; }
.hr-rows .m { font-weight: 600; }
@media (max-width: """
    + str(NARROW)
    + """px) {
  body { padding: 14px 12px; }
  .results, .results tbody, .results tr, .results td { display: block; width: 100%; }
  .results thead { display: none; }
  .results { background: none; box-shadow: none; }
  .results tr { display: flex; flex-wrap: wrap; align-items: flex-start;
    background: #fff; border-radius: 6px; margin: 0 0 10px; padding: 6px 4px;
    box-shadow: 0 1px 2px rgba(0,0,0,.08); }
  .results td { flex: 1 1 5.5em; border: 0; padding: 3px 6px; white-space: normal;
    text-align: left; }
  .results td::before { display: block; font-size: 11px; font-weight: 400; color: #57606a; }
  .results td.id { flex-basis: 100%; min-width: 0; }
  .results td.id::before { display: none; }
  .results td:nth-child(2), .results td:nth-child(3) { flex: 3 1 12em; }
  .results td:nth-child(8) { flex: 1 1 6em; order: 1; }
  .results td:nth-child(n+3):nth-child(-n+7) { order: 2; }
  .hr-axis, .hr-rows li { grid-template-columns: 1fr auto; }
  .hr-axis > span { display: none; }
  .hr-axis div, .hr-rows .track { grid-column: 1 / -1; }
  .hr-rows li a { grid-column: 1; grid-row: 1; }
  .hr-rows .m { grid-column: 2; grid-row: 1; white-space: normal; }
  svg .minor, .hr-axis .minor { display: none; }
  .card { padding: 10px 10px 6px; }
"""
    + _LABELS
    + "\n}\n"
)

# A card inside another page (pytest-html): its own few rules, each under .latency-sla.
FRAGMENT_CSS = """
.latency-sla { font: 13px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif;
  color: #1f2328; margin: 4px 0 8px; max-width: 100%; }
.latency-sla h3 { font-size: 13px; margin: 0 0 4px; }
.latency-sla code { font: 12px/1.4 ui-monospace, Menlo, Consolas, monospace;
  overflow-wrap: anywhere; }
.latency-sla .w { white-space: nowrap; }
.latency-sla p { margin: 0 0 4px; }
.latency-sla .facts, .latency-sla .note { color: #57606a; font-size: 12px; }
.latency-sla .reason { color: #cf222e; font-weight: 600; }
.latency-sla .caption { color: #6e7781; font-size: 11.5px; }
.latency-sla .empty { color: #6e7781; font-style: italic; }
.latency-sla .outcome { display: none; }
.latency-sla svg.chart { display: block; width: 100%; overflow: hidden; }
.latency-sla table { border-collapse: collapse; font-size: 12px; }
.latency-sla th, .latency-sla td { padding: 2px 8px; text-align: left; white-space: nowrap; }
.latency-sla .scroll { overflow-x: auto; }
"""
