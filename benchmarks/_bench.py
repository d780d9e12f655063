"""Shared helpers for the benchmark scripts (not a test module).

Every benchmark measures a *floor* in the same run (e.g. ``python -c pass``,
``python -c "import sqlmodel"``, or the same query on a small store) and
judges ordercli against it, so results stay meaningful on a slow or busy
machine. Results are printed as a table and written to their own section of
``docs/benchmarks.md`` (between ``<!-- bench:NAME -->`` markers), so each
script can be re-run alone without disturbing the others.
"""

from __future__ import annotations

import os
import platform
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "benchmarks.md"
CATALOG = ROOT / "examples" / "catalog.csv"

DOC_HEADER = """# Benchmarks

Timing scripts in `benchmarks/`, run by hand (they are not part of the test
suite). Each compares ordercli against a floor measured in the same run on the
same machine, prints a table, and rewrites its own section below.

```
python benchmarks/bench_startup.py      # start-up: --help and order list vs python / import sqlmodel
python benchmarks/bench_scale.py        # order list / show on 100,000 vs 1,000 orders (+ query plans)
python benchmarks/bench_throughput.py   # orders per second: service in one process, CLI processes
```

Times are wall-clock. "median" and "p90" are over all repetitions; runs of
the compared commands are interleaved so that background load hits all of them
alike. Timed processes use compiled bytecode (as an installed ordercli does),
cached outside the source tree (`PYTHONPYCACHEPREFIX`), even when the shell sets
`PYTHONDONTWRITEBYTECODE`.
"""


# ------------------------------------------------------------------ machine


def machine_info(extra: dict | None = None) -> dict:
    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    except OSError:
        commit = "?"
    try:
        load = "%.2f %.2f %.2f" % os.getloadavg()
    except OSError:
        load = "?"
    info = {
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{platform.system()} {platform.machine()}, nproc {os.cpu_count()}, {cpu}",
        "python": f"{platform.python_implementation()} {platform.python_version()} ({sys.executable})",
        "sqlite": sqlite3.sqlite_version,
        "ordercli commit": commit or "?",
        "load average at start": load,
    }
    info.update(extra or {})
    return info


def info_md(info: dict) -> str:
    return "\n".join(f"- {k}: {v}" for k, v in info.items())


# -------------------------------------------------------------------- stats


def p90(xs: list[float]) -> float:
    s = sorted(xs)
    if len(s) == 1:
        return s[0]
    return statistics.quantiles(s, n=10, method="inclusive")[-1]


def summary(xs: list[float]) -> dict:
    return {"median": statistics.median(xs), "p90": p90(xs), "min": min(xs), "n": len(xs)}


def ms(x: float) -> str:
    return f"{x * 1000:.1f}"


# ------------------------------------------------------------------ tables


def table(headers: list[str], rows: list[list]) -> str:
    """Plain-text table for the terminal."""
    cells = [[str(c) for c in r] for r in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) if cells else len(h) for i, h in enumerate(headers)]
    line = lambda r: "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths)))  # noqa: E731
    return "\n".join([line(headers), line(["-" * w for w in widths])] + [line(r) for r in cells])


def md_table(headers: list[str], rows: list[list]) -> str:
    out = ["| " + " | ".join(headers) + " |", "|" + "|".join(["---"] + ["---:"] * (len(headers) - 1)) + "|"]
    out += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(out)


# ------------------------------------------------------------------- the doc

ORDER = ["startup", "scale", "throughput"]


def update_doc(name: str, markdown: str) -> Path:
    """Replace (or add) the section ``name`` of docs/benchmarks.md."""
    DOC.parent.mkdir(parents=True, exist_ok=True)
    text = DOC.read_text() if DOC.exists() else DOC_HEADER
    sections: dict[str, str] = {}
    head = text
    for key in ORDER + [name]:
        begin, end = f"<!-- bench:{key} -->", f"<!-- /bench:{key} -->"
        if begin in text and end in text:
            before, rest = text.split(begin, 1)
            body, after = rest.split(end, 1)
            sections[key] = body.strip("\n")
            text = before.rstrip("\n") + "\n" + after.lstrip("\n")
    head = text.rstrip("\n")
    sections[name] = markdown.strip("\n")
    keys = [k for k in ORDER if k in sections] + [k for k in sections if k not in ORDER]
    parts = [head] + [f"<!-- bench:{k} -->\n{sections[k]}\n<!-- /bench:{k} -->" for k in keys]
    DOC.write_text("\n\n".join(parts) + "\n")
    return DOC


