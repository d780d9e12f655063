"""Spreadsheets that open right: --dialect csv|excel|excel-fr, and imports in Windows-1252 / Latin-1."""

from __future__ import annotations

import codecs
import csv
import io
import json
import sqlite3
from decimal import Decimal

import pytest

from tests import seed
from tests.conftest import EXAMPLES


@pytest.fixture
def shop(cli):
    seed.catalog_file(cli.url, EXAMPLES / "catalog.csv")
    return cli


def q(cli, sql):
    with sqlite3.connect(cli.url) as c:
        return c.execute(sql).fetchall()


def two_orders(shop):
    r = shop("order", "create", "--name", "Léa Crème", "--email", "lea@example.com", "--item", "MUG-BLUE:2", "--item", "BOWL-RAMEN")
    assert r.exit_code == 0, r.output
    r = shop("order", "create", "--name", "Ann", "--email", "ann@example.com", "--custom-item", "Gift wrap=1250.5")
    assert r.exit_code == 0, r.output


def test_order_export_in_excel_fr_opens_in_columns_with_decimal_commas(shop, tmp_path):
    two_orders(shop)
    target = tmp_path / "fr.csv"
    r = shop("order", "export", "--dialect", "excel-fr", "--output", target)
    assert r.exit_code == 0, r.output
    raw = target.read_bytes()
    assert raw.startswith(codecs.BOM_UTF8)
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert len(rows) == 3 and rows[0]["name"] == "Léa Crème"
    assert [r["unit_price"] for r in rows] == ["18,00", "34,00", "1250,50"]
    assert rows[0]["tax_rate"] == "20"
    assert [Decimal(r["order_total"].replace(",", ".")) for r in rows] == [Decimal("70.00"), Decimal("70.00"), Decimal("1250.50")]
    # ... and the file goes back in: the import reads ; and decimal commas.
    plain = tmp_path / "plain.csv"
    assert shop("order", "export", "--output", plain).exit_code == 0
    assert plain.read_bytes()[:3] != codecs.BOM_UTF8 and b";" not in plain.read_bytes().splitlines()[0]
    assert "1250.50" in plain.read_text()
    r = shop("order", "import", target, "--dry-run")
    assert r.exit_code == 0, r.stderr


def test_excel_dialect_is_commas_with_a_bom_and_list_csv_takes_the_dialect(shop):
    two_orders(shop)
    r = shop("order", "list", "--format", "csv", "--dialect", "excel")
    assert r.exit_code == 0, r.output
    assert r.stdout.startswith("\ufeffnumber,created_at,")
    r = shop("order", "list", "--format", "csv", "--dialect", "excel-fr")
    rows = list(csv.DictReader(io.StringIO(r.stdout.lstrip("\ufeff")), delimiter=";"))
    assert sorted(x["total"] for x in rows) == ["1250,50", "70,00"]
    r = shop("order", "list", "--format", "csv")
    assert not r.stdout.startswith("\ufeff") and "1250.50" in r.stdout
    r = shop("order", "list", "--format", "csv", "--dialect", "lotus")
    assert r.exit_code == 2


def test_formula_cells_stay_neutralised_in_every_dialect(shop, tmp_path):
    r = shop("order", "create", "--name", "=HYPERLINK(1)", "--email", "x@example.com", "--item", "MUG-BLUE")
    assert r.exit_code == 0, r.output
    for dialect in ("csv", "excel", "excel-fr"):
        out = shop("order", "list", "--format", "csv", "--dialect", dialect).stdout
        assert "'=HYPERLINK(1)" in out, dialect


