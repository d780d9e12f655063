"""Money, percents, the command-line mini-languages, contacts and status names."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ordercli.domain import (
    MAX_NAME,
    MAX_QTY,
    MAX_STOCK,
    check_stock,
    clean_text,
    normalize_country,
    normalize_email,
    normalize_phone,
    parse_adjustment,
    parse_custom_item,
    parse_item_spec,
    parse_quantity,
    parse_surcharge,
)
from ordercli.errors import EXIT_USAGE, InputError
from ordercli.money import (
    MAX_MINOR,
    currency_decimals,
    format_money,
    parse_decimal,
    parse_money,
    parse_percent,
    percent_str,
    to_decimal,
    to_decimal_str,
)
from ordercli.pricing import MAX_AMOUNT, MAX_ORDER_UNITS, MAX_QUANTITY, Adjustment, LimitError, LineIn, compute_totals
from ordercli.settings import MAX_ORDER_NUMBER, validate
from ordercli.statuses import FulfillmentStatus, PaymentStatus, parse_fulfillment_status, parse_payment_status, words


def _input_error(fn, *args, **kw) -> InputError:
    with pytest.raises(InputError) as ei:
        fn(*args, **kw)
    e = ei.value
    assert e.exit_code == EXIT_USAGE
    assert e.message and "\n" not in e.message
    assert e.hint, "every input error says what to do"
    return e


# ------------------------------------------------------------------- money


@pytest.mark.parametrize(
    "text,minor",
    [
        ("12.50", 1250),
        ("12,50", 1250),  # decimal comma
        ("€12.50", 1250),
        ("12.50 EUR", 1250),
        ("EUR 12.50", 1250),
        ("  7 ", 700),
        ("0", 0),
        ("0.05", 5),
        (".5", 50),
        ("5.", 500),
        ("18", 1800),
        ("1 000", 100000),  # a space as thousands separator
        ("12.5", 1250),
    ],
)
def test_parse_money_reads_what_people_type(text, minor):
    assert parse_money(text, "EUR") == minor


@pytest.mark.parametrize(
    "text",
    ["", "   ", "abc", "12.345", "1e9999", "1E5", "NaN", "nan", "inf", "-inf", "Infinity", "12.5.0", "1,000.50", "1.000,50", "0x10", "12;50", "--1"],
)
def test_parse_money_refuses_junk(text):
    e = _input_error(parse_money, text, "EUR", what="price")
    assert "price" in e.message


def test_parse_money_refuses_negative_unless_allowed():
    e = _input_error(parse_money, "-1.00", "EUR", what="tip")
    assert "negative" in e.message
    assert parse_money("-1.00", "EUR", allow_negative=True) == -100


def test_parse_money_refuses_absurd_amounts():
    assert parse_money(str(Decimal(MAX_MINOR) / 100), "EUR") == MAX_MINOR
    e = _input_error(parse_money, "99999999999999999999", "EUR")
    assert "too large" in e.message


# A comma and exactly three digits: a thousands separator (1250) or decimals (1.25)?
@pytest.mark.parametrize(
    "text,choices",
    [
        ("1,250", "1,250 is ambiguous: write 1250 or 1.25"),
        ("€1,250", "1,250 is ambiguous: write 1250 or 1.25"),
        ("1,250 EUR", "1,250 is ambiguous: write 1250 or 1.25"),
        ("1,000", "1,000 is ambiguous: write 1000 or 1.00"),
        ("12,345", "12,345 is ambiguous: write 12345 or 12.345"),
        ("-1,250", "-1,250 is ambiguous: write -1250 or -1.25"),
    ],
)
def test_a_comma_and_three_digits_is_ambiguous(text, choices):
    e = _input_error(parse_money, text, "EUR", what="price", allow_negative=True)
    assert choices in e.message and "price" in e.message
    assert "1250 or 1.25" in e.hint


def test_ambiguous_commas_are_refused_by_every_amount_parser():
    assert "ambiguous" in _input_error(parse_custom_item, "Thing=1,250", "EUR").message
    assert "ambiguous" in _input_error(parse_surcharge, "Fee=1,250", "EUR").message
    assert "ambiguous" in _input_error(parse_adjustment, "1,250", "EUR", "discount").message
    assert "ambiguous" in _input_error(parse_percent, "12,500", "rate").message
    assert "ambiguous" in _input_error(parse_money, "1,250", "KWD").message  # even where 3 decimals exist


@pytest.mark.parametrize("text,minor", [("12,50", 1250), ("12,5", 1250), ("1,2", 120), ("0,250", 25), (",25", 25), ("1,2500", 125), ("1 250", 125000)])
def test_a_decimal_comma_that_is_not_ambiguous_still_works(text, minor):
    assert parse_money(text, "EUR") == minor


@pytest.mark.parametrize("text", ["9" * 40, "9" * 30 + ".5", "1" + "0" * 5000, "9" * 5000 + ",250", "-" + "9" * 40])
def test_huge_amounts_are_input_errors_not_crashes(text):
    e = _input_error(parse_money, text, "EUR", allow_negative=True)
    assert len(e.message) < 200, "the error must not echo huge input"


def test_huge_percents_and_quantities_are_input_errors_not_crashes():
    assert "between 0 and 100" in _input_error(parse_percent, "9" * 40, "discount").message
    assert f"at most {MAX_QTY}" in _input_error(parse_quantity, "9" * 5000).message
    assert len(_input_error(parse_quantity, "9" * 5000).message) < 200


def test_the_money_limit_fits_a_postgresql_integer_column():
    assert MAX_MINOR == MAX_AMOUNT == 2_000_000_000 < 2**31 - 1
    assert parse_money("20000000", "EUR") == MAX_MINOR
    e = _input_error(parse_money, "20000000.01", "EUR", what="unit price")
    assert "too large (at most 20000000.00 EUR)" in e.message
    assert parse_money("2000000000", "JPY") == MAX_MINOR
    assert "at most 2000000000 JPY" in _input_error(parse_money, "2000000001", "JPY").message
    assert "at most 2000000.000 KWD" in _input_error(parse_money, "2000000.001", "KWD").message


def test_parse_money_follows_the_currency_minor_units():
    assert currency_decimals("EUR") == 2 and currency_decimals("jpy") == 0 and currency_decimals("KWD") == 3
    assert parse_money("500", "JPY") == 500
    e = _input_error(parse_money, "500.5", "JPY")
    assert "0 decimal places" in e.message
    assert parse_money("1.234", "KWD") == 1234
    _input_error(parse_money, "1.2345", "KWD")
    _input_error(parse_money, "12.345", "EUR")


@settings(deadline=None)  # the machine may be busy: no timing flakes
@given(st.integers(min_value=0, max_value=MAX_MINOR), st.sampled_from(["EUR", "USD", "JPY", "KWD", "GBP"]))
def test_money_text_round_trips(minor, currency):
    assert parse_money(to_decimal_str(minor, currency), currency) == minor


def test_decimal_strings_for_json():
    assert to_decimal_str(1250) == "12.50"
    assert to_decimal_str(5) == "0.05"
    assert to_decimal_str(0) == "0.00"
    assert to_decimal_str(-5) == "-0.05"
    assert to_decimal_str(500, "JPY") == "500"
    assert to_decimal_str(1, "KWD") == "0.001"
    assert to_decimal(1250) == Decimal("12.50")


def test_format_money_for_screens():
    assert format_money(123456, "EUR") == "€1,234.56"
    assert format_money(-50, "USD") == "-$0.50"
    assert format_money(500, "JPY") == "¥500"
    assert format_money(1234, "CHF") == "12.34 CHF"
    assert format_money(1250, "EUR", "fr_FR").replace("\u202f", " ").replace("\xa0", " ") == "12,50 €"
    assert format_money(1250, "EUR", "xx_NOPE") == "€12.50"  # unknown locale: cheap form


def test_parse_decimal_keeps_exact_decimals():
    assert parse_decimal("0.1") + parse_decimal("0.2") == Decimal("0.3")


# ----------------------------------------------------------------- percent


@pytest.mark.parametrize("text,bp", [("12.5", 1250), ("12.5%", 1250), (" 20 % ", 2000), ("0", 0), ("100", 10000), ("5,5", 550), ("0.01", 1)])
def test_parse_percent(text, bp):
    assert parse_percent(text) == bp


@pytest.mark.parametrize("text", ["101", "-1", "12.555", "abc", "", "%", "NaN", "1e2"])
def test_parse_percent_refuses(text):
    _input_error(parse_percent, text, "discount")


def test_percent_str():
    assert percent_str(1250) == "12.5"
    assert percent_str(2000) == "20"
    assert percent_str(5) == "0.05"
    assert percent_str(0) == "0"


# ------------------------------------------------------------- --item


@pytest.mark.parametrize(
    "spec,sku,qty",
    [("MUG-01", "MUG-01", 1), ("MUG-01:3", "MUG-01", 3), (" MUG-01 : 2 ", "MUG-01", 2), ("mug-01:1", "mug-01", 1), ("A:B:3", "A:B", 3), (f"X:{MAX_QTY}", "X", MAX_QTY)],
)
def test_item_spec(spec, sku, qty):
    item = parse_item_spec(spec)
    assert (item.sku, item.quantity, item.is_custom) == (sku, qty, False)


@pytest.mark.parametrize(
    "spec,words_in_message",
    [
        ("SKU:0", "at least 1"),
        ("SKU:-1", "at least 1"),
        ("SKU:abc", "whole number"),
        ("SKU:1.5", "whole number"),
        ("SKU:", "whole number"),
        (":2", "missing SKU"),
        ("", "Empty --item"),
        (f"SKU:{MAX_QTY + 1}", f"at most {MAX_QTY}"),
    ],
)
def test_item_spec_refuses(spec, words_in_message):
    e = _input_error(parse_item_spec, spec)
    assert words_in_message in e.message
    if spec:
        assert repr(spec.strip()) in e.message  # names what was typed
    assert "--item" in e.message + e.hint


def test_parse_quantity():
    assert parse_quantity("7") == 7
    assert parse_quantity("+2") == 2
    for bad in ["0", "-3", "two", "1e3", ""]:
        _input_error(parse_quantity, bad)


# -------------------------------------------------------- --custom-item


@pytest.mark.parametrize(
    "spec,name,price,qty",
    [
        ("Gift wrap=2.50", "Gift wrap", 250, 1),
        ("Gift wrap=2.50x2", "Gift wrap", 250, 2),
        ("Gift wrap=2,50 x 3", "Gift wrap", 250, 3),
        ("Box=1.00*4", "Box", 100, 4),
        ("Tea=3×2", "Tea", 300, 2),
        ("Wax candle=7", "Wax candle", 700, 1),
        ("A=B=1.00", "A=B", 100, 1),
        ("Free sample=0", "Free sample", 0, 1),
    ],
)
def test_custom_item(spec, name, price, qty):
    item = parse_custom_item(spec, "EUR")
    assert item.is_custom and item.sku is None
    assert (item.name, item.unit_price, item.quantity) == (name, price, qty)


@pytest.mark.parametrize("spec", ["Gift wrap", "=2.50", "Gift=", "Gift=abc", "Gift=1e9999", "Gift=NaN", "Gift=2.50x0", "Gift=2.50x-1", "Gift=2.50x", "Gift=-2", "Gift=2.505"])
def test_custom_item_refuses(spec):
    e = _input_error(parse_custom_item, spec, "EUR")
    assert "--custom-item" in e.message


def test_custom_item_name_is_checked_like_any_name():
    _input_error(parse_custom_item, "Bad\x07name=1", "EUR")
    _input_error(parse_custom_item, "x" * (MAX_NAME + 1) + "=1", "EUR")


def test_custom_item_price_uses_the_currency():
    assert parse_custom_item("Tea=300", "JPY").unit_price == 300
    _input_error(parse_custom_item, "Tea=3.5", "JPY")


# ------------------------------------------------ --surcharge / --discount


def test_surcharge_amount_and_percent():
    s = parse_surcharge("Card fee=1.5%", "EUR")
    assert (s.label, s.percent, s.amount) == ("Card fee", 150, None)
    s = parse_surcharge("Delivery=3,00", "EUR")
    assert (s.label, s.percent, s.amount) == ("Delivery", None, 300)
    s = parse_surcharge("a=b=1", "EUR")
    assert s.label == "a=b" and s.amount == 100


@pytest.mark.parametrize("spec", ["Fee", "=3", "Fee=", "Fee=-1", "Fee=101%", "Fee=abc", "Fee=1e9999", "Fee=NaN%", "Bad\nlabel=1"])
def test_surcharge_refuses(spec):
    _input_error(parse_surcharge, spec, "EUR")


def test_discount_percent_or_amount():
    d = parse_adjustment("10%", "EUR", "discount")
    assert (d.percent, d.amount) == (1000, None)
    d = parse_adjustment("5.00", "EUR", "discount")
    assert (d.percent, d.amount) == (None, 500)
    d = parse_adjustment("2,5 %", "EUR", "discount")
    assert d.percent == 250


@pytest.mark.parametrize("text", ["150%", "-5%", "-5", "abc", "NaN", "1e9999", "12.345"])
def test_discount_refuses(text):
    e = _input_error(parse_adjustment, text, "EUR", "discount")
    assert "discount" in e.message


# ------------------------------------------------------------------ text


def test_clean_text_strips_and_treats_blank_as_missing():
    assert clean_text("  Ana Lima ", "name") == "Ana Lima"
    assert clean_text("   ", "name") is None
    assert clean_text(None, "name") is None
    assert _input_error(clean_text, "  ", "customer name", required=True).message == "The customer name cannot be empty."
    _input_error(clean_text, None, "customer name", required=True)


@pytest.mark.parametrize("text", ["Ana\nLima", "Ana\rLima", "Ana\x00", "Ana\x07Lima", "\x1b[31mred", "Ana\u202eamiL", "Ana\x7f"])
def test_clean_text_refuses_line_breaks_and_control_characters(text):
    e = _input_error(clean_text, text, "customer name")
    assert "customer name" in e.message


def test_multiline_text_allows_line_breaks_but_not_controls():
    assert clean_text("line 1\nline 2", "note", multiline=True) == "line 1\nline 2"
    _input_error(clean_text, "bell\x07", "note", multiline=True)


def test_clean_text_length_limit():
    assert clean_text("x" * MAX_NAME, "name") == "x" * MAX_NAME
    e = _input_error(clean_text, "x" * 10_000, "customer name")
    assert "10000" in e.message and str(MAX_NAME) in e.message


def test_clean_text_keeps_unicode_and_sql_looking_text_verbatim():
    for text in ["Zoë Ødegård", "李小龙", "👩‍🍳 Chef", "Robert'); DROP TABLE orders;--", "50% off_sale \\ %"]:
        assert clean_text(text, "name") == text


# -------------------------------------------------------------- contacts


def test_email_is_normalised():
    assert normalize_email(" Ana.Lima@Example.COM ") == "ana.lima@example.com"
    assert normalize_email("") is None
    assert normalize_email(None) is None


@pytest.mark.parametrize("text", ["ana", "ana@", "@example.com", "ana@@example.com", "ana lima@example.com", "ana@example..com"])
def test_bad_email_is_refused(text):
    e = _input_error(normalize_email, text)
    assert "email" in e.message.lower()


def test_phone_is_normalised_to_e164():
    assert normalize_phone("+33 6 12 34 56 78", None) == "+33612345678"
    assert normalize_phone("06 12 34 56 78", "FR") == "+33612345678"
    assert normalize_phone("06.12.34.56.78", "fr") == "+33612345678"
    assert normalize_phone("(650) 253-0000", "US") == "+16502530000"
    assert normalize_phone("+1 650 253 0000", "FR") == "+16502530000"  # +country wins over the region
    assert normalize_phone("  ", "FR") is None


def test_national_phone_without_a_region_says_how_to_fix_it():
    e = _input_error(normalize_phone, "06 12 34 56 78", None)
    assert "store.phone_region" in e.hint


@pytest.mark.parametrize("text", ["123", "+33 1", "abc", "+999 123456789", "06 12 34 56 78 99 99"])
def test_bad_phone_is_refused(text):
    _input_error(normalize_phone, text, "FR")


def test_country_codes():
    assert normalize_country(" fr ") == "FR"
    assert normalize_country("") is None
    for bad in ["FRA", "F", "12", "France"]:
        _input_error(normalize_country, bad)


@pytest.mark.parametrize("code", ["XX", "zz", "ZZ", "AA", "QQ", "EU", "EZ", "UN", "QO", "XA", "AC", "IC", "001", "150"])
def test_country_codes_must_be_assigned_iso_codes(code):
    e = _input_error(normalize_country, code)
    assert repr(code) in e.message and "ISO" in e.hint


@pytest.mark.parametrize("code", ["FR", "de", "Us", "GB", "AQ", "AX", "BQ", "CW", "SS", "SX", "PS", "TW", "XK"])
def test_real_country_codes_are_accepted(code):
    assert normalize_country(code) == code.upper()


def test_the_country_list_is_iso_3166_1():
    from ordercli.domain import _countries

    # the 249 codes ISO 3166-1 assigns, plus XK (Kosovo, user-assigned, used by the EU and carriers)
    assert len(_countries()) == 250 and "XK" in _countries()
    assert all(len(c) == 2 and c.isalpha() and c.isupper() for c in _countries())


def test_a_country_name_gets_its_code_suggested():
    assert "FR for France" in _input_error(normalize_country, "France").hint
    assert "DE for Germany" in _input_error(normalize_country, " germany ").hint


def test_country_check_loads_babel_only_when_a_country_is_given():
    import subprocess
    import sys

    code = "import sys, ordercli.domain as d; a = 'babel' in sys.modules; d.normalize_country('FR'); print(a, 'babel' in sys.modules)"
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert r.stdout.split() == ["False", "True"], r.stderr


# ------------------------------------------------------------------ limits


def _limit_error(**kw) -> str:
    lines = kw.pop("lines")
    with pytest.raises(LimitError) as ei:
        compute_totals(lines, **kw)
    text = str(ei.value)
    assert "discount" not in text  # services/orders.py turns any "discount" error into "discount too large"
    return text


def test_pricing_refuses_amounts_over_the_limit_and_says_it():
    at_limit = compute_totals([LineIn(MAX_AMOUNT // 2, 2)])
    assert at_limit.total == MAX_AMOUNT
    assert "limit of 2,000,000,000 (20,000,000.00" in _limit_error(lines=[LineIn(MAX_AMOUNT + 1, 1)])
    assert "total of line 2" in _limit_error(lines=[LineIn(1, 1), LineIn(MAX_AMOUNT // 2 + 1, 2)])
    assert "subtotal" in _limit_error(lines=[LineIn(MAX_AMOUNT // 2 + 1, 1), LineIn(MAX_AMOUNT // 2, 1)])
    assert "shipping" in _limit_error(lines=[LineIn(1, 1)], shipping=MAX_AMOUNT + 1)
    assert "tip" in _limit_error(lines=[LineIn(1, 1)], tip=MAX_AMOUNT + 1)
    assert "order total" in _limit_error(lines=[LineIn(MAX_AMOUNT, 1)], tip=1)
    assert "order total" in _limit_error(lines=[LineIn(MAX_AMOUNT, 1, 2000)], prices_include_tax=False)  # tax added on top
    assert "surcharge 1" in _limit_error(lines=[LineIn(MAX_AMOUNT, 1)], surcharges=[Adjustment(amount=MAX_AMOUNT + 1, label="discount fee")])
    assert "order total" in _limit_error(lines=[LineIn(MAX_AMOUNT, 1)], surcharges=[Adjustment(percent=1)])


def test_pricing_refuses_quantities_over_the_limits():
    assert compute_totals([LineIn(0, MAX_QUANTITY)]).subtotal == 0
    assert "line 1 has 100,001 units, over the limit of 100,000 per line" in _limit_error(lines=[LineIn(1, MAX_QUANTITY + 1)])
    many = [LineIn(0, MAX_QUANTITY)] * (MAX_ORDER_UNITS // MAX_QUANTITY)
    assert compute_totals(many).subtotal == 0
    assert "over the limit of 10,000,000 per order" in _limit_error(lines=many + [LineIn(0, 1)])


def test_stock_levels_are_bounded():
    assert check_stock(0) == 0 and check_stock(MAX_STOCK) == MAX_STOCK
    assert "at most 1,000,000,000" in _input_error(check_stock, MAX_STOCK + 1).message
    assert "negative" in _input_error(check_stock, -1).message
    assert MAX_STOCK + MAX_ORDER_UNITS < 2**31 - 1  # a full order given back still fits


@pytest.mark.parametrize("value", ["99999999999999999999999", "9223372036854775807", str(2**31 - 1), "2000000001", "9" * 5000])
def test_next_order_number_is_bounded(value):
    e = _input_error(validate, "order.next_number", value)
    assert "at most 2,000,000,000" in e.message and "order.prefix" in e.hint
    assert len(e.message) < 200


def test_next_order_number_limit_leaves_headroom():
    assert validate("order.next_number", str(MAX_ORDER_NUMBER)) == "2000000000"
    assert validate("order.next_number", " 0042 ") == "42"
    assert MAX_ORDER_NUMBER + 100_000_000 < 2**31 - 1
    for bad in ["0", "abc", "-1", "1.5", ""]:
        assert "Invalid number" in _input_error(validate, "order.next_number", bad).message


def test_numeric_settings_are_bounded():
    assert validate("smtp.timeout", "600") == "600"
    assert "at most 600" in _input_error(validate, "smtp.timeout", "601").message
    assert "at most 1,000" in _input_error(validate, "outbox.max_attempts", "9" * 30).message
    assert "Invalid port" in _input_error(validate, "smtp.port", "9" * 5000).message


# --------------------------------------------------------------- statuses


def test_status_values_are_ecwids_names():
    assert [s.value for s in PaymentStatus] == ["AWAITING_PAYMENT", "PAID", "CANCELLED", "REFUNDED", "PARTIALLY_REFUNDED", "INCOMPLETE"]
    assert [s.value for s in FulfillmentStatus] == [
        "AWAITING_PROCESSING",
        "PROCESSING",
        "SHIPPED",
        "DELIVERED",
        "WILL_NOT_DELIVER",
        "RETURNED",
        "READY_FOR_PICKUP",
        "OUT_FOR_DELIVERY",
    ]
    assert str(PaymentStatus.PAID) == "PAID"


@pytest.mark.parametrize(
    "text,status",
    [
        ("paid", PaymentStatus.PAID),
        ("PAID", PaymentStatus.PAID),
        ("awaiting payment", PaymentStatus.AWAITING_PAYMENT),
        ("awaiting-payment", PaymentStatus.AWAITING_PAYMENT),
        ("Awaiting_Payment", PaymentStatus.AWAITING_PAYMENT),
        ("unpaid", PaymentStatus.AWAITING_PAYMENT),
        ("canceled", PaymentStatus.CANCELLED),
        ("partially refunded", PaymentStatus.PARTIALLY_REFUNDED),
        ("  refunded ", PaymentStatus.REFUNDED),
        ("incomplete", PaymentStatus.INCOMPLETE),
    ],
)
def test_friendly_payment_status_names(text, status):
    assert parse_payment_status(text) is status


@pytest.mark.parametrize(
    "text,status",
    [
        ("ready-for-pickup", FulfillmentStatus.READY_FOR_PICKUP),
        ("ready for pickup", FulfillmentStatus.READY_FOR_PICKUP),
        ("READY_FOR_PICKUP", FulfillmentStatus.READY_FOR_PICKUP),
        ("shipped", FulfillmentStatus.SHIPPED),
        ("out for delivery", FulfillmentStatus.OUT_FOR_DELIVERY),
        ("awaiting processing", FulfillmentStatus.AWAITING_PROCESSING),
        ("will-not-deliver", FulfillmentStatus.WILL_NOT_DELIVER),
        ("Delivered", FulfillmentStatus.DELIVERED),
    ],
)
def test_friendly_fulfillment_status_names(text, status):
    assert parse_fulfillment_status(text) is status


def test_unknown_status_lists_what_is_allowed():
    e = _input_error(parse_payment_status, "payed")
    assert "'payed'" in e.message
    assert "AWAITING_PAYMENT" in e.hint and "PARTIALLY_REFUNDED" in e.hint
    e = _input_error(parse_fulfillment_status, "sent")
    assert "READY_FOR_PICKUP" in e.hint
    _input_error(parse_payment_status, "")
    _input_error(parse_payment_status, "shipped")  # a fulfillment status is not a payment status


def test_status_words():
    assert words("AWAITING_PAYMENT") == "Awaiting payment"
    assert words("READY_FOR_PICKUP") == "Ready for pickup"
    assert words(PaymentStatus.PAID) == "Paid"
