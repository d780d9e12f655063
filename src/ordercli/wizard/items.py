"""Products with options in the order wizard: find them by name or SKU, then ask the option values.

Typing in the item prompt lists variants (by their own SKUs) and products with options (by
their SKU, e.g. ``TEE``). Picking a product with options asks each option in turn
(Size, then Colour…), the values that still have stock first with what is left, the values
sold out shown but not selectable. Read-only, like the rest of ``wizard/``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import questionary

from ordercli.i18n import _
from ordercli.wizard.confirm import prompt_money as format_money


@dataclass
class VariantInfo:
    sku: str
    name: str
    price: int
    stock: int | None
    values: dict[str, str]


@dataclass
class GroupInfo:
    key: str
    name: str
    option_names: list[str]
    variants: list[VariantInfo]


def search_groups(engine, text: str, limit: int = 6) -> list[GroupInfo]:
    """Products with options whose SKU or name contains ``text`` (with their variants for sale)."""
    import sqlalchemy as sa
    from sqlmodel import select

    from ordercli import db
    from ordercli.models import ProductGroup

    t = (text or "").strip().lower()
    with db.read_session(engine) as s:
        q = select(ProductGroup)
        if t:
            pat = "%" + t.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            q = q.where(sa.or_(sa.func.lower(ProductGroup.key).like(pat, escape="\\"), sa.func.lower(ProductGroup.name).like(pat, escape="\\")))
        groups = list(s.exec(q.order_by(ProductGroup.key).limit(limit)).all())
        return [g for g in (_info(s, g) for g in groups) if g.variants]


def find_group(engine, text: str) -> GroupInfo | None:
    """The product with options named exactly (SKU or name, any case), else the only one matching."""
    t = (text or "").strip()
    if not t:
        return None
    found = search_groups(engine, t, limit=20)
    exact = [g for g in found if t.lower() in (g.key.lower(), g.name.lower())]
    if len(exact) == 1:
        return exact[0]
    return found[0] if len(found) == 1 and len(t) >= 2 else None


def _info(session, group) -> GroupInfo:
    from sqlmodel import select

    from ordercli.models import Product

    rows = session.exec(select(Product).where(Product.group_id == group.id, Product.for_sale == True).order_by(Product.id)).all()  # noqa: E712
    return GroupInfo(
        group.key,
        group.name,
        json.loads(group.option_names or "[]"),
        [VariantInfo(p.sku, p.name, p.price, p.stock, json.loads(p.options or "{}")) for p in rows],
    )


def _left(v: VariantInfo, reserved: dict[str, int]) -> int | None:
    return None if v.stock is None else v.stock - reserved.get(v.sku, 0)


def _stock_text(left: int | None) -> str:
    return _("always available") if left is None else (_("%(count)s left") % {"count": left} if left > 0 else _("sold out"))


def pick_variant(group: GroupInfo, currency: str, reserved: dict[str, int], shown=str) -> VariantInfo | None:
    """Ask the option values one by one; ``None`` when every variant is sold out."""
    candidates = [v for v in group.variants if (_left(v, reserved) is None or (_left(v, reserved) or 0) > 0)]
    if not candidates:
        return None
    chosen: dict[str, str] = {}
    for name in group.option_names:
        here = [v for v in group.variants if all(v.values.get(k) == val for k, val in chosen.items())]
        values = list(dict.fromkeys(v.values.get(name, "") for v in here))
        if len(values) == 1:
            chosen[name] = values[0]
            continue
        choices = []
        for value in values:
            with_value = [v for v in here if v.values.get(name, "") == value]
            lefts = [_left(v, reserved) for v in with_value]
            left = None if any(x is None for x in lefts) else sum(max(x or 0, 0) for x in lefts)
            prices = sorted({v.price for v in with_value})
            price = format_money(prices[0], currency) + ("+" if len(prices) > 1 else "")
            label = f"{shown(value or '—')} · {price} · {_stock_text(left)}"
            choices.append((left is not None and left <= 0, questionary.Choice(label, value=value, disabled=_("sold out") if (left is not None and left <= 0) else None)))
        ordered = [c for sold, c in choices if not sold] + [c for sold, c in choices if sold]
        chosen[name] = questionary.select(_("%(option)s of %(product)s:") % {"option": shown(name), "product": shown(group.name)}, choices=ordered).unsafe_ask()
    for v in group.variants:
        if all(v.values.get(k, "") == val for k, val in chosen.items()):
            return v
    return None
