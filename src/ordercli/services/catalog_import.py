"""``product import``: a mapped catalog file (services/catalog_formats.py) written to the store.

* Every good row is imported; each skipped row is reported with its physical line and reason.
  ``strict``: any skipped row refuses the whole file (nothing written).
* Existing products (by SKU, case-insensitive) get their name, price, tax rate, options and
  sale status from the file; their **stock is kept** (sales since the export are not undone),
  unless ``stock="set"`` (the file's figures, each change a ledger movement with reason
  ``import``) or ``stock="add"`` (the file's figures added: a delivery). The report counts the
  products whose stock in the file differs from the store's.
* Variants: items sharing a ``group_key`` belong to one ``product_group`` (name, option names);
  each variant keeps its own SKU, price and stock; its name is "T-shirt — Red / L".
* Fast: one SELECT for the existing products, bulk INSERTs and UPDATEs per batch.

Services never commit: the command's unit of work does (or rolls back for a dry run).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
from sqlmodel import Session

from ordercli import db
from ordercli.errors import InputError
from ordercli.i18n import _
from ordercli.files.text import open_text
from ordercli.models import Product, ProductGroup, StockMovement, utcnow
from ordercli.services import catalog_formats as formats
from ordercli.services import common

STOCK_MODES = ("keep", "set", "add")


@dataclass
class CatalogReport:
    format: str
    shown: str = ""
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    stock_differs: int = 0  # existing products whose stock in the file differs from the store's
    stock_changed: int = 0  # products whose stock the import changed (set / add / inventory)
    not_for_sale: int = 0  # imported products not for sale (draft, archived, unpublished)
    generated_skus: int = 0
    image_rows: int = 0
    unknown_skus: int = 0  # inventory rows for SKUs the store does not have
    location: str | None = None
    skipped: list[formats.Skipped] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)

    @property
    def imported(self) -> int:
        return self.created + self.updated + self.unchanged


def read_file(path: str | Path, *, currency: str, location: str | None = None, today=None, encoding: str | None = None) -> formats.Parsed:
    """``encoding``: the file's, as ``--encoding`` names it (default: detected, see ``files.text``)."""
    tf = open_text(path, kinds="a CSV file", empty_hint=_("Give a CSV with a header: sku,name,price,stock[,tax_rate]."), encoding=encoding)
    with open(tf.path, "rb") as f:
        return formats.read(f, shown=tf.shown, currency=currency, location=location, today=today)


def import_parsed(session: Session, *, parsed: formats.Parsed, stock: str = "keep", strict: bool = False) -> CatalogReport:
    """Write a parsed catalog (see module doc). Raises ``InputError`` when strict and rows were skipped."""
    if stock not in STOCK_MODES:
        raise InputError(_("Unknown stock mode %(mode)s: keep, set or add.") % {"mode": repr(stock)}, code="catalog.stock_mode")
    report = CatalogReport(
        format=parsed.format,
        shown=parsed.shown,
        skipped=list(parsed.skipped),
        ignored_columns=list(parsed.ignored_columns),
        image_rows=parsed.image_rows,
        location=parsed.location,
    )
    if strict and parsed.skipped:
        first = parsed.skipped[:5]
        more = _(" (and %(count)s more)") % {"count": len(parsed.skipped) - 5} if len(parsed.skipped) > 5 else ""
        raise InputError(
            _("Catalog not imported, nothing was written (%(count)s row(s) cannot be imported): %(problems)s.")
            % {"count": len(parsed.skipped), "problems": "; ".join(s.text(parsed.shown) for s in first) + more},
            code="catalog.strict",
        )
    common.lock_catalog(session)
    if parsed.format == "shopify-inventory":
        if stock == "keep":
            raise InputError(_("An inventory file only carries stock, and stock is kept unless asked."), code="catalog.inventory_stock")
        _apply_inventory(session, parsed, stock, report)
        return report
    _apply_items(session, parsed, stock, report)
    return report


