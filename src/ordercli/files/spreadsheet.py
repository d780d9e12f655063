"""CSV for people's spreadsheets: one writer for ``order export``, ``order list --format csv`` and
the import's ``--errors`` file.

Dialects (``--dialect``):

* ``csv`` (the default, unchanged): ``,`` between cells, ``.`` in decimals, no byte-order mark;
  what scripts and other programs read.
* ``excel``: the same with a UTF-8 byte-order mark, so that Excel reads accents right on a
  double-click.
* ``excel-fr``: ``;`` between cells, decimal commas (``12,50``) and the UTF-8 byte-order mark:
  French Excel (and LibreOffice in French) opens it in columns with numbers it can add up.

Only cells marked :class:`Number` (amounts, rates) get a decimal comma: a SKU or a note that looks
like ``1.5`` stays as it was typed. Cells that a spreadsheet would run as a formula are
neutralised (``safe_cell``), and a row holding a lone carriage return is fully quoted.
"""

from __future__ import annotations

import codecs
import csv
from collections.abc import Iterable, Sequence
from typing import Any, TextIO

DIALECTS = ("csv", "excel", "excel-fr")


class Number(str):
    """A decimal number written with a point ("12.50"): excel-fr writes it with a comma."""


def safe_cell(value: Any) -> Any:
    """Neutralise spreadsheet formulas (CSV injection): prefix with a quote."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        try:  # a plain negative number is data, not a formula
            float(value)
            return value
        except ValueError:
            return "'" + value
    return value


class SheetWriter:
    """``csv.writer`` with a dialect: ``writerow`` / ``writerows``; the BOM is written first."""

    def __init__(self, out: TextIO, dialect: str = "csv"):
        if dialect not in DIALECTS:
            from ordercli.errors import InputError

            from ordercli.i18n import _

            raise InputError(_("Unknown CSV dialect %(dialect)s.") % {"dialect": repr(dialect)}, _("Use one of: %(choices)s.") % {"choices": ", ".join(DIALECTS)})
        self.dialect = dialect
        self.comma = dialect == "excel-fr"
        delimiter = ";" if self.comma else ","
        self._w = csv.writer(out, delimiter=delimiter, lineterminator="\n")
        self._quoted = csv.writer(out, delimiter=delimiter, lineterminator="\n", quoting=csv.QUOTE_ALL)
        if dialect != "csv":
            out.write(codecs.BOM_UTF8.decode("utf-8"))

    def cell(self, value: Any) -> Any:
        if isinstance(value, Number):
            return str(value).replace(".", ",") if self.comma else str(value)
        return safe_cell(value)

    def writerow(self, row: Sequence[Any]) -> None:
        cells = [self.cell(v) for v in row]
        (self._quoted if any(isinstance(v, str) and "\r" in v for v in cells) else self._w).writerow(cells)

    def writerows(self, rows: Iterable[Sequence[Any]]) -> None:
        for r in rows:
            self.writerow(r)
