"""How orders, plans, products and customers look to people: every renderer of the CLI.

Tables, status lines, the review and dry-run screens, before/after plans, the
one-line announcements after a change, and the JSON documents of an order. The
low-level writers (rich tables, json, csv, stderr messages) are ``output.py``.
Imported inside commands only (it pulls in rich through ``output``).
"""

from __future__ import annotations

from datetime import datetime

from ordercli import output
from ordercli.i18n import _, ngettext
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
        due = f"Balance due: {money(o.balance_due, cur)}"
        credit = f"   [bold]Credit owed to the customer: {money(o.credit, cur)}[/bold]" if o.credit else ""
        con.print(f"Paid: {money(paid, cur)}" + (f"   Refunded: {money(o.refunded, cur)}" if o.refunded else "") + "   " + (f"[bold]{due}[/bold]" if o.balance_due else due) + credit)
    if o.pickup:
        con.print("Shipping: pickup" + (f" ({e(o.shipping_method)})" if o.shipping_method else ""))
    elif o.shipping_method or o.ship_street or o.ship_city:
        addr = _address(o, "ship")
        con.print(f"Shipping: {e(o.shipping_method or '')}" + (f" to {e(addr)}" if addr else ""))
    if o.bill_street or o.bill_name or o.bill_city:
        addr = _address(o, "bill")
        con.print(f"Billing: {e(addr)}")
    if o.tracking_number:
        con.print(f"Tracking number: {e(o.tracking_number)}")
    if o.note:
        con.print(f"Note: {e(o.note)}")
    if o.staff_note:
        con.print(f"Staff note: {e(o.staff_note)}")
    pays = getattr(d, "payments", None) or []
    if pays:
        output.table(
            ["When", "Kind", ("Amount", "right"), "Method", "Details"],
            [
                (
                    local_time(p.at),
                    p.kind,
                    ("-" if p.kind == "refund" else "") + money(p.amount, cur),
                    p.method or "",
                    " · ".join(
                        x
                        for x in [
                            f"tendered {money(p.tendered, cur)}, change {money(p.change or 0, cur)}" if p.tendered is not None else "",
                            f"ref {p.reference}" if p.reference else "",
                            p.reason or "",
                        ]
                        if x
                    ),
                )
                for p in pays
            ],
            title="Payments",
            stderr=stderr,
        )
    notes = getattr(d, "notifications", None) or []
    if notes:
        from rich.text import Text

        def state(n):
            colour = {"sent": "green", "pending": "yellow", "failed": "yellow", "dead": "red", "sending": "cyan"}.get(n.status, "")
            return Text(n.status, style=colour)

        output.table(
            ["Notification", "To", "State", ("Tries", "right"), "Last error"],
            [(n.kind, n.recipient, state(n), n.attempts, n.last_error or "") for n in notes],
            title="Notifications",
            stderr=stderr,
        )
    if d.events:
        con.print("[bold]Timeline[/bold]")
        for ev in d.events:
            door = getattr(ev, "door", None)
            by = f"  [dim]({e(door)})[/dim]" if door and door != "flags" and ev.kind != "created" else ""
            con.print(f"  {local_time(ev.at)}  {e(ev.summary)}{by}")


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
        output.message("No orders match. Create one with `ordercli order create`.")
        return
    if totals:
        matched = sum(t.count for t in totals)
        parts = []
        for t in totals:  # one part per currency
            closed = t.count - t.open_count
            parts.append(
                f"total {money(t.total, t.currency)}" + (f" (not counting {closed} cancelled/refunded)" if closed else "")
                + f" · paid {money(t.paid, t.currency)} · due {money(t.due, t.currency)}"
            )
        caption = f"{matched} order{'s' if matched != 1 else ''} · " + " | ".join(parts)
        if offset or len(rows) < matched:
            caption += f" · showing {offset + 1}–{offset + len(rows)}"
        if offset + len(rows) < matched:
            caption += f" · next page: --offset {offset + len(rows)}"
    else:
        caption = f"{len(rows)} order{'s' if len(rows) != 1 else ''}"
    output.table(
        ["Number", "Date", "Customer", ("Items", "right"), ("Total", "right"), ("Balance due", "right"), "Payment", "Fulfillment"],
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
        ["Number", "Payment", "Fulfillment", ("Total", "right"), ("Paid", "right"), ("Refunded", "right"), ("Balance due", "right"), ("Version", "right")],
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
    output.success(f"Order [bold]{e(o.number)}[/bold] updated: {e('; '.join(res.summary))}")
    if res.taken:
        output.message(f"  Stock taken: {e(units(res.taken, res.skus))}")
    if res.given:
        output.message(f"  Stock returned: {e(units(res.given, res.skus))}")
    if res.status_change:
        output.message(f"  Payment status: {words(res.status_change[0])} → {words(res.status_change[1])}")
    if o.balance_due:
        output.message(f"  Balance due {money(o.balance_due, o.currency)} — take payment with: ordercli order pay {e(o.number)}")
    over = o.credit  # the money model: paid more than the new total
    if over > 0:
            output.warn(
            f"the customer paid {money(over, o.currency)} more than the new total — give it back with: "
            f"ordercli order refund {e(o.number)} --amount {to_decimal_str(over, o.currency)}"
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
                ln.sku or "(custom)",
                ln.name,
                "" if old is None else old.quantity,
                ln.quantity,
                money(ln.unit_price, cur),
                money(ln.total, cur),
            )
        )
    for k, old in before.items():
        if k not in seen:
            rows.append((old.sku or "(custom)", old.name, old.quantity, "removed", money(old.unit_price, cur), ""))
    output.table(["SKU", "Item", ("Qty before", "right"), ("Qty after", "right"), ("Unit price", "right"), ("Total", "right")], rows, title=f"Order {o.number}: before → after", stderr=stderr)
    output.table(["", ("Before", "right"), ("After", "right")], [("Total", money(o.total, cur), money(t.total, cur))], stderr=stderr)
    con = output._console(stderr)
    if plan.summary:
        con.print("Changes: " + output.escape("; ".join(plan.summary)))
    else:
        con.print("No changes.")
    if plan.take:
        con.print("Stock to take: " + output.escape(units(plan.take, plan.skus)))
    if plan.give:
        con.print("Stock to return: " + output.escape(units(plan.give, plan.skus)))
    for sku, n, extra, avail in plan.shortages:
        output.warn(f"not enough stock for {output.escape(sku)} ({output.escape(n)}): {extra} more asked, {avail} available.")


