"""Which till this process is, and the open session of a till.

A till is named by ``--till NAME`` (the CLI sets it with :func:`use`), else the
``ORDERCLI_TILL`` environment variable, else the machine's host name; several tills on
one PostgreSQL store each keep their own session. Every payment and refund records the
till and the session open on it then (:func:`ordercli.services.order_rows.write_payment`).
"""

from __future__ import annotations

import os
import socket
from contextvars import ContextVar

import sqlalchemy as sa
from sqlmodel import Session

from ordercli.errors import InputError

MAX_NAME = 100
_current: ContextVar[str | None] = ContextVar("ordercli_till", default=None)


def check_name(name: str) -> str:
    from ordercli.domain import clean_text

    out = clean_text(name, "till name", max_len=MAX_NAME) or ""
    if not out:
        raise InputError("The till name cannot be empty.", "Give a name such as stall-1.", code="till.name.empty")
    return out


def use(name: str | None) -> None:
    """Make ``name`` this process's till (None: back to ORDERCLI_TILL / the host name)."""
    _current.set(check_name(name) if name is not None else None)


def current() -> str:
    chosen = _current.get()
    if chosen:
        return chosen
    env = os.environ.get("ORDERCLI_TILL", "").strip()
    if env:
        return check_name(env)
    return (socket.gethostname() or "till")[:MAX_NAME]


def open_session_id(session: Session, till: str) -> int | None:
    """The id of the till's open session, or None (one indexed lookup).

    On PostgreSQL the row is read ``FOR SHARE``: a payment recorded while `till close` runs
    waits for the close (which locks the row ``FOR UPDATE``) and then finds no open session,
    or the close waits for the payment and counts it. Never a payment in a session after its
    expected cash was computed (``services.till_sessions``). SQLite serialises writers.
    """
    from ordercli.models import TillSession

    table = TillSession.__table__  # type: ignore[attr-defined]
    q = sa.select(table.c.id).where(table.c.till == till, table.c.closed_at.is_(None))
    if session.connection().dialect.name == "postgresql":
        q = q.with_for_update(read=True)
    return session.execute(q).scalar()
