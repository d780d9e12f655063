"""``ordercli product …`` through the CLI."""

from __future__ import annotations

import csv
import io
import json

import pytest

from tests.conftest import EXAMPLES


def ok(result):
    assert result.exit_code == 0, f"exit {result.exit_code}\nstdout: {result.stdout}\nstderr: {result.stderr}"
    return result


def as_json(result):
    return json.loads(ok(result).stdout)


def refused(result, code):
    assert result.exit_code == code, f"exit {result.exit_code}\nstdout: {result.stdout}\nstderr: {result.stderr}"
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    lines = [ln for ln in result.stderr.splitlines() if ln.strip()]
    assert 1 <= len(lines) <= 2, result.stderr
    return result.stderr


def catalog(cli):
    return {p["sku"]: p for p in as_json(cli("product", "list", "--format", "json"))}


def test_add_prints_the_product_and_confirms_on_stderr(any_cli):
    r = ok(any_cli("product", "add", "MUG-01", "--name", "Blue mug", "--price", "18", "--stock", "12", "--tax-rate", "20"))
    assert "MUG-01" in r.stdout and "€18.00" in r.stdout and "12" in r.stdout and "20%" in r.stdout
    assert "Product MUG-01 added" in r.stderr
    assert catalog(any_cli) == {"MUG-01": {"sku": "MUG-01", "name": "Blue mug", "price": "18.00", "stock": 12, "tax_rate": "20", "for_sale": True, "options": None, "low_stock": None}}


def test_add_json(cli):
    data = as_json(cli("product", "add", "ZINE", "--name", "Zine", "--price", "4,50", "--untracked", "--format", "json"))
    assert data == {"sku": "ZINE", "name": "Zine", "price": "4.50", "stock": None, "tax_rate": "0", "for_sale": True, "options": None, "low_stock": None}


@pytest.mark.parametrize(
    "args,code,words",
    [
        (["--name", "Mug", "--price", "18"], 2, "--stock N or --untracked"),
        (["--name", "Mug", "--price", "18", "--stock", "3", "--untracked"], 2, "cannot be used together"),
        (["--name", "Mug", "--price", "abc", "--stock", "3"], 2, "Invalid price"),
        (["--name", "Mug", "--price", "-1", "--stock", "3"], 2, "negative"),
        (["--name", "Mug", "--price", "18", "--stock", "-3"], 2, "negative"),
        (["--name", "Mug", "--price", "18", "--stock", "3", "--tax-rate", "200"], 2, "between 0 and 100"),
        (["--name", "", "--price", "18", "--stock", "3"], 2, "name"),
    ],
)
def test_add_refuses_bad_input(cli, args, code, words):
    err = refused(cli("product", "add", "MUG-01", *args), code)
    assert words in err
    assert catalog(cli) == {}


def test_add_refuses_a_duplicate_sku(cli):
    ok(cli("product", "add", "MUG-01", "--name", "Mug", "--price", "18", "--stock", "3"))
    err = refused(cli("product", "add", "mug-01", "--name", "Other", "--price", "1", "--stock", "1"), 1)
    assert "already exists" in err
    assert catalog(cli)["MUG-01"]["name"] == "Mug"


def test_add_requires_name_and_price_flags(cli):
    r = cli("product", "add", "MUG-01", "--stock", "3")
    assert r.exit_code == 2
    assert "--name" in r.stderr and "Traceback" not in r.stderr


def test_edit(any_cli):
    ok(any_cli("product", "add", "MUG-01", "--name", "Mug", "--price", "18", "--stock", "3"))
    data = as_json(any_cli("product", "edit", "mug-01", "--name", "Blue mug", "--price", "19.50", "--tax-rate", "5.5", "--format", "json"))
    assert data == {"sku": "MUG-01", "name": "Blue mug", "price": "19.50", "stock": 3, "tax_rate": "5.5", "for_sale": True, "options": None, "low_stock": None}
    r = ok(any_cli("product", "edit", "MUG-01", "--untracked"))
    assert "Product MUG-01 updated" in r.stderr
    assert catalog(any_cli)["MUG-01"]["stock"] is None
    assert catalog(any_cli)["MUG-01"]["stock"] is None
    assert as_json(any_cli("product", "edit", "MUG-01", "--stock", "7", "--format", "json"))["stock"] == 7


def test_edit_refuses(cli):
    ok(cli("product", "add", "MUG-01", "--name", "Mug", "--price", "18", "--stock", "3"))
    assert "Nothing to change" in refused(cli("product", "edit", "MUG-01"), 2)
    assert "MUG-01" in refused(cli("product", "edit", "MUG-1", "--price", "2"), 1)  # did you mean
    assert "already tracks" in refused(cli("product", "edit", "MUG-01", "--stock", "9"), 2)
    assert "Invalid price" in refused(cli("product", "edit", "MUG-01", "--price", "NaN"), 2)
    assert catalog(cli)["MUG-01"] == {"sku": "MUG-01", "name": "Mug", "price": "18.00", "stock": 3, "tax_rate": "0", "for_sale": True, "options": None, "low_stock": None}


