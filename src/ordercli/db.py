"""The store: engine from a path or URL, SQLite pragmas, sessions, migrations.

* A plain path (or ``sqlite:///path``) is a SQLite file; ``postgresql://`` or
  ``postgresql+psycopg://`` is PostgreSQL. Anything else is refused.
* SQLite runs in WAL mode with a busy timeout and foreign keys. Write sessions
  start with ``BEGIN IMMEDIATE`` so that a transaction that reads and then
  writes can never fail with SQLITE_BUSY_SNAPSHOT ("database is locked")
  when another till committed in between; read sessions use a plain ``BEGIN``.
* The schema is managed by Alembic migrations shipped in ``ordercli/migrations``.
  On open we compare the stored revision with :data:`HEAD_REVISION` and only
  import Alembic when they differ (new or older store). Upgrades run under a
  lock (``BEGIN IMMEDIATE`` on SQLite, an advisory lock on PostgreSQL) and
  re-check the revision once they hold it, so two tills upgrading at once do
  not collide.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DatabaseError, OperationalError
from sqlmodel import Session

from ordercli.errors import StoreError

#: The newest migration. A test checks that it matches the Alembic scripts.
HEAD_REVISION = "0002_credit_refunded"

BUSY_TIMEOUT_MS = 15_000
_PG_MIGRATION_LOCK = 727_001  # pg_advisory_xact_lock key

_engines: dict[str, Engine] = {}


def default_db_path() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir("ordercli", appauthor=False)) / "store.db"


def resolve_url(target: str | None) -> tuple[str, Path | None]:
    """Return (SQLAlchemy URL, SQLite path or None)."""
    if not target:
        path = default_db_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{path}", path
    target = str(target).strip()
    if "://" in target:
        scheme = target.split("://", 1)[0].lower()
        if scheme in ("postgresql", "postgres", "postgresql+psycopg"):
            rest = target.split("://", 1)[1]
            return f"postgresql+psycopg://{rest}", None
        if scheme == "sqlite":
            path_text = target.split("://", 1)[1]
            if path_text.startswith("/"):
                path_text = path_text[1:]
            if not path_text:
                raise StoreError("An in-memory store keeps nothing.", "Give a file path, e.g. --db ./shop.db.")
            return _sqlite_file(path_text)
        raise StoreError(
            f"Unsupported store URL scheme {scheme!r}.",
            "Use a file path for SQLite (--db ./shop.db) or postgresql+psycopg://user@host/dbname for PostgreSQL.",
        )
    return _sqlite_file(target)


def _sqlite_file(path_text: str) -> tuple[str, Path]:
    path = Path(path_text).expanduser()
    if path.is_dir():
        raise StoreError(f"The store path {str(path)!r} is a folder.", "Give a file path inside it, e.g. --db ./shop.db.")
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.exists():
        raise StoreError(f"The folder {str(parent)!r} does not exist.", "Create it first, or choose another --db path.")
    if not path.exists() and not os.access(parent, os.W_OK):
        raise StoreError(f"The folder {str(parent)!r} is not writable.", "Choose a --db path in a folder you can write to.")
    return f"sqlite:///{path.resolve()}", path.resolve()


def _create_private_file(path: Path) -> None:
    """A new store holds customers' contact data: create it 0600."""
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        os.close(fd)
    except FileExistsError:
        pass
    except OSError as e:
        raise StoreError(f"Cannot create the store {str(path)!r}: {e.strerror}.", "Choose a --db path you can write to.") from None