def _existing(session: Session, skus: list[str]) -> dict[str, dict]:
    """Existing products by upper-case SKU (one SELECT; locked in id order on PostgreSQL)."""
    wanted = {s.upper() for s in skus}
    t = Product.__table__  # type: ignore[attr-defined]
    rows = db.fast(session).execute(sa.select(t.c.id, t.c.sku, t.c.name, t.c.price, t.c.stock, t.c.tax_rate, t.c.for_sale, t.c.group_id, t.c.options, t.c.low_stock)).all()
    keys = ("id", "sku", "name", "price", "stock", "tax_rate", "for_sale", "group_id", "options", "low_stock")
    found = {r[1].upper(): dict(zip(keys, r)) for r in rows if r[1].upper() in wanted}
    for r in found.values():
        r["for_sale"] = bool(r["for_sale"])
    ids = [r["id"] for r in found.values()]
    if ids and common._is_pg(session):
        common.lock_products(session, ids)
        # re-read under the lock: stock read before it may be stale
        fresh = session.execute(sa.select(Product.id, Product.stock).where(Product.id.in_(ids))).all()  # type: ignore[union-attr]
        stock = {i: s for i, s in fresh}
        for r in found.values():
            r["stock"] = stock[r["id"]]
    return found


def _groups(session: Session, parsed: formats.Parsed) -> dict[str, int]:
    keys = sorted({i.group_key for i in parsed.items if i.group_key})
    if not keys:
        return {}
    have = {k: (gid, name, opts) for gid, k, name, opts in session.execute(sa.select(ProductGroup.id, ProductGroup.key, ProductGroup.name, ProductGroup.option_names))}
    new = [
        {"key": k, "name": parsed.group_names.get(k, k)[:200], "option_names": json.dumps(parsed.group_options.get(k, []), ensure_ascii=False)}
        for k in keys
        if k not in have
    ]
    if new:
        session.execute(sa.insert(ProductGroup.__table__), new)  # type: ignore[attr-defined]
    changed = []
    for k in keys:
        if k in have:
            gid, name, opts = have[k]
            want_name = parsed.group_names.get(k, k)[:200]
            want_opts = json.dumps(parsed.group_options.get(k, []), ensure_ascii=False)
            if (name, opts) != (want_name, want_opts):
                changed.append({"gid": gid, "name": want_name, "option_names": want_opts})
    if changed:
        session.execute(sa.text("UPDATE product_group SET name = :name, option_names = :option_names WHERE id = :gid"), changed)
    return {k: gid for gid, k in session.execute(sa.select(ProductGroup.id, ProductGroup.key).where(ProductGroup.key.in_(keys)))}  # type: ignore[attr-defined]


