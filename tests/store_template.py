"""New test stores from a recording of the real migration, once per test process.

Opening an empty store runs every Alembic migration: ~0.1 s on SQLite and ~0.5 s on PostgreSQL
(more on a busy machine), for each of the ~1,000 tests that open a store. Here, the first empty
store of each database kind that a test process opens makes this module migrate a scratch store
of that kind with the real :func:`ordercli.db.upgrade` while recording every statement Alembic
sends; each later empty store gets the recorded writes (the DDL, the counters' rows, the
``alembic_version`` row) replayed in one transaction, under the lock the real upgrade takes
(``BEGIN IMMEDIATE`` on SQLite, the migration advisory lock on PostgreSQL). The reads Alembic
sends (reflection, the backfill ``SELECT`` s of tables that are empty) are left out: on an empty
store they decide nothing. A replayed store is the migrated store, statement for statement;
``tests/integration/test_store_template.py`` compares both (tables, columns, indexes,
constraints, sequences, rows, revision) on both databases.

PostgreSQL: running that DDL is itself the cost (~0.4 s of server work, ~0.2 s more to drop the
schema), so a test schema made by the fixtures (:func:`new_pg_schema`) is not dropped at the end of
its test when its catalog (tables, columns, defaults, constraints, indexes, sequences, triggers,
privileges…) is still exactly the migrated one: its rows are deleted, its sequences restarted, the
migration's rows (counters, ``alembic_version``) put back, and it is kept, renamed, as a spare. The
next empty fixture schema opened takes a spare's place (drop the empty schema, rename the spare):
a store equal to a migrated one for a few milliseconds of catalog updates.

Only an empty store is replayed: a store with any table (an older revision, a downgraded store
keeping its ``alembic_version`` table, a foreign database) goes through the real upgrade, and so
does every store when :data:`enabled` is false (``tests/conftest.py`` turns it off for the store's
own tests, which must see Alembic run). Child processes (``ordercli`` in a terminal, races) are
not affected: a store they create themselves is migrated by Alembic.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
import uuid

import sqlalchemy as sa
from sqlalchemy import event

from ordercli import db

enabled = True

_real_upgrade = db.upgrade
_lock = threading.Lock()
_recorded: dict[str, list | None] = {}  # dialect name -> [(statement, parameters, many)], None if it cannot be used
_READS = ("SELECT", "PRAGMA", "BEGIN", "COMMIT", "ROLLBACK")

# PostgreSQL: the migrated catalog and rows (from the recording's scratch schema), spares, chores.
_pg_reference: dict | None = None  # {"fingerprint": str, "tables": [...], "rows": {table: (columns, rows)}}
_spares: list[str] = []
_fixture_schemas: set[str] = set()
_admin = None  # one autocommit psycopg connection per process for creating and dropping schemas
_admin_url: str | None = None

FINGERPRINT_SQL = """
WITH top AS (
  SELECT d.classid, d.objid FROM pg_depend d
  WHERE d.refclassid = 'pg_namespace'::regclass AND d.refobjid = (SELECT oid FROM pg_namespace WHERE nspname = %(s)s)
), rels AS (
  SELECT c.oid, c.relname, c.relkind, c.relpersistence, c.relacl, c.relrowsecurity, c.relforcerowsecurity, c.relreplident,
         c.reloptions, c.relowner
  FROM pg_class c WHERE c.oid IN (SELECT objid FROM top WHERE classid = 'pg_class'::regclass)
)
SELECT md5(coalesce(string_agg(replace(x, %(s)s || '.', 'S.'), E'\\n' ORDER BY x), '')), count(*) FROM (
  SELECT 'rel|' || c.relname || '|' || c.relkind::text || '|' || c.relpersistence::text || '|' || coalesce(c.relacl::text, '')
         || '|' || c.relrowsecurity || c.relforcerowsecurity || '|' || c.relreplident::text
         || '|' || coalesce(array_to_string(c.reloptions, ','), '') || '|' || pg_get_userbyid(c.relowner) AS x
    FROM rels c
  UNION ALL
  SELECT 'att|' || c.relname || '|' || a.attnum || '|' || a.attname || '|' || format_type(a.atttypid, a.atttypmod)
         || '|' || a.attnotnull || a.attisdropped || '|' || a.attidentity::text || a.attgenerated::text || '|' || coalesce(co.collname, '')
         || '|' || coalesce(pg_get_expr(d.adbin, d.adrelid), '') || '|' || coalesce(a.attacl::text, '')
    FROM rels c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0
    LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
    LEFT JOIN pg_collation co ON co.oid = a.attcollation
  UNION ALL
  SELECT 'con|' || cl.relname || '|' || c.conname || '|' || c.contype::text || '|' || c.condeferrable || c.condeferred
         || c.convalidated || '|' || pg_get_constraintdef(c.oid)
    FROM rels cl JOIN pg_constraint c ON c.conrelid = cl.oid
  UNION ALL
  SELECT 'idx|' || ic.relname || '|' || pg_get_indexdef(i.indexrelid) || '|' || i.indisvalid || i.indisready || i.indisclustered
         || '|' || coalesce(array_to_string(ic.reloptions, ','), '')
    FROM rels c JOIN pg_index i ON i.indrelid = c.oid JOIN pg_class ic ON ic.oid = i.indexrelid
  UNION ALL
  SELECT 'seq|' || c.relname || '|' || format_type(s.seqtypid, NULL) || '|' || s.seqstart || '|' || s.seqincrement
         || '|' || s.seqmax || '|' || s.seqmin || '|' || s.seqcache || '|' || s.seqcycle || '|'
         || coalesce((SELECT string_agg(t.relname || '.' || a.attname || d.deptype::text, ',') FROM pg_depend d
                      JOIN pg_class t ON t.oid = d.refobjid JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = d.refobjsubid
                      WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.refclassid = 'pg_class'::regclass), '')
    FROM rels c JOIN pg_sequence s ON s.seqrelid = c.oid
  UNION ALL
  SELECT 'trg|' || c.relname || '|' || t.tgname || '|' || t.tgenabled::text || '|' || pg_get_triggerdef(t.oid)
    FROM rels c JOIN pg_trigger t ON t.tgrelid = c.oid WHERE NOT t.tgisinternal
  UNION ALL
  SELECT 'pol|' || c.relname || '|' || p.polname FROM rels c JOIN pg_policy p ON p.polrelid = c.oid
  UNION ALL
  SELECT 'rule|' || c.relname || '|' || r.rulename FROM rels c JOIN pg_rewrite r ON r.ev_class = c.oid
  UNION ALL
  SELECT 'obj|' || pg_describe_object(t.classid, t.objid, 0) FROM top t WHERE t.classid <> 'pg_class'::regclass
  UNION ALL
  SELECT 'ns|' || coalesce(n.nspacl::text, '') || '|' || pg_get_userbyid(n.nspowner) FROM pg_namespace n WHERE n.nspname = %(s)s
) f
"""
#: The catalogs of a busy test server are bloated (schemas created and dropped all day): the
#: fingerprint looks everything up by its index (everything in a schema depends on it in pg_depend).
INDEX_ONLY = ("SET LOCAL enable_seqscan = off", "SET LOCAL enable_hashjoin = off", "SET LOCAL enable_mergejoin = off")


def install() -> None:
    db.upgrade = upgrade


def upgrade(engine: sa.Engine) -> None:
    """:func:`ordercli.db.upgrade`, with an empty store given the recorded migration."""
    kind = engine.dialect.name
    if not enabled or kind not in ("sqlite", "postgresql"):
        return _real_upgrade(engine)
    if kind == "sqlite" and not os.access(engine.url.database or "", os.W_OK):
        return _real_upgrade(engine)  # read-only: the real upgrade says what is wrong
    statements = _recording(engine)
    if statements is None or not _replay(engine, statements):
        _real_upgrade(engine)


def _is_empty(conn: sa.Connection) -> bool:
    if conn.dialect.name == "sqlite":
        return conn.exec_driver_sql("SELECT count(*) FROM sqlite_master").scalar() == 0
    schema = conn.exec_driver_sql("SELECT current_schema()").scalar()
    if schema is None:
        return False  # no schema to create in: the real upgrade fails with its own error
    # everything made in a schema (table, sequence, type, function…) depends on it: an index lookup
    found = conn.exec_driver_sql(
        "SELECT EXISTS (SELECT 1 FROM pg_depend WHERE refclassid = 'pg_namespace'::regclass"
        " AND refobjid = (SELECT oid FROM pg_namespace WHERE nspname = current_schema()))"
    ).scalar()
    return not found


def _replay(engine: sa.Engine, statements: list) -> bool:
    """Replay into an empty store; False (nothing done) when the store is not empty."""
    sqlite = engine.dialect.name == "sqlite"
    write = engine.execution_options(ordercli_write=True) if sqlite else engine
    with write.connect() as conn:
        with conn.begin():
            if not sqlite:
                conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({db._PG_MIGRATION_LOCK})")
            if not _is_empty(conn):
                return False
            if not sqlite:
                schema = conn.exec_driver_sql("SELECT current_schema()").scalar()
                spare = _take_spare() if schema in _fixture_schemas else None
                if spare:
                    conn.exec_driver_sql(f'DROP SCHEMA "{schema}"')
                    conn.exec_driver_sql(f'ALTER SCHEMA "{spare}" RENAME TO "{schema}"')
                    return True
            for statement, parameters, many in statements:
                conn.exec_driver_sql(statement, parameters)
    return True


def _recording(engine: sa.Engine) -> list | None:
    kind = engine.dialect.name
    if kind in _recorded:
        return _recorded[kind]
    with _lock:
        if kind not in _recorded:
            try:
                _recorded[kind] = _record(engine)
            except Exception:  # noqa: BLE001 - no recording: every store takes the real upgrade
                _recorded[kind] = None
        return _recorded[kind]


def _parameters(parameters, many: bool):
    if many:
        return [dict(p) if isinstance(p, dict) else tuple(p) for p in parameters]
    if not parameters:
        return None
    return dict(parameters) if hasattr(parameters, "keys") else tuple(parameters)


def _record(like: sa.Engine) -> list | None:
    """Migrate a scratch store of ``like``'s kind with the real upgrade; return the writes it sent."""
    statements: list = []

    def on_execute(_conn, _cursor, statement, parameters, context, executemany):
        if context is not None and getattr(context, "no_parameters", False):
            raise RuntimeError("a statement run without parameters cannot be replayed the same way")
        if statement.lstrip().upper().startswith(_READS):
            return
        statements.append((statement, _parameters(parameters, executemany), executemany))

    if like.dialect.name == "sqlite":
        folder = tempfile.mkdtemp(prefix="ordercli-template-")
        path = os.path.join(folder, "template.db")
        scratch = db._sqlite_engine(f"sqlite:///{path}", path, False)
        db._setup_sqlite(scratch)
        drop = None
    else:
        schema = "tmpl_" + uuid.uuid4().hex[:12]
        with like.connect() as conn:
            conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
            conn.commit()
        scratch = sa.create_engine(like.url.update_query_dict({"options": f"-csearch_path={schema}"}))
        folder = None
        drop = schema
    try:
        event.listen(scratch, "before_cursor_execute", on_execute)
        _real_upgrade(scratch)
        event.remove(scratch, "before_cursor_execute", on_execute)
        with scratch.connect() as conn:
            if db.stored_revision(conn) != db.HEAD_REVISION:
                return None
            if drop:
                _remember_pg_reference(conn, drop)
    finally:
        scratch.dispose()
        if folder:
            shutil.rmtree(folder, ignore_errors=True)
        if drop:
            with like.connect() as conn:
                conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{drop}" CASCADE')
                conn.commit()
    return statements


