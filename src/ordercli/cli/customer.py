"""``ordercli customer …``: customers are created by orders; find, review, correct, merge and forget them here."""

from __future__ import annotations

from typing import Optional

import typer

from ordercli.cli._state import Format, ShowFormat
from ordercli.i18n import N_, _, ngettext

app = typer.Typer(
    help="Find, show, edit, merge and forget customers.\n\nExample: ordercli customer list --search elodie", no_args_is_help=True, rich_markup_mode=None
)

KEY_HELP = "Id, email, phone or name (case and accents ignored)."


@app.command("list", help="List customers (case and accents ignored: elodie finds Élodie).\n\nExample: ordercli customer list --search lefevre")
def list_(
    search: Optional[str] = typer.Option(None, "--search", help="Name, email or phone (any form) contains TEXT; every word must match."),
    limit: int = typer.Option(50, "--limit", min=1, help="At most this many."),
    offset: int = typer.Option(0, "--offset", min=0, help="Skip this many."),
    fmt: Format = typer.Option(Format.table, "--format", help="table, json or csv."),
) -> None:
    from ordercli import db as dbmod
    from ordercli import output, serialize
    import ordercli.cli._state as _state
    from ordercli.services import customers

    with dbmod.read_session(_state.engine()) as s:
        rows = customers.search_customers(s, text=search, limit=limit, offset=offset)
    if fmt == Format.json:
        output.print_json([serialize.customer_dict(c) for c in rows])
    elif fmt == Format.csv:
        output.print_csv(["id", "name", "email", "phone"], [(c.id, c.name, c.email, c.phone) for c in rows])
    elif not rows:
        output.message(_("No customers match.") if search else _("No customers yet: they are created with their first order."))
    else:
        output.table(
            [(_("ID"), "right"), _("Name"), _("Email"), _("Phone")],
            [(c.id, c.name, c.email or "", c.phone or "") for c in rows],
            caption=ngettext("%(count)s customer(s)", "%(count)s customer(s)", len(rows)) % {"count": len(rows)},
        )


def _find(s, key: str):
    """The one customer ``key`` names; several: list them on stderr and exit 1."""
    from ordercli import output
    from ordercli.services import common, customers

    settings = common.load_settings(s)
    try:
        return customers.get_customer(s, key, phone_region=settings.get("store.phone_region"))
    except customers.AmbiguousCustomerError as e:
        output.error(_("%(count)s customers match %(key)s:") % {"count": len(e.candidates), "key": output.escape(repr(key))})
        for c in e.candidates[:20]:
            contact = " · ".join(x for x in (c.email, c.phone) if x)
            output.message(f"  {c.id}  {output.escape(c.name)}" + (f"  ({output.escape(contact)})" if contact else ""))
        output.message(_("Name one by its id, email or phone, e.g. %(command)s.") % {"command": f"`ordercli customer show {e.candidates[0].id}`"})
        raise typer.Exit(1) from None


def _money_map(m: dict) -> dict:
    from ordercli.money import to_decimal_str

    return {cur: to_decimal_str(v, cur) for cur, v in sorted(m.items())}


