"""The ``latency-sla`` command, run for real on the shipped funnel model."""

from __future__ import annotations

import fnmatch
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("onnxruntime")
pytestmark = pytest.mark.slow  # every test starts the command in a process of its own
FUNNEL = Path(__file__).resolve().parent.parent / "models" / "funnel.onnx"
FUNNEL_INT8 = FUNNEL.with_name("funnel_int8.onnx")


def run(*args: str) -> subprocess.CompletedProcess[str]:
    command = shutil.which("latency-sla", path=str(Path(sys.executable).parent))
    assert command, "the latency-sla console script is installed with the package"
    return subprocess.run([command, *args], capture_output=True, text=True, timeout=120)


def test_help() -> None:
    done = run("--help")
    assert done.returncode == 0
    assert "--rate R" in done.stdout and "exit status: 0 pass, 1 missed" in done.stdout


def test_generous_budget_passes_with_table_and_overkill_warning(tmp_path: Path) -> None:
    done = run(str(FUNNEL), "--s", "1", "--max-time", "1", "--json", str(tmp_path / "r.json"))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "p99 <= 1 s" in done.stdout and "pass overkill" in done.stdout
    assert "LatencyOverkillWarning: p99 = " in done.stdout
    report = json.loads((tmp_path / "r.json").read_text())
    (result,) = report["results"]
    assert report["schema"] == "pytest-latency-sla/1" and result["outcome"] == "passed"
    assert result["thresholds"][0]["budget_s"] == 1.0


def test_impossible_budget_fails_in_ten_calls() -> None:
    done = run(str(FUNNEL), "--us", "1")
    assert done.returncode == 1
    assert "latency SLA missed: p99 = " in done.stdout and "> budget 1 us (n=10," in done.stdout


def test_under_load_reports_rates_and_json(tmp_path: Path) -> None:
    path = tmp_path / "r.json"
    done = run(
        str(FUNNEL), "--ms", "50", "--rate", "1000", "--max-time", "0.5", "--json", str(path)
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "@ 1,000/s (served " in done.stdout and "start delay p99" in done.stdout
    load = json.loads(path.read_text())["results"][0]["load"]
    assert load["rate"] == 1000 and load["arrivals"] == "constant" and load["concurrency"] == 1
    assert 900 < load["achieved_rate"] < 1100 and load["start_delay_p99_s"] >= 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--ms", "50", "--rate", "-1"], "--rate -1.0: rate must be a positive"),
        (["--ms", "50", "--rate", "nan"], "--rate nan: rate must be a positive"),
        (["--ms", "50", "--concurrency", "0"], "--concurrency 0: concurrency must be an int"),
        (["--ms", "0"], "--ms 0: the budget must be a positive"),
        (["--ms", "5", "--us", "5"], "not allowed with argument"),
        (["--ms", "5", "--percentile", "100"], "percentile must be a number with 0 < p < 100"),
        (
            ["--ms", "5", "--percentile", "0.99"],
            "--percentile 0.99: percentile is in percent (0 < p < 100); did you mean "
            "--percentile 99?",
        ),
        (["--ms", "5", "--threads", "0"], "--threads: expected an int >= 1"),
        ([], "one of the arguments --ms --us --s is required"),
        (
            ["--ms", "5", "--json", "/nonexistent/dir/r.json"],
            "--json /nonexistent/dir/r.json: give",
        ),
        (["--ms", "5", "--max-time", "0"], "--max-time 0.0: max_time must be a positive"),
        (["--ratio", "0.8"], "--ratio needs --vs BASELINE.onnx, the model to compare with"),
        (["--vs", str(FUNNEL), "--ratio", "0"], "--ratio 0.0: ratio must be a positive number"),
        (
            ["--vs", str(FUNNEL), "--ratio", "1e308"],
            "--ratio 1e+308: ratio must be a positive number, at most 1,000, candidate / baseline",
        ),  # fmt: skip
        (["--vs", str(FUNNEL), "--ratio", "nan"], "--ratio nan: ratio must be a positive"),
        (["--vs", str(FUNNEL), "--rate", "100"], "--vs compares closed loop: it cannot be"),
    ],
)
def test_bad_usage_exits_2(args: list[str], message: str) -> None:
    done = run(str(FUNNEL), *args)
    assert done.returncode == 2
    assert message in done.stderr


def test_missing_or_invalid_model_exits_2(tmp_path: Path) -> None:
    done = run(str(tmp_path / "missing.onnx"), "--ms", "5")
    assert done.returncode == 2 and "ONNX model not found" in done.stderr
    junk = tmp_path / "junk.onnx"
    junk.write_text("not a model")
    done = run(str(junk), "--ms", "5")
    assert done.returncode == 2 and "could not be loaded as an ONNX model" in done.stderr


