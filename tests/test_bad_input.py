"""Every kind of bad input, one row each: the user sees a message naming what was given and
what is allowed; no INTERNALERROR and no traceback into plugin code; every other test still
runs; the JSON report is still written with every finished measurement.

Test-level mistakes (markers, fixture misuse, model paths) error or fail only that test.
Session-level mistakes (CLI, ini, environment, report paths) stop the session at start with a
one-line usage error, before any test runs.
"""

from __future__ import annotations

import json
import textwrap
from dataclasses import dataclass, field

import onnxruntime  # noqa: F401  (loaded once here: in-process pytester runs cannot re-import it)
import pytest

from tests.conftest import INNER_INI, SCRIPTED_CONFTEST

# Runs before and after the bad test: both must run and be reported.
HEALTHY = """
import asyncio, itertools, pathlib, pytest

@pytest.mark.latency_sla(ms=50, overkill=None)
def test_a_healthy(latency_sla, scripted):
    assert latency_sla(scripted(itertools.repeat(7100))).passed

{bad}

@pytest.mark.latency_sla(ms=50, overkill=None)
def test_z_healthy(latency_sla, scripted):
    assert latency_sla(scripted(itertools.repeat(7100))).passed
"""


@dataclass(frozen=True)
class Case:
    id: str
    message: str  # fnmatch pattern of the line the user sees
    bad: str = ""  # source of the bad test(s), between the healthy ones
    args: tuple[str, ...] = ()
    ini: str = ""
    env: dict[str, str] = field(default_factory=dict)
    outcome: str = "errors"  # of the bad test: errors / failed / passed, or "usage" (session stops)
    measured: int = 0  # finished measurements of the bad test that the JSON report must hold
    conftest: str = ""  # added to the inner conftest


def marker(kwargs: str, message: str, id: str) -> Case:
    bad = f"""
@pytest.mark.latency_sla({kwargs})
def test_bad():
    pass
"""
    return Case(id, f"*::test_bad: {message}", bad)


def fixture(body: str, message: str, id: str, outcome: str = "failed", measured: int = 0) -> Case:
    bad = "def test_bad(latency_sla, scripted, tmp_path):\n" + textwrap.indent(
        textwrap.dedent(body), "    "
    )
    return Case(id, message, bad, outcome=outcome, measured=measured)


def usage(message: str, id: str, *args: str, ini: str = "", **env: str) -> Case:
    return Case(id, f"ERROR: {message}", args=args, ini=ini, env=env, outcome="usage")


AWAITABLE = "*is not an async def function but returned coroutine *; pass an async def function*"

