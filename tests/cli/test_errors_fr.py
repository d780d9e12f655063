"""The services' refusals on a French till (ORDERCLI_LANG=fr_FR): the message on stderr is in
French, money in the French format, the exit code says refused/bad input, no traceback, and the
store is left as it was."""

from __future__ import annotations

import re
import sqlite3

import pytest

from tests import seed
from tests.conftest import Cli

FR = {"ORDERCLI_LANG": "fr_FR"}
TILL_FR = {**FR, "ORDERCLI_TILL": "stall-1"}


@pytest.fixture
def shop(sqlite_url) -> Cli:
    from ordercli import i18n

    seed.products(f"sqlite:///{sqlite_url}", ("MUG-01", "Blue mug", "18.00", 5, 20))
    i18n.reset()
    return Cli(sqlite_url)


def refused(r, code: int) -> str:
    """stderr of a refused command: its exit code, no traceback, nothing on stdout."""
    assert r.exit_code == code, (r.exit_code, r.stdout, r.stderr)
    assert "Traceback" not in r.stderr and "Traceback" not in r.stdout
    return " ".join(r.stderr.split())  # rich may wrap a long line


def rows(url: str, sql: str) -> list:
    with sqlite3.connect(url) as conn:
        return conn.execute(sql).fetchall()


def test_paying_an_order_with_nothing_due_is_refused_in_french(shop):
    assert shop("order", "create", "--name", "Ana", "--email", "ana@example.com", "--item", "MUG-01:2", env=FR).exit_code == 0
    assert shop("order", "pay", "1001", env=FR).exit_code == 0
    err = refused(shop("order", "pay", "1001", env=FR), 1)
    assert re.search(r"Rien n'est dû sur la commande 1001 \(total 36,00\s€, payé 36,00\s€\)\.", err), err
    assert "Nothing is due" not in err
    assert rows(shop.url, "SELECT COUNT(*) FROM payment") == [(1,)]


def test_paying_more_than_is_due_says_so_in_french_money(shop):
    assert shop("order", "create", "--name", "Ana", "--email", "ana@example.com", "--item", "MUG-01", env=FR).exit_code == 0
    err = refused(shop("order", "pay", "1001", "--amount", "50", env=FR), 1)
    assert re.search(r"50,00\s€ dépasse le reste dû sur la commande 1001 \(18,00\s€\)\.", err), err
    assert rows(shop.url, "SELECT COUNT(*) FROM payment") == [(0,)]


def test_a_shortage_is_stock_insuffisant_and_nothing_is_created(shop):
    err = refused(shop("order", "create", "--name", "Ana", "--email", "ana@example.com", "--item", "MUG-01:9", env=FR), 1)
    assert "Stock insuffisant — MUG-01 : 9 demandé(s), 5 disponible(s)." in err, err
    assert "Not enough stock" not in err
    assert rows(shop.url, "SELECT COUNT(*) FROM orders") == [(0,)]
    assert rows(shop.url, "SELECT stock FROM product WHERE sku = 'MUG-01'") == [(5,)]


def test_an_unknown_order_and_an_unknown_sku(shop):
    err = refused(shop("order", "show", "9999", env=FR), 1)
    assert "Aucune commande '9999'." in err and "No order" not in err, err
    err = refused(shop("product", "stock", "NOPE", "--add", "1", env=FR), 1)
    assert "Référence inconnue : 'NOPE'." in err, err


def test_stock_cannot_go_below_zero_in_french(shop):
    err = refused(shop("product", "stock", "MUG-01", "--add", "-8", env=FR), 1)
    assert "Le stock de MUG-01 ne peut pas descendre sous 0 (en stock : 5, variation : -8)." in err, err
    assert rows(shop.url, "SELECT stock FROM product WHERE sku = 'MUG-01'") == [(5,)]


def test_till_session_refusals_in_french(shop):
    err = refused(shop("till", "close", "--counted", "10", "--yes", env=TILL_FR), 1)
    assert "Aucune session n'est ouverte sur la caisse stall-1." in err, err
    assert shop("till", "open", "--float", "50", env=TILL_FR).exit_code == 0
    err = refused(shop("till", "open", "--float", "60", env=TILL_FR), 1)
    assert re.search(r"La caisse stall-1 a déjà une session ouverte \(n° \d+, ouverte le \d{4}-\d\d-\d\d \d\d:\d\d UTC\)\.", err), err
    assert rows(shop.url, "SELECT COUNT(*) FROM till_session") == [(1,)]


def test_a_refund_above_what_was_paid_in_french(shop):
    assert shop("order", "create", "--name", "Ana", "--email", "ana@example.com", "--item", "MUG-01:2", env=FR).exit_code == 0
    assert shop("order", "pay", "1001", "--amount", "10", env=FR).exit_code == 0
    err = refused(shop("order", "refund", "1001", "--amount", "20", "--yes", env=FR), 1)
    assert re.search(r"20,00\s€ dépasse ce qui a été payé sur la commande 1001 \(10,00\s€ remboursables\)\.", err), err
    assert re.search(r"Remboursez au plus 10,00\s€\.", err), err


def test_catalog_import_refusals_in_french(shop, tmp_path):
    f = tmp_path / "strict.csv"
    f.write_text("sku,name,price\nTEA-01,Tea,4.50\nBAD-01,Bad,abc\n", encoding="utf-8")
    err = refused(shop("product", "import", f, "--strict", env=FR), 2)
    assert "Catalogue non importé, rien n'a été enregistré (1 ligne(s) ne peuvent pas être importées) : " in err, err
    usd = tmp_path / "usd.csv"
    usd.write_text("sku,name,price,currency\nTEA-01,Tea,4.50,USD\n", encoding="utf-8")
    err = refused(shop("product", "import", usd, env=FR), 2)
    assert "usd.csv' ligne 2 : les prix sont en USD, mais cette boutique vend en EUR ; rien n'a été importé." in err, err
    bad = tmp_path / "pas-un-catalogue.csv"
    bad.write_text("foo,bar\n1,2\n", encoding="utf-8")
    err = refused(shop("product", "import", bad, env=FR), 2)
    assert "ce n'est pas un catalogue que cette version connaît" in err, err
    assert "Donnez un CSV avec un en-tête sku,name,price[,stock]" in err, err
    assert rows(shop.url, "SELECT COUNT(*) FROM product") == [(1,)]


def test_the_same_refusal_stays_english_on_an_english_till(shop):
    err = refused(shop("order", "show", "9999"), 1)
    assert "No order '9999'." in err and "Aucune" not in err


def test_order_import_problems_in_french(shop, tmp_path):
    f = tmp_path / "commandes.csv"
    f.write_text(
        "order_ref,name,email,phone,sku,quantity\nA-1,Ana,ana@example.com,,MUG-01,\nA-2,Bo,bo@example.com,,MUG-01,1\nA-2,Bo,bo@example.com,,MUG-01,1\nA-3,Cy,cy@example.com,,MUG-01,1\n",
        encoding="utf-8",
    )
    err = refused(shop("order", "import", f, env=FR), 2)
    assert "la quantité manque." in err and "Donnez un nombre entier de 1 ou plus." in err, err
    assert "the quantity is missing" not in err
    assert rows(shop.url, "SELECT COUNT(*) FROM orders") == [(0,)]
    j = tmp_path / "objet.json"
    j.write_text('{"order_ref": "A-1"}', encoding="utf-8")
    err = refused(shop("order", "import", j, "--input-format", "json", env=FR), 2)
    assert "un tableau JSON de commandes était attendu ([{…}, {…}])." in err, err
