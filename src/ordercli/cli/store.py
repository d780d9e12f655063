"""``ordercli store …``: backups, restores and a check of the store itself."""

from __future__ import annotations

from pathlib import Path

import typer

from ordercli.errors import EXIT_REFUSED
from ordercli.i18n import N_, _, ngettext

app = typer.Typer(
    help="The store itself: backups, restores and a health check.\n\nExample: ordercli store backup ~/backups/shop.db",
    no_args_is_help=True,
    rich_markup_mode=None,
)

BACKUP_HELP = """Copy the store to a file, while other tills keep working.

Examples:

  ordercli store backup ~/backups/shop-2026-11-28.db

  ordercli --db postgresql+psycopg://shop@db.local/shop store backup shop.dump

SQLite: a consistent snapshot (SQLite's online backup API), written to a
private temporary file and renamed into place (mode 0600). PostgreSQL: prints
the pg_dump command for the store (without its password) to run yourself.
"""

RESTORE_HELP = """Put a backup back in place of the store (SQLite).

Examples:

  ordercli store restore ~/backups/shop-2026-11-28.db

  ordercli store restore old.db --yes

Refused when the store holds orders newer than the backup's (they would be
lost), unless --yes. The current store is kept first, next to it
(STORE.before-restore-TIME.backup).
"""

CHECK_HELP = """Check the store: file integrity, stock against its ledger, totals, payments.

Example: ordercli store check

Exit code 0 when everything holds; 1 with one line per problem, naming the
product or order.
"""


def _where():
    """(URL, SQLite path or None) of the store named by --db / ORDERCLI_DB."""
    from ordercli import db
    import ordercli.cli._state as _state

    return db.resolve_url(_state.STATE.db)


def _existing_store(path: Path) -> None:
    from ordercli.errors import StoreError

    if not path.is_file() or path.stat().st_size == 0:
        raise StoreError(_("There is no store at %(path)s.") % {"path": repr(str(path))}, _("Check --db / ORDERCLI_DB."))


@app.command("backup", help=BACKUP_HELP)
def backup(path: str = typer.Argument(..., metavar="PATH", help="The backup file to write.")) -> None:
    from ordercli import output
    from ordercli.files.safe_write import check_target
    from ordercli.services import backup as backups

    url, db_path = _where()
    if db_path is None:
        output.message(_("PostgreSQL stores are backed up with pg_dump. Run (it asks for the password, or reads ~/.pgpass / PGPASSWORD):"))
        typer.echo(_pg_command("pg_dump", url, path))
        return
    target = check_target(path, option="PATH", example="shop-backup.db")
    if target is None:
        from ordercli.errors import InputError

        raise InputError(_("A backup cannot go to stdout."), _("Give a file name, e.g. ordercli store backup shop-backup.db."))
    _existing_store(db_path)
    if target.resolve() == db_path.resolve():
        from ordercli.errors import InputError

        raise InputError(_("The backup cannot replace the store itself."), _("Give another file name."))
    import ordercli.cli._state as _state

    _state.engine()  # a store ordercli can open (its schema checked or upgraded)
    try:
        backups.backup_sqlite(db_path, target)
    except OSError as e:
        from ordercli.errors import InputError

        raise InputError(
            _("Cannot write %(path)s: %(problem)s. The store is unchanged.") % {"path": repr(path), "problem": e.strerror or e}, _("Choose a PATH in a folder with room to write.")
        ) from None
    size = target.stat().st_size
    output.success(
        ngettext("Backup of %(store)s written to %(target)s (%(size)s bytes).", "Backup of %(store)s written to %(target)s (%(size)s bytes).", size)
        % {"store": output.escape(str(db_path)), "target": output.escape(str(target)), "size": _thousands(size)}
    )