def _setup_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):  # pragma: no cover - exercised by every test
        dbapi_conn.isolation_level = None  # let us emit BEGIN ourselves
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cur.execute("PRAGMA foreign_keys = ON")
        mode = cur.execute("PRAGMA journal_mode = WAL").fetchone()
        cur.execute("PRAGMA synchronous = NORMAL" if mode and str(mode[0]).lower() == "wal" else "PRAGMA synchronous = FULL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        if conn.get_execution_options().get("ordercli_write"):
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            conn.exec_driver_sql("BEGIN")


def get_engine(target: str | None = None) -> Engine:
    """Open (and if needed create or upgrade) the store. Cached per URL."""
    url, path = resolve_url(target)
    if url in _engines:
        return _engines[url]
    if path is not None:
        _create_private_file(path)
        engine = sa.create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})
        _setup_sqlite(engine)
    else:
        try:
            import psycopg  # noqa: F401
        except ImportError:  # pragma: no cover
            raise StoreError("PostgreSQL support needs psycopg.", "pip install 'psycopg[binary]'.") from None
        engine = sa.create_engine(url, pool_pre_ping=False)
    try:
        ensure_schema(engine)
    except (OperationalError, DatabaseError) as e:
        engine.dispose()
        raise _store_error(e, target) from None
    _engines[url] = engine
    return engine


def _store_error(e: Exception, target: str | None) -> StoreError:
    text = str(getattr(e, "orig", e)).strip().splitlines()[0] if str(getattr(e, "orig", e)).strip() else type(e).__name__
    low = text.lower()
    where = target or "the default store"
    if "file is not a database" in low or "not a database" in low:
        return StoreError(f"{where} is not an ordercli store (not a SQLite database).", "Check --db / ORDERCLI_DB, or move that file away.")
    if "readonly" in low or "read-only" in low:
        return StoreError(f"The store {where} is read-only.", "Check the permissions of the store file and its folder, or use another --db.")
    if "connection" in low or "could not" in low or "refused" in low:
        return StoreError(f"Cannot connect to the store: {text}", "Check that the server is running and the URL in --db / ORDERCLI_DB is right.")
    return StoreError(f"Cannot open the store {where}: {text}", "Check --db / ORDERCLI_DB.")


def dispose_all() -> None:
    for eng in _engines.values():
        eng.dispose()
    _engines.clear()


# ---------------------------------------------------------------- sessions


@contextmanager
def read_session(engine: Engine) -> Iterator[Session]:
    with Session(engine, expire_on_commit=False) as session:
        yield session


@contextmanager
def write_session(engine: Engine) -> Iterator[Session]:
    """A session whose transaction takes the write lock first (SQLite). Commands use it through
    :class:`ordercli.uow.UnitOfWork`, which commits once; leaving without a commit rolls back."""
    bind = engine.execution_options(ordercli_write=True) if engine.dialect.name == "sqlite" else engine
    with Session(bind, expire_on_commit=False) as session:
        try:
            yield session
        except BaseException:
            session.rollback()
            raise


# -------------------------------------------------------------- migrations


def stored_revision(conn: sa.Connection) -> str | None:
    insp_has = sa.inspect(conn).has_table("alembic_version")
    if not insp_has:
        return None
    row = conn.exec_driver_sql("SELECT version_num FROM alembic_version").first()
    return row[0] if row else None


def _quick_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        try:
            row = conn.exec_driver_sql("SELECT version_num FROM alembic_version").first()
        except (OperationalError, sa.exc.ProgrammingError) as e:
            msg = str(e.orig if hasattr(e, "orig") else e).lower()
            if "no such table" in msg or "does not exist" in msg or "undefinedtable" in msg:
                return None
            raise
        return row[0] if row else None


def ensure_schema(engine: Engine) -> None:
    if _quick_revision(engine) == HEAD_REVISION:
        return  # the common case: no Alembic import
    upgrade(engine)


def upgrade(engine: Engine) -> None:
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    write_engine = engine.execution_options(ordercli_write=True) if engine.dialect.name == "sqlite" else engine
    with write_engine.connect() as conn:
        with conn.begin():
            if engine.dialect.name == "postgresql":
                conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_PG_MIGRATION_LOCK})")
            current = stored_revision(conn)
            if current == HEAD_REVISION:
                return  # another till upgraded while we waited for the lock
            if current is not None:
                from alembic.script import ScriptDirectory

                try:
                    ScriptDirectory.from_config(cfg).get_revision(current)
                except Exception:  # unknown revision: a newer ordercli made this store
                    raise StoreError(
                        f"This store was made by a newer version of ordercli (schema {current!r}).",
                        "Upgrade ordercli (pip install -U ordercli) on this till, or use another --db.",
                    ) from None
            if current is None:
                foreign = [t for t in sa.inspect(conn).get_table_names() if t != "alembic_version"]
                if foreign:
                    raise StoreError(
                        f"This database is not an ordercli store (it already has tables such as {foreign[0]!r}).",
                        "Give ordercli a database of its own: a new file path or an empty PostgreSQL database in --db.",
                    )
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")


