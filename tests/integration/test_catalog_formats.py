"""Catalog files from other tools (issue 13): fixtures built here in the shapes Shopify, WooCommerce,
Square and Ecwid write, plus the real public files in tests/data/ (see its README)."""

from __future__ import annotations

import io
import json
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlmodel import select

from ordercli import db
from ordercli.domain import CustomerIn, ItemIn, OrderDraft
from ordercli.errors import InputError, RefusedError
from ordercli.models import Product, ProductGroup, StockMovement
from ordercli.services import catalog_formats as formats
from ordercli.services import catalog_import, common, orders

DATA = Path(__file__).resolve().parents[1] / "data"


def parse(text: str, currency="EUR", location=None, today=date(2026, 6, 15)) -> formats.Parsed:
    return formats.read(io.BytesIO(text.encode("utf-8")), shown="cat.csv", currency=currency, location=location, today=today)


def by_sku(parsed):
    return {i.sku: i for i in parsed.items}


def skipped(parsed):
    return [(s.line, s.code) for s in parsed.skipped]


SHOPIFY_HEADER = (
    "Handle,Title,Body (HTML),Vendor,Option1 Name,Option1 Value,Option2 Name,Option2 Value,Option3 Name,Option3 Value,"
    "Variant SKU,Variant Inventory Tracker,Variant Inventory Qty,Variant Price,Image Src,Status\n"
)


def shopify_text() -> str:
    return SHOPIFY_HEADER + (
        # line 2-4: a multi-line body; a variant without SKU
        'tee,T-shirt,"<p>Soft\ncotton\n</p>",Acme,Colour,Red,Size,S,,,,shopify,3,15.00,http://i/1.jpg,active\n'
        # line 5: Excel's apostrophe; line 6: an image row
        "tee,,,,,Red,,M,,,'TEE-RM,shopify,2,\"15,50\",,\n"
        "tee,,,,,,,,,,,,,,http://i/2.jpg,\n"
        # line 7: a draft product; line 8: the same SKU on another product; line 9: archived, untracked
        "mug,Mug,,,Title,Default Title,,,,,MUG-1,shopify,5,9.50,,draft\n"
        "cup,Cup,,,Title,Default Title,,,,,mug-1,shopify,1,4.00,,active\n"
        "vase,Vase,,,Title,Default Title,,,,,VASE,,7,30,,archived\n"
        # line 10: a bad price
        "bowl,Bowl,,,Title,Default Title,,,,,BOWL,shopify,1,abc,,active\n"
    )


def test_shopify_variants_generated_skus_apostrophes_status_images_and_physical_lines():
    p = parse(shopify_text())
    assert p.format == "shopify"
    items = by_sku(p)
    assert set(items) == {"tee-red-s", "TEE-RM", "MUG-1", "VASE"}
    tee = items["tee-red-s"]
    assert (tee.line, tee.full_name, tee.options, tee.generated_sku, tee.price, tee.stock) == (2, "T-shirt — Red / S", [("Colour", "Red"), ("Size", "S")], True, 1500, 3)
    assert (items["TEE-RM"].line, items["TEE-RM"].price, items["TEE-RM"].group_key) == (5, 1550, "tee")
    assert items["MUG-1"].for_sale is False and items["VASE"].for_sale is False
    assert items["VASE"].stock is None  # no inventory tracker: untracked
    assert skipped(p) == [(8, "catalog.duplicate_sku"), (10, "catalog.bad_price")]
    assert p.skipped[0].text("cat.csv").startswith("'cat.csv' line 8")
    assert p.skipped[1].column == "Variant Price"
    assert p.image_rows == 1
    assert p.ignored_columns == ["Body (HTML)", "Vendor", "Image Src"]
    # the generated SKU is the same on every read
    assert by_sku(parse(shopify_text()))["tee-red-s"].sku == "tee-red-s"


