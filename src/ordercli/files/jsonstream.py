"""JSON arrays streamed one element at a time, and JSONL, each value with its physical line.

Parsing is ijson's (yajl when its C backend is installed). The file is fed to
the parser one physical line at a time (a very long line in blocks of
``CHUNK``), so every parser event is known to come from the line just fed:
that gives each element the line it starts on, and a syntax error the line it
is on, without a parser of our own. Memory holds one element at a time.

Numbers come as ``int`` or ``Decimal`` (never ``float``: "18.50" stays exact).
``NaN`` and ``Infinity`` are not JSON and are syntax errors.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass
from typing import Any, BinaryIO, Iterator

import ijson

from ordercli.files.text import CHUNK, MAX_LINE_BYTES, UTF8_HINT, FileProblem, PhysicalLines
from ordercli.i18n import N_, _

MAX_ELEMENT_BYTES = MAX_LINE_BYTES  # one element of the array at most
SYNTAX_HINT = N_("Fix the JSON at that line (a JSON validator shows the exact spot) and try again.")  # shown as _(SYNTAX_HINT)


@dataclass
class JsonValue:
    line: int  # the physical line the value starts on
    value: Any = None
    problem: FileProblem | None = None  # JSONL: this line is not a JSON value
    pos: int = 0  # bytes read so far (for progress)


class JsonFileError(Exception):
    """The file cannot be read past :attr:`problem` (a syntax error, an unclosed array…)."""

    def __init__(self, problem: FileProblem, pos: int = 0):
        super().__init__(problem.message)
        self.problem = problem
        self.pos = pos


class NotAnArray(Exception):
    """The file's top-level value is not an array (``found``: ``object`` or ``other``)."""

    def __init__(self, line: int, found: str):
        super().__init__(found)
        self.line = line
        self.found = found


def _reason(e: Exception) -> str:
    """The parser's own words, first line only ("parse error: after key and value, inside map, I expect ',' or '}'")."""
    text = str(e)
    if text.startswith(("b'", 'b"')):  # yajl's byte-string messages
        text = text[2:-1].encode().decode("unicode_escape", "replace")
    first = text.strip().splitlines()[0] if text.strip() else type(e).__name__
    return first.rstrip(". ")


def _blocks(f: BinaryIO) -> Iterator[bytes]:
    """The file in pieces of at most CHUNK bytes, each inside one physical line (ending at its newline or before)."""
    first = True
    while True:
        b = f.readline(CHUNK)
        if not b:
            return
        if first:
            first = False
            if b.startswith(codecs.BOM_UTF8):
                b = b[3:]
        yield b


def iter_json_array(f: BinaryIO) -> Iterator[JsonValue]:
    """The elements of the file's top-level array, in order.

    Raises :class:`NotAnArray` before the first element if the file is not an
    array, and :class:`JsonFileError` where the file stops being readable
    (after yielding every element before that point).
    """
    events = ijson.sendable_list()
    parser = ijson.basic_parse_coro(events)
    utf8 = codecs.getincrementaldecoder("utf-8")()
    line, pos = 1, 0
    state = "before"  # before | in | after (the top-level array)
    depth = 0  # nesting inside the current element
    builder: ijson.ObjectBuilder | None = None
    start_line = start_pos = 0

    def stop(message: str, hint: str, at: int | None = None) -> JsonFileError:
        return JsonFileError(FileProblem(at or line, _("%(problem)s; the rest of the file was not read.") % {"problem": message}, hint), pos)

    def handle() -> Iterator[JsonValue]:
        nonlocal state, depth, builder, start_line, start_pos
        for ev, val in events:
            if state == "before":
                if ev != "start_array":
                    raise NotAnArray(line, "object" if ev == "start_map" else "other")
                state = "in"
            elif builder is None:
                if ev == "end_array":
                    state = "after"
                elif ev in ("start_map", "start_array"):
                    builder, depth, start_line, start_pos = ijson.ObjectBuilder(), 1, line, pos
                    builder.event(ev, val)
                else:  # a scalar element (the caller says it is not an order)
                    yield JsonValue(line, val, pos=pos)
            else:
                builder.event(ev, val)
                if ev in ("start_map", "start_array"):
                    depth += 1
                elif ev in ("end_map", "end_array"):
                    depth -= 1
                    if depth == 0:
                        value, builder = builder.value, None
                        yield JsonValue(start_line, value, pos=pos)
        del events[:]

    for block in _blocks(f):
        pos += len(block)
        try:
            utf8.decode(block)
        except UnicodeDecodeError as e:
            raise stop(_("not UTF-8 text (the file looks like Latin-1 / Windows-1252)"), _(UTF8_HINT), line + block[: max(e.start, 0)].count(b"\n")) from None
        error = None
        try:
            parser.send(block)
        except ijson.JSONError as e:
            error = e
        yield from handle()  # the events before an error still count
        if error is not None:
            if state == "before":
                raise NotAnArray(line, "other")
            raise stop(_("invalid JSON: %(reason)s") % {"reason": _reason(error)}, _(SYNTAX_HINT))
        if builder is not None and pos - start_pos > MAX_ELEMENT_BYTES:
            raise stop(
                _("the element starting at line %(line)s is larger than %(size)s MB") % {"line": start_line, "size": MAX_ELEMENT_BYTES // (1024 * 1024)},
                _("Split it; notes take at most 2,000 characters."),
                start_line,
            )
        if block.endswith(b"\n"):
            line += 1
    try:
        utf8.decode(b"", final=True)
        parser.close()
    except UnicodeDecodeError:
        raise stop(_("not UTF-8 text (the file ends inside a character)"), _(UTF8_HINT)) from None
    except ijson.JSONError as e:
        if state == "before":
            raise NotAnArray(line, "other") from None
        if state == "in":
            raise stop(_("the JSON array is not closed (missing ']')"), _("Check that the file is complete.")) from None
        raise stop(_("invalid JSON: %(reason)s") % {"reason": _reason(e)}, _(SYNTAX_HINT)) from None
    yield from handle()
    if state == "before":
        raise NotAnArray(line, "other")


def parse_value(data: bytes) -> Any:
    """One complete JSON value (a JSONL line), parsed like the array's elements; ijson.JSONError if it is not one."""
    events = ijson.sendable_list()
    parser = ijson.basic_parse_coro(events)
    parser.send(data)
    parser.close()
    builder = ijson.ObjectBuilder()
    for ev, val in events:
        builder.event(ev, val)
    return builder.value


def iter_json_lines(f: BinaryIO) -> Iterator[JsonValue]:
    """JSONL: one value per non-blank line; a line that is not one is a JsonValue with a problem (the read goes on)."""
    lines = PhysicalLines(f)
    for text in lines:
        n = lines.line_no
        if n in lines.bad:
            yield JsonValue(n, problem=FileProblem(n, lines.bad.pop(n) + ".", _(UTF8_HINT)), pos=lines.pos)
            continue
        s = text.strip()
        if not s:
            continue
        try:
            value = parse_value(s.encode("utf-8"))
        except ijson.JSONError as e:
            yield JsonValue(n, problem=FileProblem(n, _("invalid JSON: %(reason)s.") % {"reason": _reason(e)}, _("Write one JSON object per line.")), pos=lines.pos)
            continue
        yield JsonValue(n, value, pos=lines.pos)
    p = lines.too_long_problem()
    if p is not None:
        raise JsonFileError(p, lines.pos)
