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
* PostgreSQL waits are bounded. Connecting gives up after ``connect_timeout``
  seconds (libpq's own URL parameter; when the URL has none, ordercli adds
  ``ORDERCLI_CONNECT_TIMEOUT`` or 5 s): a server that accepts the TCP
  connection and never answers cannot hang a till. Every write transaction
  starts with ``SET LOCAL lock_timeout`` (``?lock_timeout=SECONDS`` in the URL,
  an ordercli option removed before connecting, or ``ORDERCLI_LOCK_TIMEOUT``;
  default 10 s): waiting longer for a row another till holds fails with
  SQLSTATE 55P03, which the CLI words "Another till holds this order".
  These settings cannot live in the store: it is not readable before connecting.
* A URL without a database name, or one that cannot be parsed, is refused.
* A SQLite store this process cannot write is opened read-only (``mode=ro``).
  SQLite still creates its ``-wal``/``-shm`` side files with the store's
  read-only mode; when the store is writable again, opening it gives those side
  files (if this user owns them) the store file's mode back, so restoring the
  store's permissions is enough. A zero-byte file taken as a new store is made
  0600, like any new store.
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
HEAD_REVISION = "0007_customer_language"

BUSY_TIMEOUT_MS = 15_000
CONNECT_TIMEOUT_S = 5  # PostgreSQL: ?connect_timeout=… in the URL, else ORDERCLI_CONNECT_TIMEOUT, else this
LOCK_TIMEOUT_S = 10.0  # PostgreSQL: ?lock_timeout=… in the URL, else ORDERCLI_LOCK_TIMEOUT, else this
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
            return _pg_url(f"postgresql+psycopg://{rest}").render_as_string(hide_password=False), None
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


_PG_URL_HINT = "Write it as postgresql+psycopg://USER@HOST:PORT/DBNAME (an IPv6 host in brackets: [::1]:5432)."


def _pg_url(text: str) -> sa.URL:
    """Parse and check a PostgreSQL URL: it names a database and its port (if any) is a number."""
    try:
        url = sa.make_url(text)
    except (ValueError, sa.exc.ArgumentError):
        raise StoreError("The PostgreSQL URL in --db / ORDERCLI_DB cannot be read.", _PG_URL_HINT) from None
    if not url.database:
        raise StoreError(
            "The PostgreSQL URL in --db / ORDERCLI_DB names no database.",
            "Add the database after the host, e.g. postgresql+psycopg://USER@HOST:5432/shop (an empty database of its own).",
        )
    return url


def _seconds(value: str, what: str, *, integer: bool) -> float:
    try:
        number = int(value) if integer else float(value)
    except ValueError:
        number = -1
    if not number >= 0 or number == float("inf"):
        kind = "a whole number of seconds" if integer else "a number of seconds"
        raise StoreError(f"{what} must be {kind} (0: no limit), not {value!r}.", "Fix it in --db / ORDERCLI_DB or the environment.")
    return number


def pg_settings(target: str) -> tuple[sa.URL, int, float]:
    """The URL to connect with (its ``connect_timeout`` set) and the two limits in seconds."""
    url = sa.make_url(resolve_url(target)[0])
    query = dict(url.query)
    if "connect_timeout" in query:
        connect = int(_seconds(str(query["connect_timeout"]), "connect_timeout in the store URL", integer=True))
    else:
        env = os.environ.get("ORDERCLI_CONNECT_TIMEOUT", "").strip()
        connect = int(_seconds(env, "ORDERCLI_CONNECT_TIMEOUT", integer=True)) if env else CONNECT_TIMEOUT_S
        query["connect_timeout"] = str(connect)
    if "lock_timeout" in query:  # ordercli's option, not libpq's: taken out of the URL
        lock = _seconds(str(query.pop("lock_timeout")), "lock_timeout in the store URL", integer=False)
    else:
        env = os.environ.get("ORDERCLI_LOCK_TIMEOUT", "").strip()
        lock = _seconds(env, "ORDERCLI_LOCK_TIMEOUT", integer=False) if env else LOCK_TIMEOUT_S
    return url.set(query=query), connect, lock


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
    """A new store holds customers' contact data: create it 0600 (an empty file taken as a new store too)."""
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        os.close(fd)
    except FileExistsError:
        try:
            st = os.stat(path)
            if st.st_size == 0 and st.st_uid == os.geteuid() and (st.st_mode & 0o077) and os.path.isfile(path):
                os.chmod(path, st.st_mode & 0o700)
        except OSError:
            pass  # not ours to change: opening it says what is wrong
    except OSError as e:
        raise StoreError(f"Cannot create the store {str(path)!r}: {e.strerror}.", "Choose a --db path you can write to.") from None


