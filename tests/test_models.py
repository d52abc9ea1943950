"""Tests for the shipped example funnel models and their build script."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import pytest

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")
pytest.importorskip("onnxruntime.quantization")

if TYPE_CHECKING:
    from onnx import ModelProto, ValueInfoProto

numpy_helper = onnx.numpy_helper
Floats = npt.NDArray[np.float32]

MODELS_DIR = Path(__file__).parent.parent / "models"
FP32_PATH = MODELS_DIR / "funnel.onnx"
INT8_PATH = MODELS_DIR / "funnel_int8.onnx"
BUILD_SCRIPT = MODELS_DIR / "build_models.py"

INTEGER_OPS = {"DynamicQuantizeLinear", "MatMulInteger", "ConvInteger", "QLinearMatMul", "QGemm"}
INTEGER_DTYPES = {onnx.TensorProto.INT8, onnx.TensorProto.UINT8}


@pytest.fixture(scope="module")
def build_models() -> ModuleType:
    name = "_funnel_build_models"
    spec = importlib.util.spec_from_file_location(name, BUILD_SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    finally:
        sys.modules.pop(name, None)
    return module


@pytest.fixture(scope="module")
def fp32_model() -> ModelProto:
    model: ModelProto = onnx.load(str(FP32_PATH))
    return model


@pytest.fixture(scope="module")
def int8_model() -> ModelProto:
    model: ModelProto = onnx.load(str(INT8_PATH))
    return model


@pytest.fixture(scope="module")
def batch() -> Floats:
    rng = np.random.default_rng(7)
    return rng.uniform(0.0, 1.0, size=(4, 5)).astype(np.float32)


def _session(path: Path) -> Any:  # an onnxruntime.InferenceSession (onnxruntime is untyped)
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    opts.inter_op_num_threads = 1
    opts.log_severity_level = 3
    return ort.InferenceSession(str(path), sess_options=opts, providers=["CPUExecutionProvider"])


def _run(path: Path, x: Floats) -> Floats:
    sess = _session(path)
    assert [i.name for i in sess.get_inputs()] == ["answers"]
    assert [o.name for o in sess.get_outputs()] == ["variant_probs"]
    (out,) = sess.run(["variant_probs"], {"answers": x})
    assert isinstance(out, np.ndarray) and out.dtype == np.float32
    return out


def _initializers(model: ModelProto) -> dict[str, npt.NDArray[Any]]:
    return {init.name: numpy_helper.to_array(init) for init in model.graph.initializer}


def _dims(value_info: ValueInfoProto) -> list[str | int]:
    return [
        d.dim_param if d.HasField("dim_param") else d.dim_value
        for d in value_info.type.tensor_type.shape.dim
    ]


def test_shipped_files_exist() -> None:
    assert FP32_PATH.is_file()
    assert INT8_PATH.is_file()
    assert BUILD_SCRIPT.is_file()


def test_fp32_has_48_parameters(fp32_model: ModelProto) -> None:
    sizes = {name: arr.size for name, arr in _initializers(fp32_model).items()}
    assert sum(sizes.values()) == 48
    assert sizes == {"W1": 25, "b1": 5, "W2": 15, "b2": 3}


def test_fp32_layer_structure(fp32_model: ModelProto) -> None:
    graph = fp32_model.graph
    assert [n.op_type for n in graph.node] == ["Gemm", "Relu", "Gemm", "Softmax"]
    inits = _initializers(fp32_model)
    assert inits["W1"].shape == (5, 5)
    assert inits["b1"].shape == (5,)
    assert inits["W2"].shape == (5, 3)
    assert inits["b2"].shape == (3,)
    assert all(arr.dtype == np.float32 for arr in inits.values())
    gemm1, _, gemm2, softmax = graph.node
    assert list(gemm1.input) == ["answers", "W1", "b1"]
    assert list(gemm2.input)[1:] == ["W2", "b2"]
    axis = [onnx.helper.get_attribute_value(a) for a in softmax.attribute if a.name == "axis"]
    assert axis == [-1]

    (inp,) = graph.input
    (out,) = graph.output
    assert inp.name == "answers"
    assert out.name == "variant_probs"
    assert inp.type.tensor_type.elem_type == onnx.TensorProto.FLOAT
    assert out.type.tensor_type.elem_type == onnx.TensorProto.FLOAT
    assert _dims(inp) == ["batch", 5]
    assert _dims(out) == ["batch", 3]


def test_fp32_pinned_metadata(fp32_model: ModelProto) -> None:
    assert fp32_model.ir_version == 8
    opsets = {o.domain: o.version for o in fp32_model.opset_import}
    assert opsets == {"": 17}
    assert fp32_model.producer_name == "pytest-latency-sla"
    assert fp32_model.producer_version == "1"
    assert "diet quiz" in fp32_model.doc_string


@pytest.mark.parametrize("path", [FP32_PATH, INT8_PATH], ids=["fp32", "int8"])
def test_checker_passes(path: Path) -> None:
    onnx.checker.check_model(onnx.load(str(path)), full_check=True)


def test_int8_is_really_quantized(int8_model: ModelProto) -> None:
    op_types = {n.op_type for n in int8_model.graph.node}
    int_inits = [i.name for i in int8_model.graph.initializer if i.data_type in INTEGER_DTYPES]
    assert op_types & INTEGER_OPS, op_types
    assert "MatMulInteger" in op_types
    assert "DynamicQuantizeLinear" in op_types
    assert int_inits, "no int8/uint8 initializers"
    # No float weight matrix is left behind: only the biases and scales stay float.
    float_matrices = [
        name
        for name, arr in _initializers(int8_model).items()
        if arr.dtype == np.float32 and arr.ndim == 2
    ]
    assert float_matrices == []


def test_rebuild_fp32_is_byte_identical(build_models: ModuleType, tmp_path: Path) -> None:
    shipped = FP32_PATH.read_bytes()
    assert build_models.build_fp32().SerializeToString() == shipped
    written = build_models.save_fp32(tmp_path / "funnel.onnx")
    assert written.read_bytes() == shipped


def test_rebuild_int8_matches_shipped(
    build_models: ModuleType, int8_model: ModelProto, tmp_path: Path
) -> None:
    fp32_copy = tmp_path / "funnel.onnx"
    fp32_copy.write_bytes(FP32_PATH.read_bytes())
    out = tmp_path / "funnel_int8.onnx"
    build_models.build_int8(fp32_copy, out)
    rebuilt = onnx.load(str(out))

    def graph_signature(
        model: ModelProto,
    ) -> tuple[list[tuple[str, list[str], list[str]]], list[str], list[str]]:
        g = model.graph
        return (
            [(n.op_type, list(n.input), list(n.output)) for n in g.node],
            [i.name for i in g.input],
            [o.name for o in g.output],
        )

    assert graph_signature(rebuilt) == graph_signature(int8_model)

    expected = _initializers(int8_model)
    actual = _initializers(rebuilt)
    assert sorted(actual) == sorted(expected)
    for name, arr in expected.items():
        assert actual[name].dtype == arr.dtype, name
        np.testing.assert_array_equal(actual[name], arr, err_msg=name)

    # The quantizer's scratch files are cleaned up; only the requested file is written.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["funnel.onnx", "funnel_int8.onnx"]


@pytest.mark.parametrize("path", [FP32_PATH, INT8_PATH], ids=["fp32", "int8"])
def test_runs_in_onnxruntime(path: Path, batch: Floats) -> None:
    out = _run(path, batch)
    assert out.shape == (4, 3)
    assert out.dtype == np.float32
    assert np.all(out >= 0.0)
    np.testing.assert_allclose(out.sum(axis=1), np.ones(4), atol=1e-5)


def test_single_row_and_symbolic_batch(batch: Floats) -> None:
    for n in (1, 4, 33):
        x = np.resize(batch, (n, 5)).astype(np.float32)
        assert _run(FP32_PATH, x).shape == (n, 3)


def test_int8_close_to_fp32(batch: Floats) -> None:
    fp32 = _run(FP32_PATH, batch)
    int8 = _run(INT8_PATH, batch)
    np.testing.assert_allclose(int8, fp32, atol=0.05)


def test_fp32_matches_numpy_reference(fp32_model: ModelProto, batch: Floats) -> None:
    w = _initializers(fp32_model)
    hidden = np.maximum(batch @ w["W1"] + w["b1"], 0.0)
    logits = hidden @ w["W2"] + w["b2"]
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    expected = e / e.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(_run(FP32_PATH, batch), expected, rtol=1e-5, atol=1e-6)
