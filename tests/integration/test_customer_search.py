"""Issue 11 §2: search that ignores case and accents, on SQLite and PostgreSQL alike.

Customers (name, email, any form of the phone), products (SKU, name) and orders (number, reference,
customer, SKU), with French, German and Spanish names; completion ranking; the 0004 migration
filling the keys of rows that existed before it.
"""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from ordercli import db, search
from ordercli.domain import CustomerIn, ItemIn, OrderDraft
from ordercli.services import catalog, config, customers, orders

PEOPLE = [
    ("Élodie Lefèvre-Duchâteau", "elodie@example.fr", "+33781234567"),
    ("Jürgen Müller", "jm@example.de", None),
    ("Ñúñez García", "nunez@example.es", None),
    ("Œuvre Atelier", None, "+33653312194"),
    ("Emilie Strauß", "emilie@example.fr", None),
]


@pytest.fixture
def people(engine):
    people_fixture_body(engine)
    return engine


def names(engine, text):
    with db.read_session(engine) as s:
        return [c.name for c in customers.search_customers(s, text=text)]


@pytest.mark.parametrize(
    "typed, expected",
    [
        ("Élodie", "Élodie Lefèvre-Duchâteau"),
        ("élodie", "Élodie Lefèvre-Duchâteau"),
        ("elodie", "Élodie Lefèvre-Duchâteau"),
        ("ELODIE", "Élodie Lefèvre-Duchâteau"),
        ("lefevre", "Élodie Lefèvre-Duchâteau"),
        ("Lefèvre", "Élodie Lefèvre-Duchâteau"),
        ("duchateau elodie", "Élodie Lefèvre-Duchâteau"),
        ("07 81 23 45 67", "Élodie Lefèvre-Duchâteau"),
        ("0781234567", "Élodie Lefèvre-Duchâteau"),
        ("+33781234567", "Élodie Lefèvre-Duchâteau"),
        ("0033 7 81 23", "Élodie Lefèvre-Duchâteau"),
        ("muller", "Jürgen Müller"),
        ("MÜLLER", "Jürgen Müller"),
        ("jurgen", "Jürgen Müller"),
        ("nunez", "Ñúñez García"),
        ("Ñúñez", "Ñúñez García"),
        ("garcia", "Ñúñez García"),
        ("oeuvre", "Œuvre Atelier"),
        ("Œuvre", "Œuvre Atelier"),
        ("06 53 31 21 94", "Œuvre Atelier"),
        ("strauss", "Emilie Strauß"),
        ("emilie", "Emilie Strauß"),
        ("Émilie", "Emilie Strauß"),
        ("NUNEZ@EXAMPLE.ES", "Ñúñez García"),
    ],
)
def test_customers_are_found_ignoring_case_and_accents(people, typed, expected):
    assert names(people, typed) == [expected]


def test_nothing_matches_nothing(people):
    assert names(people, "zzz") == []
    assert names(people, "%") == [] and names(people, "_") == []  # LIKE wildcards are text


def test_products_are_found_ignoring_case_and_accents(people):
    with db.read_session(people) as s:
        for typed in ("creme", "CRÈME", "brulee", "creme-01", "Crème Brûlée"):
            assert [p.sku for p in catalog.list_products(s, search=typed)] == ["CREME-01"], typed
        assert [p.sku for p in catalog.list_products(s, search="huile d'olive")] == ["SAVON"]


def test_orders_are_found_by_number_reference_customer_and_sku(any_cli):
    engine = db.get_engine(any_cli.url)
    people_fixture_body(engine)

    def refs(*args):
        r = any_cli("order", "list", *args, "--format", "json")
        assert r.exit_code == 0, r.stderr
        return sorted(o["external_ref"] for o in json.loads(r.stdout))

    assert refs("--search", "web-001") == ["WEB-001"]
    assert refs("--search", "lefevre") == ["WEB-001"]
    assert refs("--search", "creme-01") == ["WEB-001", "WEB-003", "WEB-005"]
    assert refs("--search", "0653312194") == ["WEB-004"]
    assert refs("--customer", "muller") == ["WEB-002"]
    r = any_cli("product", "list", "--search", "brulee", "--format", "json")
    assert [p["sku"] for p in json.loads(r.stdout)] == ["CREME-01"]
    r = any_cli("customer", "list", "--search", "Élodie", "--format", "json")
    assert [c["name"] for c in json.loads(r.stdout)] == ["Élodie Lefèvre-Duchâteau"]


