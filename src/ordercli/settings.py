"""Settings shared by every till, stored in the store's ``setting`` table.

One registry (:data:`KEYS`) says which keys exist, their defaults, how a typed
value is checked and normalised, and what each is for. ``config set`` refuses
unknown keys and invalid values with the list of what is allowed. Secrets
(the SMTP password) are never settings: see ``notify``.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Callable

from ordercli.errors import InputError
from ordercli.i18n import N_, _
from ordercli.money import grouped, invalid_message, shown


def _bool(v: str) -> str:
    low = v.strip().lower()
    if low in ("true", "yes", "1", "on"):
        return "true"
    if low in ("false", "no", "0", "off"):
        return "false"
    raise InputError(_("Invalid value %(value)s: expected true or false.") % {"value": repr(v)}, _("Use true or false."))


def _text(max_len: int = 200, allow_empty: bool = True) -> Callable[[str], str]:
    def check(v: str) -> str:
        from ordercli.domain import clean_text

        out = clean_text(v, "value", max_len=max_len) or ""
        if not out and not allow_empty:
            raise InputError(_("The value cannot be empty."), _("Give a value."))
        return out

    return check


def _multiline(v: str) -> str:
    from ordercli.domain import clean_text

    return clean_text(v.replace("\\n", "\n"), "value", max_len=1000, multiline=True) or ""


def _email_or_empty(v: str) -> str:
    from ordercli.domain import normalize_email

    return normalize_email(v) or ""


def _currency(v: str) -> str:
    code = v.strip().upper()
    from babel.numbers import get_currency_name, list_currencies

    if not re.fullmatch(r"[A-Z]{3}", code) or code not in list_currencies():
        raise InputError(_("Unknown currency %(value)s.") % {"value": repr(v)}, _("Use an ISO 4217 code such as EUR, USD, GBP, CHF."))
    get_currency_name(code, locale="en_US")  # babel has its name (never the environment's locale: it may be unset)
    return code


def _locale(v: str) -> str:
    from babel import Locale, UnknownLocaleError

    try:
        return str(Locale.parse(v.strip().replace("-", "_")))
    except (UnknownLocaleError, ValueError):
        raise InputError(_("Unknown locale %(value)s.") % {"value": repr(v)}, _("Use a locale such as en_US, fr_FR, de_DE, nl_NL.")) from None


def _region(v: str) -> str:
    code = v.strip().upper()
    if not code:
        return ""
    import phonenumbers

    if code not in phonenumbers.SUPPORTED_REGIONS:
        raise InputError(_("Unknown phone region %(value)s.") % {"value": repr(v)}, _("Use a two-letter country code such as FR, DE, GB, US."))
    return code


#: Highest ``order.next_number``. Order numbers (``orders.seq``) and the order
#: counter are INTEGER columns, 32-bit on PostgreSQL (at most 2,147,483,647); the
#: counter is bumped past the number it hands out, so leave room for 147 million
#: more orders. A year or shop code belongs in ``order.prefix`` (e.g. 2026-).
MAX_ORDER_NUMBER = 2_000_000_000


def _whole(v: str, low: int, high: int, what: str = "number") -> str:
    text = v.strip()
    hint = _("Use a whole number of %(low)s or more, at most %(high)s.") % {"low": grouped(low), "high": grouped(high)}
    if not re.fullmatch(r"\d+", text):
        raise InputError(invalid_message(what, shown(v)), hint)
    digits = text.lstrip("0") or "0"
    # Length first: int() refuses 4,300+ digits, and nothing that long is in range anyway.
    if len(digits) > 18 or int(digits) > high:
        raise InputError(invalid_message(what, shown(v), _("at most %(most)s.") % {"most": grouped(high)}), hint)
    if int(digits) < low:
        raise InputError(invalid_message(what, shown(v)), hint)
    return digits


def _int_between(low: int, high: int) -> Callable[[str], str]:
    def check(v: str) -> str:
        return _whole(v, low, high)

    return check


def _next_number(v: str) -> str:
    try:
        return _whole(v, 1, MAX_ORDER_NUMBER)
    except InputError as e:
        raise InputError(
            e.message,
            _(
                "Use a whole number of 1 or more, at most %(most)s (order numbers are stored as 32-bit integers); "
                "put a year or shop code in order.prefix instead, e.g. `ordercli config set order.prefix 2026-`."
            )
            % {"most": grouped(MAX_ORDER_NUMBER)},
        ) from None


def _port(v: str) -> str:
    if not re.fullmatch(r"\s*\d{1,6}\s*", v) or not 1 <= int(v) <= 65535:
        raise InputError(_("Invalid port %(value)s.") % {"value": shown(v)}, _("Use a number from 1 to 65535."))
    return str(int(v))


def _percent(v: str) -> str:
    from ordercli.money import parse_percent, percent_str

    return percent_str(parse_percent(v, "rate"))


def _choice(*choices: str) -> Callable[[str], str]:
    def check(v: str) -> str:
        low = v.strip().lower()
        if low not in choices:
            raise InputError(_("Invalid value %(value)s.") % {"value": repr(v)}, _("Use one of: %(choices)s.") % {"choices": ", ".join(choices)})
        return low

    return check


def _prefix(v: str) -> str:
    text = v.strip()
    if not re.fullmatch(r"[A-Za-z0-9_\-/#.]{0,20}", text):
        raise InputError(_("Invalid prefix/suffix %(value)s.") % {"value": repr(v)}, _("Use up to 20 letters, digits or - _ / # . (no spaces)."))
    return text


def _iban(v: str) -> str:
    text = re.sub(r"\s+", "", v).upper()
    if not text:
        return ""
    if not re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]{10,30}", text):
        raise InputError(_("Invalid IBAN %(value)s.") % {"value": repr(v)}, _("Give the IBAN like FR76 3000 6000 0112 3456 7890 189."))
    rearranged = text[4:] + text[:4]
    digits = "".join(str(int(c, 36)) for c in rearranged)
    if int(digits) % 97 != 1:
        raise InputError(_("Invalid IBAN %(value)s: the check digits do not match.") % {"value": repr(v)}, _("Check the IBAN for typos."))
    return text


def _siret(v: str) -> str:
    """A SIRET: 14 digits (spaces allowed), Luhn check (La Poste's establishments, SIREN 356000000, excepted)."""
    text = re.sub(r"[\s.]+", "", v)
    if not text:
        return ""
    if not re.fullmatch(r"\d{14}", text):
        raise InputError(_("Invalid SIRET %(value)s: it has 14 digits.") % {"value": shown(v)}, _("Give the SIRET like 732 829 320 00074 (SIREN + establishment number)."))
    total = 0
    for i, c in enumerate(reversed(text)):
        n = int(c) * (2 if i % 2 else 1)
        total += n - 9 if n > 9 else n
    if total % 10 and not (text.startswith("356000000") and sum(map(int, text)) % 5 == 0):
        raise InputError(
            _("Invalid SIRET %(value)s: the check digit does not match.") % {"value": shown(v)},
            _("Check the SIRET for typos (see your Kbis or avis de situation INSEE)."),
        )
    return f"{text[:3]} {text[3:6]} {text[6:9]} {text[9:]}"


def _penalty(v: str) -> str:
    """The late-payment penalty rate: a percent (e.g. 12%) or empty (the legal minimum, three times the legal rate)."""
    text = v.strip()
    if not text:
        return ""
    return _percent(text) + "%"


def _dir(v: str) -> str:
    return v.strip()


def _default_locale() -> str:
    for var in ("LC_ALL", "LC_MONETARY", "LANG"):
        val = os.environ.get(var, "")
        m = re.match(r"([a-z]{2,3}_[A-Z]{2})", val)
        if m:
            return m.group(1)
    return "en_US"


@dataclass(frozen=True)
class Spec:
    default: str | Callable[[], str]
    check: Callable[[str], str]
    english_help: str  # marked with N_; :attr:`help` is in the screen's language
    help_facts: Callable[[], dict] | None = None  # the placeholders of the help, worked out when shown

    @property
    def help(self) -> str:
        text = _(self.english_help)
        return text % self.help_facts() if self.help_facts else text

    def default_value(self) -> str:
        return self.default() if callable(self.default) else self.default


NOTIFY_STATUS_DEFAULTS = {
    # payment statuses
    "PAID": "true",
    "CANCELLED": "true",
    "REFUNDED": "true",
    "PARTIALLY_REFUNDED": "true",
    "AWAITING_PAYMENT": "false",
    "INCOMPLETE": "false",
    # fulfillment statuses
    "PROCESSING": "false",
    "SHIPPED": "true",
    "DELIVERED": "true",
    "WILL_NOT_DELIVER": "false",
    "RETURNED": "true",
    "READY_FOR_PICKUP": "true",
    "OUT_FOR_DELIVERY": "false",
    "AWAITING_PROCESSING": "false",
}

KEYS: dict[str, Spec] = {
    "store.name": Spec("My shop", _text(200, allow_empty=False), N_("Shop name shown on screens, emails and invoices")),
    "store.email": Spec("", _email_or_empty, N_("Where admin notifications go (empty: none)")),
    "store.phone": Spec("", _text(50), N_("Shop phone shown on emails and invoices")),
    "store.currency": Spec("EUR", _currency, N_("ISO 4217 currency of new orders")),
    "store.locale": Spec(_default_locale, _locale, N_("Locale for money and dates on screen and in emails")),
    "store.phone_region": Spec("", _region, N_("Default region for phone numbers without +country (e.g. FR)")),
    "store.address": Spec("", _multiline, N_("Seller address on invoices (use \\n for new lines)")),
    "store.vat_number": Spec("", _text(50), N_("Seller VAT number on invoices")),
    "store.siret": Spec("", _siret, N_("Seller SIRET on invoices (14 digits, checked)")),
    "store.legal_form": Spec("", _text(200), N_("Legal form on invoices, e.g. EI or SARL au capital de 1 000 €")),
    "invoice.footer": Spec("", _multiline, N_("Text at the foot of every invoice page (use \\n for new lines)")),
    "invoice.payment_terms": Spec("", _text(300), N_("Payment terms on invoices, e.g. 30 days from the invoice date (empty: payment on receipt)")),
    "invoice.late_penalty": Spec("", _penalty, N_("Late-payment penalty rate on business invoices, e.g. 12% (empty: three times the legal interest rate)")),
    "tax.vat_exempt": Spec("false", _bool, N_("VAT exemption (franchise en base): invoices say art. 293 B du CGI and show no VAT")),
    "store.iban": Spec("", _iban, N_("IBAN for bank-transfer instructions and the invoice QR code")),
    "store.bic": Spec("", _text(11), N_("BIC for the invoice QR code (optional)")),
    "order.prefix": Spec("", _prefix, N_("Text before order numbers (e.g. FAIR-)")),
    "order.suffix": Spec("", _prefix, N_("Text after order numbers")),
    "order.next_number": Spec("1001", _next_number, N_("Number of the next order (1 to %(most)s)"), lambda: {"most": grouped(MAX_ORDER_NUMBER)}),
    "invoice.prefix": Spec("INV-", _prefix, N_("Text before invoice numbers")),
    "tax.prices_include_tax": Spec("true", _bool, N_("Catalog prices include tax (true) or tax is added (false)")),
    "tax.default_rate": Spec("0", _percent, N_("Tax rate in percent for custom items and new products")),
    "mail.transport": Spec("none", _choice("smtp", "file", "none"), N_("How messages leave: smtp, file (.eml files) or none (queued)")),
    "mail.from": Spec("", _email_or_empty, N_("Sender address of emails")),
    "mail.dir": Spec("", _dir, N_("Folder for .eml files when mail.transport is file")),
    "mail.templates_dir": Spec("", _dir, N_("Folder with templates that override the built-in ones")),
    "smtp.host": Spec("", _text(200), N_("SMTP server host")),
    "smtp.port": Spec("587", _port, N_("SMTP server port")),
    "smtp.security": Spec("starttls", _choice("starttls", "ssl", "none"), N_("SMTP security: starttls, ssl or none")),
    "smtp.username": Spec("", _text(200), N_("SMTP user name (password: ORDERCLI_SMTP_PASSWORD or keyring)")),
    "smtp.timeout": Spec("3", _int_between(1, 600), N_("Seconds one delivery attempt may take (1 to 600)")),
    "mail.inline_budget": Spec(
        "3", _int_between(0, 600), N_("Seconds a command may spend in total delivering mail after it saves (0: none, leave it to `outbox watch`)")
    ),
    "outbox.max_attempts": Spec("8", _int_between(1, 1000), N_("Attempts before a message is dead (1 to 1,000)")),
    "store.payment_instructions": Spec("", _multiline, N_("How to pay, printed in emails and on invoices (use \\n for new lines)")),
    "payment.methods": Spec(
        "", lambda v: __import__("ordercli.payment_methods", fromlist=["check_setting"]).check_setting(v),
        N_("Payment methods as code=Label pairs, e.g. cash=Cash,card=Card,lydia=Lydia (empty: cash, card, transfer, cheque, other in the store's language)"),
    ),
    "store.timezone": Spec(
        "", lambda v: __import__("ordercli.store_time", fromlist=["check_zone"]).check_zone(v),
        N_("Time zone of the store's days (reports, till sessions): an IANA name such as Europe/Paris (empty: this machine's zone)"),
    ),
    "stock.low_threshold": Spec("3", _int_between(0, 1_000_000), N_("A tracked product at or under this stock is listed to reorder in `report day` (0 to 1,000,000)")),
    "store.auto_backup": Spec("false", _bool, N_("SQLite: the first write of each day keeps a dated backup next to the store (the last 7)")),
    "invoice.font": Spec("", _dir, N_("TrueType font file for PDF invoices (empty: DejaVu Sans if found, else Helvetica)")),
    "receipt.footer": Spec("Thank you!", _multiline, N_("Text at the bottom of receipts (use \\n for new lines)")),
    "receipt.width": Spec("80", _choice("58", "80"), N_("Receipt paper width in mm: 58 (32 characters a line) or 80 (48)")),
    "receipt.printer": Spec(
        "none", lambda v: __import__("ordercli.printers", fromlist=["check_setting"]).check_setting(v),
        N_("Receipt printer: none, file:PATH, network:HOST[:PORT] (port 9100 by default), usb:VENDOR:PRODUCT (hex ids) or serial:DEVICE"),
    ),
}
for _status, _default in NOTIFY_STATUS_DEFAULTS.items():
    KEYS[f"notify.on_status.{_status}"] = Spec(_default, _bool, N_("Email the customer when the status becomes %(status)s"), lambda s=_status: {"status": s})


def check_key(key: str) -> Spec:
    k = key.strip()
    if k not in KEYS:
        import difflib

        close = difflib.get_close_matches(k, KEYS.keys(), n=3)
        if close:
            hint = _("Did you mean %(keys)s? Run `ordercli config show` to list every setting.") % {"keys": ", ".join(close)}
        else:
            hint = _("Run `ordercli config show` to list every setting.")
        raise InputError(_("Unknown setting %(key)s.") % {"key": repr(key)}, hint)
    return KEYS[k]


def validate(key: str, value: str) -> str:
    return check_key(key).check(value)


class Settings:
    """A read-only view of the settings (stored values over defaults)."""

    def __init__(self, stored: dict[str, str]):
        self._stored = stored
        self._resolved: dict[str, str] = {}  # defaults computed once (a batch asks thousands of times)

    def get(self, key: str) -> str:
        if key in self._stored:
            return self._stored[key]
        value = self._resolved.get(key)
        if value is None:
            value = self._resolved[key] = KEYS[key].default_value()
        return value

    def __getitem__(self, key: str) -> str:
        return self.get(key)

    def flag(self, key: str) -> bool:
        return self.get(key) == "true"

    def is_set(self, key: str) -> bool:
        return key in self._stored

    @property
    def currency(self) -> str:
        return self.get("store.currency")

    @property
    def locale(self) -> str:
        return self.get("store.locale")

    @property
    def prices_include_tax(self) -> bool:
        return self.flag("tax.prices_include_tax")

    @property
    def default_rate(self) -> int:
        from ordercli.money import parse_percent

        return parse_percent(self.get("tax.default_rate"))