@pytest.mark.slow
def test_relative_gate_of_two_models(tmp_path: Path) -> None:
    # the funnel against itself: a ratio of about 1, far inside 3x and far outside 0.3x
    passed = run(
        str(FUNNEL), "--vs", str(FUNNEL), "--ratio", "3", "--percentile", "50",
        "--json", str(tmp_path / "r.json"),
    )  # fmt: skip
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert f"{FUNNEL} vs {FUNNEL}" in passed.stdout and "p50 <= 3x baseline" in passed.stdout
    (result,) = json.loads((tmp_path / "r.json").read_text())["results"]
    assert result["thresholds"][0]["kind"] == "ratio" and result["outcome"] == "passed"
    assert result["baseline"]["n"] == result["n"]
    missed = run(str(FUNNEL), "--vs", str(FUNNEL), "--ratio", "0.3", "--percentile", "50")
    assert missed.returncode == 1
    assert "latency ratio missed: p50 candidate/baseline = " in missed.stdout
    # a ratio and a budget together; no ratio at all reports the ratios with no gate
    both = run(str(FUNNEL_INT8), "--vs", str(FUNNEL), "--ratio", "3", "--ms", "50")
    assert both.returncode == 0 and "p99 <= 50 ms" in both.stdout and "p99 <= 3x" in both.stdout
    plain = run(str(FUNNEL_INT8), "--vs", str(FUNNEL), "--max-time", "0.2")
    assert plain.returncode == 0 and "no gate: candidate/baseline" in plain.stdout


@pytest.mark.slow
def test_models_with_different_inputs_exit_2_naming_the_difference(tmp_path: Path) -> None:
    onnx = pytest.importorskip("onnx")
    from onnx import TensorProto, helper

    def identity(name: str, shape: list[int], path: Path) -> Path:
        graph = helper.make_graph(
            [helper.make_node("Identity", [name], ["y"])],
            "g",
            [helper.make_tensor_value_info(name, TensorProto.FLOAT, shape)],
            [helper.make_tensor_value_info("y", TensorProto.FLOAT, shape)],
        )
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
        model.ir_version = 8
        onnx.save(model, str(path))
        return path

    five = identity("input", [1, 5], tmp_path / "five.onnx")
    four = identity("input", [1, 4], tmp_path / "four.onnx")
    other = identity("answers", [1, 5], tmp_path / "other.onnx")
    done = run(str(five), "--vs", str(four), "--ratio", "1")
    assert done.returncode == 2
    assert (
        f"latency-sla: error: {five} and {four} take different inputs: input is (1, 5) float32 "
        f"in {five}, (1, 4) float32 in {four}"
    ) in done.stderr
    done = run(str(five), "--vs", str(other), "--ratio", "1")
    assert done.returncode == 2
    assert (
        f"take different inputs: answers: (1, 5) float32 only in {other}; "
        f"input: (1, 5) float32 only in {five}"
    ) in done.stderr


def _model(path: Path, nodes: list[Any], inputs: list[Any], initializers: list[Any]) -> Path:
    from onnx import TensorProto, helper, save

    output = helper.make_tensor_value_info("y", TensorProto.FLOAT, None)
    graph = helper.make_graph(nodes, path.stem, inputs, [output], initializer=initializers)
    opsets = [helper.make_opsetid("", 17), helper.make_opsetid("com.example.custom", 1)]
    save(helper.make_model(graph, opset_imports=opsets), str(path))
    return path


def _reshape4(tmp_path: Path) -> Path:
    """x[batch, seq] -> Reshape to [-1, 4]: loads, but example inputs (1, 1) cannot become rows
    of four."""
    from onnx import TensorProto, helper

    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", "seq"])
    shape = helper.make_tensor("shape", TensorProto.INT64, [2], [-1, 4])
    node = helper.make_node("Reshape", ["x", "shape"], ["y"])
    return _model(tmp_path / "reshape4.onnx", [node], [x], [shape])


def _gather(tmp_path: Path) -> Path:
    """An int64 index into two values: the example input (8, from seed 0) is out of range."""
    from onnx import TensorProto, helper

    idx = helper.make_tensor_value_info("idx", TensorProto.INT64, [1])
    data = helper.make_tensor("data", TensorProto.FLOAT, [2], [1.0, 2.0])
    node = helper.make_node("Gather", ["data", "idx"], ["y"])
    return _model(tmp_path / "gather.onnx", [node], [idx], [data])


def _custom_op(tmp_path: Path) -> Path:
    from onnx import TensorProto, helper

    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 4])
    node = helper.make_node("NoSuchOp", ["x"], ["y"], domain="com.example.custom")
    return _model(tmp_path / "custom.onnx", [node], [x], [])


def _type_mismatch(tmp_path: Path) -> Path:
    from onnx import TensorProto, helper

    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])
    c = helper.make_tensor("c", TensorProto.INT64, [4], [1, 2, 3, 4])
    node = helper.make_node("Add", ["x", "c"], ["y"])
    return _model(tmp_path / "mismatch.onnx", [node], [x], [c])


