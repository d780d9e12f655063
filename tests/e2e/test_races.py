"""Several tills on one store at the same moment, as real OS processes.

Each till is a separate OS process that runs the real ``ordercli`` entry
point (``ordercli.cli.main``, what ``python -m ordercli`` runs) with flags. To
make the race real, the tills are forked from a launcher that has already
imported everything; each says "ready" (a file) and spins until all are, and
only then opens the store. So all tills hit the store within a millisecond or
two of each other instead of being spread out by interpreter start-up.

Run on SQLite and, when ``ORDERCLI_TEST_PG_URL`` is set, on PostgreSQL.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa

pytestmark = pytest.mark.slow

# The launcher: import everything once, fork one till per command (separate OS
# processes, each with its own connection and transaction), let every till say
# "ready" and spin until all are, then release them together. Each till runs
# the real CLI entry point with its argv; stdout/stderr go to files, the exit
# status is collected with wait(). Forking after the imports keeps the test
# cheap on a busy machine (one interpreter start per race, not one per till)
# and makes the start tight: no till is still importing when another writes.
LAUNCHER = r"""
import json, os, sys, time, traceback
from pathlib import Path
import sqlalchemy, sqlmodel
import ordercli.cli, ordercli.db, ordercli.output, ordercli.services.catalog, ordercli.services.orders
if os.environ.get("RACE_WARM_ALEMBIC"):
    import alembic.command, alembic.config, alembic.script