def _apply_items(session: Session, parsed: formats.Parsed, stock: str, report: CatalogReport) -> None:
    settings = common.load_settings(session)
    default_rate = settings.default_rate
    fast = db.fast(session)
    existing = _existing(session, [i.sku for i in parsed.items])
    group_ids = _groups(session, parsed)
    now = utcnow()
    if session.connection().dialect.name == "sqlite":
        now = db._adapt(now)  # the stored text, once (db.fast would convert it for every row)
    inserts: list[dict] = []
    new_stock: list[tuple[str, int]] = []
    updates: list[dict] = []
    stock_moves: list[dict] = []
    for item in parsed.items:
        name = item.full_name[:200]
        options = json.dumps(dict(item.options), ensure_ascii=False) if item.options else None
        gid = group_ids.get(item.group_key) if item.group_key else None
        if not item.for_sale:
            report.not_for_sale += 1
        if item.generated_sku:
            report.generated_skus += 1
        row = existing.get(item.sku.upper())
        if row is None:
            inserts.append(
                dict(
                    sku=item.sku,
                    name=name,
                    price=item.price,
                    stock=item.stock,
                    tax_rate=default_rate if item.tax_rate is None else item.tax_rate,
                    created_at=now,
                    updated_at=now,
                    group_id=gid,
                    options=options,
                    for_sale=item.for_sale,
                    low_stock=item.low_stock,
                )
            )
            if item.stock:
                new_stock.append((item.sku, item.stock))
            existing[item.sku.upper()] = {"id": None}
            report.created += 1
            continue
        want = {"name": name, "price": item.price, "for_sale": item.for_sale, "group_id": gid, "options": options}
        if item.tax_rate is not None:
            want["tax_rate"] = item.tax_rate
        if item.low_stock is not None:
            want["low_stock"] = item.low_stock
        old_stock = row["stock"]
        new = old_stock
        if item.stock_given and item.stock != old_stock:
            report.stock_differs += 1
            if stock == "set":
                new = item.stock
            elif stock == "add" and item.stock and old_stock is not None:
                new = old_stock + item.stock
        elif stock == "add" and item.stock and old_stock is not None:
            new = old_stock + item.stock
        if new is not None and new > formats.MAX_STOCK:
            report.skipped.append(formats.Skipped(item.line, "catalog.stock_too_big", f"stock would be {new:,}: over the limit of {formats.MAX_STOCK:,} units", item.sku))
            continue
        changed = {k: v for k, v in want.items() if row.get(k) != v}
        if new != old_stock:
            changed["stock"] = new
            delta = (new or 0) - (old_stock or 0)
            if delta:
                stock_moves.append({"product_id": row["id"], "delta": delta, "stock_after": new or 0, "reason": "import", "at": now})
            report.stock_changed += 1
        if changed:
            updates.append({"id": row["id"], **{k: row.get(k) for k in ("name", "price", "for_sale", "group_id", "options", "tax_rate", "stock", "low_stock")}, **changed, "updated_at": now})
            report.updated += 1
        else:
            report.unchanged += 1
    table = Product.__table__  # type: ignore[attr-defined]
    if inserts:
        for start in range(0, len(inserts), 2000):
            fast.execute(sa.insert(table), inserts[start : start + 2000])
    if new_stock:
        skus = [s for s, _ in new_stock]
        ids: dict[str, int] = {}
        for start in range(0, len(skus), 900):
            chunk = skus[start : start + 900]
            ids.update({s: i for i, s in session.execute(sa.select(Product.id, Product.sku).where(Product.sku.in_(chunk))).all()})  # type: ignore[union-attr]
        stock_moves.extend({"product_id": ids[s], "delta": n, "stock_after": n, "reason": "import", "at": now} for s, n in new_stock)
    if updates:
        stmt = (
            sa.update(table)
            .where(table.c.id == sa.bindparam("b_id"))
            .values(
                name=sa.bindparam("b_name"),
                price=sa.bindparam("b_price"),
                for_sale=sa.bindparam("b_for_sale"),
                group_id=sa.bindparam("b_group_id"),
                options=sa.bindparam("b_options"),
                tax_rate=sa.bindparam("b_tax_rate"),
                stock=sa.bindparam("b_stock"),
                low_stock=sa.bindparam("b_low_stock"),
                updated_at=sa.bindparam("b_updated_at"),
            )
        )
        fast.execute(stmt, [{f"b_{k}": v for k, v in u.items()} for u in updates])
    if stock_moves:
        fast.execute(sa.insert(StockMovement.__table__), stock_moves)  # type: ignore[attr-defined]
    session.flush()
    session.expire_all()


def _apply_inventory(session: Session, parsed: formats.Parsed, stock: str, report: CatalogReport) -> None:
    existing = _existing(session, [f.sku for f in parsed.stock_figures])
    now = utcnow()
    moves: list[dict] = []
    updates: list[dict] = []
    for fig in parsed.stock_figures:
        row = existing.get(fig.sku.upper())
        if row is None:
            report.unknown_skus += 1
            report.skipped.append(formats.Skipped(fig.line, "catalog.unknown_sku", f"no product with SKU {fig.sku} in the store (import the product file first)", fig.sku))
            continue
        old = row["stock"]
        if fig.stock != old:
            report.stock_differs += 1
        new = fig.stock if stock == "set" else (old or 0) + fig.stock
        if new > formats.MAX_STOCK:
            report.skipped.append(formats.Skipped(fig.line, "catalog.stock_too_big", f"stock would be {new:,}: over the limit of {formats.MAX_STOCK:,} units", fig.sku))
            continue
        if new != old:
            updates.append({"b_id": row["id"], "b_stock": new, "b_updated_at": now})
            delta = new - (old or 0)
            if delta:
                moves.append({"product_id": row["id"], "delta": delta, "stock_after": new, "reason": "import", "at": now})
            row["stock"] = new
            report.stock_changed += 1
            report.updated += 1
        else:
            report.unchanged += 1
    table = Product.__table__  # type: ignore[attr-defined]
    if updates:
        session.connection().execute(
            sa.update(table).where(table.c.id == sa.bindparam("b_id")).values(stock=sa.bindparam("b_stock"), updated_at=sa.bindparam("b_updated_at")), updates
        )
    if moves:
        session.execute(sa.insert(StockMovement.__table__), moves)  # type: ignore[attr-defined]
    session.flush()
    session.expire_all()
