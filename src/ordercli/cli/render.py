"""How orders, plans, products and customers look to people: every renderer of the CLI.

Tables, status lines, the review and dry-run screens, before/after plans, the
one-line announcements after a change, and the JSON documents of an order. The
low-level writers (rich tables, json, csv, stderr messages) are ``output.py``.
Imported inside commands only (it pulls in rich through ``output``).
"""

from __future__ import annotations

from datetime import datetime

from ordercli import history_text, output
from ordercli.i18n import N_, _, ngettext, pgettext
from ordercli.money import format_money, percent_str, to_decimal_str
from ordercli.statuses import words


def local_time(dt: datetime | None) -> str:
    """A stored (UTC) moment in local time, in the screen's locale: ``2026-12-01 14:05``, ``01/12/2026 14:05`` in French."""
    return output.local_datetime(dt)


def customer_shown(o) -> str:
    """The customer's name on screen: a walk-in sale's stored name ("Walk-in", data) in the screen's language."""
    return _("Walk-in") if getattr(o, "walk_in", False) else (o.customer_name or "")


def money(v: int, currency: str) -> str:
    return format_money(v, currency)


def totals_rows(o, surcharges, currency: str) -> list[tuple[str, str]]:
    """Breakdown rows (label, amount) shared by the review screen and `order show`."""
    rows = [(_("Subtotal"), money(o.subtotal, currency))]
    if o.discount:
        pct = f" ({percent_str(o.discount_percent)}%)" if getattr(o, "discount_percent", None) is not None else ""
        rows.append((_("Discount") + pct, "-" + money(o.discount, currency)))
    for s in surcharges:
        label, pct, amount = (s.label, s.percent, s.amount) if hasattr(s, "label") else s
        rows.append((f"{label}" + (f" ({percent_str(pct)}%)" if pct is not None else ""), money(amount, currency)))
    if o.shipping:
        rows.append((_("Shipping"), money(o.shipping, currency)))
    if o.tax:
        rows.append((_("Tax (included)") if o.prices_include_tax else _("Tax"), money(o.tax, currency)))
    if o.tip:
        rows.append((_("Tip"), money(o.tip, currency)))
    rows.append((_("Total"), money(o.total, currency)))
    return rows


def _address(o, prefix: str) -> str:
    from ordercli.domain import Address

    return Address(*(getattr(o, f"{prefix}_{k}") for k in ("name", "street", "city", "postal_code", "country"))).one_line()


