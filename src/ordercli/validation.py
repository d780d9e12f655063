"""The one validation gate: immutable input models for an order draft and for an edit.

Every door (flags, wizard, batch file, edit) parses its own *syntax* (``SKU:QTY``,
``NAME=PRICExQTY``, ``10%``, money, yes/no: see :mod:`ordercli.domain`) and hands
the values to :func:`validate_draft`, which checks and normalises them in one place:
text (control characters, line breaks, lengths from :data:`LIMITS`), email, phone,
country codes (ISO 3166-1), postal codes for the countries whose format is known,
a complete shipping address, and the pickup rules. Every problem is reported with
its field path (``items[0].quantity``, ``shipping.address.postal_code``) in a
:class:`DraftInvalid` error; the doors turn paths into words (the CLI into flags,
the batch import into file lines and columns). Nothing here names a flag.

pydantic is imported by this module: import it inside the commands that need it
(``import ordercli.cli`` stays light).
"""

from __future__ import annotations

import dataclasses
import re
from typing import Annotated, Any, Optional

from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationError, ValidationInfo, field_validator, model_validator
from pydantic_core import PydanticCustomError

from ordercli import domain
from ordercli.errors import InputError
from ordercli.i18n import N_, _, ngettext
from ordercli.money import invalid_message, noun, shown
from ordercli.pricing import Adjustment

# ------------------------------------------------------------------ limits

#: The one table of text length limits (characters) of the input models.
LIMITS: dict[str, int] = {
    "name": 200,  # customer, recipient, custom item names, surcharge labels
    "street": 300,
    "city": 200,
    "postal_code": 30,
    "sku": 100,
    "method": 200,  # payment and shipping method names
    "reference": 200,  # the order reference (order_ref / --ref)
    "note": 2000,  # note and staff note
}


@dataclasses.dataclass(frozen=True)
class Issue:
    """One problem of an input: where (a field path), what, and what to do."""

    path: str
    message: str
    hint: str | None = None


class DraftInvalid(InputError):
    """The input failed the gate. ``issues`` holds every problem; the message names the first by its field path."""

    def __init__(self, issues: list[Issue]):
        self.issues = issues
        first = issues[0]
        others = len(issues) - 1
        more = (" " + ngettext("(and %(count)s more problem)", "(and %(count)s more problems)", others) % {"count": others}) if others else ""
        super().__init__(f"{first.path}: {first.message}{more}" if first.path else f"{first.message}{more}", first.hint)


def _fail(message: str, hint: str | None = None, *, missing: bool = False) -> PydanticCustomError:
    """A problem with our words. ``missing``: a required value is absent (reported after wrong values)."""
    return PydanticCustomError("ordercli", "{message}", {"message": message, "hint": hint, "missing": missing})


def _from_input_error(e: InputError) -> PydanticCustomError:
    return _fail(e.message, e.hint)


# ------------------------------------------------------------------ field types


def _text(what: str, limit: str, *, multiline: bool = False, required: bool = False):
    def check(value: Any) -> str | None:
        if value is not None and not isinstance(value, str):
            if isinstance(value, (dict, list, tuple, bool)):
                raise _fail(_("The %(what)s must be text.") % {"what": noun(what)}, _("Write the %(what)s as a string.") % {"what": noun(what)})
            value = str(value)
        if required and (value is None or not value.strip()):
            message = _("The %(what)s is required.") if value is None else _("The %(what)s cannot be empty.")
            raise _fail(message % {"what": noun(what)}, _("Give a %(what)s.") % {"what": noun(what)}, missing=True)
        try:
            return domain.clean_text(value, what, max_len=LIMITS[limit], multiline=multiline, required=required)
        except InputError as e:
            raise _from_input_error(e) from None

    return BeforeValidator(check)


def _country(value: Any) -> str | None:
    try:
        return domain.normalize_country(value)
    except InputError as e:
        raise _from_input_error(e) from None


def _email(value: Any) -> str | None:
    try:
        return domain.normalize_email(value)
    except InputError as e:
        raise _from_input_error(e) from None


