"""Products with options and their variants.

A ``product_group`` is the product people name ("T-shirt") with its option names
(``["Size", "Colour"]``); its variants are ordinary ``product`` rows (each sold by its
own SKU, with its own price, stock and low-stock threshold) carrying ``group_id`` and their
option values (``{"Size": "L", "Colour": "Red"}``), named "T-shirt — L / Red".
Everything that sells a product (orders, stock, the ledger) sells a variant unchanged.
"""

from __future__ import annotations

import itertools
import json
import re
from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import Session, select

from ordercli.errors import InputError, NotFoundError, RefusedError
from ordercli.i18n import _
from ordercli.models import Product, ProductGroup
from ordercli.services import catalog, common
from ordercli.services.catalog_formats import display_name

MAX_VARIANTS = 500


@dataclass
class Group:
    group: ProductGroup
    option_names: list[str]
    variants: list[Product]


def parse_option(text: str) -> tuple[str, list[str]]:
    """``"Size=S,M,L"`` -> ``("Size", ["S", "M", "L"])``."""
    if "=" not in text:
        raise InputError(_("Invalid option %(option)s: write NAME=VALUE[,VALUE…], e.g. Size=S,M,L.") % {"option": repr(text[:60])}, code="variant.bad_option")
    name, _sep, values = text.partition("=")
    name = name.strip()
    vals = [v.strip() for v in values.split(",") if v.strip()]
    if not name or not vals:
        raise InputError(_("Invalid option %(option)s: it needs a name and at least one value, e.g. Size=S,M,L.") % {"option": repr(text[:60])}, code="variant.bad_option")
    if len({v.lower() for v in vals}) != len(vals):
        raise InputError(_("Option %(option)s repeats a value.") % {"option": repr(name)}, code="variant.bad_option")
    return name, vals


def variant_sku(base: str, values: list[str]) -> str:
    """``TSHIRT`` + ``L``, ``Red`` -> ``TSHIRT-L-RED``."""
    parts = [re.sub(r"[^A-Za-z0-9]+", "-", v).strip("-").upper() for v in values]
    return "-".join([base, *[p for p in parts if p]])[:100]


def add_with_options(
    session: Session,
    *,
    sku: str,
    name: str,
    price: int,
    stock: int | None,
    options: list[tuple[str, list[str]]],
    tax_rate: int | None = None,
) -> Group:
    """A product with options: one variant per combination of values, SKUs ``SKU-VALUE-VALUE``."""
    sku = catalog.check_sku(sku)
    names = [n for n, _ in options]
    if len({n.lower() for n in names}) != len(names):
        raise InputError(_("An option is given twice."), code="variant.bad_option")
    combos = list(itertools.product(*[vals for _, vals in options]))
    if len(combos) > MAX_VARIANTS:
        raise InputError(_("%(count)s variants: at most %(most)s per product.") % {"count": len(combos), "most": MAX_VARIANTS}, code="variant.too_many")
    common.lock_catalog(session)
    if session.exec(select(ProductGroup).where(sa.func.upper(ProductGroup.key) == sku.upper())).first():
        raise RefusedError(_("A product with options %(sku)s already exists.") % {"sku": repr(sku)}, code="product.exists", sku=sku)
    group = ProductGroup(key=sku, name=name.strip(), option_names=json.dumps(names, ensure_ascii=False))
    session.add(group)
    session.flush()
    for combo in combos:
        _add_variant(session, group, names, variant_sku(sku, list(combo)), dict(zip(names, combo)), price=price, stock=stock, tax_rate=tax_rate)
    return get_group(session, sku)


def _free_sku(session: Session, sku: str) -> str:
    """``sku``, or ``sku-2``, ``sku-3``… when a product already has it."""
    taken = {x.upper() for x in session.exec(select(Product.sku).where(sa.func.upper(Product.sku).like(sku.upper() + "%"))).all()}
    if sku.upper() not in taken:
        return sku
    n = 2
    while f"{sku}-{n}".upper() in taken:
        n += 1
    return f"{sku}-{n}"


def _add_variant(session: Session, group: ProductGroup, names: list[str], sku: str, values: dict[str, str], *, price: int, stock: int | None, tax_rate: int | None) -> Product:
    ordered = {n: values[n] for n in names if values.get(n)}
    p = catalog.add_product(session, sku=sku, name=display_name(group.name, list(ordered.values()))[:200], price=price, stock=stock, tax_rate=tax_rate)
    p.group_id = group.id
    p.options = json.dumps(ordered, ensure_ascii=False)
    session.add(p)
    session.flush()
    return p


def _option_values(names: list[str], given: list[str]) -> dict[str, str]:
    values: dict[str, str] = {}
    for text in given:
        name, vals = parse_option(text)
        if len(vals) != 1:
            raise InputError(_("A variant has one value per option: %(option)s.") % {"option": repr(text[:60])}, code="variant.bad_option")
        match = next((n for n in names if n.lower() == name.lower()), None)
        if match is None:
            raise InputError(_("No option %(option)s on this product (its options: %(options)s).") % {"option": repr(name), "options": ", ".join(names) or _("none")}, code="variant.unknown_option", options=tuple(names))
        values[match] = vals[0]
    return values


