"""Shared fixtures for the example SLA suite: ONNX Runtime sessions on the shipped models."""

from pathlib import Path

import pytest

from pytest_latency_sla.onnx import example_inputs, load_session

MODELS = Path(__file__).resolve().parent.parent / "models"


@pytest.fixture(scope="session")
def funnel():
    """The 48-parameter funnel model (fp32) and one quiz's answers."""
    session = load_session(MODELS / "funnel.onnx")
    return session, example_inputs(session)


@pytest.fixture(scope="session", params=["funnel.onnx", "funnel_int8.onnx"], ids=["fp32", "int8"])
def funnel_variant(request):
    session = load_session(MODELS / request.param)
    return session, example_inputs(session)


@pytest.fixture(scope="session")
def funnel_predict(funnel):
    """One funnel prediction through ONNX Runtime's IOBinding: the input is bound once, as a
    serving loop would, so each call is the model and ORT's per-call cost (about 5 us here)
    without Python building feed dicts and output lists (another 5-15 us)."""
    session, inputs = funnel
    binding = session.io_binding()
    for name, value in inputs.items():
        binding.bind_cpu_input(name, value)
    for output in session.get_outputs():
        binding.bind_output(output.name)

    def predict():
        session.run_with_iobinding(binding)

    return predict