@app.command("show", help="Show a customer: contact, note, orders with their statuses, lifetime spend, balance due.\n\nExample: ordercli customer show ana@example.com")
def show(
    key: str = typer.Argument(..., metavar="CUSTOMER", help=KEY_HELP),
    fmt: ShowFormat = typer.Option(ShowFormat.table, "--format", help="table or json."),
) -> None:
    from ordercli import db as dbmod
    from ordercli import output, serialize
    import ordercli.cli._state as _state
    from ordercli.cli.render import local_time, money
    from ordercli.money import to_decimal_str
    from ordercli.services import common, customers

    with dbmod.read_session(_state.engine()) as s:
        c = _find(s, key)
        summ = customers.summary(s, c)
        settings = common.load_settings(s)
    orders = summ.orders
    if fmt == ShowFormat.json:
        data = serialize.customer_dict(c)
        data["note"] = c.note
        data.update(_language_facts(c, settings))
        data["order_count"] = summ.order_count
        data["lifetime_spend"] = _money_map(summ.spend)
        data["balance_due"] = _money_map(summ.due)
        data["orders"] = [
            {
                "number": o.number,
                "reference": o.external_ref,
                "created_at": serialize.iso(o.created_at),
                "total": to_decimal_str(o.total, o.currency),
                "balance_due": to_decimal_str(o.balance_due, o.currency),
                "currency": o.currency,
                "payment_status": o.payment_status,
                "fulfillment_status": o.fulfillment_status,
            }
            for o in orders
        ]
        output.print_json(data)
        return
    e = output.escape
    con = output.out_console()
    con.print(f"[bold]{e(c.name)}[/bold]  " + _("(customer %(id)s)") % {"id": c.id})
    if c.email:
        con.print(_("Email: %(email)s") % {"email": e(c.email)})
    if c.phone:
        con.print(_("Phone: %(phone)s") % {"phone": e(c.phone)})
    if c.note:
        con.print(_("Note: %(note)s") % {"note": e(c.note)})
    con.print(_language_text(c, settings))
    if c.vat_number:
        con.print(_("VAT number: %(number)s (business customer: invoices carry the late-payment mentions)") % {"number": e(c.vat_number)})
    if not orders:
        con.print(_("No orders yet."))
        return
    spend = ", ".join(money(v, cur) for cur, v in sorted(summ.spend.items())) or money(0, orders[0].currency)
    due = ", ".join(money(v, cur) for cur, v in sorted(summ.due.items()) if v) or money(0, orders[0].currency)
    con.print(_("Orders: %(count)s   Lifetime spend: %(spend)s   Balance due: %(due)s") % {"count": summ.order_count, "spend": spend, "due": due})
    shown_count = {"count": len(orders), "total": summ.order_count}
    if summ.order_count > len(orders):
        caption = ngettext("%(count)s order(s) of %(total)s", "%(count)s order(s) of %(total)s", len(orders)) % shown_count
    else:
        caption = ngettext("%(count)s order(s)", "%(count)s order(s)", len(orders)) % shown_count
    output.table(
        [_("Number"), _("Date"), (_("Total"), "right"), (_("Due"), "right"), _("Payment"), _("Fulfillment")],
        [(o.number, local_time(o.created_at), money(o.total, o.currency), money(o.balance_due, o.currency), output.status_text(o.payment_status), output.status_text(o.fulfillment_status)) for o in orders],
        caption=caption,
    )


