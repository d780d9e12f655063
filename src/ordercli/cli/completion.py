"""Shell completion: ``ordercli completion bash|zsh|fish`` and the answers to the shell's questions.

The scripts come from Typer's shell-completion classes (its vendored Click
machinery); the shell calls ``ordercli`` back with ``_ORDERCLI_COMPLETE`` set
(``complete_bash`` with ``COMP_WORDS`` / ``COMP_CWORD``; ``complete_zsh`` /
``complete_fish`` with ``_TYPER_COMPLETE_ARGS``). Click's own spelling
(``bash_complete``) is accepted too. :func:`main` answers before anything else
runs (``cli/root.py::main`` calls it first).

Commands and options come from the command tree. Values come from the store:
rather than touching every command module, :func:`attach` walks the tree once and
gives parameters a completer by name (``sku``, ``--item`` → SKUs; ``number``,
``--order`` → order numbers; ``--name`` / ``--customer`` on orders, the customer
key → customer names and emails). The store is read with the standard library
only (``sqlite3`` in read-only mode, or psycopg in a read-only session for
PostgreSQL): no SQLAlchemy, nothing written, no store file created, and any
error means "no suggestions", silently.
"""

from __future__ import annotations

import os
import re
import sys
from enum import Enum

import typer

COMPLETE_VAR = "_ORDERCLI_COMPLETE"
PROG = "ordercli"
#: suggestions offered at most (a shell lists them all; more is noise)
LIMIT = 100


class Shell(str, Enum):
    bash = "bash"
    zsh = "zsh"
    fish = "fish"


COMPLETION_HELP = """Print the shell completion script for bash, zsh or fish.

Examples:

  ordercli completion bash > ~/.local/share/bash-completion/completions/ordercli

  ordercli completion zsh > "${fpath[1]}/_ordercli"

  ordercli completion fish > ~/.config/fish/completions/ordercli.fish

Or, for the current shell only: eval "$(ordercli completion bash)".
Completion covers commands and options, and from the store: SKUs (--item,
SKU arguments), order numbers and customer names and emails.
"""


def completion(shell: Shell = typer.Argument(..., help="bash, zsh or fish.")) -> None:
    sys.stdout.write(script(shell.value).rstrip("\n") + "\n")


def _classes() -> dict:
    from typer._completion_classes import BashComplete, FishComplete, ZshComplete

    class _Zsh(ZshComplete):
        def format_completion(self, item):  # our help texts are plain: no rich to load to "sanitise" them
            def esc(s: str) -> str:
                return s.replace('"', '""').replace("'", "''").replace("$", "\\$").replace("`", "\\`").replace(":", r"\\:")

            if item.help:
                return f'"{esc(item.value)}":"{esc(" ".join(item.help.split()))}"'
            return f'"{esc(item.value)}"'

    class _Fish(FishComplete):
        def format_completion(self, item):
            if item.help:
                return f"{item.value}\t{' '.join(item.help.split())}"
            return item.value

    return {"bash": BashComplete, "zsh": _Zsh, "fish": _Fish}


def script(shell: str) -> str:
    cls = _classes()[shell]
    return cls(None, {}, PROG, COMPLETE_VAR).source()  # type: ignore[arg-type]


# ------------------------------------------------------------------ answering the shell

_SHELL = {"name": "bash"}


def main(app) -> int:
    """Answer one completion request (``_ORDERCLI_COMPLETE`` is set). Returns the exit code."""
    instruction = os.environ.get(COMPLETE_VAR, "")
    first, _, second = instruction.partition("_")
    action, shell = (first, second) if first in ("complete", "source") else (second, first)
    classes = _classes()
    if shell not in classes or action not in ("complete", "source"):
        return 1
    _SHELL["name"] = shell
    if action == "source":
        sys.stdout.write(script(shell).rstrip("\n") + "\n")
        return 0
    try:
        import typer.main

        _skip_coercion()
        command = typer.main.get_command(app)
        attach(command)
        comp = classes[shell](command, {}, PROG, COMPLETE_VAR)
        out = comp.complete()
    except SystemExit as e:  # fish's "is-args" answers with the exit code
        return int(e.code or 0)
    except Exception:  # a completion never prints a traceback into the shell
        if os.environ.get("ORDERCLI_DEBUG") == "1":
            raise
        return 0
    if out:
        sys.stdout.write(out + "\n")
    return 0


class _Raw:
    """Values as typed: completion only needs the words, not Typer's coercion (which loads pydantic)."""

    def coerce(self, value, param, ctx):
        if param.multiple or param.nargs == -1:
            return () if value is None else tuple(value) if not isinstance(value, str) else (value,)
        return value


_RAW = _Raw()


def _skip_coercion() -> None:
    """In this completion process only: parameters keep the words as typed (Typer would build a
    pydantic adapter per parameter it parses, ~0.3 s of imports, for values nobody uses)."""
    try:
        from typer.core import _TyperParameter

        _TyperParameter.get_runtime_param = lambda self: _RAW  # type: ignore[method-assign]
    except (ImportError, AttributeError):  # another Typer: slower, still correct
        pass


def attach(command, path: tuple[str, ...] = ()) -> None:
    """Give every parameter that takes a stored value its completer, by name (walks the whole tree)."""
    for param in getattr(command, "params", []):
        kind = _kind_of(param, path)
        if kind is not None:
            param._custom_shell_complete = _completer(kind)
    for name, sub in (getattr(command, "commands", None) or {}).items():
        attach(sub, path + (name,))