#: Postal code formats by country: (pattern on the upper-cased code with spaces removed,
#: canonical form as a function of the match, example). Other countries: any text.
_POSTAL: dict[str, tuple[str, Any, str]] = {
    "FR": (r"\d{5}", lambda m: m.group(0), "75001"),
    "DE": (r"\d{5}", lambda m: m.group(0), "10115"),
    "ES": (r"\d{5}", lambda m: m.group(0), "28001"),
    "IT": (r"\d{5}", lambda m: m.group(0), "00184"),
    "BE": (r"\d{4}", lambda m: m.group(0), "1000"),
    "CH": (r"\d{4}", lambda m: m.group(0), "8001"),
    "NL": (r"([1-9]\d{3})([A-Z]{2})", lambda m: f"{m.group(1)} {m.group(2)}", "1012 AB"),
    "GB": (r"([A-Z]{1,2}\d[A-Z\d]?)(\d[A-Z]{2})", lambda m: f"{m.group(1)} {m.group(2)}", "SW1A 1AA"),
    "US": (r"(\d{5})(?:-?(\d{4}))?", lambda m: m.group(1) + (f"-{m.group(2)}" if m.group(2) else ""), N_("94103 or 94103-1234")),
    "CA": (r"([A-Z]\d[A-Z])(\d[A-Z]\d)", lambda m: f"{m.group(1)} {m.group(2)}", "K1A 0B1"),
}


def normalize_postal_code(code: str, country: str | None) -> str:
    """Upper case, single spaces; for the countries in the table, their format and canonical spacing."""
    text = " ".join(code.upper().split())
    rule = _POSTAL.get(country or "")
    if rule is None:
        return text
    pattern, canonical, example = rule
    m = re.fullmatch(pattern, text.replace(" ", ""))
    if m is None:
        raise _fail(_("Invalid postal code %(code)s for %(country)s.") % {"code": shown(code), "country": country}, _("Write it as in %(example)s.") % {"example": _(example)})
    return canonical(m)


# ------------------------------------------------------------------ models

_FROZEN = ConfigDict(frozen=True, extra="forbid")


class CustomerIn(BaseModel):
    model_config = _FROZEN

    name: Annotated[str, _text("customer name", "name", required=True)]
    email: Annotated[Optional[str], BeforeValidator(_email)] = None
    phone: Optional[str] = None
    customer_id: Optional[int] = None  # a picked customer (the wizard's list)
    update_contact: bool = False  # the person agreed to update the picked customer's email/phone

    @field_validator("phone", mode="before")
    @classmethod
    def _phone(cls, value: Any, info: ValidationInfo) -> str | None:
        region = (info.context or {}).get("phone_region")
        try:
            return domain.normalize_phone(None if value is None else str(value), region or None)
        except InputError as e:
            raise _from_input_error(e) from None

    @model_validator(mode="after")
    def _reachable(self) -> "CustomerIn":
        if not self.email and not self.phone:
            raise _fail(_("The customer needs an email or a phone number."), _("Give an email or a phone number (or both)."), missing=True)
        return self


class ItemIn(BaseModel):
    """A catalog item (``sku``) or a custom item (``name`` + ``unit_price``)."""

    model_config = _FROZEN

    quantity: int
    sku: Annotated[Optional[str], _text("SKU", "sku")] = None
    name: Annotated[Optional[str], _text("item name", "name")] = None
    unit_price: Optional[int] = None
    tax_rate: Optional[int] = None

    @field_validator("quantity")
    @classmethod
    def _quantity(cls, q: int) -> int:
        if q < 1:
            raise _fail(invalid_message("quantity", str(q), _("must be at least 1.")), _("Use a positive whole number, e.g. 2."))
        if q > domain.MAX_QTY:
            raise _fail(invalid_message("quantity", str(q), _("at most %(most)s.") % {"most": domain.MAX_QTY}), _("Split very large quantities into several orders."))
        return q

    @field_validator("unit_price", mode="after")
    @classmethod
    def _price(cls, p: int | None, info: ValidationInfo) -> int | None:
        if p is not None and p < 0:
            raise _fail(_("A unit price cannot be negative."), _("Give a price of 0 or more."))
        name = info.data.get("name")
        if p is None and name is not None and info.data.get("sku") is None:
            raise _fail(_("The custom item %(name)s has no unit price.") % {"name": repr(name)}, _("Give its unit price, e.g. 2.50 (or a catalog SKU)."))
        return p

    @model_validator(mode="after")
    def _kind(self) -> "ItemIn":
        if self.sku is None:
            if self.name is None:
                raise _fail(_("No SKU and no item name."), _("Give a catalog SKU, or a name and a unit price for a custom item."))
            if self.unit_price is None:  # not given at all (a validator checks it when given)
                raise _fail(_("The custom item %(name)s has no unit price.") % {"name": repr(self.name)}, _("Give its unit price, e.g. 2.50 (or a catalog SKU)."))
        return self

    @property
    def is_custom(self) -> bool:
        return self.sku is None