def test_stock_set_and_add(any_cli):
    ok(any_cli("product", "add", "MUG-01", "--name", "Mug", "--price", "18", "--stock", "3"))
    r = ok(any_cli("product", "stock", "MUG-01", "--add", "6"))
    assert "Stock of MUG-01 is now 9" in r.stderr
    assert as_json(any_cli("product", "stock", "MUG-01", "--add", "-4", "--format", "json"))["stock"] == 5
    assert as_json(any_cli("product", "stock", "MUG-01", "--set", "0", "--format", "json"))["stock"] == 0
    err = refused(any_cli("product", "stock", "MUG-01", "--add", "-1"), 1)
    assert "below 0" in err
    assert catalog(any_cli)["MUG-01"]["stock"] == 0


def test_stock_refuses(cli):
    ok(cli("product", "add", "MUG-01", "--name", "Mug", "--price", "18", "--stock", "3"))
    ok(cli("product", "add", "ZINE", "--name", "Zine", "--price", "5", "--untracked"))
    assert "exactly one" in refused(cli("product", "stock", "MUG-01"), 2)
    assert "exactly one" in refused(cli("product", "stock", "MUG-01", "--set", "1", "--add", "1"), 2)
    assert "negative" in refused(cli("product", "stock", "MUG-01", "--set", "-1"), 2)
    assert "does not track" in refused(cli("product", "stock", "ZINE", "--add", "1"), 1)
    assert "Unknown SKU" in refused(cli("product", "stock", "NOPE", "--add", "1"), 1)
    r = cli("product", "stock", "MUG-01", "--add", "lots")
    assert r.exit_code == 2 and "Traceback" not in r.stderr
    assert catalog(cli)["MUG-01"]["stock"] == 3


def test_list_and_show_formats(cli):
    ok(cli("product", "import", str(EXAMPLES / "catalog.csv")))
    r = ok(cli("product", "list"))
    assert r.stdout.splitlines()[0].split() == ["SKU", "Name", "Price", "Stock", "Tax"]
    assert "untracked" in r.stdout
    assert "product(s)" in r.stdout
    rows = list(csv.DictReader(io.StringIO(ok(cli("product", "list", "--format", "csv")).stdout)))
    src = list(csv.DictReader(io.StringIO((EXAMPLES / "catalog.csv").read_text())))
    assert {r["sku"] for r in rows} == {s["sku"] for s in src}
    by_sku = {r["sku"]: r for r in rows}
    for s in src:
        assert by_sku[s["sku"]]["stock"] == s["stock"]  # empty = untracked, both ways
        assert by_sku[s["sku"]]["name"] == s["name"]
    low = as_json(cli("product", "list", "--low-stock", "3", "--format", "json"))
    assert low and all(p["stock"] is not None and p["stock"] <= 3 for p in low)
    first = src[0]
    shown = as_json(cli("product", "show", first["sku"].lower(), "--format", "json"))
    assert shown["sku"] == first["sku"]
    assert ok(cli("product", "show", first["sku"], "--format", "csv")).stdout.startswith("sku,name,price,stock,tax_rate\n")


def test_list_search_and_empty_messages(cli):
    r = ok(cli("product", "list"))
    assert r.stdout == "" and "catalog is empty" in r.stderr
    ok(cli("product", "add", "MUG-01", "--name", "Blue mug", "--price", "18", "--stock", "3"))
    assert [p["sku"] for p in as_json(cli("product", "list", "--search", "blue", "--format", "json"))] == ["MUG-01"]
    r = ok(cli("product", "list", "--search", "nothing"))
    assert r.stdout == "" and "No products match" in r.stderr


def test_import_and_reimport(any_cli, tmp_path):
    path = tmp_path / "cat.csv"
    path.write_text("sku;name;price;stock\nMUG-01;Blue mug;18,00;12\nZINE;Zine;5;\n", encoding="utf-8-sig")
    r = ok(any_cli("product", "import", str(path)))
    assert "2 created, 0 updated, 0 unchanged" in r.stderr
    path.write_text("sku;name;price;stock\nMUG-01;Blue mug;19,00;12\nZINE;Zine;5;\nNEW;New;1;1\n", encoding="utf-8-sig")
    summary = as_json(any_cli("product", "import", str(path), "--format", "json"))
    assert (summary["created"], summary["updated"], summary["unchanged"], summary["skipped"]) == (1, 1, 1, 0)
    cat = catalog(any_cli)
    assert (cat["MUG-01"]["price"], cat["ZINE"]["stock"], cat["NEW"]["stock"]) == ("19.00", None, 1)


def test_import_a_bad_file_names_line_and_column_and_writes_nothing(cli, tmp_path):
    path = tmp_path / "cat.csv"
    path.write_text("sku,name,price,stock\nMUG-01,Blue mug,18,12\nBOWL,Bowl,12.345,2\n")
    err = refused(cli("product", "import", str(path), "--strict"), 2)
    assert "line 3, column price" in err
    assert "nothing was written" in err
    assert catalog(cli) == {}


def test_import_missing_file(cli, tmp_path):
    r = cli("product", "import", str(tmp_path / "nope.csv"))
    assert r.exit_code == 2
    assert "Traceback" not in r.stderr


def test_help_leads_with_an_example(cli):
    for cmd in ["add", "edit", "show", "list", "stock", "import"]:
        r = ok(cli("product", cmd, "--help"))
        assert "Example" in r.stdout.split("Options")[0], cmd
