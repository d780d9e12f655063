"""Delimited text files (CSV, semicolon, tab): the one reader of ``order import`` and ``product import``.

::

    with open(path, "rb") as f:
        table = TableReader(f, shown="fair.csv", empty_hint="…", header_hint="…")
        table.header            # the header's cells, as written
        for row in table:       # Row(line, end_line, cells, problems, pos)
            ...
        table.fatal             # a FileProblem that ended the read early, or None

* The delimiter is the most frequent of ``,`` ``;`` and tab in the header line
  (ties go to the comma): spreadsheets in many locales save with semicolons.
* Lines are decoded one at a time (UTF-8, BOM dropped), so a bad byte is a
  problem of its own line and the rest of the file is still read.
* ``row.line`` / ``row.end_line`` are physical lines: a quoted cell with a
  newline makes a row span several lines, and the next row starts after them.
* Blank rows are skipped (unless a line of them could not be decoded). A row
  with more non-empty cells than the header has a problem: the delimiter or a
  quote is wrong on that line.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from itertools import chain
from typing import BinaryIO, Iterator

from ordercli.errors import InputError
from ordercli.files.text import MAX_LINE_BYTES, UTF8_HINT, FileProblem, PhysicalLines
from ordercli.i18n import _

DELIMITERS = (",", ";", "\t")


@dataclass
class Row:
    line: int  # first physical line
    end_line: int  # last physical line (a quoted newline makes them differ)
    cells: list[str]
    problems: list[FileProblem] = field(default_factory=list)
    pos: int = 0  # bytes read so far (for progress)

    @property
    def blank(self) -> bool:
        return not any(c.strip() for c in self.cells)


def sniff_delimiter(header_line: str) -> str:
    counts = {d: header_line.count(d) for d in DELIMITERS}
    return max(DELIMITERS, key=lambda d: counts[d])


class TableReader:
    def __init__(self, f: BinaryIO, *, shown: str, empty_hint: str, header_hint: str):
        if csv.field_size_limit() < MAX_LINE_BYTES:
            csv.field_size_limit(MAX_LINE_BYTES)
        self.shown = shown
        self.lines = PhysicalLines(f)
        self.fatal: FileProblem | None = None
        it = iter(self.lines)
        first = next((t for t in it if t.strip()), None)
        if first is None:
            raise InputError(_("%(file)s is empty.") % {"file": repr(shown)}, empty_hint)
        self.header_line = self.lines.line_no
        self._offset = self.header_line - 1  # csv counts lines from the header
        self.delimiter = sniff_delimiter(first)
        self._reader = csv.reader(chain([first], it), delimiter=self.delimiter, quotechar='"', doublequote=True, strict=False)
        try:
            self.header = next(self._reader)
        except csv.Error as e:
            raise InputError(FileProblem(self.header_line, _("unreadable header (%(error)s).") % {"error": e}).text(shown), header_hint) from None

    def header_problem(self, message: str) -> str:
        """A problem of the header line, written like every other (``'f.csv' line 1: …``)."""
        return FileProblem(self.header_line, message).text(self.shown)

    @property
    def pos(self) -> int:
        return self.lines.pos

    def __iter__(self) -> Iterator[Row]:
        width = len(self.header)
        prev_end = self._offset + self._reader.line_num
        while True:
            try:
                cells = next(self._reader)
            except StopIteration:
                break
            except csv.Error as e:
                self.fatal = FileProblem(
                    self._offset + self._reader.line_num,
                    _("unreadable CSV (%(error)s); the rest of the file was not read.") % {"error": e},
                    _("Check the quotes on this line."),
                )
                return
            start, end = prev_end + 1, self._offset + self._reader.line_num
            prev_end = end
            row = Row(start, end, cells, pos=self.lines.pos)
            for n in range(start, end + 1):
                if n in self.lines.bad:
                    row.problems.append(FileProblem(n, self.lines.bad.pop(n) + ".", _(UTF8_HINT)))
            if row.blank:
                if row.problems:
                    yield row
                continue
            extra = [c for c in cells[width:] if c.strip()]
            if extra:
                cells_found = width + len(extra)
                problem = _("%(cells)s cells but the header has %(width)s columns.") % {"cells": cells_found, "width": width}
                row.problems.append(FileProblem(start, problem, _("Check the delimiter and the quotes on this line.")))
            yield row
        self.fatal = self.lines.too_long_problem()
