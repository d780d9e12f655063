"""Catalog files as other tools write them: detection and mapping to one shape (:class:`Item`).

``read(f, currency=…, location=…, today=…)`` reads a delimited file with
:class:`ordercli.files.tabular.TableReader` (physical line numbers), recognises its
format from the header and maps every row to an :class:`Item` (something sold: a
simple product or one variant) or a :class:`Skipped` row (its first physical line and
the reason, as a fact with a ``code``). Nothing here touches the store.

Formats (``Parsed.format``):

* ``ordercli`` — ``sku,name,price[,stock][,tax_rate][,for_sale][,options]``; ``options`` is
  ``Size=L;Colour=Red`` (a variant of the product ``name``).
* ``shopify`` — Shopify's product CSV: rows grouped by ``Handle``; ``Option1..3 Name/Value``;
  ``Variant SKU`` (a missing SKU gets a stable generated one: handle + option values);
  ``Status`` draft/archived → not for sale; image-only rows are not products.
* ``shopify-inventory`` — Shopify's inventory CSV (``Handle, …, SKU, Location, On hand``
  or one column per location): stock for one ``--location``.
* ``woocommerce`` — WooCommerce's product CSV: simple, variable + variation (by ``Parent``),
  grouped and external (reported as skipped); sale price when its dates include today.
* ``square`` — Square's item library export: ``Item Name``, ``Variation Name``, ``SKU``,
  ``Price``, ``Current Quantity <Location>``.
* ``ecwid`` — Ecwid's catalog import format: ``type`` (product / product_option /
  product_variation), ``product_sku``, ``product_name``, ``product_price``,
  ``product_quantity``, ``product_is_inventory_tracked``, ``product_is_available``,
  ``product_variation_option_<Name>``.

A SKU written with Excel's text marker (a leading ``'``) loses it. The same SKU on two
rows: the first keeps it, the later one is skipped with the reason (``catalog.duplicate_sku``).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import date
from typing import BinaryIO

from ordercli.domain import MAX_STOCK, clean_text
from ordercli.errors import InputError
from ordercli.i18n import N_, _
from ordercli.files.tabular import TableReader
from ordercli.files.text import FileProblem
from ordercli.money import grouped, parse_money, parse_percent

SKU_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._\-/#+]{0,99}")
NAME_SEP = " — "
VALUE_SEP = " / "


@dataclass
class Item:
    """One sellable thing of the file (a simple product or a variant)."""

    line: int
    sku: str
    name: str  # the product's name (without option values)
    price: int
    stock: int | None = None  # None: untracked (or not given, see stock_given)
    stock_given: bool = False  # the file says something about stock for this item
    tax_rate: int | None = None
    for_sale: bool = True
    group_key: str | None = None  # variants of one product share it (handle, parent)
    options: list[tuple[str, str]] = field(default_factory=list)
    generated_sku: bool = False
    low_stock: int | None = None  # the low-stock threshold, when the file has one

    @property
    def full_name(self) -> str:
        return display_name(self.name, [v for _, v in self.options])


@dataclass
class StockFigure:
    """A row of an inventory file: the stock of one SKU at one location."""

    line: int
    sku: str
    stock: int


@dataclass
class Skipped:
    line: int
    code: str
    reason: str
    sku: str | None = None
    column: str | None = None  # as written in the header

    def text(self, shown: str | None = None) -> str:
        """``'cat.csv' line 3, column price: …``: written like every other file problem."""
        return FileProblem(self.line, self.reason, column=self.column).text(shown)


@dataclass
class Parsed:
    format: str
    shown: str = ""
    items: list[Item] = field(default_factory=list)
    stock_figures: list[StockFigure] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    image_rows: int = 0
    location: str | None = None
    group_names: dict[str, str] = field(default_factory=dict)  # group key -> product name
    group_options: dict[str, list[str]] = field(default_factory=dict)  # group key -> option names


def display_name(name: str, values: list[str]) -> str:
    """'T-shirt — Red / L' (a product without option values keeps its name)."""
    vals = [v for v in values if v]
    return f"{name}{NAME_SEP}{VALUE_SEP.join(vals)}" if vals else name


class RowProblem(Exception):
    def __init__(self, code: str, reason: str, column: str | None = None):
        super().__init__(reason)
        self.code, self.reason, self.column = code, reason, column


# ------------------------------------------------------------------ cells


def clean_sku(text: str | None) -> str:
    """A SKU as written, without Excel's leading ``'`` text marker and surrounding spaces."""
    s = (text or "").strip()
    while s.startswith("'"):
        s = s[1:].strip()
    return s


def check_sku(text: str, col: str | None = None) -> str:
    if not SKU_RE.fullmatch(text):
        raise RowProblem("catalog.bad_sku", _("invalid SKU %(sku)s: use letters, digits and . _ - / # + (no spaces), up to 100 characters") % {"sku": repr(text[:40])}, col)
    return text


_SLUG = re.compile(r"[^A-Za-z0-9]+")


def generated_sku(base: str, values: list[str]) -> str:
    """A stable SKU from a handle (or parent) and option values: the same on every import.

    ``classic-tee`` + ``Red``, ``L`` -> ``classic-tee-red-l``. Too long, or empty after
    cleaning: a short hash keeps it unique and stable.
    """
    parts = [_SLUG.sub("-", p).strip("-").lower() for p in [base, *values]]
    text = "-".join(p for p in parts if p)
    digest = hashlib.sha1("\x1f".join([base, *values]).encode("utf-8")).hexdigest()[:8]
    if not text:
        return f"item-{digest}"
    if len(text) > 100:
        return f"{text[:90].rstrip('-')}-{digest}"
    return text


_PRICES: dict[tuple[str, str, str], int] = {}


def parse_price(text: str | None, currency: str, what: str = "price", col: str | None = None) -> int:
    raw = (text or "").strip()
    if not raw:
        raise RowProblem("catalog.no_price", {"price": _("no price"), "sale price": _("no sale price"), "regular price": _("no regular price")}.get(what, _("no price")), col)
    key = (raw, currency, what)
    hit = _PRICES.get(key)
    if hit is not None:
        return hit
    try:
        value = parse_money(raw, currency, what=what)
    except InputError as e:
        raise RowProblem("catalog.bad_price", e.message.rstrip("."), col) from None
    if len(_PRICES) < 100_000:
        _PRICES[key] = value
    return value


_WHOLE = re.compile(r"([+-]?\d+)(?:[.,]0{1,2})?")


def parse_stock(text: str | None, col: str | None = None) -> int | None:
    """'12', '12.0', '-3' (oversold: 0 sellable); empty: None."""
    raw = (text or "").strip()
    if not raw:
        return None
    m = _WHOLE.fullmatch(raw)
    if not m:
        if re.fullmatch(r"\d{1,3}(?:[.,]\d{3})+", raw):
            raise RowProblem("catalog.bad_stock", _("stock %(value)s is ambiguous (thousands separator or decimals?): write it without separators") % {"value": repr(raw)}, col)
        raise RowProblem("catalog.bad_stock", _("stock %(value)s must be a whole number") % {"value": repr(raw[:40])}, col)
    value = max(0, int(m.group(1)))
    if value > MAX_STOCK:
        raise RowProblem("catalog.stock_too_big", _("stock %(value)s is over the limit of %(limit)s units") % {"value": repr(raw[:40]), "limit": grouped(MAX_STOCK)}, col)
    return value


def _truthy(text: str | None) -> bool | None:
    t = (text or "").strip().lower()
    if t in ("1", "true", "yes", "y", "oui", "on"):
        return True
    if t in ("0", "false", "no", "n", "non", "off", "-1"):
        return False
    return None


def _name(text: str | None, col: str | None = None) -> str:
    try:
        return clean_text(text, "name", required=True)  # type: ignore[return-value]
    except InputError as e:
        raise RowProblem("catalog.bad_name", e.message.rstrip("."), col) from None


# ------------------------------------------------------------------ detection

KNOWN_FORMATS = ("ordercli", "shopify", "shopify-inventory", "woocommerce", "square", "ecwid")


def detect(norm: list[str], location: str | None) -> str:
    names = set(norm)
    if "handle" in names and ("variant sku" in names or "variant price" in names):
        return "shopify"
    if "handle" in names and "sku" in names and ("location" in names or "on hand" in names or "available" in names or (location and location.lower() in names)):
        return "shopify-inventory"
    if "type" in names and "regular price" in names:
        return "woocommerce"
    if "item name" in names and "variation name" in names:
        return "square"
    if "product_sku" in names or ("type" in names and "product_name" in names):
        return "ecwid"
    if "sku" in names and "name" in names and "price" in names:
        return "ordercli"
    if "handle" in names and "sku" in names:
        return "shopify-inventory"
    return ""


FORMAT_HINT = N_(
    "Give a CSV with a header sku,name,price[,stock], or an export from Shopify (products or inventory), "
    "WooCommerce, Square (item library) or Ecwid, as written by them."
)


class _Table:
    """The rows of a file as (line, {lower-cased header: cell}); columns read are remembered."""

    def __init__(self, table: TableReader):
        self.t = table
        self.header = table.header
        self.norm = [h.strip().lower() for h in table.header]
        self.index: dict[str, int] = {}
        for i, h in enumerate(self.norm):
            self.index.setdefault(h, i)
        self.used: set[str] = set()

    def has(self, name: str) -> bool:
        return name in self.index

    def use(self, *names: str) -> None:
        self.used.update(n for n in names if n in self.index)

    def skip(self, line: int, p: RowProblem, sku: str | None) -> Skipped:
        column = None
        if p.column and p.column in self.index:
            column = self.header[self.index[p.column]].strip()
        return Skipped(line, p.code, p.reason, sku or None, column)

    def ignored(self) -> list[str]:
        return [h.strip() for h, n in zip(self.header, self.norm) if n not in self.used and h.strip()]


class Cells:
    """One row's cells by lower-cased header name (stripped; ``raw`` as written)."""

    __slots__ = ("index", "n", "raw_cells")

    def __init__(self, cells: list[str], index: dict[str, int]):
        self.raw_cells, self.index, self.n = cells, index, len(cells)

    def __call__(self, name: str) -> str:
        i = self.index.get(name)
        return "" if i is None or i >= self.n else self.raw_cells[i].strip()

    def raw(self, name: str) -> str:
        i = self.index.get(name)
        if i is None or i >= self.n:
            return ""
        return self.raw_cells[i]


