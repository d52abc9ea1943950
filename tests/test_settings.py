"""Session settings: every CLI option, its ini twin and environment variable, their precedence
(marker > CLI > environment > ini > default) and the one-line usage errors for bad values."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from pytest_latency_sla.settings import Settings, settings_key

from .conftest import INNER_INI, SCRIPTED_CONFTEST


def _settings(pytester: pytest.Pytester, *args: str, ini: str = "") -> Settings:
    pytester.makeini(INNER_INI + ini)
    config = pytester.parseconfigure(*args)
    return config.stash[settings_key]


# option, its environment variable (or None), the ini / env / CLI values, and what each parses to
LAYERS: list[tuple[str, str | None, tuple[str, str, str], tuple[Any, Any, Any]]] = [
    ("mode", "LATENCY_SLA_MODE", ("off", "warn", "enforce"), ("off", "warn", "enforce")),
    ("scale", "LATENCY_SLA_SCALE", ("1.5", "2", "3"), (1.5, 2.0, 3.0)),
    ("percentile", None, ("90", "", "95"), (90.0, None, 95.0)),
    ("overkill", None, ("50", "", "0"), (50.0, None, None)),
    ("confidence", None, ("0.9", "", "0.99"), (0.9, None, 0.99)),
    ("max-time", None, ("2", "", "0.5"), (2.0, None, 0.5)),
    ("gc", None, ("disable", "", "keep"), ("disable", None, "keep")),
]


@pytest.mark.parametrize(("name", "env", "raw", "parsed"), LAYERS, ids=[x[0] for x in LAYERS])
def test_each_layer_overrides_the_one_below(
    pytester: pytest.Pytester,
    monkeypatch: pytest.MonkeyPatch,
    name: str,
    env: str | None,
    raw: tuple[str, str, str],
    parsed: tuple[Any, Any, Any],
) -> None:
    attr = name.replace("-", "_")
    ini_line = f"latency_{attr} = {raw[0]}\n"
    default = getattr(Settings(), attr)
    assert getattr(_settings(pytester), attr) == default
    assert getattr(_settings(pytester, ini=ini_line), attr) == parsed[0] != default
    if env is not None:
        monkeypatch.setenv(env, raw[1])
        assert getattr(_settings(pytester, ini=ini_line), attr) == parsed[1]
        assert parsed[1] != parsed[0]
    cli = f"--latency-{name}={raw[2]}"
    assert getattr(_settings(pytester, cli, ini=ini_line), attr) == parsed[2]
    assert parsed[2] != (parsed[1] if env is not None else parsed[0])


def test_flags_and_paths_come_from_cli_or_ini(pytester: pytest.Pytester) -> None:
    assert _settings(pytester).isolate is False
    assert _settings(pytester, ini="latency_isolate = true\n").isolate is True
    assert _settings(pytester, "--latency-isolate").isolate is True
    assert _settings(pytester, ini="latency_report = true\n").report is True
    assert _settings(pytester, "--latency-report").report is True
    ini = "latency_json = from_ini.json\nlatency_md = github\nlatency_html = h/r.html\n"
    settings = _settings(pytester, ini=ini)
    assert settings.json == pytester.path / "from_ini.json"
    assert settings.md == "github"
    assert settings.html == pytester.path / "h" / "r.html"
    assert (pytester.path / "h").is_dir(), "a report path's missing directory is created"
    settings = _settings(pytester, "--latency-json=cli.json", "--latency-md=out/r.md", ini=ini)
    assert settings.json == pytester.path / "cli.json"
    assert settings.md == str(pytester.path / "out" / "r.md")


def test_empty_environment_variable_falls_through_to_ini(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LATENCY_SLA_SCALE", "  ")
    assert _settings(pytester, ini="latency_scale = 4\n").scale == 4.0


# Beside ``scripted``, inner runs get a ``plan`` fixture: what the test's markers resolved to.
PLAN_FIXTURE = """
from pytest_latency_sla._item import item_state_key

@pytest.fixture
def plan(request):
    return request.node.stash[item_state_key].plan
