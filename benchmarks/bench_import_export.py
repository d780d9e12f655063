"""Benchmark: batch import and export (issue 5).

Run:  /work/venv/bin/python benchmarks/bench_import_export.py [--orders 10000] [--big 100000]

What it measures, each in a fresh SQLite store created by ordercli (30 tracked
products with ample stock), every command in its own process (start-up
included), peak memory via ``resource.getrusage(RUSAGE_CHILDREN).ru_maxrss``
of a one-child wrapper process:

1. ``order import`` of ``--orders`` orders × 3 lines (CSV; default policy
   reject-all, so the check pass and the stock simulation are included;
   customer confirmations queued). Target: ≥ 1,000 orders/s.
2. The floor measured in the same run: a plain ``sqlite3`` script writing the
   same rows (order, 3 lines, 3 conditional stock updates + 3 ledger rows, the
   customer, the event, the outbox row, the counter) in batches of 100 per
   transaction. We report import time / floor time.
3. ``order import`` of ``--big`` orders (default 100,000): peak memory must stay
   under 200 MB.
4. ``order export --format csv`` (and jsonl) of those ``--big`` orders: time
   must be ≤ 2× the import of the same orders; peak memory is reported (flat:
   compare with the export of --orders orders).
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

PY = sys.executable
WRAP = (
    "import resource, subprocess, sys, time\n"
    "t = time.perf_counter()\n"
    "p = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)\n"
    "dt = time.perf_counter() - t\n"
    "ru = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
    "sys.stderr.write(p.stderr.decode(errors='replace')[-2000:] if p.returncode else '')\n"
    "print(p.returncode, dt, ru.ru_maxrss, ru.ru_utime + ru.ru_stime)\n"
)
PRODUCTS = 30


CPU: dict[tuple, float] = {}


def ordercli(*args: str, db: str, check: bool = True) -> tuple[float, float]:
    """Run ``ordercli ARGS`` in a child process; return (wall seconds, peak RSS MB). CPU seconds go to CPU[args]."""
    env = dict(os.environ, ORDERCLI_DB=db, NO_COLOR="1")
    out = subprocess.run([PY, "-c", WRAP, PY, "-m", "ordercli", *args], env=env, capture_output=True, text=True)
    code, dt, rss, cpu = out.stdout.split()
    if check and code != "0":
        raise SystemExit(f"ordercli {' '.join(args)} failed ({code}): {out.stderr}")
    CPU[args] = float(cpu)
    return float(dt), int(rss) / 1024


def load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def make_store(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    cat = path.with_suffix(".catalog.csv")
    with open(cat, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["sku", "name", "price", "stock", "tax_rate"])
        for i in range(PRODUCTS):
            w.writerow([f"SKU-{i:03d}", f"Product {i}", f"{5 + i}.50", 10_000_000, 20 if i % 3 else 5.5])
    ordercli("product", "import", str(cat), db=str(path))


def make_orders_csv(path: Path, n: int, seed: int = 5) -> None:
    rnd = random.Random(seed)
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["order_ref", "name", "email", "phone", "sku", "quantity", "discount", "payment_method", "note"])
        for i in range(1, n + 1):
            c = rnd.randrange(max(n // 3, 1))
            email = f"customer{c}@example.com"
            skus = rnd.sample(range(PRODUCTS), 3)
            disc = "10%" if i % 10 == 0 else ""
            for k, s in enumerate(skus):
                first = k == 0
                w.writerow([f"BENCH-{i:07d}", f"Customer {c}", email, "", f"SKU-{s:03d}", rnd.randint(1, 3), disc if first else "", "Cash" if first else "", "bench" if first and i % 7 == 0 else ""])


def sqlite_floor(store: Path, orders_csv: Path, batch: int = 100) -> float:
    """The same rows written by a plain sqlite3 script (no validation, no ORM)."""
    con = sqlite3.connect(store, isolation_level=None)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=NORMAL")
    con.execute("PRAGMA foreign_keys=ON")
    prices = {sku: (pid, price, rate) for pid, sku, price, rate in con.execute("SELECT id, sku, price, tax_rate FROM product")}
    t = time.perf_counter()
    groups: dict[str, list] = {}
    order_keys: list[str] = []
    with open(orders_csv, newline="", encoding="utf-8") as f:
        r = csv.DictReader(f)
        pending = 0
        con.execute("BEGIN IMMEDIATE")

        def write(ref: str, rows: list) -> None:
            now = datetime.now(timezone.utc).replace(tzinfo=None).isoformat(sep=" ")
            first = rows[0]
            seq = con.execute("UPDATE counter SET value = value + 1 WHERE name = 'order' RETURNING value").fetchone()[0] - 1
            number = f"F{seq}"
            cur = con.execute("SELECT id FROM customer WHERE email = ?", (first["email"],)).fetchone()
            if cur is None:
                cid = con.execute("INSERT INTO customer (name, email, phone, created_at) VALUES (?, ?, NULL, ?)", (first["name"], first["email"], now)).lastrowid
            else:
                cid = cur[0]
            subtotal = sum(prices[x["sku"]][1] * int(x["quantity"]) for x in rows)
            oid = con.execute(
                "INSERT INTO orders (number, seq, external_ref, created_at, updated_at, version, door, customer_id, customer_name, customer_email, "
                "payment_status, fulfillment_status, currency, prices_include_tax, item_count, subtotal, discount, surcharge_total, shipping, tax, tip, "
                "total, paid, refunded, stock_held, payment_method, note, notify_customer, pickup) VALUES "
                "(?, ?, ?, ?, ?, 1, 'import', ?, ?, ?, 'AWAITING_PAYMENT', 'AWAITING_PROCESSING', 'EUR', 1, ?, ?, 0, 0, 0, 0, 0, ?, 0, 0, 1, ?, ?, 1, 0)",
                (number, seq, ref, now, now, cid, first["name"], first["email"], sum(int(x["quantity"]) for x in rows), subtotal, subtotal, first["payment_method"], first["note"] or None),
            ).lastrowid
            for pos, x in enumerate(rows, 1):
                pid, price, rate = prices[x["sku"]]
                q = int(x["quantity"])
                left = con.execute("UPDATE product SET stock = stock - ?, updated_at = ? WHERE id = ? AND stock >= ? RETURNING stock", (q, now, pid, q)).fetchone()[0]
                con.execute("INSERT INTO stock_movement (product_id, delta, stock_after, reason, order_number, at) VALUES (?, ?, ?, 'sale', ?, ?)", (pid, -q, left, number, now))
                con.execute(
                    "INSERT INTO order_line (order_id, position, product_id, sku, name, quantity, unit_price, tax_rate, total, discount, tax, tracked) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 0, 1)",
                    (oid, pos, pid, x["sku"], x["sku"], q, price, rate, price * q),
                )
            con.execute("INSERT INTO order_event (order_id, at, kind, door, summary) VALUES (?, ?, 'created', 'import', 'Created (import)')", (oid, now))
            con.execute(
                "INSERT INTO outbox (order_id, kind, audience, recipient, subject, payload, message_id, status, attempts, next_attempt_at, created_at) "
                "VALUES (?, 'confirmation', 'customer', ?, '', '{}', ?, 'pending', 0, ?, ?)",
                (oid, first["email"], f"<{number}@bench>", now, now),
            )

        for row in r:
            ref = row["order_ref"]
            if ref not in groups:
                if groups:
                    (k, v), = groups.items()
                    write(k, v)
                    groups.clear()
                    pending += 1
                    if pending >= batch:
                        con.execute("COMMIT")
                        con.execute("BEGIN IMMEDIATE")
                        pending = 0
                groups[ref] = []
                order_keys.append(ref)
            groups[ref].append(row)
        for k, v in groups.items():
            write(k, v)
        con.execute("COMMIT")
    dt = time.perf_counter() - t
    con.close()
    return dt


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--orders", type=int, default=10_000)
    ap.add_argument("--big", type=int, default=100_000, help="orders for the memory and export measurements (0: skip)")
    ap.add_argument("--dir", default=None)
    args = ap.parse_args()
    work = Path(args.dir or tempfile.mkdtemp(prefix="ordercli-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    results = []

    small = work / f"orders-{args.orders}.csv"
    make_orders_csv(small, args.orders)
    store = work / "import.db"
    make_store(store)
    print(f"machine: {os.cpu_count()} CPUs, load average {load()} (CPU-time rates below are less sensitive to other work on the machine)")
    imp = ("order", "import", str(small), "--format", "json")
    dt, rss = ordercli(*imp, db=str(store))
    rate = args.orders / dt
    results.append(("import", args.orders, dt, rate, rss))
    print(
        f"import {args.orders:>7,} orders x 3 lines: {dt:7.2f} s  {rate:7,.0f} orders/s  (CPU {CPU[imp]:.2f} s: {args.orders / CPU[imp]:,.0f} orders/s)  "
        f"peak {rss:6.1f} MB  (target >= 1,000/s: {'ok' if rate >= 1000 else 'MISSED'})"
    )
    quiet_store = work / "import-quiet.db"
    make_store(quiet_store)
    imp_q = ("order", "import", str(small), "--no-notify", "--format", "json")
    qdt, _ = ordercli(*imp_q, db=str(quiet_store))
    print(f"  same with --no-notify (no outbox rows):  {qdt:7.2f} s  {args.orders / qdt:7,.0f} orders/s  (CPU {CPU[imp_q]:.2f} s: {args.orders / CPU[imp_q]:,.0f} orders/s)")

    dt2, _ = ordercli("order", "import", str(small), "--format", "json", db=str(store))
    print(f"re-import (all already imported): {dt2:7.2f} s  {args.orders / dt2:7,.0f} orders/s")

    floor_store = work / "floor.db"
    make_store(floor_store)
    fdt = sqlite_floor(floor_store, small)
    print(f"plain sqlite3 floor, same rows:   {fdt:7.2f} s  {args.orders / fdt:7,.0f} orders/s  -> ordercli import takes {dt / fdt:.1f}x the floor's time ({qdt / fdt:.1f}x with --no-notify)")

    dte, rsse = ordercli("order", "export", "--format", "csv", "--output", str(work / "small-export.csv"), db=str(store))
    print(f"export {args.orders:>7,} orders (csv):  {dte:7.2f} s  peak {rsse:6.1f} MB")

    if args.big:
        big = work / f"orders-{args.big}.csv"
        make_orders_csv(big, args.big, seed=7)
        size_mb = big.stat().st_size / 1e6
        bstore = work / "big.db"
        make_store(bstore)
        bdt, brss = ordercli("order", "import", str(big), "--format", "json", db=str(bstore))
        print(
            f"import {args.big:>7,} orders ({size_mb:.0f} MB file): {bdt:7.2f} s  {args.big / bdt:7,.0f} orders/s  peak {brss:6.1f} MB "
            f"(target < 200 MB: {'ok' if brss < 200 else 'MISSED'})"
        )
        edt, erss = ordercli("order", "export", "--format", "csv", "--output", str(work / "big-export.csv"), db=str(bstore))
        print(
            f"export {args.big:>7,} orders (csv):  {edt:7.2f} s  peak {erss:6.1f} MB  = {edt / bdt:.2f}x the import "
            f"(target <= 2x: {'ok' if edt <= 2 * bdt else 'MISSED'}; memory vs {args.orders:,}-order export: {erss - rsse:+.1f} MB)"
        )
        jdt, jrss = ordercli("order", "export", "--format", "jsonl", "--output", str(work / "big-export.jsonl"), db=str(bstore))
        print(f"export {args.big:>7,} orders (jsonl): {jdt:7.2f} s  peak {jrss:6.1f} MB")
        ddt, drss = ordercli("order", "import", str(big), "--dry-run", "--format", "json", db=str(bstore))
        print(f"dry run of the {args.big:,}-order file (all already imported): {ddt:7.2f} s  peak {drss:6.1f} MB")
    print(f"load average at the end: {load()}  (work files in {work})")


if __name__ == "__main__":
    main()
