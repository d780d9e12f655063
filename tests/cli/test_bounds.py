"""Bounds: huge numbers, ambiguous decimal commas and unknown country codes are bad input.

Every amount and count is stored in an INTEGER column, 32-bit on PostgreSQL
(at most 2,147,483,647). The documented limits (pricing.MAX_AMOUNT,
MAX_QUANTITY, MAX_ORDER_UNITS, settings.MAX_ORDER_NUMBER) keep every stored
value inside that, and a value over a limit is a clean exit-2 error that says
the limit — the same for ``--dry-run`` and the real command — never
"Unexpected error: integer out of range". Runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import json

import pytest

from ordercli.pricing import MAX_AMOUNT
from ordercli.settings import MAX_ORDER_NUMBER
from tests.cli.test_bad_input import assert_clean_error, snapshot

PG_INTEGER_MAX = 2**31 - 1
ANA = ["--name", "Ana", "--email", "ana@example.com"]


@pytest.fixture
def shop(any_cli):
    for args in (["MUG-01", "--name", "Blue mug", "--price", "18", "--stock", "3"], ["ZINE", "--name", "Zine", "--price", "5", "--untracked"]):
        r = any_cli("product", "add", *args)
        assert r.exit_code == 0, r.stderr
    return any_cli


def ok(r):
    assert r.exit_code == 0, f"exit {r.exit_code}\nstdout: {r.stdout}\nstderr: {r.stderr}"
    return r


def create(shop, *args):
    return shop("order", "create", *ANA, *args)


def test_the_limits_fit_postgresql_integer_columns():
    assert MAX_AMOUNT == 2_000_000_000 < PG_INTEGER_MAX
    assert MAX_ORDER_NUMBER == 2_000_000_000 < PG_INTEGER_MAX


# ------------------------------------------------------------------ totals


def _customs(n: int, spec: str) -> list[str]:
    out: list[str] = []
    for i in range(1, n + 1):
        out += ["--custom-item", f"T{i}={spec}"]
    return out


@pytest.mark.parametrize(
    "args,words",
    [
        # the tester's case: each unit price alone is far over the limit
        (_customs(12, "99999999999x100000"), "too large (at most 20000000.00 EUR)"),
        # each price is fine, the subtotal is not: 12 × 2,000,000.00 = 24,000,000.00
        (_customs(12, "2000000"), "limit of 2,000,000,000"),
        # one line: 300,000.00 × 100 = 30,000,000.00
        (["--custom-item", "Crate=300000x100"], "limit of 2,000,000,000"),
        # the subtotal fits, shipping or a tip pushes the total over
        (["--custom-item", "Car=19999999", "--shipping-cost", "2"], "order total"),
        (["--custom-item", "Car=19999999", "--tip", "1.01"], "order total"),
        (["--custom-item", "Car=10000001", "--surcharge", "Fee=100%"], "limit of 2,000,000,000"),
        # a SKU given twice is one line, and one line holds at most 100,000 units
        (["--item", "ZINE:100000", "--item", "ZINE:1"], "over the limit of 100,000 per line"),
    ],
    ids=["unit-price", "subtotal", "line-total", "shipping", "tip", "surcharge", "merged-sku"],
)
def test_dry_run_and_create_refuse_the_same_too_large_order(shop, args, words):
    before = snapshot(shop.url)
    dry = assert_clean_error(create(shop, *args, "--dry-run"), 2)
    real = assert_clean_error(create(shop, *args), 2)
    assert words in dry
    assert dry == real
    assert snapshot(shop.url) == before


def test_an_order_at_the_limit_is_stored_and_read_back(shop):
    # 20,000,000.00 exactly: the most one order can be, and it fits the columns
    data = json.loads(ok(create(shop, "--custom-item", "Tractor=10000000x2", "--format", "json")).stdout)
    number = str(data["number"])
    shown = json.loads(ok(shop("order", "show", number, "--format", "json")).stdout)
    assert shown["total"] == "20000000.00"
    ok(shop("order", "pay", number, "--amount", "20000000"))
    shown = json.loads(ok(shop("order", "show", number, "--format", "json")).stdout)
    assert shown["payment_status"] == "PAID"


def test_an_edit_cannot_take_an_order_over_the_limit(shop):
    number = str(json.loads(ok(create(shop, "--custom-item", "Tractor=10000000", "--format", "json")).stdout)["number"])
    before = snapshot(shop.url)
    err = assert_clean_error(shop("order", "edit", number, "--set-price", "Tractor=20000000", "--add-custom-item", "Hitch=1"), 2)
    assert "limit of 2,000,000,000" in err
    assert snapshot(shop.url) == before


@pytest.mark.parametrize(
    "args",
    [
        ["product", "add", "BIG", "--name", "Big", "--price", "20000000.01", "--stock", "1"],
        ["product", "add", "BIG", "--name", "Big", "--price", "99999999999999999999", "--stock", "1"],
        ["product", "add", "BIG", "--name", "Big", "--price", "9" * 5000, "--stock", "1"],
        ["product", "edit", "MUG-01", "--price", "30000000"],
    ],
    ids=["cent-over", "20-digits", "5000-digits", "edit"],
)
def test_a_price_over_the_limit_is_refused(shop, args):
    before = snapshot(shop.url)
    err = assert_clean_error(shop(*args), 2)
    assert "too large (at most 20000000.00 EUR)" in err
    assert snapshot(shop.url) == before


def test_a_price_at_the_limit_is_stored(shop):
    ok(shop("product", "add", "BIG", "--name", "Big", "--price", "20000000", "--stock", "1"))
    data = json.loads(ok(shop("product", "show", "BIG", "--format", "json")).stdout)
    assert data["price"] == "20000000.00"


@pytest.mark.parametrize("stock", ["99999999999999999999", "3000000000"])
def test_a_stock_over_the_limit_is_refused(shop, stock):
    before = snapshot(shop.url)
    err = assert_clean_error(shop("product", "add", "NEW1", "--name", "x", "--price", "1", "--stock", stock), 2)
    assert "at most 1,000,000,000" in err
    assert snapshot(shop.url) == before


@pytest.mark.parametrize(
    "args,words",
    [
        (["product", "stock", "MUG-01", "--set", "3000000000"], "at most 1,000,000,000"),
        (["product", "stock", "MUG-01", "--add", "99999999999999999999"], "at most 1,000,000,000"),
        (["product", "stock", "MUG-01", "--add", "999999999"], "would be 1,000,000,002"),
        (["product", "edit", "ZINE", "--stock", "99999999999999999999"], "at most 1,000,000,000"),
    ],
)
def test_stock_changes_over_the_limit_are_refused(shop, args, words):
    before = snapshot(shop.url)
    err = assert_clean_error(shop(*args), 2)
    assert words in err
    assert snapshot(shop.url) == before


def test_a_stock_at_the_limit_is_fine_and_low_stock_takes_any_number(shop):
    ok(shop("product", "stock", "MUG-01", "--add", "999999997"))
    listed = json.loads(ok(shop("product", "list", "--low-stock", "99999999999999999999", "--format", "json")).stdout)
    assert [(p["sku"], p["stock"]) for p in listed] == [("MUG-01", 1_000_000_000)]


@pytest.mark.parametrize(
    "cell,words",
    [('"1,000"', "ambiguous"), ("1.000", "ambiguous"), ("3000000000", "over the limit of 1,000,000,000"), ("99999999999999999999", "over the limit")],
)
def test_catalog_csv_stock_that_is_ambiguous_or_too_big_writes_nothing(shop, tmp_path, cell, words):
    f = tmp_path / "catalog.csv"
    f.write_text(f"sku,name,price,stock\nNEW-1,New,2.50,4\nNEW-2,Other,3.00,{cell}\n")
    before = snapshot(shop.url)
    err = assert_clean_error(shop("product", "import", str(f), "--strict"), 2)
    assert "line 3" in err and words in err
    assert snapshot(shop.url) == before


def test_catalog_csv_whole_numbers_written_as_decimals_are_read(shop, tmp_path):
    f = tmp_path / "catalog.csv"
    f.write_text('sku,name,price,stock\nNEW-1,New,2.50,4.0\nNEW-2,Other,3.00,"12,00"\n')
    ok(shop("product", "import", str(f)))
    listed = {p["sku"]: p["stock"] for p in json.loads(ok(shop("product", "list", "--format", "json")).stdout)}
    assert (listed["NEW-1"], listed["NEW-2"]) == (4, 12)


# ------------------------------------------------------------ order numbers


@pytest.mark.parametrize("value", ["99999999999999999999999", "9223372036854775807", str(PG_INTEGER_MAX), str(MAX_ORDER_NUMBER + 1), "9" * 5000])
def test_next_number_over_the_limit_is_refused(shop, value):
    before = snapshot(shop.url)
    err = assert_clean_error(shop("config", "set", "order.next_number", value), 2)
    assert "at most 2,000,000,000" in err
    assert snapshot(shop.url) == before
    assert ok(shop("config", "get", "order.next_number")).stdout.strip() == "1001"


def test_next_number_at_the_limit_leaves_room_for_more_orders(shop):
    ok(shop("config", "set", "order.next_number", str(MAX_ORDER_NUMBER)))
    numbers = [json.loads(ok(create(shop, "--item", "ZINE", "--format", "json")).stdout)["number"] for _ in range(3)]
    assert [int(str(n)) for n in numbers] == [MAX_ORDER_NUMBER, MAX_ORDER_NUMBER + 1, MAX_ORDER_NUMBER + 2]


def test_other_numeric_settings_are_bounded(shop):
    # a huge SMTP timeout used to be accepted and overflowed timedelta() when the outbox ran
    assert "at most 600" in assert_clean_error(shop("config", "set", "smtp.timeout", "99999999999999999999"), 2)
    assert "at most 1,000" in assert_clean_error(shop("config", "set", "outbox.max_attempts", "99999999999999999999"), 2)
    ok(shop("config", "set", "smtp.timeout", "30"))


# ------------------------------------------------------- 1,250: 1250 or 1.25?


AMBIGUOUS = "1,250 is ambiguous: write 1250 or 1.25"


def test_an_ambiguous_comma_is_refused_everywhere(shop, tmp_path):
    number = str(json.loads(ok(create(shop, "--item", "MUG-01", "--format", "json")).stdout)["number"])
    before = snapshot(shop.url)
    for args in (
        ["order", "create", *ANA, "--custom-item", "Thing=1,250"],
        ["order", "create", *ANA, "--custom-item", "Thing=1,250", "--dry-run"],
        ["order", "create", *ANA, "--item", "MUG-01", "--tip", "1,250"],
        ["order", "edit", number, "--set-price", "MUG-01=1,250"],
        ["order", "pay", number, "--amount", "1,250"],
        ["product", "add", "NEW1", "--name", "x", "--price", "1,250", "--stock", "1"],
        ["product", "edit", "MUG-01", "--price", "€1,250"],
    ):
        err = assert_clean_error(shop(*args), 2)
        assert AMBIGUOUS in err, args
    # the catalog CSV reads prices with the same parser
    csv = tmp_path / "catalog.csv"
    csv.write_text("sku;name;price;stock\nNEW2;Thing;1,250;1\n", encoding="utf-8")
    err = assert_clean_error(shop("product", "import", str(csv)), 2)
    assert "line 2" in err and AMBIGUOUS in err
    assert snapshot(shop.url) == before


def test_a_decimal_comma_with_one_or_two_decimals_still_works(shop, tmp_path):
    data = json.loads(ok(create(shop, "--custom-item", "Thing=12,50", "--custom-item", "Other=12,5x2", "--format", "json")).stdout)
    assert data["total"] == "37.50"
    ok(shop("product", "add", "NEW1", "--name", "x", "--price", "0,250", "--stock", "1"))  # 0,250 can only be 0.25
    assert json.loads(ok(shop("product", "show", "NEW1", "--format", "json")).stdout)["price"] == "0.25"
    csv = tmp_path / "catalog.csv"
    csv.write_text("sku;name;price;stock\nNEW2;Thing;12,50;1\n", encoding="utf-8")
    ok(shop("product", "import", str(csv)))
    assert json.loads(ok(shop("product", "show", "NEW2", "--format", "json")).stdout)["price"] == "12.50"


# ------------------------------------------------------------ country codes


@pytest.mark.parametrize(
    "args,words",
    [
        (["--ship-country", "XX", "--bill-country", "zz"], "Unknown country code 'XX'"),
        (["--bill-country", "zz"], "Unknown country code 'zz'"),
        (["--ship-country", "EU"], "Unknown country code 'EU'"),
        (["--ship-country", "UN"], "Unknown country code 'UN'"),
        (["--ship-country", "France"], "FR for France"),
    ],
)
def test_a_country_code_must_be_a_real_iso_code(shop, args, words):
    before = snapshot(shop.url)
    err = assert_clean_error(create(shop, "--item", "MUG-01", "--ship-street", "1 rue X", "--ship-city", "Paris", *args), 2)
    assert words in err
    assert snapshot(shop.url) == before


def test_real_country_codes_are_accepted_in_any_case(shop):
    data = json.loads(
        ok(create(shop, "--item", "MUG-01", "--ship-street", "1 rue X", "--ship-city", "Paris", "--ship-postal-code", "75001", "--ship-country", "fr", "--bill-country", "Gb", "--format", "json")).stdout
    )
    assert data["shipping_address"]["country"] == "FR"
    assert data["billing_address"]["country"] == "GB"
