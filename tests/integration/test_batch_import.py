"""Batch import and export against a real store (SQLite file, and PostgreSQL when configured)."""

from __future__ import annotations

import io
import json
import threading

import sqlalchemy as sa

from ordercli import db
from ordercli.services import catalog, order_export, order_file, order_import, orders
from tests.conftest import EXAMPLES

HEADER = "order_ref,name,email,phone,sku,quantity,item_name,unit_price,discount,tip,payment_method,note,staff_note\n"


def add_products(engine, *specs):
    """specs: (sku, price_minor, stock or None)."""
    for sku, price, stock in specs:
        with db.write_session(engine) as s:
            catalog.add_product(s, sku=sku, name=f"Product {sku}", price=price, stock=stock, tax_rate=2000)
            s.commit()


def load_catalog(engine):
    with db.write_session(engine) as s:
        rows = catalog.parse_catalog_csv((EXAMPLES / "catalog.csv").read_text(encoding="utf-8"), "EUR")
        catalog.import_catalog(s, rows=rows)
        s.commit()


def run_import(engine, path, *, policy="reject-all", notify=True, batch_size=100, dry_run=False):
    src = order_file.open_source(path)
    plan = order_import.check_file(engine, src, policy=policy, notify=notify)
    if dry_run:
        return order_import.dry_run_report(src, plan)
    return order_import.import_file(engine, src, plan, notify=notify, batch_size=batch_size)


def scalar(engine, sql, **params):
    with engine.connect() as c:
        return c.execute(sa.text(sql), params).scalar()


def rows(engine, sql, **params):
    with engine.connect() as c:
        return [tuple(r) for r in c.execute(sa.text(sql), params).all()]


def assert_ledger_consistent(engine):
    bad = rows(
        engine,
        "SELECT p.sku, p.stock, COALESCE((SELECT SUM(m.delta) FROM stock_movement m WHERE m.product_id = p.id), 0) "
        "FROM product p WHERE p.stock IS NOT NULL",
    )
    assert [r for r in bad if r[1] != r[2]] == []


def snapshot(engine):
    """Everything that a write could change, to prove that nothing was written."""
    return (
        rows(engine, "SELECT sku, stock FROM product ORDER BY sku"),
        scalar(engine, "SELECT COUNT(*) FROM orders"),
        scalar(engine, "SELECT COUNT(*) FROM order_line"),
        scalar(engine, "SELECT COUNT(*) FROM stock_movement"),
        scalar(engine, "SELECT COUNT(*) FROM customer"),
        scalar(engine, "SELECT COUNT(*) FROM outbox"),
        scalar(engine, "SELECT value FROM counter WHERE name = 'order'"),
    )


