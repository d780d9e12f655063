"""Text files: the checks before reading, physical lines, and how a problem is located.

A line number is always a *physical* line of the file (what an editor shows):
a quoted CSV cell holding a newline makes the rows after it start further down.

Encoding (:func:`detect_encoding`, the whole file is read once, strictly): UTF-8 with or
without a byte-order mark; else Windows-1252 (what French Excel saves as "CSV") when the file
holds no valid UTF-8 sequence at all and decodes as Windows-1252 without a C1 control; else
Latin-1 under the same test. A file that mixes valid UTF-8 with bad bytes is UTF-8 with damaged
lines: each bad line is a problem of its own, so the rest of the file can still be checked (a
guess there would store wrong names silently). ``--encoding`` (``open_text(encoding=…)``) skips
the guess. A detected encoding other than UTF-8 is told to the person through the reporter the
CLI installs (:func:`set_encoding_reporter`); the readers (:class:`PhysicalLines`) find the
encoding of the file they read by its path.
"""

from __future__ import annotations

import codecs
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Callable, Iterator

from ordercli.errors import InputError
from ordercli.i18n import N_, _

CHUNK = 64 * 1024  # the block checked before reading, and the read size of streamed formats
MAX_LINE_BYTES = 16 * 1024 * 1024  # one physical line at most

#: Marked only: the screen's language is known when the hint is shown, ``_(UTF8_HINT)``.
UTF8_HINT = N_("Save the file as UTF-8 (in a spreadsheet: CSV UTF-8) and try again, or name its encoding with --encoding; nothing was written.")

#: Encodings found (or given) for files opened by :func:`open_text`: (path, size, mtime_ns) -> codec name.
_ENCODINGS: dict[tuple[str, int, int], str] = {}
_reporter: Callable[[str, str], None] | None = None

NAMES = {"utf-8": "UTF-8", "cp1252": "Windows-1252", "latin-1": "Latin-1 (ISO-8859-1)"}


def set_encoding_reporter(fn: Callable[[str, str], None] | None) -> None:
    """``fn(shown, encoding name)`` is called when a file is read in an encoding other than UTF-8."""
    global _reporter
    _reporter = fn


def _c1_free(text: str) -> bool:
    return not any("\x80" <= ch <= "\x9f" for ch in text)


def detect_encoding(f: BinaryIO) -> str:
    """``utf-8``, ``cp1252`` or ``latin-1`` for the bytes of ``f`` (read to the end, BOM allowed)."""
    dec = codecs.getincrementaldecoder("utf-8")(errors="surrogateescape")
    bad = good = 0
    first = True
    while True:
        block = f.read(CHUNK)
        if first and block.startswith(codecs.BOM_UTF8):
            return "utf-8"
        first = False
        for ch in dec.decode(block, final=not block):
            if ch > "\x7f":
                if "\udc80" <= ch <= "\udcff":
                    bad += 1
                else:
                    good += 1
        if good and bad:
            return "utf-8"  # valid UTF-8 with damaged bytes: the lines say where
        if not block:
            break
    if not bad:
        return "utf-8"
    # No valid UTF-8 sequence and some high bytes: an 8-bit Western file, or not text at all.
    for enc in ("cp1252", "latin-1"):
        f.seek(0)
        dec8 = codecs.getincrementaldecoder(enc)(errors="strict")
        try:
            while True:
                block = f.read(CHUNK)
                if not _c1_free(dec8.decode(block, final=not block)):
                    break
                if not block:
                    return enc
        except UnicodeDecodeError:  # 0x81 0x8d 0x8f 0x90 0x9d have no character in Windows-1252
            continue
    return "utf-8"  # neither: read as UTF-8, the bad lines are problems of their own


def encoding_of(f: BinaryIO) -> str:
    """The encoding :func:`open_text` settled for the file ``f`` was opened from (else UTF-8)."""
    name = getattr(f, "name", None)
    if isinstance(name, str):
        try:
            st = Path(name).stat()
        except OSError:
            return "utf-8"
        return _ENCODINGS.get((str(Path(name).resolve()), st.st_size, st.st_mtime_ns), "utf-8")
    return "utf-8"


