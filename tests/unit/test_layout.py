"""The layout a newcomer reads: import rules checked from the source (``ast``), without importing it."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, name: str, known: set[str]) -> set[str]:
    """Modules of ``known`` that ``path`` imports, at module level or inside functions."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from . import x / from .queue import y
                anchor = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{anchor}.{base}" if base else anchor
            # "from pkg import sub" runs pkg/__init__.py too: it depends on the package and the submodule.
            targets = [base] + [f"{base}.{a.name}" for a in node.names if f"{base}.{a.name}" in known]
        else:
            continue
        found.update(t for t in targets if t in known and t != name)
    return found


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every cycle a depth-first walk of ``graph`` meets (each as the path that closes it)."""
    cycles: list[list[str]] = []
    state: dict[str, str] = {}  # "open" while on the DFS path, "done" after

    def visit(node: str, path: list[str]) -> None:
        state[node] = "open"
        for nxt in sorted(graph[node]):
            if state.get(nxt) == "open":
                cycles.append(path[path.index(nxt):] + [node, nxt] if nxt in path else [node, nxt])
            elif nxt not in state:
                visit(nxt, path + [node])
        state[node] = "done"

    for name in sorted(graph):
        if name not in state:
            visit(name, [])
    return cycles


def test_no_import_cycles_in_notify():
    paths = sorted((SRC / "ordercli" / "notify").glob("*.py")) + [
        SRC / "ordercli" / "services" / "invoices.py",
        SRC / "ordercli" / "services" / "notifications.py",
    ]
    names = {_module_name(p): p for p in paths}
    graph = {name: _imports(path, name, set(names)) for name, path in names.items()}
    # The graph is real (not empty by a parsing mistake): the invoice email is queued through notify.
    assert "ordercli.notify.queue" in graph["ordercli.services.invoices"]

    cycles = _cycles(graph)
    assert not cycles, "import cycles: " + "; ".join(" -> ".join(c) for c in cycles)


def test_no_import_cycles_anywhere():
    """No two ``ordercli`` modules need each other, at module level or inside a function."""
    paths = sorted((SRC / "ordercli").rglob("*.py"))
    names = {_module_name(p): p for p in paths}
    graph = {name: _imports(path, name, set(names)) for name, path in names.items()}
    # The graph is real: the CLI reaches the wizard, the wizard the services.
    assert "ordercli.cli.order_after" in graph["ordercli.cli.root"]
    assert any(m.startswith("ordercli.wizard") for deps in graph.values() for m in deps)
    cycles = _cycles(graph)
    assert not cycles, "import cycles: " + "; ".join(" -> ".join(c) for c in cycles)


def test_every_prompt_lives_in_the_wizard_package():
    """questionary is imported by ``ordercli/wizard/`` and by nothing else."""
    outside = []
    for path in sorted((SRC / "ordercli").rglob("*.py")):
        if (SRC / "ordercli" / "wizard") in path.parents:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            if any(n.split(".")[0] in ("questionary", "prompt_toolkit") for n in names):
                outside.append(f"{_module_name(path)}:{node.lineno}")
    assert not outside, "prompts outside ordercli/wizard/: " + ", ".join(outside)


def test_commands_are_registered_in_one_place():
    """Only a noun's own module and ``cli/root.py`` register commands; no module decorates another's app."""
    for path in sorted((SRC / "ordercli" / "cli").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        own_app = any(
            isinstance(n, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "app" for t in n.targets) for n in tree.body
        )
        imports_an_app = [
            f"{node.module}.{a.name}"
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("ordercli.cli.")
            for a in node.names
            if a.name == "app"
        ]
        assert not imports_an_app, f"{path.name} imports another module's app: {imports_an_app}"
        if not own_app and path.name not in ("__init__.py", "root.py"):
            decorated = [
                n.name
                for n in tree.body
                if isinstance(n, ast.FunctionDef)
                and any(isinstance(d, ast.Call) and isinstance(d.func, ast.Attribute) and d.func.attr in ("command", "callback") for d in n.decorator_list)
            ]
            assert not decorated, f"{path.name}: {decorated} are decorated; register them in cli/root.py"


def _strings_outside_docstrings(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str):
                docstrings.add(id(first.value))
    return [(n.lineno, n.value) for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in docstrings]


def test_services_and_notify_speak_in_facts_never_in_commands_or_flags():
    """Issue 8 §4: the CLI words hints (cli/hints.py); no string in services/ or notify/ names a command or a flag."""
    import re

    command_or_flag = re.compile(r"ordercli [a-z]|(?<![\w-])--[a-z][a-z-]+")
    found = []
    for folder in ("services", "notify"):
        for path in sorted((SRC / "ordercli" / folder).rglob("*.py")):
            for line, text in _strings_outside_docstrings(path):
                if command_or_flag.search(text):
                    found.append(f"{path.relative_to(SRC)}:{line}: {text[:80]!r}")
    assert found == [], "\n".join(found)
