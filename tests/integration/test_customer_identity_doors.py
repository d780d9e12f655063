"""Issue 11 §1: one identity rule, three doors (flags, batch import, wizard), SQLite and PostgreSQL.

Each row: the customers already in the store, the contact an order gives, and who the order must be
filed under. The flags and the import create a new customer where the rules refuse to merge and
keep the stored contact where it differs (saying so); the wizard asks.
"""

from __future__ import annotations

import json

import pytest
from prompt_toolkit.application import create_app_session
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput
from sqlmodel import select

from ordercli import db
from ordercli.domain import CustomerIn, ItemIn, OrderDraft
from ordercli.models import Customer, Order
from ordercli.services import catalog, common, config, orders
from tests.wizard_keys import DOWN, ENTER

PAUL = dict(name="Paul Girard", email=None, phone="+33653312194")
MARIE = dict(name="Marie Curie", email="marie@example.fr", phone="+33612345678")

# (id, stored customers, given (name, email, phone), expected: "PAUL"/"MARIE"/"NEW", fields said to differ, wizard: keys after the contact)
CASES = [
    # an email identifies; another phone and name given are kept off the record
    ("email-wins", [MARIE], ("M. Curie", "marie@example.fr", "07 81 23 45 67"), "MARIE", {"phone"}),
    # the case: Pierre's new email with Paul's phone, another name -> never Paul
    ("phone-other-name", [PAUL], ("Pierre Autre", "pierre.autre@example.fr", "06 53 31 21 94"), "NEW", set()),
    # an unknown email with the phone of a customer who has another email -> a new customer
    ("phone-other-email", [MARIE], ("Marie Curie", "marie.pro@example.fr", "06 12 34 56 78"), "NEW", set()),
    # no email, the phone and (accent/case-folded) the same name -> that customer
    ("phone-same-name", [PAUL], ("PAUL GIRARD", None, "+33 6 53 31 21 94"), "PAUL", set()),
    # no email, the phone, a clearly other name -> a new customer
    ("phone-name-differs", [PAUL], ("Jean Dupont", None, "06 53 31 21 94"), "NEW", set()),
    # the phone of a customer with no email, same name, an email given: that customer, the email not written onto them
    ("phone-fills-nothing", [PAUL], ("Paul Girard", "paul@example.fr", "06 53 31 21 94"), "PAUL", {"email"}),
]


def _seed(engine, people: list[dict]) -> dict[str, int]:
    with db.write_session(engine) as s:
        config.set_value(s, "store.phone_region", "FR")
        catalog.add_product(s, sku="CANDLE", name="Bougie", price=800, stock=None)
        s.commit()
    ids = {}
    for p in people:
        with db.write_session(engine) as s:
            placed = orders.place_order(s, OrderDraft(customer=CustomerIn(**p), items=[ItemIn(quantity=1, sku="CANDLE")]))
            s.commit()
            ids["PAUL" if p is PAUL else "MARIE"] = placed.order.customer_id
    return ids


def _stored(engine) -> dict[int, tuple]:
    with db.read_session(engine) as s:
        return {c.id: (c.name, c.email, c.phone) for c in s.exec(select(Customer)).all()}


def _expected_id(ids, before, after, expect):
    if expect == "NEW":
        new = set(after) - set(before)
        assert len(new) == 1, (before, after)
        return new.pop()
    assert set(after) == set(before)  # nobody created
    return ids[expect]


