"""The grader's house: no import cycle between its modules, and each part imports only the
parts below it (the table in grader/README.md, "The house"). Imports are read from the source
(those inside functions too, not those under ``if TYPE_CHECKING:``), so a lazy import that
closes a cycle is found as well."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

GRADER = Path(__file__).resolve().parents[2] / "grader"

# part -> the parts it may import (besides itself). A part is a folder of grader/, or a
# module at its top.
BELOW = {
    "grader._lazy": set(),
    "grader.paths": set(),
    "grader.edition": set(),
    "grader.collector": set(),
    "grader.sandbox": {"grader._lazy"},
    "grader.commands": {"grader.sandbox"},
    "grader.report": {"grader._lazy", "grader.edition"},
    "grader.submission": {"grader._lazy", "grader.report"},
    "grader.checking": {
        "grader._lazy",
        "grader.edition",
        "grader.paths",
        "grader.report",
        "grader.sandbox",
    },
    "grader.checks": {"grader.checking"},
    "grader.exercises": {"grader.paths", "grader.checking", "grader.checks"},
}
TOP = {"grader", "grader.cli", "grader.runner", "grader.watch", "grader.notebook_check"}
TOP |= {
    "grader.instructor",
    "grader.authoring",
    "grader.hints",
    "grader.keys",
    "grader.watch_screen",
    "grader.reset",
}


def module_name(path: Path) -> str:
    parts = path.relative_to(GRADER.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(GRADER.rglob("*.py"))}


def part(module: str) -> str:
    pieces = module.split(".")
    candidate = ".".join(pieces[:2])
    return candidate if candidate in BELOW or candidate in TOP else module


def _type_checking_nodes(tree: ast.Module) -> set[int]:
    skipped = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skipped |= {id(inner) for inner in ast.walk(node)}
    return skipped


def imported(module: str) -> set[str]:
    """The grader modules ``module`` imports (a ``from package import name`` that names a
    submodule counts as importing it)."""
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    skipped, found = _type_checking_nodes(tree), set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return {m for m in found if m in MODULES and m != module and not module.startswith(m + ".")}


GRAPH = {module: imported(module) for module in MODULES}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for child in sorted(graph.get(node, ())):
            if child not in index:
                visit(child)
                low[node] = min(low[node], low[child])
            elif child in on_stack:
                low[node] = min(low[node], index[child])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_there_is_no_import_cycle_in_the_grader():
    assert cycles(GRAPH) == []


def test_the_cycle_finder_finds_a_cycle():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == [["a", "b", "c"]]


@pytest.mark.parametrize("module", sorted(MODULES))
def test_each_part_imports_only_the_parts_below_it(module):
    source = part(module)
    if source in TOP:
        return
    assert source in BELOW, f"{module}: a new part of the grader; add it to BELOW or TOP"
    allowed = BELOW[source] | {source}
    wrong = sorted(m for m in GRAPH[module] if part(m) not in allowed)
    assert not wrong, f"{module} imports {wrong}, above it in the house"


def test_the_worker_imports_only_the_standard_library_numpy_and_wire():
    """grader/sandbox/worker.py runs inside the sandbox, started with ``python -I -S``."""
    tree = ast.parse(MODULES["grader.sandbox.worker"].read_text(encoding="utf-8"))
    top = {
        (alias.name if isinstance(node, ast.Import) else node.module or "").split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }
    assert "grader" not in top and {"numpy", "wire"} <= top


def named_after_the_worker(paths: dict[str, Path]) -> list[str]:
    """Classes named after a "worker", and functions so named outside grader/sandbox/: the word
    means the sandbox's worker process alone (a program, not a class; a loaded file is a
    LoadedFile, a process of the batch's pool a Grader)."""
    found = []
    for module, path in paths.items():
        kinds = ast.ClassDef
        if not module.startswith("grader.sandbox"):
            kinds = ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, kinds) and "worker" in node.name.lower():
                found.append(f"{module}.{node.name}")
    return found


def test_worker_means_the_sandbox_worker_process_only(tmp_path):
    assert named_after_the_worker(MODULES) == []
    pool = tmp_path / "pool.py"
    pool.write_text("class _Worker:\n    pass\n\ndef _worker_main():\n    pass\n")
    found = named_after_the_worker({"grader.instructor.pool": pool, "grader.sandbox.x": pool})
    assert found == [
        "grader.instructor.pool._Worker",
        "grader.instructor.pool._worker_main",
        "grader.sandbox.x._Worker",
    ]