class AddressIn(BaseModel):
    """An address. ``country`` comes before ``postal_code``: the postal code is checked for its country."""

    model_config = _FROZEN

    name: Annotated[Optional[str], _text("name", "name")] = None
    street: Annotated[Optional[str], _text("street", "street")] = None
    city: Annotated[Optional[str], _text("city", "city")] = None
    country: Annotated[Optional[str], BeforeValidator(_country)] = None
    postal_code: Annotated[Optional[str], _text("postal code", "postal_code")] = None

    @field_validator("postal_code")
    @classmethod
    def _postal(cls, code: str | None, info: ValidationInfo) -> str | None:
        return None if code is None else normalize_postal_code(code, info.data.get("country"))


class BillingAddressIn(AddressIn):
    """A billing address may be partial (a company name and country on an invoice)."""


class ShippingAddressIn(AddressIn):
    """A shipping address is complete: street, city, postal code and country."""

    street: Annotated[str, _text("street", "street", required=True)]
    city: Annotated[str, _text("city", "city", required=True)]
    country: Annotated[str, BeforeValidator(lambda v: _required(_country(v), "country code", N_("e.g. FR")))]
    postal_code: Annotated[str, _text("postal code", "postal_code", required=True)]


def _required(value: Any, what: str, example: str) -> Any:
    if value is None:
        raise _fail(_("The %(what)s is required.") % {"what": noun(what)}, _("Give the %(what)s, %(example)s.") % {"what": noun(what), "example": _(example)}, missing=True)
    return value


def _empty_address(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, dict):
        return not any(v not in (None, "") and not (isinstance(v, str) and not v.strip()) for v in value.values())
    return False


class ShippingIn(BaseModel):
    model_config = _FROZEN

    method: Annotated[Optional[str], _text("shipping method", "method")] = None
    pickup: bool = False
    cost: int = 0
    address: Optional[ShippingAddressIn] = None

    @field_validator("cost")
    @classmethod
    def _cost(cls, cost: int, info: ValidationInfo) -> int:
        if cost < 0:
            raise _fail(_("The shipping cost cannot be negative."), _("Give 0 or more."))
        if cost and info.data.get("pickup"):
            raise _fail(_("A pickup order has no shipping cost."), _("Drop pickup or the shipping cost."))
        return cost

    @field_validator("address", mode="before")
    @classmethod
    def _address(cls, value: Any, info: ValidationInfo) -> Any:
        value = _as_dict(value)
        if _empty_address(value):
            return None
        if info.data.get("pickup"):
            raise _fail(_("A pickup order has no shipping address."), _("Drop pickup or the shipping address."))
        stored = (info.context or {}).get("stored_shipping_address")
        if stored is not None and _as_dict(stored) == value:
            # An edit that leaves a stored address as it is: saved under older rules, it is kept, not refused.
            return ShippingAddressIn.model_construct(**value)
        return value