def test_the_errors_csv_takes_the_dialect(shop, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("order_ref,name,email,phone,sku,quantity\nF-1,Ana,ana@example.com,,NOPE,1\n", encoding="utf-8")
    errors = tmp_path / "errors.csv"
    r = shop("order", "import", bad, "--errors", errors, "--dialect", "excel-fr")
    assert r.exit_code != 0
    raw = errors.read_bytes()
    assert raw.startswith(codecs.BOM_UTF8)
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["line", "order_ref", "column", "problem", "hint"] and rows[1][:2] == ["2", "F-1"]


def test_a_windows_1252_catalog_is_imported_intact_and_the_encoding_said(cli, tmp_path):
    names = ["Crème brûlée", "Œuf cocotte", "Bière de Noël — 75 cl", "Pâté « maison »"]
    text = "sku,name,price,stock\r\n" + "".join(f"P{i},{n},{i + 1},5\r\n" for i, n in enumerate(names))
    path = tmp_path / "catalogue.csv"
    path.write_bytes(text.encode("cp1252"))  # what French Excel saves as "CSV (séparateur: point-virgule)"… with commas here
    r = cli("product", "import", path)
    assert r.exit_code == 0, r.output
    assert "read as Windows-1252" in r.stderr
    assert [n for (n,) in q(cli, "SELECT name FROM product ORDER BY sku")] == names


def test_a_french_excel_file_semicolons_cp1252_and_decimal_commas_imports(shop, tmp_path):
    text = "order_ref;name;email;phone;sku;quantity;item_name;unit_price\r\nF-1;Hélène Böhm;h@example.com;;;1;Pâte à tartiner;4,50\r\n"
    path = tmp_path / "commandes.csv"
    path.write_bytes(text.encode("cp1252"))
    r = shop("order", "import", path, "--format", "json")
    assert r.exit_code == 0, r.stderr
    assert "read as Windows-1252" in r.stderr
    assert q(shop, "SELECT customer_name, total FROM orders") == [("Hélène Böhm", 450)]
    assert json.loads(r.stdout)["created"] == 1


def test_an_explicit_encoding_wins_and_is_checked(shop, tmp_path):
    path = tmp_path / "latin.csv"
    path.write_bytes("order_ref,name,email,phone,sku,quantity\nF-1,Zoë,z@example.com,,MUG-BLUE,1\n".encode("latin-1"))
    r = shop("order", "import", path, "--encoding", "latin-1")
    assert r.exit_code == 0, r.stderr
    assert "read as" not in r.stderr  # asked for, not guessed
    assert q(shop, "SELECT customer_name FROM orders") == [("Zoë",)]
    r = shop("order", "import", path, "--encoding", "klingon")
    assert r.exit_code == 2 and "Unknown encoding" in r.stderr


def test_an_encoding_that_cannot_be_read_line_by_line_is_refused_before_the_file(shop, tmp_path):
    path = tmp_path / "utf16.csv"
    path.write_bytes("order_ref,name,email,phone,sku,quantity\nF-1,Zoë,z@example.com,,MUG-BLUE,1\n".encode("utf-16"))
    r = shop("order", "import", path, "--encoding", "utf-16")
    assert r.exit_code == 2 and "Encoding 'utf-16' cannot be read line by line." in r.stderr, r.stderr
    assert "not a text file" not in r.stderr and "Traceback" not in r.stderr
    r = shop("order", "import", tmp_path / "missing.csv", "--encoding", "klingon")  # the flag is checked first
    assert r.exit_code == 2 and "Unknown encoding 'klingon'" in r.stderr
    assert q(shop, "SELECT count(*) FROM orders") == [(0,)]


def test_utf8_with_a_bom_is_read_as_utf8_without_a_word(shop, tmp_path):
    path = tmp_path / "bom.csv"
    path.write_bytes(codecs.BOM_UTF8 + "order_ref,name,email,phone,sku,quantity\nF-1,Zoë,z@example.com,,MUG-BLUE,1\n".encode())
    r = shop("order", "import", path)
    assert r.exit_code == 0, r.stderr
    assert "read as" not in r.stderr and q(shop, "SELECT customer_name FROM orders") == [("Zoë",)]
