"""The package's layering holds: no upward import, no import circle.

Every module's imports of ``logistic`` modules — at the top and inside functions,
relative and absolute — are read with ``ast`` and checked against the table of what
each layer may import (README, "Where things are"). A circle between modules is a
failure even where it only exists through a function-level import.
"""

from __future__ import annotations

import ast
from pathlib import Path

import logistic

PACKAGE = Path(logistic.__file__).resolve().parent

#: Layers bottom-up, and what each may import besides itself.
BELOW = {
    "_version": set(),
    "math": {"_version"},
    "data": {"_version", "math"},
    "solvers": {"_version", "math"},
    "problems": {"_version", "math", "data"},
    "inference": {"_version", "math", "data", "solvers", "problems"},
    "models": {"_version", "math", "data", "solvers", "problems", "inference"},
    "files": {"_version", "math", "data", "solvers", "problems", "inference", "models"},
    "pictures": {"_version", "math", "data", "solvers", "problems", "inference", "models",
                 "files"},
    "cli": {"_version", "math", "data", "solvers", "problems", "inference", "models", "files",
            "pictures", "api"},
}
#: The root modules that only re-export (the public face) may import anything.
API = {"__init__", "__main__", "datasets", "plots"}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def layer_of(name: str) -> str:
    parts = name.split(".")
    if len(parts) == 1:
        return "api"
    if len(parts) == 2 and parts[1] in API:
        return "api"
    return parts[1]


MODULES = {module_name(p): p for p in PACKAGE.rglob("*.py")}


def imports_of(name: str, source: str, is_package: bool = False) -> set[str]:
    """The ``logistic`` modules that module ``name`` (with ``source``) imports."""
    package = name if is_package else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                mod = ".".join([*base, node.module] if node.module else base)
            else:
                mod = node.module or ""
            # "from pkg import mod" imports the module pkg.mod
            targets = [f"{mod}.{a.name}" if f"{mod}.{a.name}" in MODULES else mod
                       for a in node.names]
        else:
            continue
        found.update(t for t in targets if t == "logistic" or t.startswith("logistic."))
    return found


def graph() -> dict[str, set[str]]:
    return {
        n: imports_of(n, p.read_text(), p.name == "__init__.py") - {n}
        for n, p in MODULES.items()
    }


def test_every_module_is_in_a_known_layer():
    for name in graph():
        assert layer_of(name) in {*BELOW, "api"}, f"{name} is in no layer"


def test_no_layer_imports_upwards():
    bad = []
    for name, targets in graph().items():
        layer = layer_of(name)
        if layer == "api":
            continue
        for t in targets:
            other = layer_of(t)
            if other != layer and other not in BELOW[layer]:
                bad.append(f"{name} ({layer}) imports {t} ({other})")
    assert not bad, "\n".join(bad)


def test_no_import_circle():
    full = graph()
    g = {n: {t for t in ts if t in full and layer_of(t) != "api"} for n, ts in full.items()
         if layer_of(n) != "api"}  # the facade re-exports and is imported by no layer
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(n):
        state[n] = 1
        stack.append(n)
        for t in sorted(g[n]):
            if state.get(t) == 1:
                raise AssertionError("import circle: " + " → ".join([*stack[stack.index(t):], t]))
            if t not in state:
                visit(t)
        stack.pop()
        state[n] = 2

    for n in sorted(g):
        if n not in state:
            visit(n)


def test_the_checker_sees_upward_and_relative_imports():
    """The reader resolves the imports the checks exist to catch."""
    src = "from ..models.estimator import LogisticRegression\nfrom . import binary\n"
    targets = imports_of("logistic.math._probe", src)
    assert targets == {"logistic.models.estimator", "logistic.math.binary"}
    assert layer_of("logistic.models.estimator") not in BELOW[layer_of("logistic.math._probe")]


def test_solvers_see_no_data():
    """Solvers import nothing but math (BLAS threads) from the package."""
    for name, targets in graph().items():
        if layer_of(name) == "solvers":
            assert {layer_of(t) for t in targets} <= {"solvers", "math"}, name


def test_only_backends_read_rows():
    """Outside data/, nothing walks the blocks of rows of a backend or of X."""
    offenders = []
    for name, p in MODULES.items():
        if layer_of(name) in ("data", "api"):
            continue
        for node in ast.walk(ast.parse(p.read_text())):
            if isinstance(node, ast.Attribute) and node.attr in ("blocks", "_rows", "_map"):
                offenders.append(f"{name} uses .{node.attr}")
    assert not offenders, "\n".join(offenders)
