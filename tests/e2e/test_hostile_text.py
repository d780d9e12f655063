"""Text from customers and products is data, never markup (issue 10 §1).

Hostile names — rich markup, ANSI/OSC escape sequences, BEL, CR, C1 controls, bidi overrides,
10,000 characters, emoji — go through every command that shows a name. Each command exits 0,
shows the text literally (controls made visible, ``output.shown``), and never sends an escape
sequence or a BEL from the data to the terminal. JSON and CSV keep the stored text exactly.

Names the input gate accepts (markup, emoji) are typed through the CLI; the ones it refuses
(controls, 10,000 characters) come from a store written by something else and are put there
with SQL, which is how they reach a till in real life.
"""

from __future__ import annotations

import csv
import io
import json
import os
import sqlite3
import sys

import pytest



def shown(text: str) -> str:
    """What a screen must show (the test's own oracle): controls and bidi overrides as escapes."""
    out = []
    for ch in text:
        n = ord(ch)
        if (n < 0x20 and ch not in "\t\n") or 0x7F <= n <= 0x9F:
            out.append(f"\\x{n:02x}")
        elif 0x202A <= n <= 0x202E or 0x2066 <= n <= 0x2069:
            out.append(f"\\u{n:04x}")
        else:
            out.append(ch)
    return "".join(out)

HOSTILE = [
    "Ana [/]",
    "Cup [/bold]",
    "[link=http://evil.example/pay]Pay here[/link]",
    "[bold red]Loud[/] \\[escaped?]",
    "Red \x1b[31mRED\x1b[0m plain",
    "Link \x1b]8;;http://evil.example/pay\x07Pay\x1b]8;;\x07 end",
    "Bell\x07ring",
    "Over\rwrite",
    "C1 \x9b31m csi \x9d osc",
    "Bidi \u202eexe.txt\u202c \u2066iso\u2069",
    "Long " + "x" * 9995,
    "Café ☕ 🎉 👩‍👩‍👧 ok",
]
RAW_TERMINAL = ["\x1b", "\x07", "\r", "\x9b", "\x9d", "\u202e", "\u2066"]


def accepted(name: str) -> bool:
    from ordercli.domain import clean_text
    from ordercli.errors import InputError

    try:
        clean_text(name, "name", required=True)
        return True
    except InputError:
        return False


def squash(text: str) -> str:
    """Whitespace removed: a 10,000-character cell folds over several lines."""
    return "".join(text.split())


def ok(result):
    out = result.stdout + result.stderr
    assert "Traceback" not in out
    assert result.exit_code == 0, f"exit {result.exit_code}\n{out[:3000]}"
    for raw in RAW_TERMINAL:
        assert raw not in out, f"{raw!r} reached the terminal:\n{out[:3000]}"
    return out


def has(out: str, text: str) -> bool:
    if len(text) > 1000:  # wrapped inside a table row: every word of it, each in one piece
        return all(word in squash(out) for word in shown(text).split())
    return squash(shown(text)) in squash(out)


@pytest.fixture
def hostile_store(cli, sqlite_url):
    """One product, customer and order per hostile name (order 1001 + i, product H<i>)."""
    store = sqlite_url
    for i, name in enumerate(HOSTILE):
        safe = name if accepted(name) else f"Placeholder {i}"
        out = ok(cli("product", "add", f"H{i}", "--name", safe, "--price", "10", "--stock", "50"))
        assert has(out, safe)
        out = ok(cli("order", "create", "--name", safe, "--email", f"c{i}@example.com", "--item", f"H{i}:3", "--payment-method", safe, "--note", safe))
        assert has(out, safe)
    with sqlite3.connect(store) as conn:
        for i, name in enumerate(HOSTILE):
            conn.execute("UPDATE product SET name = ? WHERE sku = ?", (name, f"H{i}"))
            conn.execute("UPDATE customer SET name = ? WHERE email = ?", (name, f"c{i}@example.com"))
            conn.execute(
                "UPDATE orders SET customer_name = ?, note = ?, staff_note = ?, payment_method = ?, tracking_number = ? WHERE number = ?",
                (name, name, name, name, name, str(1001 + i)),
            )
            conn.execute("UPDATE order_line SET name = ? WHERE sku = ?", (name, f"H{i}"))
            conn.execute("UPDATE order_event SET summary = summary || ' ' || ? WHERE order_id = (SELECT id FROM orders WHERE number = ?)", (name, str(1001 + i)))
            conn.execute(
                "UPDATE outbox SET recipient = ?, last_error = ? WHERE id = (SELECT MIN(id) FROM outbox WHERE order_id = (SELECT id FROM orders WHERE number = ?))",
                (name, name, str(1001 + i)),
            )
    return cli, store


