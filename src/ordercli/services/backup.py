"""Backups of a store (facts only; the CLI words them).

* :func:`backup_sqlite` — a consistent copy of a SQLite store while other tills
  keep writing: SQLite's online backup API (``sqlite3.Connection.backup``)
  copies one snapshot into a private temporary file next to the target, which
  is then fsynced and renamed into place (``files/safe_write.py``), mode 0600.
* :func:`restore_sqlite` — the backup's pages copied *into* the live store with
  the same API: one write transaction on the store, so tills see the old store
  or the restored one, never half of each, and the WAL stays consistent
  (replacing the file under a running WAL would not). The current store is
  kept first (``before-restore`` copy, written safely).
* :func:`newest_order` — the highest order (created_at, number) of a store, to
  refuse a restore that would lose newer orders.
* :func:`auto_backup` — ``store.auto_backup``: the first write of a day keeps a
  dated copy next to the store (``store.db.2026-11-28.backup``), the last
  :data:`KEEP_DAYS` kept.
* :func:`url_without_password` — PostgreSQL backups are ``pg_dump``'s job; the
  CLI prints the command for the store's URL, without its password.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from urllib.parse import quote

from ordercli.files.safe_write import replacing

KEEP_DAYS = 7
_DATED = re.compile(r"\.(\d{4}-\d{2}-\d{2})\.backup$")


class NotAStore(Exception):
    """The file is not a readable ordercli store (fact: the SQLite message)."""


def _ro(path: Path) -> sqlite3.Connection:
    """Open an existing SQLite file without creating one (a plain connection: a WAL store
    needs its -shm, which a read-only connection cannot always make). Reads only."""
    if not path.is_file():
        raise NotAStore("no such file")
    return sqlite3.connect(f"file:{quote(str(path))}?mode=rw", uri=True, timeout=15)


def backup_sqlite(db_path: str | Path, target: str | Path) -> Path:
    """Copy the store at ``db_path`` to ``target`` (consistent snapshot, written safely, 0600)."""
    target = Path(target).expanduser()
    src = _ro(Path(db_path))
    try:
        with replacing(target) as tmp:
            dst = sqlite3.connect(tmp)
            try:
                # pages=-1: the whole store in one step, one read transaction: a snapshot,
                # while other tills keep committing to the WAL.
                src.backup(dst, pages=-1)
                dst.execute("PRAGMA journal_mode = DELETE")  # a self-contained file, no -wal beside it
            finally:
                dst.close()
    finally:
        src.close()
    return target


@dataclass(frozen=True)
class Newest:
    created_at: str | None  # as stored (UTC, sortable text on SQLite)
    seq: int | None
    number: str | None
    orders: int


def newest_order(db_path: str | Path) -> Newest:
    """The newest order of a SQLite store file (read-only)."""
    conn = _ro(Path(db_path))
    try:
        count = conn.execute("SELECT count(*) FROM orders").fetchone()[0]
        row = conn.execute("SELECT created_at, seq, number FROM orders ORDER BY created_at DESC, seq DESC LIMIT 1").fetchone()
        top_seq = conn.execute("SELECT max(seq) FROM orders").fetchone()[0]
    except sqlite3.DatabaseError as e:
        raise NotAStore(str(e)) from None
    finally:
        conn.close()
    if row is None:
        return Newest(None, None, None, 0)
    return Newest(str(row[0]), top_seq, row[2], count)


def is_newer(store: Newest, backup: Newest) -> bool:
    """Does the store hold orders the backup does not (a later order, or a higher number)?"""
    if store.orders == 0:
        return False
    if backup.orders == 0:
        return True
    return (store.created_at or "") > (backup.created_at or "") or (store.seq or 0) > (backup.seq or 0)


def check_backup(path: str | Path) -> Newest:
    """A backup must be a sound ordercli store: integrity first, then its newest order."""
    p = Path(path).expanduser()
    try:
        conn = _ro(p)
        try:
            result = conn.execute("PRAGMA integrity_check(1)").fetchone()
        finally:
            conn.close()
    except sqlite3.DatabaseError as e:
        raise NotAStore(str(e)) from None
    if not result or str(result[0]).lower() != "ok":
        raise NotAStore(str(result[0]) if result else "integrity check failed")
    return newest_order(p)


def restore_sqlite(backup: str | Path, db_path: str | Path, *, keep: str | Path | None = None) -> Path | None:
    """Copy ``backup`` into the live store at ``db_path`` (one transaction); keep the current store at ``keep`` first."""
    db_path = Path(db_path)
    kept = None
    if keep is not None and db_path.exists() and db_path.stat().st_size:
        kept = backup_sqlite(db_path, keep)
    src = _ro(Path(backup).expanduser())
    try:
        dst = sqlite3.connect(db_path, timeout=15)
        try:
            src.backup(dst, pages=-1)
        finally:
            dst.close()
    finally:
        src.close()
    return kept


def dated_backups(db_path: str | Path) -> list[Path]:
    """The dated backups next to the store, oldest first."""
    db_path = Path(db_path)
    found = [p for p in db_path.parent.glob(f"{glob_escape(db_path.name)}.*.backup") if _DATED.search(p.name) and p.name.startswith(db_path.name + ".")]
    return sorted(found, key=lambda p: p.name)


def glob_escape(name: str) -> str:
    import glob

    return glob.escape(name)


def dated_path(db_path: str | Path, day: date) -> Path:
    db_path = Path(db_path)
    return db_path.with_name(f"{db_path.name}.{day.isoformat()}.backup")


def today() -> date:
    """The till's day (local time): a dated backup is named after it."""
    return datetime.now().date()


def auto_backup(db_path: str | Path, *, day: date | None = None, keep: int = KEEP_DAYS) -> Path | None:
    """Today's backup if there is none yet (then only the newest ``keep`` are kept); None if it exists."""
    day = day or today()
    target = dated_path(db_path, day)
    if target.exists():
        return None
    backup_sqlite(db_path, target)
    for old in dated_backups(db_path)[:-keep]:
        try:
            old.unlink()
        except FileNotFoundError:  # another till pruned it
            pass
    return target


def url_without_password(url: str) -> str:
    """The libpq URL of the store with no password in it (pg_dump asks, or reads ~/.pgpass)."""
    from sqlalchemy.engine import URL, make_url

    u = make_url(url)
    query = {k: v for k, v in u.query.items() if k != "lock_timeout"}  # ordercli's own option: pg_dump refuses it
    return URL.create("postgresql", username=u.username, host=u.host, port=u.port, database=u.database, query=query).render_as_string(hide_password=False)
