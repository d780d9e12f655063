"""Runs the order wizard at a stall: collect → review → confirm → payment → place (with its payments) → next order."""

from __future__ import annotations

import copy

from ordercli.i18n import N_, _
from ordercli.wizard import order as prompts
from ordercli.wizard.confirm import BACK, confirm, menu
from ordercli.wizard.confirm import choices as _choices

FIX_ITEMS = N_("Change the short items (the other lines, customer and extras are kept)")
CHANGE_ITEMS = N_("Change the items (quantities, prices, remove, add)")
CHANGE_EXTRAS = N_("Change the discount, tip, surcharges, shipping, payment method or notes")
CHANGE_CUSTOMER = N_("Change the customer")
REVIEW_AGAIN = N_("Back (review the order again)")
DROP = N_("Drop this order")


def run_wizard(engine, draft, *, settings, dry_run: bool, yes: bool, fmt: str) -> None:
    """The stall loop. Ctrl-C in the middle of a later order drops that order only."""
    saved: list[str] = []
    try:
        _stall_loop(engine, draft, settings=settings, dry_run=dry_run, yes=yes, fmt=fmt, saved=saved)
    except (KeyboardInterrupt, EOFError):
        if not saved:
            raise  # nothing was saved: the usual "Cancelled, nothing saved." (130)
        import typer

        from ordercli import output

        output.message(_("Cancelled: the order being taken was not saved. Saved before it: %(numbers)s.") % {"numbers": output.escape(", ".join(saved))})
        raise typer.Exit(130) from None


def _stall_loop(engine, draft, *, settings, dry_run: bool, yes: bool, fmt: str, saved: list[str]) -> None:
    from ordercli import db as dbmod
    from ordercli import output
    import ordercli.cli._state as _state
    import ordercli.cli.render as render
    from ordercli.cli.hints import hint_at_prompt
    from ordercli.errors import OrderCliError, OutOfStockError, PriceChangedError
    from ordercli.services import orders, payments
    from ordercli.wizard.payment import ask_payment

    queries = prompts.Queries(engine)
    template = copy.deepcopy(draft)  # flags given on the command line apply to every order…
    first = True
    while True:
        start = copy.deepcopy(template)
        if not first:
            start.external_ref = None  # …except --ref, which names one order only
        draft = prompts.collect_order(queries, settings, start)
        placed = None
        while placed is None:
            try:
                priced = _review(engine, draft)
            except OrderCliError as e:
                # e.g. the discount is larger than the subtotal, or a total over the limit:
                # say so and let the person fix the items or the extras.
                output.error(e.message, hint_at_prompt(e))
                draft = _amend(queries, settings, draft, _("What do you want to change?"))
                if draft is None:  # dropped
                    break
                continue
            c = priced.draft.customer
            contact = " · ".join(x for x in [c.email, c.phone] if x)
            who = _("Walk-in") if priced.draft.walk_in else c.name  # the stored name stays "Walk-in": only the screen is translated
            output.message(_("Customer: %(name)s") % {"name": f"[bold]{output.escape(who)}[/bold]"} + (f" ({output.escape(contact)})" if contact else ""))
            render.render_priced(priced, stderr=True)
            short = priced.shortages()
            if short:
                output.warn(
                    _("not enough stock for %(lines)s.")
                    % {"lines": "; ".join(_("%(sku)s (asked %(asked)s, available %(available)s)") % {"sku": output.escape(sku), "asked": a, "available": v} for sku, a, v in short)}
                )
                if _fix_or_drop(queries, settings, draft, {sku for sku, *_rest in short}):
                    continue
                output.message(_("Dropped. Nothing saved."))
                break
            if dry_run:
                output.message(_("Dry run: nothing saved."))
                break
            if c.email and not priced.draft.walk_in and template.notify_customer:
                draft.notify_customer = confirm(_("Email the order confirmation to %(email)s?") % {"email": c.email}, default=True)
            if not yes and confirm(_("Create this order?"), default=True, back=True) is not True:  # no, or Esc: back to the changes menu
                draft = _amend(queries, settings, draft, _("Not created. What now?"))
                if draft is None:  # dropped
                    break
                continue
            taken = ask_payment(settings, total=priced.totals.total, currency=priced.currency) if priced.totals.total > 0 else []
            if taken is BACK:  # back from the Payment step: the review again
                continue
            try:
                with _state.unit_of_work(engine) as uow:
                    sale = payments.sell(uow.session, draft=copy.deepcopy(draft), payments=taken, expected_total=priced.totals.total)
                    placed = sale.placed
                    number = placed.order.number
                    uow.commit(saved=f"Order {number}" + (" and its payment" if sale.payments else ""))
                saved.append(number)
            except PriceChangedError as e:
                # A price changed on another till after the review: show the new review, ask again.
                output.error(e.message, hint_at_prompt(e))
                continue
            except OutOfStockError as e:
                # Another till took the stock meanwhile: nothing was saved; keep what was typed.
                output.error(e.message, _("Nothing was saved."))
                if _fix_or_drop(queries, settings, draft, {sku for sku, *_rest in e.shortages}):
                    continue
                output.message(_("Dropped. Nothing saved."))
                break
            except OrderCliError as e:
                output.error(e.message, hint_at_prompt(e))
                break
        if placed is not None:
            first = False
            if fmt == "json":
                from ordercli import serialize

                with dbmod.read_session(engine) as s:
                    d = orders.order_detail(s, number)
                output.print_json(serialize.order_dict(d.order, d.lines, d.surcharges, events=d.events, payments=d.payments))
            # The review already showed the lines and totals: one line is enough at a busy stall.
            render.announce(placed)
            if sale.payments:
                if any(p.payment.tendered is not None for p in sale.payments):
                    output.message("  [bold]" + _("Change to give back: %(change)s") % {"change": render.money(sale.change, placed.order.currency)} + "[/bold]")
            try:
                prompts.after_sale(engine, number, settings=settings, paid=bool(sale.payments))
            except (KeyboardInterrupt, EOFError):  # at "Print a receipt?": the sale is saved; no receipt
                pass
        try:
            again = confirm(_("Start the next order?"), default=True)
        except (KeyboardInterrupt, EOFError):  # Ctrl-C / Ctrl-D here means "no": what was saved stays saved
            again = False
        if not again:
            return


