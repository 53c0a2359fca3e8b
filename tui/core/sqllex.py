"""SQL text as each engine's server reads it: tokens and statement boundaries.

One hand-written, linear-time lexer for PostgreSQL and MySQL/MariaDB, driven by the settings that change
how the server reads text (``LexSettings``):

- PostgreSQL: ``'…'`` with ``''`` (and backslash escapes when ``standard_conforming_strings`` is off),
  ``E'…'`` always with backslash escapes, ``U&'…'``/``U&"…"``, ``"…"`` identifiers, ``$tag$…$tag$`` dollar
  quotes (a ``$`` inside a name such as ``a$b`` starts none), ``$1`` parameters, ``--`` comments and
  nested ``/* /* */ */`` comments. ``#`` is an operator, not a comment.
- MySQL/MariaDB: ``'…'`` and ``"…"`` strings (``"…"`` is an identifier under ``ANSI_QUOTES``), backslash
  escapes unless ``NO_BACKSLASH_ESCAPES``, backtick identifiers, ``#`` and ``-- `` comments, ``/* */``
  comments, and executable comments (``/*! … */``, ``/*!50001 … */``, MariaDB's ``/*M! … */``) whose
  text is read as code, since the server runs it.

``split`` cuts a text into statements at the semicolons the server would see; ``tokenize`` gives the
tokens. Text that ends inside a quote or comment is marked ``incomplete``: the server refuses it, and
callers treat it as unclassifiable. The lexer never backtracks: every character is looked at a bounded
number of times.
"""

from __future__ import annotations

from dataclasses import dataclass, field

POSTGRES = "postgres"
MYSQL = "mysql"


@dataclass(frozen=True, slots=True)
class LexSettings:
    """What changes how the server reads SQL text."""

    family: str = POSTGRES  # "postgres" or "mysql"
    standard_conforming_strings: bool = True  # PostgreSQL: '\' is an ordinary character in '…'
    ansi_quotes: bool = False  # MySQL sql_mode ANSI_QUOTES: "…" is an identifier
    no_backslash_escapes: bool = False  # MySQL sql_mode NO_BACKSLASH_ESCAPES

    @classmethod
    def for_mysql_mode(cls, sql_mode: str) -> LexSettings:
        """The settings that a MySQL/MariaDB ``@@sql_mode`` value implies (ANSI includes ANSI_QUOTES)."""
        modes = {m.strip().upper() for m in (sql_mode or "").split(",")}
        return cls(
            family=MYSQL,
            ansi_quotes=bool(modes & {"ANSI_QUOTES", "ANSI"}),
            no_backslash_escapes="NO_BACKSLASH_ESCAPES" in modes,
        )


@dataclass(frozen=True, slots=True)
class Token:
    kind: str  # word, ident, string, number, param, variable, op, ";", "(", ")", ",", "."
    text: str  # the source text
    value: str  # word: lower case; ident: the name unquoted; string: the body (escapes kept as typed)
    start: int
    end: int


@dataclass(slots=True)
class Piece:
    """One statement: its text (without the terminating ``;``), offsets and tokens."""

    text: str
    start: int
    end: int  # one past the terminating ';' (or the text's end)
    tokens: list[Token] = field(default_factory=list)

    @property
    def words(self) -> list[str]:
        return [t.value for t in self.tokens if t.kind == "word"]

    @property
    def head(self) -> str:
        for t in self.tokens:
            if t.kind == "word":
                return t.value
            if t.kind != "(":
                return ""
        return ""


@dataclass(slots=True)
class Lexed:
    tokens: list[Token]
    incomplete: str = ""  # what the text ends inside ("a string", "a comment"…), "" when complete


_NAME_START = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_")
_DIGITS = frozenset("0123456789")
_SPACE = frozenset(" \t\r\n\f\v")
_PUNCT = {";": ";", "(": "(", ")": ")", ",": ",", ".": "."}


def _name_start(ch: str) -> bool:
    return ch in _NAME_START or ord(ch) >= 0x80


def _name_char(ch: str, family: str) -> bool:
    return ch in _NAME_START or ch in _DIGITS or ch == "$" or ord(ch) >= 0x80


def tokenize(text: str, settings: LexSettings | None = None) -> Lexed:
    """The tokens of ``text`` (comments dropped, executable MySQL comments read as code)."""
    lexer = _Lexer(text, settings or LexSettings())
    lexer.run(0, len(text))
    return Lexed(lexer.tokens, lexer.incomplete)