def read(f: BinaryIO, *, shown: str, currency: str, location: str | None = None, today: date | None = None) -> Parsed:
    """Read and map a catalog file; a row that cannot be imported is a :class:`Skipped` row.

    Refused as a whole (``InputError``): an unreadable or unknown header, a currency other
    than the store's, an unknown ``--location``.
    """
    table = TableReader(f, shown=shown, empty_hint=_("Give a CSV with a header: sku,name,price,stock."), header_hint=_(FORMAT_HINT))
    t = _Table(table)
    fmt = detect(t.norm, location)
    if not fmt:
        raise InputError(
            table.header_problem(_("not a catalog this version knows (no sku, name and price columns, and not a Shopify, WooCommerce, Square or Ecwid export).")), _(FORMAT_HINT)
        )
    parsed = Parsed(format=fmt, shown=shown)
    rows: list[tuple[int, Cells]] = []
    for found in table:
        if found.problems:
            p = found.problems[0]
            parsed.skipped.append(Skipped(found.line, "catalog.unreadable_row", p.message.rstrip(".")))
            continue
        rows.append((found.line, Cells(found.cells, t.index)))
    if table.fatal is not None:
        parsed.skipped.append(Skipped(table.fatal.line, "catalog.unreadable_file", table.fatal.message.rstrip(".")))
    _check_currency(t, rows, currency, shown)
    mapper = {
        "ordercli": _ordercli,
        "shopify": _shopify,
        "shopify-inventory": _shopify_inventory,
        "woocommerce": _woocommerce,
        "square": _square,
        "ecwid": _ecwid,
    }[fmt]
    mapper(t, rows, parsed, currency=currency, location=location, today=today or date.today())
    _dedupe(parsed)
    parsed.ignored_columns = t.ignored()
    parsed.skipped.sort(key=lambda s: s.line)
    return parsed