_SKU_PARAMS = {"sku", "item", "add_item", "remove_item", "restock_item", "set_qty", "set_price"}


def _kind_of(param, path: tuple[str, ...]) -> str | None:
    if getattr(param, "is_flag", False) or getattr(param, "count", False):
        return None
    name = param.name or ""
    noun = path[0] if path else ""
    if name in _SKU_PARAMS and noun in ("order", "product"):
        return "sku"
    if (name == "number" and noun == "order") or (name == "order" and noun == "outbox"):
        return "order"
    if noun == "order" and name in ("name", "customer", "search"):
        return "customer"
    if noun == "order" and name == "email":
        return "email"
    if noun == "customer" and name in ("key", "search"):
        return "customer_key"
    if noun == "order" and name in ("method", "payment_method", "pay"):
        return "method"
    return None


def _completer(kind: str):
    def complete(ctx, param, incomplete: str):
        try:
            values = suggestions(kind, incomplete, _store_target(ctx))
        except Exception:  # silent: no suggestions
            if os.environ.get("ORDERCLI_DEBUG") == "1":
                raise
            values = []
        return [_for_shell(v) for v in values]

    return complete


_BASH_SPECIAL = re.compile(r"([^\w@%+=:,./-])")


def _for_shell(value: str) -> str:
    # bash inserts a suggestion as it is: escape what the shell would split or expand ("Ana Lima").
    if _SHELL["name"] == "bash":
        return _BASH_SPECIAL.sub(r"\\\1", value)
    return value


def _store_target(ctx) -> str | None:
    root = ctx.find_root() if ctx is not None else None
    value = root.params.get("db") if root is not None and root.params else None
    return value or os.environ.get("ORDERCLI_DB") or None


def default_store_path() -> str:
    """The store ``ordercli`` opens without ``--db`` (the same path as ``db.default_db_path``)."""
    from platformdirs import user_data_dir

    return os.path.join(user_data_dir("ordercli", appauthor=False), "store.db")


_QUERIES = {
    "sku": ("SELECT sku FROM product WHERE sku LIKE ? ESCAPE '\\' ORDER BY sku LIMIT ?", 1),
    "order": (
        "SELECT number FROM orders WHERE number LIKE ? ESCAPE '\\' OR CAST(seq AS TEXT) LIKE ? ESCAPE '\\' ORDER BY id DESC LIMIT ?",
        2,
    ),
    "customer": ("SELECT DISTINCT name FROM customer WHERE name LIKE ? ESCAPE '\\' ORDER BY name LIMIT ?", 1),
    "email": ("SELECT DISTINCT email FROM customer WHERE email LIKE ? ESCAPE '\\' ORDER BY email LIMIT ?", 1),
    "customer_key": ("SELECT DISTINCT email FROM customer WHERE email LIKE ? ESCAPE '\\' ORDER BY email LIMIT ?", 1),
}

#: the store's payment methods (``payment.methods``; empty or absent: the default methods)
_METHODS_SQL = "SELECT value FROM setting WHERE key = ?"


def suggestions(kind: str, incomplete: str, target: str | None) -> list[str]:
    """Stored values of ``kind`` starting with ``incomplete`` (case-insensitive), read-only."""
    if kind == "method":
        return _methods(incomplete, target)
    sql, n = _QUERIES[kind]
    pattern = re.sub(r"([\\%_])", r"\\\1", incomplete) + "%"
    return suggestions_sql(sql, (pattern,) * n + (LIMIT,), target)


def _methods(incomplete: str, target: str | None) -> list[str]:
    from ordercli import payment_methods

    try:
        stored = suggestions_sql(_METHODS_SQL, ("payment.methods",), target)
    except Exception:  # noqa: BLE001 - an unreadable store: the default methods
        stored = []
    methods = payment_methods.parse_setting(stored[0] if stored else "")
    low = incomplete.lower()
    return [m.code for m in methods if m.code.startswith(low)]


def suggestions_sql(sql: str, params: tuple, target: str | None) -> list[str]:
    target = (target or "").strip()
    if "://" in target:
        scheme = target.split("://", 1)[0].lower()
        if scheme.startswith("postgres"):
            return _pg_values(target, sql, params)
        if scheme != "sqlite":
            return []
        target = target.split("://", 1)[1].removeprefix("/")
    return _sqlite_values(target or default_store_path(), sql, params)


def _sqlite_values(path: str, sql: str, params: tuple) -> list[str]:
    import sqlite3
    from urllib.parse import quote

    path = os.path.expanduser(path)
    if not os.path.isfile(path):
        return []  # no store yet: nothing to suggest, and nothing is created
    conn = sqlite3.connect(f"file:{quote(os.path.abspath(path))}?mode=ro", uri=True, timeout=0.5)
    try:
        return [row[0] for row in conn.execute(sql, params) if row[0]]
    finally:
        conn.close()


def _pg_values(url: str, sql: str, params: tuple) -> list[str]:
    import psycopg

    plain = "postgresql://" + url.split("://", 1)[1]
    # ordercli's own lock_timeout option is not libpq's
    plain = re.sub(r"([?&])lock_timeout=[^&]*&?", r"\1", plain).rstrip("?&")
    with psycopg.connect(plain, connect_timeout=2, autocommit=True) as conn:
        conn.execute("SET default_transaction_read_only = on")
        conn.execute("SET statement_timeout = 2000")
        # LIKE ignores ASCII case on SQLite; on PostgreSQL that is ILIKE
        return [row[0] for row in conn.execute(sql.replace(" LIKE ", " ILIKE ").replace("?", "%s"), params) if row[0]]
