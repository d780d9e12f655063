"""``ordercli customer …``: customers are created by orders; find and review them."""

from __future__ import annotations

import csv
import io
import json

import pytest


def ok(result):
    assert result.exit_code == 0, f"exit {result.exit_code}\nstdout: {result.stdout}\nstderr: {result.stderr}"
    return result


def as_json(result):
    return json.loads(ok(result).stdout)


@pytest.fixture
def people(any_cli):
    cli = any_cli
    ok(cli("config", "set", "store.phone_region", "FR"))
    ok(cli("product", "add", "ZINE", "--name", "Zine", "--price", "5", "--untracked"))
    ok(cli("order", "create", "--name", "Ana Lima", "--email", "Ana@Example.com", "--phone", "06 12 34 56 78", "--item", "ZINE"))
    ok(cli("order", "create", "--name", "Bea Costa", "--phone", "+33 6 98 76 54 32", "--item", "ZINE:2"))
    ok(cli("order", "create", "--name", "Ana L.", "--email", "ana@example.com", "--item", "ZINE:3"))  # same customer as the first
    return cli


def test_customers_are_created_by_orders_and_matched(people):
    data = as_json(people("customer", "list", "--format", "json"))
    assert [(c["name"], c["email"], c["phone"]) for c in data] == [
        ("Ana Lima", "ana@example.com", "+33612345678"),
        ("Bea Costa", None, "+33698765432"),
    ]
    assert all(c["created_at"].endswith("Z") for c in data)


def test_list_table_csv_and_search(people):
    r = ok(people("customer", "list"))
    assert "Ana Lima" in r.stdout and "Bea Costa" in r.stdout and "2 customer(s)" in r.stdout
    rows = list(csv.DictReader(io.StringIO(ok(people("customer", "list", "--format", "csv")).stdout)))
    assert [row["name"] for row in rows] == ["Ana Lima", "Bea Costa"]
    assert [c["name"] for c in as_json(people("customer", "list", "--search", "COSTA", "--format", "json"))] == ["Bea Costa"]
    assert [c["name"] for c in as_json(people("customer", "list", "--search", "98 76", "--format", "json"))] == ["Bea Costa"]
    assert [c["name"] for c in as_json(people("customer", "list", "--search", "06 98 76 54 32", "--format", "json"))] == ["Bea Costa"]
    assert [c["name"] for c in as_json(people("customer", "list", "--search", "example.com", "--format", "json"))] == ["Ana Lima"]
    assert [c["name"] for c in as_json(people("customer", "list", "--limit", "1", "--offset", "1", "--format", "json"))] == ["Bea Costa"]
    r = ok(people("customer", "list", "--search", "zed"))
    assert r.stdout == "" and "No customers match" in r.stderr


@pytest.mark.parametrize("key", ["ana@example.com", "ANA@example.com", "06 12 34 56 78", "+33612345678", "1"])
def test_show_by_email_phone_or_id(people, key):
    data = as_json(people("customer", "show", key, "--format", "json"))
    assert data["name"] == "Ana Lima"
    assert [o["number"] for o in data["orders"]] == ["1003", "1001"]
    assert [o["total"] for o in data["orders"]] == ["15.00", "5.00"]
    assert data["orders"][0]["payment_status"] == "AWAITING_PAYMENT"


def test_show_table(people):
    r = ok(people("customer", "show", "+33 6 98 76 54 32"))
    assert "Bea Costa" in r.stdout and "+33698765432" in r.stdout and "1002" in r.stdout and "1 order(s)" in r.stdout


def test_show_unknown_customer(people):
    r = people("customer", "show", "zed@example.com")
    assert r.exit_code == 1
    assert r.stdout == ""
    assert "No customer 'zed@example.com'" in r.stderr and "customer list" in r.stderr
    assert "Traceback" not in r.stderr


def test_no_customers_yet(cli):
    r = ok(cli("customer", "list"))
    assert r.stdout == "" and "first order" in r.stderr
    assert as_json(cli("customer", "list", "--format", "json")) == []


def test_help_leads_with_an_example(cli):
    for cmd in ["list", "show"]:
        assert "Example" in ok(cli("customer", cmd, "--help")).stdout.split("Options")[0]
