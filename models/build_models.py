"""Build the example "funnel" models shipped with pytest-latency-sla.

The funnel model is a deliberately tiny classifier (exactly 48 parameters): it
maps the 5 answers of a diet quiz, each scaled to [0, 1], to the probabilities
of sending the user down one of 3 signup-funnel variants::

    answers [batch, 5]
      -> Gemm(W1 5x5, b1 5) -> Relu
      -> Gemm(W2 5x3, b2 3) -> Softmax(axis=-1)
      -> variant_probs [batch, 3]

It is small enough that a single inference costs a few microseconds, which
makes it a good subject for latency-budget tests: the measured time is
dominated by the runtime's per-call overhead, not by arithmetic.

Two files are written next to this script:

* ``funnel.onnx`` -- the float32 model. Its bytes depend only on this script
  (fixed seed, explicit IR version, opset, producer and node names), so
  rebuilding it reproduces the shipped file exactly.
* ``funnel_int8.onnx`` -- the dynamic INT8 quantization of the float32 model
  produced by ``onnxruntime.quantization.quantize_dynamic``.

onnxruntime's dynamic quantizer has no integer kernel for ``Gemm``, so before
quantizing, each ``Gemm`` is rewritten into the equivalent ``MatMul`` + ``Add``
pair. The quantizer then turns every ``MatMul`` into
``DynamicQuantizeLinear -> MatMulInteger`` on int8 weights, followed by a
float rescale; the bias ``Add``, ``Relu`` and ``Softmax`` stay in float32.

Usage::

    python models/build_models.py

Requires ``numpy``, ``onnx`` and ``onnxruntime``.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Union

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

MODELS_DIR = Path(__file__).resolve().parent
FP32_PATH = MODELS_DIR / "funnel.onnx"
INT8_PATH = MODELS_DIR / "funnel_int8.onnx"

SEED = 20240601
N_ANSWERS = 5
N_HIDDEN = 5
N_VARIANTS = 3
N_PARAMETERS = N_ANSWERS * N_HIDDEN + N_HIDDEN + N_HIDDEN * N_VARIANTS + N_VARIANTS  # 48

INPUT_NAME = "answers"
OUTPUT_NAME = "variant_probs"
BATCH_DIM = "batch"

IR_VERSION = 8
OPSET = 17
PRODUCER_NAME = "pytest-latency-sla"
PRODUCER_VERSION = "1"

FP32_DOC = (
    "Funnel model: maps the 5 answers of a diet quiz (float32, each scaled to [0, 1]) "
    "to the probabilities of 3 signup-funnel variants. "
    "Gemm(5x5) -> Relu -> Gemm(5x3) -> Softmax; 48 parameters."
)
INT8_DOC = (
    "Funnel model, dynamic INT8 quantization: maps the 5 answers of a diet quiz "
    "(float32, each scaled to [0, 1]) to the probabilities of 3 signup-funnel variants. "
    "Gemm layers rewritten as MatMul+Add, MatMul weights quantized to int8 "
    "(DynamicQuantizeLinear + MatMulInteger)."
)

PathLike = Union[str, "os.PathLike[str]"]


def _weights() -> dict[str, np.ndarray]:
    """Deterministic weights: He-normal matrices, small normal biases."""
    rng = np.random.default_rng(SEED)
    w1 = rng.normal(0.0, np.sqrt(2.0 / N_ANSWERS), size=(N_ANSWERS, N_HIDDEN))
    b1 = rng.normal(0.0, 0.1, size=(N_HIDDEN,))
    w2 = rng.normal(0.0, np.sqrt(2.0 / N_HIDDEN), size=(N_HIDDEN, N_VARIANTS))
    b2 = rng.normal(0.0, 0.1, size=(N_VARIANTS,))
    return {
        "W1": w1.astype("<f4"),
        "b1": b1.astype("<f4"),
        "W2": w2.astype("<f4"),
        "b2": b2.astype("<f4"),
    }


def build_fp32() -> onnx.ModelProto:
    """Return the float32 funnel model."""
    weights = _weights()
    initializers = [numpy_helper.from_array(arr, name=name) for name, arr in weights.items()]
    nodes = [
        helper.make_node("Gemm", [INPUT_NAME, "W1", "b1"], ["fc1_out"], name="fc1"),
        helper.make_node("Relu", ["fc1_out"], ["relu1_out"], name="relu1"),
        helper.make_node("Gemm", ["relu1_out", "W2", "b2"], ["logits"], name="fc2"),
        helper.make_node("Softmax", ["logits"], [OUTPUT_NAME], name="softmax", axis=-1),
    ]
    graph = helper.make_graph(
        nodes,
        "funnel",
        inputs=[
            helper.make_tensor_value_info(INPUT_NAME, TensorProto.FLOAT, [BATCH_DIM, N_ANSWERS])
        ],
        outputs=[
            helper.make_tensor_value_info(OUTPUT_NAME, TensorProto.FLOAT, [BATCH_DIM, N_VARIANTS])
        ],
        initializer=initializers,
    )
    model = helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid("", OPSET)],
        producer_name=PRODUCER_NAME,
        producer_version=PRODUCER_VERSION,
        doc_string=FP32_DOC,
    )
    # Pin everything make_model would otherwise take from the installed onnx.
    model.ir_version = IR_VERSION
    model.model_version = 1
    model.domain = ""
    return model


def _gemm_to_matmul_add(model: onnx.ModelProto) -> onnx.ModelProto:
    """Rewrite each plain ``Gemm`` (alpha=beta=1, no transposes) as ``MatMul`` + ``Add``."""
    out = onnx.ModelProto()
    out.CopyFrom(model)
    new_nodes = []
    for node in out.graph.node:
        if node.op_type != "Gemm":
            new_nodes.append(node)
            continue
        attrs = {a.name: helper.get_attribute_value(a) for a in node.attribute}
        if attrs.get("alpha", 1.0) != 1.0 or attrs.get("beta", 1.0) != 1.0:
            raise ValueError(f"Gemm {node.name!r}: only alpha=beta=1 is supported")
        if attrs.get("transA", 0) or attrs.get("transB", 0):
            raise ValueError(f"Gemm {node.name!r}: transposed operands are not supported")
        a, b = node.input[0], node.input[1]
        product = f"{node.name}_matmul_out"
        new_nodes.append(helper.make_node("MatMul", [a, b], [product], name=f"{node.name}_MatMul"))
        if len(node.input) > 2 and node.input[2]:
            new_nodes.append(
                helper.make_node(
                    "Add", [product, node.input[2]], [node.output[0]], name=f"{node.name}_Add"
                )
            )
        else:
            new_nodes.append(
                helper.make_node("Identity", [product], [node.output[0]], name=f"{node.name}_Out")
            )
    del out.graph.node[:]
    out.graph.node.extend(new_nodes)
    return out


def _atomic_write_bytes(data: bytes, path: Path) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o644)  # mkstemp creates 0600 files
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def save_fp32(out_path: PathLike = FP32_PATH) -> Path:
    """Build the float32 model and write it atomically to ``out_path``."""
    path = Path(out_path)
    _atomic_write_bytes(build_fp32().SerializeToString(), path)
    return path


def build_int8(fp32_path: PathLike = FP32_PATH, out_path: PathLike = INT8_PATH) -> Path:
    """Quantize the float32 model at ``fp32_path`` and write the result to ``out_path``.

    Uses ``quantize_dynamic`` with int8 weights (QInt8) and uint8 dynamic
    activations. The quantizer works in its own scratch directory; the result
    is normalized (producer, doc string, no inferred ``value_info``) and then
    moved into place atomically.
    """
    from onnxruntime.quantization import QuantType, quantize_dynamic

    out = Path(out_path)
    fp32 = onnx.load(str(fp32_path))
    prepared = _gemm_to_matmul_add(fp32)

    with tempfile.TemporaryDirectory(prefix="funnel-quant-") as scratch:
        raw_path = Path(scratch) / "funnel_int8.raw.onnx"
        quantize_dynamic(
            prepared,
            raw_path,
            op_types_to_quantize=["MatMul"],
            per_channel=False,
            reduce_range=False,
            weight_type=QuantType.QInt8,
        )
        quantized = onnx.load(str(raw_path))

    # Shape-inference annotations depend on the installed onnx; they are optional.
    del quantized.graph.value_info[:]
    quantized.producer_name = PRODUCER_NAME
    quantized.producer_version = PRODUCER_VERSION
    quantized.doc_string = INT8_DOC
    quantized.graph.name = "funnel_int8"
    del quantized.metadata_props[:]
    onnx.checker.check_model(quantized)
    _atomic_write_bytes(quantized.SerializeToString(), out)
    return out


def main() -> None:
    import logging

    # quantize_dynamic suggests running its pre-processing pass, which is
    # meaningless for a graph this small; keep the build output quiet.
    logging.getLogger().setLevel(logging.ERROR)
    fp32 = save_fp32(FP32_PATH)
    int8 = build_int8(fp32, INT8_PATH)
    print(f"wrote {fp32} ({fp32.stat().st_size} bytes, {N_PARAMETERS} parameters)")
    print(f"wrote {int8} ({int8.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
