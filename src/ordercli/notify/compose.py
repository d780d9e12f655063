"""Build an email from an outbox row: Jinja2 templates -> ``email.message.EmailMessage``.

* Each kind has ``KIND.txt`` and ``KIND.html`` (``notify/templates``); a file
  of the same name in ``mail.templates_dir`` replaces the built-in one.
  HTML templates are autoescaped; undefined variables are errors (so a typo
  in an override shows up as the message's error instead of a blank).
* Templates see ``store``, ``order``, ``change``, ``invoice``, ``kind``,
  ``audience`` and ``locale`` (the JSON snapshot taken when the message was
  queued: the customer's language, else ``store.locale``), ``transfer``
  (the bank-transfer details to show — holder, IBAN, BIC, reference — or
  None: :func:`transfer_details`, the invoice's rule) and the filters
  ``money`` (minor units -> "€12.50" / "12,50 €" in that locale, via babel),
  ``date``, ``datetime``, ``words`` (status names in words, translated) and
  ``percent``; ``_("…%(name)s", name=…)`` translates (jinja2's i18n
  extension, new style: variables are escaped in HTML).
* :func:`subject_for` writes the subject line when the message is queued
  (kept in the outbox row); :func:`one_line` flattens any text for a header.
* Headers are set through the ``email`` package's header objects, never by
  pasting text: a display name is stripped of line breaks and control
  characters and encoded (RFC 2047) when it is not ASCII, and the address
  must parse as exactly one addr-spec. The SMTP envelope recipient is the
  row's ``recipient`` alone, so nothing in a name, an email or a note can add
  a header or a recipient.
"""

from __future__ import annotations

import base64
import json
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import TYPE_CHECKING

from ordercli.notify.policy import label, sender_address
from ordercli.settings import Settings

if TYPE_CHECKING:  # pragma: no cover
    from ordercli.models import Order

BUILTIN_TEMPLATES = Path(__file__).resolve().parent / "templates"

_envs: dict[tuple[str, str], object] = {}

#: Keys of ``change`` that templates may use: status pairs [old, new], an amount in minor units, a reason.
CHANGE_KEYS = ("payment", "fulfillment", "amount", "reason")


class ComposeError(Exception):
    """The message cannot be built. ``permanent``: retrying cannot help."""

    def __init__(self, message: str, *, permanent: bool = False):
        super().__init__(message)
        self.permanent = permanent


def one_line(text: str | None) -> str:
    """Collapse every run of whitespace and control characters into one space."""
    if not text:
        return ""
    out = []
    for ch in str(text):
        out.append(" " if (ch.isspace() or ord(ch) < 32 or ord(ch) == 127) else ch)
    return " ".join("".join(out).split())


def subject_for(kind: str, order: Order, settings: Settings, *, invoice: dict | None = None, locale: str | None = None) -> str:
    """The subject line in the message's language (``locale``: the recipient's, else the store's)."""
    from ordercli import i18n

    _ = i18n.gettext_for(locale or settings.locale).gettext
    store = one_line(settings.get("store.name"))
    n = one_line(order.number)
    subjects = {
        "new_order": lambda: _("New order %(number)s from %(name)s") % {"number": n, "name": one_line(order.customer_name)},
        "confirmation": lambda: _("Order confirmation %(number)s — %(store)s") % {"number": n, "store": store},
        "status": lambda: _("Order %(number)s: status changed — %(store)s") % {"number": n, "store": store},
        "shipped": lambda: _("Your order %(number)s has shipped — %(store)s") % {"number": n, "store": store},
        "pickup": lambda: _("Your order %(number)s is ready for pickup — %(store)s") % {"number": n, "store": store},
        "cancelled": lambda: _("Order %(number)s cancelled — %(store)s") % {"number": n, "store": store},
        "refunded": lambda: _("Refund for order %(number)s — %(store)s") % {"number": n, "store": store},
        "payment": lambda: _("Payment received for order %(number)s — %(store)s") % {"number": n, "store": store},
        "invoice": lambda: _("Invoice %(invoice)s for order %(number)s — %(store)s")
        % {"invoice": one_line((invoice or {}).get("number")), "number": n, "store": store},
        "receipt": lambda: _("Your receipt for order %(number)s — %(store)s") % {"number": n, "store": store},
    }
    make = subjects.get(kind)
    return (make() if make else f"{label(kind)} {n} — {store}")[:500]