def test_generated_skus_are_stable_valid_and_bounded():
    assert formats.generated_sku("classic-tee", ["Red", "L"]) == "classic-tee-red-l"
    assert formats.generated_sku("tee", ["Bleu ciel", "XL"]) == "tee-bleu-ciel-xl"
    long = formats.generated_sku("x" * 150, ["a"])
    assert len(long) <= 100 and formats.SKU_RE.fullmatch(long) and long == formats.generated_sku("x" * 150, ["a"])
    assert formats.generated_sku("x" * 150, ["a"]) != formats.generated_sku("x" * 150, ["b"])
    assert formats.SKU_RE.fullmatch(formats.generated_sku("été", ["€"]))


def test_shopify_inventory_by_location():
    text = (
        "Handle,Title,Option1 Name,Option1 Value,Option2 Name,Option2 Value,Option3 Name,Option3 Value,SKU,Location,Incoming,Unavailable,Committed,Available,On hand\n"
        "tee,T-shirt,Colour,Red,Size,S,,,,Market stall,0,0,0,4,4\n"
        "tee,T-shirt,Colour,Red,Size,S,,,,Warehouse,0,0,0,40,40\n"
        "mug,Mug,Title,Default Title,,,,,'MUG-1,Market stall,0,0,0,2,3\n"
        "mug,Mug,Title,Default Title,,,,,'MUG-1,Warehouse,0,0,0,9,9\n"
    )
    first = parse(text)
    assert first.format == "shopify-inventory" and first.location == "Market stall"
    assert [(f.sku, f.stock) for f in first.stock_figures] == [("tee-red-s", 4), ("MUG-1", 3)]
    wh = parse(text, location="warehouse")
    assert [(f.line, f.sku, f.stock) for f in wh.stock_figures] == [(3, "tee-red-s", 40), (5, "MUG-1", 9)]
    with pytest.raises(InputError) as ei:
        parse(text, location="Attic")
    assert ei.value.code == "catalog.location" and ei.value.facts["locations"] == ("Market stall", "Warehouse")


WOO_HEADER = (
    "ID,Type,SKU,Name,Published,In stock?,Stock,Low stock amount,Sale price,Regular price,Date sale price starts,Date sale price ends,"
    "Parent,Attribute 1 name,Attribute 1 value(s),Attribute 2 name,Attribute 2 value(s)\n"
)


def test_woocommerce_types_sale_prices_stock_and_generated_variation_skus():
    text = WOO_HEADER + (
        "10,simple,CAP,Cap,1,1,5,2,12,16,,,,,,,\n"  # sale price, no dates: applies
        "11,simple,HAT,Hat,1,1,5,,12,16,2026-07-01,2026-07-31,,,,,\n"  # sale later: regular price
        "12,simple,SCARF,Scarf,1,0,8,,,20,,,,,,,\n"  # In stock? 0 with a figure: 0 sellable
        "13,variable,HOODIE,Hoodie,1,1,,,,,,,,Color,\"Blue, Red\",Logo,\"Yes, No\"\n"
        "14,variation,,Hoodie - Blue,1,1,3,,,45,,,id:13,Color,Blue,Logo,No\n"
        "15,variation,HOODIE-R,Hoodie - Red,1,1,,,40,45,2026-06-01,2026-06-30,HOODIE,Color,Red,Logo,Yes\n"
        "16,grouped,SET,Set,1,1,,,,,,,,,,,\n"
        "17,external,PENNANT,Pennant,1,1,,,,11.05,,,,,,,\n"
        "18,simple,DRAFT,Draft thing,-1,1,,,,3,,,,,,,\n"
        "19,variation,,Orphan,1,1,,,,3,,,id:99,Color,Red,,\n"
    )
    p = parse(text)
    assert p.format == "woocommerce"
    items = by_sku(p)
    assert (items["CAP"].price, items["HAT"].price, items["SCARF"].stock, items["CAP"].low_stock) == (1200, 1600, 0, 2)
    blue = items["hoodie-blue-no"]
    assert (blue.full_name, blue.generated_sku, blue.group_key, blue.stock) == ("Hoodie — Blue / No", True, "HOODIE", 3)
    red = items["HOODIE-R"]
    assert (red.full_name, red.price, red.options) == ("Hoodie — Red / Yes", 4000, [("Color", "Red"), ("Logo", "Yes")])
    assert items["DRAFT"].for_sale is False
    assert skipped(p) == [(8, "catalog.grouped"), (9, "catalog.external"), (11, "catalog.no_parent")]
    assert p.group_options["HOODIE"] == ["Color", "Logo"]


