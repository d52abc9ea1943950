from __future__ import annotations

import numpy  # noqa: F401  (loaded once here: pytester's in-process runs cannot re-import it)
import pytest

INNER_INI = """
[pytest]
asyncio_default_fixture_loop_scope = function
addopts = -p no:randomly -p no:cacheprovider -p no:hypothesispytest
"""


# A conftest for inner runs: ``scripted(durations)`` returns a call whose "latency" is read off
# the next scripted duration (ns) by a fake clock, so verdicts are exact, not timing-dependent,
# in process or in a subprocess (the clock is patched before any fork).
SCRIPTED_CONFTEST = """
import itertools
import pytest
from pytest_latency_sla import sampler

@pytest.fixture
def scripted(monkeypatch):
    clock = [10**9]
    monkeypatch.setattr(sampler, "_clock", lambda: clock[0])

    def make(durations):
        it = iter(durations)
        def call():
            clock[0] += int(next(it))
        return call
    return make
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


class FakeClock:
    """A ``perf_counter_ns`` stand-in: each measured call advances it by a scripted duration."""

    def __init__(self) -> None:
        self.now = 1_000_000_000

    def __call__(self) -> int:
        return self.now

    def advance(self, ns: int) -> None:
        self.now += int(ns)


@pytest.fixture
def fake_clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    from pytest_latency_sla import sampler

    clock = FakeClock()
    monkeypatch.setattr(sampler, "_clock", clock)
    return clock
