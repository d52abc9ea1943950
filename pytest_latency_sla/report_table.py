"""The latency table: rows built from result dicts, rendered for the terminal or as Markdown;
and what every report file shows around it: the summary line, session notes, environment."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from .units import format_duration, format_percentile, format_ratio

__all__ = [
    "HEADER",
    "environment_line",
    "footnotes",
    "md_code",
    "render_markdown",
    "render_text",
    "rows",
    "session_notes",
    "summary",
    "summary_status",
    "summary_text",
    "tally",
    "verdict_label",
]

HEADER = ("test", "threshold", "estimate [bounds]", "p50", "max", "n", "margin", "verdict")


def verdict_label(threshold: dict[str, Any]) -> str:
    if threshold["verdict"] == "pass":
        label = "pass" if threshold["confident"] else "~pass"
        return f"{label} overkill" if threshold["overkill"] else label
    return "FAIL" if threshold["confident"] else "~FAIL"


def tally(results: Sequence[dict[str, Any]]) -> dict[str, int]:
    """The counts behind a report's one-line summary. A miss in an xfail test was expected, so
    it is counted apart: it does not make the run red."""
    pairs = [(r, t) for r in results for t in r.get("thresholds", ())]
    missed = [r for r, t in pairs if t.get("verdict") != "pass"]
    return {
        "measurements": len(results),
        "budgets": len(pairs),
        "met": len(pairs) - len(missed),
        "missed": len(missed),
        "missed_expected": sum(1 for r in missed if _expected(r)),
        "not_confident": sum(1 for _, t in pairs if not t.get("confident", True)),
        "overkill": sum(1 for _, t in pairs if t.get("overkill")),
        "crashed": sum(1 for r in results if r.get("outcome") == "crashed"),
        "crashed_expected": sum(
            1 for r in results if r.get("outcome") == "crashed" and _expected(r)
        ),
    }


def _expected(result: dict[str, Any]) -> bool:
    return result.get("outcome") == "xfailed" or bool(result.get("xfail"))


def summary_status(counts: dict[str, int], mode: str) -> str:
    """``"bad"`` for an unexpected miss or a crash, ``"warn"`` for misses in warn mode."""
    unexpected = counts["missed"] - counts["missed_expected"]
    if counts["crashed"] > counts["crashed_expected"] or (unexpected and mode != "warn"):
        return "bad"
    return "warn" if unexpected else "good"


def summary_text(counts: dict[str, int]) -> str:
    """``7 measurements, 8 budgets: 6 met, 2 missed (1 in xfail tests), 1 overkill``"""

    def plural(n: int, word: str) -> str:
        return f"{n} {word}{'' if n == 1 else 's'}"

    text = (
        f"{plural(counts['measurements'], 'measurement')}, {plural(counts['budgets'], 'budget')}: "
        f"{counts['met']} met, {counts['missed']} missed"
    )
    if counts["missed_expected"]:
        text += f" ({counts['missed_expected']} in xfail tests)"
    for key, label in (("not_confident", "not confident"), ("overkill", "overkill")):
        if counts[key]:
            text += f", {counts[key]} {label}"
    if counts["crashed"]:
        text += f", {counts['crashed']} crashed"
        if counts["crashed_expected"]:
            text += f" ({counts['crashed_expected']} in xfail tests)"
    return text


def summary(results: Sequence[dict[str, Any]], mode: str) -> tuple[str, str]:
    """A report's one-line summary: its status (see ``summary_status``) and its text."""
    counts = tally(results)
    return summary_status(counts, mode), summary_text(counts)


def session_notes(environment: dict[str, Any], strong: str = "", code: str = "") -> list[str]:
    """What changes how the whole table reads (scaled budgets, warn mode, xdist workers).
    ``strong`` and ``code`` are the markup put around a setting's value and an option's name."""
    notes = []
    scale = environment.get("scale", 1.0)
    if scale != 1.0:
        notes.append(f"Budgets scaled by {strong}{scale:g}{strong} ({code}--latency-scale{code}).")
    if environment.get("mode") == "warn":
        notes.append(
            f"Mode {strong}warn{strong}: a missed budget warns instead of failing the test."
        )
    if environment.get("xdist_workers"):
        notes.append(
            f"Measured by {environment['xdist_workers']} pytest-xdist workers sharing the CPU "
            "cores: latencies are pessimistic."
        )
    return notes


def environment_line(environment: dict[str, Any]) -> str:
    """The environment in one line, for the terminal table and every report file."""
    from .environment import one_line

    try:
        return one_line(environment)
    except KeyError:  # a plugin trimmed the environment through pytest_latency_sla_report
        return "; ".join(f"{k} {v}" for k, v in environment.items())


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
            budget = f"no budget {_load(result)}".rstrip()
            out.append((test_id, budget, estimate, p50, top, n, "-", "-"))
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
            note = f" {_load(result)}" if result.get("load") else ""
            out.append((test_id, threshold + note, estimate, p50, top, n, margin, verdict_label(t)))
    return out


def _load(result: dict[str, Any]) -> str:
    from .load_measurement import load_note

    return load_note(result["load"]) if result.get("load") else ""


def footnotes(results: Sequence[dict[str, Any]]) -> list[str]:
    """One line under the table per result whose samples may not be independent: garbage
    collections while sampling, drift between the halves, a call near timer resolution."""
    from .stability import notes

    out = []
    for result in results:
        found = notes(
            unstable=bool(result.get("unstable")),
            half_medians_s=result.get("half_medians_s"),
            near_resolution=bool(result.get("near_timer_resolution")),
            p50_s=result.get("quantiles_s", {}).get("50"),
            timer_overhead_s=result.get("timer_overhead_s", 0.0),
        )
        collections = result.get("gc_collections", 0)
        if collections:
            found.insert(0, f"{collections} garbage collections while sampling")
        if found:
            out.append(f"note: {result['nodeid']}: " + "; ".join(found))
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
