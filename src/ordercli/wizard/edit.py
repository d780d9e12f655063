"""The interactive ``order edit``: show the order, pick what to change, review before/after, confirm.

It only collects answers into an OrderDraft (reusing the create wizard's
prompts for new items and for the optional parts) and hands it to
``services.edits.edit_order`` together with the version of the order it
showed: if another till changed the order meanwhile, the save is refused with
"changed since you opened it" and nothing is written.
"""

from __future__ import annotations

import copy

from ordercli.i18n import N_, _
from ordercli.wizard import order as prompts
from ordercli.wizard.confirm import choices as _choices
from ordercli.wizard.confirm import confirm
from ordercli.wizard.confirm import menu as _menu

CUSTOMER = N_("Customer (name, email, phone)")
ITEMS = N_("Items (quantities, prices, remove, add)")
EXTRAS = N_("Discount, tip, surcharges, shipping, billing, payment method, notes")
REVIEW = N_("Done — review the changes")
QUIT = N_("Quit without saving")
BACK = N_("Back")
KEEP = N_("Keep editing")
ADD = N_("Add items")
CHANGE_QTY = N_("Change quantity")
CHANGE_PRICE = N_("Change unit price")
REMOVE = N_("Remove")


def run_edit_wizard(engine, number: str, *, yes: bool, dry_run: bool, fmt: str, expect_version: int | None) -> None:
    from ordercli import db as dbmod
    from ordercli import output
    import ordercli.cli._state as _state
    import ordercli.cli.render as render
    from ordercli.cli.hints import hint_at_prompt
    from ordercli.errors import OrderCliError, PriceChangedError
    from ordercli.services import edits, order_rows, common, orders

    with dbmod.read_session(engine) as s:
        settings = common.load_settings(s)
        d = orders.order_detail(s, number)
        order = d.order
        if expect_version is not None and order.version != expect_version:
            raise order_rows.conflict(order.number)
        # Refuses cancelled/refunded orders before asking anything.
        edits.preview_edit(s, number=order.number, draft=edits.draft_from_order(s, order))
        draft = edits.draft_from_order(s, order)
        held = order_rows.held_units(s, order) if order.stock_held else {}
        sku_of = {ln.product_id: ln.sku for ln in d.lines if ln.product_id is not None}
    number, version = order.number, order.version
    own = {sku_of[pid]: q for pid, q in held.items() if pid in sku_of}
    osettings = edits.settings_for(order, settings)
    queries = prompts.Queries(engine)

    render.render_order(d, stderr=True)
    output.message(_("Editing order %(number)s (version %(version)s). Ctrl-C leaves without saving.") % {"number": output.escape(number), "version": version})

    while True:
        pick = _menu(_("What do you want to change?"), choices=_choices([CUSTOMER, ITEMS, EXTRAS, REVIEW, QUIT]), default=ITEMS).unsafe_ask()
        if pick == QUIT:
            output.message(_("Nothing changed."))
            return
        if pick == CUSTOMER:
            draft.customer = ask_contact(draft.customer, settings)
            draft.walk_in = False  # a walk-in sale given a customer becomes that customer's order
            continue
        if pick == ITEMS:
            draft.items = edit_items(queries, osettings, draft.items, own)
            continue
        if pick == EXTRAS:
            draft = prompts.ask_extras(draft, osettings)
            continue
        # Review
        try:
            with dbmod.read_session(engine) as s:
                plan = edits.preview_edit(s, number=number, draft=copy.deepcopy(draft))
                render.show_plan(plan, fmt="table", stderr=True)
                changed, short = plan.changed, bool(plan.shortages)
                reviewed_total = plan.priced.totals.total
        except OrderCliError as e:
            output.error(e.message, hint_at_prompt(e))
            continue
        if not changed:
            output.message(_("You have not changed anything yet."))
            continue
        if short:
            output.message(_("Lower the quantities first (or add stock), then review again."))
            continue
        if dry_run:
            output.message(_("Dry run: nothing saved."))
            return
        if not yes and not confirm(_("Save these changes?"), default=True):
            again = _menu(_("Not saved. Now what?"), choices=_choices([KEEP, QUIT]), default=KEEP).unsafe_ask()
            if again == QUIT:
                output.message(_("Nothing changed."))
                return
            continue
        draft.door = "wizard"
        try:
            with _state.unit_of_work(engine) as uow:
                res = edits.edit_order(uow.session, number=number, draft=copy.deepcopy(draft), expected_version=version, door="wizard", expected_total=reviewed_total)
                if res.changed:
                    uow.commit(saved=f"The edit of order {number}")
        except (PriceChangedError, edits.EditShortage) as e:
            # Another till changed a price or took the stock since the review: nothing was
            # saved; keep what was typed and go back to the menu.
            output.error(e.message, _("Nothing was saved. Change the order or review it again."))
            continue
        break

    if fmt == "json":
        output.print_json(render.detail_json(engine, number, changed=res.changed, changes=res.summary))
    else:
        with dbmod.read_session(engine) as s:
            render.render_order(orders.order_detail(s, number))
    render.announce_edit(res)


def _check(fn):
    from ordercli.errors import InputError

    def check(text: str):
        try:
            fn(text)
        except InputError as e:
            return e.message
        return True

    return check