"""


@pytest.fixture
def inner(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makeconftest(SCRIPTED_CONFTEST + PLAN_FIXTURE)
    return pytester


def test_marker_arguments_beat_cli_options(inner: pytest.Pytester) -> None:
    inner.makepyfile(
        """
        import itertools, pytest

        @pytest.mark.latency_sla(ms=50)
        def test_cli(plan, latency_sla, scripted):
            assert plan.max_time == 0.5 and plan.isolate is True
            (t,) = plan.thresholds
            assert (t.percentile, t.overkill) == (90.0, 2.0)

        @pytest.mark.latency_sla(ms=50, percentile=50, overkill=None, max_time=2, isolate=False)
        def test_marker(plan, latency_sla, scripted):
            assert plan.max_time == 2.0 and plan.isolate is False
            (t,) = plan.thresholds
            assert (t.percentile, t.overkill) == (50.0, None)
            r = latency_sla(scripted(itertools.repeat(1_000_000)))
            assert r.confidence == 0.99 and r.thresholds[0].percentile == 50.0
        """
    )
    result = inner.runpytest(
        "--latency-percentile=90",
        "--latency-overkill=2",
        "--latency-max-time=0.5",
        "--latency-isolate",
        "--latency-confidence=0.99",
    )
    # test_cli never calls the fixture: it fails for that (proof the plan was checked first)
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*test_cli*nothing was measured*"])


def test_cli_defaults_take_effect_in_a_measurement(inner: pytest.Pytester) -> None:
    inner.makepyfile(
        """
        import itertools, pytest

        @pytest.mark.latency_sla(ms=50)
        def test_defaults(latency_sla, scripted):
            r = latency_sla(scripted(itertools.repeat(10_000_000)))
            (t,) = r.thresholds
            assert t.percentile == 90.0 and r.confidence == 0.99 and t.overkill
        """
    )
    result = inner.runpytest(
        "--latency-percentile=90", "--latency-confidence=0.99", "--latency-overkill=2"
    )
    result.assert_outcomes(passed=1, warnings=1)
    result.stdout.fnmatch_lines(["*LatencyOverkillWarning: p90 = 10.0 ms is 5.0x under the 50 ms*"])


BAD_VALUES = [
    (("--latency-mode=fast",), {}, "--latency-mode: expected one of enforce, warn, off, got 'fast'"),
    ((), {"LATENCY_SLA_MODE": "loud"}, "environment variable LATENCY_SLA_MODE: expected one of*"),
    (("--latency-scale=0",), {}, "--latency-scale: expected a finite number > 0, got '0'"),
    (("--latency-scale=-1",), {}, "--latency-scale: expected a finite number > 0, got '-1'"),
    (("--latency-scale=nan",), {}, "--latency-scale: expected a finite number > 0, got 'nan'"),
    (("--latency-scale=inf",), {}, "--latency-scale: expected a finite number > 0, got 'inf'"),
    (("--latency-scale=fast",), {}, "--latency-scale: expected a finite number > 0, got 'fast'"),
    ((), {"LATENCY_SLA_SCALE": "0"}, "environment variable LATENCY_SLA_SCALE: expected a finite*"),
    (("--latency-percentile=100",), {}, "--latency-percentile: expected a number with 0 < p < 100*"),
    (("--latency-percentile=0",), {}, "--latency-percentile: expected a number with 0 < p < 100*"),
    (("--latency-confidence=1",), {}, "--latency-confidence: expected a number with 0.5 < c < 1*"),
    (("--latency-confidence=0.5",), {}, "--latency-confidence: expected a number with 0.5 < c < 1*"),
    (("--latency-overkill=1",), {}, "--latency-overkill: expected 0 (off) or a number > 1, got '1'"),
    (("--latency-max-time=0",), {}, "--latency-max-time: expected a finite number of seconds > 0*"),
    (("--latency-gc=off",), {}, "--latency-gc: expected one of keep, disable, got 'off'"),
]  # fmt: skip


def _assert_usage_error_before_any_test(result: pytest.RunResult, pattern: str) -> None:
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    errors = [line for line in result.stderr.lines if line.strip()]
    assert len(errors) == 1, errors
    result.stderr.fnmatch_lines([f"ERROR: {pattern}"])
    assert "Traceback" not in result.stderr.str() + result.stdout.str()


@pytest.fixture
def tripwire(pytester: pytest.Pytester) -> Path:
    """A latency test that leaves a file behind if it ever runs."""
    flag = pytester.path / "measured"
    pytester.makepyfile(
        f"""
        import pytest

        @pytest.mark.latency_sla(ms=50)
        def test_measured(latency_sla):
            open({str(flag)!r}, "w").close()
            latency_sla(lambda: None)
        """
    )
    return flag


@pytest.mark.parametrize(("args", "env", "pattern"), BAD_VALUES)
def test_bad_value_is_a_one_line_usage_error_before_measuring(
    pytester: pytest.Pytester,
    monkeypatch: pytest.MonkeyPatch,
    tripwire: Path,
    args: tuple[str, ...],
    env: dict[str, str],
    pattern: str,
) -> None:
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    result = pytester.runpytest(*args)
    _assert_usage_error_before_any_test(result, pattern)
    assert not tripwire.exists()


def test_bad_ini_value_names_the_ini_key(pytester: pytest.Pytester, tripwire: Path) -> None:
    pytester.makeini(INNER_INI + "latency_scale = -2\n")
    result = pytester.runpytest()
    _assert_usage_error_before_any_test(
        result, "ini latency_scale: expected a finite number > 0, got '-2'"
    )
    assert not tripwire.exists()


@pytest.mark.parametrize("option", ["json", "md", "html"])
def test_directory_as_report_path_is_a_usage_error(
    pytester: pytest.Pytester, tripwire: Path, option: str
) -> None:
    (pytester.path / "reports").mkdir()
    result = pytester.runpytest(f"--latency-{option}=reports")
    _assert_usage_error_before_any_test(
        result, f"--latency-{option}: '*reports' is a directory; give a file path"
    )
    assert not tripwire.exists()


@pytest.mark.parametrize("option", ["json", "md", "html"])
def test_unwritable_report_path_is_a_usage_error(
    pytester: pytest.Pytester, tripwire: Path, option: str
) -> None:
    # A regular file where a directory should be: no user, not even root, can write below it.
    (pytester.path / "blocker").write_text("")
    result = pytester.runpytest(f"--latency-{option}=blocker/report.out")
    _assert_usage_error_before_any_test(
        result,
        f"--latency-{option}: cannot write '*blocker/report.out': '*blocker' is a file, not a directory",
    )
    assert not tripwire.exists()


def test_missing_report_directory_is_created(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.latency_sla(s=1, overkill=None)
        def test_ok(latency_sla):
            latency_sla(lambda: None)
        """
    )
    result = pytester.runpytest("--latency-json=a/b/c/r.json", "--latency-html=d/r.html")
    result.assert_outcomes(passed=1)
    assert (pytester.path / "a/b/c/r.json").is_file()
    assert (pytester.path / "d/r.html").is_file()
    assert not [p for p in (pytester.path / "a/b/c").iterdir() if p.name != "r.json"]