def _repair_side_files(path: Path) -> None:
    """Give ``-wal``/``-shm`` files left read-only (by a read while the store was read-only) the store's mode.

    SQLite creates them with the store file's mode and, once they exist, never changes it: without
    this, a store made writable again still fails every write until ``-shm`` is removed by hand.
    Only files this user owns are changed (chmod needs it); an open file keeps working.
    """
    try:
        mode = os.stat(path).st_mode & 0o666
    except OSError:
        return
    for suffix in ("-wal", "-shm"):
        side = Path(f"{path}{suffix}")
        try:
            st = os.lstat(side)
            if st.st_uid == os.geteuid() and (st.st_mode & 0o777) != mode and not os.access(side, os.W_OK) and os.path.isfile(side):
                os.chmod(side, mode)
        except OSError:
            pass


def _sqlite_engine(url: str, path: Path, read_only: bool) -> Engine:
    if not read_only:
        return sa.create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})
    import sqlite3
    from urllib.parse import quote

    uri = f"file:{quote(str(path))}?mode=ro"

    def connect():
        return sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False)

    return sa.create_engine(url, creator=connect)


def _setup_sqlite(engine: Engine, read_only: bool = False) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):  # pragma: no cover - exercised by every test
        dbapi_conn.isolation_level = None  # let us emit BEGIN ourselves
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cur.execute("PRAGMA foreign_keys = ON")
        mode = cur.execute("PRAGMA journal_mode" if read_only else "PRAGMA journal_mode = WAL").fetchone()
        cur.execute("PRAGMA synchronous = NORMAL" if mode and str(mode[0]).lower() == "wal" else "PRAGMA synchronous = FULL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        if conn.get_execution_options().get("ordercli_write"):
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            conn.exec_driver_sql("BEGIN")


def _setup_pg(engine: Engine, lock_timeout: float) -> None:
    ms = int(round(lock_timeout * 1000))

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        # psycopg opens the transaction with this first statement; SET LOCAL ends with it.
        if conn.get_execution_options().get("ordercli_write"):
            conn.exec_driver_sql(f"SET LOCAL lock_timeout = {ms}")


def get_engine(target: str | None = None) -> Engine:
    """Open (and if needed create or upgrade) the store. Cached per URL (and, for PostgreSQL, its limits)."""
    url, path = resolve_url(target)
    pg = None
    if path is not None:
        _create_private_file(path)
        read_only = not os.access(path, os.W_OK)
        key = f"{url}?mode=ro" if read_only else url
        if key in _engines:
            return _engines[key]
        if not read_only:
            _repair_side_files(path)
        engine = _sqlite_engine(url, path, read_only)
        _setup_sqlite(engine, read_only)
    else:
        pg = pg_settings(target)
        key = f"{url}#connect={pg[1]}&lock={pg[2]}"
        if key in _engines:
            return _engines[key]
        try:
            import psycopg  # noqa: F401
        except ImportError:  # pragma: no cover
            raise StoreError("PostgreSQL support needs psycopg.", "pip install 'psycopg[binary]'.") from None
        engine = sa.create_engine(pg[0], pool_pre_ping=False)
        _setup_pg(engine, pg[2])
    try:
        ensure_schema(engine)
    except (OperationalError, DatabaseError) as e:
        engine.dispose()
        raise _store_error(e, target, pg) from None
    _engines[key] = engine
    return engine


def _store_error(e: Exception, target: str | None, pg: tuple | None = None) -> StoreError:
    text = str(getattr(e, "orig", e)).strip().splitlines()[0] if str(getattr(e, "orig", e)).strip() else type(e).__name__
    low = text.lower()
    where = target or "the default store"
    if pg is not None and "timeout expired" in low:
        url = pg[0]
        server = f"{url.host or 'localhost'}:{url.port or 5432}"
        return StoreError(
            f"The PostgreSQL server at {server} did not answer within {max(pg[1], 2)} s.",
            "Check that PostgreSQL is running there and reachable (host, port, firewall) and that --db / ORDERCLI_DB "
            "names the right server; a slow link can wait longer with ?connect_timeout=SECONDS in the URL or ORDERCLI_CONNECT_TIMEOUT.",
        )
    if pg is not None:
        where = pg[0].render_as_string(hide_password=True)
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
    bind = engine.execution_options(ordercli_write=True)  # SQLite: BEGIN IMMEDIATE; PostgreSQL: lock_timeout
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
