"""The architecture, as a test: the package's import graph (read with ast, not by importing) runs one
way only, lowest layer first, and has no cycles.

A module may import its own layer and the layers before it; the CLI is on top. An import inside a
function counts like any other, and so does ``importlib.import_module("darkmiss…")``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = SRC / "darkmiss"

#: The layers, lowest first (docs/architecture.md). A name is a module or a subpackage of darkmiss.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("darkmiss", "constants", "errors"),  # the package root holds only the version
    ("parallel", "util", "cache"),
    ("events",),
    ("physics",),
    ("config",),
    ("shower",),
    ("detsim",),
    ("reco",),
    ("analysis",),
    ("stats",),
    ("interpret",),
    ("plots",),
    ("report",),
    ("pipeline",),
    ("cli",),
)


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def all_modules(root: Path = PACKAGE) -> dict[str, Path]:
    return {module_name(p): p for p in sorted(root.rglob("*.py"))}


def layer_of(module: str) -> int:
    parts = module.split(".")
    key = parts[1] if len(parts) > 1 else "darkmiss"
    for i, names in enumerate(LAYERS):
        if key in names:
            return i
    raise AssertionError(f"{module} is in no layer: add it to LAYERS (and docs/architecture.md)")


def imports_of(path: Path, module: str, modules: set[str]) -> set[str]:
    """The darkmiss modules that ``module`` imports (anywhere in the file)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()

    def add(name: str) -> None:
        if name.startswith("darkmiss"):
            found.add(name)

    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                add(alias.name)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            # `from darkmiss.x import y` where y is a module imports that module (its package's
            # __init__ only runs first); otherwise it imports names of darkmiss.x
            submodules = [f"{base}.{a.name}" for a in node.names if f"{base}.{a.name}" in modules]
            for sub in submodules:
                add(sub)
            if len(submodules) < len(node.names):
                add(base)
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "import_module"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            add(node.args[0].value)
    found.discard(module)
    return found


def import_graph(root: Path = PACKAGE) -> dict[str, set[str]]:
    mods = all_modules(root)
    names = set(mods)
    return {m: imports_of(p, m, names) for m, p in mods.items()}


def back_imports(graph: dict[str, set[str]]) -> list[str]:
    bad = []
    for mod, deps in sorted(graph.items()):
        for dep in sorted(deps):
            if layer_of(dep) > layer_of(mod):
                bad.append(f"{mod} (layer {layer_of(mod)}) imports {dep} (layer {layer_of(dep)})")
    return bad


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan). A package's ``__init__``
    importing its own submodules is not a cycle unless a submodule imports the package back."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []
    counter = [0]

    def strong(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in graph:
                continue
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            strong(v)
    return out


def test_every_module_has_a_layer():
    for mod in all_modules():
        layer_of(mod)


def test_imports_run_one_way():
    assert back_imports(import_graph()) == []


def test_no_import_cycles():
    assert cycles(import_graph()) == []


# The checks themselves must be able to fail.


def _write(root: Path, rel: str, text: str) -> None:
    p = root / rel
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(text, encoding="utf-8")


def test_a_back_import_is_caught(tmp_path, monkeypatch):
    root = tmp_path / "darkmiss"
    _write(root, "__init__.py", "")
    _write(root, "physics/__init__.py", "")
    _write(root, "physics/x.py", "def f():\n    from darkmiss.cli.main import main\n")
    _write(root, "cli/__init__.py", "")
    _write(root, "cli/main.py", "from darkmiss.physics import x\n")
    monkeypatch.setattr(__import__(__name__), "SRC", tmp_path)
    graph = import_graph(root)
    assert back_imports(graph) == ["darkmiss.physics.x (layer 3) imports darkmiss.cli.main (layer 14)"]


def test_a_hidden_cycle_is_caught(tmp_path, monkeypatch):
    root = tmp_path / "darkmiss"
    _write(root, "__init__.py", "")
    _write(root, "physics/__init__.py", "")
    _write(root, "physics/a.py", "from darkmiss.physics import b\n")
    _write(
        root,
        "physics/b.py",
        "import importlib\n\ndef f():\n    importlib.import_module('darkmiss.physics.a')\n",
    )
    monkeypatch.setattr(__import__(__name__), "SRC", tmp_path)
    assert cycles(import_graph(root)) == [["darkmiss.physics.a", "darkmiss.physics.b"]]


@pytest.mark.parametrize("layer", range(len(LAYERS)))
def test_layers_exist(layer):
    # every named layer is a real module or subpackage (so that the order above stays true)
    for name in LAYERS[layer]:
        if name == "darkmiss":
            continue
        assert (PACKAGE / f"{name}.py").is_file() or (PACKAGE / name / "__init__.py").is_file(), name