def write(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def all_orders(engine):
    out = io.StringIO()
    with db.read_session(engine) as s:
        order_export.export_orders(s, orders.OrderFilter(), out, fmt="jsonl")
    got = [json.loads(x) for x in out.getvalue().splitlines()]
    for o in got:
        del o["created_at"], o["updated_at"]
    return got


# ------------------------------------------------------------------ the example file


def test_fair_day_example_imports_through_place_order(engine, tmp_path):
    load_catalog(engine)
    before = dict(rows(engine, "SELECT sku, stock FROM product"))
    report = run_import(engine, EXAMPLES / "fair-day.csv")
    n = report.created
    assert n >= 50 and report.problem_count == 0 and report.already == 0 and report.written
    assert scalar(engine, "SELECT COUNT(*) FROM orders WHERE door = 'import'") == n
    assert scalar(engine, "SELECT COUNT(*) FROM order_event WHERE kind = 'created' AND door = 'import'") == n
    assert scalar(engine, "SELECT COUNT(*) FROM orders WHERE external_ref LIKE 'FAIR-0528-%'") == n
    assert scalar(engine, "SELECT COUNT(*) FROM orders WHERE payment_status = 'AWAITING_PAYMENT' AND fulfillment_status = 'AWAITING_PROCESSING'") == n
    assert report.total == scalar(engine, "SELECT SUM(total) FROM orders")
    # the example has custom items, discounts and phone-only customers
    assert scalar(engine, "SELECT COUNT(*) FROM order_line WHERE sku IS NULL") >= 3
    assert scalar(engine, "SELECT COUNT(*) FROM orders WHERE discount > 0") >= 3
    assert scalar(engine, "SELECT COUNT(*) FROM orders WHERE customer_email IS NULL AND customer_phone IS NOT NULL") >= 3
    # stock went down exactly by what the file sold, through the ledger
    sold = dict(rows(engine, "SELECT sku, SUM(quantity) FROM order_line WHERE tracked GROUP BY sku" if engine.dialect.name == "postgresql" else "SELECT sku, SUM(quantity) FROM order_line WHERE tracked = 1 GROUP BY sku"))
    after = dict(rows(engine, "SELECT sku, stock FROM product"))
    for sku, q in sold.items():
        assert after[sku] == before[sku] - q
    assert_ledger_consistent(engine)
    # customer confirmations were queued like `order create` does (one per emailed customer)
    emailed = scalar(engine, "SELECT COUNT(*) FROM orders WHERE customer_email IS NOT NULL")
    assert report.emails == emailed == scalar(engine, "SELECT COUNT(*) FROM outbox WHERE audience = 'customer' AND kind = 'confirmation'")


def test_reimport_creates_nothing(engine, tmp_path):
    load_catalog(engine)
    first = run_import(engine, EXAMPLES / "fair-day.csv")
    before = snapshot(engine)
    again = run_import(engine, EXAMPLES / "fair-day.csv")
    assert (again.created, again.already, again.failed, again.written) == (0, first.created, 0, False)
    assert snapshot(engine) == before


def test_dry_run_writes_nothing_and_reports(engine, tmp_path):
    load_catalog(engine)
    before = snapshot(engine)
    report = run_import(engine, EXAMPLES / "fair-day.csv", dry_run=True)
    assert report.dry_run and report.created >= 50 and report.total > 0 and report.problem_count == 0
    assert snapshot(engine) == before
    real = run_import(engine, EXAMPLES / "fair-day.csv")
    assert (real.created, real.total, real.emails) == (report.created, report.total, report.emails)


# ------------------------------------------------------------------ reject-all


def test_stock_short_for_the_file_as_a_whole_writes_nothing(engine, tmp_path):
    add_products(engine, ("MUG", 1800, 5), ("CARD", 350, None))
    # every order alone fits in the 5 mugs; together they ask for 7
    p = write(
        tmp_path,
        "f.csv",
        HEADER
        + "F-1,Ana,ana@example.com,,MUG,2,,,,,,,\n"
        + "F-2,Tom,tom@example.com,,CARD,1,,,,,,,\n"
        + "F-2,Tom,tom@example.com,,MUG,2,,,,,,,\n"
        + "F-3,Léa,lea@example.com,,MUG,3,,,,,,,\n",
    )
    before = snapshot(engine)
    report = run_import(engine, p)
    assert report.created == 0 and not report.written
    [prob] = report.problems
    assert prob.line == 5 and prob.order_ref == "F-3" and prob.kind == "refused"
    assert "not enough stock of MUG for the whole file" in prob.message and "ask for 7" in prob.message and "5 in stock" in prob.message
    assert snapshot(engine) == before
    assert report.exit_code == 1


def test_every_problem_is_reported_with_its_line_and_nothing_is_written(engine, tmp_path):
    add_products(engine, ("MUG", 1800, 50))
    p = write(
        tmp_path,
        "bad.csv",
        HEADER
        + "F-1,Ana,ana@example.com,,MUG,1,,,,,,,\n"  # fine
        + "F-2,Tom,tom@example.com,,MUGG,1,,,,,,,\n"  # unknown SKU
        + "F-3,Léa,lea@example.com,,MUG,0,,,,,,,\n"  # quantity 0
        + "F-4,Max,not-an-email,,MUG,1,,,,,,,\n"  # bad email
        + "F-5,Sam,,+33 1,MUG,1,,,,,,,\n"  # bad phone
        + "F-6,Zoé,zoe@example.com,,MUG,1,,,10%,,,,\n"
        + "F-6,Zoé,zoe@example.com,,MUG,1,,,20%,,,,\n"  # contradiction
        + "F-7,Iris,iris@example.com,,MUG,1,,,,,,,\n",  # fine
    )
    before = snapshot(engine)
    report = run_import(engine, p)
    got = sorted((x.line, x.order_ref, x.column) for x in report.problems)
    assert got == [(3, "F-2", None), (4, "F-3", "quantity"), (5, "F-4", "email"), (6, "F-5", "phone"), (8, "F-6", "discount")]
    sku_problem = next(x for x in report.problems if x.order_ref == "F-2")
    from ordercli.cli.hints import hint_for

    assert "Unknown SKU 'MUGG'" in sku_problem.message and "Did you mean MUG" in hint_for(sku_problem)
    assert (report.created, report.failed, report.written) == (0, 5, False)
    assert snapshot(engine) == before
    assert report.exit_code == 2


# ------------------------------------------------------------------ skip / stop


POLICY_FILE = (
    HEADER
    + "P-1,Ana,ana@example.com,,MUG,1,,,,,,,\n"
    + "P-2,Tom,tom@example.com,,NOPE,1,,,,,,,\n"  # bad
    + "P-3,Léa,lea@example.com,,MUG,1,,,,,,,\n"
    + "P-4,Max,max@example.com,,MUG,3,,,,,,,\n"  # short once P-1 and P-3 took theirs
    + "P-5,Sam,sam@example.com,,MUG,1,,,,,,,\n"
)


def refs(engine):
    return [r[0] for r in rows(engine, "SELECT external_ref FROM orders ORDER BY id")]


def test_skip_imports_exactly_the_good_orders(engine, tmp_path):
    add_products(engine, ("MUG", 1800, 4))
    report = run_import(engine, write(tmp_path, "p.csv", POLICY_FILE), policy="skip")
    assert refs(engine) == ["P-1", "P-3", "P-5"]
    assert (report.created, report.failed) == (3, 2)
    assert sorted((x.line, x.order_ref) for x in report.problems) == [(3, "P-2"), (5, "P-4")]
    assert scalar(engine, "SELECT stock FROM product WHERE sku = 'MUG'") == 1
    assert_ledger_consistent(engine)


def test_stop_keeps_the_orders_before_the_first_bad_one(engine, tmp_path):
    add_products(engine, ("MUG", 1800, 4))
    report = run_import(engine, write(tmp_path, "p.csv", POLICY_FILE), policy="stop")
    assert refs(engine) == ["P-1"]
    assert (report.created, report.failed, report.stopped_at, report.not_processed) == (1, 1, 3, 3)
    assert [(x.line, x.order_ref) for x in report.problems] == [(3, "P-2")]
    # fix the file, run the same command again: it completes the rest, no duplicates
    fixed = POLICY_FILE.replace("NOPE", "MUG").replace("P-4,Max,max@example.com,,MUG,3", "P-4,Max,max@example.com,,MUG,1")
    with db.write_session(engine) as s:
        catalog.change_stock(s, sku="MUG", add=1)
        s.commit()
    again = run_import(engine, write(tmp_path, "p.csv", fixed), policy="stop")
    assert (again.created, again.already) == (4, 1)
    assert refs(engine) == ["P-1", "P-2", "P-3", "P-4", "P-5"]
    assert_ledger_consistent(engine)


def test_reject_all_default_writes_nothing_for_the_policy_file(engine, tmp_path):
    add_products(engine, ("MUG", 1800, 4))
    report = run_import(engine, write(tmp_path, "p.csv", POLICY_FILE))
    assert refs(engine) == [] and not report.written
    # reject-all counts the whole file's demand: 1+1+3+1 = 6 > 4
    assert sorted((x.line, x.order_ref) for x in report.problems) == [(3, "P-2"), (5, "P-4")]


def test_a_failure_inside_a_batch_keeps_the_other_orders_of_the_batch(engine, tmp_path):
    """Stock changes between the check and the import: that order fails, the batch is redone order by order."""
    add_products(engine, ("MUG", 1800, 10), ("VASE", 1500, 1))
    p = write(tmp_path, "b.csv", HEADER + "".join(f"B-{i},C{i},c{i}@example.com,,{'VASE' if i == 3 else 'MUG'},1,,,,,,,\n" for i in range(1, 6)))
    src = order_file.open_source(p)
    plan = order_import.check_file(engine, src, policy="skip")
    assert plan.ok
    with db.write_session(engine) as s:  # another till sells the last vase meanwhile
        catalog.change_stock(s, sku="VASE", set_to=0)
        s.commit()
    report = order_import.import_file(engine, src, plan, batch_size=100)
    assert refs(engine) == ["B-1", "B-2", "B-4", "B-5"]
    [prob] = report.problems
    assert prob.order_ref == "B-3" and prob.line == 4 and "Not enough stock" in prob.message
    assert_ledger_consistent(engine)


def test_two_imports_of_the_same_file_at_once_create_each_order_once(engine, tmp_path):
    """Two tills import the same file together: each order exists once (the unique external_ref decides)."""
    add_products(engine, ("MUG", 1800, 100000))
    p = write(tmp_path, "same.csv", HEADER + "".join(f"S-{i},C{i},c{i % 7}@example.com,,MUG,1,,,,,,,\n" for i in range(1, 301)))
    reports, errors = [], []
    start = threading.Barrier(2)

    def go():
        try:
            start.wait()
            reports.append(run_import(engine, p, batch_size=10))
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=go) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sum(r.created for r in reports) == 300 and sum(r.already for r in reports) == 300
    assert all(r.problem_count == 0 for r in reports)
    assert scalar(engine, "SELECT COUNT(*) FROM orders") == 300
    assert scalar(engine, "SELECT COUNT(DISTINCT external_ref) FROM orders") == 300
    assert scalar(engine, "SELECT stock FROM product") == 100000 - 300
    assert_ledger_consistent(engine)