def add_variant(
    session: Session, *, group_key: str, sku: str, options: list[str], price: int | None = None, stock: int | None = None, tax_rate: int | None = None
) -> Product:
    g = get_group(session, group_key)
    values = _option_values(g.option_names, options)
    missing = [n for n in g.option_names if n not in values]
    if missing:
        raise InputError(_("Give a value for %(options)s.") % {"options": ", ".join(missing)}, code="variant.missing_option", options=tuple(missing))
    for v in g.variants:
        if json.loads(v.options or "{}") == values:
            raise RefusedError(_("%(sku)s already has these options.") % {"sku": v.sku}, code="variant.exists", sku=v.sku)
    base_price = price if price is not None else (g.variants[0].price if g.variants else 0)
    return _add_variant(session, g.group, g.option_names, sku, values, price=base_price, stock=stock, tax_rate=tax_rate)


def set_variant_options(session: Session, *, sku: str, options: list[str]) -> Product:
    p = common.get_product(session, sku)
    if p.group_id is None:
        raise RefusedError(_("%(sku)s is not a variant of a product with options.") % {"sku": p.sku}, code="variant.not_a_variant", sku=p.sku)
    group = session.get(ProductGroup, p.group_id)
    assert group is not None
    names = json.loads(group.option_names or "[]")
    values = {**json.loads(p.options or "{}"), **_option_values(names, options)}
    ordered = {n: values[n] for n in names if values.get(n)}
    p.options = json.dumps(ordered, ensure_ascii=False)
    p.name = display_name(group.name, list(ordered.values()))[:200]
    session.add(p)
    session.flush()
    return p


def get_group(session: Session, key_or_sku: str) -> Group:
    """The product with options named by its key (``TSHIRT``) or by one of its variants' SKUs."""
    text = key_or_sku.strip()
    group = session.exec(select(ProductGroup).where(sa.func.upper(ProductGroup.key) == text.upper())).first()
    if group is None:
        p = session.exec(select(Product).where(sa.func.upper(Product.sku) == text.upper())).first()
        if p is not None and p.group_id is not None:
            group = session.get(ProductGroup, p.group_id)
    if group is None:
        raise NotFoundError(_("No product with options %(sku)s.") % {"sku": repr(text)}, code="variant.unknown_group", sku=text)
    variants = list(session.exec(select(Product).where(Product.group_id == group.id).order_by(Product.id)).all())
    return Group(group, json.loads(group.option_names or "[]"), variants)


def find_group(session: Session, key_or_sku: str) -> Group | None:
    try:
        return get_group(session, key_or_sku)
    except NotFoundError:
        return None


def extend_options(session: Session, *, key: str, options: list[tuple[str, list[str]]]) -> tuple[Group, list[Product]]:
    """New values for a product's options: a variant for every new combination (price of the first
    variant, stock 0 when the first variant tracks stock). A new option name is refused (its
    existing variants would have no value for it)."""
    g = get_group(session, key)
    given = {}
    for name, vals in options:
        match = next((n for n in g.option_names if n.lower() == name.lower()), None)
        if match is None:
            raise InputError(
                _("No option %(option)s on this product (its options: %(options)s).") % {"option": repr(name), "options": ", ".join(g.option_names)}, code="variant.unknown_option", options=tuple(g.option_names)
            )
        given[match] = vals
    existing = [json.loads(v.options or "{}") for v in g.variants]
    per_option = []
    for n in g.option_names:
        seen = list(dict.fromkeys(e.get(n) for e in existing if e.get(n)))
        per_option.append(list(dict.fromkeys(seen + given.get(n, []))))
    first = g.variants[0] if g.variants else None
    added: list[Product] = []
    have = {tuple(e.get(n) for n in g.option_names) for e in existing}
    new_values = {(n, v) for n, vals in given.items() for v in vals if all(e.get(n) != v for e in existing)}
    combos = [c for c in itertools.product(*per_option) if c not in have and any((n, v) in new_values for n, v in zip(g.option_names, c))]
    if len(combos) + len(g.variants) > MAX_VARIANTS:
        raise InputError(_("%(count)s variants: at most %(most)s per product.") % {"count": len(combos) + len(g.variants), "most": MAX_VARIANTS}, code="variant.too_many")
    for combo in combos:
        added.append(
            _add_variant(
                session,
                g.group,
                g.option_names,
                _free_sku(session, variant_sku(g.group.key, list(combo))),
                dict(zip(g.option_names, combo)),
                price=first.price if first else 0,
                stock=(0 if first is None or first.stock is not None else None),
                tax_rate=first.tax_rate if first else None,
            )
        )
    return get_group(session, key), added
