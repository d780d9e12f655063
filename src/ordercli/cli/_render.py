"""How orders, products and customers look on screen (tables) and in JSON."""

from __future__ import annotations

from datetime import datetime

from ordercli import output
from ordercli.money import format_money, percent_str
from ordercli.statuses import words


def local_time(dt: datetime | None) -> str:
    if dt is None:
        return ""
    return dt.astimezone().strftime("%Y-%m-%d %H:%M")


def money(v: int, currency: str) -> str:
    return format_money(v, currency)


def totals_rows(o, surcharges, currency: str) -> list[tuple[str, str]]:
    """Breakdown rows (label, amount) shared by the review screen and `order show`."""
    rows = [("Subtotal", money(o.subtotal, currency))]
    if o.discount:
        pct = f" ({percent_str(o.discount_percent)}%)" if getattr(o, "discount_percent", None) is not None else ""
        rows.append((f"Discount{pct}", "-" + money(o.discount, currency)))
    for s in surcharges:
        label, pct, amount = (s.label, s.percent, s.amount) if hasattr(s, "label") else s
        rows.append((f"{label}" + (f" ({percent_str(pct)}%)" if pct is not None else ""), money(amount, currency)))
    if o.shipping:
        rows.append(("Shipping", money(o.shipping, currency)))
    if o.tax:
        rows.append(("Tax (included)" if o.prices_include_tax else "Tax", money(o.tax, currency)))
    if o.tip:
        rows.append(("Tip", money(o.tip, currency)))
    rows.append(("Total", money(o.total, currency)))
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
    con.print(f"[bold]Order {e(o.number)}[/bold]  ·  {local_time(o.created_at)}")
    con.print("Payment: ", output.status_text(o.payment_status), "   Fulfillment: ", output.status_text(o.fulfillment_status), sep="")
    contact = " · ".join(x for x in [o.customer_email, o.customer_phone] if x)
    con.print(f"Customer: {e(o.customer_name)}" + (f" ({e(contact)})" if contact else ""))
    if o.payment_method:
        con.print(f"Payment method: {e(o.payment_method)}")
    output.table(
        ["SKU", "Item", ("Qty", "right"), ("Unit price", "right"), ("Total", "right")],
        [(ln.sku or "(custom)", ln.name, ln.quantity, money(ln.unit_price, cur), money(ln.total, cur)) for ln in d.lines],
        stderr=stderr,
    )
    output.table(["", ("", "right")], totals_rows(o, d.surcharges, cur), stderr=stderr, show_header=False)
    paid = getattr(o, "paid", 0)
    if paid or o.payment_status not in ("AWAITING_PAYMENT",):
        due = f"Balance due: {money(o.balance_due, cur)}"
        con.print(f"Paid: {money(paid, cur)}" + (f"   Refunded: {money(o.refunded, cur)}" if o.refunded else "") + "   " + (f"[bold]{due}[/bold]" if o.balance_due else due))
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
                    " ".join(
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


def render_priced(p, *, stderr: bool = True, title: str = "Review") -> None:
    """The review screen / dry-run: lines, stock left, totals, statuses."""
    cur = p.currency
    t = p.totals
    output.table(
        ["SKU", "Item", ("Qty", "right"), ("Unit price", "right"), ("Total", "right"), ("Stock left", "right")],
        [
            (
                ln.sku or "(custom)",
                ln.name,
                ln.quantity,
                money(ln.unit_price, cur),
                money(ln.total, cur),
                ("—" if not ln.tracked else (str(ln.stock_after) if (ln.stock_after or 0) >= 0 else f"short by {-ln.stock_after}")),
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
    output.message(f"Statuses: {words('AWAITING_PAYMENT')} · {words('AWAITING_PROCESSING')}")
