"""Products with options and their variants through the flags (issue 13), on SQLite and PostgreSQL."""

from __future__ import annotations

import json

from tests.cli.test_product_cli import as_json, ok, refused

ANA = ("--name", "Ana", "--email", "ana@example.com")


def tee(cli):
    return as_json(cli("product", "add", "TEE", "--name", "T-shirt", "--price", "15", "--stock", "3", "--option", "Size=S,M,L", "--option", "Colour=Red,Blue", "--format", "json"))


def test_add_with_options_makes_one_variant_per_combination(any_cli):
    g = tee(any_cli)
    assert (g["sku"], g["name"], g["options"]) == ("TEE", "T-shirt", ["Size", "Colour"])
    assert [(v["sku"], v["name"], v["options"], v["stock"]) for v in g["variants"]][:2] == [
        ("TEE-S-RED", "T-shirt — S / Red", {"Size": "S", "Colour": "Red"}, 3),
        ("TEE-S-BLUE", "T-shirt — S / Blue", {"Size": "S", "Colour": "Blue"}, 3),
    ]
    assert len(g["variants"]) == 6
    shown = ok(any_cli("product", "show", "TEE"))
    assert "T-shirt (TEE): 6 variant(s)" in shown.stdout and "Colour" in shown.stdout
    listed = as_json(any_cli("product", "list", "--search", "t-shirt", "--format", "json"))
    assert len(listed) == 6 and listed[0]["options"]


def test_a_variant_is_sold_by_its_sku_with_its_own_stock_and_options_in_json(any_cli):
    tee(any_cli)
    order = as_json(any_cli("order", "create", *ANA, "--item", "TEE-M-BLUE:2", "--format", "json"))
    [item] = order["items"]
    assert (item["sku"], item["name"], item["options"]) == ("TEE-M-BLUE", "T-shirt — M / Blue", {"Size": "M", "Colour": "Blue"})
    stocks = {p["sku"]: p["stock"] for p in as_json(any_cli("product", "list", "--format", "json"))}
    assert stocks["TEE-M-BLUE"] == 1 and stocks["TEE-M-RED"] == 3
    err = refused(any_cli("order", "create", *ANA, "--item", "TEE-M-BLUE:2"), 1)
    assert "TEE-M-BLUE" in err
    shown = as_json(any_cli("order", "show", str(order["number"]), "--format", "json"))
    assert shown["items"][0]["options"] == {"Size": "M", "Colour": "Blue"}


def test_ecwid_export_carries_selected_options_for_variant_lines(cli):
    tee(cli)
    ok(cli("product", "add", "MUG", "--name", "Mug", "--price", "9", "--untracked"))
    ok(cli("order", "create", *ANA, "--item", "TEE-L-RED", "--item", "MUG"))
    [order] = json.loads(ok(cli("order", "export", "--format", "ecwid")).stdout)
    tee_line, mug_line = order["items"]
    assert tee_line["selectedOptions"] == [
        {"name": "Size", "value": "L", "valuesArray": ["L"], "type": "CHOICE"},
        {"name": "Colour", "value": "Red", "valuesArray": ["Red"], "type": "CHOICE"},
    ]
    assert "selectedOptions" not in mug_line


def test_variant_add_edit_and_new_option_values(any_cli):
    tee(any_cli)
    v = as_json(any_cli("product", "variant", "add", "TEE", "TEE-XL-RED", "--option", "size=XL", "--option", "Colour=Red", "--price", "17", "--stock", "2", "--format", "json"))
    assert (v["name"], v["price"], v["options"]) == ("T-shirt — XL / Red", "17.00", {"Size": "XL", "Colour": "Red"})
    err = refused(any_cli("product", "variant", "add", "TEE", "TEE-XL-RED2", "--option", "Size=XL", "--option", "Colour=Red", "--stock", "1"), 1)
    assert "TEE-XL-RED already has these options" in err
    err = refused(any_cli("product", "variant", "add", "TEE", "TEE-X", "--option", "Fit=Slim", "--stock", "1"), 2)
    assert "No option 'Fit'" in err
    v = as_json(any_cli("product", "variant", "edit", "TEE-XL-RED", "--option", "Colour=Crimson", "--format", "json"))
    assert v["name"] == "T-shirt — XL / Crimson"
    g = as_json(any_cli("product", "edit", "TEE", "--option", "Colour=Green", "--format", "json"))
    skus = [x["sku"] for x in g["variants"]]
    assert {"TEE-S-GREEN", "TEE-M-GREEN", "TEE-L-GREEN", "TEE-XL-GREEN"} <= set(skus)
    assert {x["sku"]: x["stock"] for x in g["variants"]}["TEE-S-GREEN"] == 0


def test_bad_options_are_refused_cleanly(cli):
    for bad in ("Size", "Size=", "=S", "Size=S,s"):
        refused(cli("product", "add", "TEE", "--name", "T", "--price", "1", "--stock", "1", "--option", bad), 2)
    assert as_json(cli("product", "list", "--all", "--format", "json")) == []


def test_not_for_sale_is_hidden_from_list_but_listed_with_all(cli):
    tee(cli)
    ok(cli("product", "edit", "TEE-S-RED", "--not-for-sale"))
    assert "TEE-S-RED" not in [p["sku"] for p in as_json(cli("product", "list", "--format", "json"))]
    everything = {p["sku"]: p for p in as_json(cli("product", "list", "--all", "--format", "json"))}
    assert everything["TEE-S-RED"]["for_sale"] is False
    assert "(not for sale)" in ok(cli("product", "list", "--all")).stdout
