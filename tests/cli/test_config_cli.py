"""``ordercli config …``: settings shared by every till, kept in the store."""

from __future__ import annotations

import json

import pytest

from ordercli.settings import KEYS


def ok(result):
    assert result.exit_code == 0, f"exit {result.exit_code}\nstdout: {result.stdout}\nstderr: {result.stderr}"
    return result


def test_get_prints_only_the_value_on_stdout(cli):
    r = ok(cli("config", "get", "store.currency"))
    assert r.stdout == "EUR\n"
    assert r.stderr == ""


def test_set_confirms_on_stderr_and_is_shared(any_cli):
    r = ok(any_cli("config", "set", "store.name", "  Hilltop Pottery "))
    assert r.stdout == ""
    assert "store.name = Hilltop Pottery" in r.stderr
    assert ok(any_cli("config", "get", "store.name")).stdout == "Hilltop Pottery\n"
    from ordercli import db

    db.dispose_all()  # another till, same store
    assert ok(any_cli("config", "get", "store.name")).stdout == "Hilltop Pottery\n"


def test_show_table_and_json(cli):
    ok(cli("config", "set", "order.prefix", "FAIR-"))
    data = json.loads(ok(cli("config", "show", "--format", "json")).stdout)
    assert set(data) == set(KEYS)
    assert data["order.prefix"] == "FAIR-"
    assert data["store.currency"] == "EUR"
    assert data["order.next_number"] == "1001"
    r = ok(cli("config", "show"))
    line = next(ln for ln in r.stdout.splitlines() if ln.startswith("order.prefix"))
    assert "FAIR-" in line and "(default)" not in line
    line = next(ln for ln in r.stdout.splitlines() if ln.startswith("store.currency"))
    assert "EUR (default)" in line


def test_unset(cli):
    ok(cli("config", "set", "store.name", "Hilltop"))
    r = ok(cli("config", "unset", "store.name"))
    assert "back to its default" in r.stderr
    assert ok(cli("config", "get", "store.name")).stdout == "My shop\n"


def test_settings_change_new_orders(cli):
    ok(cli("config", "set", "order.prefix", "FAIR-"))
    ok(cli("config", "set", "order.next_number", "42"))
    ok(cli("config", "set", "tax.prices_include_tax", "false"))
    ok(cli("config", "set", "tax.default_rate", "10"))
    data = json.loads(ok(cli("order", "create", "--name", "Ana", "--email", "ana@example.com", "--custom-item", "Repair=20", "--format", "json")).stdout)
    assert data["number"] == "FAIR-42"
    assert (data["subtotal"], data["tax"], data["total"], data["prices_include_tax"]) == ("20.00", "2.00", "22.00", False)
    assert ok(cli("config", "get", "order.next_number")).stdout == "43\n"


@pytest.mark.parametrize(
    "args,words",
    [
        (["set", "store.nmae", "x"], "store.name"),
        (["get", "nope"], "config show"),
        (["unset", "nope"], "config show"),
        (["set", "store.currency", "EUX"], "ISO 4217"),
        (["set", "tax.prices_include_tax", "maybe"], "true or false"),
        (["set", "order.next_number", "zero"], "1 or more"),
        (["set", "store.iban", "FR00 1234"], "IBAN"),
    ],
)
def test_bad_keys_and_values(cli, args, words):
    r = cli("config", *args)
    assert r.exit_code == 2
    assert r.stdout == ""
    assert words in r.stderr
    assert "Traceback" not in r.stderr
    assert len([ln for ln in r.stderr.splitlines() if ln.strip()]) <= 2
    data = json.loads(ok(cli("config", "show", "--format", "json")).stdout)
    assert data["store.currency"] == "EUR" and data["store.iban"] == ""


def test_next_number_cannot_go_back(cli):
    ok(cli("product", "add", "Z", "--name", "Z", "--price", "1", "--untracked"))
    ok(cli("order", "create", "--name", "Ana", "--email", "ana@example.com", "--item", "Z"))
    r = cli("config", "set", "order.next_number", "1000")
    assert r.exit_code == 2 and "1001" in r.stderr
    assert ok(cli("config", "get", "order.next_number")).stdout == "1002\n"


def test_help_leads_with_an_example(cli):
    for cmd in ["show", "get", "set", "unset"]:
        assert "Example" in ok(cli("config", cmd, "--help")).stdout.split("Options")[0], cmd