def _review(engine, draft):
    """The order as ``place_order`` would save it (run, then rolled back); short lines included."""
    from ordercli.errors import OutOfStockError
    from ordercli.services import orders
    from ordercli.uow import preview

    try:
        return preview(engine, lambda s: orders.place_order(s, copy.deepcopy(draft)).priced)
    except OutOfStockError as e:
        if getattr(e, "priced", None) is None:
            raise
        return e.priced


def _amend(queries, settings, draft, question: str):
    """Let the person change the items or the extras of the order being taken; None to drop it."""
    from ordercli.wizard.edit import edit_items

    pick = menu(question, choices=_choices([CHANGE_ITEMS, CHANGE_EXTRAS, CHANGE_CUSTOMER, REVIEW_AGAIN, DROP]), default=CHANGE_ITEMS, back=True).unsafe_ask()
    if pick is BACK or pick == REVIEW_AGAIN:
        return draft
    if pick == CHANGE_CUSTOMER:
        return prompts.set_customer(draft, prompts.ask_customer(queries, settings, None, walk_in_ok=True))
    if pick == CHANGE_ITEMS:
        draft.items = edit_items(queries, settings, draft.items, {})
        return draft
    if pick == CHANGE_EXTRAS:
        return prompts.ask_extras(draft, settings)
    from ordercli import output

    output.message(_("Dropped. Nothing saved."))
    return None


def _fix_or_drop(queries, settings, draft, short_skus: set[str]) -> bool:
    """Offer to fix the short lines (the others, customer and extras are kept). True if the draft was changed."""
    from ordercli import output

    pick = menu(_("What now?"), choices=_choices([FIX_ITEMS, DROP]), default=FIX_ITEMS).unsafe_ask()
    if pick != FIX_ITEMS:
        return False
    short = {s.upper() for s in short_skus}
    kept = [it for it in draft.items if not (it.sku and it.sku.upper() in short)]
    if kept:
        output.message(
            _("Kept: %(lines)s. Add the short items again with what is left, or other items.")
            % {"lines": ", ".join(f"{output.escape(it.sku or it.name)} ×{it.quantity}" for it in kept)}
        )
    draft.items = prompts.ask_items(queries, settings, kept)
    return True
