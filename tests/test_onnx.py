"""``pytest_latency_sla.onnx``: sessions set up for latency, inputs from metadata, real models."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

np = pytest.importorskip("numpy")
ort = pytest.importorskip("onnxruntime")
onnx = pytest.importorskip("onnx")

from onnx import TensorProto, helper  # noqa: E402

from pytest_latency_sla.onnx import (  # noqa: E402
    ModelError,
    ProviderNotAvailable,
    example_inputs,
    load_session,
)

MODELS = Path(__file__).resolve().parent.parent / "models"
FUNNEL = MODELS / "funnel.onnx"

# Real models shipped inside other packages, found where those packages are installed.
ORT_DATASETS = Path(ort.__file__).parent / "datasets"
ONNX_LIGHT = Path(onnx.__file__).parent / "backend" / "test" / "data" / "light"


def shipped(directory: Path, name: str) -> Path:
    path = directory / name
    if not path.is_file():
        pytest.skip(f"{name} is not shipped by the installed package ({directory})")
    return path


def identity_model(tmp_path: Path, elem_type: int, dims: list[int | str | None]) -> Path:
    """``y = Identity(x)`` with input dims given as ints (fixed), strings (symbolic) or None."""
    x = helper.make_tensor_value_info("x", elem_type, None)
    for dim in dims:
        added = x.type.tensor_type.shape.dim.add()
        if isinstance(dim, int):
            added.dim_value = dim
        elif isinstance(dim, str):
            added.dim_param = dim
    if not dims:
        x.type.tensor_type.shape.SetInParent()  # a scalar: a shape with no dimensions
    y = helper.make_tensor_value_info("y", elem_type, None)
    graph = helper.make_graph([helper.make_node("Identity", ["x"], ["y"])], "identity", [x], [y])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    path = tmp_path / f"identity_{TensorProto.DataType.Name(elem_type).lower()}.onnx"
    onnx.save(model, str(path))
    return path


# Every element type example_inputs builds, and the numpy dtype it must build it with.
ELEMENT_TYPES = {
    TensorProto.FLOAT: np.float32,
    TensorProto.FLOAT16: np.float16,
    TensorProto.DOUBLE: np.float64,
    TensorProto.INT8: np.int8,
    TensorProto.INT16: np.int16,
    TensorProto.INT32: np.int32,
    TensorProto.INT64: np.int64,
    TensorProto.UINT8: np.uint8,
    TensorProto.UINT16: np.uint16,
    TensorProto.UINT32: np.uint32,
    TensorProto.UINT64: np.uint64,
    TensorProto.BOOL: np.bool_,
    TensorProto.STRING: np.object_,
}


# -- load_session ------------------------------------------------------------------------------


def test_session_is_set_up_for_latency() -> None:
    options = load_session(FUNNEL).get_session_options()
    assert options.intra_op_num_threads == 1
    assert options.inter_op_num_threads == 1
    assert options.execution_mode == ort.ExecutionMode.ORT_SEQUENTIAL
    assert options.graph_optimization_level == ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    assert load_session(FUNNEL).get_providers() == ["CPUExecutionProvider"]
    assert load_session(str(FUNNEL), threads=2).get_session_options().intra_op_num_threads == 2


def test_missing_file_names_the_path(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere" / "model.onnx"
    with pytest.raises(FileNotFoundError, match="ONNX model not found: .*nowhere/model.onnx"):
        load_session(missing)


def test_directory_is_not_a_model(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="is a directory, not an ONNX model file"):
        load_session(tmp_path)


def test_file_that_is_not_a_model_names_the_path(tmp_path: Path) -> None:
    path = tmp_path / "notes.onnx"
    path.write_text("not a protobuf")
    with pytest.raises(ModelError) as info:
        load_session(path)
    message = str(info.value)
    assert message.startswith(f"{str(path)!r} could not be loaded as an ONNX model: ")
    assert "Protobuf parsing failed" in message
    assert "\n" not in message


def test_unsupported_op_names_the_path_and_the_op(tmp_path: Path) -> None:
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 3])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 3])
    node = helper.make_node("FunnelMagic", ["x"], ["y"], domain="com.example")
    model = helper.make_model(
        helper.make_graph([node], "g", [x], [y]),
        opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid("com.example", 1)],
    )
    path = tmp_path / "custom_op.onnx"
    onnx.save(model, str(path))
    with pytest.raises(ModelError, match=r"custom_op\.onnx' could not be loaded.*FunnelMagic"):
        load_session(path)


def test_absent_provider_is_an_error_not_a_fallback() -> None:
    if "CUDAExecutionProvider" in ort.get_available_providers():
        pytest.skip("this machine has CUDA")
    with pytest.raises(ProviderNotAvailable) as info:
        load_session(FUNNEL, providers=["CUDAExecutionProvider", "CPUExecutionProvider"])
    assert "funnel.onnx': execution provider CUDAExecutionProvider is not available" in str(
        info.value
    )
    assert "CPUExecutionProvider" in str(info.value)  # what is available instead
    assert isinstance(info.value, ModelError)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"threads": 0}, "threads must be an int >= 1, got 0"),
        ({"threads": True}, "threads must be an int >= 1, got True"),
        ({"threads": 1.5}, "threads must be an int >= 1, got 1.5"),
        ({"providers": "CPUExecutionProvider"}, "providers must be a non-empty list"),
        ({"providers": []}, r"providers must be a non-empty list of names, got \[\]"),
    ],
)
def test_bad_arguments(kwargs: dict[str, object], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        load_session(FUNNEL, **kwargs)  # type: ignore[arg-type]


def test_without_onnxruntime_the_error_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "onnxruntime", None)
    with pytest.raises(ImportError, match=r"pip install 'pytest-latency-sla\[onnx\]'"):
        load_session(FUNNEL)


def test_importing_the_module_does_not_import_onnxruntime() -> None:
    code = (
        "import sys, pytest_latency_sla.onnx, pytest_latency_sla.plugin; "
        "print(sorted(m for m in ('onnxruntime', 'numpy') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# -- example_inputs ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "elem_type", list(ELEMENT_TYPES), ids=lambda t: TensorProto.DataType.Name(t).lower()
)
def test_every_element_type_round_trips(tmp_path: Path, elem_type: int) -> None:
    session = load_session(identity_model(tmp_path, elem_type, ["batch", 3, None]))
    (name, array), *others = example_inputs(session, batch=4).items()
    assert (name, others) == ("x", [])
    assert isinstance(array, np.ndarray)
    assert array.dtype.type is ELEMENT_TYPES[elem_type]
    assert array.shape == (4, 3, 1)
    (out,) = session.run(None, {"x": array})  # onnxruntime accepts what was built
    np.testing.assert_array_equal(out, array)


def test_unknown_first_dimension_takes_the_batch(tmp_path: Path) -> None:
    session = load_session(identity_model(tmp_path, TensorProto.FLOAT, [None, "seq", 7]))
    assert example_inputs(session, batch=5)["x"].shape == (5, 1, 7)
    assert example_inputs(session)["x"].shape == (1, 1, 7)


def test_scalar_input_is_a_zero_dimensional_array(tmp_path: Path) -> None:
    for elem_type in (TensorProto.FLOAT, TensorProto.BOOL, TensorProto.INT64, TensorProto.STRING):
        session = load_session(identity_model(tmp_path, elem_type, []))
        array = example_inputs(session)["x"]
        assert isinstance(array, np.ndarray) and array.shape == ()
        session.run(None, {"x": array})


def test_reproducible_by_seed(tmp_path: Path) -> None:
    session = load_session(identity_model(tmp_path, TensorProto.FLOAT, ["N", 16]))
    first = example_inputs(session, batch=2, seed=7)["x"]
    np.testing.assert_array_equal(first, example_inputs(session, batch=2, seed=7)["x"])
    assert not np.array_equal(first, example_inputs(session, batch=2, seed=8)["x"])


def test_an_input_type_numpy_cannot_build_is_a_clear_error(tmp_path: Path) -> None:
    session = load_session(identity_model(tmp_path, TensorProto.BFLOAT16, ["N", 2]))
    with pytest.raises(ModelError, match=r"input 'x' has type tensor\(bfloat16\)"):
        example_inputs(session)


@pytest.mark.parametrize("batch", [0, -1, True, 2.0])
def test_bad_batch(batch: object) -> None:
    with pytest.raises(ValueError, match=f"batch must be an int >= 1, got {batch!r}"):
        example_inputs(load_session(FUNNEL), batch=batch)  # type: ignore[arg-type]


# -- real models shipped by other packages -----------------------------------------------------


def test_logreg_iris_fixed_batch_and_a_sequence_of_maps() -> None:
    session = load_session(shipped(ORT_DATASETS, "logreg_iris.onnx"))
    for batch in (1, 5):  # a fixed first dimension is kept whatever the batch
        inputs = example_inputs(session, batch=batch)
        assert {name: a.shape for name, a in inputs.items()} == {"float_input": (3, 2)}
    labels, probabilities = session.run(None, inputs)
    assert labels.shape == (3,)
    assert len(probabilities) == 3 and all(isinstance(row, dict) for row in probabilities)


@pytest.mark.parametrize("name", ["sigmoid.onnx", "mul_1.onnx"])
def test_onnxruntime_datasets_run(name: str) -> None:
    session = load_session(shipped(ORT_DATASETS, name))
    outputs = session.run(None, example_inputs(session, batch=2))
    assert outputs and all(isinstance(o, np.ndarray) for o in outputs)


REAL_MODELS_SLA = """
import pytest
from pytest_latency_sla.onnx import example_inputs, load_session

