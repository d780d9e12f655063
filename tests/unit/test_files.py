"""The shared file readers (ordercli.files): physical lines, delimiters, JSON streamed with its lines."""

from __future__ import annotations

import io
import json
import tracemalloc

import pytest

from ordercli.errors import InputError
from ordercli.files import jsonstream
from ordercli.files.tabular import TableReader
from ordercli.files.text import FileProblem
from ordercli.services import catalog, order_file


def table(text: str | bytes) -> tuple[TableReader, list]:
    data = text.encode("utf-8") if isinstance(text, str) else text
    t = TableReader(io.BytesIO(data), shown="t.csv", empty_hint="", header_hint="")
    return t, list(t)


# ------------------------------------------------------------------ tabular


def test_rows_carry_physical_lines_across_quoted_newlines():
    t, rows = table('a,b\n1,"two\nlines"\n\n3,"three\nmore\nlines"\n4,x\n')
    assert [(r.line, r.end_line, r.cells) for r in rows] == [
        (2, 3, ["1", "two\nlines"]),
        (5, 7, ["3", "three\nmore\nlines"]),
        (8, 8, ["4", "x"]),
    ]


@pytest.mark.parametrize("delim", [",", ";", "\t"])
def test_delimiter_is_sniffed_from_the_header_and_bom_dropped(delim):
    t, rows = table(("\ufeff" + delim.join(["sku", "name", "price"]) + "\r\n" + delim.join(["A", "Café, au lait", "2,50"]) + "\r\n").encode())
    assert t.delimiter == delim and t.header == ["sku", "name", "price"]
    if delim == ",":  # unquoted commas in a comma file make more cells than the header: said, with the line
        assert [(x.line, x.message) for x in rows[0].problems] == [(2, "5 cells but the header has 3 columns.")]
    else:
        assert rows[0].cells == ["A", "Café, au lait", "2,50"] and rows[0].problems == []


def test_leading_blank_lines_count_and_bad_bytes_are_problems_of_their_line():
    t, rows = table(b"\n\nsku,name\nA,ok\nB,Caf\xe9\nC,ok\n")
    assert t.header_line == 3
    assert [(r.line, r.cells[0]) for r in rows] == [(4, "A"), (5, "B"), (6, "C")]
    [p] = rows[1].problems
    assert (p.line, "0xe9" in p.message, "not UTF-8" in p.message) == (5, True, True)


def test_problem_text_is_one_format():
    assert FileProblem(7, "bad price.", column="price").text("f.csv") == "'f.csv' line 7, column price: bad price."
    p = order_file.Problem(7, "bad quantity.", column="quantity", order_ref="F-1")
    assert p.text("o.csv") == "'o.csv' line 7 (order F-1), column quantity: bad quantity."
    assert FileProblem(3, "x.", column="items[0].sku", column_label="field").text() == "line 3, field items[0].sku: x."


# ------------------------------------------------------------------ both imports, through the same reader


ORDER_HEADER = "order_ref,name,email,phone,sku,quantity,note\n"


def test_order_lines_after_an_embedded_newline_are_physical(tmp_path):
    p = tmp_path / "o.csv"
    p.write_text(ORDER_HEADER + 'A-1,Ana,ana@example.com,,MUG,1,"ring twice\nat the back door"\n' + "A-2,Tom,tom@example.com,,MUG,-1,\n", encoding="utf-8")
    got = list(order_file.read_orders(order_file.open_source(p)))
    assert [(r.ref, r.line, r.end_line) for r in got] == [("A-1", 2, 3), ("A-2", 4, 4)]
    from ordercli.services.order_draft import Context, build_draft

    assert build_draft(got[1], Context(currency="EUR", phone_region=None)) is None
    assert [(x.line, x.column) for x in got[1].problems] == [(4, "quantity")]


