"""The one terminal sanitizer: every string that comes from a server or a file passes it before a
terminal shows it, in the TUI and in the CLI's text and markdown output.

A name like ``t\\x1b]0;pwned\\x07`` must not set the window title, ``\\x1b[2J`` must not clear the screen,
a U+202E must not turn the rest of a line around, and a newline in a table name must not break its tree
row. So the code points a terminal acts on or hides are written as visible escapes:

- C0 controls, DEL and C1 controls (ESC, BEL, CSI…) → ``\\x1b``, ``\\x9b``;
- Unicode format characters (bidi embeddings, overrides and isolates U+202A–U+202E/U+2066–U+2069, marks,
  zero-width characters, the BOM, tags), the line and paragraph separators, lone surrogates (a name that
  was not UTF-8) → ``\\u202e``, ``\\udcff``, ``\\U000e0041``.

Two shapes:

- :func:`line` for one-line text (names, values, titles): a newline is ``↵``, a tab ``\\t``, a carriage
  return ``\\r``. It is unambiguous: a backslash that could be read as the start of an escape is doubled
  and a literal ``↵`` is written ``\\u21b5``, so :func:`unescape_line` gives the original back. Text with
  nothing to escape comes back unchanged.
- :func:`block` for multi-line text (SQL, DDL, plan text, messages): newlines stay, ``\\r\\n`` becomes a
  newline, tabs become spaces, backslashes stay as they are (SQL reads as typed), the rest is escaped as
  above. Applying it twice changes nothing.

Editors (a ``TextArea`` showing a statement or DDL that can be selected and copied exactly) use
:func:`pictures` on what they paint instead: one visible character per code point (``␛``, ``�``).

All are linear in the text's length (one regular-expression pass) and return the same object when
there is nothing to change, so a 4 MB plan costs one scan.
"""

from __future__ import annotations

import re

NEWLINE_MARK = "↵"
TAB_SIZE = 4

# Every code point of the general categories Cc, Cf, Zl, Zp and Cs (Unicode 15.1, Python 3.11–3.13);
# tests/unit/test_termsafe.py checks this class against the running unicodedata.
_NOT_NEWLINE_CLASS = (
    "\x00-\x09\x0b-\x1f\x7f-\x9f\xad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e\u200b-\u200f"
    "\u2028-\u202e\u2060-\u2064\u2066-\u206f\ud800-\udfff\ufeff\ufff9-\ufffb\U000110bd\U000110cd"
    "\U00013430-\U0001343f\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0001\U000e0020-\U000e007f"
)
_UNSAFE_CLASS = "\n" + _NOT_NEWLINE_CLASS
_UNSAFE = re.compile(f"[{_UNSAFE_CLASS}]")
_BLOCK = re.compile(f"[{_NOT_NEWLINE_CLASS}]")
# One-line text: also a literal ↵, and a backslash that an escape could follow (so it reads as one).
_LINE = re.compile(f"\\\\(?=[\\\\xuUtr{_UNSAFE_CLASS}{NEWLINE_MARK}])|[{_UNSAFE_CLASS}{NEWLINE_MARK}]")
_LINE_ESCAPE = re.compile(r"\\(\\|x[0-9a-f]{2}|u[0-9a-f]{4}|U[0-9a-f]{8}|t|r)|" + NEWLINE_MARK)
_SHORT = {"\t": "\\t", "\r": "\\r", "\n": NEWLINE_MARK, "\\": "\\\\"}
_SHORT_BACK = {"t": "\t", "r": "\r", "\\": "\\"}


