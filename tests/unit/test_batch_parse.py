"""Batch import parsing: files -> orders with line numbers -> OrderDrafts, and export row shapes.

No store here: ``open_source`` / ``read_orders`` / ``build_draft`` are pure
file and text handling; the mapping functions of the exports take plain objects.
"""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest

from ordercli.errors import InputError
from ordercli.services import order_draft, order_export, order_file

CTX = order_draft.Context(currency="EUR", phone_region="FR")
HEADER = "order_ref,name,email,phone,sku,quantity,item_name,unit_price,discount,tip,payment_method,note,staff_note\n"


def write(tmp_path, name: str, content, mode: str = "w"):
    p = tmp_path / name
    if isinstance(content, bytes):
        p.write_bytes(content)
    else:
        p.write_text(content, encoding="utf-8", newline="")
    return p


def orders_of(path, fmt=None):
    src = order_file.open_source(path, fmt)
    out = []
    for raw in order_file.read_orders(src):
        draft = order_draft.build_draft(raw, CTX)
        out.append((raw, draft))
    return out


def problems(pairs):
    return [(p.line, p.column, p.message) for raw, _ in pairs for p in raw.problems]


# ------------------------------------------------------------------ CSV


def test_csv_rows_group_into_orders_with_their_first_line(tmp_path):
    p = write(
        tmp_path,
        "fair.csv",
        HEADER
        + "F-1,Ana Lima,ana@example.com,,MUG-01,2,,,10%,,Cash,Collect at 4pm,\n"
        + "F-1,Ana Lima,ana@example.com,,CARD,1,,,,,,,\n"
        + "F-1,,,,,1,Gift wrap,2.50,,,,,\n"
        + "\n"
        + "F-2,Tom,,+33 6 12 34 56 78,CARD,3,,,,1.50,,,\n",
    )
    got = orders_of(p)
    assert [(r.ref, r.line, r.end_line) for r, _ in got] == [("F-1", 2, 4), ("F-2", 6, 6)]
    d1, d2 = got[0][1], got[1][1]
    assert d1 is not None and d2 is not None
    assert [(i.sku, i.name, i.quantity, i.unit_price) for i in d1.items] == [("MUG-01", None, 2, None), ("CARD", None, 1, None), (None, "Gift wrap", 1, 250)]
    assert d1.discount is not None and d1.discount.percent == 1000
    assert (d1.payment_method, d1.note, d1.customer.email) == ("Cash", "Collect at 4pm", "ana@example.com")
    assert d1.external_ref == "F-1" and d1.door == "import"
    assert (d2.customer.phone, d2.customer.email, d2.tip) == ("+33612345678", None, 150)


@pytest.mark.parametrize("delim", [",", ";", "\t"])
def test_delimiter_is_sniffed_and_header_is_case_insensitive_with_bom(tmp_path, delim):
    header = delim.join(["Order_Ref", "NAME", "Email", "Phone", "SKU", "Qty"])
    row = delim.join(["R1", "Ana", "ana@example.com", "", "MUG-01", "2"])
    p = write(tmp_path, "x.csv", ("\ufeff" + header + "\r\n" + row + "\r\n").encode("utf-8"))
    [(raw, draft)] = orders_of(p)
    assert raw.problems == []
    assert draft is not None and draft.items[0].sku == "MUG-01" and draft.items[0].quantity == 2


def test_missing_header_is_refused_with_line_1(tmp_path):
    p = write(tmp_path, "noheader.csv", "F-1,Ana,ana@example.com,,MUG-01,2\n")
    with pytest.raises(InputError) as e:
        orders_of(p)
    assert "line 1" in e.value.message and "no header" in e.value.message
    assert "order_ref,name,email,phone,sku,quantity" in (e.value.hint or "")


def test_missing_required_column_is_named(tmp_path):
    p = write(tmp_path, "nocol.csv", "order_ref,name,email,sku\nF-1,Ana,ana@example.com,MUG-01\n")
    with pytest.raises(InputError) as e:
        orders_of(p)
    assert "line 1" in e.value.message and "missing column quantity" in e.value.message


def test_header_only_and_empty_files_are_refused(tmp_path):
    with pytest.raises(InputError, match="header but no orders"):
        orders_of(write(tmp_path, "h.csv", HEADER))
    with pytest.raises(InputError, match="is empty"):
        orders_of(write(tmp_path, "e.csv", ""))
    with pytest.raises(InputError, match="is empty"):
        orders_of(write(tmp_path, "ws.csv", "\n  \n"))


