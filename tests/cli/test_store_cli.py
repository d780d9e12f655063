"""Issue 10 §6: ``ordercli store backup|restore|check`` and ``store.auto_backup``."""

from __future__ import annotations

import json
import os
import sqlite3
import stat
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import pytest

from tests import seed

NEW_ORDER = ("order", "create", "--name", "Ana Lima", "--email", "ana@example.com", "--item", "MUG-01:2", "--format", "json")


def ok(r):
    assert r.exit_code == 0, f"exit {r.exit_code}\nstdout: {r.stdout}\nstderr: {r.stderr}"
    return r


def order(cli, *extra) -> str:
    return json.loads(ok(cli(*NEW_ORDER, *extra)).stdout)["number"]


@pytest.fixture
def shop(cli):
    seed.products(cli.url, ("MUG-01", "Blue mug", "12.50", 500, 20), ("BOWL", "Bowl", "30.00", 40, 20))
    return cli


def sql(cli, *statements):
    from ordercli import db

    db.dispose_all()  # no pooled connection of ours keeps an old page cache
    with sqlite3.connect(cli.url) as c:
        for s in statements:
            c.execute(s)


# ------------------------------------------------------------------ check


def test_a_clean_store_passes(shop):
    paid = order(shop)
    ok(shop("order", "pay", paid))
    order(shop, "--discount", "10%")
    r = ok(shop("store", "check"))
    assert "Store check passed" in r.stderr and "2 tracked products" in r.stderr and "2 orders" in r.stderr
    assert r.stdout == ""


def test_check_names_each_problem_one_line_each(shop):
    a, b, c = order(shop), order(shop), order(shop)
    sql(
        shop,
        "UPDATE product SET stock = stock + 5 WHERE sku = 'BOWL'",  # behind the ledger's back
        f"UPDATE orders SET total = total + 100 WHERE number = '{a}'",  # altered total
        f"UPDATE orders SET payment_status = 'PAID' WHERE number = '{b}'",  # paid, with no payment
        f"UPDATE orders SET paid = 100 WHERE number = '{c}'",  # paid without a payment row
    )
    r = shop("store", "check")
    assert r.exit_code == 1, r.stderr
    lines = r.stdout.splitlines()
    assert len(lines) == 4, r.stdout
    assert any(ln.startswith("Product BOWL: stock is 45 but its ledger adds up to 40") for ln in lines), lines
    assert f"Order {a}: stored totals differ from its lines: total €26.00 (should be €25.00)." in lines, lines
    assert any(ln.startswith(f"Order {b}: payment status Paid does not fit") for ln in lines), lines
    assert any(ln.startswith(f"Order {c}: paid €1.00 but its payments add up to €0.00") for ln in lines), lines
    assert "Store check: 4 problems." in r.stderr


