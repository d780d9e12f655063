"""Header injection: nothing in a name, an email address or a note can add a header or a recipient."""

from __future__ import annotations

import pytest

from ordercli import db, notify
from ordercli.services import notifications
from ordercli.services import common
from tests.smtp_server import SmtpServer, add_product, outbox_rows, place, use_smtp

EVIL = "evil@evil.example"


@pytest.fixture
def shop(engine):
    add_product(engine)
    return engine


@pytest.fixture
def smtp():
    with SmtpServer() as server:
        yield server


def header_block(raw: bytes) -> list[bytes]:
    head = raw.split(b"\r\n\r\n", 1)[0]
    return head.split(b"\r\n")


def assert_clean(received, expected_rcpt: str) -> None:
    assert received.rcpt_tos == [expected_rcpt]
    lines = header_block(received.data)
    names = [ln.split(b":", 1)[0].lower() for ln in lines if ln and not ln[:1].isspace()]
    for bad in (b"bcc", b"cc", b"x-injected"):
        assert bad not in names
    assert names.count(b"to") == 1 and names.count(b"subject") == 1 and names.count(b"from") == 1
    assert all(ln.isascii() for ln in lines)  # non-ASCII is encoded, never raw
    msg = received.parsed()
    assert len(msg["To"].addresses) == 1
    assert msg["To"].addresses[0].addr_spec == expected_rcpt
    assert msg["Bcc"] is None and msg["Cc"] is None and msg["X-Injected"] is None


def _tamper(engine, number: str, **fields) -> None:
    """Write values the input checks would refuse (as an old import or a hand edit might have)."""
    with db.write_session(engine) as s:
        o = common.get_order(s, number)
        for k, v in fields.items():
            setattr(o, k, v)
        s.add(o)
        s.commit()


def _queue_and_send(engine, number: str) -> None:
    with db.write_session(engine) as s:
        notifications.resend(s, number=number, to="both", kind="confirmation")
        s.commit()
    notify.deliver_due(engine)


def test_newlines_in_the_name_cannot_add_headers_or_recipients(shop, smtp):
    use_smtp(shop, smtp)
    number = place(shop, deliver=False)
    _tamper(shop, number, customer_name=f"Ana\r\nBcc: {EVIL}\r\nX-Injected: yes\nCc: {EVIL}")
    _queue_and_send(shop, number)
    got = smtp.wait_for(4)
    sent_now = [m for m in got if m.parsed()["Message-ID"] in {r.message_id for r in outbox_rows(shop, number)[-2:]}]
    assert len(sent_now) == 2
    for m in sent_now:
        assert_clean(m, m.rcpt_tos[0])
        assert EVIL not in m.rcpt_tos
    customer = [m for m in sent_now if m.rcpt_tos == ["ana@example.com"]][0].parsed()
    assert customer["To"].addresses[0].display_name == f"Ana Bcc: {EVIL} X-Injected: yes Cc: {EVIL}"
    admin = [m for m in sent_now if m.rcpt_tos == ["admin@shop.example"]][0].parsed()
    assert "\n" not in admin["Subject"] and admin["Reply-To"].addresses[0].addr_spec == "ana@example.com"


def test_quotes_commas_and_angle_brackets_stay_inside_one_display_name(shop, smtp):
    use_smtp(shop, smtp, **{"store.email": ""})
    name = f'O\'Brien, "The Boss" <{EVIL}>; Zoë'
    number = place(shop, name=name)
    got = smtp.wait_for(1)
    assert len(got) == 1
    assert_clean(got[0], "ana@example.com")
    assert got[0].parsed()["To"].addresses[0].display_name == name
    assert outbox_rows(shop, number)[0].status == "sent"


def test_non_ascii_names_are_encoded_and_read_back_intact(shop, smtp):
    use_smtp(shop, smtp, **{"store.name": "Café Ünïcode 山田"})
    name = "Zoë Łukasz 山田 Ærøskøbing"
    place(shop, name=name)
    got = smtp.wait_for(2)
    for m in got:
        assert_clean(m, m.rcpt_tos[0])
    customer = [m for m in got if m.rcpt_tos == ["ana@example.com"]][0].parsed()
    assert customer["To"].addresses[0].display_name == name
    assert customer["From"].addresses[0].display_name == "Café Ünïcode 山田"
    assert "Café Ünïcode 山田" in customer["Subject"]
    assert name in customer.get_body(preferencelist=("plain",)).get_content()