def test_square_item_library_with_locations():
    text = (
        "Token,Item Name,Variation Name,Unit and Precision,SKU,Description,Category,Price,Archived,Sellable,"
        "Current Quantity Marché Bastille,Current Quantity Atelier,New Quantity Marché Bastille\n"
        "A1,Coffee,Small,,COF-S,,Drinks,2.50,N,Y,10,,\n"
        "A1,Coffee,Large,,,,Drinks,\"3,50\",N,Y,4,1,\n"
        "A2,Cookie,Regular,,COOKIE,,Food,2.00,N,Y,,,\n"
        "A3,Old mug,Regular,,MUG-OLD,,,9.00,Y,Y,1,,\n"
        "A4,Custom,Regular,,CUSTOM,,,variable,N,Y,,,\n"
    )
    p = parse(text)
    assert p.format == "square" and p.location == "Marché Bastille"
    items = by_sku(p)
    assert (items["COF-S"].full_name, items["COF-S"].stock, items["COF-S"].options) == ("Coffee — Small", 10, [("Variation", "Small")])
    assert (items["coffee-large"].price, items["coffee-large"].stock) == (350, 4)
    assert (items["COOKIE"].full_name, items["COOKIE"].stock, items["COOKIE"].group_key) == ("Cookie", None, None)
    assert items["MUG-OLD"].for_sale is False
    assert skipped(p) == [(6, "catalog.variable_price")]
    atelier = parse(text, location="atelier")
    assert by_sku(atelier)["coffee-large"].stock == 1 and by_sku(atelier)["COF-S"].stock is None
    assert "New Quantity Marché Bastille" in p.ignored_columns


def test_ecwid_catalog_format():
    text = (
        "type,product_internal_id,product_sku,product_name,product_price,product_is_inventory_tracked,product_quantity,"
        "product_is_available,product_option_name,product_option_value,product_variation_option_Size,product_variation_sku,product_variation_price,product_variation_quantity\n"
        "product,101,TEE,T-shirt,15,true,,true,,,,,,\n"
        "product_option,101,TEE,,,,,,Size,S,,,,\n"
        "product_variation,101,TEE,,,true,,,,,S,TEE-S,15,4\n"
        "product_variation,101,TEE,,,true,,,,,M,,16,2\n"
        "product,102,MUG,Mug,9.5,false,,false,,,,,,\n"
    )
    p = parse(text)
    assert p.format == "ecwid"
    items = by_sku(p)
    assert set(items) == {"TEE-S", "tee-m", "MUG"}
    assert (items["TEE-S"].full_name, items["TEE-S"].stock, items["tee-m"].price) == ("T-shirt — S", 4, 1600)
    assert (items["MUG"].stock, items["MUG"].for_sale) == (None, False)


def test_ordercli_csv_with_options_for_sale_and_low_stock():
    p = parse("sku,name,price,stock,options,for_sale,low_stock\nTEE-L,T-shirt,15,3,Size=L;Colour=Red,yes,2\nTEE-M,T-shirt,15,,Size=M,no,\nX,Bad,1,1,Size,yes,\n")
    items = by_sku(p)
    assert (items["TEE-L"].full_name, items["TEE-L"].group_key, items["TEE-L"].low_stock) == ("T-shirt — L / Red", "T-shirt", 2)
    assert (items["TEE-M"].stock, items["TEE-M"].for_sale) == (None, False)
    assert [(s.line, s.code, s.column) for s in p.skipped] == [(4, "catalog.bad_options", "options")]
    assert p.ignored_columns == []