# ------------------------------------------------------------- running things


def ordercli_argv() -> list[str]:
    """The installed console script next to this Python, else ``python -m ordercli``."""
    script = shutil.which("ordercli", path=str(Path(sys.executable).parent))
    return [script] if script else [sys.executable, "-m", "ordercli"]


#: Compiled bytecode for the timed processes. An installed ordercli has its .pyc files; a dev
#: checkout run with PYTHONDONTWRITEBYTECODE=1 recompiles every ordercli module on every start
#: (~20 ms for --help). So the timed processes may write and use bytecode, kept outside the
#: source tree; the warm-up runs fill this cache before anything is timed.
PYCACHE = Path(tempfile.gettempdir()) / "ordercli-bench-pycache"


def bench_env(**extra: str) -> dict:
    env = dict(os.environ)
    env.pop("ORDERCLI_DEBUG", None)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.update(NO_COLOR="1", TZ="UTC", PYTHONPYCACHEPREFIX=str(PYCACHE))
    env.update(extra)
    return env


def time_commands(commands: dict[str, list[str]], *, runs: int, warmup: int = 3, env: dict | None = None, check: bool = True) -> dict[str, list[float]]:
    """Wall-clock seconds per run of each command, interleaved round-robin."""
    env = env or bench_env()
    times: dict[str, list[float]] = {k: [] for k in commands}
    for i in range(warmup + runs):
        order = list(commands.items())
        random.shuffle(order)
        for name, argv in order:
            t0 = time.perf_counter()
            p = subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            dt = time.perf_counter() - t0
            if check and p.returncode != 0:
                raise SystemExit(f"{name}: {' '.join(argv)} exited {p.returncode}: {p.stderr.decode(errors='replace')[-500:]}")
            if i >= warmup:
                times[name].append(dt)
    return times


def timed(fn, *, runs: int, warmup: int = 2) -> list[float]:
    out = []
    for i in range(warmup + runs):
        t0 = time.perf_counter()
        fn()
        dt = time.perf_counter() - t0
        if i >= warmup:
            out.append(dt)
    return out


# ------------------------------------------------------------- building stores


@contextmanager
def write(engine):
    """``db.write_session``, committed at the end of the block (rolled back on an error).

    Since issue 8 services never commit: the command's unit of work does, once. Without this
    commit the stores the benchmarks build stayed empty. (Before issue 8 the services committed
    themselves and this commit finds nothing left to do, so the scripts also run on older checkouts.)
    """
    from ordercli import db

    with db.write_session(engine) as s:
        yield s
        s.commit()


def import_catalog(url: str) -> None:
    """examples/catalog.csv into the store, through the catalog service."""
    from ordercli import db
    from ordercli.services import catalog, common

    engine = db.get_engine(url)
    with write(engine) as s:
        currency = common.load_settings(s).currency
        if hasattr(catalog, "read_catalog"):
            rows = catalog.read_catalog(CATALOG, currency)
        else:  # before issue 8 (so that benchmarks/ab.py --scripts b can run these scripts on an older checkout)
            rows = catalog.parse_catalog_csv(catalog.read_text(CATALOG), currency)
        catalog.import_catalog(s, rows=rows)