def escape_char(char: str) -> str:
    """The visible escape of one code point: ``\\x1b``, ``\\u202e``, ``\\U000e0041``."""
    code = ord(char)
    if code <= 0xFF:
        return f"\\x{code:02x}"
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def pieces(text: str, *, multiline: bool = False) -> list[tuple[str, bool]]:
    """``text`` cut into ``(piece, is_escape)`` pairs whose concatenation is :func:`line` (or
    :func:`block` when ``multiline``); the TUI styles the escapes so they stand apart from the text."""
    if multiline:
        text = text.replace("\r\n", "\n")
    out: list[tuple[str, bool]] = []
    column = 0  # in the output, for tab stops
    start = 0
    for match in (_BLOCK if multiline else _LINE).finditer(text):
        if match.start() > start:
            out.append((text[start : match.start()], False))
            column = _advance(column, text[start : match.start()])
        start = match.end()
        char = match.group()
        if multiline and char == "\t":
            out.append((" " * (TAB_SIZE - column % TAB_SIZE), False))
        elif multiline:
            out.append((escape_char(char), True))
        else:
            out.append((_SHORT.get(char) or escape_char(char), char != "\\"))
        column = _advance(column, out[-1][0])
    if start < len(text):
        out.append((text[start:], False))
    return out


def _advance(column: int, piece: str) -> int:
    newline = piece.rfind("\n")
    return column + len(piece) if newline < 0 else len(piece) - newline - 1


def line(text: str) -> str:
    """``text`` for one line of a terminal: controls and format characters as visible escapes, a
    newline as ``↵``, a tab as ``\\t``. Reversible with :func:`unescape_line`."""
    if not _LINE.search(text):
        return text
    return "".join(piece for piece, _ in pieces(text))


def block(text: str) -> str:
    """``text`` for several lines of a terminal: newlines kept (``\\r\\n`` → newline), tabs as spaces,
    every other control or format character as a visible escape; backslashes untouched."""
    if not _BLOCK.search(text):
        return text
    return "".join(piece for piece, _ in pieces(text, multiline=True))


_PICTURES = {chr(code): chr(0x2400 + code) for code in range(0x20)} | {"\x7f": "\u2421"}


def _picture_one(match: re.Match[str]) -> str:
    return _PICTURES.get(match.group(), "\ufffd")


def pictures(text: str) -> str:
    """``text`` with each control or format character replaced by ONE visible character (``␛`` for
    ESC, ``␊`` for a newline, ``�`` for C1 and format characters): for editors, whose cursor
    arithmetic needs one code point per code point; the document itself keeps the real text."""
    if not _UNSAFE.search(text):
        return text
    return _UNSAFE.sub(_picture_one, text)


def _json_one(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    code -= 0x10000
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"


def json_text(text: str) -> str:
    """JSON text (as ``json.dumps(..., ensure_ascii=False)`` writes it) with DEL, C1, format characters
    and lone surrogates as ``\\uXXXX`` escapes: the same JSON value, nothing a terminal acts on. The
    newlines and spaces of indentation are structure and stay; ``json.dumps`` escapes C0 in strings."""
    if not _BLOCK.search(text):
        return text
    return _BLOCK.sub(_json_one, text)


def is_safe(text: str) -> bool:
    """True when ``text`` has no control or format character a terminal would act on (newlines count)."""
    return not _UNSAFE.search(text)


def shortened(text: str, width: int) -> str:
    """:func:`line`, cut to ``width`` characters with an ellipsis: a name or path in a one-line message."""
    shown = line(text)
    return shown if len(shown) <= width else shown[: width - 1] + "…"


def value(obj: object) -> str:
    """Any value for one line: ``str(obj)`` through :func:`line`."""
    return line(obj if isinstance(obj, str) else str(obj))


def _unescape_one(match: re.Match[str]) -> str:
    body = match.group(1)
    if body is None:
        return "\n"
    if body in _SHORT_BACK:
        return _SHORT_BACK[body]
    return chr(int(body[1:], 16))


def unescape_line(text: str) -> str:
    """The inverse of :func:`line`: ``unescape_line(line(s)) == s`` for every string ``s``."""
    return _LINE_ESCAPE.sub(_unescape_one, text)
