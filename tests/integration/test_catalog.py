"""The catalog: products, stock changes through the ledger, CSV import (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlmodel import select

from ordercli import db
from ordercli.cli.hints import hint_for
from ordercli.errors import InputError, NotFoundError, RefusedError
from ordercli.models import Product, StockMovement
from ordercli.services import catalog, common, config

from tests.conftest import EXAMPLES


def add(engine, sku="MUG-01", name="Blue mug", price=1800, stock=12, tax_rate=None):
    with db.write_session(engine) as s:
        result = catalog.add_product(s, sku=sku, name=name, price=price, stock=stock, tax_rate=tax_rate)
        s.commit()
        return result


def get(engine, sku):
    with db.read_session(engine) as s:
        return common.get_product(s, sku)


def products(engine):
    with db.read_session(engine) as s:
        return {p.sku: p for p in s.exec(select(Product)).all()}


def movements(engine, sku=None):
    with db.read_session(engine) as s:
        q = select(StockMovement).order_by(StockMovement.id)
        if sku:
            q = q.where(StockMovement.product_id == common.get_product(s, sku).id)
        return [(m.delta, m.stock_after, m.reason) for m in s.exec(q).all()]


def assert_ledger(engine):
    with db.read_session(engine) as s:
        for p in s.exec(select(Product)).all():
            total = s.execute(sa.select(sa.func.coalesce(sa.func.sum(StockMovement.delta), 0)).where(StockMovement.product_id == p.id)).scalar()
            assert (p.stock or 0) == total, p.sku


def import_text(engine, text, currency="EUR"):
    rows = catalog.parse_catalog_csv(text, currency)
    with db.write_session(engine) as s:
        result = catalog.import_catalog(s, rows=rows)
        s.commit()
        return result


def import_file(engine, path, currency="EUR"):
    rows = catalog.read_catalog(path, currency)
    with db.write_session(engine) as s:
        result = catalog.import_catalog(s, rows=rows)
        s.commit()
        return result


# ---------------------------------------------------------------- products


def test_add_a_tracked_product_writes_an_initial_movement(engine):
    p = add(engine, tax_rate=2000)
    assert (p.sku, p.name, p.price, p.stock, p.tax_rate, p.tracked) == ("MUG-01", "Blue mug", 1800, 12, 2000, True)
    assert movements(engine, "MUG-01") == [(12, 12, "initial")]


def test_add_an_untracked_product(engine):
    p = add(engine, sku="ZINE", stock=None)
    assert p.stock is None and not p.tracked
    assert movements(engine) == []


def test_new_products_get_the_default_tax_rate(engine):
    with db.write_session(engine) as s:
        config.set_value(s, "tax.default_rate", "5.5")
        s.commit()
    assert add(engine).tax_rate == 550
    assert add(engine, sku="B", tax_rate=0).tax_rate == 0


def test_duplicate_sku_is_refused_whatever_the_case(engine):
    add(engine)
    with pytest.raises(RefusedError) as ei:
        add(engine, sku="mug-01", name="Other")
    assert "already exists" in ei.value.message
    assert "product edit" in hint_for(ei.value)  # the fact (code + SKU) worded by the CLI
    assert len(products(engine)) == 1


@pytest.mark.parametrize("sku", ["", "has space", "-leading", "x" * 101, "semi;colon", "ünï"])
def test_bad_skus_are_refused(engine, sku):
    with pytest.raises(InputError):
        add(engine, sku=sku)
    assert products(engine) == {}


@pytest.mark.parametrize("name", ["", "   ", "line\nbreak", "bell\x07", "x" * 201])
def test_bad_product_names_are_refused(engine, name):
    with pytest.raises(InputError):
        add(engine, name=name)
    assert products(engine) == {}


def test_negative_initial_stock_is_refused(engine):
    with pytest.raises(InputError):
        add(engine, stock=-1)
    assert products(engine) == {}


def test_edit_name_price_tax(engine):
    add(engine)
    with db.write_session(engine) as s:
        catalog.edit_product(s, sku="mug-01", name="Blue glaze mug", price=1950, tax_rate=1000)
        s.commit()
    p = get(engine, "MUG-01")
    assert (p.name, p.price, p.tax_rate, p.stock) == ("Blue glaze mug", 1950, 1000, 12)
    assert p.updated_at >= p.created_at


def test_stop_and_start_tracking_stock_goes_through_the_ledger(engine):
    add(engine)
    with db.write_session(engine) as s:
        catalog.edit_product(s, sku="MUG-01", untracked=True)
        s.commit()
    assert get(engine, "MUG-01").stock is None
    with db.write_session(engine) as s:
        catalog.edit_product(s, sku="MUG-01", track_stock=4)
        s.commit()
    assert get(engine, "MUG-01").stock == 4
    assert movements(engine, "MUG-01") == [(12, 12, "initial"), (-12, 0, "untrack"), (4, 4, "track")]
    with pytest.raises(InputError, match="already tracks"):
        with db.write_session(engine) as s:
            catalog.edit_product(s, sku="MUG-01", track_stock=9)
            s.commit()
    assert_ledger(engine)


def test_edit_unknown_sku(engine):
    add(engine)
    with pytest.raises(NotFoundError) as ei:
        with db.write_session(engine) as s:
            catalog.edit_product(s, sku="MUG-1", price=1)
            s.commit()
    assert ei.value.facts["close"] == ("MUG-01",) and "Did you mean MUG-01?" in hint_for(ei.value)


def test_change_stock_set_and_add(engine):
    add(engine)
    with db.write_session(engine) as s:
        assert catalog.change_stock(s, sku="MUG-01", add=5).stock == 17
        s.commit()
    with db.write_session(engine) as s:
        assert catalog.change_stock(s, sku="MUG-01", add=-7).stock == 10
        s.commit()
    with db.write_session(engine) as s:
        assert catalog.change_stock(s, sku="MUG-01", set_to=3).stock == 3
        s.commit()
    with db.write_session(engine) as s:
        assert catalog.change_stock(s, sku="MUG-01", set_to=3).stock == 3  # no change, no movement
        s.commit()
    assert movements(engine, "MUG-01") == [(12, 12, "initial"), (5, 17, "adjust"), (-7, 10, "adjust"), (-7, 3, "adjust")]
    assert_ledger(engine)


def test_stock_never_goes_below_zero(engine):
    add(engine, stock=2)
    with pytest.raises(RefusedError) as ei:
        with db.write_session(engine) as s:
            catalog.change_stock(s, sku="MUG-01", add=-3)
            s.commit()
    assert "below 0" in ei.value.message and "in stock 2" in ei.value.message
    with pytest.raises(InputError):
        with db.write_session(engine) as s:
            catalog.change_stock(s, sku="MUG-01", set_to=-1)
            s.commit()
    assert get(engine, "MUG-01").stock == 2
    assert movements(engine, "MUG-01") == [(2, 2, "initial")]


def test_change_stock_needs_exactly_one_of_set_or_add_and_a_tracked_product(engine):
    add(engine)
    add(engine, sku="ZINE", stock=None)
    with pytest.raises(InputError):
        with db.write_session(engine) as s:
            catalog.change_stock(s, sku="MUG-01")
            s.commit()
    with pytest.raises(InputError):
        with db.write_session(engine) as s:
            catalog.change_stock(s, sku="MUG-01", set_to=1, add=1)
            s.commit()
    with pytest.raises(RefusedError, match="does not track"):
        with db.write_session(engine) as s:
            catalog.change_stock(s, sku="ZINE", add=1)
            s.commit()


def test_list_search_and_low_stock(engine):
    add(engine, sku="MUG-01", name="Blue mug", stock=12)
    add(engine, sku="MUG-02", name="Green mug", stock=2)
    add(engine, sku="BOWL-01", name="Ramen bowl", stock=0)
    add(engine, sku="ZINE", name="Zine 50%_off", stock=None)
    with db.read_session(engine) as s:
        assert [p.sku for p in catalog.list_products(s)] == ["BOWL-01", "MUG-01", "MUG-02", "ZINE"]
        assert [p.sku for p in catalog.list_products(s, search="MUG")] == ["MUG-01", "MUG-02"]
        assert [p.sku for p in catalog.list_products(s, search="green")] == ["MUG-02"]
        assert [p.sku for p in catalog.list_products(s, search="%")] == ["ZINE"]  # literal, not a wildcard
        assert [p.sku for p in catalog.list_products(s, search="_")] == ["ZINE"]
        assert [p.sku for p in catalog.list_products(s, low_stock=2)] == ["BOWL-01", "MUG-02"]  # untracked excluded
        assert [p.sku for p in catalog.list_products(s, limit=1)] == ["BOWL-01"]
        product, moves = catalog.history(s, sku="mug-02")
        assert product.sku == "MUG-02" and [m.delta for m in moves] == [2]


# ---------------------------------------------------------------- CSV import


def test_import_the_example_catalog(engine):
    report = import_file(engine, EXAMPLES / "catalog.csv")
    lines = [ln for ln in (EXAMPLES / "catalog.csv").read_text().splitlines()[1:] if ln.strip()]
    assert report.created == len(lines) and report.updated == 0
    ps = products(engine)
    assert len(ps) == len(lines)
    first = lines[0].split(",")
    p = ps[first[0]]
    assert p.name == first[1]
    assert p.price == int(round(float(first[2]) * 100))
    assert any(p.stock is None for p in ps.values())  # the example has untracked products
    assert_ledger(engine)


@pytest.mark.parametrize(
    "text",
    [
        "sku,name,price,stock,tax_rate\nMUG-01,Blue mug,18.50,12,20\nZINE,Zine,5,,0\n",
        "sku;name;price;stock;tax_rate\nMUG-01;Blue mug;18,50;12;20\nZINE;Zine;5;;0\n",
        "sku\tname\tprice\tstock\ttax_rate\nMUG-01\tBlue mug\t18.50\t12\t20\nZINE\tZine\t5\t\t0\n",
        "SKU,Name,Price,Stock,Tax Rate\r\nMUG-01,Blue mug,€18.50,12,20%\r\nZINE,Zine,5.00,,0\r\n",
    ],
    ids=["comma", "semicolon-decimal-comma", "tab", "crlf-capitalised"],
)
def test_import_delimiters_and_decimal_comma(engine, tmp_path, text):
    path = tmp_path / "catalog.csv"
    path.write_text(text, encoding="utf-8")
    report = import_file(engine, path)
    assert (report.created, report.updated, report.unchanged) == (2, 0, 0)
    ps = products(engine)
    assert (ps["MUG-01"].name, ps["MUG-01"].price, ps["MUG-01"].stock, ps["MUG-01"].tax_rate) == ("Blue mug", 1850, 12, 2000)
    assert (ps["ZINE"].price, ps["ZINE"].stock, ps["ZINE"].tax_rate) == (500, None, 0)  # empty stock = untracked


def test_import_a_bom_file(engine, tmp_path):
    path = tmp_path / "excel.csv"
    path.write_bytes("sku;name;price;stock\r\nTEA-01;Thé vert « sencha »;7,90;4\r\n".encode("utf-8-sig"))
    assert import_file(engine, path).created == 1
    p = get(engine, "TEA-01")
    assert (p.name, p.price, p.stock) == ("Thé vert « sencha »", 790, 4)


def test_quoted_cells_keep_their_commas(engine):
    import_text(engine, 'sku,name,price,stock\nC-1,"Candle, fig & cedar",14.50,3\nC-2,"The ""big"" one",20,\n')
    ps = products(engine)
    assert ps["C-1"].name == "Candle, fig & cedar"
    assert ps["C-2"].name == 'The "big" one'


SHOPIFY_HEADER = (
    "Handle,Title,Body (HTML),Vendor,Product Category,Type,Tags,Published,Option1 Name,Option1 Value,Option2 Name,Option2 Value,"
    "Option3 Name,Option3 Value,Variant SKU,Variant Grams,Variant Inventory Tracker,Variant Inventory Qty,Variant Inventory Policy,"
    "Variant Fulfillment Service,Variant Price,Variant Compare At Price,Variant Requires Shipping,Variant Taxable,Variant Barcode,"
    "Image Src,Image Position,Image Alt Text,Gift Card,SEO Title,SEO Description,Variant Image,Variant Weight Unit,Variant Tax Code,"
    "Cost per item,Status"
)


def test_import_a_shopify_export(engine):
    rows = [
        "fig-candle,Fig candle,<p>Soy</p>,Hilltop,,Candles,,TRUE,Title,Default Title,,,,,CANDLE-FIG,200,shopify,18,deny,manual,14.50,,TRUE,TRUE,,https://cdn/x.jpg,1,,FALSE,,,,g,,,active",
        "fig-candle,,,,,,,,,,,,,,,,,,,,,,,,,https://cdn/y.jpg,2,,,,,,,,,",  # an extra image row
        "blue-mug,Blue mug,,Hilltop,,Mugs,,TRUE,Size,Small,,,,,MUG-S,350,shopify,5,deny,manual,18.00,,TRUE,TRUE,,,,,FALSE,,,,g,,,active",
        "blue-mug,,,,,,,,,Large,,,,,MUG-L,450,shopify,3,deny,manual,22.00,,TRUE,TRUE,,,,,,,,,g,,,",  # a variant row: no Title
        "zine,Zine,,Hilltop,,Books,,TRUE,Title,Default Title,,,,,ZINE,50,,0,deny,manual,5.00,,TRUE,FALSE,,,,,FALSE,,,,g,,,active",
    ]
    report = import_text(engine, SHOPIFY_HEADER + "\n" + "\n".join(rows) + "\n")
    assert report.created == 4
    ps = products(engine)
    assert (ps["CANDLE-FIG"].name, ps["CANDLE-FIG"].price, ps["CANDLE-FIG"].stock) == ("Fig candle", 1450, 18)
    assert (ps["MUG-S"].name, ps["MUG-S"].price, ps["MUG-S"].stock) == ("Blue mug - Small", 1800, 5)
    assert (ps["MUG-L"].name, ps["MUG-L"].price, ps["MUG-L"].stock) == ("Blue mug - Large", 2200, 3)
    assert ps["ZINE"].stock is None  # no inventory tracker in Shopify: always sellable


WOO_HEADER = (
    "ID,Type,SKU,Name,Published,Is featured?,Visibility in catalog,Short description,Description,Date sale price starts,"
    "Date sale price ends,Tax status,Tax class,In stock?,Stock,Low stock amount,Backorders allowed?,Sold individually?,Weight (kg),"
    "Length (cm),Width (cm),Height (cm),Allow customer reviews?,Purchase note,Sale price,Regular price,Categories,Tags,Shipping class,"
    "Images,Download limit,Download expiry days,Parent,Grouped products,Upsells,Cross-sells,External URL,Button text,Position"
)


def test_import_a_woocommerce_export(engine):
    rows = [
        '12,simple,CANDLE-FIG,"Fig candle, 200 g",1,0,visible,,,,,taxable,,1,18,,0,0,,,,,1,,,14.50,Candles,,,,,,,,,,,,0',
        "13,simple,ZINE,Zine,1,0,visible,,,,,taxable,,1,,,0,0,,,,,1,,,5,Books,,,,,,,,,,,,0",
        "20,variable,TEE,T-shirt,1,0,visible,,,,,taxable,,1,,,0,0,,,,,1,,,,Clothes,,,,,,,,,,,,0",
        "21,variation,TEE-S,T-shirt - Small,1,0,visible,,,,,taxable,parent,1,4,,0,0,,,,,0,,,20,,,,,,,id:20,,,,,,1",
    ]
    report = import_text(engine, WOO_HEADER + "\n" + "\n".join(rows) + "\n")
    assert report.created == 3
    ps = products(engine)
    assert (ps["CANDLE-FIG"].name, ps["CANDLE-FIG"].price, ps["CANDLE-FIG"].stock) == ("Fig candle, 200 g", 1450, 18)
    assert (ps["ZINE"].price, ps["ZINE"].stock) == (500, None)
    assert (ps["TEE-S"].name, ps["TEE-S"].price, ps["TEE-S"].stock) == ("T-shirt - Small", 2000, 4)
    assert "TEE" not in ps  # the variable parent is not a sellable product


def test_reimport_updates_by_sku_and_moves_stock_through_the_ledger(engine):
    import_text(engine, "sku,name,price,stock\nMUG-01,Blue mug,18,12\nBOWL-02,Bowl,34,5\nZINE,Zine,5,\nVASE,Vase,45,1\n")
    report = import_text(engine, "sku,name,price,stock\nmug-01,Blue glaze mug,19.50,10\nBOWL-02,Bowl,34,5\nZINE,Zine,5,7\nVASE,Vase,45,\nNEW-1,New,1,1\n")
    assert (report.created, report.updated, report.unchanged) == (1, 3, 1)
    ps = products(engine)
    assert len(ps) == 5
    assert (ps["MUG-01"].name, ps["MUG-01"].price, ps["MUG-01"].stock) == ("Blue glaze mug", 1950, 10)  # SKU keeps its case
    assert ps["ZINE"].stock == 7  # now tracked
    assert ps["VASE"].stock is None  # now untracked
    assert movements(engine, "MUG-01") == [(12, 12, "import"), (-2, 10, "import")]
    assert movements(engine, "ZINE") == [(7, 7, "import")]
    assert movements(engine, "VASE") == [(1, 1, "import"), (-1, 0, "import")]
    assert_ledger(engine)


def test_a_bad_row_names_line_and_column_and_writes_nothing(engine, tmp_path):
    import_text(engine, "sku,name,price,stock\nMUG-01,Blue mug,18,12\n")
    before = products(engine)
    moves = movements(engine)
    path = tmp_path / "bad.csv"
    path.write_text("sku,name,price,stock\nMUG-01,Blue mug,20,30\nBOWL-02,Bowl,abc,5\nCUP-3,,4,2\nJAR-4,Jar,4,-3\nMUG-01,Again,1,1\n")
    with pytest.raises(InputError) as ei:
        import_file(engine, path)
    msg = ei.value.message
    assert "line 3, column price" in msg and "'abc'" in msg
    assert "line 4, column name" in msg
    assert "line 5, column stock" in msg
    assert "line 6, column sku" in msg and "repeats line 2" in msg
    assert ".." not in msg
    assert "nothing was written" in ei.value.hint
    after = products(engine)
    assert set(after) == set(before)
    assert (after["MUG-01"].price, after["MUG-01"].stock) == (1800, 12)  # the good row was not applied either
    assert movements(engine) == moves


def test_many_bad_rows_are_summarised(engine):
    text = "sku,name,price\n" + "".join(f"S{i},N,bad\n" for i in range(15))
    with pytest.raises(InputError) as ei:
        import_text(engine, text)
    assert "(and 5 more)" in ei.value.message
    assert products(engine) == {}


@pytest.mark.parametrize(
    "text,expected",
    [
        ("", "empty"),
        ("   \n", "empty"),
        ("sku,name,price\n", "no products"),
        ("code,title\nA,B\n", "missing columns sku, price"),
        ("sku,name,cost\nA,B,1\n", "missing column price"),
    ],
)
def test_bad_files_are_refused(engine, text, expected):
    with pytest.raises(InputError) as ei:
        import_text(engine, text)
    assert expected in ei.value.message
    assert products(engine) == {}


def test_unreadable_files_are_clean_errors(tmp_path):
    with pytest.raises(InputError, match="not found"):
        catalog.read_catalog(tmp_path / "missing.csv", "EUR")
    with pytest.raises(InputError, match="folder"):
        catalog.read_catalog(tmp_path, "EUR")
    latin1 = tmp_path / "latin1.csv"  # a Latin-1 file is read as such (issue 12); damaged UTF-8 is refused
    latin1.write_bytes("sku,name,price\nA,Caf\xe9,1\n".encode("latin-1"))
    assert [r.name for r in catalog.read_catalog(latin1, "EUR")] == ["Café"]
    damaged = tmp_path / "damaged.csv"
    damaged.write_bytes("sku,name,price\nA,Caf\xe9,1\n".encode("latin-1") + "B,Thé,2\n".encode())
    with pytest.raises(InputError) as ei:
        catalog.read_catalog(damaged, "EUR")
    assert "line 2" in ei.value.message and "UTF-8" in ei.value.hint
    binary = tmp_path / "x.xlsx"
    binary.write_bytes(b"PK\x03\x04\x00\x00binary")
    with pytest.raises(InputError, match="not a text file"):
        catalog.read_catalog(binary, "EUR")


def test_import_prices_follow_the_store_currency(engine):
    with pytest.raises(InputError, match="0 decimal places"):
        import_text(engine, "sku,name,price\nTEA,Tea,1500.5\n", currency="JPY")
    import_text(engine, "sku,name,price\nTEA,Tea,1500\n", currency="JPY")
    assert get(engine, "TEA").price == 1500
