"""An exception from a later call of the measured code propagates unchanged, and the report says
which call raised it and that the body or fn runs again and again with the same values."""

from __future__ import annotations

import pytest

BODY_NOTE = (
    "the exception above came from warm-up call 2 (un-timed), not the first call: with a "
    "latency_sla marker and no latency_sla fixture, the test body is the measured call: it runs "
    "again and again (warm-up, then timed calls) with the same fixture values*"
)


def test_a_marker_only_body_that_pops_from_a_fixture_list(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.fixture
        def queue():
            return [1, 2, 3, 4]

        @pytest.mark.latency_sla(ms=50)
        def test_pops(queue):
            assert len(queue) == 4
            queue.pop()
        """
    )
    result = pytester.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "E       assert 3 == 4",  # the original exception, unchanged
            "*- Captured latency-sla call -*",
            BODY_NOTE,
        ]
    )


@pytest.mark.parametrize(
    ("marker", "note"),
    [
        ("ms=50, warmup=10", "timed call 27, after 10 warm-up calls (call 37 in all), not the "
         "first call: latency_sla(fn, ...) calls fn again and again with the same arguments*"),
        ("ms=50, warmup=40", "warm-up call 37 (un-timed), not the first call: latency_sla(fn, "
         "...) calls fn*"),
        ("ms=50, warmup=10, rate=2000, max_time=1", "scheduled call 27, after 10 warm-up calls "
         "(call 37 in all)*"),
        ("ms=50, warmup=10, concurrency=2", "timed call 27, after 10 warm-up calls*"),
    ],
    ids=["timed", "warm-up", "under-load", "closed-loop-callers"],
)  # fmt: skip
def test_a_fixture_target_that_fails_on_its_37th_call(
    pytester: pytest.Pytester, marker: str, note: str
) -> None:
    pytester.makepyfile(
        f"""
        import itertools, pytest

        class Exhausted(Exception):
            pass

        calls = itertools.count(1)

        def fetch():
            if next(calls) == 37:
                raise Exhausted("connection pool exhausted")

        @pytest.mark.latency_sla({marker})
        def test_fetch(latency_sla):
            latency_sla(fetch)
        """
    )
    result = pytester.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        ["E       *Exhausted: connection pool exhausted", f"the exception above came from {note}"]
    )


@pytest.mark.slow
def test_the_call_is_named_from_an_isolated_child(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import itertools, pytest

        calls = itertools.count(1)

        def fetch():
            assert next(calls) < 5, "fifth call"

        @pytest.mark.latency_sla(ms=50, warmup=2, isolate=True)
        def test_fetch(latency_sla):
            latency_sla(fetch)
        """
    )
    result = pytester.runpytest_subprocess()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        ["*AssertionError: fifth call*", "*came from timed call 3, after 2 warm-up calls*"]
    )


def test_the_first_call_failing_gets_no_note(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.latency_sla(ms=50)
        def test_broken():
            raise ValueError("broken from the start")
        """
    )
    result = pytester.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["E       ValueError: broken from the start"])
    result.stdout.no_fnmatch_line("*latency-sla call*")


@pytest.mark.parametrize(
    ("marker", "failing", "note"),
    [
        ("ratio=2, percentile=50", "baseline", "the baseline's warm-up call 51 (un-timed), not "
         "its first call: latency_sla.compare(candidate, baseline, ...) calls each side again "
         "and again with the same arguments, so whatever one call changes the next call sees"),
        ("ratio=2, percentile=50, warmup=46", "candidate", "the candidate's timed call 5, "
         "after 46 warm-up calls (call 51 in all), not its first call: "
         "latency_sla.compare(candidate, baseline, ...) calls each side again*"),
        ("ratio=2, percentile=50, warmup=46", "baseline", "the baseline's timed call 5, after "
         "46 warm-up calls (call 51 in all), not its first call*"),
        ("ratio=2, percentile=50, warmup=46", "async-baseline", "the baseline's timed call 5, "
         "after 46 warm-up calls (call 51 in all)*"),
    ],
    ids=["baseline-warm-up", "candidate-timed", "baseline-timed", "async-baseline-timed"],
)  # fmt: skip
def test_a_compared_call_that_fails_on_its_51st_call_is_named_with_its_side(
    pytester: pytest.Pytester, marker: str, failing: str, note: str
) -> None:
    # the 5th pair comes before any look (10 pairs for a fail, 12 for a pass)
    pytester.makepyfile(
        f"""
        import itertools, pytest

        class Exhausted(Exception):
            pass

        calls = itertools.count(1)

        def fetch():
            if next(calls) == 51:
                raise Exhausted("connection pool exhausted")

        async def fetch_async():
            fetch()

        def other():
            pass

        async def other_async():
            pass

        FAILING = {failing!r}

        @pytest.mark.latency_sla({marker})
        def test_compare(latency_sla):
            if FAILING == "candidate":
                latency_sla.compare(fetch, other)
            elif FAILING == "baseline":
                latency_sla.compare(other, fetch)
            else:
                latency_sla.compare(other_async, fetch_async)
        """
    )
    result = pytester.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "E       *Exhausted: connection pool exhausted",
            "*- Captured latency-sla call -*",
            f"the exception above came from {note}",
        ]
    )
