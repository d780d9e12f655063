"""Per-invocation state of the CLI (global options) and small shared helpers."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from enum import Enum


@dataclass
class State:
    db: str | None = None
    no_input: bool = False
    # What this command committed ("Payment of €5.00 on order 1001"), once it has: from then on
    # no message may say "Nothing was saved", and a failure says this and exits 3.
    saved: str | None = None


STATE = State()


class Format(str, Enum):
    table = "table"
    json = "json"
    csv = "csv"


class ShowFormat(str, Enum):
    table = "table"
    json = "json"


def engine():
    """Open the store named by --db / ORDERCLI_DB (created or upgraded on first use)."""
    from ordercli import db

    return db.get_engine(STATE.db)


def can_prompt() -> bool:
    """Prompt only when stdin and stdout are terminals and --no-input is not given."""
    if STATE.no_input:
        return False
    try:
        return sys.stdin.isatty() and sys.stdout.isatty()
    except (AttributeError, ValueError):
        return False


def unit_of_work(engine, *, deliver: bool = True):
    """The command's one unit of work; its commit is remembered in :data:`STATE` (see ``uow.py``)."""
    from ordercli.uow import UnitOfWork

    def remember(what: str) -> None:
        STATE.saved = what if STATE.saved is None else f"{STATE.saved}; {what}"

    return UnitOfWork(engine, deliver=deliver, on_commit=remember)