def test_binary_file_is_refused(tmp_path):
    data = b"PK\x03\x04" + bytes(range(256)) * 40
    with pytest.raises(InputError, match="not a text file"):
        order_file.open_source(write(tmp_path, "orders.xlsx.csv", data))


def test_damaged_utf8_file_is_refused_with_the_line(tmp_path):
    text = HEADER + "F-1,Zoé,ana@example.com,,MUG-01,1,,,,,,,\n"
    p = write(tmp_path, "latin1.csv", text.encode() + "F-2,Chloé Dubois,chloe@example.com,,MUG-01,1,,,,,,,\n".encode("latin-1"))
    with pytest.raises(InputError) as e:
        order_file.open_source(p)
    assert "line 3" in e.value.message and "not UTF-8" in e.value.message
    assert "UTF-8" in (e.value.hint or "")


def test_latin1_byte_far_into_a_utf8_file_is_a_problem_of_that_line(tmp_path):
    good = "".join(f"F-{i},{'Zoé' if i == 1 else 'Ana'},ana{i}@example.com,,MUG-01,1,,,,,,,\n" for i in range(1, 2001))
    bad = "F-X,Chloé,chloe@example.com,,MUG-01,1,,,,,,,\n".encode("latin-1")
    p = write(tmp_path, "late.csv", (HEADER + good).encode() + bad + b"F-Y,Tom,tom@example.com,,MUG-01,1,,,,,,,\n")
    got = orders_of(p)
    assert len(got) == 2002
    bad_orders = [(r.ref, r.line, [x.message for x in r.problems]) for r, d in got if r.problems]
    assert bad_orders == [("F-X", 2002, [bad_orders[0][2][0]])]
    assert "not UTF-8" in bad_orders[0][2][0] and "0xe9" in bad_orders[0][2][0]
    assert got[-1][1] is not None  # the line after it is read normally


@pytest.mark.parametrize("qty", ["0", "-2", "abc", "NaN", "1.5", ""])
def test_bad_quantities_are_reported_with_line_and_column(tmp_path, qty):
    p = write(tmp_path, "q.csv", HEADER + "F-1,Ana,ana@example.com,,MUG-01,1,,,,,,,\n" + f"F-1,Ana,ana@example.com,,CARD,{qty},,,,,,,\n")
    [(raw, draft)] = orders_of(p)
    assert draft is None
    assert [(x.line, x.column) for x in raw.problems] == [(3, "quantity")]
    assert "quantity" in raw.problems[0].message


def test_contradicting_order_level_values_in_a_group(tmp_path):
    p = write(
        tmp_path,
        "c.csv",
        HEADER
        + "F-1,Ana,ana@example.com,,MUG-01,1,,,10%,,Cash,,\n"
        + "F-1,Ana,ANA@example.com,,CARD,1,,,,,,,\n"  # same email, other case: fine
        + "F-1,Ana,bob@example.com,,CARD,1,,,5%,,,,\n",
    )
    [(raw, draft)] = orders_of(p)
    assert draft is None
    got = sorted((x.line, x.column) for x in raw.problems)
    assert got == [(4, "discount"), (4, "email")]
    msg = next(x.message for x in raw.problems if x.column == "email")
    assert "contradicts line 2" in msg and "bob@example.com" in msg


def test_value_only_on_a_later_row_is_a_contradiction(tmp_path):
    p = write(tmp_path, "c.csv", HEADER + "F-1,Ana,ana@example.com,,MUG-01,1,,,,,,,\n" + "F-1,Ana,ana@example.com,,CARD,1,,,,,,Late note,\n")
    [(raw, _)] = orders_of(p)
    assert [(x.line, x.column) for x in raw.problems] == [(3, "note")]


def test_invalid_email_and_phone_are_both_reported(tmp_path):
    p = write(tmp_path, "e.csv", HEADER + "F-1,Ana,ana@@example,+33 12,MUG-01,1,,,,,,,\n")
    [(raw, draft)] = orders_of(p)
    assert draft is None
    assert sorted((x.line, x.column) for x in raw.problems) == [(2, "email"), (2, "phone")]


def test_customer_needs_email_or_phone(tmp_path):
    p = write(tmp_path, "e.csv", HEADER + "F-1,Ana,,,MUG-01,1,,,,,,,\n")
    [(raw, _)] = orders_of(p)
    assert [x.message for x in raw.problems] == ["The customer needs an email or a phone number."]  # one message for every door (the validation gate's)