def render_order(d, *, stderr: bool = False) -> None:
    """Full order view (``order show`` and after ``order create``)."""
    o = d.order
    cur = o.currency
    con = output._console(stderr)
    e = output.escape
    con.print("[bold]" + _("Order %(number)s") % {"number": e(o.number)} + f"[/bold]  ·  {local_time(o.created_at)}")
    if getattr(o, "external_ref", None):
        con.print(_("Reference: %(ref)s") % {"ref": e(o.external_ref)})
    con.print(_("Payment: "), output.status_text(o.payment_status), "   " + _("Fulfillment: "), output.status_text(o.fulfillment_status), sep="")
    contact = " · ".join(x for x in [o.customer_email, o.customer_phone] if x)
    con.print(_("Customer: %(name)s") % {"name": e(customer_shown(o))} + (f" ({e(contact)})" if contact else ""))
    if o.payment_method:
        con.print(_("Payment method: %(method)s") % {"method": e(o.payment_method)})
    output.table(
        [_("SKU"), _("Item"), (_("Qty"), "right"), (_("Unit price"), "right"), (_("Total"), "right")],
        [(ln.sku or _("(custom)"), ln.name, ln.quantity, money(ln.unit_price, cur), money(ln.total, cur)) for ln in d.lines],
        stderr=stderr,
    )
    output.table(["", ("", "right")], totals_rows(o, d.surcharges, cur), stderr=stderr, show_header=False)
    paid = getattr(o, "paid", 0)
    if paid or o.payment_status not in ("AWAITING_PAYMENT",):
        due = _("Balance due: %(amount)s") % {"amount": money(o.balance_due, cur)}
        credit = "   [bold]" + _("Credit owed to the customer: %(amount)s") % {"amount": money(o.credit, cur)} + "[/bold]" if o.credit else ""
        refunded = ("   " + _("Refunded: %(amount)s") % {"amount": money(o.refunded, cur)}) if o.refunded else ""
        con.print(_("Paid: %(amount)s") % {"amount": money(paid, cur)} + refunded + "   " + (f"[bold]{due}[/bold]" if o.balance_due else due) + credit)
    if o.pickup:
        con.print(_("Shipping: pickup") + (f" ({e(o.shipping_method)})" if o.shipping_method else ""))
    elif o.shipping_method or o.ship_street or o.ship_city:
        addr = _address(o, "ship")
        if addr:
            con.print(_("Shipping: %(method)s to %(address)s") % {"method": e(o.shipping_method or ""), "address": e(addr)})
        else:
            con.print(_("Shipping: %(method)s") % {"method": e(o.shipping_method or "")})
    if o.bill_street or o.bill_name or o.bill_city:
        addr = _address(o, "bill")
        con.print(_("Billing: %(address)s") % {"address": e(addr)})
    if o.tracking_number:
        con.print(_("Tracking number: %(number)s") % {"number": e(o.tracking_number)})
    if o.note:
        con.print(_("Note: %(note)s") % {"note": e(o.note)})
    if o.staff_note:
        con.print(_("Staff note: %(note)s") % {"note": e(o.staff_note)})
    pays = getattr(d, "payments", None) or []
    if pays:
        output.table(
            [_("When"), _("Kind"), (_("Amount"), "right"), _("Method"), _("Details")],
            [
                (
                    local_time(p.at),
                    kind_shown(p.kind),
                    ("-" if p.kind == "refund" else "") + money(p.amount, cur),
                    p.method or "",
                    " · ".join(
                        x
                        for x in [
                            _("tendered %(tendered)s, change %(change)s") % {"tendered": money(p.tendered, cur), "change": money(p.change or 0, cur)} if p.tendered is not None else "",
                            _("ref %(reference)s") % {"reference": p.reference} if p.reference else "",
                            history_text.shown(p.reason),  # a stored note ("balance due €0.00") in the screen's language
                        ]
                        if x
                    ),
                )
                for p in pays
            ],
            title=_("Payments"),
            stderr=stderr,
        )
    notes = getattr(d, "notifications", None) or []
    if notes:
        from rich.text import Text

        def state(n):
            colour = {"sent": "green", "pending": "yellow", "failed": "yellow", "dead": "red", "sending": "cyan"}.get(n.status, "")
            return Text(notification_state(n.status), style=colour)

        output.table(
            [_("Notification"), _("To"), _("State"), (_("Tries"), "right"), _("Last error")],
            [(n.kind, n.recipient, state(n), n.attempts, n.last_error or "") for n in notes],
            title=_("Notifications"),
            stderr=stderr,
        )
    if d.events:
        con.print("[bold]" + _("Timeline") + "[/bold]")
        for ev in d.events:
            door = getattr(ev, "door", None)
            by = f"  [dim]({e(door)})[/dim]" if door and door != "flags" and ev.kind != "created" else ""
            con.print(f"  {local_time(ev.at)}  {e(history_text.shown(ev.summary))}{by}")


NOTIFICATION_STATES = {"pending": N_("pending"), "sending": N_("sending"), "sent": N_("sent"), "failed": N_("failed"), "dead": N_("dead")}


def notification_state(status: str) -> str:
    """A message's state in the outbox (stored codes) in the screen's language."""
    english = NOTIFICATION_STATES.get(status)
    return _(english) if english else status


def kind_shown(kind: str) -> str:
    """A payment row's kind (``payment``, ``refund``: stored codes) in the screen's language."""
    if kind == "payment":
        return pgettext("payment kind", "payment")
    if kind == "refund":
        return pgettext("payment kind", "refund")
    return kind