def split(text: str, settings: LexSettings | None = None) -> tuple[list[Piece], str]:
    """The statements of ``text`` as the server would cut them, and the ``incomplete`` marker. Empty
    statements (``;;``, a lone comment) are dropped."""
    lexed = tokenize(text, settings)
    pieces: list[Piece] = []
    current: list[Token] = []
    start = 0
    for token in lexed.tokens:
        if token.kind == ";":
            _close(pieces, text, current, start, token.end, token.start)
            current, start = [], token.end
        else:
            current.append(token)
    _close(pieces, text, current, start, len(text), len(text))
    return pieces, lexed.incomplete


def _close(pieces: list[Piece], text: str, tokens: list[Token], start: int, end: int, stop: int) -> None:
    if not tokens:
        return
    # The text from the end of the previous statement: a comment before a statement is the server's to
    # read too (an executable MySQL comment may be all there is).
    body = text[start:stop]
    lead = len(body) - len(body.lstrip())
    pieces.append(Piece(body.strip(), start + lead, end, tokens))


class _Lexer:
    def __init__(self, text: str, settings: LexSettings) -> None:
        self.s = text
        self.cfg = settings
        self.pg = settings.family != MYSQL
        self.tokens: list[Token] = []
        self.incomplete = ""

    def add(self, kind: str, start: int, end: int, value: str | None = None) -> None:
        raw = self.s[start:end]
        self.tokens.append(Token(kind, raw, raw if value is None else value, start, end))

    def run(self, i: int, n: int) -> None:
        s = self.s
        while i < n:
            ch = s[i]
            if ch in _SPACE:
                i += 1
            elif (ch == "-" and s.startswith("--", i) and (self.pg or self._mysql_dash_comment(i, n))) or (
                ch == "#" and not self.pg
            ):
                i = self._line_end(i, n)
            elif ch == "/" and s.startswith("/*", i):
                i = self._comment(i, n)
            elif ch == "'":
                i = self._quoted(i, i, n, "'", "string", self._backslashes("'"))
            elif ch == '"':
                kind = "ident" if self.pg or self.cfg.ansi_quotes else "string"
                i = self._quoted(i, i, n, '"', kind, kind == "string" and not self.cfg.no_backslash_escapes)
            elif ch == "`" and not self.pg:
                i = self._quoted(i, i, n, "`", "ident", False)
            elif ch == "$" and self.pg:
                i = self._dollar(i, n)
            elif _name_start(ch):
                i = self._word(i, n)
            elif ch in _DIGITS or (ch == "." and i + 1 < n and s[i + 1] in _DIGITS):
                i = self._number(i, n)
            elif ch in _PUNCT:
                self.add(_PUNCT[ch], i, i + 1)
                i += 1
            elif ch == "@" and not self.pg:
                i = self._variable(i, n)
            elif ch == "?" and not self.pg:
                self.add("param", i, i + 1)
                i += 1
            else:
                self.add("op", i, i + 1)
                i += 1

    # -- pieces ------------------------------------------------------------------------------------
    def _line_end(self, i: int, n: int) -> int:
        nl = self.s.find("\n", i, n)
        return n if nl < 0 else nl + 1

    def _mysql_dash_comment(self, i: int, n: int) -> bool:
        # "-- " starts a comment only when a space or control character follows (MySQL's rule).
        return i + 2 >= n or self.s[i + 2] in " \t\r\n\f\v" or ord(self.s[i + 2]) < 32

    def _comment(self, i: int, n: int) -> int:
        s = self.s
        if self.pg:  # nested
            depth, j = 1, i + 2
            while j < n:
                if s.startswith("/*", j):
                    depth, j = depth + 1, j + 2
                elif s.startswith("*/", j):
                    depth, j = depth - 1, j + 2
                    if depth == 0:
                        return j
                else:
                    j += 1
            self.incomplete = self.incomplete or "a comment"
            return n
        close = s.find("*/", i + 2, n)
        end = n if close < 0 else close
        if close < 0:
            self.incomplete = self.incomplete or "a comment"
        body = i + 2
        executable = False
        if s.startswith("!", body):
            executable, body = True, body + 1
        elif s.startswith("M!", body):
            executable, body = True, body + 2
        if executable:
            while body < end and s[body] in _DIGITS:
                body += 1
            # The server runs the body (on a version at least the one given): read it as code.
            self.run(body, end)
        return n if close < 0 else close + 2

    def _backslashes(self, quote: str) -> bool:
        if self.pg:
            return not self.cfg.standard_conforming_strings
        return not self.cfg.no_backslash_escapes

    def _quoted(self, start: int, i: int, n: int, quote: str, kind: str, backslash: bool) -> int:
        """A quoted string or identifier opening at ``i``; ``start`` is where its token starts (before a
        prefix such as E or U&). The quote is escaped by doubling, and by a backslash when asked."""
        s = self.s
        j = i + 1
        parts: list[str] = []
        seg = j
        while j < n:
            c = s[j]
            if backslash and c == "\\":
                j += 2
                continue
            if c == quote:
                if j + 1 < n and s[j + 1] == quote:
                    parts.append(s[seg : j + 1])
                    j += 2
                    seg = j
                    continue
                parts.append(s[seg:j])
                self.add(kind, start, j + 1, "".join(parts))
                return j + 1
            j += 1
        self.incomplete = self.incomplete or ("a quoted name" if kind == "ident" else "a string")
        parts.append(s[seg:n])
        self.add(kind, start, n, "".join(parts))
        return n

    def _dollar(self, i: int, n: int) -> int:
        s = self.s
        j = i + 1
        if j < n and s[j] in _DIGITS:
            while j < n and s[j] in _DIGITS:
                j += 1
            self.add("param", i, j)
            return j
        k = j
        if k < n and _name_start(s[k]):
            while k < n and (s[k] in _NAME_START or s[k] in _DIGITS or ord(s[k]) >= 0x80):
                k += 1
        if k < n and s[k] == "$":
            tag = s[i : k + 1]
            close = s.find(tag, k + 1, n)
            if close < 0:
                self.incomplete = self.incomplete or "a dollar-quoted string"
                self.add("string", i, n, s[k + 1 : n])
                return n
            self.add("string", i, close + len(tag), s[k + 1 : close])
            return close + len(tag)
        self.add("op", i, i + 1)
        return i + 1

    def _word(self, i: int, n: int) -> int:
        s = self.s
        j = i + 1
        fam = self.cfg.family
        while j < n and _name_char(s[j], fam):
            j += 1
        word = s[i:j]
        low = word.lower()
        if j < n and s[j] == "'":
            if self.pg and low == "e":
                return self._quoted(i, j, n, "'", "string", True)
            if low in ("b", "x", "n") or (not self.pg and low.startswith("_")):
                return self._quoted(i, j, n, "'", "string", self._backslashes("'") and low != "x")
        if self.pg and low == "u" and s.startswith("&'", j):
            return self._quoted(i, j + 1, n, "'", "string", False)
        if self.pg and low == "u" and s.startswith('&"', j):
            return self._quoted(i, j + 1, n, '"', "ident", False)
        self.add("word", i, j, low)
        return j

    def _number(self, i: int, n: int) -> int:
        s = self.s
        j = i + 1
        while j < n and (s[j] in _DIGITS or s[j] in "._" or s[j].isalpha()):
            if s[j] in "eE" and j + 1 < n and s[j + 1] in "+-":
                j += 1
            j += 1
        self.add("number", i, j)
        return j

    def _variable(self, i: int, n: int) -> int:
        """``@name``, ``@'name'``, ``@@scope.name``: one token whose value is the lower-case name with its
        ``@``/``@@`` and scope (``@@session.tx_read_only``)."""
        s = self.s
        j = i + 1
        if j < n and s[j] == "@":
            j += 1
        prefix = s[i:j]
        parts: list[str] = []
        while j < n:
            c = s[j]
            if c in ("`", "'", '"'):
                before = len(self.tokens)
                j = self._quoted(j, j, n, c, "ident", c != "`" and not self.cfg.no_backslash_escapes)
                parts.append(self.tokens.pop().value.lower())
                del self.tokens[before:]
            elif _name_start(c) or c in _DIGITS:
                k = j
                while k < n and (_name_char(s[k], MYSQL)):
                    k += 1
                parts.append(s[j:k].lower())
                j = k
            else:
                break
            if j < n and s[j] == "." and prefix == "@@":
                j += 1
                continue
            break
        self.add("variable", i, j, prefix + ".".join(parts))
        return j


__all__ = ["MYSQL", "POSTGRES", "LexSettings", "Lexed", "Piece", "Token", "split", "tokenize"]