def test_a_file_in_another_currency_is_refused_whole():
    with pytest.raises(InputError) as ei:
        parse("sku,name,price,currency\nA,A,1,EUR\nB,B,2,USD\n")
    assert ei.value.code == "catalog.currency" and "line 3" in ei.value.message and "USD" in ei.value.message
    assert len(parse("sku,name,price,currency\nA,A,1,eur\n").items) == 1


def test_an_unknown_header_is_refused():
    with pytest.raises(InputError) as ei:
        parse("foo,bar\n1,2\n")
    assert "line 1" in ei.value.message


# ------------------------------------------------------------------ the real files


def test_woocommerce_sample_products_file():
    """WooCommerce's own sample data (tests/data/README.md)."""
    with open(DATA / "woocommerce_sample_products.csv", "rb") as f:
        p = formats.read(f, shown="sample_products.csv", currency="USD", today=date(2026, 6, 15))
    assert p.format == "woocommerce"
    items = by_sku(p)
    assert len(items) == 20
    assert [s.code for s in p.skipped] == ["catalog.grouped", "catalog.external"]
    assert items["cc-hoodie-red"].price == 4200  # its sale price
    assert items["cc-hoodie-blue-logo"].full_name == "Hoodie — Blue / Yes"
    assert items["cc-hoodie-blue-logo"].options == [("Color", "Blue"), ("Logo", "Yes")]


# ------------------------------------------------------------------ into the store (SQLite and PostgreSQL)


def run_import(engine, text, *, stock="keep", strict=False, currency="EUR", location=None):
    parsed = parse(text, currency=currency, location=location)
    with db.write_session(engine) as s:
        report = catalog_import.import_parsed(s, parsed=parsed, stock=stock, strict=strict)
        s.commit()
    return report


def state(engine):
    with db.read_session(engine) as s:
        return {p.sku: (p.name, p.price, p.stock, p.for_sale, json.loads(p.options) if p.options else None) for p in s.exec(select(Product)).all()}


def ledger_ok(engine):
    with db.read_session(engine) as s:
        for p in s.exec(select(Product)).all():
            total = s.execute(sa.select(sa.func.coalesce(sa.func.sum(StockMovement.delta), 0)).where(StockMovement.product_id == p.id)).scalar()
            assert (p.stock or 0) == total, p.sku


def sell(engine, sku, qty):
    with db.write_session(engine) as s:
        orders.place_order(s, OrderDraft(customer=CustomerIn(name="Ana", email="ana@example.com"), items=[ItemIn(quantity=qty, sku=sku)]))
        s.commit()


def test_import_creates_variants_and_groups(engine):
    report = run_import(engine, shopify_text())
    assert (report.created, len(report.skipped), report.not_for_sale, report.generated_skus) == (4, 2, 2, 1)
    st = state(engine)
    assert st["tee-red-s"] == ("T-shirt — Red / S", 1500, 3, True, {"Colour": "Red", "Size": "S"})
    assert st["MUG-1"][3] is False
    with db.read_session(engine) as s:
        [g] = s.exec(select(ProductGroup)).all()
        assert (g.key, g.name, json.loads(g.option_names)) == ("tee", "T-shirt", ["Colour", "Size"])
        assert {p.sku for p in s.exec(select(Product).where(Product.group_id == g.id))} == {"tee-red-s", "TEE-RM"}
    ledger_ok(engine)


