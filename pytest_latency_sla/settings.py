"""Session settings: command-line options, their ini twins and environment variables.

Precedence: marker argument > command line > environment variable (where one exists) > ini >
default. A bad value stops the session at start with a one-line ``pytest.UsageError``.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from .messages.common import REGRESSION_ALLOWED
from .plan import MAX_RATIO, MAX_SCALE, MAX_TIME_S, PERCENTILE_EDGE, Defaults
from .records import GcMode, Mode

__all__ = ["MARKER", "Settings", "add_options", "read_settings", "settings_key"]

MARKER = "latency_sla"  # the marker's and the fixture's name

MODES = ("enforce", "warn", "off")
GC_MODES = ("keep", "disable")


@dataclass(frozen=True)
class Option:
    name: str  # "max-time": --latency-max-time, ini latency_max_time
    help: str
    env: str | None = None
    flag: bool = False
    metavar: str | None = None

    @property
    def cli(self) -> str:
        return f"--latency-{self.name}"

    @property
    def ini(self) -> str:
        return "latency_" + self.name.replace("-", "_")


OPTIONS = (
    Option("mode", "enforce: a missed budget fails the test; warn: it emits LatencyMissWarning; "
           "off: call the target once, gate and report nothing (default: enforce)",
           env="LATENCY_SLA_MODE", metavar="enforce|warn|off"),
    Option("scale", "multiply every budget by F > 0, for a slower runner (default: 1)",
           env="LATENCY_SLA_SCALE", metavar="F"),
    Option("percentile", "percentile a budget bounds when the marker does not say (default: 99)",
           metavar="P"),
    Option("overkill", "warn when budget / measured percentile >= X; 0 turns it off "
           "(default: 1000)", metavar="X"),
    Option("confidence", "confidence of the bounds, 0.5 < C < 1 (default: 0.95)", metavar="C"),
    Option("max-time", "seconds of sampling after which a verdict is forced, warm-up not "
           "counted (default: 3)", metavar="S"),
    Option("gc", "keep: garbage collection stays on while sampling (as in production); "
           "disable: off while sampling (default: keep)", metavar="keep|disable"),
    Option("isolate", "measure every test in a forked child process, so a crash fails only "
           "that test", flag=True),
    Option("report", "print a latency table after the run", flag=True),
    Option("json", "write the latency report as JSON to PATH", metavar="PATH"),
    Option("md", "write the latency table as Markdown to PATH; 'github' appends it to "
           "$GITHUB_STEP_SUMMARY", metavar="PATH"),
    Option("html", "write a self-contained HTML report with a histogram per test to PATH",
           metavar="PATH"),
    Option("save", "after the run, write a baseline file (schema pytest-latency-sla-baseline/1) "
           "for a later --latency-baseline to PATH; a baseline already there keeps the entries "
           "of tests not run now (deselected with -k, run on another shard) if measured on the "
           "same machine, and every test run now replaces its entries", metavar="PATH"),
    Option("baseline", "compare every measured test with the baseline file at PATH "
           "(written by --latency-save): a confident regression beyond --latency-regression "
           "fails the test", env="LATENCY_SLA_BASELINE", metavar="PATH"),
    Option("regression", "allowed slowdown against --latency-baseline, a percentage "
           "such as 5% (default: 10%)", env="LATENCY_SLA_REGRESSION", metavar="PCT%"),
)  # fmt: skip


def add_options(parser: pytest.Parser) -> None:
    group = parser.getgroup("latency-sla", "latency SLAs (pytest-latency-sla)")
    for option in OPTIONS:
        text = option.help + (f"; env {option.env}" if option.env else "")
        cli_text = text.replace("%", "%%")  # argparse formats help strings with %
        if option.flag:
            group.addoption(option.cli, action="store_true", default=None, help=cli_text)
            parser.addini(option.ini, text, type="bool", default=False)
        else:
            group.addoption(option.cli, default=None, metavar=option.metavar, help=cli_text)
            parser.addini(option.ini, text, default="")


@dataclass(frozen=True)
class Settings:
    """Every setting of the session, from its winning source."""

    mode: Mode = "enforce"
    scale: float = 1.0
    percentile: float = 99.0
    overkill: float | None = 1000.0
    confidence: float = 0.95
    max_time: float = 3.0
    gc: GcMode = "keep"
    isolate: bool = False
    report: bool = False
    json: Path | None = None
    md: str | None = None
    html: Path | None = None
    save: Path | None = None
    baseline: Path | None = None
    regression: float = 0.10
    # where each setting given came from: "--latency-scale", "environment variable
    # LATENCY_SLA_SCALE", "ini latency_scale"
    sources: dict[str, str] = field(default_factory=dict, compare=False)

    @property
    def defaults(self) -> Defaults:
        return Defaults(
            percentile=self.percentile,
            overkill=self.overkill,
            max_time=self.max_time,
            isolate=self.isolate,
        )


def _raw(config: pytest.Config, option: Option) -> tuple[Any, str]:
    """The winning raw value and where it came from, or ``(None, "")``."""
    cli = config.getoption(option.cli)
    if cli is not None:
        return cli, option.cli
    if option.env and os.environ.get(option.env, "").strip():
        return os.environ[option.env].strip(), f"environment variable {option.env}"
    try:
        ini = config.getini(option.ini)
    except (ValueError, pytest.UsageError) as error:  # "invalid truth value 'x'" names no key
        raise pytest.UsageError(f"ini {option.ini}: expected true or false; {error}") from None
    if option.flag:
        return (True, f"ini {option.ini}") if ini else (None, "")
    if isinstance(ini, str) and ini.strip():
        return ini.strip(), f"ini {option.ini}"
    return None, ""


def _number(check: Callable[[float], bool], allowed: str) -> Callable[[Any, str], float]:
    def parse(raw: Any, source: str) -> float:
        try:
            value = float(raw)
        except (TypeError, ValueError):
            value = math.nan
        if math.isnan(value) or not check(value):
            raise pytest.UsageError(f"{source}: expected {allowed}, got {raw!r}")
        return value

    return parse


def _choice(choices: tuple[str, ...]) -> Callable[[Any, str], str]:
    def parse(raw: Any, source: str) -> str:
        value = str(raw).strip().lower()
        if value not in choices:
            raise pytest.UsageError(f"{source}: expected one of {', '.join(choices)}, got {raw!r}")
        return value

    return parse


def _overkill(raw: Any, source: str) -> float | None:
    value = _number(lambda v: v == 0 or (v > 1 and math.isfinite(v)), "0 (off) or a number > 1")(
        raw, source
    )
    return None if value == 0 else value


def _percentile(raw: Any, source: str) -> float:
    value = _PERCENTILE(raw, source)
    if value < 1:
        from .messages.common import percent_of

        raise pytest.UsageError(
            f"{source}: expected a percentile in percent (0 < p < 100), got {raw!r}; "
            f"did you mean {percent_of(value)}?"
        )
    return value


def _report_path(raw: Any, source: str, base: Path) -> Path:
    """An absolute path that the report rules (``reports.files``) accept; a missing directory
    is created now, so that a typo stops the session before any measurement rather than losing
    the report at the end."""
    from .reports.files import ReportPathError, check_target, report_path

    try:
        path = report_path(str(raw), base)
        check_target(path, create_dirs=True)
    except ReportPathError as error:
        raise pytest.UsageError(f"{source}: {error.message}") from None
    return path


def _baseline_path(raw: Any, source: str, base: Path) -> Path:
    """An existing, readable baseline file (its content is checked when it is loaded); the
    path read as report paths are (``reports.files.report_path``)."""
    from .reports.files import ReportPathError, report_path

    try:
        path = report_path(str(raw), base)
    except ReportPathError as error:  # worded for a file to write: this one is read
        reason = error.message.replace("cannot write", "cannot read", 1)
        raise pytest.UsageError(f"{source}: {reason}") from None
    if not path.exists():
        raise pytest.UsageError(
            f"{source}: no baseline file {str(path)!r} (write one with --latency-save=PATH)"
        )
    if not path.is_file():
        raise pytest.UsageError(f"{source}: {str(path)!r} is not a file")
    if not os.access(path, os.R_OK):
        raise pytest.UsageError(f"{source}: {str(path)!r} is not readable")
    return path


def _percentage(raw: Any, source: str) -> float:
    """``10%`` -> 0.10: a finite percentage >= 0, written with its ``%``."""
    text = str(raw).strip()
    try:
        value = float(text[:-1]) if text.endswith("%") else math.nan
    except ValueError:
        value = math.nan
    if not 0 <= value <= (MAX_RATIO - 1) * 100:
        raise pytest.UsageError(f"{source}: {REGRESSION_ALLOWED}, got {raw!r}")
    return value / 100.0


def _md_target(raw: Any, source: str, base: Path) -> str:
    if str(raw).strip() == "github":
        return "github"
    return str(_report_path(raw, source, base))


def _bounded(
    check: Callable[[float], bool], allowed: str, limit: Callable[[float], bool], within: str
) -> Callable[[Any, str], float]:
    """``_number`` with a second rule (``limit``), worded apart: what the value must be, then
    how far it may go."""
    parse = _number(check, allowed)

    def bounded(raw: Any, source: str) -> float:
        value = parse(raw, source)
        if not limit(value):
            raise pytest.UsageError(f"{source}: expected {allowed}, {within}, got {raw!r}")
        return value

    return bounded


_PERCENTILE = _bounded(
    lambda v: 0 < v < 100,
    "a number with 0 < p < 100",
    lambda v: PERCENTILE_EDGE <= v <= 100 - PERCENTILE_EDGE,
    f"at least {PERCENTILE_EDGE:g} from either end",
)
_PARSERS: dict[str, Callable[[Any, str], Any]] = {
    "mode": _choice(MODES),
    "scale": _bounded(
        lambda v: 0 < v < math.inf,
        "a finite number > 0",
        lambda v: v <= MAX_SCALE,
        f"at most {MAX_SCALE:g}",
    ),
    "percentile": lambda raw, source: _percentile(raw, source),
    "overkill": _overkill,
    "confidence": _number(lambda v: 0.5 < v < 1, "a number with 0.5 < c < 1"),
    "max-time": _bounded(
        lambda v: 0 < v < math.inf,
        "a finite number of seconds > 0",
        lambda v: v <= MAX_TIME_S,
        f"at most {MAX_TIME_S:,.0f} (a day)",
    ),
    "gc": _choice(GC_MODES),
    "isolate": lambda raw, source: bool(raw),
    "report": lambda raw, source: bool(raw),
    "regression": _percentage,
}
_PATH_PARSERS: dict[str, Callable[[Any, str, Path], Any]] = {
    "json": _report_path,
    "md": _md_target,
    "html": _report_path,
    "save": _report_path,
    "baseline": _baseline_path,
}


def read_settings(config: pytest.Config) -> Settings:
    """Every setting from its winning source. A relative report path is taken from where pytest
    was invoked (as ``--junitxml`` is), or from the rootdir when the ini file gives it (as
    ``cache_dir`` is), and made absolute now, so a test that changes directory cannot move it."""
    values: dict[str, Any] = {}
    sources: dict[str, str] = {}
    for option in OPTIONS:
        raw, source = _raw(config, option)
        if raw is None:
            continue
        key = option.name.replace("-", "_")
        sources[key] = source
        if option.name in _PATH_PARSERS:
            from_ini = source.startswith("ini ")
            base = config.rootpath if from_ini else Path(config.invocation_params.dir)
            values[key] = _PATH_PARSERS[option.name](raw, source, base)
        else:
            values[key] = _PARSERS[option.name](raw, source)
    _check_together(values, sources)
    return Settings(**values, sources=sources)


def _a_file(path: Path, *, read: bool) -> bool:
    """``path`` is (or, to be written, will be) a regular file, not a device or a stream."""
    if read:
        return path.is_file()
    from .reports.files import ReportPathError, check_target

    try:
        return check_target(path).kind == "file"
    except ReportPathError:  # already refused, with its reason, when the path was read
        return False


# The files a run writes: no two of them may be one file.
_OUTPUTS = ("json", "md", "html", "save")


def _check_together(values: dict[str, Any], sources: dict[str, str]) -> None:
    """What no single setting shows wrong: a regression given on the command line or in the
    environment with no baseline to regress from (in the ini file it is the project's setting
    for the runs that give a baseline, such as CI's), two outputs (or an output and the baseline read) that are one file after resolving
    links (a device such as /dev/null may take several)."""
    from .messages.files import regression_without_baseline, same_output

    given_here = not sources.get("regression", "ini ").startswith("ini ")
    if "regression" in values and "baseline" not in values and given_here:
        raise pytest.UsageError(regression_without_baseline(sources["regression"]))
    seen: dict[Path, str] = {}
    for key in (*_OUTPUTS, "baseline"):
        value = values.get(key)
        if value is None or value == "github":
            continue
        given = Path(value)
        if not _a_file(given, read=key == "baseline"):  # a device, this process's stdout
            continue
        path = given.resolve()
        earlier = seen.get(path)
        # the baseline read may be the one --latency-save replaces; a report never
        if earlier is not None and {earlier, key} != {"save", "baseline"}:
            raise pytest.UsageError(same_output(sources[earlier], sources[key], str(value)))
        seen.setdefault(path, key)


settings_key = pytest.StashKey[Settings]()
