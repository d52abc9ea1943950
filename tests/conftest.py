from __future__ import annotations

import numpy  # noqa: F401  (loaded once here: pytester's in-process runs cannot re-import it)
import pytest

INNER_INI = """
[pytest]
asyncio_default_fixture_loop_scope = function
addopts = -p no:randomly -p no:cacheprovider -p no:hypothesispytest
"""


@pytest.fixture
def pytester(pytester: pytest.Pytester) -> pytest.Pytester:
    """Inner runs get a fixed test order and no asyncio configuration warning."""
    pytester.makeini(INNER_INI)
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
