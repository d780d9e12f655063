"""One rule, three doors: a French postal code of four digits is refused by the validation gate.

The flags door names the flag, the batch door the file line and column, the edit
door the field path; each a clean one-line error (exit 2) that writes nothing.
"""

from __future__ import annotations

import json

import pytest

from tests.cli.test_bad_input import assert_clean_error, snapshot

SHIP = ["--ship-street", "1 rue A", "--ship-city", "Lyon", "--ship-country", "FR"]


@pytest.fixture
def shop(cli):
    r = cli("product", "add", "MUG-01", "--name", "Blue mug", "--price", "18", "--stock", "5")
    assert r.exit_code == 0, r.stderr
    return cli


def test_flags_door_names_the_flag(shop):
    before = snapshot(shop.url)
    r = shop("order", "create", "--name", "Ana", "--email", "ana@example.com", "--item", "MUG-01", *SHIP, "--ship-postal-code", "6900")
    err = assert_clean_error(r, 2)
    assert err.startswith("Error: --ship-postal-code: Invalid postal code '6900' for FR.")
    assert "75001" in err  # the hint shows the format
    assert snapshot(shop.url) == before


def test_flags_door_pickup_with_an_address_names_pickup(shop):
    r = shop("order", "create", "--name", "Ana", "--email", "ana@example.com", "--item", "MUG-01", "--pickup", "--shipping-cost", "4.90")
    assert "Error: --shipping-cost: A pickup order has no shipping cost." in assert_clean_error(r, 2)


def test_flags_door_normalises_a_valid_postal_code(shop):
    r = shop("order", "create", "--name", "Ana", "--email", "ana@example.com", "--item", "MUG-01", *SHIP[:4], "--ship-country", "nl", "--ship-postal-code", "1012ab", "--format", "json")
    assert r.exit_code == 0, r.stderr
    assert json.loads(r.stdout)["shipping_address"]["postal_code"] == "1012 AB"


def test_batch_door_names_the_line_and_the_column(shop, tmp_path):
    p = tmp_path / "orders.csv"
    p.write_text(
        "order_ref,name,email,sku,quantity,ship_street,ship_city,ship_postal_code,ship_country\n"
        "A-1,Ana,ana@example.com,MUG-01,1,1 rue A,Lyon,69001,FR\n"
        "A-2,Tom,tom@example.com,MUG-01,1,1 rue B,Lyon,6900,FR\n",
        encoding="utf-8",
    )
    before = snapshot(shop.url)
    r = shop("order", "import", p)
    assert r.exit_code == 2, r.stderr
    assert "line 3 (order A-2), column ship_postal_code: Invalid postal code '6900' for FR." in r.stderr
    assert "Traceback" not in r.output
    assert snapshot(shop.url) == before


def test_batch_door_json_names_the_field_path(shop, tmp_path):
    p = tmp_path / "orders.json"
    order = {"order_ref": "J-1", "customer": {"name": "Ana", "email": "ana@example.com"}, "items": [{"sku": "MUG-01", "quantity": 1}],
             "shipping": {"address": {"street": "1 rue A", "city": "Lyon", "postal_code": "6900", "country": "FR"}}}
    p.write_text(json.dumps([order], indent=1), encoding="utf-8")
    r = shop("order", "import", p)
    assert r.exit_code == 2, r.stderr
    assert "field shipping.address.postal_code: Invalid postal code '6900' for FR." in r.stderr


def test_edit_door_refuses_the_same_rule(shop):
    r = shop("order", "create", "--name", "Ana", "--email", "ana@example.com", "--item", "MUG-01", *SHIP, "--ship-postal-code", "69001", "--format", "json")
    assert r.exit_code == 0, r.stderr
    number = json.loads(r.stdout)["number"]
    before = snapshot(shop.url)
    err = assert_clean_error(shop("order", "edit", number, "--ship-postal-code", "6900"), 2)
    assert err.startswith("Error: --ship-postal-code: Invalid postal code '6900' for FR.")  # the flag, as `order create` says it
    assert snapshot(shop.url) == before
    r = shop("order", "edit", number, "--ship-postal-code", "69 002")
    assert r.exit_code == 0, r.stderr


def test_an_order_saved_before_the_address_rule_stays_editable(shop):
    import sqlite3

    r = shop("order", "create", "--name", "Ana", "--email", "ana@example.com", "--item", "MUG-01", *SHIP, "--ship-postal-code", "69001", "--format", "json")
    assert r.exit_code == 0, r.stderr
    number = json.loads(r.stdout)["number"]
    with sqlite3.connect(shop.url) as c:  # as an older version saved it: no postal code
        c.execute("UPDATE orders SET ship_postal_code = NULL")
    r = shop("order", "edit", number, "--set-qty", "MUG-01=2")
    assert r.exit_code == 0, r.stderr
    err = assert_clean_error(shop("order", "edit", number, "--ship-city", "Paris"), 2)  # a changed address meets today's rules
    assert "--ship-postal-code: The postal code is required." in err