def test_every_command_shows_hostile_names_literally(hostile_store):
    cli, _ = hostile_store
    lists = {
        "product list": ok(cli("product", "list")),
        "customer list": ok(cli("customer", "list")),
        "order list": ok(cli("order", "list")),
        "outbox list": ok(cli("outbox", "list")),
    }
    for i, name in enumerate(HOSTILE):
        number = str(1001 + i)
        for what, out in lists.items():
            assert has(out, name), f"{what} lacks {name[:60]!r}"
        assert has(ok(cli("product", "show", f"H{i}")), name)
        assert has(ok(cli("product", "history", f"H{i}")), name)
        cid = json.loads(cli("customer", "list", "--search", f"c{i}@example.com", "--format", "json").stdout)[0]["id"]  # JSON: exact text
        assert has(ok(cli("customer", "show", str(cid))), name)
        out = ok(cli("order", "show", number))
        assert has(out, name) and has(out, "Tracking number: " + name) and has(out, "Note: " + name)
        edited = cli("order", "edit", number, "--set-qty", f"H{i}=2")
        if accepted(name):
            assert has(ok(edited), name)
        else:  # the edit gate re-checks the stored customer text and refuses it; its message is harmless too
            assert edited.exit_code == 2 and not any(raw in edited.stdout + edited.stderr for raw in RAW_TERMINAL), edited.stderr[:500]
        ok(cli("order", "status", number, "--fulfillment", "processing"))
        assert has(ok(cli("order", "pay", number, "--amount", "5")), name)  # the order's payment method
        ok(cli("order", "refund", number, "--amount", "1", "--yes"))
        ok(cli("order", "cancel", number, "--yes"))
        assert has(ok(cli("order", "show", number)), name)


def test_export_keeps_the_stored_text_exactly(hostile_store):
    cli, _ = hostile_store
    r = cli("order", "export", "--format", "json")
    assert r.exit_code == 0, r.stderr
    data = json.loads(r.stdout)
    by_number = {o["number"]: o for o in data}
    r = cli("order", "export", "--format", "csv")
    assert r.exit_code == 0, r.stderr
    rows = list(csv.DictReader(io.StringIO(r.stdout, newline="")))
    for i, name in enumerate(HOSTILE):
        o = by_number[str(1001 + i)]
        assert o["customer"]["name"] == name and o["note"] == name and o["items"][0]["name"] == name
        if "\r" not in name:  # see the next test
            assert any(name in row.values() for row in rows), f"CSV lost {name[:60]!r}"
    # The writers in output.py (customer list / product list --format csv) keep every name exactly.
    r = cli("customer", "list", "--format", "csv")
    assert r.exit_code == 0, r.stderr
    names = [row["name"] for row in csv.DictReader(io.StringIO(r.stdout, newline=""))]
    assert sorted(names) == sorted(HOSTILE)


def test_csv_export_keeps_a_carriage_return(hostile_store):
    cli, _ = hostile_store
    r = cli("order", "export", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(r.stdout, newline="")))
    assert any("Over\rwrite" in row.values() for row in rows)


# ------------------------------------------------------------ a real terminal, colour on


@pytest.mark.slow
def test_a_colour_terminal_gets_only_richs_own_styling(hostile_store):
    import re

    import pexpect

    _, store = hostile_store
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    env.update({"ORDERCLI_DB": store, "TERM": "xterm", "FORCE_COLOR": "1", "COLUMNS": "160", "LINES": "50", "PROMPT_TOOLKIT_NO_CPR": "1"})
    sgr = re.compile(r"\x1b\[[0-9;]*m")
    for args in (["product", "list"], ["order", "list"], ["customer", "list"], ["order", "show", "1003"], ["order", "show", "1006"], ["product", "show", "H2"]):
        child = pexpect.spawn(sys.executable, ["-m", "ordercli", *args], env=env, encoding="utf-8", timeout=60, dimensions=(50, 160))
        child.expect(pexpect.EOF)
        child.close()
        out = child.before
        assert child.exitstatus == 0, out[-2000:]
        assert sgr.search(out), f"{args}: rich styling was not on"  # the test means something only with colour on
        rest = sgr.sub("", out)
        assert "\x1b" not in rest, f"{args}: an escape sequence from the data: {rest[rest.index(chr(27)) - 20:][:80]!r}"
        assert "\x1b]8;" not in out and "\x07" not in out and "\x9b" not in out
        assert "\u202e" not in out
        plain = rest.replace("\r\n", "\n")
        if args[:2] == ["order", "show"]:
            number = int(args[2]) - 1001
            assert has(plain, HOSTILE[number])
        if args == ["product", "list"]:
            assert "[link=http://evil.example/pay]Pay here[/link]" in plain
            assert "Red \\x1b[31mRED\\x1b[0m plain" in plain