def check_encoding_name(name: str) -> str:
    """``--encoding`` as typed -> a codec name (``cp1252``, ``latin-1``, ``utf-8``…)."""
    try:
        codec = codecs.lookup(name.strip())
    except LookupError:
        raise InputError(_("Unknown encoding %(name)s.") % {"name": repr(name)}, _("Use utf-8, cp1252 (Windows-1252, French Excel) or latin-1.")) from None
    try:  # files are read line by line: the encoding must write a header's ASCII as ASCII (not UTF-16/32, rot13…)
        line_safe = "sku,name\n".encode(codec.name) == b"sku,name\n"
    except (LookupError, TypeError, ValueError, UnicodeError):
        line_safe = False
    if not line_safe:
        raise InputError(
            _("Encoding %(name)s cannot be read line by line.") % {"name": repr(name.strip())},
            _("Use utf-8, cp1252 (Windows-1252, French Excel) or latin-1."),
            code="file.encoding_not_line",
        )
    return {"utf_8": "utf-8", "iso8859-1": "latin-1", "latin_1": "latin-1"}.get(codec.name, codec.name)


@dataclass
class FileProblem:
    """One thing wrong in a file, at a physical line (0 = the file as a whole) and maybe a column."""

    line: int
    message: str
    hint: str | None = None
    column: str | None = None
    column_label: str = "column"  # "field" for a JSON path (English: translated in where())
    code: str | None = None  # a service's refusal as a fact (errors.OrderCliError.code); the CLI words its hint
    facts: dict = field(default_factory=dict)

    def context(self) -> str:
        """What goes between the line and the column (an order's reference, for orders)."""
        return ""

    def where(self, file: str | None = None) -> str:
        parts = []
        if file:
            parts.append(repr(file))
        parts.append(_("line %(line)s") % {"line": self.line} if self.line else ("" if file else _("file")))
        text = " ".join(p for p in parts if p) + self.context()
        if self.column:
            text += ", " + _("%(label)s %(column)s") % {"label": _(self.column_label), "column": self.column}
        return text

    COLUMN_LABELS = (N_("column"), N_("field"))

    def text(self, file: str | None = None) -> str:
        """``'orders.csv' line 7, column quantity: Invalid quantity '-1'…`` — the same for every import."""
        return _("%(where)s: %(problem)s") % {"where": self.where(file), "problem": self.message}


@dataclass
class TextFile:
    path: Path
    shown: str  # the path as the user gave it
    size: int
    mtime_ns: int
    head: bytes  # the first CHUNK bytes, BOM removed
    encoding: str = "utf-8"  # settled by open_text: utf-8, cp1252, latin-1 or what --encoding named

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


#: What the importers expect (``open_text(kinds=...)``), marked here and translated where shown.
KINDS = (N_("a CSV file"), N_("a CSV, JSON or JSONL file"))