def render_priced(p, *, stderr: bool = True, title: str | None = None) -> None:
    """The review screen / dry-run: lines, stock left, totals, statuses."""
    title = _("Review") if title is None else title
    cur = p.currency
    t = p.totals
    output.table(
        [_("SKU"), _("Item"), (_("Qty"), "right"), (_("Unit price"), "right"), (_("Total"), "right"), (_("Stock left"), "right")],
        [
            (
                ln.sku or _("(custom)"),
                ln.name,
                ln.quantity,
                money(ln.unit_price, cur),
                money(ln.total, cur),
                ("—" if not ln.tracked else (str(ln.stock_after) if (ln.stock_after or 0) >= 0 else _("short by %(count)s") % {"count": -ln.stock_after})),
            )
            for ln in p.lines
        ],
        title=title,
        stderr=stderr,
    )

    class _T:
        subtotal = t.subtotal
        discount = t.discount
        discount_percent = p.draft.discount.percent if p.draft.discount else None
        shipping = t.shipping
        tax = t.tax
        tip = t.tip
        total = t.total
        prices_include_tax = p.prices_include_tax

    output.table(["", ("", "right")], totals_rows(_T, p.surcharges, cur), stderr=stderr, show_header=False)
    output.message(_("Statuses: %(payment)s · %(fulfillment)s") % {"payment": words("AWAITING_PAYMENT"), "fulfillment": words("AWAITING_PROCESSING")})


def order_list(rows, *, limit: int, offset: int, totals=None) -> None:
    """`order list` as a table; the caption totals every order the filters match (``orders.list_totals``), not only this page."""
    if not rows:
        output.message(_("No orders match. Create one with `ordercli order create`."))
        return
    if totals:
        matched = sum(t.count for t in totals)
        parts = []
        for t in totals:  # one part per currency
            closed = t.count - t.open_count
            parts.append(
                _("total %(amount)s") % {"amount": money(t.total, t.currency)}
                + ((" " + ngettext("(not counting %(count)s cancelled/refunded)", "(not counting %(count)s cancelled/refunded)", closed) % {"count": closed}) if closed else "")
                + " · " + _("paid %(amount)s") % {"amount": money(t.paid, t.currency)}
                + " · " + _("due %(amount)s") % {"amount": money(t.due, t.currency)}
            )
        caption = ngettext("%(count)s order", "%(count)s orders", matched) % {"count": matched} + " · " + " | ".join(parts)
        if offset or len(rows) < matched:
            caption += " · " + _("showing %(first)s–%(last)s") % {"first": offset + 1, "last": offset + len(rows)}
        if offset + len(rows) < matched:
            caption += " · " + _("next page: --offset %(offset)s") % {"offset": offset + len(rows)}
    else:
        caption = ngettext("%(count)s order", "%(count)s orders", len(rows)) % {"count": len(rows)}
    output.table(
        [_("Number"), _("Date"), _("Customer"), (_("Items"), "right"), (_("Total"), "right"), (_("Balance due"), "right"), _("Payment"), _("Fulfillment")],
        [
            (o.number, local_time(o.created_at), customer_shown(o), o.item_count, money(o.total, o.currency), money(o.balance_due, o.currency) if o.balance_due else "", output.status_text(o.payment_status), output.status_text(o.fulfillment_status))
            for o in rows
        ],
        caption=caption,
    )


# ------------------------------------------------------------ after a change


def units(moved: dict, skus: dict) -> str:
    from ordercli.services.order_rows import units_text

    return units_text(moved, skus)


def status_line(o) -> None:
    """One row of data on stdout: where the order stands now."""

    cur = o.currency
    output.table(
        [_("Number"), _("Payment"), _("Fulfillment"), (_("Total"), "right"), (_("Paid"), "right"), (_("Refunded"), "right"), (_("Balance due"), "right"), (_("Version"), "right")],
        [
            (
                o.number,
                output.status_text(o.payment_status),
                output.status_text(o.fulfillment_status),
                money(o.total, cur),
                money(o.paid, cur),
                money(o.refunded, cur),
                money(o.balance_due, cur),
                o.version,
            )
        ],
    )


def announce(placed) -> None:

    o = placed.order
    e = output.escape
    if not placed.created:
        output.message(
            _("Order %(number)s already exists for reference %(ref)s — nothing new was created.") % {"number": f"[bold]{e(o.number)}[/bold]", "ref": e(o.external_ref)}
        )
        return
    from ordercli.statuses import words

    count = o.item_count
    status = words(o.payment_status).lower() + ((" " + _("(nothing to collect)")) if o.payment_status == "PAID" and not o.total else "")
    output.success(
        _("Order %(number)s created · %(status)s · %(items)s · %(total)s")
        % {"number": f"[bold]{e(o.number)}[/bold]", "status": status, "items": ngettext("%(count)s item", "%(count)s items", count) % {"count": count}, "total": money(o.total, o.currency)}
    )
    if o.balance_due:
        output.message("  " + _("Take payment with: %(command)s") % {"command": f"ordercli order pay {e(o.number)}"})