# ------------------------------------------------------------------ PostgreSQL test schemas


def _remember_pg_reference(conn: sa.Connection, schema: str) -> None:
    global _pg_reference
    for setting in INDEX_ONLY:
        conn.exec_driver_sql(setting)
    fingerprint = tuple(conn.exec_driver_sql(FINGERPRINT_SQL, {"s": schema}).one())
    tables = [r[0] for r in conn.exec_driver_sql("SELECT tablename FROM pg_tables WHERE schemaname = %(s)s ORDER BY tablename", {"s": schema})]
    rows = {}
    for table in tables:
        result = conn.exec_driver_sql(f'SELECT * FROM "{schema}"."{table}"')
        found = [tuple(r) for r in result]
        if found:
            rows[table] = (list(result.keys()), found)
    superuser = conn.exec_driver_sql("SELECT rolsuper FROM pg_roles WHERE rolname = current_user").scalar()
    _pg_reference = {"fingerprint": fingerprint, "tables": tables, "rows": rows} if superuser else None


def _take_spare() -> str | None:
    with _lock:
        return _spares.pop() if _spares else None


def admin(plain_url: str):
    """This process's autocommit connection for schema chores (reconnected when it broke)."""
    global _admin, _admin_url
    import psycopg

    if _admin is None or _admin.closed or _admin.broken or _admin_url != plain_url:
        if _admin is not None:
            _admin.close()
        _admin = psycopg.connect(plain_url, autocommit=True)
        _admin_url = plain_url
    return _admin


