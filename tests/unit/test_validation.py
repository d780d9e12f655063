"""The validation gate (ordercli.validation): one frozen model for a draft and one for an edit."""

from __future__ import annotations

import pydantic
import pytest

from ordercli.domain import Address, CustomerIn, ItemIn, OrderDraft, ShippingIn
from ordercli.errors import InputError
from ordercli.pricing import Adjustment
from ordercli.services.edits import EditChanges
from ordercli.validation import LIMITS, DraftIn, DraftInvalid, EditIn, check_draft, validate_draft, validate_edit

ADDR = {"street": "1 rue A", "city": "Lyon", "postal_code": "69001", "country": "FR"}


def draft(**kw) -> dict:
    d = {"customer": {"name": "Ana", "email": "ana@example.com"}, "items": [{"sku": "MUG-01", "quantity": 2}]}
    d.update(kw)
    return d


def paths(data, **kw) -> list[str]:
    model, issues = check_draft(data, **kw)
    assert model is None
    return [i.path for i in issues]


def test_a_valid_draft_is_normalised():
    m = validate_draft(draft(customer={"name": "  Ana ", "email": "ANA@Example.com", "phone": "06 12 34 56 78"}, note=" hi\nthere "), phone_region="FR")
    assert (m.customer.name, m.customer.email, m.customer.phone, m.note) == ("Ana", "ana@example.com", "+33612345678", "hi\nthere")


def test_the_plain_order_draft_goes_through_and_comes_back():
    d = OrderDraft(
        customer=CustomerIn("Ana", "ana@example.com"),
        items=[ItemIn(2, sku="MUG-01"), ItemIn(1, name=" Gift wrap ", unit_price=250)],
        surcharges=[Adjustment(amount=100, label=" Bag ")],
        shipping=ShippingIn(method="Colissimo", cost=490, address=Address(street="1 rue A", city="Lyon", postal_code="69001", country="fr")),
        billing=Address(name="ACME"),
    )
    out = validate_draft(d).to_draft()
    assert isinstance(out, OrderDraft)
    assert out.items[1].name == "Gift wrap" and out.items[1].is_custom
    assert out.surcharges == [Adjustment(amount=100, label="Bag")]
    assert out.shipping.address == Address(None, "1 rue A", "Lyon", "69001", "FR")
    assert out.billing == Address(name="ACME")  # a billing address may be partial (name or company only)


def test_the_models_are_immutable():
    m = validate_draft(draft())
    with pytest.raises(pydantic.ValidationError):
        m.note = "x"  # type: ignore[misc]
    with pytest.raises(pydantic.ValidationError):
        m.customer.name = "Tom"  # type: ignore[misc]
    e = validate_edit(EditChanges(note="x"))
    with pytest.raises(pydantic.ValidationError):
        e.note = "y"  # type: ignore[misc]
    assert isinstance(m, DraftIn) and isinstance(e, EditIn)


def test_errors_carry_field_paths_and_every_problem():
    d = draft(items=[{"sku": "MUG-01", "quantity": 0}, {"name": "Wrap", "unit_price": None, "quantity": 1}], shipping={"address": {**ADDR, "postal_code": "6900"}})
    assert paths(d) == ["items[0].quantity", "items[1].unit_price", "shipping.address.postal_code"]
    with pytest.raises(DraftInvalid) as exc:
        validate_draft(d)
    assert isinstance(exc.value, InputError) and exc.value.exit_code == 2
    assert exc.value.message.startswith("items[0].quantity: Invalid quantity 0") and "(and 2 more problems)" in exc.value.message


def test_customer_rules():
    assert paths(draft(customer={"name": "Ana"})) == ["customer"]
    assert paths(draft(customer={"name": " ", "email": "a@example.com"})) == ["customer.name"]
    assert paths(draft(customer={"name": "Ana", "email": "nope"})) == ["customer.email"]
    assert paths(draft(customer={"name": "Ana", "phone": "+33 12"})) == ["customer.phone"]
    assert paths(draft(items=[])) == ["items"]


@pytest.mark.parametrize(
    "field,limit",
    [("payment_method", LIMITS["method"]), ("note", LIMITS["note"]), ("staff_note", LIMITS["note"]), ("external_ref", LIMITS["reference"])],
)
def test_text_limits_come_from_one_table(field, limit):
    assert validate_draft(draft(**{field: "x" * limit}))
    assert paths(draft(**{field: "x" * (limit + 1)})) == [field]


def test_text_rules_for_names_skus_and_control_characters():
    assert paths(draft(customer={"name": "A" * (LIMITS["name"] + 1), "email": "a@example.com"})) == ["customer.name"]
    assert paths(draft(items=[{"sku": "S" * (LIMITS["sku"] + 1), "quantity": 1}])) == ["items[0].sku"]
    assert paths(draft(shipping={"method": "Colis\nsimo"})) == ["shipping.method"]
    assert paths(draft(customer={"name": "Ana\x1b[31m", "email": "a@example.com"})) == ["customer.name"]
    assert paths(draft(surcharges=[Adjustment(amount=1, label="")])) == ["surcharges"]