def _env(templates_dir: str, locale: str | None = None):
    """The Jinja environment of a templates folder in a language (gettext ``_`` installed)."""
    from ordercli import i18n

    lang = i18n.normalize(locale) or i18n.DEFAULT_LOCALE
    key = (templates_dir or "", lang)
    if key in _envs:
        return _envs[key]
    from jinja2 import ChoiceLoader, Environment, FileSystemLoader, StrictUndefined, pass_context, select_autoescape

    loaders = []
    if templates_dir:
        loaders.append(FileSystemLoader(str(Path(templates_dir).expanduser())))
    loaders.append(FileSystemLoader(str(BUILTIN_TEMPLATES)))
    env = Environment(
        extensions=["jinja2.ext.i18n"],
        loader=ChoiceLoader(loaders),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )

    @pass_context
    def money(ctx, minor, currency=None):
        from ordercli.money import format_money

        if minor is None:
            return ""
        cur = currency or ctx["order"]["currency"]
        return format_money(int(minor), cur, ctx.get("locale") or "en_US")

    @pass_context
    def date(ctx, value):
        from babel.dates import format_date

        dt = _dt(value)
        return format_date(dt.astimezone(), format="long", locale=ctx.get("locale") or "en_US") if dt else ""

    @pass_context
    def datetime_(ctx, value):
        from babel.dates import format_datetime as fmt

        dt = _dt(value)
        return fmt(dt.astimezone(), format="medium", locale=ctx.get("locale") or "en_US") if dt else ""

    @pass_context
    def words(ctx, status):
        from ordercli.statuses import words as w

        return w(status, ctx.get("locale") or "en_US") if status else ""

    def percent(rate):
        from ordercli.money import percent_str

        return f"{percent_str(int(rate))}%"

    env.filters.update(money=money, date=date, datetime=datetime_, words=words, percent=percent)
    env.install_gettext_translations(i18n.gettext_for(lang), newstyle=True)  # type: ignore[attr-defined]
    env.globals["label"] = label
    _envs[key] = env
    return env


def _dt(value) -> datetime | None:
    if not value:
        return None
    if isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))


def render(kind: str, context: dict, *, templates_dir: str = "") -> tuple[str, str]:
    """(plain text, HTML) for ``kind``, in the language of ``context["locale"]``."""
    from jinja2 import TemplateError, TemplateNotFound

    env = _env(templates_dir, context.get("locale"))
    try:
        text = env.get_template(f"{kind}.txt").render(**context)  # type: ignore[attr-defined]
        html = env.get_template(f"{kind}.html").render(**context)  # type: ignore[attr-defined]
    except TemplateNotFound as e:
        raise ComposeError(f"no template {e.name!r} for {kind} messages") from None
    except TemplateError as e:
        where = f" (line {e.lineno})" if getattr(e, "lineno", None) else ""
        raise ComposeError(f"template error in {kind}{where}: {e}") from None
    return text, html


def display_name(text: str | None) -> str:
    """A display name safe for a header: one line, no control characters."""
    return one_line(text)[:200]


def envelope_address(address: str, what: str = "recipient") -> str:
    """The address as sent: checked to be exactly one addr-spec, domain in IDNA (punycode) form.

    A non-ASCII local part stays as it is (it needs a server with SMTPUTF8).
    """
    addr = (address or "").strip()
    if not addr or any(ch in addr for ch in "\r\n\t ,;<>\"()[]\\") or addr.count("@") != 1 or any(ord(ch) < 32 for ch in addr):
        raise ComposeError(f"invalid {what} address {address!r}", permanent=True)
    local, domain = addr.split("@")
    if not local or not domain:
        raise ComposeError(f"invalid {what} address {address!r}", permanent=True)
    if not domain.isascii():
        try:
            domain = domain.encode("idna").decode("ascii")
        except UnicodeError:
            raise ComposeError(f"invalid {what} address {address!r}: bad domain", permanent=True) from None
    return f"{local}@{domain}"


def mailbox(name: str | None, address: str, what: str) -> Address:
    """``Address`` for one mailbox; refuses anything that is not exactly one addr-spec."""
    addr = envelope_address(address, what)
    try:
        return Address(display_name=display_name(name), addr_spec=addr)
    except (ValueError, IndexError, TypeError) as e:
        raise ComposeError(f"invalid {what} address {address!r}: {e}", permanent=True) from None