@app.command(
    "edit",
    help="Correct a customer's name, email, phone or note (checked like an order's; \"\" clears email, phone or note); "
    "set the language of their emails and invoices, and their VAT number (a business customer).\n\n"
    "Example: ordercli customer edit paul@example.fr --phone '06 53 31 21 94'\n\n"
    "Example: ordercli customer edit paul@example.fr --language fr --vat-number FR40303265045",
)
def edit(
    key: str = typer.Argument(..., metavar="CUSTOMER", help=KEY_HELP),
    name: Optional[str] = typer.Option(None, "--name", help="New name."),
    email: Optional[str] = typer.Option(None, "--email", help='New email ("" removes it).'),
    phone: Optional[str] = typer.Option(None, "--phone", help='New phone ("" removes it); national numbers use store.phone_region.'),
    note: Optional[str] = typer.Option(None, "--note", help='A note about the customer ("" removes it).'),
    language: Optional[str] = typer.Option(
        None, "--language", metavar="LANG", help='Language of their emails and invoices: fr, en… ("" or store: the store\'s store.locale).'
    ),
    vat_number: Optional[str] = typer.Option(
        None, "--vat-number", metavar="NUMBER", help='Their VAT number, e.g. FR40303265045: invoices become business invoices ("" removes it).'
    ),
    fmt: ShowFormat = typer.Option(ShowFormat.table, "--format", help="table or json."),
) -> None:
    from ordercli import output, serialize
    import ordercli.cli._state as _state
    from ordercli.domain import clean_text, normalize_email, normalize_phone
    from ordercli.errors import InputError
    from ordercli.services import common, customer_language, customers

    if (name, email, phone, note, language, vat_number) == (None, None, None, None, None, None):
        raise InputError(_("Nothing to change."), _("Give --name, --email, --phone, --note, --language or --vat-number."))
    # Checked before the store is opened: a typo changes nothing.
    new_language = _checked_language(language) if language is not None else None
    new_vat = _checked_vat_number(vat_number) if vat_number is not None else None
    engine = _state.engine()
    with _state.unit_of_work(engine) as uow:
        s = uow.session
        settings = common.load_settings(s)
        region = settings.get("store.phone_region") or None
        new_name = clean_text(name, "customer name", required=True) if name is not None else None
        new_email = ("" if not email.strip() else normalize_email(email)) if email is not None else None
        new_phone = ("" if not phone.strip() else normalize_phone(phone, region)) if phone is not None else None
        new_note = (clean_text(note, "note", max_len=2000, multiline=True) or "") if note is not None else None
        c = _find(s, key)
        changed = []
        if (name, email, phone, note) != (None, None, None, None):
            changed = customers.edit_customer(s, customer=c, name=new_name, email=new_email, phone=new_phone, note=new_note)
        if language is not None and (new_language or None) != c.language:
            customer_language.set_language(s, customer=c, language=new_language)
            changed.append("language")
        if vat_number is not None and (new_vat or None) != c.vat_number:
            customer_language.set_vat_number(s, customer=c, vat_number=new_vat)
            changed.append("vat_number")
        if changed:
            uow.commit(saved=_("Customer %(id)s") % {"id": c.id})
    if fmt == ShowFormat.json:
        data = serialize.customer_dict(c)
        data["note"] = c.note
        data.update(_language_facts(c, settings))
        data["changed"] = changed
        output.print_json(data)
    if changed:
        words = ", ".join(field_word(x) for x in changed)
        text = _("Customer %(id)s (%(name)s) updated: %(fields)s.") % {"id": c.id, "name": output.escape(c.name), "fields": words}
        if any(x in changed for x in ("name", "email", "phone", "note")):
            text += " " + _("Their past orders keep the contact they were placed with.")
        output.success(text)
        if "language" in changed or "vat_number" in changed:
            language_text = _language_text(c, settings)
            if c.vat_number:
                output.message(_("%(language)s; VAT number: %(number)s.") % {"language": language_text, "number": output.escape(c.vat_number)})
            else:
                output.message(_("%(language)s; no VAT number.") % {"language": language_text})
    else:
        output.message(_("Customer %(id)s already has these details. Nothing changed.") % {"id": c.id})


#: A customer's fields on screen: what ``customer edit`` changed, what differs in a merge or an
#: order's contact (the JSON keeps the field names).
CHANGED_WORDS = {
    "name": N_("name"),
    "email": N_("email"),
    "phone": N_("phone"),
    "note": N_("note"),
    "language": N_("language"),
    "vat_number": N_("VAT number"),
}


def field_word(field: str) -> str:
    """A customer's field name in the screen's language (an unknown one as it is)."""
    return _(CHANGED_WORDS[field]) if field in CHANGED_WORDS else field

#: ``--language`` values that mean "the store's language".
STORE_LANGUAGE = ("", "store")


def _checked_language(value: str) -> str:
    """``--language`` -> the stored form ("" for the store's); an unknown language: one line naming those available."""
    from ordercli.errors import InputError
    from ordercli.services import customer_language

    text = value.strip()
    if text.lower() in STORE_LANGUAGE:
        return ""
    try:
        return customer_language.check_language(text) or ""
    except InputError as e:
        known = ", ".join(e.facts.get("known") or [])
        raise InputError(
            _('Unknown language %(language)s: use one of %(known)s, or "" (or store) for the store\'s language.') % {"language": repr(text), "known": known},
            code="customer.language",
        ) from None