def test_a_reimport_after_sales_keeps_the_stock_unless_asked(engine):
    run_import(engine, shopify_text())
    sell(engine, "tee-red-s", 2)
    sell(engine, "TEE-RM", 1)
    changed = shopify_text().replace("T-shirt", "Tee shirt")
    report = run_import(engine, changed)
    assert (report.updated, report.stock_differs, report.stock_changed) == (2, 2, 0)
    st = state(engine)
    assert st["tee-red-s"][:3] == ("Tee shirt — Red / S", 1500, 1) and st["TEE-RM"][2] == 1
    # --stock add: a delivery of the file's figures
    report = run_import(engine, changed, stock="add")
    assert state(engine)["tee-red-s"][2] == 4 and state(engine)["TEE-RM"][2] == 3
    # --stock set: the file's figures, each change in the ledger as "import"
    report = run_import(engine, changed, stock="set")
    assert state(engine)["tee-red-s"][2] == 3 and state(engine)["MUG-1"][2] == 5
    assert report.stock_changed == 3  # the two tee variants, and MUG-1 (10 after the delivery)
    with db.read_session(engine) as s:
        pid = common.get_product(s, "tee-red-s").id
        reasons = [m.reason for m in s.exec(select(StockMovement).where(StockMovement.product_id == pid).order_by(StockMovement.id))]
    assert reasons == ["import", "sale", "import", "import"]
    ledger_ok(engine)


def test_strict_writes_nothing_and_inventory_needs_a_stock_mode(engine):
    with pytest.raises(InputError) as ei:
        run_import(engine, shopify_text(), strict=True)
    assert ei.value.code == "catalog.strict" and "'cat.csv' line 8" in ei.value.message
    assert state(engine) == {}
    run_import(engine, shopify_text())
    inv = "Handle,Title,Option1 Name,Option1 Value,Option2 Name,Option2 Value,SKU,Location,On hand\ntee,T-shirt,Colour,Red,Size,S,,Stall,9\nx,X,,,,,NOPE,Stall,1\n"
    with pytest.raises(InputError) as ei:
        run_import(engine, inv)
    assert ei.value.code == "catalog.inventory_stock"
    report = run_import(engine, inv, stock="set")
    assert (report.stock_changed, [s.code for s in report.skipped]) == (1, ["catalog.unknown_sku"])
    assert state(engine)["tee-red-s"][2] == 9
    ledger_ok(engine)


def test_not_for_sale_products_are_refused_by_orders(engine):
    run_import(engine, shopify_text())
    with pytest.raises(RefusedError) as ei:
        sell(engine, "MUG-1", 1)
    assert ei.value.code == "product.not_for_sale" and ei.value.facts == {"sku": "MUG-1"}
    sell(engine, "TEE-RM", 1)
    with db.read_session(engine) as s:
        line = s.execute(sa.text("SELECT options FROM order_line")).scalar()
    assert json.loads(line) == {"Colour": "Red", "Size": "M"}


def test_a_store_from_before_variants_upgrades_with_its_products_and_orders(store_url):
    """0003 -> 0005_variants: existing products stay simple products for sale, lines keep no options."""
    from alembic import command

    from tests.integration.test_store import _alembic_cfg, revision

    engine = db.get_engine(store_url)
    run_import(engine, "sku,name,price,stock\nMUG,Mug,9,5\n")
    sell(engine, "MUG", 2)
    with engine.connect() as conn:
        with conn.begin():
            command.downgrade(_alembic_cfg(conn), "0003_stall_day")
            assert "product_group" not in sa.inspect(conn).get_table_names()
    db.dispose_all()
    engine = db.get_engine(store_url)
    assert revision(engine) == db.HEAD_REVISION
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT sku, stock, for_sale, group_id, options FROM product")).all() == [("MUG", 3, True, None, None)]
        assert conn.execute(sa.text("SELECT sku, options FROM order_line")).all() == [("MUG", None)]
    run_import(engine, shopify_text())  # variants work on the upgraded store
    assert state(engine)["tee-red-s"][4] == {"Colour": "Red", "Size": "S"}
    run_import(engine, "sku,name,price,low_stock\nMUG,Mug,9,4\n")  # thresholds are imported, stock kept
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT stock, low_stock FROM product WHERE sku = 'MUG'")).all() == [(3, 4)]