def _check_currency(t: _Table, rows, currency: str, shown: str) -> None:
    cols = [n for n in t.norm if n in ("currency", "variant price currency", "price currency", "currency code")]
    t.use(*cols)
    for col in cols:
        for line, c in rows:
            value = c(col).upper()
            if value and value != currency.upper():
                raise InputError(
                    _("%(file)s line %(line)s: prices are in %(file_currency)s, but this store sells in %(currency)s; nothing was imported.")
                    % {"file": repr(shown), "line": line, "file_currency": value[:10], "currency": currency.upper()},
                    code="catalog.currency",
                    file_currency=value[:10],
                    currency=currency.upper(),
                )


def _dedupe(parsed: Parsed) -> None:
    """The same SKU twice (Shopify allows it across products): the first row keeps it."""
    seen: dict[str, int] = {}
    kept: list[Item] = []
    for item in parsed.items:
        key = item.sku.upper()
        if key in seen:
            parsed.skipped.append(Skipped(item.line, "catalog.duplicate_sku", f"SKU {item.sku} is already used on line {seen[key]}", item.sku))
            continue
        seen[key] = item.line
        kept.append(item)
    parsed.items = kept


def _option_pairs(c: Cells, names_cols: list[tuple[str, str]], fallback_names: list[str] | None = None) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for k, (ncol, vcol) in enumerate(names_cols):
        value = c(vcol)
        name = c(ncol) or (fallback_names[k] if fallback_names and k < len(fallback_names) else "")
        if value and not (name.lower() == "title" and value == "Default Title"):
            out.append((name or f"Option {k + 1}", value))
    return out