def _checked_vat_number(value: str) -> str:
    """``--vat-number`` -> the stored form ("" removes it); a bad shape: one line with an example."""
    from ordercli.errors import InputError
    from ordercli.services import customer_language

    try:
        return customer_language.check_vat_number(value) or ""
    except InputError as e:
        if e.code != "customer.vat_number":
            raise
        raise InputError(_('%(problem)s; "" removes it.') % {"problem": e.message.rstrip(".")}, code="customer.vat_number") from None


def _language_facts(c, settings) -> dict:
    """JSON: the customer's own language (None: the store's), the one their emails and invoices use, their VAT number."""
    from ordercli.services.invoices import document_locale

    return {
        "language": c.language,
        "documents_language": document_locale(settings, customer_language=c.language),
        "vat_number": c.vat_number,
    }


def _language_text(c, settings) -> str:
    from ordercli import output

    if c.language:
        return _("Language: %(language)s (emails and invoices)") % {"language": output.escape(c.language)}
    return _("Language: the store's (%(locale)s)") % {"locale": output.escape(settings.locale)}


def _confirm(question: str, *, yes: bool, what: str, flag_hint: str) -> bool:
    from ordercli.wizard.confirm import confirm_change

    return confirm_change(question, yes=yes, what=what, flag_hint=flag_hint)


@app.command(
    "merge",
    help="Merge two records of one person: SOURCE's orders, payments and note move to TARGET, then SOURCE is deleted. "
    "TARGET's contact is kept where they differ. Asks on a terminal; elsewhere --yes is required.\n\n"
    "Example: ordercli customer merge 12 paul@example.fr --yes",
)
def merge(
    source: str = typer.Argument(..., metavar="SOURCE", help="The customer to merge away. " + KEY_HELP),
    target: str = typer.Argument(..., metavar="TARGET", help="The customer to keep. " + KEY_HELP),
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation."),
    fmt: ShowFormat = typer.Option(ShowFormat.table, "--format", help="table or json."),
) -> None:
    from ordercli import db as dbmod
    from ordercli import output
    import ordercli.cli._state as _state
    from ordercli.services import customers

    e = output.escape
    engine = _state.engine()
    if not yes:
        with dbmod.read_session(engine) as s:
            src, tgt = _find(s, source), _find(s, target)
            plan = customers.plan_merge(s, source=src, target=tgt)
        _say_plan(plan)
        question = _("Merge customer %(source)s into customer %(target)s?") % {"source": src.id, "target": tgt.id}
        if not _confirm(question, yes=False, what=_("Merging customers"), flag_hint=_("merge")):
            output.message(_("Not merged. Nothing changed."))
            return
    with _state.unit_of_work(engine) as uow:
        s = uow.session
        src, tgt = _find(s, source), _find(s, target)
        src_id = src.id
        plan = customers.merge(s, source=src, target=tgt)
        uow.commit(saved=_("The merge of customer %(source)s into customer %(target)s") % {"source": src_id, "target": tgt.id})
    if fmt == ShowFormat.json:
        output.print_json(
            {
                "source_id": src_id,
                "target_id": tgt.id,
                "orders_moved": plan.orders,
                "conflicts": {k: {"source": a, "target_kept": b} for k, (a, b) in plan.conflicts.items()},
            }
        )
    if yes:
        _say_plan(plan, done=True)
    output.success(
        ngettext(
            "Customer %(source)s merged into customer %(target)s (%(name)s): %(count)s order(s) moved; customer %(source)s deleted.",
            "Customer %(source)s merged into customer %(target)s (%(name)s): %(count)s order(s) moved; customer %(source)s deleted.",
            len(plan.orders),
        )
        % {"source": src_id, "target": tgt.id, "name": e(tgt.name), "count": len(plan.orders)}
    )


