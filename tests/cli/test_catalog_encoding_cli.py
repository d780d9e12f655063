"""``ordercli product import FILE --encoding NAME`` (issue 12): Windows-1252 catalogs as French Excel or an
old shop export writes them, imported intact with and without --encoding; the encoding found is said."""

from __future__ import annotations

import json

import pytest

from tests.cli.test_catalog_import_cli import SHOPIFY_TEMPLATE_HEADER, shopify_row

WOO_HEADER = "ID,Type,SKU,Name,Published,Short description,In stock?,Stock,Sale price,Regular price,Parent,Attribute 1 name,Attribute 1 value(s)\r\n"

#: every letter of the brief that UTF-8 and Windows-1252 write differently (œ and € are not even Latin-1)
NAMES = ["Crème brûlée à l'ancienne", "Pâte à tartiner — 250 g", "Façon grand-mère", "Œufs de caille bio", "Bon cadeau 20 €", "Cœur de bœuf"]


def woo_catalog(tmp_path):
    rows = [f'{i + 10},simple,WOO-{i},"{n}",1,"Recette maison, prix en €",1,{i + 2},,{i + 3}.50,,,\r\n' for i, n in enumerate(NAMES)]
    rows.append("40,variable,TEE,Tee-shirt écru,1,,1,,,,,Taille,\"Petite, Moyenne\"\r\n")
    rows.append("41,variation,TEE-P,Tee-shirt écru - Petite,1,,1,3,,15,id:40,Taille,Petite\r\n")
    path = tmp_path / "wc-product-export.csv"
    path.write_bytes((WOO_HEADER + "".join(rows)).encode("cp1252"))
    return path


def shopify_catalog(tmp_path):
    rows = [
        shopify_row(Handle=f"p{i}", Title=n, Option1_Name="Title", Option1_Value="Default Title", Variant_SKU=f"SHP-{i}", Variant_Price="4.50",
                    Variant_Inventory_Tracker="shopify", Variant_Inventory_Qty="7", Status="active", **{"Body (HTML)": "<p>Fabriqué à Besançon</p>"})
        for i, n in enumerate(NAMES)
    ]
    path = tmp_path / "products_export.csv"
    path.write_bytes((SHOPIFY_TEMPLATE_HEADER + "".join(rows)).encode("cp1252"))
    return path


def products(cli) -> dict[str, str]:
    r = cli("product", "list", "--format", "json")
    assert r.exit_code == 0, r.stderr
    return {p["sku"]: p["name"] for p in json.loads(r.stdout)}


@pytest.mark.parametrize("make,prefix,fmt", [(woo_catalog, "WOO", "woocommerce"), (shopify_catalog, "SHP", "shopify")])
def test_a_windows_1252_catalog_is_detected_said_and_imported_intact(cli, tmp_path, make, prefix, fmt):
    path = make(tmp_path)
    assert "œ".encode("cp1252") in path.read_bytes() and "€".encode("cp1252") in path.read_bytes()
    r = cli("product", "import", path, "--format", "json")
    assert r.exit_code == 0, r.stderr
    assert f"'{path}': read as Windows-1252." in r.stderr
    report = json.loads(r.stdout)
    assert (report["format"], report["encoding"], report["skipped"]) == (fmt, "cp1252", 0)
    names = products(cli)
    assert [names[f"{prefix}-{i}"] for i in range(len(NAMES))] == NAMES
    if fmt == "woocommerce":
        assert names["TEE-P"] == "Tee-shirt écru — Petite"  # the variation: its product and its option
    assert not any("\ufffd" in n or "Ã" in n for n in names.values())


@pytest.mark.parametrize("make,prefix", [(woo_catalog, "WOO"), (shopify_catalog, "SHP")])
def test_encoding_named_with_the_option(cli, tmp_path, make, prefix):
    path = make(tmp_path)
    r = cli("product", "import", path, "--encoding", "Windows-1252", "--format", "json")
    assert r.exit_code == 0, r.stderr
    assert "read as" not in r.stderr  # named, not guessed
    assert json.loads(r.stdout)["encoding"] == "cp1252"
    names = products(cli)
    assert [names[f"{prefix}-{i}"] for i in range(len(NAMES))] == NAMES


def test_a_utf8_catalog_says_nothing_and_reports_utf8(cli, tmp_path):
    path = tmp_path / "utf8.csv"
    path.write_text("sku,name,price,stock\nA,Crème brûlée 5 €,5,1\n", encoding="utf-8")
    r = cli("product", "import", path, "--format", "json")
    assert r.exit_code == 0, r.stderr
    assert "read as" not in r.stderr and json.loads(r.stdout)["encoding"] == "utf-8"
    assert products(cli) == {"A": "Crème brûlée 5 €"}


@pytest.mark.parametrize("name,start", [("klingon", "Unknown encoding 'klingon'"), ("utf-16", "Encoding 'utf-16' cannot be read line by line"), ("rot13", "Encoding 'rot13'")])
def test_a_wrong_encoding_name_is_refused_in_one_line_and_nothing_is_written(cli, tmp_path, name, start):
    path = woo_catalog(tmp_path)
    r = cli("product", "import", path, "--encoding", name)
    assert r.exit_code == 2 and r.stdout == "" and "Traceback" not in r.stderr
    lines = [x for x in r.stderr.splitlines() if x.strip()]
    assert len(lines) == 1 and lines[0].startswith(f"Error: {start}") and "cp1252" in lines[0], r.stderr
    assert products(cli) == {}


def test_utf8_named_for_a_windows_1252_file_is_refused_not_garbled(cli, tmp_path):
    path = woo_catalog(tmp_path)
    r = cli("product", "import", path, "--encoding", "utf-8")
    assert r.exit_code == 2 and "not UTF-8 text" in r.stderr
    assert products(cli) == {}
