"""The package's layers, read from its source: every import (module level, inside functions,
under ``TYPE_CHECKING``) goes to the same layer or one a layer may use, and none closes a cycle."""

from __future__ import annotations

import ast
import sys
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
# The wording package, inside the foundation: plain data in, text out. It reads the records, the
# units and the plan's limits, and its topic modules read each other; so every layer can word
# what it raises or prints without pulling in anything that measures.
MESSAGES_MAY_USE = {"records", "units", "plan", "messages"}


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


def outside_imports(module: str) -> set[str]:
    """The top-level names of what ``module`` imports from outside the package."""
    path = MODULES[module]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            found.add(node.module.split(".")[0])
    return found - {PACKAGE}


GRAPH = {module: imports_of(module) for module in MODULES}
MESSAGES = sorted(m for m in MODULES if m.split(".")[1:2] == ["messages"])


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


@pytest.mark.parametrize("module", MESSAGES)
def test_messages_word_plain_data(module: str) -> None:
    inside = sorted(
        target
        for target in GRAPH[module]
        if (target.split(".")[1:] or ["__init__"])[0] not in MESSAGES_MAY_USE
    )
    assert inside == [], f"{module} (wording) imports {inside}"
    outside = sorted(
        name for name in outside_imports(module) if name not in sys.stdlib_module_names
    )
    assert outside == [], f"{module} (wording) imports {outside}"


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
    # a topic of the wording package imports another (relative, one level) and the foundation
    # (two levels up); a caller imports the topic it needs, and one inside a function
    assert f"{PACKAGE}.messages.verdict" in GRAPH[f"{PACKAGE}.messages.ratio"]
    assert f"{PACKAGE}.records" in GRAPH[f"{PACKAGE}.messages.ratio"]
    assert f"{PACKAGE}.messages.errors" in GRAPH[f"{PACKAGE}._item"]
    assert f"{PACKAGE}.messages.errors" in GRAPH[f"{PACKAGE}.engine.clock"]
    assert "unicodedata" in outside_imports(f"{PACKAGE}.messages.common")
