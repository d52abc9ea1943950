"""pytest hooks of pytest-latency-sla; each one hands over to the module that does the work.

Data flow: marker -> plan (``markers``, ``_item``) -> samples (``engine``) -> verdict
(``verdict``) -> report (``collector``, ``_session``, ``reports``).

The hooks that run for every test are on ``MeasuredTests``, registered only in a session that
collected a test using the ``latency_sla`` marker or fixture: a suite that never measures pays
for no per-test hook, and loading this module loads only the options and the clock.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING, Any

import pytest

from .collector import Collector, collector_key, is_worker

# The one clock is bound now, before any test or conftest can patch time (see ``engine.clock``).
from .engine import clock as _clock  # noqa: F401
from .settings import MARKER, add_options, read_settings, settings_key

if TYPE_CHECKING:
    from .fixture import LatencySLA

_COLLECTOR = "latency_sla_collector"
_MEASURED_TESTS = "latency_sla_measured_tests"
_PYTEST_HTML = "latency_sla_pytest_html"


def pytest_addhooks(pluginmanager: pytest.PytestPluginManager) -> None:
    from . import hookspecs

    pluginmanager.add_hookspecs(hookspecs)


def pytest_addoption(parser: pytest.Parser) -> None:
    add_options(parser)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{MARKER}(*, s=|ms=|us=|ratio=, percentile=99, overkill=1000, max_time=3.0, "
        "warmup=None, isolate=False, rate=None, arrivals='constant', concurrency=1, "
        "min_rate=None, capacity_time=30): fail the test when the given percentile of "
        "per-call latency (under load with rate=) breaks the budget, or with ratio= when "
        "latency_sla.compare(candidate, baseline) finds the candidate's above ratio x the "
        "baseline's (decided with confidence bounds); with latency_sla.capacity, search the "
        "highest rate that holds the budget (min_rate= gates that rate). See "
        "pytest-latency-sla's README.",
    )
    settings = config.stash[settings_key] = read_settings(config)
    if settings.baseline is not None or settings.save is not None:
        from ._baseline import configure

        configure(config, settings)
    if not is_worker(config):  # the process that reports gathers every result
        config.stash[collector_key] = Collector(confidence=config.stash[settings_key].confidence)
        if getattr(config.option, "dist", "no") != "no":  # an xdist controller: workers measure
            config.pluginmanager.register(config.stash[collector_key], _COLLECTOR)
        if config.pluginmanager.hasplugin("html") and getattr(config.option, "htmlpath", None):
            from ._pytest_html import PytestHtmlRows  # pytest-html writes a report

            config.pluginmanager.register(PytestHtmlRows(), _PYTEST_HTML)


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
    for name in (_MEASURED_TESTS, _COLLECTOR, _PYTEST_HTML):
        plugin = config.pluginmanager.get_plugin(name)
        if plugin is not None:
            config.pluginmanager.unregister(plugin)
    if collector_key in config.stash:
        del config.stash[collector_key]


def pytest_collection_finish(session: pytest.Session) -> None:
    if _any_measured(session.items):
        measure_tests(session.config)
        collector = session.config.stash.get(collector_key, None)
        if collector is not None:  # the report's order (under xdist: see ``Collector``)
            collector.order_by(item.nodeid for item in session.items)


def _any_measured(items: list[pytest.Item]) -> bool:
    """Whether a collected test requests the fixture or carries the marker (its own, or its
    class's or module's: what ``get_closest_marker`` finds). Each parent node is looked at once,
    not once per test under it: this runs in every suite that has the plugin installed."""
    marked: dict[int, bool] = {}

    def has_marker(node: pytest.Item | pytest.Collector) -> bool:
        found = marked.get(id(node))
        if found is None:
            found = any(mark.name == MARKER for mark in node.own_markers) or (
                node.parent is not None and has_marker(node.parent)
            )
            marked[id(node)] = found
        return found

    return any(MARKER in getattr(item, "fixturenames", ()) or has_marker(item) for item in items)


def measure_tests(config: pytest.Config) -> None:
    """Register the per-test hooks (and, on the process that reports, the collector)."""
    manager = config.pluginmanager
    if manager.get_plugin(_MEASURED_TESTS) is not None:
        return
    manager.register(MeasuredTests(), _MEASURED_TESTS)
    collector = config.stash.get(collector_key, None)
    if collector is not None and manager.get_plugin(_COLLECTOR) is None:
        manager.register(collector, _COLLECTOR)


@pytest.fixture
def latency_sla(request: pytest.FixtureRequest) -> LatencySLA:
    """Time a callable call by call against the test's ``latency_sla`` budgets:
    ``latency_sla(fn, *args, **kwargs)``, or ``latency_sla.measure(fn)`` with no budget."""
    from .fixture import LatencySLA

    measure_tests(request.config)  # also for a fixture requested with getfixturevalue
    return LatencySLA(request.node)


class MeasuredTests:
    """The per-test hooks, for a session that measures."""

    def __init__(self) -> None:
        # ``from .module import name`` (not ``from . import module``): it goes through
        # sys.modules, which pytester's in-process runs reset between runs
        from ._item import capacity_unsearched, measure_test_body, nothing_measured, setup_plan
        from .collector import attach_results

        self._setup_plan = setup_plan
        self._measure_test_body = measure_test_body
        self._nothing_measured = nothing_measured
        self._capacity_unsearched = capacity_unsearched
        self._attach_results = attach_results

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_setup(self, item: pytest.Item) -> None:
        message = self._setup_plan(item)
        if message is not None:
            pytest.fail(message, pytrace=False)

    @pytest.hookimpl(tryfirst=True)
    def pytest_pyfunc_call(self, pyfuncitem: pytest.Function) -> bool | None:
        """Marker-only use: the test body itself is the measured call."""
        return self._measure_test_body(pyfuncitem) or None

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_call(self, item: pytest.Item) -> Generator[None, None, None]:
        result = yield
        unmeasured = self._nothing_measured(item) or self._capacity_unsearched(item)
        if unmeasured is not None:
            pytest.fail(unmeasured, pytrace=False)
        return result

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(
        self, item: pytest.Item, call: pytest.CallInfo[None]
    ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
        report = yield
        self._attach_results(item, report)
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