def status_moves(o, pay_moves: list[str], ful_moves: list[str]) -> None:
    """`order status NUMBER` alone: where the order stands and where it can move."""
    status_line(o)
    output.message("Payment can move to: " + (", ".join(pay_moves) or "nothing"))
    output.message("Fulfillment can move to: " + (", ".join(ful_moves) or "nothing"))
    if o.kept > 0 and o.payment_status != "CANCELLED":  # a cancelled order refunds in full
        output.message(f"A partial refund: `ordercli order refund {output.escape(o.number)} --amount X`.")
    if ful_moves or pay_moves:
        kind, target = ("fulfillment", ful_moves[0]) if ful_moves else ("payment", pay_moves[0])
        example = target.lower().replace("_", "-")
        output.message(f"Change with e.g. `ordercli order status {output.escape(o.number)} --{kind} {example}`.")


def status_change(res) -> None:
    """The messages after a status change or a cancellation (stderr): what moved, stock, money."""
    o = res.order
    e = output.escape
    if not res.changed:
        output.message(f"Nothing changed: order {e(o.number)} is already {words(o.payment_status)} · {words(o.fulfillment_status)}.")
        return
    parts = []
    if res.payment:
        parts.append(f"payment {words(res.payment[0])} → {words(res.payment[1])}")
    if res.fulfillment:
        parts.append(f"fulfillment {words(res.fulfillment[0])} → {words(res.fulfillment[1])}")
    if res.tracking:
        parts.append(f"tracking number {res.tracking[1] or '(removed)'}")
    output.success(f"Order [bold]{e(o.number)}[/bold]: " + e(" · ".join(parts)))
    if res.stock_returned:
        output.message(f"  Stock returned: {e(units(res.stock_returned, res.skus))}")
    if res.stock_taken:
        output.message(f"  Stock taken again: {e(units(res.stock_taken, res.skus))}")
    if res.payment_recorded is not None:
        output.message(f"  Payment recorded: {money(res.payment_recorded.amount, o.currency)}")
    if res.refund_recorded is not None:
        output.message(f"  Refund recorded: {money(res.refund_recorded.amount, o.currency)}")
    kept = o.credit  # on a cancelled order, everything kept is owed back
    if o.payment_status == "CANCELLED" and kept > 0:
        output.message(f"  {money(kept, o.currency)} was paid on this order — give it back with: ordercli order refund {e(o.number)}")
    if o.balance_due:
        output.message(f"  Balance due {money(o.balance_due, o.currency)} — take payment with: ordercli order pay {e(o.number)}")


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
            ["Number", ("Paid now", "right"), "Method", ("Tendered", "right"), ("Change", "right"), ("Balance due", "right"), "Payment status"],
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
        output.message(f"Payment of {money(p.amount, cur)} with reference {e(p.reference or '')} was already recorded on order {e(o.number)}: nothing new recorded.")
    else:
        output.success(f"Payment of {money(p.amount, cur)} recorded on order [bold]{e(o.number)}[/bold] · {words(o.payment_status)}")
    if p.tendered is not None:
        output.message(f"  [bold]Change to give back: {money(res.change, cur)}[/bold]")
    if o.balance_due:
        output.message(f"  Balance due {money(o.balance_due, cur)} — take the rest with: ordercli order pay {e(o.number)}")


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
        output.message(f"Refund of {money(r.amount, cur)} with reference {e(r.reference or '')} was already recorded on order {e(o.number)}: nothing new recorded.")
        return
    output.success(f"Refund of {money(r.amount, cur)} recorded on order [bold]{e(o.number)}[/bold] · {words(o.payment_status)}")
    if res.restocked:
        output.message(f"  Stock returned: {e(units(res.restocked, res.skus))}")
    elif res.full and restock is False:
        output.message("  Stock not returned (--no-restock).")
    elif res.full and o.stock_held:
        output.message(f"  Stock not returned: the goods are with the customer ({words(o.fulfillment_status).lower()}). Add --restock if they came back.")
