"""Payment methods: the store's list of codes with labels (setting ``payment.methods``).

Every payment stores a method *code*, so "Cash" typed at one till and "Espèces" at
another count as one method in reports. Pure: no database, no printing.

The setting holds ``code=Label`` pairs separated by commas (``cash=Cash,card=Card``);
empty means the defaults, labelled in the store's language.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from ordercli.errors import InputError
from ordercli.i18n import _

#: code -> label per language (the first language whose prefix matches the locale; else English)
DEFAULT_LABELS: dict[str, dict[str, str]] = {
    "cash": {"en": "Cash", "fr": "Espèces"},
    "card": {"en": "Card", "fr": "Carte bancaire"},
    "transfer": {"en": "Bank transfer", "fr": "Virement"},
    "cheque": {"en": "Cheque", "fr": "Chèque"},
    "other": {"en": "Other", "fr": "Autre"},
}

#: other words people type for the default methods (any language); matched after folding case and accents
ALIASES: dict[str, str] = {
    "especes": "cash", "liquide": "cash", "liquidos": "cash", "bar": "cash", "contant": "cash",
    "carte": "card", "cb": "card", "credit card": "card", "debit card": "card", "card terminal": "card", "tpe": "card",
    "bank transfer": "transfer", "wire": "transfer", "virement bancaire": "transfer", "sepa": "transfer",
    "check": "cheque",
    "autre": "other",
}

CODE_RE = re.compile(r"[a-z][a-z0-9_-]{0,39}")


@dataclass(frozen=True)
class Method:
    code: str
    label: str


def fold(text: str) -> str:
    """Case- and accent-insensitive form used to compare what people type."""
    decomposed = unicodedata.normalize("NFKD", text.strip().casefold())
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).split())


def _language(locale: str | None) -> str:
    return (locale or "en").split("_")[0].split("-")[0].lower()


def defaults(locale: str | None = None) -> list[Method]:
    lang = _language(locale)
    return [Method(code, labels.get(lang, labels["en"])) for code, labels in DEFAULT_LABELS.items()]


def parse_setting(value: str, locale: str | None = None) -> list[Method]:
    """``"cash=Cash,card=Card"`` -> methods; empty -> the defaults. Refuses bad codes and duplicates."""
    text = (value or "").strip()
    if not text:
        return defaults(locale)
    out: list[Method] = []
    seen: set[str] = set()
    default_labels = {m.code: m.label for m in defaults(locale)}
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        code, _eq, label = part.partition("=")
        code = code.strip().lower()
        label = label.strip() or default_labels.get(code) or code.capitalize()
        if not CODE_RE.fullmatch(code):
            raise InputError(
                _("Invalid payment method code %(code)s.") % {"code": repr(code)},
                _("Use codes of lower-case letters, digits, - or _ with a label, e.g. cash=Cash,card=Card,lydia=Lydia."),
            )
        if code in seen:
            raise InputError(_("Payment method %(code)s is listed twice.") % {"code": repr(code)}, _("List each code once."))
        seen.add(code)
        out.append(Method(code, label))
    if not out:
        return defaults(locale)
    return out


def check_setting(value: str) -> str:
    """The ``payment.methods`` setting's check: normalised ``code=Label`` pairs (empty stays empty)."""
    if not value.strip():
        return ""
    return ",".join(f"{m.code}={m.label}" for m in parse_setting(value))


def of(settings, locale: str | None = None) -> list[Method]:
    """The store's methods (``settings``: an :class:`ordercli.settings.Settings`), the default labels
    in ``locale`` (default: the store's)."""
    return parse_setting(settings.get("payment.methods"), locale or settings.locale)


def _match(text: str, methods: list[Method], locale: str | None) -> str | None:
    key = fold(text)
    if not key:
        return None
    codes = {m.code for m in methods}
    for m in methods:
        if key == fold(m.code) or key == fold(m.label):
            return m.code
    # the default methods' labels in every language, and common aliases, when that code is in the list
    for code, labels in DEFAULT_LABELS.items():
        if code in codes and any(key == fold(lbl) for lbl in labels.values()):
            return code
    alias = ALIASES.get(key)
    if alias in codes:
        return alias
    return None


def resolve(text: str, methods: list[Method], locale: str | None = None) -> str:
    """Free text -> a method code (by code or label, any case or accents), else a clear refusal listing them."""
    code = _match(text, methods, locale)
    if code is None:
        listed = ", ".join(f"{m.code} ({m.label})" for m in methods)
        raise InputError(
            _("Unknown payment method %(method)s.") % {"method": repr(text)},
            _("Use one of: %(choices)s.") % {"choices": listed},
            code="payment.method.unknown",
            method=text,
        )
    return code


def code_for(text: str | None, methods: list[Method] | None = None) -> str | None:
    """Lenient mapping for stored rows: the code the text names, ``other`` when it names none, None when empty."""
    if text is None or not text.strip():
        return None
    methods = methods or defaults()
    return _match(text, methods, None) or ("other" if any(m.code == "other" for m in methods) else None)


def shows_transfer(payment_method: str | None, balance_due: int, settings) -> bool:
    """Whether a customer's document shows the bank-transfer details (IBAN, invoice QR code): the
    order's method is a bank transfer, or no method was chosen, something is due and transfer is an
    accepted method; never for cash, card or cheque orders, never without ``store.iban``.
    The one rule of the invoice (``services/invoices``) and of the emails (``notify/compose``)."""
    if not settings.get("store.iban"):
        return False
    methods = of(settings)
    code = code_for(payment_method, methods) if payment_method else None
    if code == "transfer":
        return True
    if code is not None:  # cash, card, cheque…: never
        return False
    return balance_due > 0 and any(m.code == "transfer" for m in methods)


def label(code: str | None, methods: list[Method]) -> str:
    if code is None:
        return ""
    for m in methods:
        if m.code == code:
            return m.label
    labels = DEFAULT_LABELS.get(code)
    return labels["en"] if labels else code
