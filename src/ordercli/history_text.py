"""An order's history: stored in English, shown in the screen's language.

What the services write into ``OrderEvent.summary`` (and the note of a payment row) is
canonical English with the English money form (``€36.00``) and English status names,
whatever the till's language, so that tills of different languages sharing one store
write the same text (:func:`stored_money`, :func:`stored_status`). JSON output keeps
that text as it is.

On screen, :func:`shown` translates a stored summary: it is split on `` · `` and each
known part (``Created (flags)``, ``2 items``, ``Payment: Paid → Cancelled``,
``balance due €0.00`` …) is matched by a small table of patterns and rewritten with a
translated message, its money in the screen's format and its status names in the
screen's words. A part that matches nothing (text written by an older version, a
method label, a reason someone typed) is shown unchanged: nothing is ever dropped.
An English screen gets the stored text exactly.

Names, SKUs and reasons inside a summary are data: callers escape the result for rich.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from decimal import Decimal, InvalidOperation

from ordercli import i18n
from ordercli.i18n import N_, _, ngettext, pgettext
from ordercli.money import _SYMBOLS as _SYMBOL_OF, _ZERO, currency_decimals, format_money
from ordercli.statuses import WORDS, words

SEP = " · "


# ------------------------------------------------------------------ writing


def stored_money(minor: int, currency: str) -> str:
    """An amount as the history stores it: the English short form (``€36.00``, ``12.50 CHF``), never the screen's."""
    return format_money(minor, currency, locale="")  # "" (not None): the short English form, whatever the screen


def stored_status(status: str) -> str:
    """A status name as the history stores it: English (``Awaiting payment``), never the screen's."""
    return words(status, "en_US")


# ------------------------------------------------------------------ reading

_SYMBOLS = {symbol: code for code, symbol in _SYMBOL_OF.items()}  # the symbols stored_money writes
_SYMBOL_CLASS = "[" + re.escape("".join(_SYMBOLS)) + "]"
_EN_MONEY = re.compile(r"(-?)(?:(" + _SYMBOL_CLASS + r")([\d,]*\d(?:\.\d+)?)|([\d,]*\d(?:\.\d+)?) ([A-Z]{3}))")
#: money in the English form, or in another language's form (older stores): the latter is kept as written
MONEY = (
    r"-?(?:" + _SYMBOL_CLASS + r"[\d,]*\d(?:\.\d+)?"  # €36.00
    r"|[\d,]*\d\.\d+ [A-Z]{3}|[\d,]*\d (?:" + "|".join(sorted(_ZERO)) + ")"  # 12.50 CHF, 1,250 XOF
    r"|\d[\d\s\u202f\u00a0.]*,\d+\s?(?:€|\$|£|[A-Z]{3})|\d[\d\s\u202f\u00a0.]*\s?(?:€|\$|£))"  # 36,00 €, 12,50 CHF (older stores)
)


def money_shown(text: str) -> str:
    """``€36.00`` -> the screen's form (``36,00 €``); anything else unchanged."""
    m = _EN_MONEY.fullmatch(text)
    if not m:
        return text
    sign, symbol, digits_a, digits_b, code = m.groups()
    currency = _SYMBOLS[symbol] if symbol else code
    digits = (digits_a or digits_b).replace(",", "")
    places = currency_decimals(currency)
    if len(digits.partition(".")[2]) != places:  # the stored form always has the currency's decimals
        return text
    try:
        minor = Decimal(digits).scaleb(places)
    except InvalidOperation:  # pragma: no cover - the pattern guards
        return text
    return format_money(int(minor) * (-1 if sign else 1), currency)


_BY_ENGLISH = {english: key for key, english in WORDS.items()}


def status_shown(text: str) -> str:
    """``Awaiting payment`` (the stored English name) -> the screen's words; anything else unchanged."""
    key = _BY_ENGLISH.get(text)
    return words(key) if key else text


