"""The wizard's customer prompt: pick an existing customer by id (never by the text of a label), or enter a new one.

* Typing searches customers ignoring case and accents (``services.customers.complete``: exact,
  then prefix, then contained; more orders and more recent first). A completion entry stands for
  its customer's id: picking "Élodie Lefèvre — +33781234567" files the order under that customer,
  with the customer's stored name and contact.
* Enter on a name, email or phone that is exactly one customer's picks them; several customers with
  that exact name: the person is asked which.
* A new contact whose email or phone already belongs to someone (the identity rules of
  ``services.customers.identify``) asks which customer this is; a known customer whose given
  contact differs from the stored one asks "Update Paul Girard's email to …?" (the answer travels
  in the draft as ``CustomerIn.update_contact``; the wizard writes nothing).
* An empty answer is a walk-in sale: :func:`ask_customer` returns :data:`WALK_IN` (``None``).
"""

from __future__ import annotations

from dataclasses import dataclass

import questionary
from prompt_toolkit.completion import Completer, Completion
from prompt_toolkit.document import Document

from ordercli.domain import CustomerIn, clean_text, normalize_email, normalize_phone
from ordercli.errors import InputError
from ordercli.i18n import N_, _, is_english, ngettext
from ordercli.settings import Settings

SEP = " — "
#: What :func:`ask_customer` returns for an empty answer: a walk-in sale (no customer record).
WALK_IN = None
NEW = N_("A new customer")  # shown as _(NEW)


@dataclass
class Pick:
    id: int
    name: str
    email: str | None
    phone: str | None
    orders: int = 0

    def label(self) -> str:
        contact = " ".join(x for x in [self.email, self.phone] if x)
        return f"{self.name}{SEP}{contact}" if contact else self.name


def _shown(text) -> str:
    from ordercli import output

    return output.shown(text)


def _esc(text) -> str:
    from ordercli import output

    return output.escape(text)


def _say(text: str) -> None:
    from ordercli import output

    output.message(text)


def complete(engine, text: str, limit: int = 10) -> list[Pick]:
    """The completion list for ``text`` (read-only)."""
    from ordercli import db
    from ordercli.services import customers

    if not text or not text.strip():
        return []
    with db.read_session(engine) as s:
        return [Pick(c.id, c.name, c.email, c.phone, c.orders) for c in customers.complete(s, text, limit=limit)]


def _identify(engine, name: str | None, email: str | None, phone: str | None, customer_id: int | None = None):
    from ordercli import db
    from ordercli.services import customers

    with db.read_session(engine) as s:
        return customers.identify(s, name=name, email=email, phone=phone, customer_id=customer_id)


def _exact(engine, text: str) -> list[Pick]:
    """Customers whose name (folded), email or phone is exactly ``text``."""
    from ordercli import search

    q = " ".join(search.query_terms(text))
    return [p for p in complete(engine, text, limit=20) if search.fold(p.name) == q or (p.email or "") == q or q in search.phone_forms(p.phone)]


class CustomerCompleter(Completer):
    """Completion entries stand for customer ids: ``offered`` maps each inserted text to its customer."""

    def __init__(self, engine):
        self.engine = getattr(engine, "engine", engine)  # an engine, or the wizard's Queries
        self.offered: dict[str, Pick] = {}

    def get_completions(self, document: Document, complete_event):
        text = document.text_before_cursor
        if len(text.strip()) < 1:
            return
        for p in complete(self.engine, text):
            label = _shown(p.label())
            self.offered[label] = p
            meta = ngettext("%(count)s order", "%(count)s orders", p.orders) % {"count": p.orders} if p.orders else _("no orders yet")
            yield Completion(label, start_position=-len(text), display=label, display_meta=meta)


def _validator(fn):
    def check(text: str):
        try:
            fn(text)
        except InputError as e:
            return f"{e.message} {e.hint}" if e.hint else e.message
        return True

    return check


def _as_contact(text: str, region: str | None) -> tuple[str | None, str | None]:
    t = text.strip()
    if "@" in t:
        try:
            return normalize_email(t), None
        except InputError:
            return None, None
    if sum(ch.isdigit() for ch in t) >= 6 and not any(ch.isalpha() for ch in t):
        try:
            return None, normalize_phone(t, region)
        except InputError:
            return None, None
    return None, None


def _answer_check(text: str, region: str | None, offered: dict, walk_in: bool) -> None:
    t = text.strip()
    if t in offered:
        return
    if not t:
        if walk_in:
            return
        clean_text(text, "customer name", required=True)
    if SEP in t:
        return  # a customer's label (from the list)
    if "@" in t:
        normalize_email(t)
    elif sum(ch.isdigit() for ch in t) >= 6 and not any(ch.isalpha() for ch in t):
        normalize_phone(t, region)


def _which(engine, candidates: list[Pick], new_name: str | None) -> Pick | None:
    """Ask which of ``candidates`` this is; None: a new customer."""
    # the English says "orders" for one too (as it always did); other languages have their forms
    choices = [
        questionary.Choice(_shown(p.label()) + ("  " + ngettext("(%(count)s orders)", "(%(count)s orders)", p.orders) % {"count": p.orders} if p.orders else ""), value=p.id)
        for p in candidates
    ]
    new = _("%(new)s: %(name)s") % {"new": _(NEW), "name": _shown(new_name)} if new_name else _(NEW)
    choices.append(questionary.Choice(new, value=0))
    picked = questionary.select(_("Which customer is this?"), choices=choices).unsafe_ask()
    return next((p for p in candidates if p.id == picked), None)