def test_one_megabyte_cell_is_reported_not_swallowed(tmp_path):
    big = "x" * (1024 * 1024)
    p = write(tmp_path, "big.csv", HEADER + "F-1,Ana,ana@example.com,,MUG-01,1,,,,,,ok,\n" + f'F-2,Tom,tom@example.com,,MUG-01,1,,,,,,"{big}",\n' + "F-3,Léa,lea@example.com,,MUG-01,1,,,,,,,\n")
    got = orders_of(p)
    assert [r.ref for r, _ in got] == ["F-1", "F-2", "F-3"]
    [(line, col, msg)] = problems(got)
    assert (line, col) == (3, "note") and "too long" in msg and "1048576" in msg
    assert got[0][1] is not None and got[2][1] is not None


def test_custom_item_needs_a_price_and_a_row_needs_an_item(tmp_path):
    p = write(tmp_path, "c.csv", HEADER + "F-1,Ana,ana@example.com,,,1,Gift wrap,,,,,,\n" + "F-1,Ana,ana@example.com,,,1,,,,,,,\n")
    [(raw, _)] = orders_of(p)
    got = sorted((x.line, x.column) for x in raw.problems)
    assert got == [(2, "unit_price"), (3, "sku")]


def test_empty_and_repeated_order_refs(tmp_path):
    p = write(
        tmp_path,
        "r.csv",
        HEADER
        + "F-1,Ana,ana@example.com,,MUG-01,1,,,,,,,\n"
        + ",Tom,tom@example.com,,MUG-01,1,,,,,,,\n"
        + "F-2,Léa,lea@example.com,,MUG-01,1,,,,,,,\n"
        + "F-1,Ana,ana@example.com,,CARD,1,,,,,,,\n",
    )
    got = orders_of(p)
    assert [(r.ref, r.line) for r, _ in got] == [("F-1", 2), (None, 3), ("F-2", 4), ("F-1", 5)]
    assert got[0][1] is not None and got[2][1] is not None
    assert [x.message for x in got[1][0].problems] == ["empty order_ref."]
    assert "used again (first at line 2)" in got[3][0].problems[0].message


def test_extra_cells_beyond_the_header_are_reported(tmp_path):
    p = write(tmp_path, "x.csv", "order_ref,name,email,sku,quantity\nF-1,Ana,ana@example.com,MUG-01,1,oops\n")
    [(raw, _)] = orders_of(p)
    assert raw.problems[0].line == 2 and "6 cells but the header has 5 columns" in raw.problems[0].message


def test_unbalanced_quote_does_not_hang_and_is_reported(tmp_path):
    p = write(tmp_path, "q.csv", HEADER + 'F-1,"Ana,ana@example.com,,MUG-01,1,,,,,,,\n' + "F-2,Tom,tom@example.com,,MUG-01,1,,,,,,,\n")
    got = orders_of(p)
    assert problems(got)  # the merged record has too many / wrong cells: something is reported


def test_formula_guard_of_the_export_is_undone_on_import(tmp_path):
    p = write(tmp_path, "f.csv", HEADER + "F-1,'=Ana,ana@example.com,,MUG-01,1,,,,,,'+note,'-staff\n")
    [(raw, draft)] = orders_of(p)
    assert draft is not None
    assert (draft.customer.name, draft.note, draft.staff_note) == ("=Ana", "+note", "-staff")


def test_surcharges_shipping_and_billing_columns(tmp_path):
    p = write(
        tmp_path,
        "s.csv",
        "order_ref,name,email,sku,quantity,surcharges,shipping_method,shipping_cost,ship_street,ship_city,ship_postal_code,ship_country,bill_name,bill_country,pickup\n"
        + "F-1,Ana,ana@example.com,MUG-01,1,Card fee=1.5%; Late; night=2.00,Colissimo,4.90,1 rue A,Lyon,69001,fr,Ana SARL,FR,\n"
        + "F-2,Tom,tom@example.com,MUG-01,1,,,,,,,,,,yes\n",
    )
    (r1, d1), (r2, d2) = orders_of(p)
    assert r1.problems == [] and d1 is not None and d2 is not None
    assert [(s.label, s.percent, s.amount) for s in d1.surcharges] == [("Card fee", 150, None), ("Late; night", None, 200)]
    assert d1.shipping is not None and (d1.shipping.method, d1.shipping.cost, d1.shipping.address.city, d1.shipping.address.country) == ("Colissimo", 490, "Lyon", "FR")
    assert d1.billing is not None and d1.billing.name == "Ana SARL"
    assert d2.shipping is not None and d2.shipping.pickup is True and d2.shipping.address is None


