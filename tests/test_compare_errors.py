"""A side of ``latency_sla.compare`` that cannot be timed is named in a one-line failure, with
the fix in the form of a comparison, printed once (not chained to the error it words)."""

from __future__ import annotations

import pytest

from pytest_latency_sla.messages.common import shown_value
from pytest_latency_sla.messages.errors import generator_returned


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("latency_sla.compare(fast, lambda: (x for x in range(3)))",
         "*::test_bad: latency_sla.compare(...): baseline: test_bad.<locals>.<lambda> returned "
         "<generator object test_bad.<locals>.<lambda>.<locals>.<genexpr> at 0x*>: timing the "
         "call would time only the generator's creation, never its body; consume it inside the "
         "timed call: latency_sla.compare(candidate, lambda: list(fn()))"),
        ("latency_sla.compare(make, fast)",
         "*::test_bad: latency_sla.compare(...): candidate: make returned <generator object rows "
         "at 0x*>: *; consume it inside the timed call: latency_sla.compare(lambda: "
         "list(make()), baseline)"),
        ("latency_sla.compare(fast, rows)",
         "latency_sla.compare(...): baseline: rows is a generator function: *; consume it inside "
         "the timed call: latency_sla.compare(candidate, lambda: list(rows()))"),
        ("latency_sla.compare(stream, fast)",
         "latency_sla.compare(...): candidate: stream is an async generator function: *; consume "
         "it inside the timed call, in a coroutine: async def consume(): return ?item async for "
         "item in stream()?, then latency_sla.compare(consume, baseline)"),
        ("latency_sla.compare(fast, lambda: coro())",
         "*::test_bad: latency_sla.compare(...): baseline: 'test_bad.<locals>.<lambda>' is not an "
         "async def function but returned coroutine <coroutine object coro at 0x*>; pass an "
         "async def function so each timed call is awaited"),
    ],
    ids=["lambda-returns-generator", "candidate-returns-generator", "generator-function",
         "async-generator-function", "returns-coroutine"],
)  # fmt: skip
@pytest.mark.parametrize("warmup", ["", ", warmup=0"], ids=["warm-up", "first-pair"])
def test_a_side_that_cannot_be_timed_is_named_once(
    pytester: pytest.Pytester, body: str, message: str, warmup: str
) -> None:
    pytester.makepyfile(
        f"""
import pytest

def fast():
    return 1

def rows():
    yield 1

def make():
    return rows()

async def stream():
    yield 1

async def coro():
    return 1

@pytest.mark.latency_sla(ratio=2, percentile=50{warmup})
def test_bad(latency_sla):
    {body}
"""
    )
    result = pytester.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([message])
    text = result.stdout.str()
    assert "During handling" not in text and "Traceback" not in text
    assert text.count("latency_sla.compare(...): ") == 1  # once (the short summary is cut)


def test_a_long_repr_is_shortened_in_the_middle_never_cut_mid_token() -> None:
    class Wordy:
        def __repr__(self) -> str:
            return "<Wordy " + "abcdefghij" * 20 + " end>"

    shown = shown_value(Wordy())
    assert len(shown) == 100 and shown.startswith("<Wordy abc") and shown.endswith("ij end>")
    assert "..." in shown
    text = generator_returned(lambda: None, Wordy(), False, "baseline")
    assert f"returned {shown}: timing" in text
