"""`order import` and `product import` read files the same way and say what is wrong the same way."""

from __future__ import annotations

import json
import re
import sqlite3

from tests.conftest import EXAMPLES

# 'FILE' line N[ (order REF)], column COL: MESSAGE
PROBLEM = re.compile(r"'(?P<file>[^']+)' line (?P<line>\d+)(?: \(order (?P<ref>[^)]+)\))?, column (?P<col>\w+): (?P<msg>[^;\n]+)")


def count(cli, sql):
    with sqlite3.connect(cli.url) as c:
        return c.execute(sql).fetchone()[0]


def test_a_bad_row_is_reported_the_same_way_by_both_imports(cli, tmp_path):
    cat = tmp_path / "cat.csv"
    cat.write_text('sku,name,price,stock\nMUG-BLUE,"Blue mug",18,3\nBOWL,Bowl,12.345,2\n', encoding="utf-8")
    r = cli("product", "import", cat, "--strict")
    assert r.exit_code == 2 and r.stdout == "" and "Traceback" not in r.stderr
    [p] = [m.groupdict() for m in PROBLEM.finditer(r.stderr)]
    assert (p["file"], p["line"], p["ref"], p["col"]) == (str(cat), "3", None, "price")
    assert count(cli, "SELECT COUNT(*) FROM product") == 0

    assert cli("product", "import", EXAMPLES / "catalog.csv").exit_code == 0
    orders = tmp_path / "orders.csv"
    orders.write_text("order_ref,name,email,sku,quantity\nO-1,Ana,ana@example.com,MUG-BLUE,1\nO-2,Tom,tom@example.com,MUG-BLUE,1.5\n", encoding="utf-8")
    r = cli("order", "import", orders)
    assert r.exit_code == 2 and r.stdout == "" and "Traceback" not in r.stderr
    [q] = [m.groupdict() for m in PROBLEM.finditer(r.stderr)]
    assert (q["file"], q["line"], q["ref"], q["col"]) == (str(orders), "3", "O-2", "quantity")
    assert count(cli, "SELECT COUNT(*) FROM orders") == 0


def test_embedded_newlines_shift_the_reported_lines_in_both_imports(cli, tmp_path):
    cat = tmp_path / "cat.csv"
    cat.write_text('sku,name,price,description\nMUG-BLUE,Blue mug,18,"two\nlines"\nBOWL,Bowl,abc,\n', encoding="utf-8")
    r = cli("product", "import", cat, "--strict")
    assert r.exit_code == 2 and f"'{cat}' line 4, column price:" in r.stderr
    assert cli("product", "import", EXAMPLES / "catalog.csv").exit_code == 0
    orders = tmp_path / "orders.csv"
    orders.write_text('order_ref,name,email,sku,quantity,note\nO-1,Ana,ana@example.com,MUG-BLUE,1,"ring\ntwice"\nO-2,Tom,tom@example.com,MUG-BLUE,0,\n', encoding="utf-8")
    r = cli("order", "import", orders)
    assert r.exit_code == 2 and f"'{orders}' line 4 (order O-2), column quantity:" in r.stderr
    r = cli("order", "import", orders, "--format", "json")
    assert [(p["line"], p["column"]) for p in json.loads(r.stdout)["problems"]] == [(4, "quantity")]


def test_semicolon_files_import_through_both_commands(cli, tmp_path):
    cat = tmp_path / "cat.csv"
    cat.write_text("sku;name;price;stock\nMUG;Mug, blue;18,50;5\n", encoding="utf-8-sig")
    assert cli("product", "import", cat).exit_code == 0
    orders = tmp_path / "orders.csv"
    orders.write_text("order_ref;name;email;sku;quantity;item_name;unit_price\nS-1;Lima, Ana;ana@example.com;MUG;2;;\nS-1;Lima, Ana;ana@example.com;;1;Gift wrap;2,50\n", encoding="utf-8")
    r = cli("order", "import", orders, "--format", "json")
    assert r.exit_code == 0, r.output
    s = json.loads(r.stdout)
    assert (s["created"], s["total_amount"]) == (1, "39.50")
    with sqlite3.connect(cli.url) as c:
        assert c.execute("SELECT customer_name FROM orders").fetchall() == [("Lima, Ana",)]
        assert c.execute("SELECT stock FROM product WHERE sku = 'MUG'").fetchall() == [(3,)]


def test_json_syntax_error_mid_file_names_the_line_and_writes_nothing(cli, tmp_path):
    assert cli("product", "import", EXAMPLES / "catalog.csv").exit_code == 0
    good = [{"order_ref": f"J-{i}", "customer": {"name": "Ana", "email": "ana@example.com"}, "items": [{"sku": "CARD-THANKS", "quantity": 1}]} for i in range(3)]
    text = "[\n" + ",\n".join(json.dumps(o) for o in good) + ',\n{"order_ref": "J-3", "customer": {"name": "Ana" "email": "x"}},\n' + json.dumps(good[0]) + "\n]\n"
    p = tmp_path / "orders.json"
    p.write_text(text, encoding="utf-8")
    r = cli("order", "import", p)
    assert r.exit_code == 2 and r.stdout == "" and "Traceback" not in r.stderr
    assert f"'{p}' line 5: invalid JSON" in r.stderr and "the rest of the file was not read" in r.stderr
    assert count(cli, "SELECT COUNT(*) FROM orders") == 0