def test_defaults_match_the_spec() -> None:
    s = Settings()
    assert (s.mode, s.scale, s.percentile, s.overkill, s.confidence, s.max_time) == (
        "enforce",
        1.0,
        99.0,
        1000.0,
        0.95,
        3.0,
    )
    assert (s.isolate, s.report, s.json, s.md, s.html) == (False, False, None, None, None)


def test_relative_paths_ini_from_rootdir_cli_from_invocation_dir(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester.makeini(INNER_INI + "latency_json = reports/r.json\n")
    sub = pytester.mkdir("sub")
    monkeypatch.chdir(sub)
    assert pytester.parseconfigure().stash[settings_key].json == pytester.path / "reports/r.json"
    config = pytester.parseconfigure("--latency-html=r.html", "--latency-json=r.json")
    assert config.stash[settings_key].json == sub / "r.json"
    assert config.stash[settings_key].html == sub / "r.html"


@pytest.mark.skipif(not Path("/sys/kernel").is_dir(), reason="needs Linux sysfs")
def test_directory_nobody_can_write_in_is_a_usage_error(
    pytester: pytest.Pytester, tripwire: Path
) -> None:
    # sysfs refuses new files even to root: os.access() would say yes, the write probe says no
    result = pytester.runpytest("--latency-json=/sys/latency.json")
    _assert_usage_error_before_any_test(
        result, "--latency-json: cannot write '/sys/latency.json': Permission denied"
    )
    assert not tripwire.exists()
