"""The benchmark scripts share one shape, read from their source (nothing is measured here):
``REPEATS``, ``run(repeats, quick) -> list[Row]``, ``main(run, REPEATS, __doc__)``; ``run_all.py``
runs every one of them; none imports from ``tests``."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"
SCRIPTS = sorted(p for p in BENCHMARKS.glob("*.py") if not p.stem.startswith("_"))
SHAPED = [p for p in SCRIPTS if p.stem != "run_all"]


def top_level(path: Path) -> dict[str, ast.stmt]:
    found: dict[str, ast.stmt] = {}
    for node in ast.parse(path.read_text(), str(path)).body:
        if isinstance(node, ast.FunctionDef):
            found[node.name] = node
        elif isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
            found[node.targets[0].id] = node
        elif isinstance(node, ast.If):
            found["if " + ast.unparse(node.test)] = node
    return found


def test_there_are_scripts() -> None:
    assert len(SHAPED) >= 10


@pytest.mark.parametrize("path", SHAPED, ids=[p.stem for p in SHAPED])
def test_every_script_has_the_shared_shape(path: Path) -> None:
    found = top_level(path)
    run = found.get("run")
    assert isinstance(run, ast.FunctionDef), f"{path.name}: no top-level run()"
    params = [(a.arg, ast.unparse(a.annotation) if a.annotation else None) for a in run.args.args]
    assert params == [("repeats", "int"), ("quick", "bool")], path.name
    assert run.returns is not None and ast.unparse(run.returns) == "list[Row]", path.name
    repeats = found.get("REPEATS")
    assert isinstance(repeats, ast.Assign), f"{path.name}: no REPEATS"
    assert ast.unparse(repeats.value).startswith("Repeats(full="), path.name
    guard = found.get("if __name__ == '__main__'")
    assert isinstance(guard, ast.If), f"{path.name}: no __main__ block"
    assert [ast.unparse(s) for s in guard.body] == ["main(run, REPEATS, __doc__)"], path.name


@pytest.mark.parametrize("path", SCRIPTS, ids=[p.stem for p in SCRIPTS])
def test_no_script_imports_from_tests(path: Path) -> None:
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [node.module or ""]
        assert not [n for n in names if n == "tests" or n.startswith("tests.")], path.name
    assert "sys.path.insert" not in path.read_text(), path.name


def test_run_all_runs_every_script(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(BENCHMARKS))
    import run_all  # type: ignore[import-not-found]

    assert sorted(run_all.script_names()) == sorted(p.stem for p in SHAPED)
    # the listed order first: the table reads as the README's
    assert run_all.script_names()[: len(run_all.ORDER)] == run_all.ORDER


@pytest.mark.parametrize("given", ["0", "-3", "two"])
def test_a_bad_repeat_count_is_a_usage_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], given: str
) -> None:
    monkeypatch.syspath_prepend(str(BENCHMARKS))
    import _common  # type: ignore[import-not-found]

    with pytest.raises(SystemExit) as exit_info:
        _common.parser("doc").parse_args(["--repeats", given])
    assert exit_info.value.code == 2
    assert f"--repeats: {given!r} is not a whole number >= 1" in capsys.readouterr().err
