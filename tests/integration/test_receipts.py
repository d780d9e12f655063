"""Receipts (issue 9 §4): content, ESC/POS bytes, PDF size, and the printers they go to."""

from __future__ import annotations

import io
import socket
import threading

import pytest

from tests import seed


def _place(engine, *, name="Ana Lima", email="ana@example.com", items=(("MUG-01", 2), ("JAM-01", 1)), **draft_kw) -> str:
    from ordercli.domain import CustomerIn, ItemIn, OrderDraft
    from ordercli.services import orders
    from ordercli.uow import UnitOfWork

    draft = OrderDraft(customer=CustomerIn(name=name, email=email), items=[ItemIn(quantity=q, sku=s) for s, q in items], **draft_kw)
    with UnitOfWork(engine, deliver=False) as uow:
        number = orders.place_order(uow.session, draft).order.number
        uow.commit(saved="test order")
    return number


def _pay(engine, number: str, amount: int | None, method: str, tendered: int | None = None) -> None:
    from ordercli.services import payments
    from ordercli.uow import UnitOfWork

    with UnitOfWork(engine, deliver=False) as uow:
        payments.record_payment(uow.session, number=number, amount=amount, method=method, tendered=tendered)
        uow.commit(saved="test payment")


def _text(engine, number: str, width: int | None = None) -> str:
    from ordercli import db
    from ordercli.services import receipts

    with db.read_session(engine) as s:
        return receipts.make_receipt(s, number=number, fmt="text", width=width)[1].decode("utf-8")


def _bytes(engine, number: str, fmt: str, width: int | None = None) -> bytes:
    from ordercli import db
    from ordercli.services import receipts

    with db.read_session(engine) as s:
        return receipts.make_receipt(s, number=number, fmt=fmt, width=width)[1]


@pytest.fixture
def shop(engine):
    seed.products(engine, ("MUG-01", "Blue mug", "12.50", 50, 20), ("JAM-01", "Apricot jam", "6.00", None, 5.5))
    seed.settings(
        engine,
        **{
            "store.name": "Fair Stall",
            "store.address": "12 Rue du Marché\\n75011 Paris",
            "store.locale": "en_US",
            "receipt.footer": "Merci ! See you on Saturday",
        },
    )
    return engine


def test_text_receipt_with_split_payment_discount_tax_by_rate_balance_and_footer(shop):
    from ordercli.pricing import Adjustment

    number = _place(shop, discount=Adjustment(percent=1000), surcharges=[Adjustment(amount=50, label="Paper bag")], tip=100)
    _pay(shop, number, 1000, "cash", tendered=2000)
    _pay(shop, number, 500, "Card")
    text = _text(shop, number)
    lines = text.splitlines()
    assert all(len(line) <= 48 for line in lines), lines
    assert lines[0].strip() == "Fair Stall" and lines[1].strip() == "12 Rue du Marché" and lines[2].strip() == "75011 Paris"
    assert any(line.startswith(f"Order {number}") for line in lines)
    assert "Customer: Ana Lima" in text
    # lines, totals: 2 × 12.50 + 6.00 = 31.00; −10 % = 3.10; + 0.50 bag + 1.00 tip = 29.40
    assert _row(lines, "2 x Blue mug") == "€25.00"
    assert _row(lines, "1 x Apricot jam") == "€6.00"
    assert _row(lines, "Subtotal") == "€31.00"
    assert _row(lines, "Discount (10%)") == "-€3.10"
    assert _row(lines, "Paper bag") == "€0.50"
    assert _row(lines, "Tip") == "€1.00"
    assert _row(lines, "TOTAL") == "€29.40"
    # tax by rate (prices include tax): 20 % on the mugs, 5.5 % on the jam, after the 10 % discount
    assert _row(lines, "incl. tax 20% on €18.75") == "€3.75"
    assert _row(lines, "incl. tax 5.5% on €5.12") == "€0.28"
    # each payment with its method label, cash tendered and change
    assert _row(lines, "Cash") == "€10.00"
    assert _row(lines, "Cash tendered") == "€20.00"
    assert _row(lines, "Change") == "€10.00"
    assert _row(lines, "Card") == "€5.00"
    assert _row(lines, "BALANCE DUE") == "€14.40"
    assert lines[-1].strip() == "Merci ! See you on Saturday"