def test_ignored_columns_are_listed(tmp_path):
    p = write(tmp_path, "i.csv", "order_ref,name,email,sku,quantity,colour,number,order_total\nF-1,Ana,ana@example.com,MUG-01,1,blue,FAIR-1,18.00\n")
    meta: dict = {}
    list(order_file.read_orders(order_file.open_source(p), meta))
    assert meta["ignored_columns"] == ["colour"]  # export-only columns are known, not "unknown"


# ------------------------------------------------------------------ JSON / JSONL


def order_obj(ref: str, **extra) -> dict:
    base = {"order_ref": ref, "customer": {"name": "Ana", "email": "ana@example.com"}, "items": [{"sku": "MUG-01", "quantity": 2}]}
    base.update(extra)
    return base


def test_json_array_streams_elements_with_their_first_line(tmp_path):
    text = "[\n" + ",\n".join(json.dumps(order_obj(f"J-{i}"), indent=2) for i in range(3)) + "\n]\n"
    got = orders_of(write(tmp_path, "o.json", text))
    assert [r.ref for r, _ in got] == ["J-0", "J-1", "J-2"]
    per = json.dumps(order_obj("J-0"), indent=2).count("\n") + 1
    assert [r.line for r, _ in got] == [2, 2 + per, 2 + 2 * per]
    assert all(d is not None for _, d in got)


def test_json_array_across_many_chunks_keeps_line_numbers(tmp_path):
    n = 3000  # well over the 64 KB read chunk
    text = "[\n" + ",\n".join(json.dumps(order_obj(f"J-{i}", note="n" * (i % 50))) for i in range(n)) + "\n]"
    got = orders_of(write(tmp_path, "o.json", text))
    assert len(got) == n
    assert [r.line for r, _ in got[:3]] == [2, 3, 4] and got[-1][0].line == n + 1
    assert all(d is not None for _, d in got)


def test_json_big_element_spanning_chunks(tmp_path):
    obj = order_obj("BIG", note="é" * 1500)
    obj["items"] = [{"sku": f"S-{i}", "quantity": 1} for i in range(6000)]
    got = orders_of(write(tmp_path, "o.json", json.dumps([order_obj("A"), obj, order_obj("B")])))
    assert [r.ref for r, _ in got] == ["A", "BIG", "B"]
    assert len(got[1][1].items) == 6000


def test_json_syntax_error_midway_is_fatal_with_its_line(tmp_path):
    text = "[\n" + json.dumps(order_obj("J-1")) + ",\n" + '{"order_ref": "J-2", "customer": {"name": "Ana"  "email": "x"}},\n' + json.dumps(order_obj("J-3")) + "\n]"
    got = orders_of(write(tmp_path, "o.json", text))
    assert [r.ref for r, _ in got][:1] == ["J-1"]
    last = got[-1][0]
    assert last.fatal and last.problems[0].line == 3 and "invalid JSON" in last.problems[0].message
    assert len(got) == 2


def test_json_object_instead_of_array_is_refused(tmp_path):
    with pytest.raises(InputError, match="expected a JSON array") as e:
        orders_of(write(tmp_path, "o.json", json.dumps(order_obj("J-1"))))
    assert "jsonl" in (e.value.hint or "")


def test_json_empty_array_and_nan_quantity(tmp_path):
    with pytest.raises(InputError, match="no orders"):
        orders_of(write(tmp_path, "e.json", "[ ]"))
    # NaN is not JSON (the streaming parser refuses it, like any validator): the file stops being readable there.
    got = orders_of(write(tmp_path, "n.json", '[\n{"order_ref": "J", "customer": {"name": "A", "email": "a@example.com"}, "items": [{"sku": "M", "quantity": NaN}]}]'))
    [(raw, draft)] = got
    assert raw.fatal and draft is None
    assert [(x.line, x.column) for x in raw.problems] == [(2, None)] and raw.problems[0].message.startswith("invalid JSON")
    # a quantity that is valid JSON but not a whole number is the order's problem, with its field path
    got = orders_of(write(tmp_path, "q.json", '[{"order_ref": "J", "customer": {"name": "A", "email": "a@example.com"}, "items": [{"sku": "M", "quantity": "NaN"}]}]'))
    assert [(x.column, x.message) for x in got[0][0].problems] == [("items[0].quantity", "Invalid quantity 'NaN': must be a whole number.")]


