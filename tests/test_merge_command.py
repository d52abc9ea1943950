"""``latency-sla merge``: the JSON reports of real pytest-split shards merged into one report,
compared with a single unsharded run; duplicates kept with their file; every file that cannot
be merged refused with exit 2 and one line."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from pytest_latency_sla.cli import main

SUITE = """
import itertools, pytest

@pytest.mark.latency_sla(ms=50, overkill=None)
def test_a_first(latency_sla, scripted):
    latency_sla(scripted(itertools.repeat(1_000_000)))

@pytest.mark.parametrize("model", ["fp32", "int8", "int4"])
@pytest.mark.latency_sla(ms=50, overkill=None)
def test_b_models(latency_sla, scripted, model):
    latency_sla(scripted(itertools.repeat(2_000_000)))

@pytest.mark.latency_sla(ratio=0.8, percentile=50)
def test_c_compared(latency_sla, scripted):
    latency_sla.compare(scripted(itertools.repeat(4_000)), scripted(itertools.repeat(8_400)))

@pytest.mark.latency_sla(ms=50, overkill=None)
def test_d_twice(latency_sla, scripted):
    latency_sla(scripted(itertools.repeat(1_000_000)))
    latency_sla(scripted(itertools.repeat(3_000_000)))

def test_e_unbudgeted(latency_sla, scripted):
    latency_sla.measure(scripted(itertools.repeat(2_000)))

def test_f_not_measured():
    pass
"""


def nodeids(path: Path) -> list[str]:
    return [r["nodeid"] for r in json.loads(path.read_text())["results"]]


@pytest.fixture
def shards(scripted_pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Two pytest-split groups of the suite and one unsharded run, each with its JSON report."""
    scripted_pytester.makepyfile(test_suite=SUITE)
    for group in (1, 2):
        result = scripted_pytester.runpytest(
            "--splits", "2", "--group", str(group), f"--latency-json=shard-{group}.json"
        )
        assert result.ret == 0, result.stdout.str()
        result.stdout.fnmatch_lines([f"*Running group {group}/2*"])
    scripted_pytester.runpytest("--latency-json=all.json").assert_outcomes(passed=8)
    monkeypatch.chdir(scripted_pytester.path)
    return scripted_pytester.path