# ------------------------------------------------------------ the wizard


def test_wizard_finds_and_shows_a_hostile_customer_and_product(sqlite_engine, capsys):
    from prompt_toolkit.application import create_app_session
    from prompt_toolkit.document import Document
    from prompt_toolkit.input import create_pipe_input
    from prompt_toolkit.output import DummyOutput
    from sqlmodel import select

    from ordercli import db
    from ordercli.domain import CustomerIn, ItemIn, OrderDraft
    from ordercli.models import Order
    from ordercli.services import catalog, common, orders
    from ordercli.wizard import order as wizard
    from ordercli.wizard.edit import _label
    from ordercli.wizard.stall import run_wizard
    from tests.wizard_keys import ENTER, NO, PAY_LATER

    person = "Ana [/] \x1b[31mred\x1b]8;;http://evil.example\x07 \u202eexe"
    thing = "Cup [/bold] [link=http://evil.example/pay]Pay[/link] \x07\r"
    with db.write_session(sqlite_engine) as s:
        catalog.add_product(s, sku="CUP-1", name="Cup", price=500, stock=5, tax_rate=0)
        orders.place_order(s, OrderDraft(customer=CustomerIn(name="Ana", email="ana@example.com"), items=[ItemIn(sku="CUP-1", quantity=1)]))
        s.commit()
    with sqlite3.connect(sqlite_engine.url.database) as conn:
        conn.execute("UPDATE customer SET name = ?", (person,))
        conn.execute("UPDATE product SET name = ?", (thing,))

    queries = wizard.Queries(sqlite_engine)
    # The menus show the stored text literally, with nothing a terminal would act on.
    (c,) = list(wizard.CustomerCompleter(queries).get_completions(Document("ana@"), None))
    (p,) = list(wizard.ProductCompleter(queries, "EUR", {}).get_completions(Document("cup"), None))
    for entry in ("".join(t for _, t in c.display), c.text, "".join(t for _, t in p.display), _label(ItemIn(sku="CUP-1", name=thing, quantity=1, unit_price=500), "EUR")):
        assert not any(raw in entry for raw in RAW_TERMINAL), repr(entry)
    assert shown(person) in "".join(t for _, t in c.display) and shown(thing) in "".join(t for _, t in p.display)

    # The order gate refuses a customer name with control characters (it re-checks the stored one),
    # so the customer taken through the whole wizard has markup, a link and an emoji.
    person = "Ana [/] [link=http://evil.example/pay]Pay here[/link] 🎉"
    with sqlite3.connect(sqlite_engine.url.database) as conn:
        conn.execute("UPDATE customer SET name = ?", (person,))
    with db.read_session(sqlite_engine) as s:
        settings = common.load_settings(s)
    keys = (
        shown(person) + " — ana@example.com" + ENTER  # the customer's label as the menu shows it
        + "CUP-1" + ENTER + "2" + ENTER + ENTER  # 2 cups, no more items
        + ENTER  # extras: done
        + ENTER + ENTER  # email the confirmation, create
        + PAY_LATER
        + NO  # no next order
    )
    with create_pipe_input() as inp:
        inp.send_text(keys)
        inp.close()
        with create_app_session(input=inp, output=DummyOutput()):
            run_wizard(sqlite_engine, OrderDraft(customer=CustomerIn(name=""), items=[]), settings=settings, dry_run=False, yes=False, fmt="table")
    captured = capsys.readouterr()
    out = captured.out + captured.err
    for raw in RAW_TERMINAL:
        assert raw not in out, f"{raw!r} reached the terminal"
    assert "Customer: " + shown(person) in out
    assert "+ 2 × " + shown(thing) in out
    assert squash(shown(thing)) in squash(out)  # the review's table
    with db.read_session(sqlite_engine) as s:
        placed = s.exec(select(Order).order_by(Order.id)).all()
    assert len(placed) == 2 and placed[1].customer_name == person and placed[1].customer_id == placed[0].customer_id
