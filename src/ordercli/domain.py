"""Plain data that every door (wizard, flags, import) builds: the OrderDraft.

No database here and no prompts: the services take an ``OrderDraft`` and do
the rest. Parsers for the command-line mini-languages (``SKU:QTY``,
``NAME=PRICExQTY``, ``LABEL=AMOUNT|PCT%``, ``10%|5.00``) live here too, so the
wizard, the flags and the batch import read them the same way.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass, field

from ordercli.errors import InputError
from ordercli.i18n import N_, _
from ordercli.money import invalid_message, grouped, noun, parse_money, parse_percent, shown
from ordercli.pricing import MAX_QUANTITY, Adjustment

MAX_NAME = 200
MAX_QTY = MAX_QUANTITY  # units on one line (pricing.MAX_QUANTITY, 100,000)
#: Most units a product's stock can hold: the stock columns are INTEGER (32-bit on
#: PostgreSQL, 2,147,483,647), and units coming back from orders must still fit.
MAX_STOCK = 1_000_000_000


@dataclass
class Address:
    name: str | None = None
    street: str | None = None
    city: str | None = None
    postal_code: str | None = None
    country: str | None = None  # ISO 3166-1 alpha-2

    def is_empty(self) -> bool:
        return not any([self.name, self.street, self.city, self.postal_code, self.country])

    def one_line(self) -> str:
        return ", ".join(p for p in [self.name, self.street, " ".join(x for x in [self.postal_code, self.city] if x), self.country] if p)

    def as_dict(self) -> dict:
        return {"name": self.name, "street": self.street, "city": self.city, "postal_code": self.postal_code, "country": self.country}


#: the name a walk-in sale shows everywhere (lists, details, invoices); it has no customer record
WALK_IN_NAME = "Walk-in"


@dataclass
class CustomerIn:
    name: str
    email: str | None = None
    phone: str | None = None
    customer_id: int | None = None  # a customer picked by the person (the wizard's list): identity is not guessed
    update_contact: bool = False  # the person agreed to write this email/phone onto the picked customer


@dataclass
class ItemIn:
    """A catalog item (``sku``) or a custom item (``name`` + ``unit_price``)."""

    quantity: int
    sku: str | None = None
    name: str | None = None
    unit_price: int | None = None  # minor units, custom items only
    tax_rate: int | None = None  # custom items: defaults to tax.default_rate

    @property
    def is_custom(self) -> bool:
        return self.sku is None


@dataclass
class ShippingIn:
    method: str | None = None
    cost: int = 0
    pickup: bool = False
    address: Address | None = None


@dataclass
class OrderDraft:
    customer: CustomerIn
    items: list[ItemIn]
    discount: Adjustment | None = None
    surcharges: list[Adjustment] = field(default_factory=list)
    tip: int = 0
    shipping: ShippingIn | None = None
    billing: Address | None = None
    payment_method: str | None = None
    note: str | None = None
    staff_note: str | None = None
    door: str = "flags"
    external_ref: str | None = None
    notify_customer: bool = True
    walk_in: bool = False  # a sale to a passer-by: no customer (name, email, phone) at all


# --------------------------------------------------------------------------- text


def clean_text(value: str | None, what: str, *, max_len: int = MAX_NAME, multiline: bool = False, required: bool = False) -> str | None:
    """Strip, refuse control characters and over-long text. Returns None for empty."""
    if value is None:
        if required:
            raise InputError(_("The %(what)s is required.") % {"what": noun(what)}, _("Give a %(what)s.") % {"what": noun(what)})
        return None
    text = str(value).strip()
    if not text:
        if required:
            raise InputError(_("The %(what)s cannot be empty.") % {"what": noun(what)}, _("Give a %(what)s.") % {"what": noun(what)})
        return None
    for ch in text:
        if ch in "\n\r" and not multiline:
            raise InputError(_("The %(what)s contains a line break.") % {"what": noun(what)}, _("Write the %(what)s on one line.") % {"what": noun(what)})
        if ch in "\n\r\t":
            continue
        if unicodedata.category(ch) in ("Cc", "Cf") and ch not in "\u200d":
            raise InputError(
                _("The %(what)s contains a control character (%(char)s).") % {"what": noun(what), "char": repr(ch)},
                _("Remove it and type the %(what)s again.") % {"what": noun(what)},
            )
    if len(text) > max_len:
        raise InputError(
            _("The %(what)s is too long (%(length)s characters; at most %(most)s).") % {"what": noun(what), "length": len(text), "most": max_len},
            _("Shorten the %(what)s.") % {"what": noun(what)},
        )
    return text


# ----------------------------------------------------------------- mini-languages


def parse_quantity(text: str, what: str = "quantity") -> int:
    raw = str(text).strip()
    if not re.fullmatch(r"[+-]?\d+", raw):
        raise InputError(invalid_message(what, shown(raw), _("must be a whole number.")), _("Use a positive whole number, e.g. 2."))
    if len(raw.lstrip("+-").lstrip("0")) > 12:  # int() refuses 4,300+ digits; nothing this long is valid anyway
        raise InputError(invalid_message(what, shown(raw), _("at most %(most)s.") % {"most": MAX_QTY}), _("Split very large quantities into several orders."))
    qty = int(raw)
    if qty <= 0:
        raise InputError(invalid_message(what, repr(raw), _("must be at least 1.")), _("Use a positive whole number, e.g. 2."))
    if qty > MAX_QTY:
        raise InputError(invalid_message(what, repr(raw), _("at most %(most)s.") % {"most": MAX_QTY}), _("Split very large quantities into several orders."))
    return qty


def check_stock(units: int, what: str = "stock") -> int:
    """A stock level (or a change to one) must fit the stock columns: 0..MAX_STOCK units.

    For the catalog service: ``product add --stock``, ``product edit --stock``,
    ``product stock --set/--add`` (the resulting level) and the catalog CSV.
    """
    if units < 0:
        raise InputError(invalid_message(what, shown(str(units)), _("it cannot be negative.")), _("Give 0 or more."))
    if units > MAX_STOCK:
        raise InputError(
            invalid_message(what, shown(str(units)), _("at most %(most)s units.") % {"most": grouped(MAX_STOCK)}),
            _("Give a stock of %(most)s or less.") % {"most": grouped(MAX_STOCK)},
        )
    return units


def parse_item_spec(spec: str) -> ItemIn:
    """``SKU`` or ``SKU:QTY`` -> ItemIn."""
    raw = str(spec).strip()
    if not raw:
        raise InputError(_("Empty --item."), _("Write --item SKU or --item SKU:QTY, e.g. --item MUG-01:2."))
    sku, sep, qty = raw.rpartition(":")
    if not sep:
        sku, qty = raw, "1"
    sku = sku.strip()
    if not sku:
        raise InputError(_("Invalid --item %(item)s: missing SKU.") % {"item": repr(raw)}, _("Write --item SKU:QTY, e.g. --item MUG-01:2."))
    try:
        quantity = parse_quantity(qty)
    except InputError as e:
        raise InputError(
            _("Invalid --item %(item)s: %(problem)s") % {"item": repr(raw), "problem": e.message},
            _("Write --item SKU:QTY with a positive whole quantity, e.g. --item MUG-01:2."),
        ) from None
    return ItemIn(sku=sku, quantity=quantity)


def _CUSTOM_ITEM_HINT() -> str:
    # Translators: "Gift wrap" is an example of a custom item's name; it may be translated
    return _('Write --custom-item "NAME=PRICE" or "NAME=PRICExQTY", e.g. "Gift wrap=2.50x2".')


def parse_custom_item(spec: str, currency: str) -> ItemIn:
    """``NAME=PRICE`` or ``NAME=PRICExQTY`` -> custom ItemIn."""
    raw = str(spec).strip()
    name, sep, rest = raw.rpartition("=")
    if not sep or not name.strip():
        raise InputError(_("Invalid --custom-item %(item)s.") % {"item": repr(raw)}, _CUSTOM_ITEM_HINT())
    m = re.fullmatch(r"\s*([^x×*]+?)\s*(?:[x×*]\s*(\S+))?\s*", rest)
    if not m:
        raise InputError(_("Invalid --custom-item %(item)s.") % {"item": repr(raw)}, _CUSTOM_ITEM_HINT())
    price_text, qty_text = m.group(1), m.group(2) or "1"
    try:
        price = parse_money(price_text, currency, what="price")
        qty = parse_quantity(qty_text)
    except InputError as e:
        raise InputError(_("Invalid --custom-item %(item)s: %(problem)s") % {"item": repr(raw), "problem": e.message}, e.hint) from None
    return ItemIn(name=clean_text(name, "item name", required=True), unit_price=price, quantity=qty)


def parse_adjustment(text: str, currency: str, what: str) -> Adjustment:
    """``10%`` -> percent; ``5.00`` -> amount."""
    raw = str(text).strip()
    if raw.endswith("%"):
        return Adjustment(percent=parse_percent(raw, what))
    return Adjustment(amount=parse_money(raw, currency, what=what))


def parse_surcharge(spec: str, currency: str) -> Adjustment:
    """``LABEL=AMOUNT`` or ``LABEL=PCT%``."""
    raw = str(spec).strip()
    label, sep, value = raw.rpartition("=")
    if not sep or not label.strip() or not value.strip():
        # Translators: "Card fee" is an example of a surcharge's label; it may be translated
        raise InputError(_("Invalid surcharge %(spec)s.") % {"spec": repr(raw)}, _('Write it as LABEL=AMOUNT or LABEL=PCT%, e.g. "Card fee=1.5%".'))
    adj = parse_adjustment(value, currency, "surcharge")
    return Adjustment(percent=adj.percent, amount=adj.amount, label=clean_text(label, "surcharge label", required=True) or "")


# ---------------------------------------------------------------------- contacts


#: email_validator's most common reasons (in English), translated on a screen in another language;
#: any other reason is said in general words there.
_EMAIL_PROBLEMS = frozenset({
    N_("An email address must have an @-sign."),
    N_("There must be something before the @-sign."),
    N_("There must be something after the @-sign."),
    N_("The part after the @-sign is not valid. It should have a period."),
    N_("The part after the @-sign is not valid. It is not within a valid top-level domain."),
    N_("An email address cannot have two periods in a row."),
    N_("An email address cannot start with a period."),
    N_("An email address cannot end with a period."),
    N_("An email address cannot have a period immediately after the @-sign."),
    N_("An email address cannot have a period immediately before the @-sign."),
    N_("The email address contains invalid characters before the @-sign."),
    N_("There can't be anything after the email address."),
})


def _email_problem(error: Exception) -> str:
    from ordercli.i18n import is_english

    text = str(error)
    if is_english() or text in _EMAIL_PROBLEMS:
        return _(text)
    return _("The address is not valid.")


@functools.lru_cache(maxsize=4096)  # pure; a batch import checks the same contacts again and again
def normalize_email(text: str | None) -> str | None:
    if text is None or not str(text).strip():
        return None
    raw = str(text).strip()
    import email_validator  # lazy: not needed by most commands

    try:
        info = email_validator.validate_email(raw, check_deliverability=False)
    except email_validator.EmailNotValidError as e:
        raise InputError(_("Invalid email %(email)s: %(problem)s") % {"email": repr(raw), "problem": _email_problem(e)}, _("Check the address, e.g. ana@example.com.")) from None
    return info.normalized.lower()


@functools.lru_cache(maxsize=4096)
def normalize_phone(text: str | None, region: str | None) -> str | None:
    if text is None or not str(text).strip():
        return None
    raw = str(text).strip()
    import phonenumbers  # lazy

    try:
        num = phonenumbers.parse(raw, (region or "").upper() or None)
    except phonenumbers.NumberParseException:
        if region:
            hint = _("Include the country code, e.g. +33 6 12 34 56 78.")
        else:
            hint = _("Include the country code, e.g. +33 6 12 34 56 78, or set `ordercli config set store.phone_region FR`.")
        raise InputError(_("Invalid phone number %(phone)s.") % {"phone": repr(raw)}, hint) from None
    if not phonenumbers.is_possible_number(num) or not phonenumbers.is_valid_number(num):
        raise InputError(_("Invalid phone number %(phone)s.") % {"phone": repr(raw)}, _("Check the digits and the country code, e.g. +33 6 12 34 56 78."))
    return phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.E164)


# Codes in CLDR's (babel's) territory list that are not ISO 3166-1 alpha-2 country
# codes: unknown region, groupings (EU, EZ, UN, QO "outlying Oceania"), pseudo
# locales (XA, XB), and ISO's "exceptionally reserved" codes for places that are
# part of a country with its own code (AC, CP, CQ, DG, EA, IC, TA). Numeric
# regions (001, 150…) are dropped by the two-letter filter.
_NOT_COUNTRIES = frozenset({"ZZ", "EU", "EZ", "UN", "QO", "XA", "XB", "AC", "CP", "CQ", "DG", "EA", "IC", "TA"})


@functools.lru_cache(maxsize=1)
def _countries() -> dict[str, str]:
    """ISO 3166-1 alpha-2 code -> English name: the 249 assigned codes, plus XK (Kosovo).

    XK is user-assigned in ISO 3166-1 but is what the EU, carriers and CLDR use for
    Kosovo, which has no other code. Loaded from babel on first use only (babel
    costs ~60 ms to import and read): ``import ordercli.cli`` must stay light.
    """
    from babel import Locale

    names = Locale("en").territories
    return {code: str(names[code]) for code in names if len(code) == 2 and code.isalpha() and code not in _NOT_COUNTRIES}


@functools.lru_cache(maxsize=1)
def _country_by_name() -> dict[str, str]:
    """"france" -> "FR": only to suggest the code when a name was typed."""
    return {name.casefold(): code for code, name in _countries().items()}


def normalize_country(text: str | None) -> str | None:
    if text is None or not str(text).strip():
        return None
    raw = str(text).strip().upper()
    if re.fullmatch(r"[A-Z]{2}", raw) and raw in _countries():
        return raw
    hint = _("Use a two-letter ISO 3166 country code, e.g. FR, DE, US.")
    guess = _country_by_name().get(str(text).strip().casefold())
    if guess:
        hint = _("Use the two-letter ISO country code: %(code)s for %(country)s.") % {"code": guess, "country": _countries()[guess]}
    value = shown(str(text).strip())
    if re.fullmatch(r"[A-Z]{2}", raw):
        raise InputError(_("Unknown country code %(code)s.") % {"code": value}, hint)
    raise InputError(_("Invalid country code %(code)s.") % {"code": value}, hint)
