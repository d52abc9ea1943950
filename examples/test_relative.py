"""Relative gates: a candidate against a baseline, measured in the same run with their calls
interleaved, and gated on the ratio of their percentiles. A busy or slower runner slows both
alike, so the ratio holds where an absolute budget would flake."""

from pathlib import Path

import pytest

from pytest_latency_sla.onnx import example_inputs, load_session

MODELS = Path(__file__).resolve().parent.parent / "models"


def bound_predictor(model):
    """One prediction of ``model`` through ONNX Runtime's IOBinding (inputs bound once), so
    each call is the model and ONNX Runtime's per-call cost."""
    session = load_session(MODELS / model)
    binding = session.io_binding()
    for name, value in example_inputs(session).items():
        binding.bind_cpu_input(name, value)
    for output in session.get_outputs():
        binding.bind_output(output.name)

    def predict():
        session.run_with_iobinding(binding)

    return predict


@pytest.fixture(scope="module")
def fp32_predict():
    return bound_predictor("funnel.onnx")


@pytest.fixture(scope="module")
def int8_predict():
    return bound_predictor("funnel_int8.onnx")


@pytest.mark.xfail(
    strict=True,
    reason="INT8 runs slower than fp32 on CPUs without fast INT8 kernels: the quantize and "
    "dequantize steps cost more than a 48-parameter model saves (the failure gives the ratio)",
)
@pytest.mark.latency_sla(ratio=0.8, percentile=50)
def test_int8_is_at_least_20_percent_faster_than_fp32(latency_sla, int8_predict, fp32_predict):
    """The question behind quantizing the funnel: is INT8 worth it? Asked as a gate, it fails
    (a confident fail at the first looks, 10 pairs, busy runner or not)."""
    result = latency_sla.compare(int8_predict, fp32_predict)  # enforce: the miss fails here
    # The assert keeps it failing in every mode: --latency-mode=warn turns the miss into a
    # LatencyMissWarning and the verdict stays "fail"; --latency-mode=off judges nothing.
    assert all(t.verdict == "pass" for t in result.thresholds)


@pytest.mark.latency_sla(ratio=0.5, percentile=50)
@pytest.mark.latency_sla(ms=50, overkill=None)
def test_cached_prediction_is_at_least_twice_as_fast(latency_sla, funnel):
    """A funnel prediction cached by quiz answers against the model run every time: the cache
    must at least halve the median, and its p99 stay within 50 ms."""
    session, inputs = funnel
    cache = {}

    def uncached():
        return session.run(None, inputs)

    def cached():
        key = b"".join(value.tobytes() for value in inputs.values())
        found = cache.get(key)
        if found is None:
            found = cache[key] = session.run(None, inputs)
        return found

    result = latency_sla.compare(cached, uncached)
    assert result.passed