def test_json_missing_order_ref_and_non_object(tmp_path):
    got = orders_of(write(tmp_path, "o.json", json.dumps([{"customer": {"name": "A", "email": "a@example.com"}, "items": [{"sku": "M"}]}, 42])))
    assert got[0][1] is None and got[0][0].problems[0].column == "order_ref"
    assert "must be a JSON object" in got[1][0].problems[0].message


def test_jsonl_bad_line_is_reported_and_reading_goes_on(tmp_path):
    lines = [json.dumps(order_obj("L-1")), "{not json", "", json.dumps(order_obj("L-3", items=[{"sku": "M", "quantity": 0}])), json.dumps(order_obj("L-4"))]
    got = orders_of(write(tmp_path, "o.jsonl", "\n".join(lines) + "\n"))
    assert [(r.line, r.ref, d is not None) for r, d in got] == [(1, "L-1", True), (2, None, False), (4, "L-3", False), (5, "L-4", True)]
    assert "invalid JSON" in got[1][0].problems[0].message
    assert got[2][0].problems[0].column == "items[0].quantity"


def test_order_json_shape_is_accepted(tmp_path):
    """The shape `order show --format json` prints (what `order export --format json` writes)."""
    o = {
        "order_ref": "X-1",
        "number": "FAIR-1001",
        "customer": {"name": "Ana", "email": "ana@example.com", "phone": None},
        "items": [
            {"sku": "MUG-01", "name": "Blue mug", "quantity": 2, "unit_price": "18.00", "total": "36.00", "tax_rate": "20", "tax": "6.00"},
            {"sku": None, "name": "Gift wrap", "quantity": 1, "unit_price": "2.50", "total": "2.50", "tax_rate": "5.5", "tax": "0.13"},
        ],
        "discount": "3.85",
        "discount_percent": "10",
        "surcharges": [{"label": "Card fee", "amount": "0.52", "percent": "1.5"}, {"label": "Parking", "amount": "2.00", "percent": None}],
        "tip": "1.00",
        "shipping": "4.90",
        "shipping_method": "Colissimo",
        "pickup": False,
        "shipping_address": {"name": None, "street": "1 rue A", "city": "Lyon", "postal_code": "69001", "country": "FR"},
        "billing_address": None,
        "payment_method": "Card",
        "note": None,
        "staff_note": "vip",
        "total": "99.99",
    }
    [(raw, d)] = orders_of(write(tmp_path, "o.json", json.dumps([o])))
    assert raw.problems == [] and d is not None
    assert [(i.sku, i.name, i.quantity, i.unit_price, i.tax_rate) for i in d.items] == [("MUG-01", None, 2, 1800, 2000), (None, "Gift wrap", 1, 250, 550)]
    assert d.discount.percent == 1000
    assert [(s.label, s.percent, s.amount) for s in d.surcharges] == [("Card fee", 150, None), ("Parking", None, 200)]
    assert (d.tip, d.shipping.cost, d.shipping.method, d.shipping.address.postal_code, d.staff_note) == (100, 490, "Colissimo", "69001", "vip")


def test_format_from_extension_or_content(tmp_path):
    assert order_file.open_source(write(tmp_path, "a.ndjson", "{}\n")).fmt == "jsonl"
    assert order_file.open_source(write(tmp_path, "a.dat", " [ {} ]")).fmt == "json"
    assert order_file.open_source(write(tmp_path, "b.dat", "order_ref,name\n")).fmt == "csv"
    assert order_file.open_source(write(tmp_path, "c.csv", "[]"), "json").fmt == "json"
    with pytest.raises(InputError, match="File not found"):
        order_file.open_source(tmp_path / "nope.csv")
    with pytest.raises(InputError, match="is a folder"):
        order_file.open_source(tmp_path)
    import os

    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    with pytest.raises(InputError, match="not a regular file"):
        order_file.open_source(fifo)


# ------------------------------------------------------------------ export shapes