def preview_dict(priced) -> dict:
    from ordercli import balance

    cur = priced.currency
    t = priced.totals
    return {
        "dry_run": True,
        "currency": cur,
        "payment_status": balance.settle(balance.Balance(total=t.total), balance.AWAITING_PAYMENT),  # an order of 0 is paid at once
        "fulfillment_status": "AWAITING_PROCESSING",
        "items": [
            {
                "sku": ln.sku,
                "name": ln.name,
                "quantity": ln.quantity,
                "unit_price": to_decimal_str(ln.unit_price, cur),
                "total": to_decimal_str(ln.total, cur),
                "stock_after": ln.stock_after if ln.tracked else None,
            }
            for ln in priced.lines
        ],
        "subtotal": to_decimal_str(t.subtotal, cur),
        "discount": to_decimal_str(t.discount, cur),
        "surcharges": [{"label": label, "amount": to_decimal_str(a, cur)} for label, _pct, a in priced.surcharges],
        "tip": to_decimal_str(t.tip, cur),
        "shipping": to_decimal_str(t.shipping, cur),
        "tax": to_decimal_str(t.tax, cur),
        "total": to_decimal_str(t.total, cur),
        "shortages": [{"sku": sku, "asked": a, "available": v} for sku, a, v in priced.shortages()],
    }


def detail_json(engine, number: str, **extra) -> dict:
    from ordercli import db as dbmod
    from ordercli import serialize
    from ordercli.services import orders

    with dbmod.read_session(engine) as s:
        d = orders.order_detail(s, number)
    data = serialize.order_dict(d.order, d.lines, d.surcharges, events=d.events, payments=d.payments, notifications=d.notifications)
    data.update(extra)
    return data


def announce_edit(res) -> None:

    o = res.order
    e = output.escape
    output.success(_("Order %(number)s updated: %(changes)s") % {"number": f"[bold]{e(o.number)}[/bold]", "changes": e("; ".join(history_text.edit_parts(res.summary)))})
    if res.taken:
        output.message("  " + _("Stock taken: %(units)s") % {"units": e(units(res.taken, res.skus))})
    if res.given:
        output.message("  " + _("Stock returned: %(units)s") % {"units": e(units(res.given, res.skus))})
    if res.status_change:
        output.message("  " + _("Payment status: %(before)s → %(after)s") % {"before": words(res.status_change[0]), "after": words(res.status_change[1])})
    if o.balance_due:
        output.message("  " + _("Balance due %(amount)s — take payment with: %(command)s") % {"amount": money(o.balance_due, o.currency), "command": f"ordercli order pay {e(o.number)}"})
    over = o.credit  # the money model: paid more than the new total
    if over > 0:
        output.warn(
            _("the customer paid %(amount)s more than the new total — give it back with: %(command)s")
            % {"amount": money(over, o.currency), "command": f"ordercli order refund {e(o.number)} --amount {to_decimal_str(over, o.currency)}"}
        )


