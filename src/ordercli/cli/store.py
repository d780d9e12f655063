"""``ordercli store …``: backups, restores and a check of the store itself."""

from __future__ import annotations

from pathlib import Path

import typer

from ordercli.errors import EXIT_REFUSED

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
        raise StoreError(f"There is no store at {str(path)!r}.", "Check --db / ORDERCLI_DB.")


@app.command("backup", help=BACKUP_HELP)
def backup(path: str = typer.Argument(..., metavar="PATH", help="The backup file to write.")) -> None:
    from ordercli import output
    from ordercli.files.safe_write import check_target
    from ordercli.services import backup as backups

    url, db_path = _where()
    if db_path is None:
        output.message("PostgreSQL stores are backed up with pg_dump. Run (it asks for the password, or reads ~/.pgpass / PGPASSWORD):")
        typer.echo(_pg_command("pg_dump", url, path))
        return
    target = check_target(path, option="PATH", example="shop-backup.db")
    if target is None:
        from ordercli.errors import InputError

        raise InputError("A backup cannot go to stdout.", "Give a file name, e.g. ordercli store backup shop-backup.db.")
    _existing_store(db_path)
    if target.resolve() == db_path.resolve():
        from ordercli.errors import InputError

        raise InputError("The backup cannot replace the store itself.", "Give another file name.")
    import ordercli.cli._state as _state

    _state.engine()  # a store ordercli can open (its schema checked or upgraded)
    try:
        backups.backup_sqlite(db_path, target)
    except OSError as e:
        from ordercli.errors import InputError

        raise InputError(f"Cannot write {path!r}: {e.strerror or e}. The store is unchanged.", "Choose a PATH in a folder with room to write.") from None
    size = target.stat().st_size
    output.success(f"Backup of {output.escape(str(db_path))} written to {output.escape(str(target))} ({size:,} bytes).")


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
        output.message("PostgreSQL stores are restored with pg_restore. Run:")
        typer.echo(_pg_command("pg_restore", url, str(path)))
        return
    source = Path(path).expanduser()
    if not source.is_file():
        raise InputError(f"{str(path)!r} is not a backup file.", "Give the file `ordercli store backup` wrote.")
    if source.resolve() == db_path.resolve():
        raise InputError("That file is the store itself.", "Give a backup file.")
    try:
        theirs = backups.check_backup(source)
    except backups.NotAStore as e:
        raise InputError(f"{str(path)!r} is not a sound ordercli backup ({e}).", "Give the file `ordercli store backup` wrote.") from None
    kept = None
    if db_path.is_file() and db_path.stat().st_size:
        try:
            ours = backups.newest_order(db_path)
        except backups.NotAStore:
            ours = None  # a damaged store: nothing to compare (it is still kept first)
        if ours is not None and backups.is_newer(ours, theirs) and not yes:
            raise RefusedError(
                f"The store has newer orders than the backup (store: {ours.orders} orders, newest {ours.number}; "
                f"backup: {theirs.orders} orders, newest {theirs.number or 'none'}). Nothing was changed.",
                "Restoring would lose them. Back up the store first (`ordercli store backup`), then add --yes to restore anyway.",
            )
        kept_at = db_path.with_name(f"{db_path.name}.before-restore-{datetime.now().strftime('%Y%m%dT%H%M%S%f')}.backup")
        kept = backups.restore_sqlite(source, db_path, keep=kept_at)
    else:
        backups.backup_sqlite(source, db_path)  # no store yet: a plain safe copy (0600)
    from ordercli import db as dbmod

    dbmod.dispose_all()  # connections opened before the restore start afresh
    output.success(f"Store {output.escape(str(db_path))} restored from {output.escape(str(source))} ({theirs.orders} orders).")
    if kept is not None:
        output.message(f"  The store as it was is kept in {output.escape(str(kept))}.")
    output.message("  Check it with: ordercli store check")


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
        notes.append("PostgreSQL: no file integrity check (the server keeps its own); the other checks ran.")
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
        output.message(f"Store check: {len(problems)} problem{'s' if len(problems) != 1 else ''}.")
        raise typer.Exit(EXIT_REFUSED)
    what = "file integrity, " if db_path is not None else ""
    output.success(f"Store check passed: {what}stock of {report.products} tracked products, totals and payments of {report.orders} orders.")


def describe(p) -> str:
    """One line per problem, naming the product or order."""
    from ordercli.cli.render import money

    f = p.facts
    cur = f.get("currency", "")
    p = type(p)(p.kind, _visible(p.subject), f)

    def amounts(name: str) -> str:
        stored, expected = f[name]
        if name == "item_count":
            return f"item count {stored} (its lines give {expected})"
        return f"{name.replace('_', ' ')} {money(stored, cur)} (should be {money(expected, cur)})"

    if p.kind == "integrity":
        return f"Store file: integrity check failed: {f['detail']}"
    if p.kind == "unreadable":
        return f"Store file: the {f['what']} cannot be read: {f['detail']}"
    if p.kind == "stock":
        stock, ledger = f["stock"]
        return f"Product {p.subject}: stock is {stock} but its ledger adds up to {ledger}."
    if p.kind == "totals":
        parts = [amounts(k) for k in f if k != "currency"]
        return f"Order {p.subject}: stored totals differ from its lines: " + ", ".join(parts) + "."
    if p.kind == "pricing":
        return f"Order {p.subject}: its lines cannot be priced: {f['detail']}."
    if p.kind == "payments":
        parts = []
        for k in ("paid", "refunded"):
            if k in f:
                stored, summed = f[k]
                parts.append(f"{k} {money(stored, cur)} but its {'payments' if k == 'paid' else 'refunds'} add up to {money(summed, cur)}")
        return f"Order {p.subject}: " + "; ".join(parts) + "."
    if p.kind == "balance":
        return f"Order {p.subject}: impossible money: total {money(f['total'], cur)}, paid {money(f['paid'], cur)}, refunded {money(f['refunded'], cur)}."
    if p.kind == "status":
        from ordercli.statuses import words

        fits = ", ".join(words(s) for s in f["fits"])
        return (
            f"Order {p.subject}: payment status {words(f['status'])} does not fit its money "
            f"(total {money(f['total'], cur)}, paid {money(f['paid'], cur)}, refunded {money(f['refunded'], cur)}; it fits: {fits})."
        )
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
