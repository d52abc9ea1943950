"""Report files: a report path that cannot be written, the notices of a run that writes no
report or is stopped by SIGTERM, and the errors of ``latency-sla merge``.
"""

from __future__ import annotations

from .common import plural, printable, shorten_middle

# Each returns (the whole sentence, naming the path; only why, for a line that names the report).


def report_path_empty(raw: object) -> tuple[str, str]:
    return f"expected a file path, got {raw!r}", "no file path given"


def report_path_no_home(text: str) -> tuple[str, str]:
    user = text[1:].split("/", 1)[0]
    why = f"there is no user {user!r}, so {'~' + user!r} names no home directory"
    return f"cannot write {text!r}: {why}", why


def report_path_name_too_long(path: str, length: int) -> tuple[str, str]:
    why = f"a name in it is {length} bytes long, more than the file system allows"
    return f"cannot write {_cut(path)!r}: {why}", why


def report_path_not_writable(path: str) -> tuple[str, str]:
    return f"{path!r} is not writable", "it is not writable"


def report_path_refused(path: str, resolved: str, kind: str) -> tuple[str, str]:
    """A path that is neither a regular file, a character device nor this process's stream."""
    via = f" (the link leads to {resolved!r})" if resolved != path else ""
    if kind == "directory":
        return f"{path!r} is a directory{via}; give a file path", f"it is a directory{via}"
    why = (
        f"it is a {kind}{via}; a report goes to a regular file, a character device such as "
        "/dev/null, or /dev/stdout"
    )
    return f"{path!r}: {why}", why


def report_path_cannot_write(path: str, why: str) -> tuple[str, str]:
    return f"cannot write {_cut(path)!r}: {why}", why


def report_path_under_a_file(path: str, blocker: str) -> tuple[str, str]:
    why = f"{blocker!r} is a file, not a directory"
    return f"cannot write {path!r}: {why}", why


def report_path_stream_closed(path: str, fd: int) -> tuple[str, str]:
    why = f"file descriptor {fd} is not open in this process"
    return f"cannot write {path!r}: {why}", why


def mode_off_no_report(options: list[str]) -> str:
    """The one notice of a run in ``--latency-mode=off`` that was asked for a report."""
    return (
        f"latency-sla: --latency-mode=off gates and records nothing, so no latency report is "
        f"written ({', '.join(options)} ignored)"
    )


SIGTERM_WRITING = (
    "latency-sla: SIGTERM: writing the reports with the tests finished so far, then ending"
)


def reports_not_written(error: BaseException) -> str:
    """The reports could not be built at all (a SIGTERM handler's last word)."""
    return f"ERROR: latency-sla: the reports could not be written: {error!r}"


MERGE_NOTHING = "no reports to merge"


def merge_unreadable(name: str, why: str) -> str:
    return f"{name}: cannot read it: {why}"


def merge_not_json(name: str, why: str) -> str:
    return f"{name}: not JSON ({why})"


def merge_not_a_report(name: str) -> str:
    return f"{name}: not a latency report (no list of results)"


def merge_other_schema(name: str, schema: object, wanted: str) -> str:
    """A file of another schema: a stored baseline, or a report of another version."""
    advice = (
        "it is a stored baseline (--latency-save), not a report: merge the --latency-json files"
        if str(schema).startswith("pytest-latency-sla-baseline/")
        else "merge reports written by the same version of pytest-latency-sla"
    )
    return f"{name}: schema {schema!r}, but merge reads {wanted!r} reports only; {advice}"


def merge_bad_result(
    name: str, index: int, nodeid: str | None, key: str, expected: str, got: str | None
) -> str:
    """A result row of a report that lacks a key the reports read, or has one of the wrong type:
    ``minrow.json: results[0] ('x'): 'n' is missing (an integer)``. ``key`` is the key's path
    in the row (``thresholds[0].verdict``; empty for the row itself), ``got`` what it holds
    (``None``: missing)."""
    row = f"results[{index}]"
    if nodeid is not None:
        row += f" ('{_cut(printable(nodeid))}')"
    return f"{name}: {row}: {_problem(key, expected, got, 'the row')}"


def merge_bad_environment(name: str, key: str, expected: str, got: str | None) -> str:
    """A report's environment that is not an object, or holds a key of the wrong type."""
    where = f"environment.{key}" if key else ""
    return f"{name}: {_problem(where, expected, got, 'the environment')}"


def _problem(key: str, expected: str, got: str | None, whole: str) -> str:
    what = f"'{key}'" if key else whole
    if got is None:
        return f"{what} is missing ({expected})"
    return f"{what} must be {expected}, got {got}"


def shape_expected(kinds: list[str]) -> str:
    """``an integer``; ``a number or null``; ``"pass", "fail" or null``."""
    if len(kinds) == 1:
        return kinds[0]
    return f"{', '.join(kinds[:-1])} or {kinds[-1]}"


def shape_got(kind: str, shown: str) -> str:
    """What a report held where something else was expected: ``a string: "598"``."""
    return kind if kind == "null" else f"{kind}: {shown}"


def merge_given_twice(name: str, first: str) -> str:
    """``latency-sla merge`` given one file twice (by two names, or the same one)."""
    same = "" if name == first else f" (as {first})"
    return f"{name}: given twice{same}: each report is merged once"


def report_not_written(kind: str, target: object, why: str) -> str:
    """The line for a report that could not be written at the end of the session."""
    return f"ERROR: latency-sla: cannot write the {kind} report {target}: {why}"


def _cut(text: str, keep: int = 80) -> str:
    return shorten_middle(text, keep)


def same_output(first: str, second: str, path: str) -> str:
    """Two outputs of one run (or an output and the baseline read) given the same file."""
    return (
        f"{first} and {second} name the same file {path!r}: one would overwrite the other; give "
        "each its own file"
    )


def regression_without_baseline(source: str) -> str:
    return (
        f"{source}: --latency-regression is the slowdown allowed against a stored baseline, "
        "and no --latency-baseline=PATH (ini latency_baseline, LATENCY_SLA_BASELINE) is given: "
        "give the baseline to compare with, or remove the regression setting"
    )


def stored_percentile_not_positive(percentile: float, value_ns: int) -> str:
    """A stored baseline's percentile of 0 ns (a hand-edited file): no ratio to it is defined."""
    return (
        f"its p{percentile:g} is {value_ns} ns; a stored percentile must be positive (a ratio "
        "to 0 means nothing)"
    )


# After why the file at --latency-save is not a baseline: it is left alone.
SAVE_NOT_REPLACED = "; it is not replaced: remove it or save to another path"


def baseline_written(path: object, kept: int, other_machine: int) -> str:
    """``latency-sla: baseline written to base.json`` and what became of the entries the file
    held for tests not run now."""
    text = f"latency-sla: baseline written to {path}"
    if kept:
        text += f" ({plural(kept, 'measurement')} of tests not run now kept from the file)"
    if other_machine:
        text += (
            f" ({plural(other_machine, 'measurement')} of tests not run now dropped: the file was "
            "measured on another machine)"
        )
    return text