class DraftIn(BaseModel):
    """An order draft, checked and normalised. Immutable."""

    model_config = _FROZEN

    customer: Optional[CustomerIn]  # None for a walk-in sale
    items: list[ItemIn]
    discount: Optional[Adjustment] = None
    surcharges: list[Adjustment] = []
    tip: int = 0
    shipping: Optional[ShippingIn] = None
    billing: Optional[BillingAddressIn] = None
    payment_method: Annotated[Optional[str], _text("payment method", "method")] = None
    note: Annotated[Optional[str], _text("note", "note", multiline=True)] = None
    staff_note: Annotated[Optional[str], _text("staff note", "note", multiline=True)] = None
    door: str = "flags"
    external_ref: Annotated[Optional[str], _text("order reference", "reference")] = None
    notify_customer: bool = True
    walk_in: bool = False

    @model_validator(mode="before")
    @classmethod
    def _walk_in(cls, value: Any) -> Any:
        """A walk-in sale has no customer: a name, email or phone with it is refused; without it, a customer is required."""
        if not isinstance(value, dict):
            return value
        c = _as_dict(value.get("customer")) or {}
        if value.get("walk_in"):
            if any((str(c.get(k) or "").strip() and not (k == "name" and str(c.get(k)).strip() == domain.WALK_IN_NAME)) for k in ("name", "email", "phone")):
                raise _fail(_("A walk-in sale has no customer name, email or phone."), _("Leave the customer out, or give it without walk-in."))
            return {**value, "customer": None}
        if value.get("customer") is None:
            raise _fail(_("The customer is required."), _("Give a customer name and an email or phone, or make it a walk-in sale."), missing=True)
        return value

    @field_validator("items")
    @classmethod
    def _items(cls, items: list[ItemIn]) -> list[ItemIn]:
        if not items:
            raise _fail(_("The order has no items."), _("Add at least one catalog item or custom item."))
        return items

    @field_validator("surcharges", mode="before")
    @classmethod
    def _surcharge_labels(cls, value: Any) -> Any:
        out = []
        for i, s in enumerate(value or []):
            label = s.get("label") if isinstance(s, dict) else getattr(s, "label", None)
            try:
                label = domain.clean_text(label, "surcharge label", max_len=LIMITS["name"], required=True)
            except InputError as e:
                raise _fail(_("Surcharge %(number)s: %(problem)s") % {"number": i + 1, "problem": e.message}, e.hint) from None
            out.append(dataclasses.replace(s, label=label) if isinstance(s, Adjustment) else {**s, "label": label})
        return out

    @field_validator("tip")
    @classmethod
    def _tip(cls, tip: int) -> int:
        if tip < 0:
            raise _fail(_("The tip cannot be negative."), _("Give 0 or more."))
        return tip

    @field_validator("shipping", mode="before")
    @classmethod
    def _no_shipping(cls, value: Any) -> Any:
        value = _as_dict(value)
        if isinstance(value, dict) and not (value.get("method") or value.get("cost") or value.get("pickup") or not _empty_address(_as_dict(value.get("address")))):
            return None
        return value

    @field_validator("billing", mode="before")
    @classmethod
    def _no_billing(cls, value: Any) -> Any:
        value = _as_dict(value)
        return None if _empty_address(value) else value

    def to_draft(self) -> domain.OrderDraft:
        """The plain :class:`~ordercli.domain.OrderDraft` the services price and write."""

        def addr(a: AddressIn | None) -> domain.Address | None:
            return None if a is None else domain.Address(a.name, a.street, a.city, a.postal_code, a.country)

        s = self.shipping
        return domain.OrderDraft(
            customer=(
                domain.CustomerIn(name="") if self.customer is None
                else domain.CustomerIn(name=self.customer.name, email=self.customer.email, phone=self.customer.phone, customer_id=self.customer.customer_id, update_contact=self.customer.update_contact)
            ),
            items=[domain.ItemIn(quantity=i.quantity, sku=i.sku, name=i.name, unit_price=i.unit_price, tax_rate=i.tax_rate) for i in self.items],
            discount=self.discount,
            surcharges=list(self.surcharges),
            tip=self.tip,
            shipping=None if s is None else domain.ShippingIn(method=s.method, cost=s.cost, pickup=s.pickup, address=addr(s.address)),
            billing=addr(self.billing),
            payment_method=self.payment_method,
            note=self.note,
            staff_note=self.staff_note,
            door=self.door,
            external_ref=self.external_ref,
            notify_customer=self.notify_customer,
            walk_in=self.customer is None,
        )