def show_plan(plan, *, fmt: str, stderr: bool = False) -> None:
    """Before/after of an edit (dry run and the interactive review)."""
    o = plan.order
    cur = o.currency
    t = plan.priced.totals
    if fmt == "json":
        output.print_json(
            {
                "dry_run": True,
                "number": o.number,
                "version": o.version,
                "changes": plan.summary,
                "total_before": to_decimal_str(o.total, cur),
                "total_after": to_decimal_str(t.total, cur),
                "stock_take": {plan.skus.get(k, str(k)): v for k, v in sorted(plan.take.items())},
                "stock_return": {plan.skus.get(k, str(k)): v for k, v in sorted(plan.give.items())},
                "shortages": [{"sku": sku, "name": n, "extra": x, "available": a} for sku, n, x, a in plan.shortages],
                "currency": cur,
            }
        )
        return
    before = {(ln.product_id, ln.sku or ln.name): ln for ln in plan.old_lines}
    rows = []
    seen = set()
    for ln in plan.priced.lines:
        k = (ln.product_id, ln.sku or ln.name)
        seen.add(k)
        old = before.get(k)
        rows.append(
            (
                ln.sku or _("(custom)"),
                ln.name,
                "" if old is None else old.quantity,
                ln.quantity,
                money(ln.unit_price, cur),
                money(ln.total, cur),
            )
        )
    for k, old in before.items():
        if k not in seen:
            rows.append((old.sku or _("(custom)"), old.name, old.quantity, _("removed"), money(old.unit_price, cur), ""))
    output.table(
        [_("SKU"), _("Item"), (_("Qty before"), "right"), (_("Qty after"), "right"), (_("Unit price"), "right"), (_("Total"), "right")],
        rows,
        title=_("Order %(number)s: before → after") % {"number": o.number},
        stderr=stderr,
    )
    output.table(["", (_("Before"), "right"), (_("After"), "right")], [(_("Total"), money(o.total, cur), money(t.total, cur))], stderr=stderr)
    con = output._console(stderr)
    if plan.summary:
        con.print(_("Changes: %(changes)s") % {"changes": output.escape("; ".join(history_text.edit_parts(plan.summary)))})
    else:
        con.print(_("No changes."))
    if plan.take:
        con.print(_("Stock to take: %(units)s") % {"units": output.escape(units(plan.take, plan.skus))})
    if plan.give:
        con.print(_("Stock to return: %(units)s") % {"units": output.escape(units(plan.give, plan.skus))})
    for sku, n, extra, avail in plan.shortages:
        output.warn(
            _("not enough stock for %(sku)s (%(name)s): %(extra)s more asked, %(available)s available.")
            % {"sku": output.escape(sku), "name": output.escape(n), "extra": extra, "available": avail}
        )


def status_moves(o, pay_moves: list[str], ful_moves: list[str]) -> None:
    """`order status NUMBER` alone: where the order stands and where it can move."""
    status_line(o)
    output.message(_("Payment can move to: %(statuses)s") % {"statuses": ", ".join(pay_moves) or _("nothing")})
    output.message(_("Fulfillment can move to: %(statuses)s") % {"statuses": ", ".join(ful_moves) or _("nothing")})
    if o.kept > 0 and o.payment_status != "CANCELLED":  # a cancelled order refunds in full
        output.message(_("A partial refund: %(command)s.") % {"command": f"`ordercli order refund {output.escape(o.number)} --amount X`"})
    if ful_moves or pay_moves:
        kind, target = ("fulfillment", ful_moves[0]) if ful_moves else ("payment", pay_moves[0])
        example = target.lower().replace("_", "-")
        output.message(_("Change with e.g. %(command)s.") % {"command": f"`ordercli order status {output.escape(o.number)} --{kind} {example}`"})


def status_change(res) -> None:
    """The messages after a status change or a cancellation (stderr): what moved, stock, money."""
    o = res.order
    e = output.escape
    if not res.changed:
        output.message(
            _("Nothing changed: order %(number)s is already %(payment)s · %(fulfillment)s.")
            % {"number": e(o.number), "payment": words(o.payment_status), "fulfillment": words(o.fulfillment_status)}
        )
        return
    parts = []
    if res.payment:
        parts.append(_("payment %(before)s → %(after)s") % {"before": words(res.payment[0]), "after": words(res.payment[1])})
    if res.fulfillment:
        parts.append(_("fulfillment %(before)s → %(after)s") % {"before": words(res.fulfillment[0]), "after": words(res.fulfillment[1])})
    if res.tracking:
        parts.append(_("tracking number %(number)s") % {"number": res.tracking[1] or _("(removed)")})
    output.success(_("Order %(number)s: %(changes)s") % {"number": f"[bold]{e(o.number)}[/bold]", "changes": e(" · ".join(parts))})
    if res.stock_returned:
        output.message("  " + _("Stock returned: %(units)s") % {"units": e(units(res.stock_returned, res.skus))})
    if res.stock_taken:
        output.message("  " + _("Stock taken again: %(units)s") % {"units": e(units(res.stock_taken, res.skus))})
    if res.payment_recorded is not None:
        output.message("  " + _("Payment recorded: %(amount)s") % {"amount": money(res.payment_recorded.amount, o.currency)})
    if res.refund_recorded is not None:
        output.message("  " + _("Refund recorded: %(amount)s") % {"amount": money(res.refund_recorded.amount, o.currency)})
    kept = o.credit  # on a cancelled order, everything kept is owed back
    if o.payment_status == "CANCELLED" and kept > 0:
        output.message("  " + _("%(amount)s was paid on this order — give it back with: %(command)s") % {"amount": money(kept, o.currency), "command": f"ordercli order refund {e(o.number)}"})
    if o.balance_due:
        output.message("  " + _("Balance due %(amount)s — take payment with: %(command)s") % {"amount": money(o.balance_due, o.currency), "command": f"ordercli order pay {e(o.number)}"})


