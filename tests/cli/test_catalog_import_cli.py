"""``ordercli product import`` (issue 13): skip and report, --strict, --dry-run, --errors, --stock, currency."""

from __future__ import annotations

import csv
import json
import sqlite3

from tests.cli.test_product_cli import as_json, ok, refused
from tests.integration.test_catalog_formats import DATA

# Shopify's product CSV header as Shopify's own template writes it (rows are ours).
SHOPIFY_TEMPLATE_HEADER = (
    "Handle,Title,Body (HTML),Vendor,Product Category,Type,Tags,Published,Option1 Name,Option1 Value,Option2 Name,Option2 Value,"
    "Option3 Name,Option3 Value,Variant SKU,Variant Grams,Variant Inventory Tracker,Variant Inventory Qty,Variant Inventory Policy,"
    "Variant Fulfillment Service,Variant Price,Variant Compare At Price,Variant Requires Shipping,Variant Taxable,Variant Barcode,"
    "Image Src,Image Position,Image Alt Text,Gift Card,SEO Title,SEO Description,Google Shopping / Google Product Category,"
    "Google Shopping / Gender,Google Shopping / Age Group,Google Shopping / MPN,Google Shopping / Condition,"
    "Google Shopping / Custom Product,Variant Image,Variant Weight Unit,Variant Tax Code,Cost per item,Included / United States,"
    "Price / United States,Compare At Price / United States,Included / International,Price / International,"
    "Compare At Price / International,Status\n"
)
WIDTH = SHOPIFY_TEMPLATE_HEADER.count(",") + 1


def shopify_row(**cells) -> str:
    names = SHOPIFY_TEMPLATE_HEADER.strip().split(",")
    row = [""] * WIDTH
    for k, v in cells.items():
        row[names.index(k.replace("_", " "))] = v
    out = []
    for v in row:
        out.append('"' + v.replace('"', '""') + '"' if ("," in v or "\n" in v or '"' in v) else v)
    return ",".join(out) + "\n"


def template_file(tmp_path, stock="5"):
    rows = [
        shopify_row(Handle="shirt", Title="Shirt", **{"Body (HTML)": "<p>Two\nlines</p>"}, Option1_Name="Color", Option1_Value="Green",
                    Option2_Name="Size", Option2_Value="S", Variant_Inventory_Tracker="shopify", Variant_Inventory_Qty=stock, Variant_Price="25", Status="active"),
        shopify_row(Handle="shirt", Option1_Value="Green", Option2_Value="M", Variant_SKU="'SRT-GM", Variant_Inventory_Tracker="shopify",
                    Variant_Inventory_Qty=stock, Variant_Price="25"),
        shopify_row(Handle="shirt", Image_Src="https://example.com/2.jpg", Image_Position="2"),
        shopify_row(Handle="jeans", Title="Jeans", Option1_Name="Size", Option1_Value="28", Variant_SKU="PNT-28", Variant_Inventory_Tracker="shopify",
                    Variant_Inventory_Qty="20", Variant_Price="95", Status="draft"),
        shopify_row(Handle="hat", Title="Hat", Option1_Name="Title", Option1_Value="Default Title", Variant_SKU="SRT-GM", Variant_Price="17.99", Status="active"),
    ]
    f = tmp_path / "products_export.csv"
    f.write_text(SHOPIFY_TEMPLATE_HEADER + "".join(rows), encoding="utf-8")
    return f


def count(cli, sql):
    with sqlite3.connect(cli.url) as c:
        return c.execute(sql).fetchone()[0]


def test_good_rows_are_imported_and_each_skipped_row_is_reported_by_physical_line(cli, tmp_path):
    f = template_file(tmp_path)
    errors = tmp_path / "skipped.csv"
    r = ok(cli("product", "import", f, "--errors", errors))
    assert "line 7: SKU SRT-GM is already used on line 4" in " ".join(r.stderr.split())
    assert "3 created, 0 updated, 0 unchanged, 1 skipped" in r.stderr
    assert "1 not for sale" in r.stderr and "1 SKU(s) generated" in r.stderr
    assert r.stderr.count("Ignored columns:") == 1 and "Body (HTML)" in r.stderr
    rows = list(csv.DictReader(errors.open(encoding="utf-8")))
    assert [(row["line"], row["sku"], row["code"]) for row in rows] == [("7", "SRT-GM", "catalog.duplicate_sku")]
    listed = {p["sku"]: p for p in as_json(cli("product", "list", "--format", "json"))}
    assert set(listed) == {"shirt-green-s", "SRT-GM"}  # the draft jeans are not listed …
    everything = {p["sku"]: p for p in as_json(cli("product", "list", "--all", "--format", "json"))}
    assert everything["PNT-28"]["for_sale"] is False  # … unless --all
    assert everything["SRT-GM"]["options"] == {"Color": "Green", "Size": "M"} and everything["SRT-GM"]["name"] == "Shirt — Green / M"