class EditIn(BaseModel):
    """What an edit asks to change, checked before it is applied. ``None`` = leave as is; ``""`` clears a text.

    The edited order as a whole then goes through :func:`validate_draft` (pickup,
    complete address, postal code for the order's country…).
    """

    model_config = _FROZEN

    add_items: list[ItemIn] = []
    set_qty: list[tuple[str, int]] = []
    set_price: list[tuple[str, int]] = []
    name: Annotated[Optional[str], _text("customer name", "name")] = None
    payment_method: Annotated[Optional[str], _text("payment method", "method")] = None
    note: Annotated[Optional[str], _text("note", "note", multiline=True)] = None
    staff_note: Annotated[Optional[str], _text("staff note", "note", multiline=True)] = None
    shipping_method: Annotated[Optional[str], _text("shipping method", "method")] = None
    shipping_cost: Optional[int] = None
    tip: Optional[int] = None

    @field_validator("name", mode="before")
    @classmethod
    def _name(cls, value: Any) -> Any:
        if value is not None and not str(value).strip():
            raise _fail(_("The customer name cannot be empty."), _("Give the new name, or leave it out."))
        return value

    @field_validator("set_qty")
    @classmethod
    def _qty(cls, pairs: list[tuple[str, int]]) -> list[tuple[str, int]]:
        for key, q in pairs:
            if not 1 <= q <= domain.MAX_QTY:
                raise _fail(
                    _("Invalid quantity %(quantity)s for %(line)s: from 1 to %(most)s.") % {"quantity": q, "line": key, "most": domain.MAX_QTY},
                    _("Use a whole number of at least 1, or remove the line."),
                )
        return pairs

    @field_validator("set_price")
    @classmethod
    def _price(cls, pairs: list[tuple[str, int]]) -> list[tuple[str, int]]:
        for key, p in pairs:
            if p < 0:
                raise _fail(_("A unit price cannot be negative (%(line)s).") % {"line": key}, _("Give a price of 0 or more."))
        return pairs

    @field_validator("shipping_cost", "tip")
    @classmethod
    def _amount(cls, v: int | None, info: ValidationInfo) -> int | None:
        if v is not None and v < 0:
            if info.field_name == "tip":
                raise _fail(_("The tip cannot be negative."), _("Give 0 or more."))
            raise _fail(_("The shipping cost cannot be negative."), _("Give 0 or more."))
        return v


# ------------------------------------------------------------------ the gate


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def _as_dict(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type) and not isinstance(value, Adjustment):
        cls = type(value)
        names = _FIELD_NAMES.get(cls)
        if names is None:  # dataclasses.fields() per object is most of this function's time in an import
            names = _FIELD_NAMES[cls] = tuple(f.name for f in dataclasses.fields(value))
        return {n: _as_dict(getattr(value, n)) for n in names}
    if isinstance(value, list):
        return [_as_dict(v) for v in value]
    return value


def _path(loc: tuple) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def issues_of(error: ValidationError) -> list[Issue]:
    """pydantic's errors as :class:`Issue` rows: field path, message, hint.

    Wrong values come first, missing ones after (in field order within each): the
    first problem is the one a person most likely just typed.
    """
    wrong: list[Issue] = []
    missing: list[Issue] = []
    for err in error.errors(include_url=False):
        ctx = err.get("ctx") or {}
        if err["type"] == "ordercli":
            issue = Issue(_path(err["loc"]), ctx["message"], ctx.get("hint"))
            (missing if ctx.get("missing") else wrong).append(issue)
        else:
            (missing if err["type"] == "missing" else wrong).append(Issue(_path(err["loc"]), f"{err['msg']}.", None))
    return wrong + missing


def check_draft(data: Any, *, phone_region: str | None = None, stored_shipping_address: Any = None) -> tuple[DraftIn | None, list[Issue]]:
    """Validate a draft (an OrderDraft or a plain dict): the model, or None and every problem.

    ``stored_shipping_address``: an edited order's address as stored; if the edit leaves it
    unchanged, it is kept as it is (an order saved before a rule existed stays editable).
    """
    context = {"phone_region": phone_region, "stored_shipping_address": stored_shipping_address}
    try:
        return DraftIn.model_validate(_as_dict(data), context=context), []
    except ValidationError as e:
        return None, issues_of(e)


def validate_draft(data: Any, *, phone_region: str | None = None, stored_shipping_address: Any = None) -> DraftIn:
    """The one gate of a new or edited order: the checked, normalised draft, or :class:`DraftInvalid`."""
    model, issues = check_draft(data, phone_region=phone_region, stored_shipping_address=stored_shipping_address)
    if model is None:
        raise DraftInvalid(issues)
    return model


def validate_edit(changes: Any) -> EditIn:
    """Check what an edit asks (before applying it to the order): the model, or :class:`DraftInvalid`."""
    data = _as_dict(changes)
    fields = {k: v for k, v in data.items() if k in EditIn.model_fields}
    try:
        return EditIn.model_validate(fields)
    except ValidationError as e:
        raise DraftInvalid(issues_of(e)) from None