def corrupt(path: str, first_page: int = 3) -> None:
    """Overwrite the middle of every page from ``first_page`` on with garbage (the WAL folded in first)."""
    from ordercli import db

    db.dispose_all()
    with sqlite3.connect(path) as c:
        c.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        page = c.execute("PRAGMA page_size").fetchone()[0]
        pages = c.execute("PRAGMA page_count").fetchone()[0]
    with open(path, "r+b") as f:
        for n in range(first_page, pages + 1):
            f.seek((n - 1) * page + page // 4)
            f.write(os.urandom(page // 2))


def test_a_corrupted_file_is_found(shop):
    for _ in range(5):
        order(shop)
    corrupt(shop.url)
    r = shop("store", "check")
    assert r.exit_code == 1, (r.stdout, r.stderr)
    assert r.stdout.startswith("Store file: integrity check failed") or "Store file:" in r.stdout
    assert all(ln.startswith(("Store file:", "Product ", "Order ")) for ln in r.stdout.splitlines())
    assert "Traceback" not in r.stderr


# ------------------------------------------------------------------ backup


WRITER = r"""
import os, sys, time
from typer.testing import CliRunner
from ordercli.cli import app
runner = CliRunner()
stop, end = sys.argv[1], time.monotonic() + 120  # until the test says stop (a busy machine starts slowly)
n = 0
while not os.path.exists(stop) and time.monotonic() < end:
    r = runner.invoke(app, ["order", "create", "--name", "Till B", "--email", "b@example.com", "--item", "MUG-01:1", "--no-notify"])
    assert r.exit_code == 0, r.output
    n += 1
print(n)
"""


def _orders_beyond(url: str, seen: int, timeout: float = 60.0) -> int:
    """Wait until the store holds more than ``seen`` orders (the other till is writing); the count."""
    deadline = time.monotonic() + timeout
    while True:
        with sqlite3.connect(url, timeout=10) as c:
            n = c.execute("SELECT count(*) FROM orders").fetchone()[0]
        if n > seen or time.monotonic() > deadline:
            return n
        time.sleep(0.05)


def test_backup_while_another_till_keeps_writing_is_consistent_and_private(shop, tmp_path):
    order(shop)
    env = {**os.environ, "ORDERCLI_DB": shop.url}
    stop = tmp_path / "stop"
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(stop)], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        seen = _orders_beyond(shop.url, 1)  # the other till has started writing
        backups = []
        for i in range(3):
            target = tmp_path / f"backup-{i}.db"
            r = ok(shop("store", "backup", target))
            assert "Backup of" in r.stderr
            backups.append(target)
            seen = _orders_beyond(shop.url, seen)  # and goes on between backups
    finally:
        stop.touch()
        out, err = writer.communicate(timeout=120)
    assert writer.returncode == 0, err
    assert int(out.strip()) > 0
    counts = []
    for target in backups:
        assert stat.S_IMODE(target.stat().st_mode) == 0o600
        assert not Path(str(target) + "-wal").exists()
        from tests.conftest import Cli

        r = Cli(str(target))("store", "check")
        assert r.exit_code == 0, (r.stdout, r.stderr)
        with sqlite3.connect(target) as c:
            counts.append(c.execute("SELECT count(*) FROM orders").fetchone()[0])
    assert counts == sorted(counts) and counts[-1] > counts[0] > 1  # snapshots taken while orders kept coming
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_backup_of_postgresql_prints_pg_dump_without_the_password(tmp_path):
    from tests.conftest import Cli

    r = Cli("postgresql+psycopg://shop:s3cret@db.local:5433/shop")("store", "backup", tmp_path / "shop.dump")
    assert r.exit_code == 0, r.stderr
    assert r.stdout.strip() == f"pg_dump --format=custom --file={tmp_path / 'shop.dump'} --dbname=postgresql://shop@db.local:5433/shop"
    assert "s3cret" not in r.stdout + r.stderr


def test_backup_to_a_device_or_folder_is_refused(shop, tmp_path):
    from tests.cli.test_safe_files_cli import full_device

    r = shop("store", "backup", full_device(tmp_path))
    assert r.exit_code == 2 and "not a regular file" in r.stderr
    r = shop("store", "backup", tmp_path)
    assert r.exit_code == 2 and "is a folder" in r.stderr


# ------------------------------------------------------------------ restore


def test_restore_refuses_a_store_with_newer_orders_unless_yes(shop, tmp_path):
    first = order(shop)
    ok(shop("store", "backup", tmp_path / "b.db"))
    later = order(shop)
    r = shop("store", "restore", tmp_path / "b.db")
    assert r.exit_code == 1, r.stderr
    assert "newer orders than the backup" in r.stderr and "--yes" in r.stderr
    assert json.loads(ok(shop("order", "show", later, "--format", "json")).stdout)["number"] == later  # nothing changed
    r = ok(shop("store", "restore", tmp_path / "b.db", "--yes"))
    assert "restored" in r.stderr and "before-restore" in r.stderr
    assert shop("order", "show", later).exit_code == 1
    ok(shop("order", "show", first))
    ok(shop("store", "check"))
    kept = [p for p in tmp_path.iterdir() if ".before-restore-" in p.name]
    assert len(kept) == 1 and stat.S_IMODE(kept[0].stat().st_mode) == 0o600
    with sqlite3.connect(kept[0]) as c:
        assert c.execute("SELECT count(*) FROM orders").fetchone()[0] == 2


def test_restore_of_a_backup_that_is_not_newer_needs_no_yes(shop, tmp_path):
    order(shop)
    ok(shop("store", "backup", tmp_path / "b.db"))
    ok(shop("store", "restore", tmp_path / "b.db"))
    (tmp_path / "junk.db").write_bytes(b"not a database" * 100)
    r = shop("store", "restore", tmp_path / "junk.db")
    assert r.exit_code == 2 and "not a sound ordercli backup" in r.stderr


# ------------------------------------------------------------------ auto backup


def test_auto_backup_is_off_by_default_then_one_file_per_day(shop, tmp_path):
    from ordercli.services import backup

    order(shop)
    assert backup.dated_backups(shop.url) == []
    ok(shop("config", "set", "store.auto_backup", "true"))  # this write happened before the setting
    order(shop)  # the first write of the day keeps today's copy
    order(shop)
    today = backup.dated_path(shop.url, backup.today())
    assert backup.dated_backups(shop.url) == [today]
    assert stat.S_IMODE(today.stat().st_mode) == 0o600
    with sqlite3.connect(today) as c:  # the store as it was before that write
        assert c.execute("SELECT count(*) FROM orders").fetchone()[0] == 1


def test_auto_backup_keeps_the_last_seven(shop):
    from ordercli.services import backup

    start = date(2026, 11, 1)
    for i in range(10):
        made = backup.auto_backup(shop.url, day=start + timedelta(days=i))
        assert made is not None
        assert backup.auto_backup(shop.url, day=start + timedelta(days=i)) is None  # once a day
    names = [p.name for p in backup.dated_backups(shop.url)]
    assert names == [f"store.db.{(start + timedelta(days=i)).isoformat()}.backup" for i in range(3, 10)]


def test_the_pg_dump_command_leaves_out_ordercli_s_own_url_options():
    """Review of issue 10: `?lock_timeout=` is read by ordercli; pg_dump refuses an unknown URI parameter."""
    from ordercli.services.backup import url_without_password

    url = url_without_password("postgresql+psycopg://shop:secret@db.local:5433/stall?lock_timeout=5&connect_timeout=7")
    assert "lock_timeout" not in url and "secret" not in url
    assert url.startswith("postgresql://shop@db.local:5433/stall") and "connect_timeout=7" in url
