"""``ordercli order receipt``: formats, where it goes, printing and emailing (issue 9 §4)."""

from __future__ import annotations

import io
import socket
import threading

import pytest

from tests import seed
from tests.smtp_server import SmtpServer, closed_port, use_smtp


@pytest.fixture
def shop(cli):
    seed.products(cli.url, ("MUG-01", "Blue mug", "12.50", 50, 20))
    seed.settings(cli.url, **{"store.name": "Fair Stall", "store.locale": "en_US", "receipt.footer": "Merci !"})
    r = cli("order", "create", "--name", "Ana Lima", "--email", "ana@example.com", "--item", "MUG-01:2", "--no-notify")
    assert r.exit_code == 0, r.stderr
    r = cli("order", "pay", "1001", "--amount", "10", "--method", "cash", "--tendered", "20")
    assert r.exit_code == 0, r.stderr
    return cli


def test_text_receipt_goes_to_stdout(shop):
    r = shop("order", "receipt", "1001")
    assert r.exit_code == 0, r.stderr
    assert r.stdout.splitlines()[0].strip() == "Fair Stall"
    assert "2 x Blue mug" in r.stdout and "BALANCE DUE" in r.stdout and "€15.00" in r.stdout
    assert "Cash tendered" in r.stdout and r.stdout.rstrip().endswith("Merci !")
    assert r.stderr == ""


def test_width_58_and_the_setting(shop):
    narrow = shop("order", "receipt", "1001", "--width", "58").stdout
    assert max(len(x) for x in narrow.splitlines()) == 32
    seed.settings(shop.url, **{"receipt.width": "58"})
    assert shop("order", "receipt", "1001").stdout == narrow
    assert max(len(x) for x in shop("order", "receipt", "1001", "--width", "80").stdout.splitlines()) == 48


def test_bad_width_is_one_line_and_exit_2(shop):
    r = shop("order", "receipt", "1001", "--width", "70")
    assert r.exit_code == 2
    assert r.stdout == ""
    assert r.stderr.splitlines()[0] == "Error: Invalid --width '70': receipts are 58 or 80 mm wide."
    assert "Traceback" not in r.stderr


def test_unknown_order_is_refused(shop):
    r = shop("order", "receipt", "9999")
    assert r.exit_code == 1 and "No order '9999'" in r.stderr and r.stdout == ""


def test_pdf_to_stdout_and_to_a_file(shop, tmp_path, monkeypatch):
    from pypdf import PdfReader

    r = shop("order", "receipt", "1001", "--format", "pdf", "--output", "-", "--width", "58")
    assert r.exit_code == 0, r.stderr
    page = PdfReader(io.BytesIO(r.stdout_bytes)).pages[0]
    assert float(page.mediabox.width) * 25.4 / 72 == pytest.approx(58, abs=0.1)
    assert "Blue mug" in page.extract_text()

    monkeypatch.chdir(tmp_path)
    r = shop("order", "receipt", "1001", "--format", "pdf")
    assert r.exit_code == 0, r.stderr
    assert (tmp_path / "receipt-1001.pdf").read_bytes().startswith(b"%PDF")
    assert "receipt-1001.pdf" in r.stderr


def test_escpos_to_a_file(shop, tmp_path):
    target = tmp_path / "r.escpos"
    r = shop("order", "receipt", "1001", "--format", "escpos", "-o", str(target))
    assert r.exit_code == 0, r.stderr
    data = target.read_bytes()
    assert data.startswith(b"\x1b@") and b"2 x Blue mug" in data and b"\x1dV" in data[-8:]
    assert r.stdout == ""


def test_output_to_a_folder_is_refused_before_anything(shop, tmp_path):
    r = shop("order", "receipt", "1001", "--output", str(tmp_path))
    assert r.exit_code == 2 and "Error:" in r.stderr