def test_pickup_has_no_shipping_address_and_no_shipping_cost():
    assert paths(draft(shipping={"pickup": True, "address": ADDR})) == ["shipping.address"]
    assert paths(draft(shipping={"pickup": True, "cost": 490})) == ["shipping.cost"]
    m = validate_draft(draft(shipping={"pickup": True, "address": {"street": "", "city": None}}))
    assert m.shipping.pickup and m.shipping.address is None and m.shipping.cost == 0


def test_a_shipping_address_is_complete_when_given():
    assert paths(draft(shipping={"address": {"street": "1 rue A", "city": "Lyon"}})) == ["shipping.address.country", "shipping.address.postal_code"]
    assert paths(draft(shipping={"address": {**ADDR, "street": None}})) == ["shipping.address.street"]
    assert validate_draft(draft(shipping={"method": "Colissimo", "address": {"name": None}})).shipping.address is None


def test_country_codes_are_iso_3166():
    assert paths(draft(shipping={"address": {**ADDR, "country": "XX"}})) == ["shipping.address.country"]
    assert paths(draft(billing={"country": "EU"})) == ["billing.country"]
    _, issues = check_draft(draft(billing={"country": "France"}))
    assert "FR for France" in issues[0].hint
    assert validate_draft(draft(billing={"name": "ACME", "country": "de"})).billing.country == "DE"


@pytest.mark.parametrize(
    "country,typed,stored",
    [
        ("FR", "75001", "75001"),
        ("DE", "10115", "10115"),
        ("ES", "28001", "28001"),
        ("IT", "00184", "00184"),
        ("BE", "1000", "1000"),
        ("CH", "8001", "8001"),
        ("NL", "1012ab", "1012 AB"),
        ("NL", " 1012   AB ", "1012 AB"),
        ("GB", "sw1a1aa", "SW1A 1AA"),
        ("GB", "M1 1AE", "M1 1AE"),
        ("GB", "ec1a 1bb", "EC1A 1BB"),
        ("US", "94103", "94103"),
        ("US", "94103-1234", "94103-1234"),
        ("CA", "k1a0b1", "K1A 0B1"),
        ("JP", "100-0001", "100-0001"),  # no known format: kept (upper case, single spaces)
        ("PT", "1000  - 001", "1000 - 001"),
    ],
)
def test_valid_postal_codes_are_normalised(country, typed, stored):
    m = validate_draft(draft(shipping={"address": {**ADDR, "country": country, "postal_code": typed}}))
    assert m.shipping.address.postal_code == stored


@pytest.mark.parametrize(
    "country,typed",
    [
        ("FR", "6900"),
        ("FR", "690011"),
        ("DE", "1011A"),
        ("ES", "2800"),
        ("IT", "001844"),
        ("BE", "10000"),
        ("CH", "800"),
        ("NL", "0123 AB"),
        ("NL", "1234"),
        ("GB", "12345"),
        ("GB", "SW1A"),
        ("US", "9410"),
        ("US", "94103-12"),
        ("CA", "123 456"),
    ],
)
def test_invalid_postal_codes_are_refused_for_known_countries(country, typed):
    _, issues = check_draft(draft(shipping={"address": {**ADDR, "country": country, "postal_code": typed}}))
    assert [i.path for i in issues] == ["shipping.address.postal_code"]
    assert country in issues[0].message and issues[0].hint.startswith("Write it as in")


def test_a_billing_postal_code_is_checked_for_its_country_too():
    assert paths(draft(billing={"name": "ACME", "postal_code": "123", "country": "DE"})) == ["billing.postal_code"]


def test_wrong_values_are_reported_before_missing_ones():
    _, issues = check_draft(draft(shipping={"address": {"country": "France"}}))
    assert issues[0].path == "shipping.address.country" and "France" in issues[0].message


def test_the_edit_model_checks_what_an_edit_asks():
    assert validate_edit(EditChanges(note="", payment_method="Cash")).note is None
    with pytest.raises(DraftInvalid) as exc:
        validate_edit(EditChanges(set_qty=[("MUG-01", 0)]))
    assert exc.value.issues[0].path == "set_qty"
    with pytest.raises(DraftInvalid) as exc:
        validate_edit(EditChanges(add_items=[ItemIn(1, name="Wrap")]))
    assert exc.value.issues[0].path == "add_items[0].unit_price"
    with pytest.raises(DraftInvalid):
        validate_edit(EditChanges(name=" "))


def test_an_unchanged_stored_address_is_kept_by_an_edit():
    old = {"name": None, "street": "1 rue A", "city": "Lyon", "postal_code": None, "country": "FR"}  # saved before the rule
    assert paths(draft(shipping={"address": old})) == ["shipping.address.postal_code"]
    m = validate_draft(draft(shipping={"address": old}), stored_shipping_address=Address(**old))
    assert m.shipping.address.street == "1 rue A" and m.shipping.address.postal_code is None
    changed = {**old, "city": "Paris"}
    assert paths(draft(shipping={"address": changed}), stored_shipping_address=Address(**old)) == ["shipping.address.postal_code"]
