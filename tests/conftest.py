from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy  # noqa: F401  (loaded once here: pytester's in-process runs cannot re-import it)
import pytest

import pytest_latency_sla
from pytest_latency_sla.engine.clock import ScriptedClock

# pytester's in-process runs forget every module first imported inside them, so a measuring
# module that loads on first use would be imported, and its asserts rewritten, again by every
# inner run: the whole package is imported once here instead.
for _module in pkgutil.walk_packages(pytest_latency_sla.__path__, "pytest_latency_sla."):
    importlib.import_module(_module.name)


def _asyncio_loop_scope() -> str:
    """pytest-asyncio 0.24+ asks every project to pick a loop scope; older ones do not know the
    option and warn about it."""
    from importlib.metadata import version

    major, minor = (int(part) for part in version("pytest-asyncio").split(".")[:2])
    return "asyncio_default_fixture_loop_scope = function\n" if (major, minor) >= (0, 24) else ""


INNER_INI = f"""
[pytest]
{_asyncio_loop_scope()}addopts = -p no:randomly -p no:cacheprovider -p no:hypothesispytest
"""


# A conftest for inner runs: ``scripted(durations)`` returns a call whose "latency" is read off
# the next scripted duration (ns) by the suite's one scripted clock, so verdicts are exact, not
# timing-dependent, in process or in a subprocess (the clock is installed before any fork).
SCRIPTED_CONFTEST = """
import pytest
from pytest_latency_sla.engine.clock import ScriptedClock

@pytest.fixture
def scripted():
    clock = ScriptedClock()
    with clock.installed():
        yield clock.calls
"""


# What a test must not take from however the suite was started: the plugin's own variables, the
# GitHub step summary, CI detection (pytest stops shortening lines under CI), and settings meant
# for the outer pytest that inner runs would inherit (pytester drops PYTEST_ADDOPTS itself, not
# the others; PYTHONWARNINGS=error would turn an inner subprocess's expected warnings into errors).
NOT_INHERITED = (
    "LATENCY_SLA_MODE",
    "LATENCY_SLA_SCALE",
    "GITHUB_STEP_SUMMARY",
    "CI",
    "BUILD_NUMBER",
    "PYTEST_ADDOPTS",
    "PYTEST_PLUGINS",
    "PYTEST_TIMEOUT",
    "PYTHONWARNINGS",
)


@pytest.fixture(autouse=True)
def started_plainly(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test sees the environment of a plain start: none of ``NOT_INHERITED``, and an
    80-column terminal (pytest's fallback width; inner runs would otherwise take the width of
    the terminal the suite was started in, and wrap or shorten lines by it)."""
    for name in NOT_INHERITED:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("COLUMNS", "80")


@pytest.fixture
def pytester(pytester: pytest.Pytester) -> pytest.Pytester:
    """Inner runs get a fixed test order and no asyncio configuration warning."""
    pytester.makeini(INNER_INI)
    return pytester


@pytest.fixture
def scripted_pytester(pytester: pytest.Pytester) -> pytest.Pytester:
    """``pytester`` whose inner runs have the ``scripted`` fixture of ``SCRIPTED_CONFTEST``."""
    pytester.makeconftest(SCRIPTED_CONFTEST)
    return pytester


@pytest.fixture
def scripted_clock() -> Iterator[ScriptedClock]:
    """The suite's one scripted clock, installed as the clock of every measurement."""
    clock = ScriptedClock()
    with clock.installed():
        yield clock


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """A headless Chromium (Playwright ``Browser``) shared by one module's browser tests; they
    skip, saying why, where no Chromium can be had (``tests/browser.py``). Module-scoped, not
    session-scoped: while Playwright's sync API is alive, its event loop counts as running in
    this thread, and a later test that runs a loop of its own would fail."""
    from tests.browser import launched, unavailable

    why = unavailable()
    if why is not None:
        pytest.skip(why)
    with launched() as found:
        yield found


@pytest.fixture(scope="session")
def every_kind_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The JSON report of real runs of a suite with every kind of row (``tests/report_kinds.py``);
    its Markdown and HTML lie beside it."""
    from tests.report_kinds import build

    return build(tmp_path_factory.mktemp("every-kind"))
