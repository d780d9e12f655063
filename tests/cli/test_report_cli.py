"""`ordercli report day|sales` in-process: JSON keys and decimal strings, CSV one row per figure, bad input."""

from __future__ import annotations

import csv
import io
import json

import pytest

from tests.conftest import Cli

TILL = {"ORDERCLI_TILL": "stall-1"}
DAY_KEYS = {"date", "currency", "orders", "gross_sales", "discounts", "refunds", "net_sales", "tips", "balance_due", "by_method", "by_rate", "items", "to_reorder"}


@pytest.fixture
def shop(sqlite_url) -> Cli:
    c = Cli(sqlite_url)
    assert c("product", "add", "MUG", "--name", "Mug", "--price", "12.00", "--stock", "4", "--tax-rate", "20").exit_code == 0
    assert c("product", "add", "EVIL", "--name", "=SUM(1) [red]Evil[/red]", "--price", "1.00", "--untracked").exit_code == 0
    assert c("till", "open", "--float", "50", env=TILL).exit_code == 0
    n1 = sell(c, "--item", "MUG:2", "--discount", "2.00", "--tip", "1.50")  # 24 − 2 + 1.50 = 23.50
    assert c("order", "pay", n1, "--method", "cash", "--tendered", "25", env=TILL).exit_code == 0
    n2 = sell(c, "--item", "EVIL:3")  # 3.00, not paid
    assert n2
    return c


def sell(c, *args) -> str:
    r = c("order", "create", "--name", "Ana", "--email", "ana@example.com", *args, "--format", "json", env=TILL)
    assert r.exit_code == 0, r.stderr
    return json.loads(r.stdout)["number"]


def test_day_as_json(shop):
    r = shop("report", "day", "--format", "json")
    assert r.exit_code == 0, r.stderr
    d = json.loads(r.stdout)
    assert DAY_KEYS <= set(d)
    assert (d["currency"], d["orders"], d["gross_sales"], d["discounts"], d["refunds"], d["net_sales"], d["tips"], d["balance_due"]) == (
        "EUR", 2, "27.00", "2.00", "0.00", "25.00", "1.50", "3.00"
    )
    assert d["by_method"] == [{"method": "cash", "count": 1, "amount": "23.50", "refunds": "0.00"}]
    assert d["by_rate"] == [{"rate": "0", "net": "3.00", "tax": "0.00", "gross": "3.00"}, {"rate": "20", "net": "18.33", "tax": "3.67", "gross": "22.00"}]
    assert [(i["sku"], i["quantity"], i["revenue"]) for i in d["items"]] == [("MUG", 2, "22.00"), ("EVIL", 3, "3.00")]
    assert d["to_reorder"] == [{"sku": "MUG", "name": "Mug", "stock": 2}]
    assert d["cash_expected"] == "73.50"
    assert d["payments_without_session"]["count"] == 0


def test_day_as_csv_one_row_per_figure(shop):
    r = shop("report", "day", "--format", "csv")
    assert r.exit_code == 0
    rows = list(csv.reader(io.StringIO(r.stdout)))
    assert rows[0] == ["section", "key", "value", "currency"]
    figures = {(s, k): v for s, k, v, _c in rows[1:]}
    assert figures[("day", "net_sales")] == "25.00" and figures[("day", "orders")] == "2"
    assert figures[("by_method", "cash")] == "23.50"
    assert figures[("item_quantity", "EVIL")] == "3"


def test_day_as_tables(shop):
    r = shop("report", "day")
    assert r.exit_code == 0
    assert "Net sales" in r.stdout and "€25.00" in r.stdout and "[red]Evil[/red]" in r.stdout
    assert "To reorder" in r.stdout


def test_payments_without_a_session_are_flagged(shop):
    n = sell(shop, "--item", "MUG:1")
    assert shop("order", "pay", n, "--method", "card", env={"ORDERCLI_TILL": "stall-9"}).exit_code == 0
    r = shop("report", "day")
    assert "1 payment(s) of €12.00 were taken with no till session open (till stall-9)" in r.stderr
    d = json.loads(shop("report", "day", "--till", "stall-9", "--format", "json").stdout)
    assert (d["orders"], d["payments_without_session"]["count"], d["till"]) == (1, 1, "stall-9")


def test_other_days_and_bad_input(shop):
    d = json.loads(shop("report", "day", "--date", "yesterday", "--format", "json").stdout)
    assert (d["orders"], d["gross_sales"]) == (0, "0.00")
    r = shop("report", "day", "--date", "26/11/2026")
    assert r.exit_code == 2 and "YYYY-MM-DD" in r.stderr and r.stdout == ""
    r = shop("report", "sales", "--since", "today", "--by", "weekday")
    assert r.exit_code == 2 and "day, product, method, till, hour" in r.stderr
    r = shop("report", "sales", "--since", "today", "--until", "yesterday")
    assert r.exit_code == 2


def test_sales(shop):
    d = json.loads(shop("report", "sales", "--since", "yesterday", "--by", "day", "--format", "json").stdout)
    assert [(x["count"], x["amount"]) for x in d["rows"]] == [(0, "0.00"), (2, "25.00")]
    d = json.loads(shop("report", "sales", "--since", "today", "--by", "method", "--format", "json").stdout)
    assert d["rows"] == [{"key": "cash", "count": 1, "amount": "23.50", "refunds": "0.00"}] and d["total"] == "23.50"
    r = shop("report", "sales", "--since", "today", "--by", "product", "--format", "csv")
    assert r.stdout.splitlines()[1:] == ["MUG,Mug,2,22.00,EUR", "EVIL,'=SUM(1) [red]Evil[/red],3,3.00,EUR"]
    r = shop("report", "sales", "--since", "today", "--by", "till")
    assert r.exit_code == 0 and "stall-1" in r.stdout


def test_store_settings_shape_the_report(shop):
    assert shop("config", "set", "payment.methods", "cash=Caisse,card=CB,lydia=Lydia").exit_code == 0
    r = shop("report", "day")
    assert "Caisse" in r.stdout
    r = shop("config", "set", "store.timezone", "Mars/Olympus")
    assert r.exit_code == 2 and "IANA" in r.stderr
    assert shop("config", "set", "store.timezone", "Pacific/Kiritimati").exit_code == 0  # UTC+14: today's sales were made "yesterday" there or today
    assert shop("config", "set", "stock.low_threshold", "0").exit_code == 0
    d = json.loads(shop("report", "day", "--format", "json").stdout)
    assert d["to_reorder"] == [] and d["low_stock_threshold"] == 0