# ------------------------------------------------------------------ export


def test_export_round_trips_into_an_empty_store(engine, tmp_path, store_url):
    load_catalog(engine)
    run_import(engine, EXAMPLES / "fair-day.csv")
    # an order with everything the formats carry: shipping, billing, surcharges, tip, notes, custom tax rate
    rich = (
        "order_ref,name,email,phone,sku,quantity,item_name,unit_price,tax_rate,discount,tip,surcharges,payment_method,note,staff_note,"
        "shipping_method,shipping_cost,ship_name,ship_street,ship_city,ship_postal_code,ship_country,bill_name,bill_city,bill_country\n"
        'R-1,=Ana "quoted",ana@example.com,+33 6 12 34 56 78,CANDLE-LAV,2,,,,5.00,1.50,Card fee=1.5%; Parking=2.00,Card,"two\nlines",-staff,'
        "Colissimo,4.90,Ana,1 rue A,Lyon,69001,FR,Ana SARL,Paris,FR\n"
        "R-1,=Ana \"quoted\",ana@example.com,+33 6 12 34 56 78,,1,Gift box,6.00,5.5,,,,,,,,,,,,,,,,\n"
    )
    assert run_import(engine, write(tmp_path, "rich.csv", rich)).created == 1
    expected = all_orders(engine)
    for fmt in ("csv", "json", "jsonl"):
        out = tmp_path / f"export.{fmt}"
        with db.read_session(engine) as s, open(out, "w", encoding="utf-8", newline="") as f:
            n = order_export.export_orders(s, orders.OrderFilter(), f, fmt=fmt, chunk=7)  # several chunks
        assert n == len(expected)
        target_url = str(tmp_path / f"empty-{fmt}.db")
        target = db.get_engine(target_url)
        load_catalog(target)
        with db.write_session(target) as s:  # prices and tax changed since: the export keeps what was sold
            catalog.edit_product(s, sku="CANDLE-LAV", price=9999, tax_rate=1000)
            s.commit()
        report = run_import(target, out)
        assert report.problem_count == 0, report.problems[:3]
        assert report.created == len(expected)
        assert all_orders(target) == expected, fmt
        assert_ledger_consistent(target)
    if fmt == "csv":
        text = (tmp_path / "export.csv").read_text(encoding="utf-8")
        assert "'=Ana" in text and "'-staff" in text  # neutralised for spreadsheets, restored on import


