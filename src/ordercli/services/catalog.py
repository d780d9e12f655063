"""Catalog: products, stock changes (always through the ledger), CSV import."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import sqlalchemy as sa
from sqlmodel import Session, select

from ordercli.domain import MAX_STOCK, check_stock, clean_text
from ordercli.errors import InputError, RefusedError
from ordercli.i18n import N_, _, ngettext
from ordercli.files.tabular import TableReader
from ordercli.files.text import FileProblem, open_text
from ordercli.models import Product, StockMovement, utcnow
from ordercli.money import parse_money, parse_percent
from ordercli.services import common

SKU_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._\-/#+]{0,99}")


def check_sku(sku: str) -> str:
    text = str(sku).strip()
    if not SKU_RE.fullmatch(text):
        raise InputError(_("Invalid SKU %(sku)s.") % {"sku": repr(sku)}, _("Use letters, digits and . _ - / # + (no spaces), up to 100 characters."))
    return text


def _movement(session: Session, product: Product, delta: int, reason: str, order_number: str | None = None) -> None:
    session.add(StockMovement(product_id=product.id, delta=delta, stock_after=product.stock or 0, reason=reason, order_number=order_number))


def _lock_and_reload(session: Session, product: Product) -> Product:
    """Lock the product's row (PostgreSQL) and re-read it, so stock read afterwards is current and stays so.

    Every read-modify-write of stock goes through this: a stock read before the lock
    may already be stale when the write lands (another till sold meanwhile).
    """
    common.lock_products(session, [product.id])
    session.refresh(product)
    return product


def add_product(session: Session, *, sku: str, name: str, price: int, stock: int | None, tax_rate: int | None = None) -> Product:
    sku = check_sku(sku)
    name = clean_text(name, "product name", required=True)  # type: ignore[assignment]
    if stock is not None and stock < 0:
        raise InputError(_("Stock cannot be negative."), code="product.stock_negative")
    if stock is not None:
        check_stock(stock)
    # The SKU check is case-insensitive, the unique index is not: hold the catalog lock from the
    # check to the commit so two tills adding CUP-1 and cup-1 at once cannot both get through.
    common.lock_catalog(session)
    if session.exec(select(Product).where(sa.func.upper(Product.sku) == sku.upper())).first():
        raise RefusedError(_("A product with SKU %(sku)s already exists.") % {"sku": repr(sku)}, code="product.exists", sku=sku)
    settings = common.load_settings(session)
    product = Product(sku=sku, name=name, price=price, stock=stock, tax_rate=settings.default_rate if tax_rate is None else tax_rate)
    session.add(product)
    session.flush()
    if stock:
        _movement(session, product, stock, "initial")
    session.flush()
    return product


def edit_product(
    session: Session,
    *,
    sku: str,
    name: str | None = None,
    price: int | None = None,
    tax_rate: int | None = None,
    untracked: bool = False,
    track_stock: int | None = None,
    for_sale: bool | None = None,
    low_stock: int | None = None,
) -> Product:
    product = _lock_and_reload(session, common.get_product(session, sku))
    if for_sale is not None:
        product.for_sale = for_sale
    if low_stock is not None:
        if low_stock < 0:
            raise InputError(_("A low-stock threshold cannot be negative."), code="product.low_stock_negative")
        product.low_stock = low_stock
    if name is not None:
        product.name = clean_text(name, "product name", required=True)  # type: ignore[assignment]
    if price is not None:
        product.price = price
    if tax_rate is not None:
        product.tax_rate = tax_rate
    if untracked and product.stock is not None:
        if product.stock:
            product.stock, old = 0, product.stock
            _movement(session, product, -old, "untrack")
        product.stock = None
    if track_stock is not None:
        if product.stock is not None:
            raise InputError(_("%(sku)s already tracks stock.") % {"sku": product.sku}, code="product.tracked", sku=product.sku)
        if track_stock < 0:
            raise InputError(_("Stock cannot be negative."), code="product.stock_negative_edit")
        check_stock(track_stock)
        product.stock = track_stock
        if track_stock:
            _movement(session, product, track_stock, "track")
    product.updated_at = utcnow()
    session.add(product)
    session.flush()
    return product


def change_stock(session: Session, *, sku: str, set_to: int | None = None, add: int | None = None, reason: str = "adjust") -> Product:
    """``--set N`` or ``--add N`` (negative allowed). Stock never goes below 0."""
    product = _lock_and_reload(session, common.get_product(session, sku))
    if product.stock is None:
        raise RefusedError(_("%(sku)s does not track stock.") % {"sku": product.sku}, code="product.untracked", sku=product.sku)
    if (set_to is None) == (add is None):
        raise InputError(_("Give exactly one new stock level or one change."), code="product.stock_args")
    if set_to is not None:
        if set_to < 0:
            raise InputError(_("Stock cannot be negative."), code="product.stock_set_negative")
        check_stock(set_to)
        row = session.execute(
            sa.text("UPDATE product SET stock = :v WHERE id = :id RETURNING stock, stock"), {"v": set_to, "id": product.id}
        ).first()
        delta = set_to - (product.stock or 0)
    else:
        assert add is not None
        if abs(add) > MAX_STOCK:
            raise InputError(_("A stock change is at most %(most)s units either way.") % {"most": f"{MAX_STOCK:,}"}, code="product.stock_change_too_big")
        if add > 0 and (product.stock or 0) + add > MAX_STOCK:
            raise InputError(
                _("Stock of %(sku)s would be %(stock)s: at most %(most)s units.") % {"sku": product.sku, "stock": f"{(product.stock or 0) + add:,}", "most": f"{MAX_STOCK:,}"},
                code="product.stock_add_max",
                most=MAX_STOCK - (product.stock or 0),
            )
        row = session.execute(
            sa.text("UPDATE product SET stock = stock + :d WHERE id = :id AND stock + :d >= 0 RETURNING stock"), {"d": add, "id": product.id}
        ).first()
        if row is None:
            current = session.execute(sa.text("SELECT stock FROM product WHERE id = :id"), {"id": product.id}).scalar()
            raise RefusedError(
                _("Stock of %(sku)s cannot go below 0 (in stock %(stock)s, change %(change)s).") % {"sku": product.sku, "stock": current, "change": f"{add:+d}"},
                code="product.stock_below_zero",
                least=-int(current or 0),
            )
        delta = add
    new_stock = int(row[0])
    session.refresh(product)
    if set_to is not None:
        # Recompute the delta against the ledger so stock == sum(movements) even if the stock moved meanwhile.
        ledger = session.execute(sa.text("SELECT COALESCE(SUM(delta), 0) FROM stock_movement WHERE product_id = :id"), {"id": product.id}).scalar()
        delta = new_stock - int(ledger or 0)
    if delta:
        session.add(StockMovement(product_id=product.id, delta=delta, stock_after=new_stock, reason=reason))
    session.flush()
    return product


def list_products(
    session: Session, *, search: str | None = None, low_stock: int | None = None, limit: int | None = None, include_not_for_sale: bool = False
) -> list[Product]:
    """Products (variants included, each its own row) by SKU; not-for-sale ones only when asked."""
    q = select(Product)
    if not include_not_for_sale:
        q = q.where(Product.for_sale == sa.true())
    if search and search.strip():
        # SKU or name, case and accents ignored (the stored search key, ordercli.search).
        from ordercli import search as searching

        for term in searching.query_terms(search):
            q = q.where(Product.search_key.like(f"%{searching.like_escape(term)}%", escape="\\"))
    if low_stock is not None:
        low_stock = min(low_stock, MAX_STOCK)  # no stock is higher: every tracked product
        q = q.where(Product.stock.is_not(None), Product.stock <= low_stock)  # type: ignore[union-attr]
    q = q.order_by(Product.sku)
    if limit:
        q = q.limit(limit)
    return list(session.exec(q).all())


def history(session: Session, *, sku: str, limit: int = 50) -> tuple[Product, list[StockMovement]]:
    product = common.get_product(session, sku)
    rows = session.exec(
        select(StockMovement).where(StockMovement.product_id == product.id).order_by(StockMovement.id.desc()).limit(limit)  # type: ignore[union-attr]
    ).all()
    return product, list(rows)


# ------------------------------------------------------------------ CSV import

# Header names we recognise, lower-cased: ours, Shopify's and WooCommerce's.
COLUMN_ALIASES = {
    "sku": ["sku", "variant sku"],
    "name": ["name", "title", "product name"],
    "price": ["price", "variant price", "regular price"],
    "stock": ["stock", "variant inventory qty", "quantity", "qty", "inventory"],
    "tax_rate": ["tax_rate", "tax rate", "tax", "vat"],
}


@dataclass
class ProductRow:
    line: int
    sku: str
    name: str | None
    price: int | None
    stock: int | None
    tax_rate: int | None


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[str] = field(default_factory=list)


CATALOG_HINT = N_("The header needs sku,name,price (and stock, tax_rate); Shopify and WooCommerce exports also work.")


def read_catalog(path: str | Path, currency: str) -> list[ProductRow]:
    """Read and check a product CSV file (``product import``); see :func:`parse_catalog`."""
    tf = open_text(path, kinds="a CSV file", empty_hint=_("Give a CSV with a header: sku,name,price,stock[,tax_rate]."))
    with open(tf.path, "rb") as f:
        return parse_catalog(f, currency, shown=tf.shown)


def parse_catalog_csv(text: str, currency: str, *, shown: str = "catalog.csv") -> list[ProductRow]:
    """:func:`parse_catalog` of a string (tests, benchmarks)."""
    return parse_catalog(io.BytesIO(text.encode("utf-8")), currency, shown=shown)


def parse_catalog(f: BinaryIO, currency: str, *, shown: str) -> list[ProductRow]:
    """Parse and check every row; raise one InputError listing every bad cell (file, line and column).

    The file is read by :class:`ordercli.files.tabular.TableReader`, like an
    order import: same delimiters, encoding, physical line numbers and problem
    format.
    """
    table = TableReader(f, shown=shown, empty_hint=_("Give a CSV with a header: sku,name,price,stock[,tax_rate]."), header_hint=_(CATALOG_HINT))
    header = table.header
    norm = [h.strip().lower() for h in header]
    cols: dict[str, int] = {}
    for key, aliases in COLUMN_ALIASES.items():
        for alias in aliases:
            if alias in norm:
                cols[key] = norm.index(alias)
                break
    missing = [k for k in ("sku", "name", "price") if k not in cols]
    if missing:
        raise InputError(
            table.header_problem(ngettext("missing column %(columns)s.", "missing columns %(columns)s.", len(missing)) % {"columns": ", ".join(missing)}), _(CATALOG_HINT)
        )
    rows: list[ProductRow] = []
    errors: list[FileProblem] = []
    seen: dict[str, int] = {}
    # Shopify: variant rows leave Title empty under the first row of their Handle;
    # the variant's name is the title plus its option values ("Default Title" = none).
    handle_idx = norm.index("handle") if "handle" in norm else None
    option_idx = [i for i, h in enumerate(norm) if re.fullmatch(r"option\d+ value", h)]
    titles: dict[str, str] = {}
    tracker_idx = norm.index("variant inventory tracker") if "variant inventory tracker" in norm else None
    # WooCommerce: "variable"/"grouped" parent rows are not sellable; their variations are.
    woo_type_idx = norm.index("type") if "type" in norm and "regular price" in norm else None
    for found in table:
        line_no, rec = found.line, found.cells
        errors.extend(found.problems)
        if found.blank:
            continue

        def bad(key: str, message: str) -> None:
            errors.append(FileProblem(line_no, message, column=header[cols[key]].strip()))

        def cell(key: str) -> str | None:
            idx = cols.get(key)
            if idx is None or idx >= len(rec):
                return None
            return rec[idx].strip()

        if woo_type_idx is not None and woo_type_idx < len(rec) and rec[woo_type_idx].strip().lower() in ("variable", "grouped"):
            continue
        name_text = cell("name")
        if handle_idx is not None and handle_idx < len(rec):
            handle = rec[handle_idx].strip()
            if name_text:
                titles[handle] = name_text
            name_text = name_text or titles.get(handle)
            opts = [rec[i].strip() for i in option_idx if i < len(rec) and rec[i].strip() and rec[i].strip() != "Default Title"]
            if name_text and opts:
                name_text = f"{name_text} - {' / '.join(opts)}"

        sku_text = cell("sku") or ""
        if not sku_text:
            # Shopify exports put extra image rows without SKU under a product.
            if (cell("name") or "") == "" and (cell("price") or "") == "":
                continue
            bad("sku", _("empty SKU"))
            continue
        try:
            sku = check_sku(sku_text)
        except InputError as e:
            bad("sku", e.message)
            continue
        if sku.upper() in seen:
            bad("sku", _("SKU %(sku)s repeats line %(line)s") % {"sku": sku, "line": seen[sku.upper()]})
            continue
        seen[sku.upper()] = line_no
        row = ProductRow(line=line_no, sku=sku, name=None, price=None, stock=None, tax_rate=None)
        try:
            row.name = clean_text(name_text, "name", required=True)
        except InputError as e:
            bad("name", e.message)
        try:
            row.price = parse_money(cell("price") or "", currency, what="price")
        except InputError as e:
            bad("price", e.message)
        stock_text = cell("stock")
        if tracker_idx is not None and (tracker_idx >= len(rec) or not rec[tracker_idx].strip()):
            stock_text = ""  # Shopify: no inventory tracker = stock not tracked
        if stock_text:
            whole = re.fullmatch(r"(\d+)(?:[.,]0{1,2})?", stock_text.strip())  # "12", and "12.0" / "12,00" from spreadsheets
            if whole and int(whole.group(1)) <= MAX_STOCK:
                row.stock = int(whole.group(1))
            elif whole:
                bad("stock", _("stock %(stock)s is over the limit of %(most)s units") % {"stock": repr(stock_text[:40]), "most": f"{MAX_STOCK:,}"})
            elif re.fullmatch(r"\d{1,3}(?:[.,]\d{3})+", stock_text.strip()):
                plain = re.sub(r"[.,]", "", stock_text.strip())
                bad("stock", _("stock %(stock)s is ambiguous (thousands separator or decimals?): write %(plain)s without separators") % {"stock": repr(stock_text), "plain": plain})
            else:
                bad("stock", _("stock %(stock)s must be a whole number of 0 or more (empty = untracked)") % {"stock": repr(stock_text[:40])})
        tax_text = cell("tax_rate")
        if tax_text:
            try:
                row.tax_rate = parse_percent(tax_text, "tax rate")
            except InputError as e:
                bad("tax_rate", e.message)
        rows.append(row)
    if table.fatal is not None:
        errors.append(table.fatal)
    if errors:
        errors.sort(key=lambda p: p.line)
        more = _(" (and %(count)s more)") % {"count": len(errors) - 10} if len(errors) > 10 else ""
        raise InputError(
            _("Catalog not imported: %(problems)s.") % {"problems": "; ".join(p.text(shown).rstrip(".") for p in errors[:10]) + more},
            _("Fix these cells and import again; nothing was written."),
        )
    if not rows:
        raise InputError(_("%(file)s has a header but no products.") % {"file": repr(shown)}, _("Add one product per line under the header."))
    return rows


def import_catalog(session: Session, *, rows: list[ProductRow]) -> ImportReport:
    """Create or update by SKU in one transaction; stock changes go through the ledger.

    On PostgreSQL the import first takes the catalog lock (no other till creates a
    product meanwhile), then locks every existing product the file touches in id
    order, as sales do (CSV order could deadlock with a sale), and only then reads
    them: stock deltas are computed from the stock as it is under the lock.
    """
    common.lock_catalog(session)
    settings = common.load_settings(session)
    report = ImportReport()
    touched = {row.sku.upper() for row in rows}
    ids = [pid for pid, psku in session.execute(sa.select(Product.id, Product.sku)) if psku.upper() in touched]
    common.lock_products(session, ids)
    loaded = session.exec(select(Product).order_by(Product.id).execution_options(populate_existing=True)).all()
    existing: dict[str, Product] = {}
    for p in loaded:
        existing.setdefault(p.sku.upper(), p)
    now = utcnow()
    for row in rows:
        p = existing.get(row.sku.upper())
        if p is None:
            p = Product(
                sku=row.sku,
                name=row.name or row.sku,
                price=row.price or 0,
                stock=row.stock,
                tax_rate=settings.default_rate if row.tax_rate is None else row.tax_rate,
            )
            session.add(p)
            session.flush()
            if row.stock:
                _movement(session, p, row.stock, "import")
            existing[row.sku.upper()] = p
            report.created += 1
            continue
        changed = False
        for attr in ("name", "price"):
            val = getattr(row, attr)
            if val is not None and getattr(p, attr) != val:
                setattr(p, attr, val)
                changed = True
        if row.tax_rate is not None and p.tax_rate != row.tax_rate:
            p.tax_rate, changed = row.tax_rate, True
        if row.stock != p.stock:
            old = p.stock or 0
            p.stock = row.stock
            delta = (row.stock or 0) - old
            if delta:
                _movement(session, p, delta, "import")
            changed = True
        if changed:
            p.updated_at = now
            session.add(p)
            report.updated += 1
        else:
            report.unchanged += 1
    session.flush()
    return report