@pytest.mark.parametrize(
    "bad_email",
    [f"ana@example.com\r\nBcc: {EVIL}", f"ana@example.com, {EVIL}", f"Ana <{EVIL}>", f"ana@example.com\n{EVIL}"],
)
def test_a_tampered_email_address_is_refused_for_good_and_nothing_is_sent_to_it(shop, smtp, bad_email):
    use_smtp(shop, smtp, **{"store.email": ""})
    number = place(shop, deliver=False)
    _tamper(shop, number, customer_email=bad_email)
    with db.write_session(shop) as s:
        notifications.resend(s, number=number, kind="confirmation")
        s.commit()
    notify.deliver_due(shop)
    rows = outbox_rows(shop, number)
    assert rows[-1].status == "dead" and "invalid recipient address" in rows[-1].last_error
    sent = smtp.wait_for(1, timeout=0.5)
    assert all(EVIL not in m.rcpt_tos for m in sent)
    assert all(m.rcpt_tos == ["ana@example.com"] for m in sent)  # only the untampered first confirmation


def test_a_note_cannot_add_headers_or_smuggle_a_second_message(shop, smtp):
    use_smtp(shop, smtp, **{"store.email": ""})
    note = f"hi\r\n\r\nBcc: {EVIL}\r\n.\r\nMAIL FROM:<{EVIL}>\r\nRCPT TO:<{EVIL}>\r\nDATA\r\nSubject: pwned\r\n\r\nx\r\n.\r\n"
    number = place(shop, deliver=False)
    _tamper(shop, number, note=note)
    with db.write_session(shop) as s:
        notifications.resend(s, number=number, kind="confirmation")
        s.commit()
    notify.deliver_due(shop)
    got = smtp.wait_for(2)
    import time

    time.sleep(0.3)
    assert len(smtp.messages) == 2  # the original confirmation and the resend: no smuggled third
    for m in smtp.messages:
        assert_clean(m, "ana@example.com")
        assert m.parsed()["Subject"] != "pwned"
    resent = smtp.messages[-1].parsed()
    text = resent.get_body(preferencelist=("plain",)).get_content()
    assert f"Bcc: {EVIL}" in text  # the note is body text, where it belongs
    assert all(r.status == "sent" for r in outbox_rows(shop, number))
    del got


def test_the_cli_refuses_a_name_with_a_line_break_and_writes_nothing(cli):
    r = cli("product", "add", "MUG-01", "--name", "Mug", "--price", "5", "--stock", "3")
    assert r.exit_code == 0, r.output
    r = cli("order", "create", "--name", f"Ana\r\nBcc: {EVIL}", "--email", "ana@example.com", "--item", "MUG-01")
    assert r.exit_code == 2
    assert "line break" in r.stderr
    r = cli("outbox", "list", "--format", "json")
    assert r.exit_code == 0 and r.stdout.strip() == "[]"


def test_an_international_domain_is_sent_in_its_ascii_form(shop, smtp):
    use_smtp(shop, smtp, **{"store.email": ""})
    number = place(shop, email="ana@exämple.com")
    (got,) = smtp.wait_for(1)
    assert got.rcpt_tos == ["ana@xn--exmple-cua.com"]
    assert got.parsed()["To"].addresses[0].addr_spec == "ana@xn--exmple-cua.com"
    assert outbox_rows(shop, number)[0].status == "sent"


def test_a_non_ascii_local_part_is_dead_with_a_clear_error_not_stuck(shop, smtp):
    use_smtp(shop, smtp, **{"store.email": ""})
    number = place(shop, email="josé@example.com")
    row = outbox_rows(shop, number)[0]
    assert row.status == "dead" and "non-ASCII" in row.last_error
    assert smtp.wait_for(1, timeout=0.3) == []