# ------------------------------------------------------------------ ordercli


def _ordercli(t: _Table, rows, parsed: Parsed, *, currency: str, **_kw) -> None:
    aliases = {
        "stock": ["stock", "quantity", "qty", "inventory"],
        "tax_rate": ["tax_rate", "tax rate", "tax", "vat"],
        "for_sale": ["for_sale", "for sale", "status"],
    }
    col = {k: next((a for a in v if t.has(a)), None) for k, v in aliases.items()}
    t.use("sku", "name", "price", "options", "low_stock", *[c for c in col.values() if c])
    for line, c in rows:
        try:
            sku = check_sku(clean_sku(c("sku")), "sku")
            name = _name(c.raw("name"), "name")
            price = parse_price(c("price"), currency, col="price")
            item = Item(line, sku, name, price)
            if col["stock"]:
                item.stock, item.stock_given = parse_stock(c(col["stock"]), col["stock"]), True
            if col["tax_rate"] and c(col["tax_rate"]):
                try:
                    item.tax_rate = parse_percent(c(col["tax_rate"]), "tax rate")
                except InputError as e:
                    raise RowProblem("catalog.bad_tax_rate", e.message.rstrip("."), col["tax_rate"]) from None
            if col["for_sale"]:
                v = c(col["for_sale"]).lower()
                item.for_sale = not (_truthy(v) is False or v in ("draft", "archived"))
            if c("low_stock"):
                item.low_stock = parse_stock(c("low_stock"), "low_stock")
            opts = c("options")
            if opts:
                pairs = []
                for part in re.split(r"[;|]", opts):
                    if not part.strip():
                        continue
                    if "=" not in part:
                        raise RowProblem("catalog.bad_options", _("options %(value)s: write Name=Value;Name=Value") % {"value": repr(opts[:60])}, "options")
                    k, v = part.split("=", 1)
                    pairs.append((k.strip(), v.strip()))
                item.options = pairs
                item.group_key = name
                parsed.group_names.setdefault(name, name)
                parsed.group_options.setdefault(name, [k for k, _ in pairs])
        except RowProblem as p:
            parsed.skipped.append(t.skip(line, p, clean_sku(c("sku")) or None))
            continue
        parsed.items.append(item)