def _row(lines: list[str], label: str) -> str:
    found = [line for line in lines if line.strip().startswith(label + " ")]
    assert found, f"no row {label!r} in:\n" + "\n".join(lines)
    return found[0].split()[-1]


def test_paid_receipt_has_no_balance_due_and_58mm_fits_32_columns(shop):
    number = _place(shop, items=(("MUG-01", 1),))
    _pay(shop, number, None, "card")
    text = _text(shop, number, width=58)
    assert all(len(line) <= 32 for line in text.splitlines())
    assert "BALANCE DUE" not in text and "Cash tendered" not in text
    assert _row(text.splitlines(), "Card") == "€12.50"


def test_walk_in_receipt_shows_no_customer(shop):
    import sqlalchemy as sa

    from ordercli import db

    number = _place(shop, name="Passer-by", items=(("JAM-01", 1),))
    assert "Customer: Passer-by" in _text(shop, number)
    with db.write_session(shop) as s:  # what a walk-in sale stores (the sale flow writes it; issue 9 §1)
        s.execute(sa.text("UPDATE orders SET walk_in = :t, customer_email = NULL WHERE number = :n"), {"t": True, "n": number})
        s.commit()
    text = _text(shop, number)
    assert "Customer" not in text and "Passer-by" not in text


def test_names_are_printed_literally(shop):
    import sqlalchemy as sa

    from ordercli import db

    # Stored text that got past the gates (an older version, a restored backup): printed, never obeyed.
    number = _place(shop, name="Zoë", items=(("JAM-01", 1),))
    with db.write_session(shop) as s:
        s.execute(sa.text("UPDATE order_line SET name = :n"), {"n": "Mug \x1b[31mred\x1b[0m \u202egnp"})
        s.commit()
    text = _text(shop, number)
    assert "\x1b" not in text and "\u202e" not in text
    assert "\\x1b[31mred" in text and "\\u202e" in text


def test_tax_added_is_shown_above_the_total(shop):
    seed.settings(shop, **{"tax.prices_include_tax": "false"})
    number = _place(shop, items=(("MUG-01", 1),))
    lines = _text(shop, number).splitlines()
    labels = [line.split("  ")[0].strip() for line in lines]
    assert _row(lines, "Tax 20% on €12.50") == "€2.50"
    assert labels.index("Tax 20% on €12.50") < labels.index("TOTAL")
    assert _row(lines, "TOTAL") == "€15.00"


# --------------------------------------------------------------------------- ESC/POS


def test_escpos_bytes_initialise_text_totals_and_cut(shop):
    number = _place(shop, items=(("MUG-01", 2),))
    _pay(shop, number, None, "cash", tendered=3000)
    data = _bytes(shop, number, "escpos")
    assert data.startswith(b"\x1b@")  # ESC @: initialise
    assert b"Fair Stall" in data and b"2 x Blue mug" in data
    # the total, in bold: ESC E 1 … TOTAL … ESC E 0
    bold_on = data.index(b"\x1bE\x01", data.index(b"2 x Blue mug"))
    total = data.index(b"TOTAL", bold_on)
    assert data.index(b"\x1bE\x00", total) > total
    assert b"25.00" in data[total : total + 60]
    assert b"Cash tendered" in data and b"30.00" in data and b"Change" in data
    # the paper cut is the very last command: GS V
    assert data.rstrip(b"\x00\x01A").endswith(b"\x1dV")
    assert data.index(b"\x1dV") > data.index(b"Merci")


# --------------------------------------------------------------------------- PDF


@pytest.mark.parametrize("paper", [58, 80])
def test_pdf_is_as_wide_as_the_paper_and_as_tall_as_the_receipt(shop, paper):
    from pypdf import PdfReader

    number = _place(shop)
    _pay(shop, number, 1000, "cash", tendered=1000)
    reader = PdfReader(io.BytesIO(_bytes(shop, number, "pdf", width=paper)))
    assert len(reader.pages) == 1
    page = reader.pages[0]
    mm = 25.4 / 72
    assert float(page.mediabox.width) * mm == pytest.approx(paper, abs=0.1)
    assert 50 < float(page.mediabox.height) * mm < 200  # fitted to the content, not A4 or a fixed roll
    text = page.extract_text()
    for expected in ("Fair Stall", f"Order {number}", "Blue mug", "TOTAL", "31.00", "BALANCE DUE", "Merci"):
        assert expected in text, (expected, text)