#: how an order came in (``OrderEvent.door``), as ``Created (flags)`` stores it
DOORS = {
    "flags": lambda: pgettext("door", "flags"),
    "wizard": lambda: pgettext("door", "wizard"),
    "import": lambda: pgettext("door", "import"),
    "cli": lambda: pgettext("door", "cli"),
}

#: the fields an edit names (``Name: Ana → Ana B.``), as services/edits.describe_edit writes them
FIELDS = {
    "Name": N_("Name"), "Email": N_("Email"), "Phone": N_("Phone"), "Discount": N_("Discount"), "Tip": N_("Tip"),
    "Surcharges": N_("Surcharges"), "Shipping": N_("Shipping"), "Billing": N_("Billing"), "Payment method": N_("Payment method"),
    "Note": N_("Note"), "Staff note": N_("Staff note"),
}


def _value(field: str, text: str) -> str:
    """An edited field's old or new value: money and the shipping words translated, the rest as written."""
    if field in ("Tip", "Discount"):
        return money_shown(text)
    if field == "Shipping":
        m = re.fullmatch(r"pickup(?: \((?P<method>.*)\))?", text)
        if m:
            return _("pickup") + (f" ({m['method']})" if m["method"] is not None else "")
        m = re.fullmatch(rf"(?P<method>.+?) (?P<cost>{MONEY})(?: to (?P<address>.*))?", text)
        if m:
            method = pgettext("shipping method", "shipping") if m["method"] == "shipping" else m["method"]
            cost = money_shown(m["cost"])
            if m["address"] is None:
                return f"{method} {cost}"
            return _("%(method)s %(cost)s to %(address)s") % {"method": method, "cost": cost, "address": m["address"]}
    return text


def _field(m: re.Match) -> str:
    field = m["field"]
    return _("%(field)s: %(old)s → %(new)s") % {"field": _(FIELDS[field]), "old": _value(field, m["old"]), "new": _value(field, m["new"])}


@functools.cache
def _edit_parts() -> list[tuple[re.Pattern, Callable[[re.Match], str]]]:
    """The pieces of ``Edited: …`` (joined with "; "), compiled when a history is first shown (the
    writers import this module for stored_money / stored_status only)."""
    fields = "|".join(re.escape(f) for f in sorted(FIELDS, key=len, reverse=True))
    return [
        (re.compile(rf"^(?P<field>{fields}): (?P<old>.*?) → (?P<new>.*)$", re.S), _field),
        (
            re.compile(rf"^Added (?P<item>.+) ×(?P<qty>\d+) at (?P<price>{MONEY})$", re.S),
            lambda m: _("Added %(item)s ×%(quantity)s at %(price)s") % {"item": m["item"], "quantity": m["qty"], "price": money_shown(m["price"])},
        ),
        (re.compile(r"^Removed (?P<item>.+) ×(?P<qty>\d+)$", re.S), lambda m: _("Removed %(item)s ×%(quantity)s") % {"item": m["item"], "quantity": m["qty"]}),
        (
            re.compile(rf"^total (?P<old>{MONEY}) → (?P<new>{MONEY})$"),
            lambda m: _("total %(old)s → %(new)s") % {"old": money_shown(m["old"]), "new": money_shown(m["new"])},
        ),
        (
            re.compile(r"^(?P<item>.+) qty (?P<old>\d+) → (?P<new>\d+)$", re.S),
            lambda m: _("%(item)s qty %(old)s → %(new)s") % {"item": m["item"], "old": m["old"], "new": m["new"]},
        ),
        (
            re.compile(rf"^(?P<item>.+) price (?P<old>{MONEY}) → (?P<new>{MONEY})$", re.S),
            lambda m: _("%(item)s price %(old)s → %(new)s") % {"item": m["item"], "old": money_shown(m["old"]), "new": money_shown(m["new"])},
        ),
    ]