def _chore(plain_url: str, fn):
    import psycopg

    try:
        return fn(admin(plain_url))
    except psycopg.OperationalError:  # the connection died (a test stopped the server?): once more on a new one
        global _admin
        _admin = None
        return fn(admin(plain_url))


def new_pg_schema(plain_url: str) -> str:
    """An empty schema for one test."""
    schema = "t_" + uuid.uuid4().hex[:12]
    _chore(plain_url, lambda conn: conn.execute(f'CREATE SCHEMA "{schema}"'))
    _fixture_schemas.add(schema)
    return schema


def release_pg_schema(plain_url: str, schema: str) -> None:
    """At the end of a test: keep its schema as a spare when it is still a migrated store's, else drop it."""
    _fixture_schemas.discard(schema)
    if not _recycle(plain_url, schema):
        _chore(plain_url, lambda conn: conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))


def _recycle(plain_url: str, schema: str) -> bool:
    reference = _pg_reference
    if reference is None:
        return False
    spare = "t_spare_" + uuid.uuid4().hex[:12]

    def reset(conn) -> bool:
        import psycopg

        try:
            with conn.transaction():
                conn.execute("SET LOCAL lock_timeout = '5s'")
                conn.execute("SET LOCAL synchronous_commit = off")  # a test's scratch data: no need to wait for the disk
                conn.execute(f'SET LOCAL search_path TO "{schema}"')  # names in definitions as the reference has them
                for setting in INDEX_ONLY:
                    conn.execute(setting)
                if tuple(conn.execute(FINGERPRINT_SQL, {"s": schema}).fetchone()) != reference["fingerprint"]:
                    return False  # not (or no longer) the migrated catalog: dropped
                # Wait (up to lock_timeout) for any session still on these tables — a child process or
                # a watcher thread finishing — and keep it out until the reset commits; else dropped.
                tables = ", ".join(f'"{schema}"."{table}"' for table in reference["tables"])
                conn.execute(f"LOCK TABLE {tables} IN ACCESS EXCLUSIVE MODE")
                conn.execute("SET LOCAL session_replication_role = replica")  # no foreign-key order to follow
                for table in reference["tables"]:
                    conn.execute(f'DELETE FROM "{schema}"."{table}"')
                conn.execute("SET LOCAL session_replication_role = origin")
                conn.execute(
                    "SELECT setval(c.oid, s.seqstart, false) FROM pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid"
                    " WHERE c.relnamespace = %(s)s::regnamespace",
                    {"s": f'"{schema}"'},
                )
                for table, (columns, rows) in reference["rows"].items():
                    names = ", ".join(f'"{c}"' for c in columns)
                    marks = ", ".join(["%s"] * len(columns))
                    conn.cursor().executemany(f'INSERT INTO "{schema}"."{table}" ({names}) VALUES ({marks})', rows)
                conn.execute(f'ALTER SCHEMA "{schema}" RENAME TO "{spare}"')
        except psycopg.Error:
            return False  # something still uses it (lock timeout), or it is not what it should be: dropped, as before
        return True

    if not _chore(plain_url, reset):
        return False
    with _lock:
        _spares.append(spare)
    return True


def drop_spares(plain_url: str) -> None:
    while True:
        spare = _take_spare()
        if spare is None:
            break
        _chore(plain_url, lambda conn: conn.execute(f'DROP SCHEMA IF EXISTS "{spare}" CASCADE'))
