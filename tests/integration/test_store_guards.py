"""Guards added after review: foreign databases, read-only stores, currency switches."""

from __future__ import annotations

import os
import sqlite3

import pytest

from ordercli import db
from ordercli.errors import RefusedError
from ordercli.services import catalog, config


def test_a_foreign_sqlite_database_is_refused_and_left_alone(tmp_path, cli):
    path = tmp_path / "other-app.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
    r = cli("--db", str(path), "order", "list")
    assert r.exit_code == 2
    assert "not an ordercli store" in r.stderr
    with sqlite3.connect(path) as conn:
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert tables == {"notes"}


def test_currency_with_other_decimals_is_refused_once_products_exist(sqlite_engine):
    with db.write_session(sqlite_engine) as s:
        assert config.set_value(s, "store.currency", "JPY") == "JPY"  # empty catalog: allowed
        s.commit()
    with db.write_session(sqlite_engine) as s:
        assert config.set_value(s, "store.currency", "EUR") == "EUR"
        s.commit()
    with db.write_session(sqlite_engine) as s:
        catalog.add_product(s, sku="MUG", name="Mug", price=1800, stock=1)
        s.commit()
    with db.write_session(sqlite_engine) as s:
        assert config.set_value(s, "store.currency", "USD") == "USD"  # same decimals: fine
        s.commit()
    with db.write_session(sqlite_engine) as s:
        with pytest.raises(RefusedError, match="different decimals"):
            config.set_value(s, "store.currency", "JPY")
        s.commit()
    with db.read_session(sqlite_engine) as s:
        assert config.get_value(s, "store.currency") == "USD"


def test_read_only_store_gives_a_clear_error(tmp_path, cli):
    """As root the child drops CAP_DAC_OVERRIDE (setpriv) so the 0400 file is really read-only to it."""
    import shutil
    import subprocess
    import sys

    prefix: list[str] = []
    if os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        if not setpriv:
            pytest.skip("root without setpriv cannot make a file read-only to itself")
        caps = "-dac_override,-dac_read_search"
        prefix = [setpriv, f"--inh-caps={caps}", f"--bounding-set={caps}"]
    path = tmp_path / "ro.db"
    assert cli("--db", str(path), "product", "add", "X", "--name", "X", "--price", "1", "--stock", "1").exit_code == 0
    db.dispose_all()
    for suffix in ("-wal", "-shm"):
        (tmp_path / f"ro.db{suffix}").unlink(missing_ok=True)
    os.chmod(path, 0o444)
    tmp_path.chmod(0o555)
    try:
        env = dict(os.environ, NO_COLOR="1")
        r = subprocess.run(
            [*prefix, sys.executable, "-m", "ordercli", "--db", str(path), "product", "stock", "X", "--add", "1"],
            capture_output=True, text=True, env=env, timeout=60,
        )
    finally:
        tmp_path.chmod(0o755)
        os.chmod(path, 0o644)
    assert r.returncode != 0
    assert "Traceback" not in r.stderr
    assert "is read-only" in r.stderr, r.stderr
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT stock FROM product WHERE sku = 'X'").fetchone() == (1,)
