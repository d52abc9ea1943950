"""The whole SLA test of an ONNX model: load it, build inputs, hold its p99 to a budget."""

from pathlib import Path

import pytest

from pytest_latency_sla.onnx import example_inputs, load_session

MODEL = Path(__file__).resolve().parent.parent / "models" / "funnel.onnx"


@pytest.mark.latency_sla(ms=50, overkill=None)
def test_onnx_model_p99_within_50ms(latency_sla):
    session = load_session(MODEL)
    inputs = example_inputs(session)
    latency_sla(session.run, None, inputs)