def test_a_longer_receipt_gives_a_taller_pdf(shop):
    from pypdf import PdfReader

    short = _place(shop, items=(("MUG-01", 1),))
    long = _place(shop, items=(("MUG-01", 1), ("JAM-01", 2)))
    heights = [float(PdfReader(io.BytesIO(_bytes(shop, n, "pdf"))).pages[0].mediabox.height) for n in (short, long)]
    assert heights[1] > heights[0]


# --------------------------------------------------------------------------- printers


def test_printer_specs_are_parsed_and_bad_ones_refused():
    from ordercli import printers
    from ordercli.errors import InputError

    assert printers.parse_spec("none") is None and printers.parse_spec("") is None
    assert str(printers.parse_spec("network:10.0.0.7")) == "network:10.0.0.7:9100"
    assert printers.parse_spec("network:printer.local:9101").port == 9101
    assert str(printers.parse_spec("usb:04B8:0202")) == "usb:04b8:0202"
    assert printers.parse_spec("serial:/dev/ttyUSB0").target == "/dev/ttyUSB0"
    assert printers.parse_spec("file:~/receipts.bin").kind == "file"
    for bad in ("lpt1", "network:", "network:host:70000", "usb:04b8", "usb:zz:01", "file:", "bluetooth:aa", "file:/tmp/a\x1bb"):
        with pytest.raises(InputError) as e:
            printers.parse_spec(bad)
        assert "\n" not in e.value.message


def test_config_set_validates_receipt_settings(sqlite_engine):
    from ordercli.errors import InputError

    with pytest.raises(InputError):
        seed.settings(sqlite_engine, **{"receipt.printer": "network:"})
    with pytest.raises(InputError):
        seed.settings(sqlite_engine, **{"receipt.width": "70"})
    seed.settings(sqlite_engine, **{"receipt.printer": "NETWORK:127.0.0.1", "receipt.width": "58"})
    from ordercli import db
    from ordercli.services import config

    with db.read_session(sqlite_engine) as s:
        assert config.get_value(s, "receipt.printer") == "network:127.0.0.1:9100"
        assert config.get_value(s, "receipt.width") == "58"