def test_print_without_a_printer_is_refused_with_a_hint(shop):
    r = shop("order", "receipt", "1001", "--print")
    assert r.exit_code == 1
    assert "No receipt printer is set" in r.stderr and "config set receipt.printer" in r.stderr
    assert r.stdout == ""


def test_print_to_a_network_printer(shop):
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)
    got = []

    def serve():
        conn, _ = srv.accept()
        with conn:
            while chunk := conn.recv(65536):
                got.append(chunk)

    t = threading.Thread(target=serve, daemon=True)
    t.start()
    port = srv.getsockname()[1]
    assert shop("config", "set", "receipt.printer", f"network:127.0.0.1:{port}").exit_code == 0
    r = shop("order", "receipt", "1001", "--print")
    t.join(5)
    srv.close()
    assert r.exit_code == 0, r.stderr
    assert f"printed on network:127.0.0.1:{port}" in r.stderr
    assert r.stdout == ""  # --print alone prints nothing on the screen
    data = b"".join(got)
    assert data.startswith(b"\x1b@") and b"TOTAL" in data and b"\x1dV" in data[-8:]


def test_a_printer_that_is_off_is_a_clear_message_and_exit_1(shop):
    port = closed_port()
    shop("config", "set", "receipt.printer", f"network:127.0.0.1:{port}")
    r = shop("order", "receipt", "1001", "--print")
    assert r.exit_code == 1
    first = r.stderr.splitlines()[0]
    assert first.startswith(f"Error: The receipt printer network:127.0.0.1:{port} did not print: connection refused")
    assert "The sale is saved" in r.stderr and "Traceback" not in r.stderr
    assert shop("order", "show", "1001", "--format", "json").exit_code == 0


def test_config_set_refuses_a_bad_printer_in_one_line(shop):
    r = shop("config", "set", "receipt.printer", "usb:xyz")
    assert r.exit_code == 2
    assert r.stderr.splitlines()[0].startswith("Error: Invalid receipt printer 'usb:xyz'")
    assert len(r.stderr.splitlines()) == 2  # the error and what to use
    assert shop("config", "get", "receipt.printer").stdout.strip() == "none"


def test_email_the_receipt_through_a_real_smtp_server(shop):
    with SmtpServer() as server:
        from ordercli import db

        use_smtp(db.get_engine(shop.url), server)
        r = shop("order", "receipt", "1001", "--email")
        assert r.exit_code == 0, r.stderr
        assert "Receipt to ana@example.com: sent." in r.stderr
        msg = server.wait_for(1)[0]
    assert msg.rcpt_tos == ["ana@example.com"]
    parsed = msg.parsed()
    assert parsed["Subject"] == "Your receipt for order 1001 — Fair Stall"
    body = parsed.get_body(preferencelist=("plain",)).get_content()
    assert "2 x Blue mug" in body and "BALANCE DUE" in body and "Cash tendered" in body
    attachments = [p.get_filename() for p in parsed.iter_attachments()]
    assert attachments == ["receipt-1001.pdf"]
    assert r.stdout == ""


def test_email_is_refused_for_a_walk_in_and_without_an_email(shop):
    import sqlalchemy as sa

    from ordercli import db

    engine = db.get_engine(shop.url)
    with db.write_session(engine) as s:
        s.execute(sa.text("UPDATE orders SET customer_email = NULL"))
        s.commit()
    r = shop("order", "receipt", "1001", "--email")
    assert r.exit_code == 1 and "has no customer email: the receipt cannot be sent" in r.stderr
    with db.write_session(engine) as s:
        s.execute(sa.text("UPDATE orders SET walk_in = :t"), {"t": True})
        s.commit()
    r = shop("order", "receipt", "1001", "--email")
    assert r.exit_code == 1 and "walk-in sale" in r.stderr and "--print" in r.stderr
    with db.read_session(engine) as s:
        assert s.execute(sa.text("SELECT count(*) FROM outbox")).scalar() == 0