def _say_plan(plan, *, done: bool = False) -> None:
    from ordercli import output

    e = output.escape
    n = len(plan.orders)
    if done:
        text = ngettext(
            "Customer %(source)s (%(source_name)s) → customer %(target)s (%(target_name)s): %(count)s order(s) moved%(numbers)s.",
            "Customer %(source)s (%(source_name)s) → customer %(target)s (%(target_name)s): %(count)s order(s) moved%(numbers)s.",
            n,
        )
    else:
        text = ngettext(
            "Customer %(source)s (%(source_name)s) → customer %(target)s (%(target_name)s): %(count)s order(s) will move%(numbers)s.",
            "Customer %(source)s (%(source_name)s) → customer %(target)s (%(target_name)s): %(count)s order(s) will move%(numbers)s.",
            n,
        )
    numbers = f" ({e(', '.join(plan.orders[:10]))}{'…' if n > 10 else ''})" if plan.orders else ""
    output.message(
        text % {"source": plan.source_id, "source_name": e(plan.source_name), "target": plan.target.id, "target_name": e(plan.target.name), "count": n, "numbers": numbers}
    )
    for attr, (a, b) in plan.conflicts.items():
        output.message("  " + _("%(field)s differs: %(source)s (source) / %(target)s (target, kept)") % {"field": field_word(attr), "source": e(a), "target": e(b)})


@app.command(
    "forget",
    help="Erase a customer's personal data (right to erasure): their name, email, phone, addresses and notes, on the customer "
    "and on their orders, become an anonymous marker; queued messages to them are dropped. Order numbers, lines, totals, "
    "payments and stock history stay for the books. Asks on a terminal; elsewhere --yes is required.\n\n"
    "Example: ordercli customer forget ana@example.com --yes",
)
def forget(
    key: str = typer.Argument(..., metavar="CUSTOMER", help=KEY_HELP),
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation."),
    fmt: ShowFormat = typer.Option(ShowFormat.table, "--format", help="table or json."),
) -> None:
    from ordercli import db as dbmod
    from ordercli import output
    import ordercli.cli._state as _state
    from ordercli.services import customers

    e = output.escape
    engine = _state.engine()
    if not yes:
        with dbmod.read_session(engine) as s:
            c = _find(s, key)
            n = len(customers.customer_orders(s, c.id, limit=100000))  # type: ignore[arg-type]
        question = ngettext(
            "Erase the personal data of customer %(id)s (%(name)s) and of their %(count)s order(s)? This cannot be undone.",
            "Erase the personal data of customer %(id)s (%(name)s) and of their %(count)s order(s)? This cannot be undone.",
            n,
        ) % {"id": c.id, "name": output.shown(c.name), "count": n}
        if not _confirm(question, yes=False, what=_("Forgetting a customer"), flag_hint=_("forget them")):
            output.message(_("Not forgotten. Nothing changed."))
            return
    with _state.unit_of_work(engine) as uow:
        s = uow.session
        c = _find(s, key)
        res = customers.forget(s, customer=c)
        uow.commit(saved=_("The erasure of customer %(id)s") % {"id": res.customer_id})
    left = _scrub_store(engine)
    if fmt == ShowFormat.json:
        output.print_json({"customer_id": res.customer_id, "orders": res.orders, "messages_dropped": res.messages_dropped, "backups_with_old_data": left})
    n = len(res.orders)
    facts = {"id": res.customer_id, "count": n, "messages": res.messages_dropped}
    if res.messages_dropped:
        text = ngettext(
            "Customer %(id)s forgotten: personal data erased from %(count)s order(s), %(messages)s queued message(s) dropped.",
            "Customer %(id)s forgotten: personal data erased from %(count)s order(s), %(messages)s queued message(s) dropped.",
            n,
        )
    else:
        text = ngettext(
            "Customer %(id)s forgotten: personal data erased from %(count)s order(s).", "Customer %(id)s forgotten: personal data erased from %(count)s order(s).", n
        )
    output.success(text % facts)
    if left:
        output.message(
            "  "
            + ngettext(
                "Earlier backups still hold their data: %(files)s (kept %(days)s day(s) at most; delete them to erase it now).",
                "Earlier backups still hold their data: %(files)s (kept %(days)s day(s) at most; delete them to erase it now).",
                len(left),
            )
            % {"files": e(", ".join(left)), "days": len(left)}
        )


