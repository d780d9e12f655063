"""How many orders per second can one till (or a few) enter?

    python benchmarks/bench_throughput.py [--orders 1000] [--cli-orders 40] [--pg URL] [--no-doc]

1. In one process: ``services.orders.place_order`` in its own write session
   and transaction per order (what every door does), on SQLite (and
   PostgreSQL with ``--pg URL`` or ``ORDERCLI_BENCH_PG_URL``). Floor: the same
   rows written with the plain ``sqlite3`` module (BEGIN IMMEDIATE, counter,
   conditional stock updates, order, lines, ledger, event, COMMIT) on an
   identical SQLite store: what the database itself costs.
2. As processes: ``ordercli order create --name … --email … --item …``, one
   after the other and ``nproc`` at a time. Floor: ``python -c "import sqlmodel"``
   processes run the same way (no store command can start faster).

No pass/fail target: the numbers are for capacity planning (a busy fair till
takes an order every 30 s or so). Rewrites the "throughput" section of
docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import os
import random
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _bench  # noqa: E402


def prepare(url: str):
    """Catalog with plenty of stock; returns the products."""
    from ordercli import db
    from ordercli.models import Product
    from ordercli.services import catalog
    from sqlmodel import select

    _bench.import_catalog(url)
    engine = db.get_engine(url)
    with db.read_session(engine) as s:
        products = list(s.exec(select(Product)).all())
    with _bench.write(engine) as s:
        for p in products:
            if p.stock is not None:
                catalog.change_stock(s, sku=p.sku, add=1_000_000, reason="restock")
    return engine, products


def service_rate(url: str, n: int, seed: int = 11) -> tuple[float, list[float]]:
    from ordercli import db
    from ordercli.services import orders

    engine, products = prepare(url)
    rng = random.Random(seed)
    drafts = [_bench.random_draft(rng, products, i) for i in range(n + 20)]
    for d in drafts[:20]:  # warm-up: compiled statement cache, connection pool
        with _bench.write(engine) as s:
            orders.place_order(s, d)
    lat = []
    t0 = time.perf_counter()
    for d in drafts[20:]:
        t = time.perf_counter()
        with _bench.write(engine) as s:
            orders.place_order(s, d)
        lat.append(time.perf_counter() - t)
    total = time.perf_counter() - t0
    db.dispose_all()
    return n / total, lat


def raw_sqlite_rate(path: str, n: int, seed: int = 11) -> tuple[float, list[float]]:
    """The floor: the same kind of rows with plain sqlite3, same pragmas, one transaction per order."""
    from ordercli import db

    engine, products = prepare(path)  # same schema and catalog, created by ordercli
    db.dispose_all()
    con = sqlite3.connect(path, isolation_level=None)
    con.execute(f"PRAGMA busy_timeout = {db.BUSY_TIMEOUT_MS}")
    con.execute("PRAGMA foreign_keys = ON")
    con.execute("PRAGMA journal_mode = WAL")
    con.execute("PRAGMA synchronous = NORMAL")
    cols = [r[1] for r in con.execute("PRAGMA table_info(orders)")]
    rng = random.Random(seed)
    tracked = [p for p in products]
    lat = []
    t0 = time.perf_counter()
    for i in range(n):
        t = time.perf_counter()
        now = datetime.now(timezone.utc).replace(tzinfo=None).isoformat(sep=" ")
        lines = [(p, rng.choice([1, 1, 2])) for p in rng.sample(tracked, rng.choice([1, 2, 3]))]
        con.execute("BEGIN IMMEDIATE")
        seq = con.execute("UPDATE counter SET value = value + 1 WHERE name = 'order' RETURNING value").fetchone()[0] - 1
        for p, q in sorted(lines, key=lambda x: x[0].id):
            if p.stock is not None:
                left = con.execute("UPDATE product SET stock = stock - ?, updated_at = ? WHERE id = ? AND stock >= ? RETURNING stock", (q, now, p.id, q)).fetchone()[0]
                con.execute("INSERT INTO stock_movement (product_id, delta, stock_after, reason, order_number, at) VALUES (?,?,?,?,?,?)", (p.id, -q, left, "sale", str(seq), now))
        cust = con.execute("INSERT INTO customer (name, email, phone, created_at) VALUES (?,?,?,?) RETURNING id", (f"Raw {i}", f"raw{i}@example.com", None, now)).fetchone()[0]
        total = sum(p.price * q for p, q in lines)
        values = {c: 0 for c in cols}
        values.update(
            id=None, number=str(seq), seq=seq, external_ref=None, created_at=now, updated_at=now, version=1, door="flags", customer_id=cust,
            customer_name=f"Raw {i}", customer_email=f"raw{i}@example.com", customer_phone=None, payment_status="AWAITING_PAYMENT",
            fulfillment_status="AWAITING_PROCESSING", currency="EUR", prices_include_tax=1, item_count=sum(q for _, q in lines),
            subtotal=total, total=total, stock_held=1, notify_customer=0, pickup=0, discount_percent=None, payment_method="Cash",
        )
        for c in cols:
            if c.startswith(("ship_", "bill_")) or c in ("note", "staff_note", "tracking_number", "shipping_method"):
                values[c] = None
        oid = con.execute(f"INSERT INTO orders ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))}) RETURNING id", [values[c] for c in cols]).fetchone()[0]
        for pos, (p, q) in enumerate(lines, 1):
            con.execute(
                "INSERT INTO order_line (order_id, position, product_id, sku, name, quantity, unit_price, tax_rate, total, discount, tax, tracked) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                (oid, pos, p.id, p.sku, p.name, q, p.price, p.tax_rate, p.price * q, 0, 0, p.stock is not None),
            )
        con.execute("INSERT INTO order_event (order_id, at, kind, door, summary) VALUES (?,?,?,?,?)", (oid, now, "created", "flags", "Created"))
        con.execute("COMMIT")
        lat.append(time.perf_counter() - t)
    rate = n / (time.perf_counter() - t0)
    con.close()
    return rate, lat


def process_rate(argv_for, n: int, workers: int, env: dict) -> tuple[float, list[float], int]:
    """Run n commands (argv_for(i)) with `workers` at a time; (per second, latencies, failures)."""
    lat: list[float] = []
    fails = 0

    def one(i):
        t = time.perf_counter()
        p = subprocess.run(argv_for(i), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        return time.perf_counter() - t, p.returncode, p.stderr

    t0 = time.perf_counter()
    with ThreadPoolExecutor(max_workers=workers) as ex:
        for dt, rc, err in ex.map(one, range(n)):
            lat.append(dt)
            if rc != 0:
                fails += 1
                print("  failed:", err.decode(errors="replace").strip()[:300], file=sys.stderr)
    return n / (time.perf_counter() - t0), lat, fails


def pg_schema(base: str) -> tuple[str, str]:
    import psycopg

    schema = "bench_" + uuid.uuid4().hex[:10]
    with psycopg.connect(base.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    sep = "&" if "?" in base else "?"
    return schema, f"{base}{sep}options=-csearch_path%3D{schema}"


def drop_pg_schema(base: str, schema: str) -> None:
    import psycopg

    with psycopg.connect(base.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def row(name: str, rate: float, lat: list[float], floor: float | None, note: str = "") -> list:
    st = _bench.summary(lat)
    return [name, f"{rate:.1f}", _bench.ms(st["median"]), _bench.ms(st["p90"]), f"{rate / floor:.2f}" if floor else "-", note]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--orders", type=int, default=1000, help="orders placed in-process (default 1000)")
    ap.add_argument("--cli-orders", type=int, default=40, help="`order create` processes per mode (default 40)")
    ap.add_argument("--pg", default=os.environ.get("ORDERCLI_BENCH_PG_URL"), help="also run the service on PostgreSQL")
    ap.add_argument("--no-doc", action="store_true", help="do not update docs/benchmarks.md")
    args = ap.parse_args()
    nproc = os.cpu_count() or 1
    info = _bench.machine_info({"in-process orders": args.orders, "CLI orders per mode": args.cli_orders})
    print(_bench.info_md(info), "\n", flush=True)

    rows = []
    headers = ["what", "orders/s", "median ms per order", "p90 ms", "vs floor", "note"]
    with tempfile.TemporaryDirectory(prefix="ordercli-tput-") as tmp:
        floor_rate, floor_lat = raw_sqlite_rate(str(Path(tmp) / "raw.db"), args.orders)
        rows.append(row("floor: plain sqlite3, same rows, 1 transaction/order", floor_rate, floor_lat, None, "SQLite, WAL, synchronous=NORMAL"))
        rate, lat = service_rate(str(Path(tmp) / "svc.db"), args.orders)
        rows.append(row("services.orders.place_order, 1 transaction/order", rate, lat, floor_rate, "SQLite, one process"))
        print(_bench.table(headers, rows), flush=True)
        if args.pg:
            schema, url = pg_schema(args.pg)
            try:
                rate, lat = service_rate(url, args.orders)
            finally:
                from ordercli import db

                db.dispose_all()
                drop_pg_schema(args.pg, schema)
            rows.append(row("services.orders.place_order, 1 transaction/order", rate, lat, None, "PostgreSQL, one process"))

        # As processes.
        store = str(Path(tmp) / "cli.db")
        _, products = prepare(store)
        from ordercli import db

        db.dispose_all()
        skus = [p.sku for p in products]
        env = _bench.bench_env(ORDERCLI_DB=store)
        oc = _bench.ordercli_argv()
        rng = random.Random(5)

        def create(i):
            items = sum((["--item", f"{s}:{rng.choice([1, 2])}"] for s in rng.sample(skus, rng.choice([1, 2, 3]))), [])
            return [*oc, "--no-input", "order", "create", "--name", f"Till customer {i}", "--email", f"c{i}@example.com", *items, "--payment-method", "Cash"]

        floor_argv = lambda i: [sys.executable, "-c", "import sqlmodel"]  # noqa: E731
        for workers in (1, nproc) if args.cli_orders > 0 else ():  # --cli-orders 0: in-process figures only
            # Alternate floor and ordercli in chunks so that changing background load hits both.
            ft = ot = 0.0
            flat, lat, fails, chunk = [], [], 0, max(workers, args.cli_orders // 4)
            for start in range(0, args.cli_orders, chunk):
                k = min(chunk, args.cli_orders - start)
                r, l_, _ = process_rate(floor_argv, k, workers, env)
                ft, flat = ft + k / r, flat + l_
                r, l_, f = process_rate(lambda i, s=start: create(s + i), k, workers, env)
                ot, lat, fails = ot + k / r, lat + l_, fails + f
            frate, rate = args.cli_orders / ft, args.cli_orders / ot
            rows.append(row(f'floor: `python -c "import sqlmodel"` processes, {workers} at a time', frate, flat, None))
            rows.append(row(f"`ordercli order create --name … --email … --item …`, {workers} at a time", rate, lat, frate, f"{fails} failed" if fails else "all created"))
            print(_bench.table(headers, rows[-2:]), flush=True)
        with sqlite3.connect(store) as con:
            made = con.execute("SELECT COUNT(*) FROM orders").fetchone()[0]
        expected = 2 * args.cli_orders
        if made != expected:
            print(f"WARNING: {made} orders in the store, expected {expected}", file=sys.stderr)

    print()
    print(_bench.table(headers, rows))
    if not args.no_doc:
        md = "\n\n".join(
            [
                "## Throughput",
                f"Command: `python benchmarks/bench_throughput.py --orders {args.orders} --cli-orders {args.cli_orders}" + (" --pg URL`" if args.pg else "`"),
                _bench.info_md(info),
                _bench.md_table(headers, rows),
                "\"vs floor\" is ordercli's rate divided by the floor's (1.00 = as fast as the floor). The in-process floor writes "
                "the same kind of rows with plain `sqlite3`; the process floor only starts Python and imports SQLModel. "
                f"After the CLI runs the store held {made} orders (expected {expected}).",
            ]
        )
        print("\nUpdated", _bench.update_doc("throughput", md))
    return 0


if __name__ == "__main__":
    sys.exit(main())