def random_draft(rng: random.Random, products: list, i: int):
    """A plausible fair/phone order: 1-4 catalog lines, sometimes a custom item, discount, shipping."""
    from ordercli.domain import Address, CustomerIn, ItemIn, OrderDraft, ShippingIn

    items = []
    for p in rng.sample(products, rng.choice([1, 1, 1, 2, 2, 3, 4])):
        items.append(ItemIn(sku=p.sku, quantity=rng.choice([1, 1, 1, 2, 3])))
    if rng.random() < 0.1:
        items.append(ItemIn(name="Gift note", unit_price=150, quantity=1))
    first = rng.choice(["Ana", "Ben", "Chloé", "Dmitri", "Eva", "Farid", "Greta", "Hugo", "Ines", "Jon", "Kasia", "Léa"])
    last = rng.choice(["Lima", "Martin", "Nowak", "Okafor", "Petit", "Quinn", "Rossi", "Schmidt", "Tanaka", "Ueda"])
    shipping = None
    r = rng.random()
    if r < 0.3:
        shipping = ShippingIn(method="Colissimo", cost=rng.choice([495, 690, 890]), address=Address(f"{first} {last}", f"{rng.randint(1, 99)} rue des Lilas", "Lyon", "69003", "FR"))
    elif r < 0.5:
        shipping = ShippingIn(method="Pickup at the stall", pickup=True)
    return OrderDraft(
        customer=CustomerIn(name=f"{first} {last}", email=f"{first.lower()}.{last.lower()}{i % 500}@example.com", phone=None),
        items=items,
        shipping=shipping,
        payment_method=rng.choice(["Cash", "Card terminal", "PayPal invoice", None]),
        door=rng.choice(["flags", "wizard", "batch"]),
        notify_customer=False,
    )


