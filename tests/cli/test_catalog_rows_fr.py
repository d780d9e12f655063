"""A catalog import's skipped rows are explained in the screen's language (French here), on screen
and in the --errors file; the codes stay as they are."""

from __future__ import annotations

import csv


def test_skipped_rows_are_explained_in_french(cli, french, tmp_path):
    f = tmp_path / "catalogue.csv"
    f.write_text("sku,name,price,stock\nA,Bol,,3\nB,Tasse,4,beaucoup\nC bad,Vase,5,1\nD,Plat,6,2\n", encoding="utf-8")
    errors = tmp_path / "erreurs.csv"
    r = cli("product", "import", f, "--errors", errors)
    assert r.exit_code == 0, r.output  # D was imported
    err = " ".join(r.stderr.split())
    for french_reason in ("pas de prix", "le stock 'beaucoup' doit être un nombre entier", "référence 'C bad' invalide"):
        assert french_reason in err, err
    assert "no price" not in err and "must be a whole number" not in err
    rows = list(csv.reader(errors.open(encoding="utf-8-sig")))
    assert [row[3] for row in rows[1:]] == ["catalog.no_price", "catalog.bad_stock", "catalog.bad_sku"]
    assert "doit être un nombre entier" in rows[2][4]


def test_the_same_rows_in_english(cli, tmp_path):
    f = tmp_path / "catalog.csv"
    f.write_text("sku,name,price,stock\nA,Bowl,,3\nB,Cup,4,lots\nD,Dish,6,2\n", encoding="utf-8")
    r = cli("product", "import", f)
    assert r.exit_code == 0, r.output
    assert "no price" in r.stderr and "stock 'lots' must be a whole number" in r.stderr