def test_catalog_lines_after_an_embedded_newline_are_physical():
    # Shopify's "Body (HTML)" often holds newlines; the catalog ignores that column but counts its lines
    text = 'sku,name,price,body (html)\nA,Mug,1,"<p>Blue</p>\n<p>glaze</p>"\nB,Bowl,abc,\nA,Again,2,\n'
    with pytest.raises(InputError) as e:
        catalog.parse_catalog_csv(text, "EUR", shown="c.csv")
    assert "'c.csv' line 4, column price:" in e.value.message
    assert "'c.csv' line 5, column sku: SKU A repeats line 2" in e.value.message
    rows = catalog.parse_catalog_csv('sku,name,price,body (html)\nA,Mug,1,"<p>Blue</p>\n<p>glaze</p>"\nB,Bowl,2,\n', "EUR")
    assert [(r.line, r.sku) for r in rows] == [(2, "A"), (4, "B")]


def test_semicolon_files_for_both_imports(tmp_path):
    rows = catalog.parse_catalog_csv("sku;name;price;stock\nMUG;Blue mug, large;18,50;3\n", "EUR")
    assert [(r.sku, r.name, r.price, r.stock) for r in rows] == [("MUG", "Blue mug, large", 1850, 3)]
    p = tmp_path / "o.csv"
    p.write_text("order_ref;name;email;sku;quantity;item_name;unit_price\nS-1;Ana, Lima;ana@example.com;;2;Gift wrap;2,50\n", encoding="utf-8")
    [raw] = list(order_file.read_orders(order_file.open_source(p)))
    from ordercli.services.order_draft import Context, build_draft

    d = build_draft(raw, Context(currency="EUR", phone_region=None))
    assert d is not None and d.customer.name == "Ana, Lima" and [(i.name, i.unit_price, i.quantity) for i in d.items] == [("Gift wrap", 250, 2)]


def test_damaged_utf8_is_refused_the_same_way_by_both(tmp_path):
    latin1 = tmp_path / "l.csv"  # UTF-8 (Thé) with a Latin-1 byte (Café): never guessed
    latin1.write_bytes("sku,name,price\nA,Caf\xe9,1\n".encode("latin-1") + "B,Thé,2\n".encode())
    with pytest.raises(InputError) as a:
        catalog.read_catalog(latin1, "EUR")
    with pytest.raises(InputError) as b:
        order_file.open_source(latin1)
    assert a.value.message == b.value.message and "line 2: not UTF-8" in a.value.message


# ------------------------------------------------------------------ JSON


def test_json_syntax_error_mid_file_names_its_line_after_the_good_elements():
    good = ",\n".join(json.dumps({"n": i}) for i in range(50))
    data = ("[\n" + good + ',\n{"n": 50, "x": [1, 2,, 3]},\n{"n": 51}\n]\n').encode()
    got = []
    with pytest.raises(jsonstream.JsonFileError) as e:
        for v in jsonstream.iter_json_array(io.BytesIO(data)):
            got.append((v.line, v.value["n"]))
    assert got == [(i + 2, i) for i in range(50)]
    assert e.value.problem.line == 52 and e.value.problem.message.startswith("invalid JSON: ")


def test_json_unclosed_array_and_trailing_text():
    with pytest.raises(jsonstream.JsonFileError, match="not closed"):
        list(jsonstream.iter_json_array(io.BytesIO(b'[{"a": 1},\n{"a": 2}\n')))
    with pytest.raises(jsonstream.JsonFileError) as e:
        list(jsonstream.iter_json_array(io.BytesIO(b'[{"a": 1}]\n\nmore')))
    assert e.value.problem.line == 3


def test_a_large_json_array_is_streamed_with_flat_memory(tmp_path):
    n = 40_000
    p = tmp_path / "big.json"
    with open(p, "w", encoding="utf-8") as f:
        f.write("[\n")
        for i in range(n):
            f.write(("," if i else "") + json.dumps({"order_ref": f"B-{i}", "customer": {"name": "Ana", "email": "ana@example.com"}, "items": [{"sku": "MUG", "quantity": 1}], "note": "x" * 200}) + "\n")
        f.write("]\n")
    size = p.stat().st_size
    assert size > 12_000_000
    tracemalloc.start()
    count = last_line = 0
    first_pos = None
    with open(p, "rb") as f:
        for v in jsonstream.iter_json_array(f):
            if first_pos is None:
                first_pos = v.pos
            count += 1
            last_line = v.line
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert (count, last_line) == (n, n + 1)
    assert first_pos is not None and first_pos < 100_000  # the first order came before the file was read
    assert peak < 2_000_000, peak  # a few elements at a time, not the 12 MB file