def test_two_shards_merge_into_what_one_run_reports(
    shards: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first, second, whole = (
        nodeids(shards / f) for f in ("shard-1.json", "shard-2.json", "all.json")
    )
    assert first and second and not set(first) & set(second)  # each shard measured a part
    status = main(["merge", "shard-1.json", "shard-2.json", "--json", "out/merged.json",
                   "--md", "out/merged.md", "--html", "out/merged.html"])  # fmt: skip
    assert status == 0
    merged = nodeids(shards / "out" / "merged.json")
    assert sorted(merged) == sorted(whole) and len(merged) == 8  # test_d_twice measured twice
    assert merged == sorted(merged)  # node-id order
    report = json.loads((shards / "out" / "merged.json").read_text())
    assert report["schema"] == "pytest-latency-sla/1"
    assert report["environment"]["merged_from"] == ["shard-1.json", "shard-2.json"]
    assert all("source" not in r for r in report["results"])
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "8 measurements, 7 budgets: 7 met, 0 missed"
    assert out[1].endswith("; merged from 2 reports (machine of the first)")
    assert out[-3:] == [
        f"latency-sla merge: JSON report written to {shards / 'out' / 'merged.json'}",
        f"latency-sla merge: Markdown report written to {shards / 'out' / 'merged.md'}",
        f"latency-sla merge: HTML report written to {shards / 'out' / 'merged.html'}",
    ]
    markdown = (shards / "out" / "merged.md").read_text()
    assert [m for m in re.findall(r"^\| `([^`]*)`", markdown, re.M)] == merged
    html = (shards / "out" / "merged.html").read_text()
    assert html.count('<section class="card"') == 8


def test_a_test_in_two_files_is_listed_twice_with_its_file(
    shards: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (shards / "again.json").write_text((shards / "shard-1.json").read_text())
    assert main(["merge", "shard-1.json", "again.json", "shard-2.json", "--md", "m.md"]) == 0
    table = capsys.readouterr().out
    once = set(nodeids(shards / "shard-1.json"))
    for nodeid in once:
        assert f"{nodeid} (from shard-1.json)" in table and f"{nodeid} (from again.json)" in table
    markdown = (shards / "m.md").read_text()
    assert markdown.count("(from again.json)`") == len(once)


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (["missing.json"], "missing.json: cannot read it: No such file or directory"),
        (["shard-1.json", "./shard-1.json"],
         "./shard-1.json: given twice (as shard-1.json): each report is merged once"),
        (["shard-1.json", "other.json"],
         "other.json: schema 'pytest-latency-sla/2', but merge reads 'pytest-latency-sla/1' "
         "reports only; merge reports written by the same version of pytest-latency-sla"),
        (["shard-1.json", "base.json"],
         "base.json: schema 'pytest-latency-sla-baseline/1', but merge reads "
         "'pytest-latency-sla/1' reports only; it is a stored baseline (--latency-save), not a "
         "report: merge the --latency-json files"),
        (["shard-1.json", "garbage.json"], "garbage.json: not JSON (Expecting value: line 1 "
         "column 1 (char 0))"),
        (["shard-1.json", "--json", "shard-2.json/x.json"],
         "--json: cannot write '*/shard-2.json/x.json': '*/shard-2.json' is a file, not a "
         "directory"),
        (["shard-1.json", "--html", "."], "--html: '*' is a directory; give a file path"),
    ],
)  # fmt: skip
def test_what_cannot_be_merged_is_one_line_and_exit_2(
    shards: Path, capsys: pytest.CaptureFixture[str], args: list[str], error: str
) -> None:
    other = json.loads((shards / "shard-2.json").read_text())
    other["schema"] = "pytest-latency-sla/2"
    (shards / "other.json").write_text(json.dumps(other))
    (shards / "base.json").write_text('{"schema": "pytest-latency-sla-baseline/1"}')
    (shards / "garbage.json").write_text("<html>")
    assert main(["merge", *args]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert len(lines) == 1
    assert re.fullmatch(re.escape("latency-sla merge: error: " + error).replace(r"\*", ".*"),
                        lines[0]), lines[0]  # fmt: skip
    assert not (shards / "x.json").exists()


@pytest.mark.slow
def test_the_installed_command(shards: Path) -> None:
    """The ``latency-sla`` executable: ``merge`` beside the model gate's usage."""
    command = [sys.executable, "-c", "import sys; from pytest_latency_sla.cli import main; "
               "sys.exit(main())"]  # fmt: skip
    done = subprocess.run(
        [*command, "merge", "shard-1.json", "shard-2.json", "--html", "m.html"],
        capture_output=True, text=True, cwd=shards,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert (
        done.stdout.splitlines()[-1] == f"latency-sla merge: HTML report written to {shards}/m.html"
    )
    refused = subprocess.run(
        [*command, "merge", "shard-1.json", "nope.json"], capture_output=True, text=True, cwd=shards
    )
    assert (refused.returncode, refused.stdout) == (2, "")
    assert (
        refused.stderr
        == "latency-sla merge: error: nope.json: cannot read it: No such file or directory\n"
    )
    usage = subprocess.run([*command, "merge"], capture_output=True, text=True, cwd=shards)
    assert (
        usage.returncode == 2 and "the following arguments are required: FILE.json" in usage.stderr
    )
    # the model gate is still the command's first use
    gate = subprocess.run([*command, "--help"], capture_output=True, text=True, cwd=shards)
    shown = " ".join(gate.stdout.split())
    assert "MODEL.onnx" in shown and "'latency-sla merge FILE.json...' merges JSON reports" in shown
    missing = subprocess.run([*command, "missing.onnx", "--ms", "50"], capture_output=True,
                             text=True, cwd=shards)  # fmt: skip
    assert missing.returncode == 2 and "missing.onnx" in missing.stderr