def test_export_filters_limit_and_order(engine, tmp_path):
    add_products(engine, ("MUG", 1800, None))
    run_import(engine, write(tmp_path, "e.csv", HEADER + "".join(f"E-{i},{'Ana' if i % 2 else 'Tom'},c{i}@example.com,,MUG,{i},,,,,,,\n" for i in range(1, 8))))

    def export(fmt="jsonl", limit=None, **kw):
        out = io.StringIO()
        with db.read_session(engine) as s:
            n = order_export.export_orders(s, orders.OrderFilter(**kw), out, fmt=fmt, chunk=2, limit=limit)
        return n, out.getvalue()

    n, text = export()
    got = [json.loads(x) for x in text.splitlines()]
    assert n == 7 and [o["order_ref"] for o in got] == [f"E-{i}" for i in range(1, 8)]  # oldest first, across chunks
    assert [json.loads(x)["order_ref"] for x in export(customer="tom")[1].splitlines()] == ["E-2", "E-4", "E-6"]
    assert [json.loads(x)["order_ref"] for x in export(search="e-3")[1].splitlines()] == ["E-3"]  # search looks at references too (issue 11)
    assert export(payment_status="PAID") == (0, "")
    n, text = export("ecwid", limit=3)
    bodies = json.loads(text)
    assert n == 3 and [b["items"][0]["quantity"] for b in bodies] == [1, 2, 3]
    assert all(b["paymentStatus"] == "AWAITING_PAYMENT" for b in bodies)
    n, text = export("json", payment_status="PAID")
    assert n == 0 and json.loads(text) == []