CASES = [
    # --- marker arguments -------------------------------------------------------------------
    marker("50", "latency_sla takes keyword arguments only; got positional 50 (did you mean "
           "ms=50?)", "positional"),
    marker("", "latency_sla needs exactly one budget, s=, ms= or us= (e.g. latency_sla(ms=50)),"
           " or a ratio= for latency_sla.compare; got none", "no-unit"),
    marker("ms=50, us=10", "latency_sla needs exactly one budget*got ms=50, us=10", "two-units"),
    marker("ms=0", "latency_sla(ms=0): the budget must be a positive finite int or float", "zero"),
    marker("ms=-5", "latency_sla(ms=-5): the budget must be a positive finite*", "negative"),
    marker("ms=float('nan')", "latency_sla(ms=nan): the budget must be a positive finite*", "nan"),
    marker("s=float('inf')", "latency_sla(s=inf): the budget must be a positive finite*", "inf"),
    marker("ms=True", "latency_sla(ms=True): the budget must be a positive finite*", "bool"),
    marker("ms='50'", "latency_sla(ms='50'): the budget must be a positive finite*", "string"),
    marker("ms=None", "latency_sla(ms=None): the budget must be a positive finite*", "none"),
    marker("ms=10**400", "latency_sla(ms=1000000*...): the budget must be a positive finite*",
           "huge-int"),
    marker("us=1e-320", "latency_sla(us=1e-320): the budget must be a positive finite*",
           "underflows-to-zero"),
    marker("msec=50", "unknown latency_sla argument msec=50 (did you mean ms?); allowed: s, ms,*",
           "unknown-name"),
    marker("ms=5, percentil=99", "unknown latency_sla argument percentil=99 (did you mean "
           "percentile?)*", "typo"),
    marker("ms=5, percentile=0", "latency_sla(percentile=0): percentile must be a number with "
           "0 < p < 100", "percentile-0"),
    marker("ms=5, percentile=100", "latency_sla(percentile=100): percentile must be*",
           "percentile-100"),
    marker("ms=5, percentile=0.99", "latency_sla(percentile=0.99): percentile is in percent "
           "(0 < p < 100); did you mean percentile=99?", "percentile-fraction"),
    marker("ms=5, percentile=0.999", "latency_sla(percentile=0.999): percentile is in percent "
           "(0 < p < 100); did you mean percentile=99.9?", "percentile-fraction-p999"),
    marker("ms=5, percentile=0.5", "latency_sla(percentile=0.5): percentile is in percent "
           "(0 < p < 100); did you mean percentile=50?", "percentile-fraction-median"),
    marker("ms=5, percentile=True", "latency_sla(percentile=True): percentile must be*",
           "percentile-bool"),
    marker("ms=5, percentile='99'", "latency_sla(percentile='99'): percentile must be*",
           "percentile-string"),
    marker("ms=5, percentile=float('nan')", "latency_sla(percentile=nan): percentile must be*",
           "percentile-nan"),
    marker("ms=5, overkill=1", "latency_sla(overkill=1): overkill must be a finite number > 1, "
           "or None or 0 for off", "overkill-1"),
    marker("ms=5, overkill=-3", "latency_sla(overkill=-3): overkill must be*", "overkill-neg"),
    marker("ms=5, overkill='high'", "latency_sla(overkill='high'): overkill must be*",
           "overkill-string"),
    marker("ms=5, overkill=float('inf')", "latency_sla(overkill=inf): overkill must be*",
           "overkill-inf"),
    marker("ms=5, max_time=0", "latency_sla(max_time=0): max_time must be a positive finite "
           "number of seconds", "max-time-0"),
    marker("ms=5, max_time=float('inf')", "latency_sla(max_time=inf): max_time must be*",
           "max-time-inf"),
    marker("ms=5, max_time='3'", "latency_sla(max_time='3'): max_time must be*",
           "max-time-string"),
    marker("ms=5, warmup=-1", "latency_sla(warmup=-1): warmup must be an int >= 0 (number of "
           "un-timed calls)", "warmup-neg"),
    marker("ms=5, warmup=1.5", "latency_sla(warmup=1.5): warmup must be an int >= 0*",
           "warmup-float"),
    marker("ms=5, warmup=True", "latency_sla(warmup=True): warmup must be an int >= 0*",
           "warmup-bool"),
    marker("ms=5, isolate='yes'", "latency_sla(isolate='yes'): isolate must be True or False",
           "isolate-string"),
    marker("ms=5, rate=0", "latency_sla(rate=0): rate must be a positive finite number of calls "
           "per second", "rate-0"),
    marker("ms=5, arrivals='uniform'", "latency_sla(arrivals='uniform'): arrivals must be one of "
           "constant, poisson", "arrivals"),
    marker("ms=5, concurrency=0", "latency_sla(concurrency=0): concurrency must be an int >= 1",
           "concurrency-0"),
    Case(
        "stacked-same-percentile",
        "*::test_bad: two latency_sla markers on the same function "
        "test_bad set a budget for p99 (40 ms and 50 ms); keep one, or give them different*",
        "@pytest.mark.latency_sla(ms=50)\n@pytest.mark.latency_sla(ms=40)\ndef test_bad():\n"
        "    pass\n",
    ),
    Case(
        "stacked-max-time",
        "*::test_bad: two latency_sla markers on the same function "
        "test_bad set max_time=2.0 and max_time=1.0; keep one",
        "@pytest.mark.latency_sla(ms=50, max_time=1)\n"
        "@pytest.mark.latency_sla(us=50, percentile=50, max_time=2)\ndef test_bad():\n    pass\n",
    ),
    Case(
        "class-pytestmark-conflict",
        "*::TestBad::test_bad: two latency_sla markers on the same class TestBad set "
        "a budget for p99*",
        "class TestBad:\n    pytestmark = [pytest.mark.latency_sla(ms=5), "
        "pytest.mark.latency_sla(ms=6)]\n    def test_bad(self):\n        pass\n",
    ),
    Case(
        "budget-times-scale-overflows",
        "*::test_bad: latency_sla p99 <= 1e+308 s (x scale 10 = inf s): a budget must be a "
        "positive finite number of seconds, a percentile 0 < p < 100",
        "@pytest.mark.latency_sla(s=1e308)\ndef test_bad():\n    pass\n",
        args=("--latency-scale=10",),
    ),
    Case(
        "threshold-hook-returns-garbage",
        "*::test_bad: pytest_latency_sla_threshold returned 'fast'; expected a Threshold (e.g. "
        "dataclasses.replace(threshold, budget_s=...)) or None",
        "@pytest.mark.latency_sla(ms=7)\ndef test_bad():\n    pass\n",
        conftest="\ndef pytest_latency_sla_threshold(item, threshold):\n"
        "    return 'fast' if threshold.budget_text == '7 ms' else None\n",
    ),
    Case(
        "threshold-hook-returns-zero-budget",
        "*::test_bad: pytest_latency_sla_threshold returned p99 <= 7 ms (x scale 1 = 0.0 s): a "
        "budget must be a positive finite number of seconds*",
        "@pytest.mark.latency_sla(ms=7)\ndef test_bad():\n    pass\n",
        conftest="\nimport dataclasses\n\ndef pytest_latency_sla_threshold(item, threshold):\n"
        "    if threshold.budget_text == '7 ms':\n"
        "        return dataclasses.replace(threshold, budget_s=0.0)\n",
    ),
    # --- the fixture, misused ---------------------------------------------------------------
    fixture(
        "latency_sla(len, 'abc')",
        "*::test_bad: latency_sla(...) needs a budget: add a marker such "
        "as @pytest.mark.latency_sla(ms=50) to the test, or call latency_sla.measure(fn) to*",
        "fixture-without-marker",
    ),
    Case(
        "fixture-not-callable",
        "latency_sla(fn, ...) needs a callable to time; got int 42",
        "@pytest.mark.latency_sla(ms=5)\ndef test_bad(latency_sla):\n    latency_sla(42)\n",
        outcome="failed",
    ),
    Case(
        "measure-not-callable",
        "latency_sla(fn, ...) needs a callable to time; got str 'abc'",
        "def test_bad(latency_sla):\n    latency_sla.measure('abc')\n",
        outcome="failed",
    ),
    Case(
        "coroutine-object",
        "latency_sla(fn, ...) got a coroutine object; pass the coroutine "
        "function itself*",
        "async def fetch(x):\n    return x\n\n@pytest.mark.latency_sla(ms=5)\n"
        "def test_bad(latency_sla):\n    latency_sla(fetch(1))\n",
        outcome="failed",
    ),
    Case(
        "sync-fn-returns-coroutine",
        "*::test_bad: latency_sla(fn, ...): 'wrapper' " + AWAITABLE[1:],
        "async def fetch():\n    return 1\n\ndef wrapper():\n    return fetch()\n\n"
        "@pytest.mark.latency_sla(ms=5)\ndef test_bad(latency_sla):\n    latency_sla(wrapper)\n",
        outcome="failed",
    ),
    Case(
        "sync-fn-returns-coroutine-no-warmup",
        "*::test_bad: latency_sla(fn, ...): '*<lambda>' " + AWAITABLE[1:],
        "async def fetch():\n    return 1\n\n@pytest.mark.latency_sla(ms=5, warmup=0)\n"
        "def test_bad(latency_sla):\n    latency_sla(lambda: fetch())\n",
        outcome="failed",
    ),
    Case(
        "sync-fn-returns-future",
        "*::test_bad: *'make' is not an async def function but returned Future *",
        "loop = asyncio.new_event_loop()\n\ndef make():\n    return loop.create_future()\n\n"
        "@pytest.mark.latency_sla(ms=5)\ndef test_bad(latency_sla):\n    try:\n"
        "        latency_sla(make)\n    finally:\n        loop.close()\n",
        outcome="failed",
    ),
    Case(
        "generator-function",
        "latency_sla(fn, ...): rows is a generator function: calling it only creates the "
        "generator, so timing it would time only its creation, never its body; consume it inside "
        "the timed call: latency_sla(lambda: list(rows()))",
        "import time\n\ndef rows():\n    time.sleep(0.005)\n    yield 1\n\n"
        "@pytest.mark.latency_sla(us=100)\ndef test_bad(latency_sla):\n    latency_sla(rows)\n",
        outcome="failed",
    ),
    Case(
        "generator-function-partial",
        "latency_sla(fn, ...): *is a generator function: *consume it inside the timed call*",
        "import functools\n\ndef rows(n):\n    yield from range(n)\n\n"
        "def test_bad(latency_sla):\n    latency_sla.measure(functools.partial(rows, 3))\n",
        outcome="failed",
    ),
    Case(
        "async-generator-function",
        "latency_sla(fn, ...): stream is an async generator function: calling it only creates "
        "the generator, so timing it would time only its creation, never its body; consume it "
        "inside the timed call, in a coroutine: async def consume(): return [item async for item "
        "in stream()], then latency_sla(consume)",
        "async def stream():\n    yield 1\n\n@pytest.mark.latency_sla(ms=5, rate=100)\n"
        "def test_bad(latency_sla):\n    latency_sla(stream)\n",
        outcome="failed",
    ),
    Case(
        "sync-fn-returns-generator",
        "*::test_bad: latency_sla(fn, ...): make returned <generator object rows at *>: timing "
        "the call would time only the generator's creation, never its body; consume it inside "
        "the timed call: latency_sla(lambda: list(make()))",
        "def rows():\n    yield 1\n\ndef make():\n    return rows()\n\n"
        "@pytest.mark.latency_sla(ms=5, warmup=0)\ndef test_bad(latency_sla):\n"
        "    latency_sla(make)\n",
        outcome="failed",
    ),
    Case(
        "lambda-returns-async-generator",
        "*::test_bad: latency_sla(fn, ...): *<lambda> returned <async_generator object stream "
        "at *>: timing the call would time only the generator's creation*in a coroutine*",
        "async def stream():\n    yield 1\n\n@pytest.mark.latency_sla(ms=5, isolate=True)\n"
        "def test_bad(latency_sla):\n    latency_sla(lambda: stream())\n",
        outcome="failed",
    ),
    Case(
        "fixture-never-called",
        "*::test_bad: nothing was measured: the test has a latency_sla "
        "marker and requests the latency_sla fixture but never calls it*",
        "@pytest.mark.latency_sla(ms=5)\ndef test_bad(latency_sla):\n    pass\n",
        outcome="failed",
    ),
    Case(
        "marker-on-a-unittest-method",
        "*::TestLegacy::test_bad: nothing was measured: the test has a latency_sla marker and is "
        "a TestCaseFunction, whose body only pytest test functions can have measured; move the "
        "measured call into a pytest test function",
        "import unittest\n\nclass TestLegacy(unittest.TestCase):\n"
        "    @pytest.mark.latency_sla(ms=5)\n    def test_bad(self):\n        pass\n",
        outcome="failed",
    ),
    Case(
        "fn-raises-inside-pytest-raises",
        "PASSED *::test_bad",
        "@pytest.mark.latency_sla(ms=5)\ndef test_bad(latency_sla):\n"
        "    with pytest.raises(ZeroDivisionError):\n        latency_sla(lambda: 1 / 0)\n",
        outcome="passed",
    ),
    Case(
        "fn-raises",
        "E   ZeroDivisionError: division by zero",
        "@pytest.mark.latency_sla(ms=5)\ndef test_bad(latency_sla):\n"
        "    latency_sla(lambda: 1 / 0)\n",
        outcome="failed",
    ),
    Case(
        "called-after-the-body-failed",
        "E   *assert 1 == 2",
        "@pytest.mark.latency_sla(ms=50, overkill=None)\ndef test_bad(latency_sla, scripted):\n"
        "    try:\n        assert 1 == 2\n    finally:\n"
        "        latency_sla(scripted(itertools.repeat(7100)))\n",
        outcome="failed",
        measured=1,
    ),
    # --- model paths ------------------------------------------------------------------------
    fixture(
        "from pytest_latency_sla.onnx import load_session\nload_session(tmp_path / 'nope.onnx')",
        "E       FileNotFoundError: ONNX model not found: '*nope.onnx'",
        "model-missing",
    ),
    fixture(
        "from pytest_latency_sla.onnx import load_session\nload_session(tmp_path)",
        "E       pytest_latency_sla.onnx.ModelError: '*' is a directory, not an ONNX model file",
        "model-directory",
    ),
    fixture(
        "from pytest_latency_sla.onnx import load_session\n"
        "(tmp_path / 'notes.onnx').write_text('not a model')\n"
        "load_session(tmp_path / 'notes.onnx')",
        "E       pytest_latency_sla.onnx.ModelError: '*notes.onnx' could not be loaded as an ONNX "
        "model: *",
        "model-not-a-model",
    ),
    # --- command line, ini, environment, report paths: the session stops at start ----------
    usage("--latency-mode: expected one of enforce, warn, off, got 'bogus'", "cli-mode",
          "--latency-mode=bogus"),
    usage("--latency-scale: expected a finite number > 0, got '0'", "cli-scale-0",
          "--latency-scale=0"),
    usage("--latency-scale: expected a finite number > 0, got 'fast'", "cli-scale-word",
          "--latency-scale=fast"),
    usage("--latency-percentile: expected a number with 0 < p < 100, got '100'",
          "cli-percentile", "--latency-percentile=100"),
    usage("--latency-percentile: expected a percentile in percent (0 < p < 100), got '0.99'; "
          "did you mean 99?", "cli-percentile-fraction", "--latency-percentile=0.99"),
    usage("ini latency_percentile: expected a percentile in percent (0 < p < 100), got '0.9'; "
          "did you mean 90?", "ini-percentile-fraction", ini="latency_percentile = 0.9"),
    usage("--latency-overkill: expected 0 (off) or a number > 1, got '1'", "cli-overkill",
          "--latency-overkill=1"),
    usage("--latency-confidence: expected a number with 0.5 < c < 1, got '1'", "cli-confidence",
          "--latency-confidence=1"),
    usage("--latency-max-time: expected a finite number of seconds > 0, got 'nan'",
          "cli-max-time", "--latency-max-time=nan"),
    usage("--latency-gc: expected one of keep, disable, got 'off'", "cli-gc", "--latency-gc=off"),
    usage("ini latency_mode: expected one of enforce, warn, off, got 'strict'", "ini-mode",
          ini="latency_mode = strict"),
    usage("ini latency_confidence: expected a number with 0.5 < c < 1, got '0.4'",
          "ini-confidence", ini="latency_confidence = 0.4"),
    usage("ini latency_report: expected true or false; invalid truth value 'maybe'",
          "ini-flag", ini="latency_report = maybe"),
    usage("environment variable LATENCY_SLA_MODE: expected one of enforce, warn, off, got 'nope'",
          "env-mode", LATENCY_SLA_MODE="nope"),
    usage("environment variable LATENCY_SLA_SCALE: expected a finite number > 0, got '-2'",
          "env-scale", LATENCY_SLA_SCALE="-2"),
    usage("--latency-json: '*' is a directory; give a file path", "json-directory",
          "--latency-json=."),
    usage("--latency-json: expected a file path, got ''", "json-empty", "--latency-json="),
    usage("--latency-json: cannot write '*/afile/out.json': '*/afile' is a file, not a directory",
          "json-under-a-file", "--latency-json=afile/out.json"),
    usage("--latency-html: '*' is a directory; give a file path", "html-directory",
          "--latency-html=."),
]  # fmt: skip


