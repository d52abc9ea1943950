"""The latency table: rows built from result dicts, rendered for the terminal or as Markdown."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from .units import format_duration, format_percentile, format_ratio

__all__ = ["HEADER", "md_code", "render_markdown", "render_text", "rows", "verdict_label"]

HEADER = ("test", "threshold", "estimate [bounds]", "p50", "max", "n", "margin", "verdict")


def verdict_label(threshold: dict[str, Any]) -> str:
    if threshold["verdict"] == "pass":
        label = "pass" if threshold["confident"] else "~pass"
        return f"{label} overkill" if threshold["overkill"] else label
    return "FAIL" if threshold["confident"] else "~FAIL"


def rows(results: Sequence[dict[str, Any]]) -> list[tuple[str, ...]]:
    """One row per threshold of every result (one row with "no budget" for ``measure``)."""
    out: list[tuple[str, ...]] = []
    for result in results:
        quantiles = result.get("quantiles_s", {})
        p50 = format_duration(quantiles.get("50"))
        top = format_duration(quantiles.get("max"))
        n = f"{result['n']:,}"
        test_id = result["nodeid"]
        if result.get("outcome") == "crashed":
            out.append((test_id, "-", "-", "-", "-", n, "-", "CRASHED"))
            continue
        if not result["thresholds"]:
            estimate = f"p99 {format_duration(quantiles.get('99'))}" if quantiles else "-"
            out.append((test_id, "no budget", estimate, p50, top, n, "-", "-"))
            continue
        for t in result["thresholds"]:
            # budget_text is the budget as written, or "100 ms (50 ms x 2)" under --latency-scale
            budget = t.get("budget_text") or format_duration(t["budget_s"])
            threshold = f"{format_percentile(t['percentile'])} <= {budget}"
            estimate = (
                f"{format_duration(t['estimate_s'])} "
                f"[{format_duration(t['lower_s'])}, {format_duration(t['upper_s'])}]"
            )
            margin = format_ratio(t["margin"]) if t["margin"] is not None else "inf"
            out.append((test_id, threshold, estimate, p50, top, n, margin, verdict_label(t)))
    return out


def render_text(table: Sequence[tuple[str, ...]]) -> list[str]:
    all_rows = [HEADER, *table]
    widths = [max(len(row[i]) for row in all_rows) for i in range(len(HEADER))]
    right = {3, 4, 5, 6}

    def line(row: Sequence[str]) -> str:
        cells = [
            cell.rjust(widths[i]) if i in right else cell.ljust(widths[i])
            for i, cell in enumerate(row)
        ]
        return "  ".join(cells).rstrip()

    return [line(HEADER), line(["-" * w for w in widths]), *(line(r) for r in table)]


def _md_cell(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")


def md_code(text: str) -> str:
    """``text`` as a code span inside a GFM table cell: nothing in it is HTML or emphasis, but
    the table still splits on a bare ``|`` and a backtick run would end the span early."""
    text = " ".join(text.splitlines()).replace("|", "\\|")
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def render_markdown(table: Sequence[tuple[str, ...]]) -> list[str]:
    lines = [
        "| " + " | ".join(HEADER) + " |",
        "| "
        + " | ".join("---:" if i in {3, 4, 5, 6} else "---" for i in range(len(HEADER)))
        + " |",
    ]
    for row in table:
        cells = [md_code(row[0]), *(_md_cell(c) for c in row[1:])]
        lines.append("| " + " | ".join(cells) + " |")
    return lines
