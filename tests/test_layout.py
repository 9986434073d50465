"""Imports flow one way: no cycle among the package's modules, none among its stages (the
subpackages), counting imports inside functions; and the stages show in the tree."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "ecsinit_lint"
# Rule discovery: `load_rules` imports the rules package by name, as a plugin host does
DISCOVERY = ("ecsinit_lint.engine.registry", "ecsinit_lint.rules")


def _modules() -> dict[str, Path]:
    files = {}
    for path in [*(ROOT / PACKAGE).rglob("*.py"), *(ROOT / "rules").glob("*.py")]:
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        parts = [PACKAGE, *parts] if parts[0] == "rules" else parts
        files[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return files


def _imports(modules: dict[str, Path]) -> dict[str, set[str]]:
    edges = {}
    for name, path in modules.items():
        here = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
        found = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = (
                    ".".join(here[: len(here) - node.level + 1] + [node.module or ""]).strip(".")
                    if node.level
                    else node.module
                )
                targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base for a in node.names]
            else:
                continue
            found.update(t for t in targets if t in modules and t != name and (name, t) != DISCOVERY)
        edges[name] = found
    return edges


def _cycle(edges: dict[str, set[str]]) -> list[str] | None:
    """One cycle of the graph, if it has any (depth-first search)."""
    state, stack = {}, []

    def visit(node):
        state[node] = "open"
        stack.append(node)
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == "open":
                return stack[stack.index(nxt) :] + [nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        state[node] = "done"
        stack.pop()
        return None

    for node in sorted(edges):
        if node not in state and (found := visit(node)):
            return found
    return None


def _stage(module: str) -> str:
    return module.split(".")[1] if module.count(".") else module


EDGES = _imports(_modules())


def test_no_cycle_among_modules():
    assert _cycle(EDGES) is None, " -> ".join(_cycle(EDGES))


def test_no_cycle_among_stages():
    stages = {}
    for module, targets in EDGES.items():
        stages.setdefault(_stage(module), set()).update(_stage(t) for t in targets if _stage(t) != _stage(module))
    assert _cycle(stages) is None, " -> ".join(_cycle(stages))


def test_the_stages_show_in_the_tree():
    top = sorted(p.name for p in (ROOT / PACKAGE).glob("*.py"))
    assert len(top) <= 8, top
    busy = [
        p
        for p in (ROOT / PACKAGE).glob("*/__init__.py")
        if [n for n in ast.parse(p.read_text()).body if not _docstring(n)]
    ]
    assert not busy, "a subpackage's __init__ runs on every import of its modules: a docstring at most"


def _docstring(node) -> bool:
    return isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)


def test_the_graph_sees_imports_inside_functions():
    # the checks above are only as good as the edges: a lazy import is an edge too
    assert "ecsinit_lint.inputs.cfn" in EDGES["ecsinit_lint.inputs.sources"]
