"""The import graph of the code, read with `ast` (nothing is imported or run).

Every import counts: at the top of a module, inside a function, under `if TYPE_CHECKING`. A
function-level import only delays the loading; the two modules still need each other, so a
circle through one is a circle of the design (tests/unit/test_layers.py).
"""
from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Import:
    source: str      # the importing module, dotted
    target: str      # the imported module, dotted (a module of the code, or any other name)
    line: int
    local: bool      # inside a function


def module_name(path: Path, root: Path = ROOT) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules(*folders: str, root: Path = ROOT) -> dict[str, Path]:
    """Dotted name → file of every module under the folders (packages by their __init__.py)."""
    out = {}
    for folder in folders:
        for path in sorted((root / folder).rglob("*.py")):
            if "__pycache__" not in path.parts:
                out[module_name(path, root)] = path
    return out


def _resolve(name: str, known: dict[str, Path]) -> str:
    """The longest known module that `name` starts with, else `name` itself."""
    probe = name
    while probe:
        if probe in known:
            return probe
        probe = probe.rpartition(".")[0]
    return name


def imports_of(path: Path, source: str, known: dict[str, Path]) -> list[Import]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out: list[Import] = []

    def visit(node: ast.AST, local: bool) -> None:
        for child in ast.iter_child_nodes(node):
            inner = local or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
            if isinstance(child, ast.Import):
                out.extend(Import(source, _resolve(a.name, known), child.lineno, local) for a in child.names)
            elif isinstance(child, ast.ImportFrom):
                if child.level:  # relative: from the importing package
                    base = source.rsplit(".", child.level - (1 if path.name == "__init__.py" else 0))[0]
                    module = f"{base}.{child.module}" if child.module else base
                else:
                    module = child.module or ""
                for a in child.names:
                    full = f"{module}.{a.name}"
                    out.append(Import(source, full if full in known else _resolve(module, known), child.lineno, local))
            visit(child, inner)

    visit(tree, False)
    return out


def graph(*folders: str, root: Path = ROOT) -> dict[str, list[Import]]:
    """Module → its imports of other modules of the same folders (itself excluded)."""
    known = modules(*folders, root=root)
    return {name: [i for i in imports_of(path, name, known) if i.target in known and i.target != name]
            for name, path in known.items()}


def all_imports(*folders: str, root: Path = ROOT) -> dict[str, list[Import]]:
    """Module → every import it makes (of the code or not), for the layer rules."""
    known = modules(*folders, root=root)
    every = modules("services", "ui", "pages", "models", "importers", "exporters", "checks", root=root)
    return {name: imports_of(path, name, every) for name, path in known.items()}


def circles(edges: dict[str, list[Import]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0

    def strong(v: str) -> None:
        nonlocal counter
        index[v] = low[v] = counter
        counter += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted({i.target for i in edges.get(v, ())}):
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(edges):
        if v not in index:
            strong(v)
    return sorted(found)