def payment_recorded(engine, res, *, currency: str, fmt: str) -> None:
    """After `order pay`: the payment (a table row or the order as JSON), the change to give, what is left."""
    cur = currency
    o, p = res.order, res.payment
    e = output.escape
    if fmt == "json":
        output.print_json(
            detail_json(
                engine,
                o.number,
                payment_recorded={
                    "amount": to_decimal_str(p.amount, cur),
                    "method": p.method,
                    "tendered": to_decimal_str(p.tendered, cur) if p.tendered is not None else None,
                    "change": to_decimal_str(p.change, cur) if p.change is not None else None,
                    "reference": p.reference,
                },
            )
        )
    else:
        output.table(
            [_("Number"), (_("Paid now"), "right"), _("Method"), (_("Tendered"), "right"), (_("Change"), "right"), (_("Balance due"), "right"), _("Payment status")],
            [
                (
                    o.number,
                    money(p.amount, cur),
                    p.method or "",
                    money(p.tendered, cur) if p.tendered is not None else "",
                    money(res.change, cur) if p.tendered is not None else "",
                    money(o.balance_due, cur),
                    output.status_text(o.payment_status),
                )
            ],
        )
    if res.repeated:
        output.message(
            _("Payment of %(amount)s with reference %(reference)s was already recorded on order %(number)s: nothing new recorded.")
            % {"amount": money(p.amount, cur), "reference": e(p.reference or ""), "number": e(o.number)}
        )
    else:
        output.success(
            _("Payment of %(amount)s recorded on order %(number)s · %(status)s")
            % {"amount": money(p.amount, cur), "number": f"[bold]{e(o.number)}[/bold]", "status": words(o.payment_status)}
        )
    if p.tendered is not None:
        output.message("  [bold]" + _("Change to give back: %(amount)s") % {"amount": money(res.change, cur)} + "[/bold]")
    if o.balance_due:
        output.message("  " + _("Balance due %(amount)s — take the rest with: %(command)s") % {"amount": money(o.balance_due, cur), "command": f"ordercli order pay {e(o.number)}"})


def refund_recorded(engine, res, *, currency: str, fmt: str, restock: bool | None) -> None:
    """After `order refund`: where the order stands (a status line or JSON), the refund and the stock returned."""
    cur = currency
    o, r = res.order, res.refund
    e = output.escape
    if fmt == "json":
        output.print_json(
            detail_json(
                engine,
                o.number,
                refund_recorded={
                    "amount": to_decimal_str(r.amount, cur),
                    "full": res.full,
                    "restocked": {res.skus.get(k, str(k)): v for k, v in sorted(res.restocked.items())},
                },
            )
        )
    else:
        status_line(o)
    if res.repeated:
        output.message(
            _("Refund of %(amount)s with reference %(reference)s was already recorded on order %(number)s: nothing new recorded.")
            % {"amount": money(r.amount, cur), "reference": e(r.reference or ""), "number": e(o.number)}
        )
        return
    output.success(
        _("Refund of %(amount)s recorded on order %(number)s · %(status)s")
        % {"amount": money(r.amount, cur), "number": f"[bold]{e(o.number)}[/bold]", "status": words(o.payment_status)}
    )
    if res.restocked:
        output.message("  " + _("Stock returned: %(units)s") % {"units": e(units(res.restocked, res.skus))})
    elif res.full and restock is False:
        output.message("  " + _("Stock not returned (--no-restock)."))
    elif res.full and o.stock_held:
        output.message(
            "  " + _("Stock not returned: the goods are with the customer (%(status)s). Add --restock if they came back.") % {"status": words(o.fulfillment_status).lower()}
        )