@app.command("restore", help=RESTORE_HELP)
def restore(
    path: Path = typer.Argument(..., metavar="PATH", help="The backup file (made by `ordercli store backup`)."),
    yes: bool = typer.Option(False, "--yes", "-y", help="Restore even if the store has newer orders than the backup."),
) -> None:
    from datetime import datetime

    from ordercli import output
    from ordercli.errors import InputError, RefusedError
    from ordercli.services import backup as backups

    url, db_path = _where()
    if db_path is None:
        output.message(_("PostgreSQL stores are restored with pg_restore. Run:"))
        typer.echo(_pg_command("pg_restore", url, str(path)))
        return
    source = Path(path).expanduser()
    if not source.is_file():
        raise InputError(_("%(path)s is not a backup file.") % {"path": repr(str(path))}, _("Give the file `ordercli store backup` wrote."))
    if source.resolve() == db_path.resolve():
        raise InputError(_("That file is the store itself."), _("Give a backup file."))
    try:
        theirs = backups.check_backup(source)
    except backups.NotAStore as e:
        raise InputError(_("%(path)s is not a sound ordercli backup (%(problem)s).") % {"path": repr(str(path)), "problem": e}, _("Give the file `ordercli store backup` wrote.")) from None
    kept = None
    if db_path.is_file() and db_path.stat().st_size:
        try:
            ours = backups.newest_order(db_path)
        except backups.NotAStore:
            ours = None  # a damaged store: nothing to compare (it is still kept first)
        if ours is not None and backups.is_newer(ours, theirs) and not yes:
            raise RefusedError(
                _(
                    "The store has newer orders than the backup (store: %(ours)s orders, newest %(our_newest)s; "
                    "backup: %(theirs)s orders, newest %(their_newest)s). Nothing was changed."
                )
                % {"ours": ours.orders, "our_newest": ours.number, "theirs": theirs.orders, "their_newest": theirs.number or _("none")},
                _("Restoring would lose them. Back up the store first (`ordercli store backup`), then add --yes to restore anyway."),
            )
        kept_at = db_path.with_name(f"{db_path.name}.before-restore-{datetime.now().strftime('%Y%m%dT%H%M%S%f')}.backup")
        kept = backups.restore_sqlite(source, db_path, keep=kept_at)
    else:
        backups.backup_sqlite(source, db_path)  # no store yet: a plain safe copy (0600)
    from ordercli import db as dbmod

    dbmod.dispose_all()  # connections opened before the restore start afresh
    output.success(
        ngettext("Store %(store)s restored from %(source)s (%(count)s orders).", "Store %(store)s restored from %(source)s (%(count)s orders).", theirs.orders)
        % {"store": output.escape(str(db_path)), "source": output.escape(str(source)), "count": theirs.orders}
    )
    if kept is not None:
        output.message("  " + _("The store as it was is kept in %(path)s.") % {"path": output.escape(str(kept))})
    output.message("  " + _("Check it with: %(command)s") % {"command": "ordercli store check"})


@app.command("check", help=CHECK_HELP)
def check() -> None:
    from ordercli import output
    from ordercli.errors import StoreError
    from ordercli.services import store_check

    url, db_path = _where()
    problems = []
    notes = []
    if db_path is not None:
        _existing_store(db_path)
        problems += store_check.sqlite_integrity(str(db_path))
    else:
        notes.append(_("PostgreSQL: no file integrity check (the server keeps its own); the other checks ran."))
    report = None
    try:
        from ordercli import db as dbmod
        import ordercli.cli._state as _state

        with dbmod.read_session(_state.engine()) as s:
            report = store_check.check_store(s)
        problems += report.problems
    except StoreError as e:
        if not problems:  # not a damaged file: a store we cannot open at all
            raise
        problems.append(store_check.Problem("unreadable", "", {"what": "store", "detail": e.message}))
    for p in problems:
        typer.echo(describe(p))
    for n in notes:
        output.message(n)
    if problems:
        output.message(ngettext("Store check: %(count)s problem.", "Store check: %(count)s problems.", len(problems)) % {"count": len(problems)})
        raise typer.Exit(EXIT_REFUSED)
    values = {"products": report.products, "orders": report.orders}
    if db_path is not None:
        text = _("Store check passed: file integrity, stock of %(products)s tracked products, totals and payments of %(orders)s orders.") % values
    else:
        text = _("Store check passed: stock of %(products)s tracked products, totals and payments of %(orders)s orders.") % values
    output.success(text)


def _thousands(n: int) -> str:
    """``12,345`` in English; the screen's grouping elsewhere (``12 345`` in French)."""
    from ordercli import i18n

    loc = i18n.screen_locale()
    if i18n.is_english(loc):
        return f"{n:,}"
    try:
        from babel.numbers import format_decimal

        return format_decimal(n, locale=loc)
    except Exception:  # noqa: BLE001 - unknown locale: the English form
        return f"{n:,}"


