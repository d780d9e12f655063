"""Babel extraction method for the command modules (``cli/*.py``): their ``_()`` messages and their
``--help`` texts, which stay plain English literals there (see ``cli/help_text.py`` for the run
time). Registered in ``babel.cfg``; used by ``pybabel extract`` only, never imported by the CLI.
"""

from __future__ import annotations

import ast
import inspect
from collections.abc import Iterator
from io import BytesIO
from pathlib import Path


HELP_KEYWORDS = ("help", "short_help", "epilog")
COMMENT = "--help text: keep commands, flags (--pay), metavars (AMOUNT) and examples as they are."


def extract(fileobj, keywords, comment_tags, options) -> Iterator[tuple[int, str, str, list[str]]]:
    """Babel extraction method for ``cli/*.py`` (see ``babel.cfg``): the ``_()`` messages of
    Babel's Python extractor, then the help texts (see :func:`help_texts`)."""
    from babel.messages.extract import extract_python

    data = fileobj.read()
    yield from extract_python(BytesIO(data), keywords, comment_tags, options)
    path = getattr(fileobj, "name", None)
    encoding = options.get("encoding", "utf-8") if options else "utf-8"
    for lineno, text in help_texts(data.decode(encoding), Path(path) if isinstance(path, str) else None):
        yield lineno, "", text, [COMMENT]


def help_texts(source: str, path: Path | None = None) -> list[tuple[int, str]]:
    """``(line, text)`` of every help text of a command module, as Typer holds it at run time:

    * the value of a ``help=`` / ``short_help=`` / ``epilog=`` keyword argument,
    * a ``*_HELP = ...`` assignment,
    * the docstring of a function decorated with ``@….command(...)`` / ``@….callback(...)``
      (what Typer shows when no ``help=`` is given).

    A value may be a literal, literals and names joined with ``+`` (``"The customer to keep. " +
    KEY_HELP``), a module constant or a constant imported from another ``ordercli`` module.
    Anything else (an f-string, a call) cannot be known before run time and is skipped.
    """
    tree = ast.parse(source)
    consts = _Constants(tree, path)
    found: list[tuple[int, str]] = []

    def add(node, value) -> None:
        if isinstance(value, str) and value.strip():
            found.append((node.lineno, inspect.cleandoc(value)))

    for node in ast.walk(tree):
        if isinstance(node, ast.keyword) and node.arg in HELP_KEYWORDS:
            add(node.value, consts.value(node.value))
        elif isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(t, ast.Name) and t.id.endswith("_HELP") for t in targets):
                add(node.value, consts.value(node.value))
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and _is_command(node):
            doc = ast.get_docstring(node, clean=True)
            if doc:
                found.append((node.body[0].lineno, doc))
    return sorted(found)


def _is_command(node) -> bool:
    """Decorated with ``@x.command(...)`` / ``@x.callback(...)`` without its own ``help=``."""
    for deco in node.decorator_list:
        if isinstance(deco, ast.Call) and isinstance(deco.func, ast.Attribute) and deco.func.attr in ("command", "callback"):
            if not any(k.arg == "help" for k in deco.keywords):
                return True
    return False


class _Constants:
    """The string constants of a module (``NAME = "..."``), following ``from ordercli.x import NAME``."""

    def __init__(self, tree, path: Path | None, seen: frozenset = frozenset()) -> None:
        self.path = path
        self.seen = seen | ({path.resolve()} if path else set())
        self.assigned: dict[str, object] = {}
        self.imported: dict[str, tuple[str, str]] = {}
        for node in tree.body:
            if isinstance(node, ast.Assign):
                for t in node.targets:
                    if isinstance(t, ast.Name):
                        self.assigned[t.id] = node.value
            elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None:
                self.assigned[node.target.id] = node.value
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                for alias in node.names:
                    self.imported[alias.asname or alias.name] = (node.module, alias.name)
        self.cache: dict[str, str | None] = {}

    def value(self, node) -> str | None:
        if isinstance(node, ast.Constant):
            return node.value if isinstance(node.value, str) else None
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            left, right = self.value(node.left), self.value(node.right)
            return left + right if left is not None and right is not None else None
        if isinstance(node, ast.Name):
            return self.name(node.id)
        return None

    def name(self, name: str) -> str | None:
        if name not in self.cache:
            self.cache[name] = None  # a cycle ends here
            if name in self.assigned:
                self.cache[name] = self.value(self.assigned[name])
            elif name in self.imported:
                self.cache[name] = self._imported(*self.imported[name])
        return self.cache[name]

    def _imported(self, module: str, name: str) -> str | None:
        if not module.startswith("ordercli.") or self.path is None:
            return None
        parts = module.split(".")
        root = next((p for p in self.path.resolve().parents if p.name == "ordercli"), None)
        if root is None:
            return None
        target = root.joinpath(*parts[1:]).with_suffix(".py")
        if not target.is_file() or target.resolve() in self.seen:
            return None
        return _Constants(ast.parse(target.read_text(encoding="utf-8")), target, self.seen).name(name)