# ------------------------------------------------------------ hot statements


def fast(session: Session):
    """Where to run the few statements executed for every order (batch imports).

    On PostgreSQL: the session's Connection. On SQLite: the same DB-API
    connection, inside the same transaction, but without SQLAlchemy's
    per-statement machinery (~34 µs a statement against ~4 µs): each Core
    statement is compiled once by SQLAlchemy (so its SQL is written once) and
    then run by the sqlite3 cursor, with values adapted the way SQLAlchemy
    stores them (UTC datetimes as text, booleans as 0/1).
    """
    conn = session.connection()
    if conn.dialect.name != "sqlite":
        return conn
    return _SqliteFast(conn.connection.driver_connection)


_SQLITE_NAMED = None
_FAST_CACHE: dict = {}
_ROW_TYPES: dict = {}


def _compiled(stmt, keys: tuple) -> tuple[str, dict]:
    global _SQLITE_NAMED
    hit = _FAST_CACHE.get((stmt, keys))
    if hit is None:
        if _SQLITE_NAMED is None:
            from sqlalchemy.dialects import sqlite

            _SQLITE_NAMED = sqlite.dialect(paramstyle="named")
        c = stmt.compile(dialect=_SQLITE_NAMED, column_keys=list(keys) if keys else None)
        defaults = {k: v for k, v in c.params.items() if k not in keys}  # LIMIT/OFFSET literals and the like
        hit = (str(c), defaults)
        _FAST_CACHE[(stmt, keys)] = hit
    return hit


def _adapt(value):
    kind = type(value)
    if kind is bool:
        return int(value)
    if kind is datetime:
        if value.tzinfo is not None:
            value = value.astimezone(timezone.utc).replace(tzinfo=None)
        return value.isoformat(" ", "microseconds")  # SQLAlchemy's SQLite storage format
    return value


class _FastResult:
    def __init__(self, cursor):
        self._cursor = cursor

    def _rows(self):
        cur = self._cursor
        if cur.description is None:
            return []
        names = tuple(d[0] for d in cur.description)
        Row = _ROW_TYPES.get(names)
        if Row is None:  # building a namedtuple class is slow: once per column list
            from collections import namedtuple

            Row = _ROW_TYPES[names] = namedtuple("Row", names, rename=True)  # type: ignore[misc]
        return [Row(*r) for r in cur.fetchall()]

    def first(self):
        rows = self._rows()
        return rows[0] if rows else None

    def all(self):
        return self._rows()

    def scalar(self):
        row = self.first()
        return None if row is None else row[0]

    def scalar_one(self):
        rows = self._rows()
        if len(rows) != 1:
            raise sa.exc.NoResultFound("expected one row") if not rows else sa.exc.MultipleResultsFound("expected one row")
        return rows[0][0]


class _SqliteFast:
    def __init__(self, raw):
        self.raw = raw

    def execute(self, stmt, params=None):
        if isinstance(params, list):
            if not params:
                return _FastResult(self.raw.cursor())
            sql, defaults = _compiled(stmt, tuple(params[0]))
            cur = self.raw.cursor()
            cur.executemany(sql, [{**defaults, **{k: _adapt(v) for k, v in p.items()}} for p in params])
            return _FastResult(cur)
        params = params or {}
        sql, defaults = _compiled(stmt, tuple(params) if not isinstance(stmt, sa.TextClause) else ())
        cur = self.raw.cursor()
        cur.execute(sql, {**defaults, **{k: _adapt(v) for k, v in params.items()}})
        return _FastResult(cur)