def _picked(engine, p: Pick, cur: CustomerIn) -> CustomerIn:
    """The draft's customer for a picked customer; a given contact that differs: ask whether to update the stored one."""
    _say(_("Customer: %(name)s") % {"name": _esc(p.label())})
    given_email, given_phone = cur.email, cur.phone
    update = False
    diffs = []
    if given_email and given_email != p.email:
        diffs.append(_("email to %(email)s") % {"email": _shown(given_email)})
    if given_phone and given_phone != p.phone:
        diffs.append(_("phone to %(phone)s") % {"phone": _shown(given_phone)})
    if diffs:
        # Translators: joins two changes, as in "email to … and phone to …"
        question = _("Update %(name)s's %(changes)s?") % {"name": _shown(p.name), "changes": _(" and ").join(diffs)}
        if is_english():
            update = bool(questionary.confirm(question, default=False).unsafe_ask())
        else:  # o/oui/n/non typed, then Enter (wizard/confirm.py)
            from ordercli.wizard.confirm import confirm

            update = bool(confirm(question, default=False))
    email, phone = ((given_email or p.email), (given_phone or p.phone)) if update else (p.email, p.phone)
    if not email and not phone:  # an old record without contact: the order takes the one given
        email, phone = given_email, given_phone
    return CustomerIn(name=p.name, email=email, phone=phone, customer_id=p.id, update_contact=update)


def ask_customer(queries, settings: Settings, current: CustomerIn | None = None, *, walk_in: bool = True) -> CustomerIn | None:
    """Pick an existing customer (type to search) or enter a new one; ask what is missing.

    Returns the draft's :class:`CustomerIn` (``customer_id`` set for an existing customer), or
    :data:`WALK_IN` (``None``) when the answer is empty and ``walk_in`` is True (a walk-in sale: no
    customer). With ``walk_in=False`` an empty answer is refused at the prompt.
    """
    engine = queries.engine
    cur = current or CustomerIn(name="")
    region = settings.get("store.phone_region") or None
    if cur.name and cur.name.strip() and (cur.email or cur.phone):
        return _resolve(engine, cur, region)
    if not (cur.name and cur.name.strip()):
        completer = CustomerCompleter(engine)
        if walk_in:
            prompt = _("Customer (type a name, email or phone to search; or a new name; Enter for a walk-in):")
        else:
            prompt = _("Customer (type a name, email or phone to search; or a new name):")
        answer = questionary.autocomplete(
            prompt, choices=[], completer=completer, validate=_validator(lambda t: _answer_check(t, region, completer.offered, walk_in))
        ).unsafe_ask()
        answer = (answer or "").strip()
        if not answer:
            return WALK_IN
        picked = completer.offered.get(answer)
        if picked is None and SEP in answer:
            # A label typed in full (or offered by a menu before): found by its contact, then its name.
            name_part, contact_part = answer.split(SEP, 1)
            for p in [*complete(engine, contact_part.split(" ")[0], limit=50), *complete(engine, name_part, limit=50)]:
                if answer in (p.label(), _shown(p.label())):
                    picked = p
                    break
        if picked is not None:
            return _picked(engine, picked, cur)
        email, phone = _as_contact(answer, region)
        if email or phone:
            ident = _identify(engine, None, email, phone)
            if ident.customer_id is not None and ident.stored is not None:
                m = ident.stored
                return _picked(engine, Pick(m.id, m.name, m.email, m.phone), cur)
            cur.email = cur.email or email
            cur.phone = cur.phone or phone
            answer = questionary.text(_("New customer's name:"), validate=_validator(lambda t: clean_text(t, "customer name", required=True))).unsafe_ask()
        else:
            exact = _exact(engine, answer)
            if len(exact) == 1:
                return _picked(engine, exact[0], cur)
            if len(exact) > 1:
                p = _which(engine, exact, answer)
                if p is not None:
                    return _picked(engine, p, cur)
        cur.name = clean_text(answer, "customer name", required=True) or ""
    if not (cur.email and cur.email.strip()):
        email = questionary.text(_("Email (Enter to skip):"), validate=_validator(lambda t: normalize_email(t))).unsafe_ask()
        cur.email = normalize_email(email)
    if not (cur.phone and cur.phone.strip()):
        need = not cur.email
        phone = questionary.text(_("Phone:") if need else _("Phone (Enter to skip):"), validate=_validator(lambda t: _phone_check(t, region, need))).unsafe_ask()
        cur.phone = normalize_phone(phone, region)
    return _resolve(engine, cur, region)


def _resolve(engine, cur: CustomerIn, region: str | None) -> CustomerIn:
    """A typed contact through the identity rules: a known customer (maybe asking to update them), a choice, or a new one."""
    if cur.customer_id is not None:
        return cur
    email = normalize_email(cur.email) if cur.email else None
    phone = normalize_phone(cur.phone, region) if cur.phone else None
    ident = _identify(engine, cur.name, email, phone)
    if ident.customer_id is not None and ident.stored is not None:
        m = ident.stored
        return _picked(engine, Pick(m.id, m.name, m.email, m.phone), CustomerIn(name=cur.name, email=email, phone=phone))
    if ident.ambiguous:
        cands = [Pick(m.id, m.name, m.email, m.phone) for m in ident.ambiguous]
        p = _which(engine, cands, cur.name)
        if p is not None:
            return _picked(engine, p, CustomerIn(name=cur.name, email=email, phone=phone))
    return CustomerIn(name=cur.name, email=email, phone=phone)


def _phone_check(text: str, region: str | None, required: bool) -> None:
    if required and not text.strip():
        raise InputError(_("An email or a phone number is needed."), "")
    normalize_phone(text, region)