def test_dry_run_reports_the_same_and_writes_nothing(cli, tmp_path):
    f = template_file(tmp_path)
    r = ok(cli("product", "import", f, "--dry-run", "--format", "json"))
    data = json.loads(r.stdout)
    assert (data["dry_run"], data["created"], data["skipped"], data["skipped_rows"][0]["line"]) == (True, 3, 1, 7)
    assert count(cli, "SELECT COUNT(*) FROM product") == 0
    assert "Dry run, nothing written" in ok(cli("product", "import", f, "--dry-run")).stderr


def test_strict_imports_nothing(cli, tmp_path):
    err = refused(cli("product", "import", template_file(tmp_path), "--strict"), 2)
    assert "line 7" in err and "nothing was written" in err and "--strict" in err
    assert count(cli, "SELECT COUNT(*) FROM product") == 0


def test_nothing_importable_is_exit_2(cli, tmp_path):
    f = tmp_path / "bad.csv"
    f.write_text("sku,name,price\nA,A,abc\nB,B,\n", encoding="utf-8")
    err = refused(cli("product", "import", f), 2)
    assert "Nothing imported" in err and "line 2, column price" in err and "1 more" in err


def test_reimport_after_a_sale_keeps_stock_unless_asked(any_cli, tmp_path):
    f = template_file(tmp_path)
    ok(any_cli("product", "import", f))
    ok(any_cli("order", "create", "--name", "Ana", "--email", "ana@example.com", "--item", "SRT-GM:2"))
    r = ok(any_cli("product", "import", template_file(tmp_path)))
    assert "differs from the store's for 1 existing product(s)" in r.stderr
    assert as_json(any_cli("product", "show", "SRT-GM", "--format", "json"))["stock"] == 3
    r = ok(any_cli("product", "import", template_file(tmp_path, stock="7"), "--stock", "set", "--format", "json"))
    assert json.loads(r.stdout)["stock_changed"] == 2  # the two shirt variants (the jeans' 20 did not move)
    shown = as_json(any_cli("product", "show", "SRT-GM", "--format", "json"))
    assert shown["stock"] == 7 and shown["group"]["options"] == ["Color", "Size"]
    history = ok(any_cli("product", "history", "SRT-GM", "--format", "json"))
    assert [(m["reason"], m["delta"]) for m in json.loads(history.stdout)["movements"]] == [("import", 4), ("sale", -2), ("import", 5)]


def test_a_file_in_another_currency_is_refused_and_writes_nothing(cli, tmp_path):
    f = tmp_path / "usd.csv"
    f.write_text("sku,name,price,currency\nA,A,1.00,USD\n", encoding="utf-8")
    err = refused(cli("product", "import", f), 2)
    assert "USD" in err and "EUR" in err and "store.currency" in err
    assert count(cli, "SELECT COUNT(*) FROM product") == 0


def test_not_for_sale_is_refused_by_order_create_with_a_hint(cli, tmp_path):
    ok(cli("product", "import", template_file(tmp_path)))
    err = refused(cli("order", "create", "--name", "Ana", "--email", "ana@example.com", "--item", "PNT-28"), 1)
    assert "not for sale" in err and "--for-sale" in err
    ok(cli("product", "edit", "PNT-28", "--for-sale"))
    ok(cli("order", "create", "--name", "Ana", "--email", "ana@example.com", "--item", "PNT-28"))


def test_woocommerce_sample_file_through_the_cli(cli):
    ok(cli("config", "set", "store.currency", "USD"))
    r = ok(cli("product", "import", DATA / "woocommerce_sample_products.csv"))
    assert "20 created" in r.stderr and "2 skipped" in r.stderr and "grouped product" in r.stderr and "external product" in r.stderr
    again = json.loads(ok(cli("product", "import", DATA / "woocommerce_sample_products.csv", "--format", "json")).stdout)
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 20)


def test_shopify_inventory_needs_a_stock_mode_and_takes_a_location(cli, tmp_path):
    ok(cli("product", "import", template_file(tmp_path)))
    inv = tmp_path / "inventory.csv"
    inv.write_text(
        "Handle,Title,Option1 Name,Option1 Value,Option2 Name,Option2 Value,Option3 Name,Option3 Value,SKU,HS Code,COO,Location,Incoming,Unavailable,Committed,Available,On hand\n"
        "shirt,Shirt,Color,Green,Size,S,,,,,,Stall,0,0,0,8,8\nshirt,Shirt,Color,Green,Size,S,,,,,,Shop,0,0,0,1,1\n",
        encoding="utf-8",
    )
    err = refused(cli("product", "import", inv), 2)
    assert "--stock set" in err
    err = refused(cli("product", "import", inv, "--stock", "set", "--location", "Attic"), 2)
    assert "'Stall', 'Shop'" in err
    r = ok(cli("product", "import", inv, "--stock", "set", "--location", "shop"))
    assert "location Shop" in r.stderr
    assert as_json(cli("product", "show", "shirt-green-s", "--format", "json"))["stock"] == 1