def transfer_details(payload: dict, settings: Settings | None) -> dict | None:
    """The bank-transfer details an email shows, or None.

    Shown by the rule of the invoice's transfer block (:func:`ordercli.payment_methods.shows_transfer`:
    the order's method is a bank transfer, or nothing is chosen yet, something is due and transfer
    is an accepted method; never on cash, card or cheque orders) with the store's IBAN as queued.
    The reference to put on the transfer is the order's number (the invoice's and the order's on an
    invoice email, as on the PDF).
    """
    if settings is None:
        return None
    store = payload.get("store") or {}
    order = payload.get("order") or {}
    iban = "".join(str(store.get("iban") or "").split()).upper()
    if not iban or not order.get("balance_due"):
        return None
    from ordercli.payment_methods import shows_transfer

    if not shows_transfer(order.get("payment_method"), int(order.get("balance_due") or 0), settings):
        return None
    invoice = payload.get("invoice") or {}
    reference = f"{invoice['number']} / {order.get('number')}" if invoice.get("number") else str(order.get("number") or "")
    return {
        "holder": store.get("name") or "",
        "iban": iban,  # in one piece: what people paste into their bank's form
        "bic": "".join(str(store.get("bic") or "").split()).upper(),
        "reference": reference,
    }


def context_of(payload: dict, settings: Settings | None = None) -> dict:
    """The templates' context of a stored payload (``settings``: for the bank-transfer rule)."""
    ctx = {k: v for k, v in payload.items() if k != "attachments"}
    change = ctx.get("change")
    # Every key a template may ask for exists (None when the cause did not say).
    ctx["change"] = {**dict.fromkeys(CHANGE_KEYS), **change} if isinstance(change, dict) else None
    ctx.setdefault("invoice", None)
    ctx.setdefault("kind", "")
    ctx.setdefault("audience", "customer")
    ctx.setdefault("locale", "en_US")
    ctx["transfer"] = transfer_details(payload, settings)
    ctx["attachment_names"] = [a.get("filename") for a in payload.get("attachments") or []]
    return ctx


def build_message(row, settings: Settings) -> EmailMessage:
    """The complete message for an outbox row (headers, text + HTML, attachments)."""
    try:
        payload = json.loads(row.payload or "{}")
    except ValueError:
        raise ComposeError("the stored message is damaged (payload is not JSON)", permanent=True) from None
    ctx = context_of(payload, settings)
    if "order" not in ctx or "store" not in ctx:
        raise ComposeError("the stored message is damaged (no order data)", permanent=True)
    text, html = render(row.kind, ctx, templates_dir=settings.get("mail.templates_dir"))

    store = ctx["store"]
    order = ctx["order"]
    customer = order.get("customer") or {}
    from_addr = sender_address(settings)
    msg = EmailMessage()
    msg["Subject"] = one_line(row.subject) or label(row.kind)
    msg["From"] = mailbox(store.get("name"), from_addr, "sender")
    to_name = customer.get("name") if row.audience == "customer" else store.get("name")
    msg["To"] = mailbox(to_name, row.recipient, "recipient")
    reply = None
    if row.audience == "customer" and store.get("email") and store.get("email") != from_addr:
        reply = mailbox(store.get("name"), store["email"], "reply-to")
    elif row.audience == "admin" and customer.get("email"):
        try:
            reply = mailbox(customer.get("name"), customer["email"], "reply-to")
        except ComposeError:
            reply = None  # a bad customer address must not stop the admin's copy
    if reply is not None:
        msg["Reply-To"] = reply
    msg["Date"] = format_datetime(row.created_at)
    msg["Message-ID"] = row.message_id
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(text)
    msg.add_alternative(html, subtype="html")
    for att in payload.get("attachments") or []:
        try:
            data = base64.b64decode(att["data"], validate=True)
        except (KeyError, ValueError):
            raise ComposeError("the stored attachment is damaged", permanent=True) from None
        maintype, _, subtype = (att.get("content_type") or "application/octet-stream").partition("/")
        filename = one_line(att.get("filename")) or "attachment"
        msg.add_attachment(data, maintype=maintype, subtype=subtype or "octet-stream", filename=filename)
    return msg
