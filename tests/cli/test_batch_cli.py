"""``ordercli order import`` / ``order export`` through the real Typer app (CliRunner)."""

from __future__ import annotations

import csv
import io
import json
import sqlite3

import pytest

from tests import seed

from tests.conftest import EXAMPLES

HEADER = "order_ref,name,email,phone,sku,quantity,item_name,unit_price,discount,tip,payment_method,note,staff_note\n"


@pytest.fixture
def shop(cli):
    seed.catalog_file(cli.url, EXAMPLES / "catalog.csv")
    return cli


def q(cli, sql):
    with sqlite3.connect(cli.url) as c:
        return c.execute(sql).fetchall()


def write(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_import_example_then_reimport(shop):
    r = shop("order", "import", EXAMPLES / "fair-day.csv")
    assert r.exit_code == 0, r.output
    assert r.stdout == ""  # messages go to stderr
    n = q(shop, "SELECT COUNT(*) FROM orders")[0][0]
    assert n >= 50
    assert f"{n} created · 0 already imported · 0 failed" in r.stderr
    again = shop("order", "import", EXAMPLES / "fair-day.csv", "--format", "json")
    assert again.exit_code == 0
    summary = json.loads(again.stdout)
    assert (summary["created"], summary["already_imported"], summary["failed"], summary["written"]) == (0, n, 0, False)
    assert q(shop, "SELECT COUNT(*) FROM orders")[0][0] == n


def test_json_summary_is_json_only_on_stdout(shop):
    r = shop("order", "import", EXAMPLES / "fair-day.csv", "--format", "json")
    s = json.loads(r.stdout)
    assert s["created"] >= 50 and s["currency"] == "EUR" and s["total_amount"].count(".") == 1
    assert s["problems"] == [] and s["dry_run"] is False
    assert s["first_number"] and s["last_number"]


def test_bad_file_reports_lines_writes_nothing_exit_2(shop, tmp_path):
    p = write(
        tmp_path,
        "bad.csv",
        HEADER
        + "B-1,Ana,ana@example.com,,MUG-BLUE,1,,,,,,,\n"
        + "B-2,Tom,tom@example.com,,MUG-BLU,1,,,,,,,\n"
        + "B-3,Léa,lea@example.com,,MUG-BLUE,-1,,,,,,,\n",
    )
    errors = tmp_path / "problems.csv"
    r = shop("order", "import", p, "--errors", errors)
    assert r.exit_code == 2
    assert r.stdout == ""
    assert "line 3 (order B-2): Unknown SKU 'MUG-BLU'" in r.stderr and "Did you mean MUG-BLUE" in r.stderr
    assert "line 4 (order B-3), column quantity: Invalid quantity '-1'" in r.stderr
    assert "Nothing was imported: 2 problems in 2 orders of 3" in r.stderr
    assert "Traceback" not in r.output
    assert q(shop, "SELECT COUNT(*) FROM orders")[0][0] == 0
    rows = list(csv.DictReader(errors.open(encoding="utf-8")))
    assert [(x["line"], x["order_ref"], x["column"]) for x in rows] == [("3", "B-2", ""), ("4", "B-3", "quantity")]
    assert rows[0]["hint"].startswith("Did you mean")


def test_stock_problem_alone_exits_1(shop, tmp_path):
    p = write(tmp_path, "s.csv", HEADER + "".join(f"S-{i},C{i},c{i}@example.com,,VASE-BUD,1,,,,,,,\n" for i in range(3)))  # 1 in stock
    r = shop("order", "import", p, "--format", "json")
    assert r.exit_code == 1
    s = json.loads(r.stdout)
    assert s["problem_count"] == 1 and s["problems"][0]["line"] == 3 and s["problems"][0]["kind"] == "refused"
    assert "VASE-BUD" in s["problems"][0]["message"]


def test_skip_and_stop_from_the_command_line(shop, tmp_path):
    text = HEADER + "K-1,Ana,ana@example.com,,CARD-THANKS,1,,,,,,,\n" + "K-2,Tom,bad-email,,CARD-THANKS,1,,,,,,,\n" + "K-3,Léa,lea@example.com,,CARD-THANKS,1,,,,,,,\n"
    p = write(tmp_path, "k.csv", text)
    r = shop("order", "import", p, "--on-error", "stop", "--format", "json")
    assert r.exit_code == 2
    s = json.loads(r.stdout)
    assert (s["created"], s["failed"], s["not_processed"], s["stopped_at_line"]) == (1, 1, 1, 3)
    assert q(shop, "SELECT external_ref FROM orders") == [("K-1",)]
    r = shop("order", "import", p, "--on-error", "skip", "--format", "json")
    s = json.loads(r.stdout)
    assert (s["created"], s["already_imported"], s["failed"]) == (1, 1, 1)
    assert sorted(x[0] for x in q(shop, "SELECT external_ref FROM orders")) == ["K-1", "K-3"]


def test_dry_run_writes_nothing(shop):
    before = q(shop, "SELECT sku, stock FROM product ORDER BY sku")
    r = shop("order", "import", EXAMPLES / "fair-day.csv", "--dry-run", "--format", "json")
    assert r.exit_code == 0
    s = json.loads(r.stdout)
    assert s["dry_run"] is True and s["created"] >= 50 and s["written"] is False
    assert q(shop, "SELECT COUNT(*) FROM orders")[0][0] == 0
    assert q(shop, "SELECT sku, stock FROM product ORDER BY sku") == before
    assert "Dry run — nothing saved" in r.stderr


def test_notify_defaults_to_queueing_and_no_notify_suppresses(shop, tmp_path):
    # not a terminal: no question even above 20 emails; confirmations are queued like `order create`
    r = shop("order", "import", EXAMPLES / "fair-day.csv")
    assert r.exit_code == 0
    emailed = q(shop, "SELECT COUNT(*) FROM orders WHERE customer_email IS NOT NULL")[0][0]
    assert emailed > 20
    assert q(shop, "SELECT COUNT(*) FROM outbox WHERE audience = 'customer'")[0][0] == emailed
    assert q(shop, "SELECT COUNT(*) FROM orders WHERE notify_customer")[0][0] == emailed + q(shop, "SELECT COUNT(*) FROM orders WHERE customer_email IS NULL")[0][0]
    p = write(tmp_path, "n.csv", HEADER + "N-1,Ana,ana@example.com,,CARD-THANKS,1,,,,,,,\n")
    r = shop("order", "import", p, "--no-notify")
    assert r.exit_code == 0
    assert q(shop, "SELECT notify_customer FROM orders WHERE external_ref = 'N-1'") == [(0,)]
    assert q(shop, "SELECT COUNT(*) FROM outbox o JOIN orders x ON x.id = o.order_id WHERE x.external_ref = 'N-1' AND o.audience = 'customer'") == [(0,)]


def test_structural_errors_are_one_clean_line(shop, tmp_path):
    cases = {
        "missing.csv": None,
        "empty.csv": "",
        "noheader.csv": "F-1,Ana,ana@example.com,,MUG-BLUE,1\n",
        "binary.csv": b"\x00\x01\x02PK" * 100,
        # UTF-8 (Zoé) damaged by a Latin-1 byte (Chloé): not guessed, refused with the line
        "mixed.csv": (HEADER + "F-0,Zoé,z@example.com,,MUG-BLUE,1,,,,,,,\n").encode() + "F-1,Chloé,c@example.com,,MUG-BLUE,1,,,,,,,\n".encode("latin-1"),
    }
    for name, content in cases.items():
        p = tmp_path / name
        if isinstance(content, bytes):
            p.write_bytes(content)
        elif content is not None:
            p.write_text(content)
        r = shop("order", "import", p)
        assert r.exit_code == 2, (name, r.output)
        lines = [x for x in r.stderr.splitlines() if x.strip()]
        assert lines[0].startswith("Error: ") and len(lines) == 2, (name, r.stderr)
        assert "Traceback" not in r.output
    assert q(shop, "SELECT COUNT(*) FROM orders")[0][0] == 0


def test_bad_options_are_usage_errors(shop, tmp_path):
    r = shop("order", "import", EXAMPLES / "fair-day.csv", "--on-error", "maybe")
    assert r.exit_code == 2
    r = shop("order", "export", "--format", "xml")
    assert r.exit_code == 2
    r = shop("order", "export", "--output", tmp_path / "no" / "such" / "dir.csv")
    assert r.exit_code == 2 and "does not exist" in r.stderr


def test_help_leads_with_an_example(cli):
    for cmd in ("import", "export"):
        r = cli("order", cmd, "--help")
        assert r.exit_code == 0
        body = r.stdout.split("Options")[0]
        assert "Example" in body and f"ordercli order {cmd}" in body


def test_export_csv_to_stdout_and_file_and_formula_neutralisation(shop, tmp_path):
    p = write(tmp_path, "f.csv", HEADER + '"X-1","=HYPERLINK(""http://evil"")",ana@example.com,,CARD-THANKS,2,,,,,,@note,+staff\n')
    assert shop("order", "import", p).exit_code == 0
    r = shop("order", "export")
    assert r.exit_code == 0
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    assert len(rows) == 1
    assert rows[0]["name"] == "'=HYPERLINK(\"http://evil\")" and rows[0]["note"] == "'@note" and rows[0]["staff_note"] == "'+staff"
    assert rows[0]["order_ref"] == "X-1" and rows[0]["sku"] == "CARD-THANKS" and rows[0]["quantity"] == "2"
    out = tmp_path / "out.csv"
    r = shop("order", "export", "--output", out)
    assert r.exit_code == 0 and r.stdout == "" and "Exported 1 order to" in r.stderr
    assert out.read_text(encoding="utf-8") == shop("order", "export").stdout
    # and the neutralised export imports back to the original values
    from tests.conftest import Cli

    other = Cli(str(tmp_path / "other.db"))
    assert other("product", "import", EXAMPLES / "catalog.csv").exit_code == 0
    assert other("order", "import", out).exit_code == 0
    with sqlite3.connect(other.url) as c:
        assert c.execute("SELECT customer_name, note, staff_note FROM orders").fetchall() == [('=HYPERLINK("http://evil")', "@note", "+staff")]


def test_export_ecwid_and_filters(shop, tmp_path):
    assert shop("order", "import", EXAMPLES / "fair-day.csv").exit_code == 0
    n = q(shop, "SELECT COUNT(*) FROM orders")[0][0]
    r = shop("order", "export", "--format", "ecwid")
    assert r.exit_code == 0
    bodies = json.loads(r.stdout)
    assert len(bodies) == n
    for key in ("email", "paymentStatus", "fulfillmentStatus", "paymentMethod", "items", "subtotal", "total", "tax", "discount", "customSurcharges", "billingPerson", "shippingPerson", "orderComments", "privateAdminNotes", "createDate", "externalOrderId"):
        assert key in bodies[0]
    first_number = bodies[0]["externalOrderId"]
    r = shop("order", "pay", first_number, "--method", "Cash")
    assert r.exit_code == 0, r.output
    paid = json.loads(shop("order", "export", "--format", "json", "--payment-status", "paid").stdout)
    assert [o["number"] for o in paid] == [first_number] and paid[0]["payment_status"] == "PAID"
    ecwid_paid = json.loads(shop("order", "export", "--format", "ecwid", "--payment-status", "paid").stdout)
    assert [(b["externalOrderId"], b["paymentStatus"]) for b in ecwid_paid] == [(first_number, "PAID")]
    jl = shop("order", "export", "--format", "jsonl", "--limit", "3").stdout.splitlines()
    assert len(jl) == 3 and all(json.loads(x)["order_ref"].startswith("FAIR-0528-") for x in jl)
    assert shop("order", "export", "--since", "not-a-date").exit_code == 2


def test_import_export_on_both_backends(any_cli, tmp_path):
    assert any_cli("product", "import", EXAMPLES / "catalog.csv").exit_code == 0
    r = any_cli("order", "import", EXAMPLES / "fair-day.csv", "--format", "json")
    assert r.exit_code == 0, r.output
    n = json.loads(r.stdout)["created"]
    out = tmp_path / "e.jsonl"
    assert any_cli("order", "export", "--format", "jsonl", "--output", out).exit_code == 0
    assert len(out.read_text(encoding="utf-8").splitlines()) == n
    again = json.loads(any_cli("order", "import", out, "--format", "json").stdout)
    assert (again["created"], again["already_imported"]) == (0, n)


@pytest.mark.slow
def test_scripted_entry_example_runs_and_reruns(tmp_path):
    import os
    import subprocess
    import sys

    env = dict(os.environ, ORDERCLI_DB=str(tmp_path / "demo.db"), ORDERCLI=f"{sys.executable} -m ordercli", NO_COLOR="1")
    env.pop("ORDERCLI_DEBUG", None)
    for run in (1, 2):
        r = subprocess.run(["bash", str(EXAMPLES / "scripted-entry.sh")], env=env, capture_output=True, text=True, cwd=tmp_path, timeout=300)
        assert r.returncode == 0, (run, r.stdout, r.stderr)
        assert "refused as expected (exit 2)" in r.stdout
        assert "re-run: 56 already imported, 0 created" in r.stdout
    assert "fair-day.csv: 0 created, 56 already imported" in r.stdout  # the second run creates nothing
    with sqlite3.connect(tmp_path / "demo.db") as c:
        assert c.execute("SELECT COUNT(*), COUNT(DISTINCT external_ref) FROM orders").fetchone() == (62, 62)


BAD_FILES = {
    # name: (content, expected "line N" fragments, expected text)
    "contradiction": (HEADER + "C-1,Ana,ana@example.com,,CARD-THANKS,1,,,,,Cash,,\n" + "C-1,Ana,ana@example.com,,CARD-BIRTHDAY,1,,,,,Card,,\n", ["line 3 (order C-1), column payment_method"], "contradicts line 2"),
    "email": (HEADER + "E-1,Ana,ana@example,,CARD-THANKS,1,,,,,,,\n", ["line 2 (order E-1), column email"], "Invalid email"),
    "phone": (HEADER + "P-1,Ana,,12,CARD-THANKS,1,,,,,,,\n", ["line 2 (order P-1), column phone"], "Invalid phone"),
    "nan": (HEADER + "Q-1,Ana,ana@example.com,,CARD-THANKS,NaN,,,,,,,\n", ["line 2 (order Q-1), column quantity"], "whole number"),
    "megabyte-cell": (HEADER + "M-1,Ana,ana@example.com,,CARD-THANKS,1,,,,,,ok,\n" + "M-2,Tom,tom@example.com,,CARD-THANKS,1,,,,,," + "x" * 1_048_576 + ",\n", ["line 3 (order M-2), column note"], "too long"),
    "late-latin1": (None, ["line 2003"], "not UTF-8"),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_bad_files_under_reject_all_write_nothing(shop, tmp_path, case):
    content, wheres, text = BAD_FILES[case]
    p = tmp_path / f"{case}.csv"
    if content is None:  # a Latin-1 byte after the first 64 KB of a UTF-8 file (Zoé): found by the streaming reader, with its line
        good = "".join(f"G-{i},{'Zoé' if i == 0 else 'Ana'},ana{i}@example.com,,CARD-THANKS,1,,,,,,,\n" for i in range(2001))
        p.write_bytes((HEADER + good).encode() + "L-1,Chloé,c@example.com,,CARD-THANKS,1,,,,,,,\n".encode("latin-1"))
    else:
        p.write_text(content, encoding="utf-8")
    before = q(shop, "SELECT sku, stock FROM product ORDER BY sku")
    r = shop("order", "import", p)
    assert r.exit_code == 2, r.output
    for w in wheres:
        assert w in r.stderr, r.stderr[:2000]
    assert text in r.stderr
    assert "Nothing was imported" in r.stderr
    assert q(shop, "SELECT COUNT(*) FROM orders")[0][0] == 0
    assert q(shop, "SELECT COUNT(*) FROM customer")[0][0] == 0
    assert q(shop, "SELECT sku, stock FROM product ORDER BY sku") == before
