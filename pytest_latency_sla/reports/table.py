"""The latency table: rows built from result records, rendered for the terminal or as Markdown;
and the counts behind every report's one-line summary."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from ..messages.capacity import (
    capacity_estimate_text,
    capacity_line,
    capacity_margin_text,
    capacity_probes,
    capacity_threshold_text,
    capacity_verdict_label,
    probe_verdict,
)
from ..messages.common import per_second, printable, shorten_middle
from ..messages.load import load_detail, load_rate
from ..messages.ratio import ratios_without_gate
from ..messages.report import summary_text, test_label
from ..messages.verdict import estimate_text, ratio_of, result_notes, threshold_text, verdict_label
from ..records import AnyThresholdDict, CapacityDict, EnvironmentDict, ResultDict
from ..units import format_duration, format_ratio

__all__ = [
    "HEADER",
    "Row",
    "Status",
    "footnotes",
    "markdown_header",
    "markdown_row",
    "md_code",
    "probe_table",
    "render_columns",
    "render_probes",
    "render_markdown",
    "render_text",
    "rows",
    "summary",
    "summary_status",
    "table_rows",
    "tally",
]

HEADER = ("test", "threshold", "estimate [bounds]", "p50", "max", "n", "margin", "verdict")
Status = Literal["good", "warn", "bad"]
# The terminal table's test column: a longer id is shortened in the middle (the files keep it
# whole), so one generated 5,000-character id cannot pad every row of the table.
ID_WIDTH = 120


def tally(results: Sequence[ResultDict]) -> dict[str, int]:
    """The counts behind a report's one-line summary. A miss in an xfail test was expected, so
    it is counted apart: it does not make the run red."""
    pairs = [(r, t) for r in results for t in r.get("thresholds", ())]
    missed = [r for r, t in pairs if missed_threshold(t)]
    # a capacity search is one budget: its rate holds (and meets min_rate), or it does not
    searches = [(r, capacity_verdict_label(r["capacity"])) for r in results if "capacity" in r]
    missed += [r for r, label in searches if label in ("FAIL", "~FAIL")]
    unsure = sum(1 for _, t in pairs if not t.get("confident", True))
    unsure += sum(1 for _, label in searches if label.startswith("~"))
    return {
        "measurements": len(results),
        "budgets": len(pairs) + len(searches),
        "met": len(pairs) + len(searches) - len(missed),
        "missed": len(missed),
        "missed_expected": sum(1 for r in missed if _expected(r)),
        "not_confident": unsure,
        "overkill": sum(1 for _, t in pairs if t.get("overkill")),
        "crashed": sum(1 for r in results if r.get("outcome") == "crashed"),
        "crashed_expected": sum(
            1 for r in results if r.get("outcome") == "crashed" and _expected(r)
        ),
        "new": sum(1 for r in results if r.get("stored") == "new"),
        "interrupted": sum(1 for r in results if r.get("outcome") == "interrupted"),
    }


def missed_threshold(t: AnyThresholdDict) -> bool:
    """Whether ``t`` counts as missed: its verdict is a fail, except that a ratio to a stored
    baseline fails only with confidence (run-to-run noise must not fail a test)."""
    if t.get("verdict") == "pass":
        return False
    ratio = ratio_of(t)
    stored = ratio is not None and ratio.get("against") == "stored"
    return not stored or bool(t.get("confident"))


def _expected(result: ResultDict) -> bool:
    return result.get("outcome") == "xfailed" or bool(result.get("xfail"))


def summary_status(
    counts: dict[str, int], mode: str, exitstatus: int | None = None, signal: str | None = None
) -> Status:
    """``"bad"`` for an unexpected miss, a crash, an interrupted measurement, or a run that
    failed (pytest's ``exitstatus`` is not 0, or a ``signal`` ended it): a summary never reads
    green when pytest does not; ``"warn"`` for misses in warn mode."""
    unexpected = counts["missed"] - counts["missed_expected"]
    if (
        counts["crashed"] > counts["crashed_expected"]
        or counts.get("interrupted", 0)
        or (unexpected and mode != "warn")
        or signal
        or exitstatus
    ):
        return "bad"
    return "warn" if unexpected else "good"


def summary(results: Sequence[ResultDict], environment: EnvironmentDict) -> tuple[Status, str]:
    """A report's one-line summary: its status (see ``summary_status``) and its text."""
    counts = tally(results)
    mode = environment.get("mode", "")
    exitstatus, signal = environment.get("exitstatus"), environment.get("signal")
    return (
        summary_status(counts, mode, exitstatus, signal),
        summary_text(counts, exitstatus, signal),
    )


@dataclass(frozen=True)
class Row:
    """One row of the table: ``cells`` in ``HEADER`` order, for the result ``results[index]``.
    A load run's threshold cell is short (``p99 <= 50 ms @ 28,000/s``); what the run got
    (``served 27,950/s, start delay p99 52.3 us``) is its ``detail``, which a narrow format puts
    on a second line or in a footnote and the terminal in parentheses (``line``)."""

    index: int
    cells: tuple[str, ...]
    detail: str = ""

    def line(self) -> tuple[str, ...]:
        """The cells with the detail in parentheses after the threshold."""
        if not self.detail:
            return self.cells
        return (self.cells[0], f"{self.cells[1]} ({self.detail})", *self.cells[2:])


def rows(results: Sequence[ResultDict]) -> list[tuple[str, ...]]:
    """One row per threshold of every result (one row with "no budget" for ``measure``), each
    on one line (``Row.line``)."""
    return [row.line() for row in table_rows(results)]


def table_rows(results: Sequence[ResultDict]) -> list[Row]:
    """One ``Row`` per threshold of every result (one with "no budget" for ``measure``)."""
    out: list[Row] = []
    for index, result in enumerate(results):
        quantiles = result.get("quantiles_s", {})
        p50 = format_duration(quantiles.get("50"))
        top = format_duration(quantiles.get("max"))
        n = f"{result['n']:,}"
        test_id = test_label(result)
        load = result.get("load")
        rate = f" {load_rate(load)}" if load is not None else ""
        detail = load_detail(load) if load is not None else ""

        def row(*cells: str, detail: str = "") -> Row:
            return Row(index, (test_id, *cells), detail)  # noqa: B023  (used at once)

        if result.get("outcome") == "crashed":
            out.append(row("-", "-", "-", "-", n, "-", "CRASHED"))
            continue
        if result.get("outcome") == "interrupted" and "capacity" in result:
            capacity = result["capacity"]  # what its finished probes claimed
            threshold, claims = capacity_threshold_text(capacity), capacity_estimate_text(capacity)
            out.append(row(threshold, claims, p50, top, n, "-", "INTERRUPTED"))
            continue
        if result.get("outcome") == "interrupted":  # the samples so far, no verdict
            out.append(row("-", "-", p50, top, n, "-", "INTERRUPTED"))
            continue
        if "capacity" in result:
            capacity = result["capacity"]
            out.append(
                row(
                    capacity_threshold_text(capacity),
                    capacity_estimate_text(capacity),
                    p50,
                    top,
                    n,
                    capacity_margin_text(capacity),
                    capacity_verdict_label(capacity),
                )
            )
            continue
        if "baseline" in result and not any(ratio_of(t) for t in result["thresholds"]):
            # a comparison without a ratio threshold: its ratios, with no gate
            ratios = ratios_without_gate(result)
            out.append(row("no gate: candidate/baseline", ratios, p50, top, n, "-", "-"))
        elif not result["thresholds"]:
            estimate = f"p99 {format_duration(quantiles.get('99'))}" if quantiles else "-"
            out.append(row(f"no budget{rate}", estimate, p50, top, n, "-", "-", detail=detail))
            continue
        for t in result["thresholds"]:
            margin = format_ratio(t["margin"]) if t["margin"] is not None else "inf"
            out.append(
                row(
                    threshold_text(t) + rate,
                    estimate_text(t),
                    p50,
                    top,
                    n,
                    margin,
                    verdict_label(t),
                    detail=detail,
                )
            )
    return out


def footnotes(results: Sequence[ResultDict]) -> list[str]:
    """One line under the terminal table per result whose samples may not be independent:
    garbage collections while sampling, drift between the halves, a call near timer resolution;
    and per capacity search, its claims and its probes."""
    out = []
    for result in results:
        if "capacity" in result and result.get("outcome") != "crashed":
            capacity = result["capacity"]
            line = capacity_line(capacity, result["confidence"])
            probes = capacity_probes(capacity)
            out.append(f"note: {terminal_id(result['nodeid'])}: {line}; {probes}")
        found = result_notes(result)
        if found:
            out.append(f"note: {terminal_id(result['nodeid'])}: " + "; ".join(found))
    return out


def terminal_id(test_id: str) -> str:
    """A test id as the terminal shows it: on one line, in stored order (``printable``), at most
    ``ID_WIDTH`` characters."""
    return shorten_middle(printable(test_id), ID_WIDTH)


def probe_table(capacity: CapacityDict) -> tuple[tuple[str, ...], list[tuple[str, ...]]]:
    """The probes of a capacity search, one row each in the order they ran: the rate, the rate
    served, each threshold's estimate with its bounds (at the probe's own confidence), the p50,
    the start delay's p99, the mean service time (the call's own duration: a machine that slows
    during the search shows here), the calls, and the verdict. Returns the header and the rows."""
    budgets = tuple(capacity["budgets"])
    header = ("rate", "served", *budgets, "p50", "start delay p99", "service", "n", "verdict")
    table = []
    for probe in capacity["probes"]:
        estimates = [estimate_text(t) for t in probe["thresholds"]]
        estimates += ["-"] * (len(budgets) - len(estimates))
        table.append(
            (
                per_second(probe["rate"]),
                per_second(probe["served_rate"]),
                *estimates,
                format_duration(probe["quantiles_s"].get("50")),
                format_duration(probe["start_delay_p99_s"]),
                format_duration(probe.get("service_time_s")),
                f"{probe['n']:,}",
                probe_verdict(probe),
            )
        )
    return header, table


def render_probes(capacity: CapacityDict) -> list[str]:
    """``probe_table`` for a terminal: every column right-aligned but the verdict."""
    header, table = probe_table(capacity)
    return render_columns(header, table, set(range(len(header) - 1)))


def render_text(table: Sequence[tuple[str, ...]]) -> list[str]:
    """The table for a terminal: ids made printable and shortened (``terminal_id``)."""
    table = [(terminal_id(row[0]), *row[1:]) for row in table]
    return render_columns(HEADER, table, {3, 4, 5, 6})


def render_columns(
    header: Sequence[str], table: Sequence[Sequence[str]], right: set[int]
) -> list[str]:
    """Columns padded to their widest cell, those in ``right`` aligned right."""
    all_rows = [header, *table]
    widths = [max(len(row[i]) for row in all_rows) for i in range(len(header))]

    def line(row: Sequence[str]) -> str:
        cells = [
            cell.rjust(widths[i]) if i in right else cell.ljust(widths[i])
            for i, cell in enumerate(row)
        ]
        return "  ".join(cells).rstrip()

    return [line(header), line(["-" * w for w in widths]), *(line(r) for r in table)]


def _md_cell(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")


def md_code(text: str) -> str:
    """``text`` as a code span inside a GFM table cell: nothing in it is HTML or emphasis, but
    the table still splits on a bare ``|`` and a backtick run would end the span early."""
    text = printable(text).replace("|", "\\|")
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def render_markdown(table: Sequence[tuple[str, ...]]) -> list[str]:
    return [*markdown_header(), *(markdown_row(row) for row in table)]


def markdown_header() -> list[str]:
    """The header and alignment lines of the GFM table."""
    return [
        "| " + " | ".join(HEADER) + " |",
        "| "
        + " | ".join("---:" if i in {3, 4, 5, 6} else "---" for i in range(len(HEADER)))
        + " |",
    ]


def markdown_row(row: Sequence[str], mark: str = "") -> str:
    """One line of the GFM table; ``mark`` is markup put after the threshold cell as it is
    (a footnote's ``<sup>1</sup>``)."""
    cells = [md_code(row[0]), *(_md_cell(c) for c in row[1:])]
    if mark:
        cells[1] += f" {mark}"
    return "| " + " | ".join(cells) + " |"
