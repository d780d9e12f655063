"""Text files: the checks before reading, physical lines, and how a problem is located.

A line number is always a *physical* line of the file (what an editor shows):
a quoted CSV cell holding a newline makes the rows after it start further down.
Encoding: UTF-8, with or without a byte-order mark. Anything else is refused
with the line of the first bad byte (no guessing at Windows-1252: a wrong guess
would store wrong names silently); a bad byte past the first block read is a
problem of its own line, so the rest of the file can still be checked.
"""

from __future__ import annotations

import codecs
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Iterator

from ordercli.errors import InputError

CHUNK = 64 * 1024  # the block checked before reading, and the read size of streamed formats
MAX_LINE_BYTES = 16 * 1024 * 1024  # one physical line at most

UTF8_HINT = "Save the file as UTF-8 (in a spreadsheet: CSV UTF-8) and try again; nothing was written."


@dataclass
class FileProblem:
    """One thing wrong in a file, at a physical line (0 = the file as a whole) and maybe a column."""

    line: int
    message: str
    hint: str | None = None
    column: str | None = None
    column_label: str = "column"  # "field" for a JSON path
    code: str | None = None  # a service's refusal as a fact (errors.OrderCliError.code); the CLI words its hint
    facts: dict = field(default_factory=dict)

    def context(self) -> str:
        """What goes between the line and the column (an order's reference, for orders)."""
        return ""

    def where(self, file: str | None = None) -> str:
        parts = []
        if file:
            parts.append(repr(file))
        parts.append(f"line {self.line}" if self.line else ("" if file else "file"))
        text = " ".join(p for p in parts if p) + self.context()
        if self.column:
            text += f", {self.column_label} {self.column}"
        return text

    def text(self, file: str | None = None) -> str:
        """``'orders.csv' line 7, column quantity: Invalid quantity '-1'…`` — the same for every import."""
        return f"{self.where(file)}: {self.message}"


@dataclass
class TextFile:
    path: Path
    shown: str  # the path as the user gave it
    size: int
    mtime_ns: int
    head: bytes  # the first CHUNK bytes, BOM removed

    def changed(self) -> bool:
        try:
            st = self.path.stat()
        except OSError:
            return True
        return st.st_size != self.size or st.st_mtime_ns != self.mtime_ns


def looks_binary(sample: bytes) -> bool:
    if b"\x00" in sample:
        return True
    controls = sum(1 for b in sample if b < 32 and b not in (9, 10, 12, 13))
    return controls > max(4, len(sample) // 100)


def open_text(path: str | Path, *, kinds: str, empty_hint: str, regular_hint: str | None = None) -> TextFile:
    """Check that ``path`` is a readable, non-empty UTF-8 text file; raise a one-line InputError if not.

    ``kinds`` names what is expected ("a CSV file", "a CSV, JSON or JSONL file").
    """
    p = Path(path).expanduser()
    shown = str(path)
    try:
        st = p.stat()
    except FileNotFoundError:
        raise InputError(f"File not found: {shown!r}.", "Check the path.") from None
    except PermissionError:
        raise InputError(f"Cannot read {shown!r}: permission denied.", "Check the file's permissions.") from None
    if stat.S_ISDIR(st.st_mode):
        raise InputError(f"{shown!r} is a folder.", f"Give {kinds}.")
    if not stat.S_ISREG(st.st_mode):
        raise InputError(f"{shown!r} is not a regular file.", regular_hint or "Save it to a file first.")
    try:
        with open(p, "rb") as f:
            head = f.read(CHUNK)
    except PermissionError:
        raise InputError(f"Cannot read {shown!r}: permission denied.", "Check the file's permissions.") from None
    except OSError as e:
        raise InputError(f"Cannot read {shown!r}: {e.strerror}.", "Check the path.") from None
    body = head[3:] if head.startswith(codecs.BOM_UTF8) else head
    if not body.strip():
        raise InputError(f"{shown!r} is empty.", empty_hint)
    if looks_binary(body[:8192]):
        raise InputError(f"{shown!r} is not a text file.", f"Give {kinds}; save spreadsheets as CSV UTF-8.")
    try:
        body.decode("utf-8")
    except UnicodeDecodeError as e:
        if e.start < len(body) - 4 or len(head) < CHUNK:  # not just a character cut by the block's end
            line = body[: e.start].count(b"\n") + 1
            raise InputError(
                f"{shown!r} line {line}: not UTF-8 text (byte 0x{body[e.start]:02x}; the file looks like Latin-1 / Windows-1252).",
                UTF8_HINT,
            ) from None
    return TextFile(path=p, shown=shown, size=st.st_size, mtime_ns=st.st_mtime_ns, head=body)


class PhysicalLines:
    """A binary stream as decoded text lines, numbered from 1 as the file's physical lines.

    A line that is not UTF-8 (or holds NUL bytes) is still given (with U+FFFD),
    and noted in :attr:`bad` (line -> message) for the reader to report. A line
    longer than MAX_LINE_BYTES ends the read; :attr:`too_long` holds its number.
    """

    def __init__(self, f: BinaryIO):
        self.f = f
        self.line_no = 0
        self.pos = 0  # bytes read
        self.bad: dict[int, str] = {}
        self.too_long: int | None = None

    def __iter__(self) -> Iterator[str]:
        first = True
        while True:
            raw = self.f.readline(MAX_LINE_BYTES + 1)
            if not raw:
                return
            self.line_no += 1
            self.pos += len(raw)
            if len(raw) > MAX_LINE_BYTES and not raw.endswith(b"\n"):
                self.too_long = self.line_no
                return
            if first:
                first = False
                if raw.startswith(codecs.BOM_UTF8):
                    raw = raw[3:]
            if b"\x00" in raw:
                self.bad[self.line_no] = "binary data (NUL bytes) in the line"
                raw = raw.replace(b"\x00", b"")
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as e:
                self.bad[self.line_no] = f"not UTF-8 text (byte 0x{raw[e.start]:02x} at character {len(raw[: e.start].decode('utf-8', 'replace')) + 1})"
                text = raw.decode("utf-8", "replace")
            yield text

    def too_long_problem(self) -> FileProblem | None:
        if self.too_long is None:
            return None
        return FileProblem(self.too_long, f"the line is longer than {MAX_LINE_BYTES // (1024 * 1024)} MB; the rest of the file was not read.", "Shorten it; notes take at most 2,000 characters.")