# ------------------------------------------------------------------ Shopify


def _shopify(t: _Table, rows, parsed: Parsed, *, currency: str, **_kw) -> None:
    opt_cols = [(f"option{k} name", f"option{k} value") for k in (1, 2, 3)]
    t.use("handle", "title", "variant sku", "variant price", "variant inventory qty", "variant inventory tracker", "status", *[x for p in opt_cols for x in p])
    titles: dict[str, str] = {}
    status: dict[str, str] = {}
    option_names: dict[str, list[str]] = {}
    has_qty, has_tracker = t.has("variant inventory qty"), t.has("variant inventory tracker")
    names_by_handle: dict[str, str] = {}
    for line, c in rows:
        handle = c("handle")
        sku_text = clean_sku(c("variant sku"))
        if not handle:
            parsed.skipped.append(Skipped(line, "catalog.no_handle", "no Handle", sku_text or None))
            continue
        title = c("title")
        if title and handle not in titles:
            titles[handle] = title
        st = c("status")
        if st and handle not in status:
            status[handle] = st.lower()
        opt_names = [c(n) for n, _ in opt_cols]
        opt_values = [c(v) for _, v in opt_cols]
        if handle not in option_names and any(opt_names):
            option_names[handle] = [n for n in opt_names if n]
        price_text = c("variant price")
        if not (sku_text or price_text or any(opt_values)):
            parsed.image_rows += 1  # an extra image of the product (or a blank continuation row)
            continue
        try:
            if handle not in titles:
                raise RowProblem("catalog.no_title", _("no Title for handle %(handle)s on this or an earlier row") % {"handle": repr(handle[:60])}, "title")
            name = names_by_handle.get(handle)
            if name is None:
                name = names_by_handle[handle] = _name(titles[handle], "title")
            fallback = option_names.get(handle) or []
            pairs = []
            for k, value in enumerate(opt_values):
                if not value:
                    continue
                oname = opt_names[k] or (fallback[k] if k < len(fallback) else "")
                if oname.lower() == "title" and value == "Default Title":
                    continue
                pairs.append((oname or f"Option {k + 1}", value))
            values = [v for _, v in pairs]
            generated = not sku_text
            sku = check_sku(sku_text, "variant sku") if sku_text else generated_sku(handle, values)
            price = parse_price(price_text, currency, col="variant price")
            item = Item(line, sku, name, price, group_key=handle if pairs else None, options=pairs, generated_sku=generated)
            item.for_sale = status.get(handle, "active") not in ("draft", "archived")
            if has_qty:
                tracked = c("variant inventory tracker") != "" or not has_tracker
                item.stock_given = True
                item.stock = (parse_stock(c("variant inventory qty"), "variant inventory qty") or 0) if tracked else None
        except RowProblem as p:
            parsed.skipped.append(t.skip(line, p, sku_text or None))
            continue
        if pairs and handle not in parsed.group_names:
            parsed.group_names[handle] = name
            parsed.group_options[handle] = [k for k, _ in pairs]
        parsed.items.append(item)