def open_text(path: str | Path, *, kinds: str, empty_hint: str, regular_hint: str | None = None, encoding: str | None = None) -> TextFile:
    """Check that ``path`` is a readable, non-empty text file and settle its encoding (``encoding``
    when given, else :func:`detect_encoding`); raise a one-line InputError if not.

    ``kinds`` names what is expected ("a CSV file", "a CSV, JSON or JSONL file").
    """
    given = check_encoding_name(encoding) if encoding else None  # a bad --encoding is refused whatever the file
    p = Path(path).expanduser()
    shown = str(path)
    try:
        st = p.stat()
    except FileNotFoundError:
        raise InputError(_("File not found: %(file)s.") % {"file": repr(shown)}, _("Check the path.")) from None
    except PermissionError:
        raise InputError(_("Cannot read %(file)s: permission denied.") % {"file": repr(shown)}, _("Check the file's permissions.")) from None
    if stat.S_ISDIR(st.st_mode):
        raise InputError(_("%(file)s is a folder.") % {"file": repr(shown)}, _("Give %(kinds)s.") % {"kinds": _(kinds)})
    if not stat.S_ISREG(st.st_mode):
        raise InputError(_("%(file)s is not a regular file.") % {"file": repr(shown)}, regular_hint or _("Save it to a file first."))
    try:
        with open(p, "rb") as f:
            head = f.read(CHUNK)
    except PermissionError:
        raise InputError(_("Cannot read %(file)s: permission denied.") % {"file": repr(shown)}, _("Check the file's permissions.")) from None
    except OSError as e:
        raise InputError(_("Cannot read %(file)s: %(error)s.") % {"file": repr(shown), "error": e.strerror}, _("Check the path.")) from None
    body = head[3:] if head.startswith(codecs.BOM_UTF8) else head
    if not body.strip():
        raise InputError(_("%(file)s is empty.") % {"file": repr(shown)}, empty_hint)
    if looks_binary(body[:8192]):
        raise InputError(_("%(file)s is not a text file.") % {"file": repr(shown)}, _("Give %(kinds)s; save spreadsheets as CSV UTF-8.") % {"kinds": _(kinds)})
    if given:
        enc = given
    else:
        try:
            with open(p, "rb") as f:
                enc = detect_encoding(f)
        except OSError as e:
            raise InputError(_("Cannot read %(file)s: %(error)s.") % {"file": repr(shown), "error": e.strerror}, _("Check the path.")) from None
    _ENCODINGS[(str(p.resolve()), st.st_size, st.st_mtime_ns)] = enc
    if enc != "utf-8":
        if _reporter is not None and not encoding:
            _reporter(shown, NAMES.get(enc, enc))
        return TextFile(path=p, shown=shown, size=st.st_size, mtime_ns=st.st_mtime_ns, head=body, encoding=enc)
    try:
        body.decode("utf-8")
    except UnicodeDecodeError as e:
        if e.start < len(body) - 4 or len(head) < CHUNK:  # not just a character cut by the block's end
            line = body[: e.start].count(b"\n") + 1
            raise InputError(
                _("%(file)s line %(line)s: not UTF-8 text (byte 0x%(byte)s; the file looks like Latin-1 / Windows-1252).")
                % {"file": repr(shown), "line": line, "byte": f"{body[e.start]:02x}"},
                _(UTF8_HINT),
            ) from None
    return TextFile(path=p, shown=shown, size=st.st_size, mtime_ns=st.st_mtime_ns, head=body)


class PhysicalLines:
    """A binary stream as decoded text lines, numbered from 1 as the file's physical lines.

    A line that is not UTF-8 (or holds NUL bytes) is still given (with U+FFFD),
    and noted in :attr:`bad` (line -> message) for the reader to report. A line
    longer than MAX_LINE_BYTES ends the read; :attr:`too_long` holds its number.
    """

    def __init__(self, f: BinaryIO, encoding: str | None = None):
        self.f = f
        self.encoding = encoding or encoding_of(f)
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
                self.bad[self.line_no] = _("binary data (NUL bytes) in the line")
                raw = raw.replace(b"\x00", b"")
            if self.encoding != "utf-8":
                yield raw.decode(self.encoding, "replace")
                continue
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as e:
                self.bad[self.line_no] = _("not UTF-8 text (byte 0x%(byte)s at character %(position)s)") % {
                    "byte": f"{raw[e.start]:02x}",
                    "position": len(raw[: e.start].decode("utf-8", "replace")) + 1,
                }
                text = raw.decode("utf-8", "replace")
            yield text

    def too_long_problem(self) -> FileProblem | None:
        if self.too_long is None:
            return None
        return FileProblem(
            self.too_long,
            _("the line is longer than %(size)s MB; the rest of the file was not read.") % {"size": MAX_LINE_BYTES // (1024 * 1024)},
            _("Shorten it; notes take at most 2,000 characters."),
        )