def model(path):
    session = load_session(path)
    return session, example_inputs(session)

@pytest.mark.parametrize("path", {generous_paths!r}, ids=lambda p: p.rsplit("/", 1)[-1])
@pytest.mark.latency_sla({generous})
def test_generous(latency_sla, path):
    session, inputs = model(path)
    assert latency_sla(session.run, None, inputs).passed

@pytest.mark.parametrize("path", {tight_paths!r}, ids=lambda p: p.rsplit("/", 1)[-1])
@pytest.mark.latency_sla({tight})
def test_tight(latency_sla, path):
    session, inputs = model(path)
    latency_sla(session.run, None, inputs)
"""


def test_sla_on_onnxruntime_datasets(pytester: pytest.Pytester) -> None:
    names = ["logreg_iris.onnx", "sigmoid.onnx", "mul_1.onnx"]
    paths = [str(shipped(ORT_DATASETS, name)) for name in names]
    pytester.makepyfile(
        REAL_MODELS_SLA.format(
            generous_paths=paths,
            generous="ms=50, overkill=None",
            tight_paths=paths,
            tight="us=0.05",
        )
    )
    result = pytester.runpytest("-p", "no:randomly")
    result.assert_outcomes(passed=3, failed=3)
    result.stdout.fnmatch_lines(
        ["*Failed: latency SLA missed: p99 = * > budget 0.05 us (n=10, 95% bounds*"] * 3
    )


def test_sla_on_onnx_light_models(pytester: pytest.Pytester) -> None:
    # squeezenet takes ~4-12 ms a call, resnet50 ~44 ms (more on a busy runner). A p50 budget
    # of 5 s passes confidently after 10 calls; a 100 us p99 budget fails confidently after 10
    # calls. resnet50 gets the failing check only: a confident p99 pass would take ~600 calls.
    squeezenet = str(shipped(ONNX_LIGHT, "light_squeezenet.onnx"))
    resnet = str(shipped(ONNX_LIGHT, "light_resnet50.onnx"))
    pytester.makepyfile(
        REAL_MODELS_SLA.format(
            generous_paths=[squeezenet],
            generous="s=5, percentile=50, overkill=None, warmup=1",
            tight_paths=[squeezenet, resnet],
            tight="us=100, warmup=1, max_time=60",  # ten calls decide; a busy runner is slow
        )
    )
    result = pytester.runpytest("-p", "no:randomly", "--latency-json=out.json")
    result.assert_outcomes(passed=1, failed=2)
    result.stdout.fnmatch_lines(
        ["*Failed: latency SLA missed: p99 = * ms > budget 100 us (n=10, 95% bounds*"] * 2
    )
    records = json.loads((pytester.path / "out.json").read_text())["results"]
    assert sorted((r["nodeid"].split("::")[1], r["outcome"], r["n"]) for r in records) == [
        ("test_generous[light_squeezenet.onnx]", "passed", 10),
        ("test_tight[light_resnet50.onnx]", "failed", 10),
        ("test_tight[light_squeezenet.onnx]", "failed", 10),
    ]