def _translate(table, part: str) -> str:
    for pattern, make in table:
        m = pattern.match(part)
        if m:
            return make(m)
    return part


def edit_part(part: str) -> str:
    """One piece of an edit's description (``MUG-01 qty 1 → 2``) in the screen's language; unknown pieces unchanged."""
    if i18n.is_english():
        return part
    return _translate(_edit_parts(), part)


def edit_parts(pieces: list[str]) -> list[str]:
    return [edit_part(p) for p in pieces]


def _edited(text: str) -> str:
    """``Name: A → B; MUG-01 qty 1 → 2``: pieces joined with "; " (a piece whose own text holds "; " stays whole)."""
    pieces: list[str] = []
    for frag in text.split("; "):
        if pieces and not any(p.match(frag) for p, _make in _edit_parts()):
            pieces[-1] += "; " + frag
        else:
            pieces.append(frag)
    return "; ".join(_translate(_edit_parts(), p) for p in pieces)


def _why(text: str) -> str:
    m = re.fullmatch(rf"balance due (?P<amount>{MONEY})", text)
    if m:
        return _("balance due %(amount)s") % {"amount": money_shown(m["amount"])}
    if text == "payments cover the new total":
        return _("payments cover the new total")
    return text


def _move(message: str, m: re.Match) -> str:
    out = message % {"old": status_shown(m["old"]), "new": status_shown(m["new"])}
    return out + (f" ({_why(m['why'])})" if m.groupdict().get("why") else "")


def _attempts(text: str) -> str:
    if text == "refused for good":
        return _("refused for good")
    m = re.fullmatch(r"after (\d+) attempts?", text)
    if m:
        n = int(m[1])
        return ngettext("after %(count)s attempt", "after %(count)s attempts", n) % {"count": n}
    return text


def _kinds_re() -> str:
    from ordercli.notify.policy import KIND_LABELS  # English, as notify/delivery stores them

    return "|".join(re.escape(k) for k in sorted(KIND_LABELS.values(), key=len, reverse=True))


_WHOLE: list[tuple[re.Pattern, Callable[[re.Match], str]]] | None = None
_PARTS: list[tuple[re.Pattern, Callable[[re.Match], str]]] | None = None