class _Listener:
    """A TCP listener on 127.0.0.1 playing a network receipt printer: it keeps every byte it receives."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(1)
        self.port = self.sock.getsockname()[1]
        self.received = b""
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        conn, _ = self.sock.accept()
        with conn:
            while chunk := conn.recv(65536):
                self.received += chunk

    def close(self):
        self.thread.join(5)
        self.sock.close()


@pytest.fixture
def paid_sale(sqlite_engine):
    seed.products(sqlite_engine, ("MUG-01", "Blue mug", "12.50", 50, 20), ("JAM-01", "Apricot jam", "6.00", None, 5.5))
    seed.settings(sqlite_engine, **{"store.name": "Fair Stall", "store.locale": "en_US"})
    number = _place(sqlite_engine, items=(("MUG-01", 1),))
    _pay(sqlite_engine, number, None, "cash", tendered=2000)
    return sqlite_engine, number


def test_network_printer_receives_the_escpos_bytes(paid_sale):
    from ordercli.services import common, receipts

    engine, number = paid_sale
    printer = _Listener()
    seed.settings(engine, **{"receipt.printer": f"network:127.0.0.1:{printer.port}"})
    from ordercli import db

    with db.read_session(engine) as s:
        settings = common.load_settings(s)
    assert str(receipts.printer_of(settings)) == f"network:127.0.0.1:{printer.port}"
    name = receipts.print_receipt(engine, number, settings=settings)
    printer.close()
    assert name == f"network:127.0.0.1:{printer.port}"
    assert printer.received == _bytes(engine, number, "escpos")
    assert printer.received.startswith(b"\x1b@") and b"\x1dV" in printer.received[-8:]


def test_a_refused_connection_is_a_printer_error_and_the_sale_stays(paid_sale):
    from ordercli import db
    from ordercli.models import Order
    from ordercli.printers import PrinterError
    from ordercli.services import common, receipts
    from tests.smtp_server import closed_port

    engine, number = paid_sale
    port = closed_port()
    seed.settings(engine, **{"receipt.printer": f"network:127.0.0.1:{port}"})
    with db.read_session(engine) as s:
        settings = common.load_settings(s)
    with pytest.raises(PrinterError) as e:
        receipts.print_receipt(engine, number, settings=settings)
    assert f"network:127.0.0.1:{port}" in e.value.message and "refused" in e.value.message
    assert e.value.exit_code == 1 and "\n" not in e.value.message
    with db.read_session(engine) as s:
        order = s.exec(__import__("sqlmodel").select(Order).where(Order.number == number)).one()
        assert order.payment_status == "PAID"


def test_file_printer_appends_each_receipt(paid_sale, tmp_path):
    from ordercli.services import receipts

    engine, number = paid_sale
    target = tmp_path / "printer.bin"
    seed.settings(engine, **{"receipt.printer": f"file:{target}", "receipt.width": "58"})
    receipts.print_receipt(engine, number)
    receipts.print_receipt(engine, number)
    one = _bytes(engine, number, "escpos", width=58)
    assert target.read_bytes() == one + one


def test_file_printer_in_a_missing_folder_is_a_printer_error(paid_sale, tmp_path):
    from ordercli.printers import PrinterError
    from ordercli.services import receipts

    engine, number = paid_sale
    seed.settings(engine, **{"receipt.printer": f"file:{tmp_path / 'unplugged' / 'lp0'}"})
    with pytest.raises(PrinterError) as e:
        receipts.print_receipt(engine, number)
    assert "No such file or directory" in e.value.message


def test_no_printer_set_is_refused(paid_sale):
    from ordercli.services import receipts

    engine, number = paid_sale
    with pytest.raises(receipts.NoPrinterError):
        receipts.print_receipt(engine, number)


def test_serial_printer_on_a_pseudo_terminal(paid_sale):
    import os
    import select

    from ordercli.services import receipts
    from tests.devices import serial_port

    engine, number = paid_sale
    master, path = serial_port()
    try:
        seed.settings(engine, **{"receipt.printer": f"serial:{path}"})
        receipts.print_receipt(engine, number)
        expected = _bytes(engine, number, "escpos")
        got = b""
        while len(got) < len(expected) and select.select([master], [], [], 5)[0]:
            got += os.read(master, 65536)
    finally:
        os.close(master)
    assert got == expected


def test_a_full_printer_device_is_a_printer_error(paid_sale, tmp_path):
    from ordercli.printers import PrinterError
    from ordercli.services import receipts
    from tests.devices import full_device

    engine, number = paid_sale
    seed.settings(engine, **{"receipt.printer": f"file:{full_device(tmp_path)}"})
    with pytest.raises(PrinterError) as e:
        receipts.print_receipt(engine, number)
    assert "No space left on device" in e.value.message


def test_long_names_wrap_within_the_paper_and_keep_their_amount(shop):
    seed.products(shop, ("LONG-1", "Handmade ceramic mug with a very long descriptive name, glazed blue", "9.99", None, 20))
    number = _place(shop, items=(("LONG-1", 1),))
    for paper, columns in ((58, 32), (80, 48)):
        lines = _text(shop, number, width=paper).splitlines()
        assert max(len(x) for x in lines) <= columns
        start = next(i for i, x in enumerate(lines) if x.startswith("1 x Handmade"))
        block = []
        for x in lines[start:]:
            block.append(x)
            if x.endswith("€9.99"):
                break
        words = " ".join(x.replace("€9.99", "") for x in block).split()
        assert " ".join(words) == "1 x Handmade ceramic mug with a very long descriptive name, glazed blue"


def test_a_usb_printer_that_is_not_there_is_a_printer_error(paid_sale):
    from ordercli.printers import PrinterError
    from ordercli.services import receipts

    engine, number = paid_sale
    seed.settings(engine, **{"receipt.printer": "usb:0dd4:ffff"})  # no such device here (or no pyusb at all)
    with pytest.raises(PrinterError) as e:
        receipts.print_receipt(engine, number)
    assert e.value.message.startswith("The receipt printer usb:0dd4:ffff did not print: ")
    assert "\n" not in e.value.message