def test_an_order_committed_by_another_writer_during_our_insert_counts_as_already_imported(engine, tmp_path):
    """The unique-constraint race: another writer inserts the same order_ref after our check, before our insert.

    The other writer here is plain SQL (a script, an older ordercli), so it
    takes none of ordercli's locks. On PostgreSQL our INSERT then waits for its
    transaction and hits the unique constraint on orders.external_ref: that
    must read as "already imported", not as a failure, and take no stock. (On
    SQLite the write lock serialises the two and our check sees the order.)
    """
    add_products(engine, ("MUG", 1800, 10))
    p = write(tmp_path, "r.csv", HEADER + "RACE-1,Ana,ana@example.com,,MUG,1,,,,,,,\n")
    src = order_file.open_source(p)
    plan = order_import.check_file(engine, src, policy="reject-all")
    assert plan.ok and not plan.existing

    other = engine.connect()
    tx = other.begin()
    other.execute(
        sa.text(
            "INSERT INTO orders (number, seq, external_ref, created_at, updated_at, version, door, customer_name, payment_status, "
            "fulfillment_status, currency, prices_include_tax, item_count, subtotal, discount, surcharge_total, shipping, tax, tip, total, "
            "paid, refunded, stock_held, notify_customer, pickup) VALUES ('OTHER-1', 0, 'RACE-1', :now, :now, 1, 'script', 'Ana', "
            "'AWAITING_PAYMENT', 'AWAITING_PROCESSING', 'EUR', true, 1, 1800, 0, 0, 0, 0, 0, 1800, 0, 0, false, false, false)"
        ),
        {"now": "2026-11-28 10:00:00"},
    )
    result = {}
    t = threading.Thread(target=lambda: result.setdefault("report", order_import.import_file(engine, src, plan)))
    t.start()
    t.join(0.5)  # our import is now blocked behind the other writer's transaction
    tx.commit()
    other.close()
    t.join(30)
    report = result["report"]
    assert (report.created, report.already, report.failed, report.problem_count) == (0, 1, 0, 0)
    assert rows(engine, "SELECT number FROM orders") == [("OTHER-1",)]
    assert scalar(engine, "SELECT stock FROM product") == 10  # our attempt rolled back whole
    assert_ledger_consistent(engine)


def test_orders_json_example_imports_after_the_fair(engine):
    load_catalog(engine)
    assert run_import(engine, EXAMPLES / "fair-day.csv").problem_count == 0
    report = run_import(engine, EXAMPLES / "orders.json")
    assert (report.created, report.problem_count) == (5, 0)
    got = {o["order_ref"]: o for o in all_orders(engine) if o["order_ref"].startswith("WEB-")}
    assert got["WEB-2026-0001"]["shipping_address"]["city"] == "Lyon" and got["WEB-2026-0001"]["discount_percent"] == "10"
    assert got["WEB-2026-0002"]["pickup"] is True and got["WEB-2026-0002"]["customer"]["email"] is None
    assert [s["label"] for s in got["WEB-2026-0003"]["surcharges"]] == ["Card fee", "Booking fee"]
    assert any(i["sku"] is None for i in got["WEB-2026-0005"]["items"])
    assert_ledger_consistent(engine)
