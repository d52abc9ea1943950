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
        f"{MARKER}(*, s=|ms=|us=, percentile=99, overkill=1000, max_time=3.0, warmup=None, "
        "isolate=False, rate=None, arrivals='constant', concurrency=1): fail the test when the "
        "given percentile of per-call latency (under load with rate=) breaks the budget "
        "(decided with confidence bounds). See pytest-latency-sla's README.",
    )
    config.stash[settings_key] = read_settings(config)
    if not is_worker(config):  # the process that reports gathers every result
        collector = Collector(confidence=config.stash[settings_key].confidence)
        config.stash[collector_key] = collector
        config.pluginmanager.register(collector, _COLLECTOR)


def pytest_sessionstart(session: pytest.Session) -> None:
    config = session.config
    settings = config.stash[settings_key]
    wanted = settings.json or settings.md or settings.html
    if is_worker(config) or config.option.collectonly or settings.mode == "off" or not wanted:
        return
    from ._signals import TermHandler, term_handler_key

    handler = TermHandler(config)
    if handler.install():  # SIGTERM writes the reports of the tests finished so far
        config.stash[term_handler_key] = handler


def pytest_unconfigure(config: pytest.Config) -> None:
    _uninstall_term_handler(config)
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
    from contextlib import nullcontext

    from ._session import write_files
    from ._signals import term_handler_key
    from .collector import gather_unsent

    gather_unsent(session)
    handler = session.config.stash.get(term_handler_key, None)
    with handler.deferred() if handler is not None else nullcontext():
        written = write_files(session.config, session.exitstatus)
    _uninstall_term_handler(session.config)
    if not written and session.exitstatus == 0:
        # A report CI expects is lost: the run must not look green. Exit status 3, pytest's
        # code for something other than the tests going wrong: 1 would send the reader looking
        # for a failed test that is not there, and 4 (usage) was ruled out at start, when the
        # path was checked. A status that is already non-zero says more, and stays.
        session.exitstatus = pytest.ExitCode.INTERNAL_ERROR


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    if is_worker(config) or config.option.collectonly:
        return
    from ._session import print_summary

    print_summary(terminalreporter, config, exitstatus)


def _uninstall_term_handler(config: pytest.Config) -> None:
    from ._signals import term_handler_key

    handler = config.stash.get(term_handler_key, None)
    if handler is not None:
        handler.uninstall()
        del config.stash[term_handler_key]
