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
    opened: object = None  # the engine this invocation opened (read for store.locale, never opened for it)


STATE = State()


class Format(str, Enum):
    table = "table"
    json = "json"
    csv = "csv"


class Dialect(str, Enum):
    """CSV for spreadsheets (files/spreadsheet.py): plain csv, excel (BOM), excel-fr (; decimal commas, BOM)."""

    csv = "csv"
    excel = "excel"
    excel_fr = "excel-fr"


DIALECT_HELP = "csv (plain, the default), excel (UTF-8 with BOM) or excel-fr (; between cells, decimal commas, BOM: French Excel)."


class ShowFormat(str, Enum):
    table = "table"
    json = "json"


def engine():
    """Open the store named by --db / ORDERCLI_DB (created or upgraded on first use)."""
    from ordercli import db

    STATE.opened = db.get_engine(STATE.db)
    return STATE.opened


def stored_locale() -> str | None:
    """``store.locale`` when it is set in the store this command opened (the screen language's
    source after ORDERCLI_LANG / LANGUAGE / LC_ALL, see ``i18n``); never opens a store for it."""
    if STATE.opened is None:
        return None
    import sqlalchemy as sa

    with STATE.opened.connect() as conn:  # type: ignore[attr-defined]
        return conn.execute(sa.text("SELECT value FROM setting WHERE key = 'store.locale'")).scalar()


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

    auto_backup(engine)

    def remember(what: str) -> None:
        STATE.saved = what if STATE.saved is None else f"{STATE.saved}; {what}"

    return UnitOfWork(engine, deliver=deliver, on_commit=remember, on_delivered=_say_what_waits)


def _say_what_waits(report) -> None:
    """The till does not wait on mail (mail.inline_budget): say when messages were left queued."""
    if getattr(report, "out_of_budget", False):
        from ordercli import output

        from ordercli.i18n import _

        output.message("  " + _("The mail server is slow: messages not sent yet stay queued (they go out with a later command, or run `ordercli outbox watch`)."))


def auto_backup(engine) -> None:
    """``store.auto_backup``: before the first write of the day, keep a dated copy of a SQLite store.

    Costs one ``stat`` once today's copy exists (and one settings read otherwise). A backup that
    fails never stops the write: it is a warning.
    """
    if engine.dialect.name != "sqlite" or not engine.url.database:
        return
    from ordercli.services import backup

    if backup.dated_path(engine.url.database, backup.today()).exists():
        return
    from ordercli import db as dbmod
    from ordercli.services.common import load_settings

    try:
        with dbmod.read_session(engine) as s:
            wanted = load_settings(s).flag("store.auto_backup")
        if wanted:
            backup.auto_backup(engine.url.database)
    except Exception as e:  # noqa: BLE001 - the till's write matters more than today's copy
        from ordercli import output
        from ordercli.i18n import _

        output.warn(_("today's automatic backup failed: %(problem)s. The change goes ahead.") % {"problem": output.escape(str(getattr(e, "strerror", None) or e))})
