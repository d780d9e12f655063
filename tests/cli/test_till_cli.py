"""`ordercli till …` in-process: exit codes, stdout vs stderr, JSON with decimal strings."""

from __future__ import annotations

import json

import pytest

from tests.conftest import Cli

TILL = {"ORDERCLI_TILL": "stall-1"}


@pytest.fixture
def shop(sqlite_url) -> Cli:
    c = Cli(sqlite_url)
    assert c("product", "add", "MUG", "--name", "Mug", "--price", "12.00", "--stock", "20").exit_code == 0
    return c


def sell(shop, qty=1) -> str:
    r = shop("order", "create", "--name", "Ana", "--email", "ana@example.com", "--item", f"MUG:{qty}", "--format", "json", env=TILL)
    assert r.exit_code == 0, r.stderr
    return json.loads(r.stdout)["number"]


def test_a_session_from_open_to_close_as_json(shop):
    r = shop("till", "open", "--float", "50", env=TILL)
    assert r.exit_code == 0 and "Till stall-1 open" in r.stderr and r.stdout == ""
    n1, n2 = sell(shop, 2), sell(shop, 1)
    assert shop("order", "pay", n1, "--method", "cash", "--tendered", "30", env=TILL).exit_code == 0  # 24.00 kept, 6.00 change
    assert shop("order", "pay", n2, "--method", "Carte", env=TILL).exit_code == 0
    assert shop("order", "refund", n1, "--amount", "4", "--method", "cash", "--reason", "chipped", "--yes", env=TILL).exit_code == 0
    assert shop("till", "cash-in", "20", "--reason", "coins", env=TILL).exit_code == 0
    r = shop("till", "cash-out", "15.50", "--reason", "bank deposit", env=TILL)
    assert r.exit_code == 0 and "expected cash now €74.50" in r.stderr

    status = json.loads(shop("till", "status", "--format", "json", env=TILL).stdout)
    assert (status["status"], status["float"], status["expected_cash"], status["counted_cash"]) == ("open", "50.00", "74.50", None)

    r = shop("till", "close", "--counted", "74", "--yes", "--format", "json", env=TILL)
    assert r.exit_code == 0, r.stderr
    data = json.loads(r.stdout)
    assert {k: data[k] for k in ("float", "expected_cash", "counted_cash", "difference", "cash_payments", "cash_refunds", "cash_in", "cash_out")} == {
        "float": "50.00", "expected_cash": "74.50", "counted_cash": "74.00", "difference": "-0.50",
        "cash_payments": "24.00", "cash_refunds": "4.00", "cash_in": "20.00", "cash_out": "15.50",
    }
    assert [(m["method"], m["count"], m["amount"]) for m in data["by_method"]] == [("cash", 1, "20.00"), ("card", 1, "12.00")]
    assert data["status"] == "closed"

    hist = json.loads(shop("till", "history", "--format", "json").stdout)
    assert [(h["id"], h["till"], h["expected_cash"], h["counted_cash"], h["difference"]) for h in hist] == [(data["id"], "stall-1", "74.50", "74.00", "-0.50")]
    shown = json.loads(shop("till", "show", str(data["id"]), "--format", "json").stdout)
    assert shown["difference"] == "-0.50" and shown["moves"][1]["reason"] == "bank deposit"
    table = shop("till", "show", str(data["id"]))
    assert "Expected cash" in table.stdout and "€74.50" in table.stdout and "-€0.50 (short)" in table.stdout


def test_refusals_exit_codes_and_nothing_written(shop):
    r = shop("till", "close", "--counted", "10", "--yes", env=TILL)
    assert r.exit_code == 1 and "No session is open on till stall-1" in r.stderr and "till open --float" in r.stderr
    assert shop("till", "open", "--float", "50", env=TILL).exit_code == 0
    r = shop("till", "open", "--float", "60", env=TILL)
    assert r.exit_code == 1 and "already has an open session" in r.stderr and "Traceback" not in r.stderr
    r = shop("till", "open", "--float", "60", "--till", "stall-2")  # another till: its own session
    assert r.exit_code == 0
    r = shop("till", "status", "--format", "json", env=TILL)  # --till of the command before does not carry over
    assert json.loads(r.stdout)["float"] == "50.00"
    r = shop("till", "close", "--counted", "50", env=TILL)  # no terminal, no --yes
    assert r.exit_code == 2 and "--yes" in r.stderr
    assert json.loads(shop("till", "status", "--format", "json", env=TILL).stdout)["status"] == "open"
    r = shop("till", "cash-in", "5", env=TILL)
    assert r.exit_code == 2 and "--reason" in r.stderr
    r = shop("till", "cash-out", "abc", "--reason", "x", env=TILL)
    assert r.exit_code == 2 and r.stdout == ""
    r = shop("till", "open", "--float", "-5", "--till", "stall-3")
    assert r.exit_code == 2
    r = shop("till", "show", "999")
    assert r.exit_code == 1 and "till history" in r.stderr
    r = shop("till", "status", "--till", "")
    assert r.exit_code == 2
    r = shop("till", "status", "--till", "stall-9")
    assert r.exit_code == 0 and "No session is open on till stall-9" in r.stderr


def test_till_names_are_shown_literally(shop):
    assert shop("till", "open", "--float", "1", "--till", "[bold]x[/bold]").exit_code == 0
    r = shop("till", "history")
    assert "[bold]x[/bold]" in r.stdout


def test_help_leads_with_an_example(cli):
    for args in (["till"], ["till", "open"], ["till", "cash-in"], ["till", "cash-out"], ["till", "status"], ["till", "close"], ["till", "history"], ["till", "show"],
                 ["report"], ["report", "day"], ["report", "sales"]):
        r = cli(*args, "--help")
        assert r.exit_code == 0 and "Example" in r.stdout.split("Options")[0], args
