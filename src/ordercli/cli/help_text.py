"""``--help`` in the screen's language, and the Babel extractor that puts every help text in the catalog.

The help texts stay plain English string literals in the command modules (``help="..."`` of
``typer.Option`` / ``typer.Argument`` / ``app.command`` / ``typer.Typer``, ``*_HELP = "..."``
constants, the docstrings of commands and callbacks), so nothing there is wrapped in ``_()``:

* **Extraction** (``pybabel extract``, ``babel.cfg``): :func:`extract` reads a ``cli/*.py`` file
  with ``ast`` and yields those texts as Typer/Click will hold them at run time
  (``inspect.cleandoc``; ``"A. " + KEY_HELP`` is resolved, also through ``from … import``), plus
  the ``_()`` / ``ngettext`` / ``N_`` messages of Babel's Python extractor.
* **Run time**: every command of the tree gets :class:`ScreenContext` (``install``, called by the
  root group once per invocation; a few attribute writes). Only when a help page is printed
  (``-h`` / ``--help``, a group run without a subcommand) is the page's command — its help, its
  options' help, its subcommands' one-line help — translated with ``_()``, and the framework's
  words too (``Usage:``, ``Options``, ``[default: …]``, ``[required]``). English, the source
  language, is left untouched. No command pays for it when no help is shown.

The language is the screen's (``i18n.screen_locale``). A help page is printed before any store is
opened, so for ``--help`` the environment decides: ``ORDERCLI_LANG`` > ``LANGUAGE`` > ``LC_ALL``
> ``LANG`` (``store.locale`` is not read for it).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import typer

from ordercli import i18n
from ordercli.i18n import N_

# Typer/Click's own words on a help page, translated by the formatter below.
FRAMEWORK_WORDS = (
    N_("Usage:"),
    N_("Arguments"),
    N_("Options"),
    N_("Commands"),
    N_("%(heading)s:"),
    N_("Show this message and exit."),
    N_("required"),
    N_("default: %(value)s"),
    N_("env var: %(value)s"),
)

_DONE = "_ordercli_help_language"  # set on a command / parameter once its texts are translated


def install(command) -> None:
    """Give ``command`` and every command under it :class:`ScreenContext` (once per invocation)."""
    command.context_class = ScreenContext
    for sub in (getattr(command, "commands", None) or {}).values():
        install(sub)


def _tr(text):
    if not text:
        return text
    found = i18n._(text)
    if found == text and text != text.strip():  # an Argument's help is not cleaned by Typer
        import inspect

        cleaned = inspect.cleandoc(text)
        translated = i18n._(cleaned)
        if translated != cleaned:
            return translated
    return found


def _translate_texts(obj, *attrs: str) -> None:
    lang = i18n.screen_locale()
    if getattr(obj, _DONE, None) == lang:
        return
    for attr in attrs:
        value = getattr(obj, attr, None)
        if isinstance(value, str):
            setattr(obj, attr, _tr(value))
    setattr(obj, _DONE, lang)


def translate(ctx) -> None:
    """Translate what the help page of ``ctx.command`` shows (in place; the tree is built anew for
    each invocation)."""
    command = ctx.command
    _translate_texts(command, "help", "short_help", "epilog")
    for param in command.get_params(ctx):  # with the help option itself
        _translate_texts(param, "help")
    list_commands = getattr(command, "list_commands", None)
    if list_commands is not None:  # a group lists its subcommands with their first line
        for name in list_commands(ctx):
            sub = command.get_command(ctx, name)
            if sub is not None:
                _translate_texts(sub, "help", "short_help", "epilog")


class _ScreenFormatter(typer.Context.formatter_class):  # Click's HelpFormatter
    """Click's help formatter with its words in the screen's language."""

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        super().write_usage(prog, args, f"{i18n._('Usage:')} " if prefix is None else prefix)

    def write_heading(self, heading: str) -> None:  # Click writes "Options:"; French says "Options :"
        self.write(f"{'':>{self.current_indent}}{i18n._('%(heading)s:') % {'heading': i18n._(heading)}}\n")

    def write_dl(self, rows, *args, **kwargs) -> None:
        super().write_dl([(term, _extras(text)) for term, text in rows], *args, **kwargs)


def _extras(text: str) -> str:
    """``Output.  [default: table]`` -> ``Sortie.  [défaut : table]`` (the part Typer adds)."""
    if not text.endswith("]"):
        return text
    head, sep, tail = text.rpartition("[")
    if sep and (not head or head.endswith("  ")):
        parts = []
        for part in tail[:-1].split("; "):
            if part == "required":
                part = i18n._("required")
            elif part.startswith(("default: ", "env var: ")):
                word, _, value = part.partition(": ")
                part = i18n._(f"{word}: %(value)s") % {"value": value}
            parts.append(part)
        return f"{head}[{'; '.join(parts)}]"
    return text


class ScreenContext(typer.Context):
    """A Click context whose help page is in the screen's language."""

    def get_help(self) -> str:
        if i18n.is_english():
            return super().get_help()
        translate(self)
        self.formatter_class = _ScreenFormatter  # for this page only (usage errors keep Click's)
        try:
            return super().get_help()
        finally:
            del self.formatter_class


# ------------------------------------------------------------------ extraction (pybabel)

HELP_KEYWORDS = ("help", "short_help", "epilog")
COMMENT = "--help text: keep commands, flags (--pay), metavars (AMOUNT) and examples as they are."


def extract(fileobj, keywords, comment_tags, options) -> Iterator[tuple[int, str, str, list[str]]]:
    """Babel extraction method for ``cli/*.py`` (see ``babel.cfg``): the ``_()`` messages of
    Babel's Python extractor, then the help texts (see :func:`help_texts`)."""
    from io import BytesIO

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
    import ast
    import inspect

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
    import ast

    for deco in node.decorator_list:
        if isinstance(deco, ast.Call) and isinstance(deco.func, ast.Attribute) and deco.func.attr in ("command", "callback"):
            if not any(k.arg == "help" for k in deco.keywords):
                return True
    return False


class _Constants:
    """The string constants of a module (``NAME = "..."``), following ``from ordercli.x import NAME``."""

    def __init__(self, tree, path: Path | None, seen: frozenset = frozenset()) -> None:
        import ast

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
        import ast

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
        import ast

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