def _shopify_inventory(t: _Table, rows, parsed: Parsed, *, location: str | None, **_kw) -> None:
    opt_cols = [(f"option{k} name", f"option{k} value") for k in (1, 2, 3)]
    t.use("handle", "title", "sku", *[x for p in opt_cols for x in p])
    if t.has("location"):
        t.use("location")
        locations = list(dict.fromkeys(c("location") for _, c in rows if c("location")))
        qty_col = "on hand" if t.has("on hand") else "available"
        t.use(qty_col)
        if not t.has(qty_col):
            raise InputError(_("The inventory file has a Location column but no 'On hand' or 'Available' column."), _(FORMAT_HINT))
        loc = _pick_location(location, locations)
        rows = [(line, c) for line, c in rows if c("location").lower() == loc.lower()]
        parsed.location = loc
    else:
        known = {"handle", "title", "sku", "hs code", "coo", *[x for p in opt_cols for x in p]}
        locations = [h.strip() for h, n in zip(t.header, t.norm) if n not in known and h.strip()]
        loc = _pick_location(location, locations)
        qty_col = loc.lower()
        t.use(qty_col)
        parsed.location = loc
    for line, c in rows:
        sku_text = clean_sku(c("sku"))
        try:
            sku = check_sku(sku_text, "sku") if sku_text else generated_sku(c("handle"), [v for _, v in _option_pairs(c, opt_cols)])
            raw = c(qty_col)
            if raw.lower() in ("not stocked", ""):
                raise RowProblem("catalog.not_stocked", _("not stocked at %(location)s") % {"location": loc})
            stock = parse_stock(raw, qty_col)
        except RowProblem as p:
            parsed.skipped.append(t.skip(line, p, sku_text or None))
            continue
        parsed.stock_figures.append(StockFigure(line, sku, stock or 0))


def _pick_location(wanted: str | None, locations: list[str]) -> str:
    if not locations:
        raise InputError(_("The inventory file names no location."), _("Export the inventory with its locations from Shopify."))
    if wanted is None:
        return locations[0]
    for loc in locations:
        if loc.lower() == wanted.strip().lower():
            return loc
    raise InputError(_("No location %(location)s in this file.") % {"location": repr(wanted)}, code="catalog.location", locations=tuple(locations[:10]))


# ------------------------------------------------------------------ WooCommerce


def _woo_date(text: str) -> date | None:
    m = re.match(r"(\d{4})-(\d{2})-(\d{2})", text.strip())
    return date(int(m.group(1)), int(m.group(2)), int(m.group(3))) if m else None


def _woocommerce(t: _Table, rows, parsed: Parsed, *, currency: str, today: date, **_kw) -> None:
    attr_cols = []
    for k in range(1, 50):
        n, v = f"attribute {k} name", f"attribute {k} value(s)"
        if t.has(n):
            attr_cols.append((n, v))
    t.use("id", "type", "sku", "name", "published", "in stock?", "stock", "low stock amount", "sale price", "regular price", "date sale price starts", "date sale price ends", "parent", *[x for p in attr_cols for x in p])
    parents: dict[str, tuple[str, str, bool]] = {}  # "id:44" / sku -> (key, name, for_sale)
    for line, c in rows:
        if "variable" in c("type").lower():
            key = c("sku") and clean_sku(c("sku")) or f"woo-{c('id')}"
            info = (key, c("name"), _truthy(c("published")) is not False)
            if c("id"):
                parents[f"id:{c('id')}"] = info
            if c("sku"):
                parents[clean_sku(c("sku")).lower()] = info
    for line, c in rows:
        kinds = {k.strip().lower() for k in c("type").split(",")}
        sku_text = clean_sku(c("sku"))
        try:
            if "variable" in kinds:
                continue  # the product whose variations follow: not sold itself
            if "grouped" in kinds:
                raise RowProblem("catalog.grouped", _("grouped product: sold as its parts, not imported"))
            if "external" in kinds:
                raise RowProblem("catalog.external", _("external product: sold on another site, not imported"))
            if not kinds & {"simple", "variation"}:
                raise RowProblem("catalog.unknown_type", _("product type %(type)s is not imported") % {"type": repr(c("type")[:40])})
            price = _woo_price(c, currency, today)
            for_sale = _truthy(c("published")) is not False
            if "variation" in kinds:
                parent = parents.get(c("parent").strip().lower()) or parents.get(c("parent").strip())
                if parent is None:
                    raise RowProblem("catalog.no_parent", _("variation of unknown parent %(parent)s") % {"parent": repr(c("parent")[:40])})
                key, pname, parent_for_sale = parent
                pairs = [(c(n), c(v)) for n, v in attr_cols if c(n) and c(v)]
                name = _name(pname)
                generated = not sku_text
                sku = check_sku(sku_text, "sku") if sku_text else generated_sku(key, [v for _, v in pairs] or [c("id")])
                item = Item(line, sku, name, price, group_key=key, options=pairs, generated_sku=generated, for_sale=for_sale and parent_for_sale)
                parsed.group_names.setdefault(key, name)
                names = parsed.group_options.setdefault(key, [])
                names.extend(n for n, _ in pairs if n not in names)
            else:
                name = _name(c.raw("name"), "name")
                generated = not sku_text
                sku = check_sku(sku_text, "sku") if sku_text else generated_sku(f"woo-{c('id')}" if c("id") else name, [])
                item = Item(line, sku, name, price, generated_sku=generated, for_sale=for_sale)
            if c("low stock amount"):
                item.low_stock = parse_stock(c("low stock amount"), "low stock amount")
            in_stock = _truthy(c("in stock?"))
            stock = parse_stock(c("stock"), "stock")
            if in_stock is False:
                item.stock, item.stock_given = 0, True
            elif stock is not None:
                item.stock, item.stock_given = stock, True
            elif t.has("stock"):
                item.stock, item.stock_given = None, True
        except RowProblem as p:
            parsed.skipped.append(t.skip(line, p, sku_text or None))
            continue
        parsed.items.append(item)


