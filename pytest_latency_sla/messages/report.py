"""The report around the rows: a row's test id, the summary, the notes that change how the whole
table reads, the environment line, and a measured test's lines in another report's table.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..records import BaselineNoteDict, EnvironmentDict, ResultDict
from ..units import format_duration
from .capacity import capacity_line
from .common import plural, printable
from .ratio import other_machine_note, ratios_without_gate
from .verdict import ending, estimate_text, ratio_of, threshold_text, verdict_label

XDIST_NOTICE = (
    "latency-sla: {workers} pytest-xdist workers share this machine's CPU cores, so latencies "
    "measured under xdist are pessimistic"
)


def test_label(result: ResultDict) -> str:
    """The test id of a row; in a merged report, a test measured in several files also names
    the file: ``t.py::test_a (from shard-2.json)``."""
    source = result.get("source")
    return result["nodeid"] if source is None else f"{result['nodeid']} (from {source})"


def summary_text(
    counts: Mapping[str, int], exitstatus: int | None = None, signal: str | None = None
) -> str:
    """``7 measurements, 8 budgets: 6 met, 2 missed (1 in xfail tests); of the budgets, 1
    overkill``, then what else made the run fail: a crash, an interrupted measurement, pytest's
    exit status, a signal. Not confident and overkill verdicts are among the met and missed, so
    they come apart, after the other counts."""
    text = (
        f"{plural(counts['measurements'], 'measurement')}, "
        f"{plural(counts['budgets'], 'budget')}: {counts['met']} met, {counts['missed']} missed"
    )
    if counts["missed_expected"]:
        text += f" ({counts['missed_expected']} in xfail tests)"
    among = [
        f"{counts[key]} {label}"
        for key, label in (("not_confident", "not confident"), ("overkill", "overkill"))
        if counts[key]
    ]
    if counts["crashed"]:
        text += f", {counts['crashed']} crashed"
        if counts["crashed_expected"]:
            text += f" ({counts['crashed_expected']} in xfail tests)"
    if counts.get("new"):
        text += f", {counts['new']} new (not in the stored baseline)"
    if counts.get("interrupted"):
        text += f", {counts['interrupted']} interrupted"
    if among:
        text += f"; of the budgets, {', '.join(among)}"
    if signal:
        text += f"; the run was stopped by {signal}: finished tests only"
    elif exitstatus:
        text += f"; the run failed (pytest exit status {exitstatus}: {_exit_meaning(exitstatus)})"
    return text


def _exit_meaning(exitstatus: int) -> str:
    return {
        1: "tests failed",
        2: "interrupted",
        3: "internal error",
        4: "usage error",
        5: "no tests collected",
    }.get(exitstatus, "see the pytest output")


def session_notes(environment: EnvironmentDict, strong: str = "", code: str = "") -> list[str]:
    """What changes how the whole table reads (scaled budgets, warn mode, xdist workers).
    ``strong`` and ``code`` are the markup put around a setting's value and an option's name."""
    notes = []
    scale = environment.get("scale", 1.0)
    if scale != 1.0:
        source = environment.get("scale_source")  # absent from older reports
        name, _, setting = (source or "").rpartition(" ")  # "environment variable" "LATENCY_..."
        where = f"{name} {code}{setting}{code}" if name else f"{code}{setting}{code}"
        told = f" ({where})" if source else ""
        notes.append(f"Budgets scaled by {strong}{scale:g}{strong}{told}.")
    if environment.get("mode") == "warn":
        notes.append(
            f"Mode {strong}warn{strong}: a missed budget warns instead of failing the test."
        )
    workers = environment.get("xdist_workers")
    if workers:
        notes.append(
            f"Measured by {workers} pytest-xdist workers sharing the CPU cores: latencies are "
            "pessimistic."
        )
    baseline = environment.get("baseline")
    if baseline is not None:
        notes.append(baseline_line(baseline, environment.get("regression", 0.1), code) + ".")
        if not baseline.get("same_machine", True):
            note = other_machine_note(baseline.get("machine", {}), environment)
            notes.append(note[0].upper() + note[1:] + ".")
    return notes


def baseline_line(note: BaselineNoteDict, regression: float, code: str = "") -> str:
    """``compared with the stored baseline base.json (2026-11-28T09:00:00Z): a regression
    beyond 10% fails``."""
    return (
        f"Compared with the stored baseline {code}{printable(note['path'])}{code} "
        f"({printable(note['created'])}): a confident regression beyond {regression * 100:g}% "
        "fails"
    )


def latency_cell(result: ResultDict) -> list[str]:
    """A measured test's lines in another report's table (pytest-html): one per threshold,
    ``p99 16.3 us <= 50 ms: pass overkill``; the capacity line; or what ended it."""
    ended = ending(result)
    if ended is not None:
        return [ended]
    if "capacity" in result:
        capacity = result["capacity"]
        return [capacity_line(capacity, result.get("confidence", 0.95))]
    lines = []
    for t in result.get("thresholds") or []:
        lines.append(f"{threshold_text(t)}: {estimate_text(t)}, {verdict_label(t)}")
    if "baseline" in result and not any(ratio_of(t) for t in result.get("thresholds") or []):
        lines.append(f"no gate: candidate/baseline {ratios_without_gate(result)}")
    if not lines:
        p99 = (result.get("quantiles_s") or {}).get("99")
        lines.append(f"no budget: p99 {format_duration(p99)}, n={result.get('n', 0):,}")
    return lines


def environment_line(environment: Mapping[str, Any]) -> str:
    """``Python 3.11.7; CPU AMD EPYC (2 cores); clock ...; timer overhead 61 ns; GC on ...``.
    A plugin may have trimmed the environment through ``pytest_latency_sla_report``: then the
    keys it left, as they are."""
    try:
        parts = [
            f"Python {environment['python']}",
            f"CPU {environment['cpu']} ({environment['cpu_count']} cores)",
            f"clock {environment['clock']}",
            f"timer overhead {environment['timer_overhead_ns']} ns",
            f"GC {environment['gc']}",
        ]
    except KeyError:
        return "; ".join(f"{k} {v}" for k, v in environment.items())
    if environment.get("onnxruntime"):
        parts.append(f"onnxruntime {environment['onnxruntime']}")
    if environment.get("xdist_workers"):
        parts.append(f"xdist {environment['xdist_workers']} workers")
    merged = environment.get("merged_from")
    if merged:
        parts.append(f"merged from {plural(len(merged), 'report')} (machine of the first)")
    return "; ".join(parts)


def gc_setting(gc_mode: str) -> str:
    """The environment line's GC setting."""
    return "disabled while sampling" if gc_mode == "disable" else "on (older objects frozen)"