# The stored totals ``store check`` compares (fields of an order), as words on screen.
TOTAL_FIELDS = {
    "subtotal": N_("subtotal"),
    "discount": N_("discount"),
    "surcharge_total": N_("surcharge total"),
    "tax": N_("tax"),
    "total": N_("total"),
}


def describe(p) -> str:
    """One line per problem, naming the product or order."""
    from ordercli.cli.render import money

    f = p.facts
    cur = f.get("currency", "")
    p = type(p)(p.kind, _visible(p.subject), f)

    def amounts(name: str) -> str:
        stored, expected = f[name]
        if name == "item_count":
            return _("item count %(stored)s (its lines give %(expected)s)") % {"stored": stored, "expected": expected}
        field = _(TOTAL_FIELDS[name]) if name in TOTAL_FIELDS else name.replace("_", " ")
        return _("%(field)s %(stored)s (should be %(expected)s)") % {"field": field, "stored": money(stored, cur), "expected": money(expected, cur)}

    if p.kind == "integrity":
        return _("Store file: integrity check failed: %(detail)s") % {"detail": f["detail"]}
    if p.kind == "unreadable":
        what = _("store") if f["what"] == "store" else f["what"]
        return _("Store file: the %(what)s cannot be read: %(detail)s") % {"what": what, "detail": f["detail"]}
    if p.kind == "stock":
        stock, ledger = f["stock"]
        return _("Product %(sku)s: stock is %(stock)s but its ledger adds up to %(ledger)s.") % {"sku": p.subject, "stock": stock, "ledger": ledger}
    if p.kind == "totals":
        parts = [amounts(k) for k in f if k != "currency"]
        return _("Order %(number)s: stored totals differ from its lines: %(differences)s.") % {"number": p.subject, "differences": ", ".join(parts)}
    if p.kind == "pricing":
        return _("Order %(number)s: its lines cannot be priced: %(detail)s.") % {"number": p.subject, "detail": f["detail"]}
    if p.kind == "payments":
        parts = []
        for k in ("paid", "refunded"):
            if k in f:
                stored, summed = f[k]
                values = {"stored": money(stored, cur), "summed": money(summed, cur)}
                if k == "paid":
                    parts.append(_("paid %(stored)s but its payments add up to %(summed)s") % values)
                else:
                    parts.append(_("refunded %(stored)s but its refunds add up to %(summed)s") % values)
        return _("Order %(number)s: %(differences)s.") % {"number": p.subject, "differences": "; ".join(parts)}
    if p.kind == "balance":
        return _("Order %(number)s: impossible money: total %(total)s, paid %(paid)s, refunded %(refunded)s.") % {
            "number": p.subject,
            "total": money(f["total"], cur),
            "paid": money(f["paid"], cur),
            "refunded": money(f["refunded"], cur),
        }
    if p.kind == "status":
        from ordercli.statuses import words

        fits = ", ".join(words(s) for s in f["fits"])
        return _(
            "Order %(number)s: payment status %(status)s does not fit its money "
            "(total %(total)s, paid %(paid)s, refunded %(refunded)s; it fits: %(fits)s)."
        ) % {
            "number": p.subject,
            "status": words(f["status"]),
            "total": money(f["total"], cur),
            "paid": money(f["paid"], cur),
            "refunded": money(f["refunded"], cur),
            "fits": fits,
        }
    return f"{p.subject or 'Store'}: {p.kind}"  # pragma: no cover


def _visible(text: str) -> str:
    """Stored text printed literally: control and escape characters shown as ``\\x1b``."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text or "")


def _pg_command(tool: str, url: str, path: str) -> str:
    """The exact pg_dump / pg_restore command for the store's URL (no password: libpq asks or reads ~/.pgpass)."""
    import shlex

    from ordercli.services.backup import url_without_password

    plain = shlex.quote(url_without_password(url))
    if tool == "pg_dump":
        return f"pg_dump --format=custom --file={shlex.quote(str(path))} --dbname={plain}"
    return f"pg_restore --clean --if-exists --dbname={plain} {shlex.quote(str(path))}"
