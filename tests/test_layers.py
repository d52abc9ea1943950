"""The package's layers, read from its source: every import (module level, inside functions,
under ``TYPE_CHECKING``) goes to the same layer or one a layer may use, and none closes a cycle."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = "pytest_latency_sla"
ROOT = Path(__file__).resolve().parent.parent / PACKAGE

# Each layer and the modules (or subpackages) in it, bottom first.
LAYERS: dict[str, tuple[str, ...]] = {
    "foundation": ("records", "units", "messages", "plan", "warning_types", "onnx"),
    "stats": ("stats",),
    "engine": ("engine",),
    "verdict": ("verdict",),
    "reports": ("reports",),
    "pytest edge": (
        "__init__",
        "plugin",
        "_item",
        "_baseline",
        "fixture",
        "collector",
        "_session",
        "_signals",
        "settings",
        "markers",
        "hookspecs",
        "cli",
        "_merge_cli",
        "_pytest_html",
    ),
}
# What each layer may import besides itself. Reports read records and word them with
# ``messages``: they import no measuring module.
MAY_USE: dict[str, set[str]] = {
    "foundation": set(),
    "stats": {"foundation"},
    "engine": {"foundation", "stats"},
    "verdict": {"foundation", "stats", "engine"},
    "reports": {"foundation"},
    "pytest edge": {"foundation", "stats", "engine", "verdict", "reports"},
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {module_name(p): p for p in sorted(ROOT.rglob("*.py"))}


def layer_of(module: str) -> str:
    rest = module.split(".")[1:] or ["__init__"]
    for layer, members in LAYERS.items():
        if rest[0] in members:
            return layer
    raise AssertionError(f"{module} is in no layer: add it to LAYERS in {__file__}")


def imports_of(module: str) -> set[str]:
    """The package modules that ``module`` imports, anywhere in its source."""
    path = MODULES[module]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            for alias in node.names:
                submodule = f"{source}.{alias.name}"
                found.add(submodule if submodule in MODULES else source)
    return {name for name in found if name in MODULES and name != module}


GRAPH = {module: imports_of(module) for module in MODULES}


def test_every_module_is_in_a_layer() -> None:
    for module in MODULES:
        layer_of(module)


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_go_down_the_layers(module: str) -> None:
    layer = layer_of(module)
    upward = sorted(
        target
        for target in GRAPH[module]
        if layer_of(target) != layer and layer_of(target) not in MAY_USE[layer]
    )
    assert upward == [], f"{module} ({layer}) imports {upward}"


def test_no_import_cycle() -> None:
    done: set[str] = set()

    def visit(module: str, path: list[str]) -> None:
        if module in path:
            cycle = path[path.index(module) :] + [module]
            raise AssertionError("import cycle: " + " -> ".join(cycle))
        if module in done:
            return
        for target in sorted(GRAPH[module]):
            visit(target, [*path, module])
        done.add(module)

    for module in sorted(MODULES):
        visit(module, [])


def test_the_checker_sees_imports_inside_functions_and_type_checking() -> None:
    # measure.py imports the isolation engine inside a function, and the load engine's records
    # only under TYPE_CHECKING: both count.
    assert f"{PACKAGE}.engine.isolation" in GRAPH[f"{PACKAGE}.verdict.measure"]
    assert f"{PACKAGE}.engine.load.schedule" in GRAPH[f"{PACKAGE}.verdict.measure"]
