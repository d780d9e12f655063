"""`ordercli report day|sales --dialect csv|excel|excel-fr`: French Excel reads ; and decimal commas."""

from __future__ import annotations

import codecs
import csv
import io
from decimal import Decimal

from tests.cli.test_report_cli import TILL, sell, shop  # noqa: F401 - the fixture


def _read_fr(text: str) -> list[list[str]]:
    assert text.startswith(codecs.BOM_UTF8.decode("utf-8")), text[:10]
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))


def test_day_in_excel_fr_has_semicolons_decimal_commas_and_a_bom(shop):  # noqa: F811
    r = shop("report", "day", "--format", "csv", "--dialect", "excel-fr")
    assert r.exit_code == 0, r.stderr
    rows = _read_fr(r.stdout)
    assert rows[0] == ["section", "key", "value", "currency"]
    figures = {(s, k): v for s, k, v, _c in rows[1:]}
    assert figures[("day", "net_sales")] == "25,00"
    assert figures[("day", "tips")] == "1,50"
    assert figures[("by_method", "cash")] == "23,50"
    assert figures[("by_rate_tax", "20")] == "3,67"
    assert figures[("day", "orders")] == "2" and figures[("item_quantity", "EVIL")] == "3"  # counts stay counts
    assert Decimal(figures[("day", "gross_sales")].replace(",", ".")) == Decimal("27.00")
    # the default stays the plain CSV scripts read
    plain = shop("report", "day", "--format", "csv").stdout
    assert not plain.startswith("\ufeff") and ",25.00," in plain


def test_sales_in_excel_fr_and_excel(shop):  # noqa: F811
    r = shop("report", "sales", "--since", "today", "--by", "product", "--dialect", "excel-fr")  # --dialect implies CSV
    assert r.exit_code == 0, r.stderr
    rows = _read_fr(r.stdout)
    assert rows[0] == ["product", "name", "count", "amount", "currency"]
    by_sku = {row[0]: row for row in rows[1:]}
    assert by_sku["MUG"][3] == "22,00" and by_sku["EVIL"][3] == "3,00"
    assert by_sku["EVIL"][1].startswith("'=SUM(1)")  # a formula stays neutralised
    r = shop("report", "sales", "--since", "today", "--format", "csv", "--dialect", "excel")
    assert r.stdout.startswith("\ufeffday,name,count,amount,currency")
    assert list(csv.reader(io.StringIO(r.stdout.lstrip("\ufeff"))))[1][3] == "25.00"


def test_a_dialect_with_json_or_an_unknown_dialect_is_refused(shop):  # noqa: F811
    r = shop("report", "day", "--format", "json", "--dialect", "excel-fr")
    assert r.exit_code == 2 and "for CSV" in r.stderr and "Traceback" not in r.stderr
    assert shop("report", "sales", "--since", "today", "--format", "csv", "--dialect", "lotus").exit_code == 2