def people_fixture_body(engine):
    with db.write_session(engine) as s:
        config.set_value(s, "store.phone_region", "FR")
        catalog.add_product(s, sku="CREME-01", name="Crème brûlée", price=500, stock=None)
        catalog.add_product(s, sku="SAVON", name="Savon à l'huile d'olive", price=400, stock=None)
        s.commit()
    for i, (name, email, phone) in enumerate(PEOPLE):
        with db.write_session(engine) as s:
            sku = "SAVON" if i % 2 else "CREME-01"
            orders.place_order(s, OrderDraft(customer=CustomerIn(name=name, email=email, phone=phone), items=[ItemIn(quantity=1, sku=sku)], external_ref=f"WEB-{i + 1:03}"))
            s.commit()


def test_completion_ranks_exact_then_prefix_then_contains_then_orders(engine):
    with db.write_session(engine) as s:
        catalog.add_product(s, sku="X", name="X", price=100, stock=None)
        s.commit()

    def order_for(name, email, n=1):
        for _ in range(n):
            with db.write_session(engine) as s:
                orders.place_order(s, OrderDraft(customer=CustomerIn(name=name, email=email), items=[ItemIn(quantity=1, sku="X")]))
                s.commit()

    order_for("Marc Annebelle", "marc@example.fr", 1)  # "anne" inside a word
    order_for("Anne-Sophie Roux", "as@example.fr", 1)  # prefix
    order_for("Annette Blanc", "annette@example.fr", 3)  # prefix, more orders
    order_for("Anne", "anne@example.fr", 1)  # exact
    with db.read_session(engine) as s:
        got = [c.name for c in customers.complete(s, "anne")]
        assert got == ["Anne", "Annette Blanc", "Anne-Sophie Roux", "Marc Annebelle"]
        assert [c.name for c in customers.complete(s, "ÀNNE")] == got
        assert [c.orders for c in customers.complete(s, "annette")] == [3]


def test_fold_and_terms():
    assert search.fold("Élodie  Lefèvre-Duchâteau") == "elodie lefevre-duchateau"
    assert search.fold("Straße ŒUVRE Æther Ñ") == "strasse oeuvre aether n"
    assert search.query_terms("06 53 31 21 94") == ["0653312194"]
    assert search.query_terms("+33 6 53") == ["33653"]
    assert search.phone_forms("+33653312194") == ("33653312194", "0653312194")


def test_prefix_lookups_use_the_index(engine):
    """The completion's first query is an index range on search_key on both databases."""
    from ordercli.models import Customer

    t = Customer.__table__
    lo, hi = search.prefix_range("elo")
    stmt = sa.select(t.c.id).where(t.c.search_key >= lo, t.c.search_key < hi).order_by(t.c.search_key).limit(30)
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            compiled = stmt.compile(dialect=engine.dialect, compile_kwargs={"literal_binds": True})
            plan = " ".join(str(r) for r in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + str(compiled)).all())
            assert "ix_customer_search_key" in plan, plan
        else:
            conn.exec_driver_sql("SET enable_seqscan = off")
            compiled = stmt.compile(dialect=engine.dialect, compile_kwargs={"literal_binds": True})
            plan = " ".join(r[0] for r in conn.exec_driver_sql("EXPLAIN " + str(compiled)).all())
            assert "ix_customer_search_key" in plan, plan


def test_upgrade_from_0003_fills_the_keys_of_existing_rows(store_url):
    """0003 -> 0004: customers, products and orders saved before get their search keys."""
    from alembic import command
    from alembic.config import Config
    from pathlib import Path

    engine = db.get_engine(store_url)
    people_fixture_body(engine)
    cfg = Config()
    cfg.set_main_option("script_location", str(Path(db.__file__).parent / "migrations"))
    with engine.connect() as conn:
        with conn.begin():
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0003_stall_day")
            assert "search_key" not in {c["name"] for c in sa.inspect(conn).get_columns("customer")}
    db.dispose_all()
    engine = db.get_engine(store_url)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar() == db.HEAD_REVISION
        assert conn.exec_driver_sql("SELECT count(*) FROM customer WHERE search_key IS NULL").scalar() == 0
        assert conn.exec_driver_sql("SELECT count(*) FROM orders WHERE search_key IS NULL").scalar() == 0
    assert names(engine, "elodie") == ["Élodie Lefèvre-Duchâteau"]
    with db.read_session(engine) as s:
        assert [p.sku for p in catalog.list_products(s, search="creme")] == ["CREME-01"]
        assert [o.external_ref for o in orders.list_orders(s, orders.OrderFilter(search="muller"))] == ["WEB-002"]
