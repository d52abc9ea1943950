"""ONNX Runtime helpers: a session set up for latency, and inputs built from its metadata.

``onnxruntime`` is imported only when one of these functions is called
(``pip install 'pytest-latency-sla[onnx]'``).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
    import onnxruntime

__all__ = ["ModelError", "ProviderNotAvailable", "example_inputs", "load_session"]


class ModelError(ValueError):
    """A model file that cannot be used; the message names the path."""


class ProviderNotAvailable(ModelError):
    """An execution provider that this machine's onnxruntime does not have (catch it to skip a
    GPU test on a CPU runner: ``pytest.skip(str(error))``)."""


def _onnxruntime() -> Any:
    try:
        import onnxruntime
    except ImportError as error:
        raise ImportError(
            "pytest_latency_sla.onnx needs onnxruntime: pip install 'pytest-latency-sla[onnx]'"
        ) from error
    return onnxruntime


def load_session(
    path: str | os.PathLike[str],
    *,
    threads: int = 1,
    providers: Sequence[str] | None = None,
) -> onnxruntime.InferenceSession:
    """An ``InferenceSession`` set up for latency measurement.

    ``threads`` intra-op threads (one inter-op thread), sequential execution, full graph
    optimization. ``providers`` defaults to the CPU; a provider this machine does not have is an
    error, never a silent fallback that measures the CPU while claiming the GPU.
    """
    __tracebackhide__ = True  # a bad path is the caller's mistake: show their line, not ours
    ort = _onnxruntime()
    model = Path(os.fspath(path))
    if isinstance(threads, bool) or not isinstance(threads, int) or threads < 1:
        raise ValueError(f"threads must be an int >= 1, got {threads!r}")
    if not model.exists():
        raise FileNotFoundError(f"ONNX model not found: {str(model)!r}")
    if model.is_dir():
        raise ModelError(f"{str(model)!r} is a directory, not an ONNX model file")
    wanted = list(providers) if providers is not None else ["CPUExecutionProvider"]
    if isinstance(providers, str) or not wanted:
        raise ValueError(f"providers must be a non-empty list of names, got {providers!r}")
    available = ort.get_available_providers()
    missing = [name for name in wanted if name not in available]
    if missing:
        raise ProviderNotAvailable(
            f"{str(model)!r}: execution provider {', '.join(missing)} is not available on this "
            f"machine (available: {', '.join(available)})"
        )
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.log_severity_level = 3
    try:
        session = ort.InferenceSession(str(model), sess_options=options, providers=wanted)
    except Exception as error:  # onnxruntime raises its own exception types, all from Exception
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise ModelError(f"{str(model)!r} could not be loaded as an ONNX model: {first}") from error
    used = session.get_providers()
    if wanted[0] not in used:
        raise ModelError(
            f"{str(model)!r}: onnxruntime fell back to {', '.join(used)} instead of {wanted[0]}"
        )
    return session


_DTYPES = {
    "tensor(float)": "float32",
    "tensor(float16)": "float16",
    "tensor(double)": "float64",
    "tensor(int8)": "int8",
    "tensor(int16)": "int16",
    "tensor(int32)": "int32",
    "tensor(int64)": "int64",
    "tensor(uint8)": "uint8",
    "tensor(uint16)": "uint16",
    "tensor(uint32)": "uint32",
    "tensor(uint64)": "uint64",
    "tensor(bool)": "bool",
    "tensor(string)": "str",
}


def example_inputs(
    session: onnxruntime.InferenceSession, *, batch: int = 1, seed: int = 0
) -> dict[str, np.ndarray[Any, Any]]:
    """Random inputs for every input of ``session``, from its metadata, reproducible by ``seed``.

    Symbolic or unknown dimensions become ``batch`` on the first axis and 1 elsewhere.
    Floats are standard normal, integers in ``[0, 10)``, booleans fair coins, strings short words.
    """
    import numpy as np

    if isinstance(batch, bool) or not isinstance(batch, int) or batch < 1:
        raise ValueError(f"batch must be an int >= 1, got {batch!r}")
    rng = np.random.default_rng(seed)
    feeds: dict[str, np.ndarray[Any, Any]] = {}
    for meta in session.get_inputs():
        kind = _DTYPES.get(meta.type)
        if kind is None:
            raise ModelError(
                f"input {meta.name!r} has type {meta.type}, which example_inputs cannot build; "
                "build that input yourself"
            )
        shape = tuple(
            dim if isinstance(dim, int) and dim >= 0 else (batch if axis == 0 else 1)
            for axis, dim in enumerate(meta.shape or ())
        )
        feeds[meta.name] = _random(rng, kind, shape)
    return feeds


def _random(rng: np.random.Generator, kind: str, shape: tuple[int, ...]) -> np.ndarray[Any, Any]:
    import numpy as np

    # np.asarray: for a scalar input (shape ()) numpy returns a scalar, which onnxruntime refuses.
    if kind.startswith("float"):
        return np.asarray(rng.standard_normal(shape), dtype=kind)
    if kind == "bool":
        return np.asarray(rng.random(shape) < 0.5, dtype=bool)
    if kind == "str":
        words = np.array(["alpha", "beta", "gamma", "delta", "epsilon"], dtype=object)
        return np.asarray(words[rng.integers(0, len(words), size=shape)], dtype=object)
    return np.asarray(rng.integers(0, 10, size=shape), dtype=kind)