def _woo_price(c: Cells, currency: str, today: date) -> int:
    regular = c("regular price")
    sale = c("sale price")
    if sale:
        start, end = _woo_date(c("date sale price starts")), _woo_date(c("date sale price ends"))
        if (start is None or start <= today) and (end is None or today <= end):
            return parse_price(sale, currency, "sale price", col="sale price")
    return parse_price(regular, currency, "regular price", col="regular price")


# ------------------------------------------------------------------ Square


def _square(t: _Table, rows, parsed: Parsed, *, currency: str, location: str | None, **_kw) -> None:
    qty_cols = [(h.strip()[len("current quantity ") :], n) for h, n in zip(t.header, t.norm) if n.startswith("current quantity ")]
    qty_col = None
    if qty_cols:
        names = [loc for loc, _ in qty_cols]
        loc = _pick_location(location, names)
        qty_col = next(n for name, n in qty_cols if name == loc)
        parsed.location = loc
        t.use(qty_col)
    elif location:
        raise InputError(_("No location %(location)s in this file (it has no 'Current Quantity' columns).") % {"location": repr(location)}, code="catalog.location", locations=())
    opt_cols = [(f"option name {k}", f"option value {k}") for k in range(1, 6) if t.has(f"option name {k}")]
    t.use("item name", "variation name", "sku", "price", "archived", "sellable", "token", "reference handle", *[x for p in opt_cols for x in p])
    by_item: dict[str, int] = {}
    for _row, c in rows:
        by_item[c("item name")] = by_item.get(c("item name"), 0) + 1
    for line, c in rows:
        sku_text = clean_sku(c("sku"))
        try:
            item_name = c("item name")
            if not item_name:
                raise RowProblem("catalog.no_name", _("no Item Name"))
            name = _name(item_name)
            variation = c("variation name")
            pairs = _option_pairs(c, opt_cols) if opt_cols else []
            if not pairs and variation and variation.lower() != "regular" and (by_item[item_name] > 1 or variation.lower() != name.lower()):
                pairs = [("Variation", variation)]
            if not c("price") or c("price").lower() == "variable":
                raise RowProblem("catalog.variable_price", _("variable price (set at the till in Square): give the price in the file"))
            price = parse_price(c("price"), currency, col="price")
            key = c("reference handle") or item_name
            generated = not sku_text
            sku = check_sku(sku_text, "sku") if sku_text else generated_sku(key, [v for _, v in pairs])
            item = Item(line, sku, name, price, group_key=key if pairs else None, options=pairs, generated_sku=generated)
            item.for_sale = _truthy(c("archived")) is not True and _truthy(c("sellable")) is not False
            if qty_col:
                item.stock, item.stock_given = parse_stock(c(qty_col), qty_col), True
        except RowProblem as p:
            parsed.skipped.append(t.skip(line, p, sku_text or None))
            continue
        if pairs:
            parsed.group_names.setdefault(key, name)
            names = parsed.group_options.setdefault(key, [])
            names.extend(n for n, _ in pairs if n not in names)
        parsed.items.append(item)


