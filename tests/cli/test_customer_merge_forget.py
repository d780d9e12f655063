"""Issue 11 §3: customer show / edit / merge / forget, on SQLite and PostgreSQL; §4 references."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pypdf
import pytest

from ordercli import db


def ok(r):
    assert r.exit_code == 0, f"exit {r.exit_code}\nstdout: {r.stdout}\nstderr: {r.stderr}"
    return r


def as_json(r):
    return json.loads(ok(r).stdout)


@pytest.fixture
def shop(any_cli):
    cli = any_cli
    ok(cli("config", "set", "store.phone_region", "FR"))
    ok(cli("product", "add", "CANDLE", "--name", "Bougie", "--price", "8", "--stock", "50"))
    # Paul, twice by mistake (phone only, then email only), and Élodie
    ok(cli("order", "create", "--name", "Paul Girard", "--phone", "06 53 31 21 94", "--item", "CANDLE:2", "--ref", "TEL-001"))
    ok(cli("order", "create", "--name", "Paul Girard", "--email", "paul@example.fr", "--item", "CANDLE:1", "--note", "Leave at Paul Girard's door"))
    ok(cli("order", "create", "--name", "Élodie Lefèvre", "--email", "elodie@example.fr", "--phone", "07 81 23 45 67", "--item", "CANDLE:5",
           "--ship-name", "Élodie Lefèvre", "--ship-street", "3 rue Secrète", "--ship-city", "Lyon", "--ship-postal-code", "69001", "--ship-country", "FR"))
    ok(cli("order", "pay", "1001", "--amount", "10"))
    return cli


def test_show_by_name_with_orders_spend_and_balance(shop):
    d = as_json(shop("customer", "show", "elodie", "--format", "json"))
    assert (d["name"], d["email"], d["phone"]) == ("Élodie Lefèvre", "elodie@example.fr", "+33781234567")
    assert d["orders"][0]["number"] == "1003" and d["lifetime_spend"] == {"EUR": "40.00"} and d["balance_due"] == {"EUR": "40.00"}
    d = as_json(shop("customer", "show", "06 53 31 21 94", "--format", "json"))
    assert [(o["number"], o["reference"], o["balance_due"]) for o in d["orders"]] == [("1001", "TEL-001", "6.00")]
    # two Pauls: the name is ambiguous -> candidates listed, exit 1
    r = shop("customer", "show", "paul girard")
    assert r.exit_code == 1 and "2 customers match" in r.stderr and "paul@example.fr" in r.stderr
    r = shop("customer", "show", "nobody")
    assert r.exit_code == 1 and "No customer" in r.stderr


def test_edit_is_validated_and_refuses_another_customers_contact(shop):
    r = shop("customer", "edit", "elodie@example.fr", "--email", "not-an-email")
    assert r.exit_code == 2 and "Invalid email" in r.stderr
    r = shop("customer", "edit", "elodie@example.fr", "--phone", "06 53 31 21 94")
    assert r.exit_code == 1 and "belongs to customer 1 (Paul Girard)" in r.stderr
    d = as_json(shop("customer", "edit", "elodie@example.fr", "--name", "Élodie Lefèvre-Duchâteau", "--note", "Prefers lavender", "--format", "json"))
    assert d["changed"] == ["name", "note"] and d["note"] == "Prefers lavender"
    assert as_json(shop("customer", "show", "duchateau", "--format", "json"))["note"] == "Prefers lavender"
    r = shop("customer", "edit", "elodie@example.fr")
    assert r.exit_code == 2 and "Nothing to change" in r.stderr


def test_merge_moves_orders_and_payments_keeps_history_and_target_contact(shop):
    r = shop("customer", "merge", "1", "paul@example.fr")  # no terminal: --yes required
    assert r.exit_code == 2 and "--yes" in r.stderr
    d = as_json(shop("customer", "merge", "1", "paul@example.fr", "--yes", "--format", "json"))
    assert d["orders_moved"] == ["1001"] and d["target_id"] == 2
    r = shop("customer", "show", "1")
    assert r.exit_code == 1  # SOURCE deleted
    t = as_json(shop("customer", "show", "paul@example.fr", "--format", "json"))
    assert sorted(o["number"] for o in t["orders"]) == ["1001", "1002"]
    assert (t["email"], t["phone"]) == ("paul@example.fr", "+33653312194")  # the phone only SOURCE had is taken over
    assert t["balance_due"] == {"EUR": "14.00"}  # the payment moved with its order
    o = as_json(shop("order", "show", "1001", "--format", "json"))
    assert any("merged" in e["summary"] for e in o["events"])
    # conflicting contacts: shown, TARGET's kept
    ok(shop("order", "create", "--name", "Élo L.", "--email", "elo.other@example.fr", "--item", "CANDLE"))
    r = ok(shop("customer", "merge", "elo.other@example.fr", "elodie@example.fr", "--yes"))
    assert "name differs" in r.stderr and "email differs" in r.stderr
    assert as_json(shop("customer", "show", "elodie@example.fr", "--format", "json"))["email"] == "elodie@example.fr"


def test_forget_erases_personal_data_everywhere_and_keeps_the_books(shop, tmp_path):
    secrets = ["Élodie", "Lefèvre", "elodie@example.fr", "+33781234567", "0781234567", "Secrète"]
    r = shop("customer", "forget", "elodie@example.fr")
    assert r.exit_code == 2 and "--yes" in r.stderr
    r = shop("customer", "forget", "elodie@example.fr", "--yes", "--format", "json")
    assert "free pages" not in r.stderr, r.stderr  # the store file was rewritten (SQLite VACUUM outside a transaction)
    d = as_json(r)
    assert d["orders"] == ["1003"]
    outputs = []
    for args in (
        ["customer", "list"],
        ["customer", "list", "--format", "json"],
        ["customer", "list", "--format", "csv"],
        ["customer", "show", str(d["customer_id"]), "--format", "json"],
        ["customer", "show", str(d["customer_id"])],
        ["order", "list", "--format", "json"],
        ["order", "list", "--format", "csv"],
        ["order", "show", "1003"],
        ["order", "show", "1003", "--format", "json"],
        ["order", "export", "--output", "-", "--format", "json"],
        ["order", "export", "--output", "-", "--format", "csv"],
        ["outbox", "list", "--format", "json"],
    ):
        r = shop(*args)
        outputs.append((args, r.exit_code, r.stdout + r.stderr))
    inv = ok(shop("order", "invoice", "1003", "--output", str(tmp_path / "inv.pdf")))
    reader = pypdf.PdfReader(io.BytesIO((tmp_path / "inv.pdf").read_bytes()))
    pdf_text = " ".join(page.extract_text() for page in reader.pages)
    assert "1003" in pdf_text
    outputs.append((["invoice"], inv.exit_code, inv.stdout + inv.stderr + pdf_text))
    for args, _code, text in outputs:
        for secret in secrets:
            assert secret not in text, (args, secret)
    # the books stay: number, lines, total, stock
    o = as_json(shop("order", "show", "1003", "--format", "json"))
    assert o["total"] == "40.00" and [ln["quantity"] for ln in o["items"]] == [5]
    assert not shop("customer", "list", "--search", "elodie", "--format", "json").stdout.strip("[]\n ")
    if not shop.url.startswith("postgresql"):
        raw = Path(shop.url).read_bytes()
        for extra in Path(shop.url).parent.glob(Path(shop.url).name + "-*"):
            raw += extra.read_bytes()
        for secret in secrets:
            assert secret.encode() not in raw, secret
    else:
        engine = db.get_engine(shop.url)
        with engine.connect() as conn:
            dump = " ".join(
                str(row)
                for t in ("customer", "orders", "order_event", "outbox", "payment")
                for row in conn.exec_driver_sql(f"SELECT * FROM {t}").all()
            )
        for secret in secrets:
            assert secret not in dump, secret


def test_order_is_found_and_shown_by_its_reference(shop):
    r = ok(shop("order", "show", "TEL-001"))
    assert "Order 1001" in r.stdout and "Reference: TEL-001" in r.stdout
    assert [o["number"] for o in as_json(shop("order", "list", "--search", "tel-001", "--format", "json"))] == ["1001"]


def test_reimport_of_a_changed_order_is_not_applied_and_said(shop, tmp_path):
    f = tmp_path / "orders.json"

    def write(qty):
        f.write_text(json.dumps([
            {"order_ref": "SAM-001", "customer": {"name": "Sam", "email": "sam@example.fr"}, "items": [{"sku": "CANDLE", "quantity": qty}]},
            {"order_ref": "SAM-002", "customer": {"name": "Sam", "email": "sam@example.fr"}, "items": [{"sku": "CANDLE", "quantity": 1}]},
        ]))

    write(2)
    assert as_json(shop("order", "import", str(f), "--format", "json"))["created"] == 2
    r = shop("order", "import", str(f), "--format", "json")
    assert r.exit_code == 0 and (json.loads(r.stdout)["already_imported"], json.loads(r.stdout)["changed_not_applied"]) == (2, 0)
    write(5)
    errors = tmp_path / "errors.csv"
    r = shop("order", "import", str(f), "--errors", str(errors))
    assert r.exit_code == 1
    assert "changed since it was imported" in r.stderr and "not applied" in r.stderr
    assert "SAM-001" in errors.read_text() and "changed since it was imported" in errors.read_text()
    summary = as_json_any(shop("order", "import", str(f), "--format", "json"))
    assert (summary["created"], summary["already_imported"], summary["changed_not_applied"]) == (0, 1, 1)
    lines = as_json(shop("order", "show", "SAM-001", "--format", "json"))["items"]
    assert [ln["quantity"] for ln in lines] == [2]  # not applied


def as_json_any(r):
    return json.loads(r.stdout)