@pytest.mark.slow
@pytest.mark.parametrize(
    ("build", "message"),
    [
        (_reshape4, "'*reshape4.onnx' failed to run with the inputs built from its metadata "
         "(x: (1, 1) float32): *ONNXRuntimeError* The input tensor cannot be reshaped to the "
         "requested shape. Input shape:{1,1}, requested shape:{-1,4}"),
        (_gather, "'*gather.onnx' failed to run with the inputs built from its metadata "
         "(idx: (1,) int64): *indices element out of data bounds, idx=8*"),
        (_custom_op, "'*custom.onnx' could not be loaded as an ONNX model: *"
         "com.example.custom:NoSuchOp(-1) is not a registered function/op"),
        (_type_mismatch, "'*mismatch.onnx' could not be loaded as an ONNX model: *Type Error: "
         "Type parameter (T) of Optype (Add) bound to different types*"),
    ],
    ids=["shape-at-run", "value-at-run", "missing-custom-op", "type-mismatch"],
)  # fmt: skip
def test_a_model_that_cannot_run_is_one_line_and_exit_2(
    tmp_path: Path, build: Any, message: str
) -> None:
    pytest.importorskip("onnx")
    model = build(tmp_path)
    done = run(str(model), "--ms", "50")
    assert done.returncode == 2, done.stdout + done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and fnmatch.fnmatchcase(lines[0], f"latency-sla: error: {message}"), (
        lines
    )
    assert "Traceback" not in done.stderr and done.stdout == ""


@pytest.mark.parametrize("workers", [1, 2])
def test_find_rate_prints_each_probe_and_the_capacity_line(tmp_path: Path, workers: int) -> None:
    path = tmp_path / "r.json"
    done = run(
        str(FUNNEL), "--ms", "50", "--find-rate", "--max-time", "0.5", "--capacity-time", "4",
        "--concurrency", str(workers), "--json", str(path),
    )  # fmt: skip
    assert done.returncode in (0, 1), done.stdout + done.stderr  # 1: a busy machine held no rate
    lines = done.stdout.splitlines()
    served = "1 worker serves " if workers == 1 else f"{workers} workers serve "
    assert f"closed loop: {served}" in done.stdout
    header = next(i for i, line in enumerate(lines) if line.split()[:2] == ["rate", "served"])
    assert "p99 <= 50 ms" in lines[header] and lines[header].rstrip().endswith("verdict")
    (result,) = json.loads(path.read_text())["results"]
    probes = result["capacity"]["probes"]
    assert len(lines) >= header + 2 + len(probes)  # header, rule, one row per probe
    assert [float(line.split()[0].rstrip("/s").replace(",", "")) for line in
            lines[header + 2 : header + 2 + len(probes)]] == [p["rate"] for p in probes]  # fmt: skip
    capacity_line = next(line for line in lines if line.startswith("capacity: p99 <= 50 ms "))
    if done.returncode == 0:
        assert " holds at " in capacity_line and "95% confident" in capacity_line
        assert result["capacity"]["holds_at"] is not None
    assert result["capacity"]["budgets"] == ["p99 <= 50 ms"]
    assert probes[0]["rate"] > 0 and all(p["thresholds"] for p in probes)
    # each probe's mean service time: the funnel's call takes microseconds, whatever the queue
    assert " service " in lines[header]
    assert all(1e-7 < p["service_time_s"] < 1e-3 for p in probes)


def test_find_rate_with_an_impossible_min_rate_exits_1() -> None:
    done = run(
        str(FUNNEL), "--ms", "50", "--find-rate", "--min-rate", "1e9", "--max-time", "0.3",
        "--capacity-time", "2",
    )  # fmt: skip
    assert done.returncode == 1, done.stdout + done.stderr
    assert "capacity missed: p99 <= 50 ms holds " in done.stdout
    assert "1,000,000,000/s" in done.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--find-rate", "--rate", "100"], "--find-rate searches the rate: remove --rate"),
        (["--min-rate", "100"], "--min-rate needs --find-rate (a capacity search)"),
        (["--capacity-time", "5"], "--capacity-time needs --find-rate (a capacity search)"),
        (["--find-rate", "--min-rate", "-1"], "--min-rate -1.0: min_rate must be a positive"),
        (["--find-rate", "--min-rate", "nan"], "--min-rate nan: min_rate must be a positive"),
        (["--find-rate", "--capacity-time", "0"], "--capacity-time 0.0: capacity_time must be"),
        (["--find-rate", "--ratio", "0.8"], "--ratio needs --vs BASELINE.onnx"),
        (["--find-rate", "--min-rate", "1e10"], "--min-rate 10000000000.0: min_rate must be from"),
        (["--find-rate", "--capacity-time", "1e6"], "capacity_time must be a positive number of"),
        (
            ["--find-rate", "--capacity-time", "1e-9", "--max-time", "0.3"],
            "--capacity-time 1e-09: shorter than max_time (0.3 s): a capacity search runs probes",
        ),
    ],
)
def test_find_rate_bad_usage_exits_2(args: list[str], message: str) -> None:
    done = run(str(FUNNEL), "--ms", "50", *args)
    assert done.returncode == 2
    assert message in done.stderr


def test_find_rate_against_a_baseline_exits_2() -> None:
    done = run(str(FUNNEL), "--vs", str(FUNNEL), "--ms", "50", "--find-rate", "--ratio", "0.8")
    assert done.returncode == 2
    assert "--find-rate holds a budget (--ms, --us, --s), not a comparison: remove --vs" in (
        done.stderr
    )
