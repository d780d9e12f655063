"""Does the store stay fast when it grows? 100,000 orders against 1,000.

    python benchmarks/bench_scale.py [--orders 100000] [--small 1000] [--runs 15] [--pg URL] [--no-doc]

Builds two stores (SQLite files; with ``--pg URL`` or ``ORDERCLI_BENCH_PG_URL``
also two PostgreSQL schemas) shaped like real orders: a few hundred orders
placed through ``services.orders.place_order``, copied with bulk inserts into
N orders spread over two years, with their lines, events and customers
(``benchmarks/_bench.py: bulk_orders``). Then, on each store:

* as processes (what the person at the till waits for), interleaved:
  ``ordercli order list --limit 50`` and ``ordercli order show FAIR-NNNN``;
* in one process (the query work alone, where growth would show first):
  ``services.orders.list_orders(limit=50)``, ``services.orders.order_detail(number)``,
  and, for information, a bare-number show and filtered lists;
* the query plans (``EXPLAIN QUERY PLAN`` / ``EXPLAIN``) of the SQL these calls run.

Target: the big store within 1.2x the small one for ``order list --limit 50``
and ``order show NUMBER`` (checked on the process times and on the query
times). Rewrites the "scale" section of docs/benchmarks.md. Exit 1 if missed.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _bench  # noqa: E402

TARGET_X = 1.2


@contextmanager
def capture_sql(engine):
    import sqlalchemy as sa

    seen: list[tuple[str, object]] = []

    def before(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith(("SELECT", "WITH")):
            seen.append((statement, parameters))

    sa.event.listen(engine, "before_cursor_execute", before)
    try:
        yield seen
    finally:
        sa.event.remove(engine, "before_cursor_execute", before)


def explain(engine, statements) -> list[tuple[str, list[str], list[str]]]:
    """(first line of SQL, plan lines, warnings) per distinct statement."""
    out = []
    done = set()
    with engine.connect() as conn:
        raw = conn.connection.driver_connection
        for sql, params in statements:
            if sql in done:
                continue
            done.add(sql)
            if engine.dialect.name == "sqlite":
                cur = raw.cursor()
                rows = cur.execute("EXPLAIN QUERY PLAN " + sql, params).fetchall()
                plan = [r[-1] for r in rows]
                # A full scan, or a sort of the (possibly many) orders matched; a temp B-tree over one
                # order's few lines/events is harmless and not flagged.
                warn = [p for p in plan if p.startswith("SCAN") and " USING " not in p and not p.startswith("SCAN setting")]
                if any(p.startswith("SCAN orders") or (p.startswith("SEARCH orders") and "(number=?)" not in p) for p in plan):
                    warn += [p for p in plan if "TEMP B-TREE" in p]
            else:
                cur = raw.cursor()
                cur.execute("EXPLAIN " + sql, params)
                plan = [r[0] for r in cur.fetchall()]
                # Seq scans of the big tables (empty or tiny ones like payment, outbox, setting are read whole by design).
                warn = [p.strip() for p in plan if any(f"Seq Scan on {t} " in p for t in ("orders", "order_line", "order_event", "customer"))]
                # A sort of many orders (the estimate is in the plan: "rows=N").
                sorts = [(p, re.search(r"rows=(\d+)", p)) for p in plan if p.strip().startswith(("Sort ", "->  Sort "))]
                warn += [p.strip() for p, m in sorts if m and int(m.group(1)) > 1000]
            short = " ".join(sql.split())
            out.append((short[:150] + ("…" if len(short) > 150 else ""), plan, warn))
        conn.rollback()
    return out


def service_ops(number: str, bare: str, customer: str):
    from ordercli.services import orders

    return {
        "list_orders(limit=50)": lambda s: orders.list_orders(s, orders.OrderFilter(limit=50)),
        "order_detail(NUMBER)": lambda s: orders.order_detail(s, number),
        "order_detail(N) bare number": lambda s: orders.order_detail(s, bare),
        "list --payment-status PAID": lambda s: orders.list_orders(s, orders.OrderFilter(payment_status="PAID", limit=50)),
        "list --fulfillment-status SHIPPED": lambda s: orders.list_orders(s, orders.OrderFilter(fulfillment_status="SHIPPED", limit=50)),
        "list --customer EMAIL": lambda s: orders.list_orders(s, orders.OrderFilter(customer=customer, limit=50)),
        "list --search CANDLE-LAV": lambda s: orders.list_orders(s, orders.OrderFilter(search="CANDLE-LAV", limit=50)),
        "list --search (no match: worst case)": lambda s: orders.list_orders(s, orders.OrderFilter(search="NO-SUCH-THING", limit=50)) or [None],
    }


TARGETED = ("list_orders(limit=50)", "order_detail(")


def measure_stores(stores: dict[str, tuple[str, int]], runs: int) -> dict:
    """Time each service call on every store, alternating stores call by call (so load hits both alike)."""
    import random

    import sqlalchemy as sa

    from ordercli import db

    engines, ops, out = {}, {}, {}
    for label, (url, n) in stores.items():
        engines[label] = db.get_engine(url)
        with engines[label].connect() as c:
            customer = c.execute(sa.text("SELECT customer_email FROM orders WHERE seq = :s"), {"s": 1001 + n // 4}).scalar()
        ops[label] = service_ops(f"FAIR-{1001 + n // 2}", str(1001 + n // 3), customer)
        out[label] = {"times": {}, "plans": {}}

    def once(label, name):
        with db.read_session(engines[label]) as s:
            rows = ops[label][name](s)
            assert rows, (label, name)

    labels = list(stores)
    for name in ops[labels[0]]:
        for label in labels:
            out[label]["times"][name] = []
        for i in range(3 + runs):
            random.shuffle(labels)
            for label in labels:
                t0 = time.perf_counter()
                once(label, name)
                if i >= 3:
                    out[label]["times"][name].append(time.perf_counter() - t0)
        for label in labels:
            with capture_sql(engines[label]) as seen:
                once(label, name)
            out[label]["plans"][name] = explain(engines[label], seen)
    db.dispose_all()
    return out


def cli_times(stores: dict[str, tuple[str, int]], runs: int) -> dict[tuple[str, str], list[float]]:
    oc = _bench.ordercli_argv()
    commands, keys = {}, {}
    for label, (url, n) in stores.items():
        number = f"FAIR-{1001 + n // 2}"
        for cmd_name, argv in (("order list --limit 50", ["order", "list", "--limit", "50"]), (f"order show FAIR-…", ["order", "show", number])):
            key = f"{label}: {cmd_name}"
            commands[key] = [*oc, "--db", url, *argv]
            keys[key] = (label, cmd_name)
    raw = _bench.time_commands(commands, runs=runs, warmup=2)
    return {keys[k]: v for k, v in raw.items()}


def pg_schema(base: str) -> tuple[str, str]:
    import psycopg

    schema = "bench_" + uuid.uuid4().hex[:10]
    plain = base.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    sep = "&" if "?" in base else "?"
    return schema, f"{base}{sep}options=-csearch_path%3D{schema}"


def drop_pg_schema(base: str, schema: str) -> None:
    import psycopg

    with psycopg.connect(base.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--orders", type=int, default=100_000, help="orders in the big store (default 100000)")
    ap.add_argument("--small", type=int, default=1_000, help="orders in the small store (default 1000)")
    ap.add_argument("--runs", type=int, default=15, help="process runs per command (default 15; in-process calls run 2x that)")
    ap.add_argument("--pg", default=os.environ.get("ORDERCLI_BENCH_PG_URL"), help="also run on PostgreSQL (postgresql+psycopg://…)")
    ap.add_argument("--no-doc", action="store_true", help="do not update docs/benchmarks.md")
    args = ap.parse_args()

    info = _bench.machine_info({"stores": f"{args.small:,} and {args.orders:,} orders", "runs": f"{args.runs} per command as processes, {args.runs * 2} in-process"})
    print(_bench.info_md(info), "\n", flush=True)
    md_parts = ["## Scale", f"Command: `python benchmarks/bench_scale.py --orders {args.orders} --small {args.small} --runs {args.runs}" + (" --pg URL`" if args.pg else "`"), _bench.info_md(info)]
    verdicts = []
    schemas = []
    backends = [("SQLite", None)] + ([("PostgreSQL", args.pg)] if args.pg else [])
    with tempfile.TemporaryDirectory(prefix="ordercli-scale-") as tmp:
        try:
            for backend, pg in backends:
                stores = {}
                build_rows = []
                for label, n in (("small", args.small), ("big", args.orders)):
                    if pg:
                        schema, url = pg_schema(pg)
                        schemas.append(schema)
                    else:
                        url = str(Path(tmp) / f"{label}.db")
                    t0 = time.perf_counter()
                    built = _bench.bulk_orders(url, n)
                    size = f"{Path(url).stat().st_size / 1e6:.1f} MB" if not pg else "-"
                    build_rows.append([f"{label} ({n:,} orders)", f"{time.perf_counter() - t0:.1f}", f"{built['bulk_seconds']:.1f}", f"{built['customers']:,}", size])
                    stores[label] = (url, n)
                    print(f"{backend}: built {label} store ({n:,} orders) in {time.perf_counter() - t0:.1f} s", flush=True)

                measured = measure_stores(stores, args.runs * 2)
                cli = cli_times(stores, args.runs)

                rows = []
                for cmd in ("order list --limit 50", "order show FAIR-…"):
                    small, big = _bench.summary(cli[("small", cmd)]), _bench.summary(cli[("big", cmd)])
                    ratio = big["median"] / small["median"]
                    rows.append([f"`ordercli {cmd}` (process)", _bench.ms(small["median"]), _bench.ms(big["median"]), _bench.ms(big["p90"]), f"{ratio:.2f}x", "PASS" if ratio <= TARGET_X else "FAIL"])
                    verdicts.append((f"{backend} `ordercli {cmd}`: {ratio:.2f}x", ratio <= TARGET_X))
                for name in measured["small"]["times"]:
                    small, big = _bench.summary(measured["small"]["times"][name]), _bench.summary(measured["big"]["times"][name])
                    ratio = big["median"] / small["median"]
                    targeted = name.startswith(TARGETED) and "bare" not in name
                    verdict = ("PASS" if ratio <= TARGET_X else "FAIL") if targeted else "info"
                    label = name
                    rows.append([f"`{label}` (query)", _bench.ms(small["median"]), _bench.ms(big["median"]), _bench.ms(big["p90"]), f"{ratio:.2f}x", verdict])
                    if targeted:
                        verdicts.append((f"{backend} `{label}` query: {ratio:.2f}x", ratio <= TARGET_X))
                headers = ["operation", f"{args.small:,} orders median ms", f"{args.orders:,} orders median ms", "p90 ms", "ratio", f"target <= {TARGET_X}x"]
                print(f"\n{backend}")
                print(_bench.table(headers, rows))

                plan_md = []
                print(f"\nQuery plans on the {args.orders:,}-order {backend} store:")
                for name, plans in measured["big"]["plans"].items():
                    label = name
                    print(f"  {label}")
                    plan_md.append(f"- `{label}`")
                    for sql, plan, warn in plans:
                        flag = "  <-- " + "; ".join(warn) if warn else ""
                        print(f"    {sql[:110]}\n      " + "\n      ".join(plan) + flag)
                        plan_md.append(f"  - `{sql}`<br>plan: `{' / '.join(p.strip() for p in plan)}`" + (f" **full scan/sort: {'; '.join(warn)}**" if warn else ""))
                md_parts += [
                    f"### {backend}",
                    "Building the stores (seconds: total, of which bulk inserts):\n\n"
                    + _bench.md_table(["store", "build s", "bulk insert s", "customers", "file"], build_rows),
                    _bench.md_table(headers, rows),
                    f"Query plans on the {args.orders:,}-order store (SELECTs each call runs):\n\n" + "\n".join(plan_md),
                ]
        finally:
            from ordercli import db

            db.dispose_all()
            for schema in schemas:
                drop_pg_schema(args.pg, schema)

    print()
    for text, ok in verdicts:
        print(("PASS  " if ok else "FAIL  ") + text.replace("`", ""))
    md_parts.append("\n".join(f"- {'PASS' if ok else 'FAIL'}: {text}" for text, ok in verdicts))
    if not args.no_doc:
        print("\nUpdated", _bench.update_doc("scale", "\n\n".join(md_parts)))
    return 0 if all(ok for _, ok in verdicts) else 1


if __name__ == "__main__":
    sys.exit(main())
