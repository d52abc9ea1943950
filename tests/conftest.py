from __future__ import annotations

from collections.abc import Iterator

import numpy  # noqa: F401  (loaded once here: pytester's in-process runs cannot re-import it)
import pytest

from pytest_latency_sla.engine.clock import ScriptedClock


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
