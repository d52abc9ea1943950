"""The SLA suite of the diet-quiz funnel model: 48 parameters behind a 50 ms p99 budget."""

from pathlib import Path

import pytest

from pytest_latency_sla.onnx import example_inputs, load_session

MODELS = Path(__file__).resolve().parent.parent / "models"


@pytest.mark.latency_sla(ms=50)
def test_funnel_p99_within_50ms(latency_sla, funnel_predict):
    """Passes with a LatencyOverkillWarning: the model answers thousands of times under budget,
    so quantizing or otherwise optimizing it is wasted effort."""
    result = latency_sla(funnel_predict)
    assert result.passed


@pytest.mark.latency_sla(us=500, percentile=50)
@pytest.mark.latency_sla(ms=50)
def test_funnel_p50_and_p99(latency_sla, funnel):
    """Two budgets on the same samples: typical latency and tail latency."""
    session, inputs = funnel
    result = latency_sla(session.run, None, inputs)
    assert [t.percentile for t in result.thresholds] == [50.0, 99.0]


@pytest.mark.latency_sla(ms=50, overkill=None)
def test_funnel_marker_only(funnel):
    """No fixture: the test body itself is the measured call, run repeatedly."""
    session, inputs = funnel
    session.run(None, inputs)


@pytest.mark.latency_sla(ms=50, overkill=None)
def test_fp32_vs_int8(latency_sla, funnel_variant):
    """Quantizing a 48-parameter model buys nothing: compare the two rows of the report."""
    session, inputs = funnel_variant
    latency_sla(session.run, None, inputs)


def test_fp32_and_int8_p50_side_by_side(latency_sla, request):
    """Both variants sampled without a budget; their p50s are printed and recorded, not
    compared in an assert: on a noisy machine the order of two close numbers can flip."""
    p50 = {}
    for name in ("funnel.onnx", "funnel_int8.onnx"):
        session = load_session(MODELS / name)
        result = latency_sla.measure(session.run, None, example_inputs(session))
        p50[name] = result.p50
        request.node.user_properties.append((f"p50_s[{name}]", result.p50))
    print(
        f"p50 fp32 {p50['funnel.onnx'] * 1e6:.2f} us, int8 {p50['funnel_int8.onnx'] * 1e6:.2f} us"
    )


@pytest.mark.xfail(
    strict=True, reason="intentionally missed: 1 us is below ONNX Runtime's call cost"
)
@pytest.mark.latency_sla(us=1)
def test_intentionally_missed_budget(latency_sla, funnel):
    """A budget no model can meet: fails after a handful of calls, long before max_time.

    The assert keeps it failing in every mode: --latency-mode=warn turns the miss into a
    LatencyMissWarning and the verdict stays "fail"; --latency-mode=off judges nothing."""
    session, inputs = funnel
    result = latency_sla(session.run, None, inputs)  # enforce: the miss fails the test here
    assert all(t.verdict == "pass" for t in result.thresholds)
