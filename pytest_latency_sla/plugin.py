"""pytest hooks of pytest-latency-sla; each one hands over to the module that does the work.

Data flow: marker -> plan (``markers``, ``_item``) -> samples (``engine``) -> verdict
(``verdict``) -> report (``collector``, ``_session``, ``reports``).
"""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING, Any

import pytest

from ._item import MARKER, measure_test_body, nothing_measured, setup_plan
from .collector import Collector, attach_results, collector_key, is_worker

# The one clock is bound now, before any test or conftest can patch time (see ``engine.clock``).
from .engine import clock as _clock  # noqa: F401
from .settings import add_options, read_settings, settings_key

if TYPE_CHECKING:
    from .fixture import LatencySLA

_COLLECTOR = "latency_sla_collector"


def pytest_addhooks(pluginmanager: pytest.PytestPluginManager) -> None:
    from . import hookspecs

    pluginmanager.add_hookspecs(hookspecs)


def pytest_addoption(parser: pytest.Parser) -> None:
    add_options(parser)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{MARKER}(*, s=|ms=|us=|ratio=, percentile=99, overkill=1000, max_time=3.0, "
        "warmup=None, isolate=False, rate=None, arrivals='constant', concurrency=1): fail the "
        "test when the given percentile of per-call latency (under load with rate=) breaks the "
        "budget, or with ratio= when latency_sla.compare(candidate, baseline) finds the "
        "candidate's above ratio x the baseline's (decided with confidence bounds). See "
        "pytest-latency-sla's README.",
    )
    settings = config.stash[settings_key] = read_settings(config)
    if settings.baseline is not None:
        from ._baseline import configure

        configure(config, settings)
    if not is_worker(config):  # the process that reports gathers every result
        collector = config.stash[collector_key] = Collector()
        config.pluginmanager.register(collector, _COLLECTOR)


def pytest_unconfigure(config: pytest.Config) -> None:
    collector = config.stash.get(collector_key, None)
    if collector is not None:
        del config.stash[collector_key]
        config.pluginmanager.unregister(collector)


@pytest.fixture
def latency_sla(request: pytest.FixtureRequest) -> LatencySLA:
    """Time a callable call by call against the test's ``latency_sla`` budgets:
    ``latency_sla(fn, *args, **kwargs)``, or ``latency_sla.measure(fn)`` with no budget."""
    from .fixture import LatencySLA

    return LatencySLA(request.node)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    message = setup_plan(item)
    if message is not None:
        pytest.fail(message, pytrace=False)


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> bool | None:
    """Marker-only use: the test body itself is the measured call."""
    return measure_test_body(pyfuncitem) or None


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, None, None]:
    result = yield
    unmeasured = nothing_measured(item)
    if unmeasured is not None:
        pytest.fail(unmeasured, pytrace=False)
    return result


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    attach_results(item, report)
    return report


def pytest_sessionfinish(session: pytest.Session) -> None:
    # --collect-only measures nothing: keep the last real report instead of an empty one
    if is_worker(session.config) or session.config.option.collectonly:
        return
    from ._session import write_files

    write_files(session.config)


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    if is_worker(config) or config.option.collectonly:
        return
    from ._session import print_summary

    print_summary(terminalreporter, config)
