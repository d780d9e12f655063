"""Per-invocation state of the CLI (global options) and small shared helpers."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from enum import Enum


@dataclass
class State:
    db: str | None = None
    no_input: bool = False


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


def after_write(engine) -> None:
    """Side effects after a committed write: deliver what is due in the outbox."""
    from ordercli import notify

    notify.deliver_due(engine)