def _scrub_store(engine) -> list[str]:
    """SQLite: rewrite the file so that freed pages no longer hold erased text (WAL checkpoint, VACUUM). Returns backups on disk."""
    if engine.dialect.name != "sqlite" or not engine.url.database:
        return []
    from pathlib import Path

    from ordercli import output

    import sqlite3

    # A connection of its own, outside the engine: the engine's connections begin a transaction
    # for every statement (db.py), and SQLite refuses VACUUM inside one.
    try:
        engine.dispose()
        conn = sqlite3.connect(engine.url.database, isolation_level=None, timeout=5)
        try:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            conn.execute("VACUUM")
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            conn.close()
    except Exception as ex:  # noqa: BLE001 - the erasure is committed; say what is left to do
        output.warn(
            _("the erased data may still be in the store file's free pages (%(error)s): run `ordercli customer forget` again when no till is writing.")
            % {"error": output.escape(str(ex).splitlines()[0])}
        )
    p = Path(engine.url.database)
    return sorted(str(b) for b in p.parent.glob(p.name + ".*.backup"))


# -------------------------------------------------------------- order's contact notice


def contact_notice(placed) -> dict | None:
    """JSON: what the identity rules did with the order's contact (None: nothing to say)."""
    ident = getattr(placed, "identity", None)
    if ident is None or not (ident.differs or ident.reason):
        return None
    return {
        "customer_id": ident.customer_id,
        "kept": {k: {"stored": a, "given": b} for k, (a, b) in ident.differs.items()},
        "new_customer_because": ident.reason,
        "other_customers": [m.id for m in ident.ambiguous],
    }


def contact_notice_text(ident) -> str | None:
    from ordercli import output

    e = output.escape
    if ident is None:
        return None
    if ident.reason and ident.ambiguous:
        other = ident.ambiguous[0]
        if ident.reason == "phone_other_email":
            text = _("New customer %(id)s: phone %(phone)s belongs to customer %(other)s (%(name)s), who has another email. If they are one person: %(command)s.")
        else:
            text = _("New customer %(id)s: phone %(phone)s belongs to customer %(other)s (%(name)s), who has another name. If they are one person: %(command)s.")
        return text % {
            "id": ident.customer_id,
            "phone": e(other.phone),
            "other": other.id,
            "name": e(other.name),
            "command": f"`ordercli customer merge {ident.customer_id} {other.id}`",
        }
    if ident.differs:
        parts = [
            (_("%(field)s %(given)s (stored: %(stored)s)") if a else _("%(field)s %(given)s (stored: none)")) % {"field": field_word(k), "given": e(b), "stored": e(a) if a else ""}
            for k, (a, b) in ident.differs.items()
        ]
        name = ident.stored.name if ident.stored is not None else str(ident.customer_id)
        return _("Customer %(id)s (%(name)s) kept their stored contact; this order has %(differences)s. To change the customer: %(command)s.") % {
            "id": ident.customer_id,
            "name": e(name),
            "differences": ", ".join(parts),
            "command": f"`ordercli customer edit {ident.customer_id} --{next(iter(ident.differs))} …`",
        }
    return None


def say_contact_notice(placed) -> None:
    from ordercli import output

    text = contact_notice_text(getattr(placed, "identity", None))
    if text:
        output.message(text)