def _check_unchanged(before, after):
    for cid, contact in before.items():
        assert after[cid] == contact, "an order changed a stored customer's contact"


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_flags_door(any_cli, case):
    _, people, (name, email, phone), expect, differs = case
    engine = db.get_engine(any_cli.url)
    any_cli("config", "set", "store.phone_region", "FR")
    ids = _seed(engine, people)
    before = _stored(engine)
    args = ["order", "create", "--name", name, "--item", "CANDLE", "--format", "json"] + (["--email", email] if email else []) + (["--phone", phone] if phone else [])
    r = any_cli(*args)
    assert r.exit_code == 0, r.stderr
    data = json.loads(r.stdout)
    after = _stored(engine)
    cid = _expected_id(ids, before, after, expect)
    with db.read_session(engine) as s:
        assert s.exec(select(Order).where(Order.number == data["number"])).one().customer_id == cid
    _check_unchanged(before, after)
    notice = data["customer_contact_kept"]
    if differs:
        assert set(notice["kept"]) == differs and "kept their stored contact" in r.stderr
    elif expect == "NEW" and people:
        assert notice["new_customer_because"] in ("phone_other_email", "phone_name_differs") and "belongs to customer" in r.stderr
    else:
        assert notice is None


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_import_door(any_cli, case, tmp_path):
    _, people, (name, email, phone), expect, differs = case
    engine = db.get_engine(any_cli.url)
    any_cli("config", "set", "store.phone_region", "FR")
    ids = _seed(engine, people)
    before = _stored(engine)
    f = tmp_path / "orders.json"
    f.write_text(json.dumps([{"order_ref": "IMP-1", "customer": {"name": name, "email": email, "phone": phone}, "items": [{"sku": "CANDLE", "quantity": 1}]}]))
    r = any_cli("order", "import", str(f), "--format", "json")
    assert r.exit_code == 0, r.stderr
    summary = json.loads(r.stdout)
    assert summary["created"] == 1
    after = _stored(engine)
    cid = _expected_id(ids, before, after, expect)
    with db.read_session(engine) as s:
        assert s.exec(select(Order).where(Order.external_ref == "IMP-1")).one().customer_id == cid
    _check_unchanged(before, after)
    kept = summary["customer_contact_kept"]
    if differs:
        assert [set(k["kept"]) for k in kept] == [differs]
    elif expect == "NEW" and people:
        assert [k["new_customer_because"] for k in kept] in (["phone_other_email"], ["phone_name_differs"])
    else:
        assert kept == []


def _feed(text, fn, *args, **kw):
    with create_pipe_input() as inp:
        inp.send_text(text)
        inp.close()
        with create_app_session(input=inp, output=DummyOutput()):
            return fn(*args, **kw)


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_wizard_door(engine, case):
    """The wizard asks where the others decide: which customer (a list with 'A new customer' last), or whether to update."""
    from ordercli.wizard import customer as prompt
    from ordercli.wizard.order import Queries

    _, people, (name, email, phone), expect, differs = case
    ids = _seed(engine, people)
    before = _stored(engine)
    with db.read_session(engine) as s:
        settings = common.load_settings(s)
    # With an email: typed first (nobody has it), then the new name and the phone. Without: the name
    # (no customer has exactly it), Enter for no email, the phone.
    keys = (email + ENTER + name + ENTER + phone + ENTER) if email else (name + ENTER + ENTER + phone + ENTER)
    if expect == "NEW" and people:
        # "Which customer is this?" — the existing one first; the person says: a new customer.
        keys += DOWN + ENTER
    if differs & {"email", "phone"}:
        keys += "n" + ENTER  # "Update Marie Curie's phone to …?" — no
    if case[0] == "phone-same-name":
        keys = name + ENTER  # a name that is exactly (case and accents aside) one customer's: picked on Enter
    got = _feed(keys, prompt.ask_customer, Queries(engine), settings, CustomerIn(name="", email=None, phone=None))
    if expect == "NEW":
        assert got.customer_id is None and got.name == name
    else:
        assert got.customer_id == ids[expect]
        assert got.update_contact is False
    assert _stored(engine) == before  # the wizard writes nothing


def test_wizard_update_contact_question_writes_on_placing(engine):
    """"Update Paul Girard's email to …?" yes: the placed order writes it onto Paul (and no one else's contact is taken)."""
    from ordercli.wizard import customer as prompt
    from ordercli.wizard.order import Queries

    ids = _seed(engine, [PAUL])
    with db.read_session(engine) as s:
        settings = common.load_settings(s)
    keys = "paul@example.fr" + ENTER + "Paul Girard" + ENTER + "06 53 31 21 94" + ENTER + "y"
    got = _feed(keys, prompt.ask_customer, Queries(engine), settings, CustomerIn(name=""))
    assert (got.customer_id, got.update_contact, got.email) == (ids["PAUL"], True, "paul@example.fr")
    with db.write_session(engine) as s:
        orders.place_order(s, OrderDraft(customer=got, items=[ItemIn(quantity=1, sku="CANDLE")], door="wizard"))
        s.commit()
    assert _stored(engine)[ids["PAUL"]] == ("Paul Girard", "paul@example.fr", "+33653312194")


def test_wizard_empty_answer_is_a_walk_in(engine):
    from ordercli.wizard import customer as prompt
    from ordercli.wizard.order import Queries

    with db.read_session(engine) as s:
        settings = common.load_settings(s)
    assert _feed(ENTER, prompt.ask_customer, Queries(engine), settings, None) is prompt.WALK_IN is None