def _tables():
    """The patterns, compiled once (the notification kinds come from notify.policy)."""
    global _WHOLE, _PARTS
    if _WHOLE is not None and _PARTS is not None:
        return _WHOLE, _PARTS
    kinds = _kinds_re()
    #: whole summaries, tried before splitting on " · " (names and errors may hold anything)
    _WHOLE = [
        (
            re.compile(r"^Customer merged: (?P<old>.+) \(customer (?P<old_id>\d+)\) → (?P<new>.+) \(customer (?P<new_id>\d+)\)$", re.S),
            lambda m: _("Customer merged: %(old)s (customer %(old_id)s) → %(new)s (customer %(new_id)s)") % m.groupdict(),
        ),
        (
            re.compile(rf"^(?P<kind>{kinds}) sent to (?P<to>.+)$", re.S),
            lambda m: _("%(message)s sent to %(recipient)s") % {"message": _(m["kind"]), "recipient": m["to"]},
        ),
        (
            re.compile(rf"^(?P<kind>{kinds}) to (?P<to>.+?) could not be delivered \((?P<why>refused for good|after \d+ attempts?)\): (?P<error>.*)$", re.S),
            lambda m: _("%(message)s to %(recipient)s could not be delivered (%(why)s): %(error)s")
            % {"message": _(m["kind"]), "recipient": m["to"], "why": _attempts(m["why"]), "error": m["error"]},
        ),
    ]
    _PARTS = [
        (re.compile(r"^Created \((?P<door>[^()]*)\)$"), lambda m: _("Created (%(door)s)") % {"door": DOORS[m["door"]]() if m["door"] in DOORS else m["door"]}),
        (re.compile(r"^(?P<n>\d+) items?$"), lambda m: ngettext("%(count)s item", "%(count)s items", int(m["n"])) % {"count": m["n"]}),
        (re.compile(rf"^{MONEY}$"), lambda m: money_shown(m[0])),
        (re.compile(rf"^Payment (?P<amount>{MONEY})$"), lambda m: _("Payment %(amount)s") % {"amount": money_shown(m["amount"])}),
        (re.compile(rf"^Refund (?P<amount>{MONEY})$"), lambda m: _("Refund %(amount)s") % {"amount": money_shown(m["amount"])}),
        (
            re.compile(rf"^tendered (?P<tendered>{MONEY}), change (?P<change>{MONEY})$"),
            lambda m: _("tendered %(tendered)s, change %(change)s") % {"tendered": money_shown(m["tendered"]), "change": money_shown(m["change"])},
        ),
        (re.compile(rf"^balance due (?P<amount>{MONEY})$"), lambda m: _why(m[0])),
        (re.compile(r"^recorded by a status change$"), lambda m: _("recorded by a status change")),
        (re.compile(r"^ref (?P<reference>.+)$", re.S), lambda m: _("ref %(reference)s") % {"reference": m["reference"]}),
        (re.compile(r"^restocked (?P<units>.+)$", re.S), lambda m: _("restocked %(units)s") % {"units": m["units"]}),
        (re.compile(r"^not restocked$"), lambda m: _("not restocked")),
        (
            re.compile(r"^Payment: (?P<old>.+?) → (?P<new>.+?)(?: \((?P<why>balance due .+|payments cover the new total)\))?$", re.S),
            lambda m: _move(_("Payment: %(old)s → %(new)s"), m),
        ),
        (re.compile(r"^Fulfillment: (?P<old>.+?) → (?P<new>.+)$", re.S), lambda m: _move(_("Fulfillment: %(old)s → %(new)s"), m)),
        (re.compile(r"^Tracking number: (?P<old>.*?) → (?P<new>.*)$", re.S), lambda m: _("Tracking number: %(old)s → %(new)s") % m.groupdict()),
        (re.compile(r"^stock returned (?P<units>.+)$", re.S), lambda m: _("stock returned %(units)s") % {"units": m["units"]}),
        (re.compile(r"^stock taken again (?P<units>.+)$", re.S), lambda m: _("stock taken again %(units)s") % {"units": m["units"]}),
        (re.compile(r"^stock taken (?P<units>.+)$", re.S), lambda m: _("stock taken %(units)s") % {"units": m["units"]}),
        (re.compile(r"^reason: (?P<reason>.*)$", re.S), lambda m: _("reason: %(reason)s") % {"reason": m["reason"]}),
        (
            re.compile(rf"^(?P<amount>{MONEY}) was paid and is owed back$"),
            lambda m: _("%(amount)s was paid and is owed back") % {"amount": money_shown(m["amount"])},
        ),
        (
            re.compile(rf"^overpaid by (?P<amount>{MONEY}) \(owed back to the customer\)$"),
            lambda m: _("overpaid by %(amount)s (owed back to the customer)") % {"amount": money_shown(m["amount"])},
        ),
        (re.compile(r"^Edited: (?P<changes>.*)$", re.S), lambda m: _("Edited: %(changes)s") % {"changes": _edited(m["changes"])}),
    ]
    return _WHOLE, _PARTS


def shown(summary: str | None) -> str:
    """A stored summary (or a payment's note) in the screen's language; the stored text itself on an English screen.

    Never fails: a part it does not know is shown as it is written."""
    text = summary or ""
    if not text or i18n.is_english():
        return text
    try:
        whole, parts = _tables()
        for pattern, make in whole:
            m = pattern.match(text)
            if m:
                return make(m)
        return SEP.join(_translate(parts, p) for p in text.split(SEP))
    except Exception:  # noqa: BLE001 - a translation that goes wrong shows the stored text, never an error
        return text