# Neighbouring plugins have their own tests (test_neighbours.py); here they only cost startup.
NO_NEIGHBOURS = ("-p", "no:xdist", "-p", "no:timeout", "-p", "no:asyncio")


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, case: Case) -> None:
    # The scripted clock makes the healthy neighbour tests instant and exact.
    pytester.makeconftest(SCRIPTED_CONFTEST + case.conftest)
    pytester.makepyfile(HEALTHY.format(bad=case.bad))
    (pytester.path / "afile").write_text("a file, not a directory")
    if case.ini:
        pytester.makeini(INNER_INI + case.ini + "\n")
    for name, value in case.env.items():
        monkeypatch.setenv(name, value)
    args = ("--latency-json=report.json", *case.args) if case.outcome != "usage" else case.args
    result = pytester.runpytest("-rA", *NO_NEIGHBOURS, *args)
    output = result.stdout.lines + result.stderr.lines

    assert not [line for line in output if "INTERNALERROR" in line]
    # no traceback into the plugin: not a frame, not the chained one of a wrapped error
    assert not [line for line in output if "pytest_latency_sla/" in line and ".py:" in line]

    if case.outcome == "usage":
        assert result.ret == pytest.ExitCode.USAGE_ERROR
        result.stderr.fnmatch_lines([case.message])
        assert len([line for line in result.stderr.lines if line.strip()]) == 1
        assert not (pytester.path / "report.json").exists()
        return
    result.stdout.fnmatch_lines([case.message])
    result.assert_outcomes(passed=2 + (case.outcome == "passed"), **_bad_outcome(case.outcome))
    report = json.loads((pytester.path / "report.json").read_text())
    outcomes = {r["nodeid"].split("::")[-1]: r["outcome"] for r in report["results"]}
    expected = {"test_a_healthy": "passed", "test_z_healthy": "passed"}
    if case.measured:
        expected["test_bad"] = case.outcome
    assert outcomes == expected


def _bad_outcome(outcome: str) -> dict[str, int]:
    return {} if outcome == "passed" else {outcome: 1}