# ------------------------------------------------------------------ Ecwid


def _ecwid(t: _Table, rows, parsed: Parsed, *, currency: str, **_kw) -> None:
    var_opt = [(h.strip()[len("product_variation_option_") :], n) for h, n in zip(t.header, t.norm) if n.startswith("product_variation_option_")]
    t.use(
        "type", "product_internal_id", "product_sku", "product_name", "product_price", "product_quantity",
        "product_is_inventory_tracked", "product_is_available", "product_option_name", "product_option_value",
        "product_variation_sku", "product_variation_price", "product_variation_quantity", *[n for _, n in var_opt],
    )
    products: dict[str, tuple[str, str, bool]] = {}
    with_variations: set[str] = set()
    for _row, c in rows:
        kind = c("type").lower() or "product"
        key = c("product_internal_id") or clean_sku(c("product_sku"))
        if kind == "product":
            products[key] = (clean_sku(c("product_sku")) or key, c("product_name"), _truthy(c("product_is_available")) is not False)
        elif kind == "product_variation":
            with_variations.add(key)
    for line, c in rows:
        kind = c("type").lower() or "product"
        key = c("product_internal_id") or clean_sku(c("product_sku"))
        sku_text = clean_sku(c("product_variation_sku") or (c("product_sku") if kind != "product_variation" or not c("product_internal_id") else ""))
        try:
            if kind in ("product_option", "product_image", "product_gallery_image", "product_file"):
                continue  # parts of a product described on its own row
            if kind == "product" and key in with_variations:
                continue  # sold through its variations
            tracked = _truthy(c("product_is_inventory_tracked"))
            if kind == "product":
                name = _name(c.raw("product_name"), "product_name")
                sku = check_sku(sku_text) if sku_text else generated_sku(key or name, [])
                item = Item(line, sku, name, parse_price(c("product_price"), currency, col="product_price"), generated_sku=not sku_text)
                item.for_sale = _truthy(c("product_is_available")) is not False
                qty = c("product_quantity")
            elif kind == "product_variation":
                parent = products.get(key)
                if parent is None:
                    raise RowProblem("catalog.no_parent", _("variation of unknown product %(product)s") % {"product": repr(key[:40])})
                pkey, pname, p_for_sale = parent
                pairs = [(oname, c(n)) for oname, n in var_opt if c(n)]
                name = _name(pname)
                sku = check_sku(sku_text) if sku_text else generated_sku(pkey, [v for _, v in pairs])
                price_text = c("product_variation_price") or c("product_price") or ""
                if not price_text:
                    raise RowProblem("catalog.no_price", _("no price for this variation"))
                item = Item(line, sku, name, parse_price(price_text, currency), group_key=pkey, options=pairs, generated_sku=not sku_text, for_sale=p_for_sale)
                parsed.group_names.setdefault(pkey, name)
                names = parsed.group_options.setdefault(pkey, [])
                names.extend(n for n, _ in pairs if n not in names)
                qty = c("product_variation_quantity") or c("product_quantity")
            else:
                raise RowProblem("catalog.unknown_type", _("row type %(type)s is not imported") % {"type": repr(kind[:40])})
            if tracked is False:
                item.stock, item.stock_given = None, True
            elif tracked is True or qty:
                item.stock, item.stock_given = parse_stock(qty) or 0, True
        except RowProblem as p:
            parsed.skipped.append(t.skip(line, p, sku_text or None))
            continue
        parsed.items.append(item)
