"""A VAT-exempt seller (`tax.vat_exempt true`, franchise en base) charges no VAT: new orders carry
none whatever the catalog's rates, so the order, the receipt and the day's report agree with the
invoice's "TVA non applicable, art. 293 B du CGI"."""

from __future__ import annotations

import json


def make_shop(cli, exempt: bool) -> None:
    assert cli("product", "add", "MUG", "--name", "Mug", "--price", "18", "--stock", "5", "--tax-rate", "20").exit_code == 0
    assert cli("config", "set", "tax.default_rate", "20").exit_code == 0
    assert cli("config", "set", "tax.vat_exempt", "true" if exempt else "false").exit_code == 0


def sell(cli, *extra) -> dict:
    r = cli("order", "create", "--walk-in", "--item", "MUG:2", "--custom-item", "Gift wrap=2.00", *extra, "--pay", "cash", "--format", "json")
    assert r.exit_code == 0, r.output
    return json.loads(r.stdout)


def test_an_exempt_seller_charges_no_vat_on_catalog_or_custom_lines(cli):
    make_shop(cli, exempt=True)
    order = sell(cli)
    assert order["tax"] == "0.00" and order["total"] == "38.00"
    assert [ln["tax_rate"] for ln in order["items"]] == ["0", "0"]
    report = json.loads(cli("report", "day", "--format", "json").stdout)
    assert report["by_rate"] == [{"rate": "0", "net": "38.00", "tax": "0.00", "gross": "38.00"}]
    text = cli("order", "show", order["number"]).stdout
    assert "VAT" not in text and "Tax" not in text, text


def test_a_vat_registered_seller_still_charges_the_catalog_rate(cli):
    make_shop(cli, exempt=False)
    order = sell(cli)
    assert order["tax"] == "6.33" and order["total"] == "38.00"
    assert [ln["tax_rate"] for ln in order["items"]] == ["20", "20"]