def _order(**kw):
    base = dict(
        number="FAIR-1001",
        external_ref=None,
        created_at=None,
        payment_status="PAID",
        fulfillment_status="AWAITING_PROCESSING",
        currency="EUR",
        prices_include_tax=True,
        customer_name="=HYPERLINK(\"x\")",
        customer_email="ana@example.com",
        customer_phone="+33612345678",
        subtotal=4000,
        discount=400,
        discount_percent=1000,
        tax=600,
        tip=150,
        shipping=490,
        total=4300,
        shipping_method="Colissimo",
        pickup=False,
        payment_method="Card",
        note="-note",
        staff_note=None,
        **{f"{p}_{k}": None for p in ("ship", "bill") for k in ("name", "street", "city", "postal_code", "country")},
    )
    base.update(kw)
    return SimpleNamespace(**base)


def test_csv_export_rows_follow_the_import_columns():
    from datetime import datetime, timezone

    o = _order(created_at=datetime(2026, 11, 28, 10, 30, tzinfo=timezone.utc))
    lines = [SimpleNamespace(sku="MUG-01", name="Blue mug", quantity=2, unit_price=1800, tax_rate=2000, total=3600), SimpleNamespace(sku=None, name="Wrap", quantity=1, unit_price=400, tax_rate=0, total=400)]
    surs = [SimpleNamespace(label="Card fee", percent=150, amount=54, position=1)]
    rows = [dict(zip(order_file.EXPORT_CSV_COLUMNS, r)) for r in order_export.csv_rows(o, lines, surs)]
    assert len(rows) == 2
    assert rows[0]["order_ref"] == "FAIR-1001"  # no external_ref: the number
    assert (rows[0]["sku"], rows[0]["quantity"], rows[0]["unit_price"], rows[0]["tax_rate"]) == ("MUG-01", 2, "18.00", "20")
    assert (rows[1]["sku"], rows[1]["item_name"], rows[1]["unit_price"]) == ("", "Wrap", "4.00")
    assert (rows[0]["discount"], rows[0]["tip"], rows[0]["surcharges"], rows[0]["shipping_cost"]) == ("10%", "1.50", "Card fee=1.5%", "4.90")
    assert rows[1]["discount"] == "10%"  # order-level values on every row
    assert rows[0]["created_at"] == "2026-11-28T10:30:00Z" and rows[0]["order_total"] == "43.00"


def test_ecwid_body_mapping():
    from datetime import datetime, timezone

    o = _order(created_at=datetime(2026, 11, 28, 10, 30, 5, tzinfo=timezone.utc), external_ref="FAIR-0528-001", pickup=True, shipping=0, shipping_method=None, staff_note="vip")
    lines = [SimpleNamespace(sku="MUG-01", name="Blue mug", quantity=2, unit_price=1800, tax=600)]
    surs = [SimpleNamespace(label="Card fee", percent=150, amount=54, position=1), SimpleNamespace(label="Parking", percent=None, amount=200, position=2)]
    body = order_export.ecwid_order(o, lines, surs)
    assert body["externalOrderId"] == "FAIR-1001"
    assert (body["email"], body["paymentStatus"], body["fulfillmentStatus"], body["paymentMethod"]) == ("ana@example.com", "PAID", "AWAITING_PROCESSING", "Card")
    assert body["items"] == [{"sku": "MUG-01", "name": "Blue mug", "price": 18, "quantity": 2, "tax": 6}]
    assert (body["subtotal"], body["total"], body["tax"], body["discount"]) == (40, 43, 6, 4)
    assert body["customSurcharges"] == [
        {"id": "surcharge-1", "value": 1.5, "type": "PERCENT", "total": 0.54, "totalWithoutTax": 0.54, "description": "Card fee", "taxable": False},
        {"id": "surcharge-2", "value": 2, "type": "ABSOLUTE", "total": 2, "totalWithoutTax": 2, "description": "Parking", "taxable": False},
        {"id": "tip", "value": 1.5, "type": "ABSOLUTE", "total": 1.5, "totalWithoutTax": 1.5, "description": "Tip", "taxable": False},
    ]
    assert body["billingPerson"]["name"] == o.customer_name and body["billingPerson"]["phone"] == "+33612345678"
    assert body["shippingPerson"]["name"] == o.customer_name
    assert (body["orderComments"], body["privateAdminNotes"], body["createDate"]) == ("-note", "vip", "2026-11-28 10:30:05 +0000")
    assert body["discountInfo"] == [{"value": 10.0, "type": "PERCENT", "base": "ON_TOTAL", "orderTotal": 4}]
    assert body["shippingOption"] == {"shippingMethodName": "Pickup", "shippingRate": 0, "isPickup": True}
    json.dumps(body)  # JSON-ready