work = Path(sys.argv[1])
commands = json.loads((work / "commands.json").read_text())
go = work / "go"
sys.stdout.flush(); sys.stderr.flush()
pids = {}
for i, argv in enumerate(commands):
    pid = os.fork()
    if pid == 0:
        code = 70
        try:
            for fd, name in ((1, "out"), (2, "err")):
                f = os.open(work / f"{name}-{i}", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
                os.dup2(f, fd)
                os.close(f)
            (work / f"ready-{i}").touch()
            deadline = time.monotonic() + 60
            while not go.exists():
                if time.monotonic() > deadline:
                    os._exit(99)
                time.sleep(0.0005)
            sys.argv = ["ordercli", *argv]
            try:
                ordercli.cli.main()
                code = 0
            except SystemExit as e:
                code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
        except BaseException:
            traceback.print_exc()
            code = 70
        finally:
            try:
                sys.stdout.flush(); sys.stderr.flush()
            finally:
                os._exit(code)
    pids[pid] = i
deadline = time.monotonic() + 60
while not all((work / f"ready-{i}").exists() for i in range(len(commands))):
    if time.monotonic() > deadline:
        sys.exit("the tills did not get ready in time")
    time.sleep(0.002)
go.touch()
rcs = {}
while pids:
    pid, status = os.wait()
    rcs[pids.pop(pid)] = os.waitstatus_to_exitcode(status)
(work / "rcs.json").write_text(json.dumps(rcs))
"""

FORBIDDEN = ("database is locked", "Traceback", "deadlock", "store is busy", "Unexpected error", "UNIQUE constraint", "duplicate key")


@dataclass
class Till:
    argv: list[str]
    rc: int
    out: str
    err: str


def race(url: str, tmp_path: Path, commands: list[list[str]], *, timeout: float = 120, new_store: bool = False) -> list[Till]:
    """Run one till (process) per command, all released at once; return their results."""
    work = tmp_path / f"race-{time.monotonic_ns()}"
    work.mkdir()
    (work / "commands.json").write_text(json.dumps(commands))
    env = dict(os.environ, ORDERCLI_DB=url, NO_COLOR="1", TZ="UTC")
    env.pop("ORDERCLI_DEBUG", None)
    if new_store:  # the tills will migrate: have Alembic loaded so they reach the lock together
        env["RACE_WARM_ALEMBIC"] = "1"
    p = subprocess.run([sys.executable, "-c", LAUNCHER, str(work)], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=timeout)
    assert p.returncode == 0, f"launcher failed: {p.stdout}{p.stderr}"
    rcs = {int(k): v for k, v in json.loads((work / "rcs.json").read_text()).items()}
    results = [Till(argv, rcs[i], (work / f"out-{i}").read_text(), (work / f"err-{i}").read_text()) for i, argv in enumerate(commands)]
    for t in results:
        assert t.rc != 99, "a till never saw the start signal"
        for bad in FORBIDDEN:
            assert bad.lower() not in t.err.lower(), f"{t.argv}: {t.err}"
            assert bad.lower() not in t.out.lower(), f"{t.argv}: {t.out}"
    return results


def seed(url: str, products: list[tuple[str, int, int | None]]) -> None:
    """Create the store and its products in this process, then let go of it."""
    from ordercli import db
    from ordercli.services import catalog

    engine = db.get_engine(url)
    for sku, price, stock in products:
        with db.write_session(engine) as s:
            catalog.add_product(s, sku=sku, name=f"Item {sku}", price=price, stock=stock, tax_rate=2000)
            s.commit()
    db.dispose_all()


def order_cmd(i: int, *items: str) -> list[str]:
    cmd = ["--no-input", "order", "create", "--name", f"Till {i}", "--email", f"till{i}@example.com", "--no-notify", "--format", "json"]
    for it in items:
        cmd += ["--item", it]
    return cmd


def store_facts(url: str, sku: str) -> dict:
    """Read back stock, ledger and orders straight from the database."""
    from ordercli import db

    engine = db.get_engine(url)
    with engine.connect() as c:
        pid, stock = c.execute(sa.text("SELECT id, stock FROM product WHERE sku = :s"), {"s": sku}).one()
        ledger = c.execute(sa.text("SELECT COALESCE(SUM(delta), 0) FROM stock_movement WHERE product_id = :p"), {"p": pid}).scalar()
        sales = c.execute(
            sa.text("SELECT order_number, delta FROM stock_movement WHERE product_id = :p AND reason = 'sale'"), {"p": pid}
        ).all()
        sold = c.execute(sa.text("SELECT COALESCE(SUM(quantity), 0) FROM order_line WHERE product_id = :p"), {"p": pid}).scalar()
        numbers = [r[0] for r in c.execute(sa.text("SELECT number FROM orders ORDER BY seq")).all()]
    db.dispose_all()
    return {"stock": stock, "ledger": int(ledger), "sales": sales, "sold": int(sold), "numbers": numbers}


def numbers_of(tills: list[Till]) -> list[str]:
    return [json.loads(t.out)["number"] for t in tills if t.rc == 0]


# --------------------------------------------------------------------- tests


def test_scarce_item_is_never_oversold(store_url, tmp_path):
    """8 tills want the last 3 vases: 3 orders, 5 clean refusals, stock 0 == ledger."""
    seed(store_url, [("VASE-BUD", 1500, 3), ("GIFT-WRAP", 300, None)])
    tills = race(store_url, tmp_path, [order_cmd(i, "VASE-BUD", "GIFT-WRAP") for i in range(8)])
    if "://" not in store_url:
        # Every till closed its connection on the way out: SQLite folded the WAL back into
        # the file, so a copy of store.db alone is a complete backup.
        assert not Path(store_url + "-wal").exists()

    won = [t for t in tills if t.rc == 0]
    lost = [t for t in tills if t.rc != 0]
    assert len(won) == 3, [(t.rc, t.err) for t in tills]
    for t in lost:
        assert t.rc == 1, t.err
        assert "VASE-BUD" in t.err and "Not enough stock" in t.err, t.err
        assert t.out == "", "a refused order printed data"
    nums = numbers_of(won)
    assert len(set(nums)) == 3

    facts = store_facts(store_url, "VASE-BUD")
    assert facts["stock"] == 0
    assert facts["ledger"] == 0, "stock must equal the sum of its movements"
    assert facts["sold"] == 3
    assert sorted(n for n, _ in facts["sales"]) == sorted(nums)
    assert all(d == -1 for _, d in facts["sales"])
    # Exactly the winners' orders exist; refused orders left nothing behind (not even a number).
    assert sorted(facts["numbers"]) == sorted(nums)
    seqs = sorted(int(n) for n in nums)
    assert seqs == list(range(seqs[0], seqs[0] + 3)), "refused orders must give their number back"


def test_multi_line_orders_in_opposite_order_never_deadlock(store_url, tmp_path):
    """Half the tills list A then B, half B then A, with quantities 2 and 1: stock is exact."""
    seed(store_url, [("MUG-BLUE", 1800, 5), ("BOWL-RAMEN", 3400, 5)])
    cmds = [order_cmd(i, "MUG-BLUE:2", "BOWL-RAMEN") if i % 2 else order_cmd(i, "BOWL-RAMEN", "MUG-BLUE:2") for i in range(6)]
    tills = race(store_url, tmp_path, cmds)

    won = [t for t in tills if t.rc == 0]
    assert len(won) == 2, [(t.rc, t.err) for t in tills]  # 5 mugs // 2 per order
    for t in tills:
        if t.rc:
            assert t.rc == 1 and "MUG-BLUE" in t.err, t.err
    mug, bowl = store_facts(store_url, "MUG-BLUE"), store_facts(store_url, "BOWL-RAMEN")
    assert (mug["stock"], bowl["stock"]) == (1, 3)
    assert mug["ledger"] == mug["stock"] and bowl["ledger"] == bowl["stock"]
    assert len(set(numbers_of(won))) == 2


def test_untracked_items_all_sell_with_unique_numbers(store_url, tmp_path):
    seed(store_url, [("GIFT-WRAP", 300, None)])
    tills = race(store_url, tmp_path, [order_cmd(i, "GIFT-WRAP:2") for i in range(5)])

    assert [t.rc for t in tills] == [0] * 5, [t.err for t in tills if t.rc]
    nums = numbers_of(tills)
    assert len(set(nums)) == 5
    facts = store_facts(store_url, "GIFT-WRAP")
    assert facts["stock"] is None and facts["sales"] == []
    assert sorted(facts["numbers"]) == sorted(nums)


def test_two_tills_create_the_same_new_store_at_once(store_url, tmp_path):
    """Four tills open the same brand-new store at once: one migrates, the others wait for it and use it."""
    if "://" not in store_url:
        assert not Path(store_url).exists()
    cmds = [
        ["--no-input", "product", "add", f"CARD-{i}", "--name", f"Card {i}", "--price", "3.50", "--stock", "10", "--format", "json"]
        for i in range(4)
    ]
    tills = race(store_url, tmp_path, cmds, new_store=True)

    assert [t.rc for t in tills] == [0] * 4, [t.err for t in tills]
    assert sorted(json.loads(t.out)["sku"] for t in tills) == ["CARD-0", "CARD-1", "CARD-2", "CARD-3"]
    from ordercli import db

    engine = db.get_engine(store_url)
    with engine.connect() as c:
        assert c.execute(sa.text("SELECT version_num FROM alembic_version")).scalars().all() == [db.HEAD_REVISION]
        assert c.execute(sa.text("SELECT COUNT(*) FROM product")).scalar() == 4
        # The migration seeded its rows once, not once per till.
        assert c.execute(sa.text("SELECT COUNT(*) FROM counter WHERE name = 'order'")).scalar() == 1
    db.dispose_all()