def bulk_orders(url: str, n_orders: int, *, templates: int = 300, seed: int = 7, prefix: str = "FAIR-") -> dict:
    """A store holding ``n_orders`` orders shaped like real ones, built fast.

    ``templates`` orders are placed through ``services.orders.place_order`` (real
    pricing, lines, events); their rows are then copied with direct bulk
    inserts, each copy with its own number, date (spread over two years, older
    first), customer and statuses. The template orders themselves are removed
    and the stock/ledger put back, so the store holds exactly ``n_orders``.
    """
    import sqlalchemy as sa

    from ordercli import db
    from ordercli.models import Customer, Order, OrderEvent, OrderLine, OrderSurcharge, Product
    from ordercli.services import catalog, config, orders
    from sqlmodel import select

    rng = random.Random(seed)
    engine = db.get_engine(url)
    import_catalog(url)
    with write(engine) as s:
        config.set_value(s, "order.prefix", prefix)
    with db.read_session(engine) as s:
        products = list(s.exec(select(Product)).all())
    with write(engine) as s:  # plenty of stock for the templates
        for p in products:
            if p.stock is not None:
                catalog.change_stock(s, sku=p.sku, add=100_000, reason="restock")
    for i in range(templates):
        with write(engine) as s:
            orders.place_order(s, random_draft(rng, products, i))

    T = {m: m.__table__ for m in (Order, OrderLine, OrderEvent, OrderSurcharge, Customer)}
    with engine.connect() as c:
        t_orders = [dict(r._mapping) for r in c.execute(sa.select(T[Order]).order_by(T[Order].c.id))]
        by_order = {}
        for model in (OrderLine, OrderEvent, OrderSurcharge):
            for r in c.execute(sa.select(T[model])):
                by_order.setdefault((model, r.order_id), []).append(dict(r._mapping))

    t0 = time.perf_counter()
    pay = [("AWAITING_PAYMENT", "AWAITING_PROCESSING"), ("PAID", "PROCESSING"), ("PAID", "SHIPPED"), ("PAID", "DELIVERED"), ("PAID", "READY_FOR_PICKUP"), ("CANCELLED", "WILL_NOT_DELIVER"), ("REFUNDED", "RETURNED")]
    weights = [6, 6, 10, 60, 4, 3, 1]
    with engine.begin() as c:
        for tbl in ("order_line", "order_event", "order_surcharge", "outbox", "payment", "invoice", "orders", "customer_term", "customer"):
            c.exec_driver_sql(f"DELETE FROM {tbl}")
        c.exec_driver_sql("DELETE FROM stock_movement WHERE reason = 'sale'")
        c.exec_driver_sql(
            "UPDATE product SET stock = (SELECT COALESCE(SUM(delta), 0) FROM stock_movement m WHERE m.product_id = product.id) WHERE stock IS NOT NULL"
        )
        n_customers = max(1, n_orders // 4)
        firsts = ["Ana", "Ben", "Chloé", "Dmitri", "Eva", "Farid", "Greta", "Hugo", "Ines", "Jon", "Kasia", "Léa", "Marta", "Noor", "Olle", "Pia"]
        lasts = ["Lima", "Martin", "Nowak", "Okafor", "Petit", "Quinn", "Rossi", "Schmidt", "Tanaka", "Ueda", "Varga", "Weber", "Xu", "Yilmaz"]
        now = datetime.now(timezone.utc)
        customers = []
        for k in range(1, n_customers + 1):
            f, l = rng.choice(firsts), rng.choice(lasts)
            customers.append({"id": k, "name": f"{f} {l}", "email": f"{f.lower()}.{l.lower()}.{k}@example.com", "phone": f"+336{rng.randint(10000000, 99999999)}" if rng.random() < 0.5 else None, "created_at": now - timedelta(days=800)})
        _insert(c, T[Customer], customers)

        start = now - timedelta(days=730)
        step = (timedelta(days=730) - timedelta(hours=1)) / max(n_orders, 1)
        batch_o, batch = [], {OrderLine: [], OrderEvent: [], OrderSurcharge: []}
        next_ids = {OrderLine: 1, OrderEvent: 1, OrderSurcharge: 1}
        for k in range(n_orders):
            tpl = t_orders[k % len(t_orders)]
            cust = customers[rng.randrange(n_customers)]
            oid, seq = k + 1, 1001 + k
            when = start + step * k + timedelta(seconds=rng.randint(0, 59))
            ps, fs = rng.choices(pay, weights)[0] if k < n_orders - 20 else pay[0]
            o = dict(tpl, id=oid, seq=seq, number=f"{prefix}{seq}", external_ref=None, created_at=when, updated_at=when, customer_id=cust["id"], customer_name=cust["name"], customer_email=cust["email"], customer_phone=cust["phone"], payment_status=ps, fulfillment_status=fs, paid=tpl["total"] if ps in ("PAID", "REFUNDED") else 0, refunded=tpl["total"] if ps == "REFUNDED" else 0, stock_held=ps not in ("CANCELLED", "REFUNDED"))
            if o.get("ship_name"):
                o["ship_name"] = cust["name"]
            batch_o.append(o)
            for model in batch:
                for row in by_order.get((model, tpl["id"]), []):
                    extra = {"at": when} if model is OrderEvent else {}
                    batch[model].append(dict(row, id=next_ids[model], order_id=oid, **extra))
                    next_ids[model] += 1
            if len(batch_o) >= 5000:
                _flush(c, T, batch_o, batch)
        _flush(c, T, batch_o, batch)
        c.execute(sa.text("UPDATE counter SET value = :v WHERE name = 'order'"), {"v": 1001 + n_orders})
    if engine.dialect.name == "postgresql":
        with engine.begin() as c:
            for tbl in ("orders", "order_line", "order_event", "order_surcharge", "customer"):
                c.exec_driver_sql(f"SELECT setval(pg_get_serial_sequence('{tbl}', 'id'), COALESCE((SELECT MAX(id) FROM {tbl}), 1))")
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
            c.exec_driver_sql("ANALYZE")
    else:
        with engine.connect() as c:
            c.exec_driver_sql("ANALYZE")
    db.dispose_all()
    return {"orders": n_orders, "customers": n_customers, "bulk_seconds": time.perf_counter() - t0}


def _insert(conn, table, rows: list[dict]) -> None:
    if rows:
        conn.execute(table.insert(), rows)


def _flush(conn, T, batch_o: list, batch: dict) -> None:
    from ordercli.models import Order

    _insert(conn, T[Order], batch_o)
    batch_o.clear()
    for model, rows in batch.items():
        _insert(conn, T[model], rows)
        rows.clear()