def ask_contact(current, settings):
    """Name, email and phone with the current values filled in (edit them, or clear email/phone)."""
    import questionary

    from ordercli.domain import CustomerIn, clean_text, normalize_email, normalize_phone
    from ordercli.errors import InputError

    region = settings.get("store.phone_region") or None
    name = questionary.text(_("Customer name:"), default=current.name or "", validate=_check(lambda t: clean_text(t, "customer name", required=True))).unsafe_ask()
    email = questionary.text(_("Email (empty for none):"), default=current.email or "", validate=_check(normalize_email)).unsafe_ask()

    def phone_ok(t: str) -> None:
        if not t.strip() and not email.strip():
            raise InputError(_("An email or a phone number is needed."), "")
        normalize_phone(t, region)

    phone = questionary.text(_("Phone (empty for none):"), default=current.phone or "", validate=_check(phone_ok)).unsafe_ask()
    return CustomerIn(name=clean_text(name, "customer name", required=True) or "", email=normalize_email(email), phone=normalize_phone(phone, region))


def _label(it, currency: str) -> str:
    from ordercli.wizard.confirm import prompt_money as format_money

    price = format_money(it.unit_price, currency) if it.unit_price is not None else ""
    # Quantity and price first: on a narrow terminal the end of a long name is what gets cut.
    from ordercli.output import shown

    head = f"{it.sku or _('(custom)')} × {it.quantity}"
    if price:
        head = _("%(line)s at %(price)s") % {"line": head, "price": price}
    return shown(f"{head} — {it.name or it.sku}")


def edit_items(queries, settings, items: list, own: dict[str, int]) -> list:
    """Change quantities or prices, remove lines, add items (with the create wizard's item prompt)."""
    import questionary

    from ordercli import output
    from ordercli.domain import parse_quantity
    from ordercli.money import parse_money

    items = copy.deepcopy(items)
    cur = settings.currency
    add = ADD
    while True:
        choices = [questionary.Choice(_label(it, cur), value=i) for i, it in enumerate(items)]
        choices += _choices([add, BACK])
        pick = _menu(_("Which line?"), choices=choices, default=choices[0] if items else add).unsafe_ask()
        if pick == BACK:
            return items
        if pick == add:
            # New items: the create wizard's prompt. Stock shown is what is free now;
            # units this order already holds of a SKU count as available to it.
            on_lines: dict[str, int] = {}
            for x in items:
                if x.sku:
                    on_lines[x.sku.upper()] = on_lines.get(x.sku.upper(), 0) + x.quantity
            free = {sku: q - on_lines.get(sku.upper(), 0) for sku, q in own.items() if q > on_lines.get(sku.upper(), 0)}
            # Enter alone: back to the lines; units this order holds but no longer uses are available to it
            new = prompts.ask_items(queries, settings, [], may_add_none=True, held=free)
            for it in new:
                same = next((x for x in items if x.sku and it.sku and x.sku.upper() == it.sku.upper()), None)
                if same is not None:
                    same.quantity += it.quantity
                else:
                    items.append(it)
            continue
        it = items[pick]
        action = _menu(
            f"{output.shown(it.sku or it.name)}:", choices=_choices([CHANGE_QTY, CHANGE_PRICE, REMOVE, BACK]), default=CHANGE_QTY
        ).unsafe_ask()
        if action == BACK:
            continue
        if action == REMOVE:
            if len(items) == 1:
                output.message(_("An order needs at least one item: add another first, or cancel the order with %(command)s.") % {"command": "`ordercli order cancel`"})
                continue
            items.pop(pick)
            output.message(f"  − {output.escape(it.sku or it.name)}")
            continue
        if action == CHANGE_PRICE:
            text = questionary.text(_("Unit price:"), default="" if it.unit_price is None else _plain(it.unit_price, cur), validate=_check(lambda t: parse_money(t, cur))).unsafe_ask()
            it.unit_price = parse_money(text, cur)
            continue
        available = None
        if it.sku:
            info = queries.product(it.sku)
            if info is not None and info.stock is not None:
                available = info.stock + own.get(info.sku, own.get(it.sku, 0))

        def qty_ok(text: str, available=available):
            from ordercli.errors import InputError

            try:
                q = parse_quantity(text.strip() or str(current))
            except InputError as e:
                return e.message
            if available is not None and q > available:
                held = own.get(it.sku or "", 0)
                return _("Only %(available)s available for this order (%(stock)s in stock + %(held)s it holds).") % {"available": available, "stock": available - held, "held": held}
            return True

        # No pre-filled answer: typing 4 must mean 4, not the old quantity with a 4 after it.
        current = it.quantity
        if available is None:
            question = _("Quantity (now %(current)s; Enter keeps it):") % {"current": current}
        else:
            question = _("Quantity (now %(current)s, up to %(available)s; Enter keeps it):") % {"current": current, "available": available}
        text = questionary.text(question, validate=qty_ok).unsafe_ask()
        it.quantity = parse_quantity(text.strip() or str(current))


def _plain(minor: int, currency: str) -> str:
    from ordercli.money import to_decimal_str

    return to_decimal_str(minor, currency)
