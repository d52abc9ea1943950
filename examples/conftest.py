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
