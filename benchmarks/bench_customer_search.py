"""Customer completion per keystroke over 100,000 customers (issue 11 §2: under 50 ms), SQLite and PostgreSQL.

    python benchmarks/bench_customer_search.py [--customers 100000] [--orders 50000] [--pg URL] [--no-doc]

Builds a store with N customers (French, German and Spanish names with accents, emails, phones)
and some orders, then replays typing: every prefix of first names, last names (a later word),
emails and phone numbers, one ``services.customers.complete`` call per
keystroke in a fresh read session, exactly as the wizard's completer does. The floor, measured in
the same run: a read session that fetches one customer by id.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

import _bench  # noqa: E402

FIRST = ["Élodie", "Émilie", "Jürgen", "Ñuño", "Zoé", "Anaïs", "Hélène", "François", "Noël", "Chloé", "Paul", "Marie", "Jean", "Lucía", "Søren",
         "Björn", "Inès", "Léa", "Gaëlle", "José", "Renée", "Mathéo", "Agnès", "Jérôme", "Célia", "Ana", "Tom", "Bea", "Yves", "Maëlys"]
LAST = ["Lefèvre", "Müller", "Núñez", "Girard", "Dubois", "Œuvray", "Strauß", "García", "Martin", "Bernard", "Duchâteau", "Rousseau", "Fontaine",
        "Schäfer", "Peña", "Lambert", "Mercier", "Faure", "Gauthier", "Perrin", "Brûlé", "Châtelet", "Moreau", "Lemaître", "Caron", "Benoît"]


def build(url: str, n: int, n_orders: int, seed: int = 11) -> list[tuple[str, str, str]]:
    import sqlalchemy as sa

    from ordercli import db, search
    from ordercli.models import Customer, CustomerTerm, Order, utcnow
    from ordercli.services.orders import _ORDER_DEFAULTS

    engine = db.get_engine(url)
    rng = random.Random(seed)
    people = []
    rows = []
    now = utcnow()
    for i in range(1, n + 1):
        name = f"{rng.choice(FIRST)} {rng.choice(LAST)}" + (f"-{rng.choice(LAST)}" if rng.random() < 0.1 else "")
        email = f"{search.fold(name).replace(' ', '.').replace('-', '.')}.{i}@example.fr" if rng.random() < 0.8 else None
        phone = f"+336{rng.randrange(10**8):08d}" if (email is None or rng.random() < 0.5) else None
        people.append((name, email or "", phone or ""))
        rows.append({"id": i, "name": name, "email": email, "phone": phone, "created_at": now, "search_key": search.customer_key(name, email, phone)})
    with engine.begin() as conn:
        T = Customer.__table__
        for k in range(0, len(rows), 5000):
            conn.execute(sa.insert(T), rows[k : k + 5000])
        terms = [{"customer_id": r["id"], "term": t} for r in rows for t in sorted(search.customer_terms(r["name"], r["email"], r["phone"]))]
        for k in range(0, len(terms), 10000):
            conn.execute(sa.insert(CustomerTerm.__table__), terms[k : k + 10000])
        O = Order.__table__
        orders = []
        for j in range(1, n_orders + 1):
            cid = rng.randrange(1, n + 1)
            name, email, phone = people[cid - 1]
            orders.append({**_ORDER_DEFAULTS, "number": f"B{j}", "seq": j, "customer_id": cid, "customer_name": name, "customer_email": email or None,
                           "customer_phone": phone or None, "created_at": now, "updated_at": now, "search_key": search.order_key(f"B{j}", None, name, email, phone)})
            if len(orders) >= 5000:
                conn.execute(sa.insert(O), orders)
                orders = []
        if orders:
            conn.execute(sa.insert(O), orders)
        if engine.dialect.name == "postgresql":
            conn.exec_driver_sql("ANALYZE customer")
            conn.exec_driver_sql("ANALYZE orders")
        else:
            conn.exec_driver_sql("ANALYZE")
    return people


def keystrokes(people, rng: random.Random, n_targets: int = 40) -> dict[str, list[str]]:
    """Prefixes typed for picking a customer, by kind."""
    kinds: dict[str, list[str]] = {"first name (prefix)": [], "last name (word prefix)": [], "email": [], "phone": [], "full name": []}
    for name, email, phone in rng.sample(people, n_targets):
        first, last = name.split(" ", 1)
        kinds["first name (prefix)"] += [first[:k] for k in range(1, len(first) + 1)]
        kinds["last name (word prefix)"] += [last[:k] for k in range(2, len(last) + 1)]
        kinds["full name"] += [name[:k] for k in range(len(first) + 2, len(name) + 1)]
        if email:
            kinds["email"] += [email[:k] for k in range(1, min(len(email), 14) + 1)]
        if phone:
            national = "0" + phone[3:]
            kinds["phone"] += [national[:k] for k in range(3, len(national) + 1)]
    return kinds


def measure(url: str, people, runs: int) -> dict:
    import sqlalchemy as sa

    from ordercli import db
    from ordercli.models import Customer
    from ordercli.services import customers

    engine = db.get_engine(url)
    rng = random.Random(5)
    kinds = keystrokes(people, rng)
    T = Customer.__table__

    def floor_once(i):
        with db.read_session(engine) as s:
            s.execute(sa.select(T.c.id, T.c.name).where(T.c.id == i)).first()

    def complete_once(text):
        with db.read_session(engine) as s:
            customers.complete(s, text, limit=10)

    for text in kinds["first name (prefix)"][:20]:  # warm-up
        complete_once(text)
    out: dict = {"floor": []}
    for _ in range(runs):
        for kind, texts in kinds.items():
            for text in texts:
                t0 = time.perf_counter()
                floor_once(rng.randrange(1, len(people) + 1))
                out["floor"].append(time.perf_counter() - t0)
                t0 = time.perf_counter()
                complete_once(text)
                out.setdefault(kind, []).append(time.perf_counter() - t0)
    out["every keystroke"] = [x for k, v in out.items() if k != "floor" for x in v]
    return out


def p95(xs: list[float]) -> float:
    s = sorted(xs)
    return s[min(len(s) - 1, int(round(0.95 * (len(s) - 1))))]


def main() -> int:
    import statistics

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--customers", type=int, default=100_000)
    ap.add_argument("--orders", type=int, default=50_000)
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--pg", default=os.environ.get("ORDERCLI_BENCH_PG_URL") or os.environ.get("ORDERCLI_TEST_PG_URL"))
    ap.add_argument("--no-doc", action="store_true")
    args = ap.parse_args()

    from ordercli import db

    info = _bench.machine_info({"customers": f"{args.customers:,}", "orders": f"{args.orders:,}"})
    backends = [("SQLite", None)] + ([("PostgreSQL", args.pg)] if args.pg else [])
    headers = ["backend", "keystrokes", "queries", "median", "p95", "max", "floor median", "verdict (< 50 ms)"]
    table_rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for backend, pg in backends:
            schema = None
            if pg:
                import psycopg

                schema = "bench_" + uuid.uuid4().hex[:10]
                with psycopg.connect(pg.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as conn:
                    conn.execute(f'CREATE SCHEMA "{schema}"')
                url = f"{pg}{'&' if '?' in pg else '?'}options=-csearch_path%3D{schema}"
            else:
                url = str(Path(tmp) / "customers.db")
            try:
                t0 = time.perf_counter()
                people = build(url, args.customers, args.orders)
                print(f"{backend}: built {args.customers:,} customers in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
                res = measure(url, people, args.runs)
                floor = statistics.median(res["floor"])
                for kind, xs in res.items():
                    if kind == "floor":
                        continue
                    med, q95 = statistics.median(xs), p95(xs)
                    table_rows.append([backend, kind, len(xs), _bench.ms(med), _bench.ms(q95), _bench.ms(max(xs)), _bench.ms(floor),
                                       "ok" if q95 < 0.050 else "SLOW"])
            finally:
                db.dispose_all()
                if schema:
                    import psycopg

                    with psycopg.connect(pg.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as conn:
                        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    print(_bench.table(headers, table_rows))
    if not args.no_doc:
        md = "\n\n".join(
            [
                "## Customer completion (issue 11)",
                f"Command: `python benchmarks/bench_customer_search.py --customers {args.customers} --orders {args.orders}" + (" --pg URL`" if args.pg else "`"),
                _bench.info_md(info),
                "One `services.customers.complete` call per keystroke (a fresh read session, as the wizard's completer), "
                "typing prefixes of first names, last names (a prefix of a later word, through `customer_term`), "
                "full names, emails and national phone numbers of 40 random customers. Floor: a read session fetching one customer by id.",
                _bench.md_table(headers, table_rows),
            ]
        )
        print(f"wrote {_bench.update_doc('customer_search', md)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
