"""The mongosh-syntax reader and writer: what a person types in mongosh → plain Python values and a
``MongoQuery``; and the inverse, values and queries → text that runs as printed in mongosh.

Reading is a hand-written tokenizer and a depth-limited recursive-descent parser. Nothing is evaluated or
executed: function-call syntax is accepted only for the BSON helpers listed in ``HELPERS`` and the
collection/cursor methods of ``MongoQuery``; anything else is a ``UsageError`` naming line and column.

Values come back as dict / list / str / int / float / bool / None plus one small frozen dataclass per BSON
helper (``ObjectId``, ``ShellDate``, ``Long``…). This module does not import pymongo: the MongoDB adapter
turns the helper dataclasses into bson types (``tui.adapters.mongo_convert``).
"""

from __future__ import annotations

import base64
import binascii
import math
import re
import uuid as uuid_module
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from tui.core.errors import UsageError

MAX_DEPTH = 100  # BSON documents may nest 100 levels; deeper input is refused, not recursed into
MAX_INPUT_CHARS = 16 * 1024 * 1024

# ---------------------------------------------------------------------------------------------------
# BSON helper values (what ObjectId(...), ISODate(...), NumberLong(...) … read as)


@dataclass(frozen=True, slots=True)
class ObjectId:
    hex: str  # 24 lowercase hex digits


@dataclass(frozen=True, slots=True)
class ShellDate:
    """A BSON date. ``value`` is timezone-aware UTC with millisecond precision; None means "now"
    (``new Date()`` / ``ISODate()`` with no argument), resolved by the adapter when the query runs."""

    value: datetime | None


@dataclass(frozen=True, slots=True)
class Long:
    value: int


@dataclass(frozen=True, slots=True)
class Int32:
    value: int


@dataclass(frozen=True, slots=True)
class Decimal128:
    text: str


@dataclass(frozen=True, slots=True)
class Double:
    """An explicit ``Double(…)``; plain numbers with a fraction are Python floats already."""

    value: float


@dataclass(frozen=True, slots=True)
class Timestamp:
    t: int
    i: int


@dataclass(frozen=True, slots=True)
class Regex:
    pattern: str
    flags: str = ""


@dataclass(frozen=True, slots=True)
class UUID:
    hex: str  # 32 lowercase hex digits, no dashes


@dataclass(frozen=True, slots=True)
class Binary:
    data: bytes
    subtype: int = 0


@dataclass(frozen=True, slots=True)
class MinKey:
    pass


@dataclass(frozen=True, slots=True)
class MaxKey:
    pass


@dataclass(frozen=True, slots=True)
class Undefined:
    pass


HELPER_TYPES = (ObjectId, ShellDate, Long, Int32, Decimal128, Double, Timestamp, Regex, UUID, Binary)
HELPERS = frozenset(
    {
        "ObjectId",
        "ISODate",
        "Date",
        "NumberLong",
        "Long",
        "NumberInt",
        "Int32",
        "NumberDecimal",
        "Decimal128",
        "Double",
        "Timestamp",
        "RegExp",
        "UUID",
        "BinData",
        "MinKey",
        "MaxKey",
    }
)
REGEX_FLAGS = frozenset("dgimsuvxy")

# ---------------------------------------------------------------------------------------------------
# The query model

VERBOSITIES = ("queryPlanner", "executionStats", "allPlansExecution")
OPERATIONS = ("find", "aggregate", "count", "distinct")

# Collection methods that change data: recognised only to refuse them with a clear message.
WRITE_METHODS = frozenset(
    {
        "insert",
        "insertOne",
        "insertMany",
        "update",
        "updateOne",
        "updateMany",
        "replaceOne",
        "remove",
        "deleteOne",
        "deleteMany",
        "findAndModify",
        "findOneAndUpdate",
        "findOneAndReplace",
        "findOneAndDelete",
        "bulkWrite",
        "drop",
        "createIndex",
        "createIndexes",
        "dropIndex",
        "dropIndexes",
        "hideIndex",
        "unhideIndex",
        "renameCollection",
        "save",
    }
)
WRITE_STAGES = frozenset({"$out", "$merge"})


@dataclass(slots=True)
class MongoQuery:
    """One read operation typed in mongosh syntax, with every part as plain values."""

    collection: str
    operation: str = "find"  # one of OPERATIONS
    database: str | None = None  # from db.getSiblingDB("x") or a leading `use x`
    filter: dict[str, Any] = field(default_factory=dict)
    projection: dict[str, Any] | None = None
    sort: dict[str, Any] | None = None
    skip: int | None = None
    limit: int | None = None
    pipeline: list[dict[str, Any]] | None = None
    hint: dict[str, Any] | str | None = None
    verbosity: str | None = None  # set when the text asks for .explain(...)
    distinct_key: str | None = None
    options: dict[str, Any] = field(default_factory=dict)  # maxTimeMS, comment, collation, allowDiskUse…
    source: str = ""

    @property
    def writes(self) -> bool:
        """True when running the query would write ($out / $merge in a pipeline)."""
        return any(isinstance(stage, dict) and WRITE_STAGES & set(stage) for stage in self.pipeline or [])

    @property
    def sort_fields(self) -> list[tuple[str, Any]]:
        return list((self.sort or {}).items())


# ---------------------------------------------------------------------------------------------------
# Tokenizer


@dataclass(frozen=True, slots=True)
class Token:
    kind: str  # "punct" | "string" | "number" | "ident" | "regex" | "eof"
    value: Any
    pos: int


_PUNCT = set("{}[](),:.;+-")
_IDENT_START = re.compile(r"[A-Za-z_$\u00c0-\uffff]")
_IDENT = re.compile(r"[A-Za-z0-9_$\u00c0-\uffff]*")
_NUMBER = re.compile(r"(?:0[xX][0-9a-fA-F]+|(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)")
_DIGITS = frozenset("0123456789")
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "v": "\v", "0": "\0"}


def _position(text: str, pos: int) -> tuple[int, int]:
    line = text.count("\n", 0, pos) + 1
    column = pos - (text.rfind("\n", 0, pos) + 1) + 1
    return line, column


def _error(text: str, pos: int, message: str, hint: str | None = None) -> UsageError:
    line, column = _position(text, pos)
    start = text.rfind("\n", 0, pos) + 1
    end = text.find("\n", pos)
    snippet = text[start : end if end != -1 else len(text)]
    if len(snippet) > 80:
        cut = max(0, column - 40)
        snippet = snippet[cut : cut + 80]
    return UsageError(
        f"{message} at line {line}, column {column}",
        title="Cannot read the query",
        hint=hint or (f"near: {snippet.strip()}" if snippet.strip() else None),
    )


def tokenize(text: str) -> list[Token]:
    """Split mongosh text into tokens. ``/`` starts a regex literal unless it opens a comment."""
    if len(text) > MAX_INPUT_CHARS:
        raise UsageError(f"the text is {len(text):,} characters; dbscope reads at most {MAX_INPUT_CHARS:,}")
    tokens: list[Token] = []
    pos, n = 0, len(text)
    while pos < n:
        ch = text[pos]
        if ch in " \t\r\n\f\v\ufeff\u00a0":
            pos += 1
            continue
        if text.startswith("//", pos):
            end = text.find("\n", pos)
            pos = n if end == -1 else end + 1
            continue
        if text.startswith("/*", pos):
            end = text.find("*/", pos + 2)
            if end == -1:
                raise _error(text, pos, "unterminated /* comment")
            pos = end + 2
            continue
        if ch in "\"'`":
            value, pos2 = _read_string(text, pos)
            tokens.append(Token("string", value, pos))
            pos = pos2
            continue
        if ch == "/":
            value, pos2 = _read_regex(text, pos)
            tokens.append(Token("regex", value, pos))
            pos = pos2
            continue
        if ch in _DIGITS or (ch == "." and pos + 1 < n and text[pos + 1] in _DIGITS):
            match = _NUMBER.match(text, pos)
            assert match is not None  # a digit always matches
            raw = match.group(0)
            try:
                number = _number_value(raw)
            except ValueError:  # more digits than Python converts (int_max_str_digits)
                raise _error(text, pos, f"the number {raw[:20]}… has too many digits") from None
            tokens.append(Token("number", number, pos))
            pos = match.end()
            if pos < n and _IDENT_START.match(text[pos]):
                raise _error(text, pos, f"unexpected {text[pos]!r} after the number {raw}")
            continue
        if ch in _PUNCT:
            tokens.append(Token("punct", ch, pos))
            pos += 1
            continue
        if _IDENT_START.match(ch):
            match = _IDENT.match(text, pos + 1)
            end = match.end() if match else pos + 1
            tokens.append(Token("ident", text[pos:end], pos))
            pos = end
            continue
        raise _error(text, pos, f"unexpected character {ch!r}")
    tokens.append(Token("eof", None, n))
    return tokens


def _number_value(raw: str) -> int | float:
    if raw[:2] in ("0x", "0X"):
        return int(raw, 16)
    if any(c in raw for c in ".eE"):
        return float(raw)
    return int(raw)


def _read_string(text: str, start: int) -> tuple[str, int]:
    quote = text[start]
    out: list[str] = []
    pos, n = start + 1, len(text)
    while pos < n:
        ch = text[pos]
        if ch == quote:
            return "".join(out), pos + 1
        if ch == "\n" and quote != "`":
            break
        if ch == "\\":
            pos += 1
            if pos >= n:
                break
            esc = text[pos]
            if esc == "u":
                if text.startswith("{", pos + 1):
                    end = text.find("}", pos + 2)
                    digits = text[pos + 2 : end] if end != -1 else ""
                    pos = end if end != -1 else pos
                else:
                    digits = text[pos + 1 : pos + 5]
                    pos += 4
                try:
                    code = int(digits, 16)
                    if not digits or len(digits) > 6 or code > 0x10FFFF:
                        raise ValueError
                except ValueError:
                    raise _error(text, pos, "bad \\u escape in a string") from None
                out.append(chr(code))
            elif esc == "x":
                digits = text[pos + 1 : pos + 3]
                if len(digits) != 2 or not all(c in "0123456789abcdefABCDEF" for c in digits):
                    raise _error(text, pos, "bad \\x escape in a string")
                out.append(chr(int(digits, 16)))
                pos += 2
            elif esc == "\n":
                pass  # line continuation
            else:
                out.append(_ESCAPES.get(esc, esc))
            pos += 1
            continue
        out.append(ch)
        pos += 1
    raise _error(text, start, "unterminated string")


def _read_regex(text: str, start: int) -> tuple[Regex, int]:
    pos, n = start + 1, len(text)
    in_class = False
    out: list[str] = []
    while pos < n:
        ch = text[pos]
        if ch == "\n":
            break
        if ch == "\\" and pos + 1 < n:
            nxt = text[pos + 1]
            # "\/" only escapes the delimiter; every other escape belongs to the pattern.
            out.append("/" if nxt == "/" else ch + nxt)
            pos += 2
            continue
        if ch == "[":
            in_class = True
        elif ch == "]":
            in_class = False
        elif ch == "/" and not in_class:
            flags_match = _IDENT.match(text, pos + 1)
            flags = flags_match.group(0) if flags_match else ""
            bad = set(flags) - REGEX_FLAGS
            if bad or len(set(flags)) != len(flags):
                raise _error(text, pos + 1, f"bad regular expression flags {flags!r}")
            return Regex("".join(out), flags), pos + 1 + len(flags)
        out.append(ch)
        pos += 1
    raise _error(text, start, "unterminated regular expression")


# ---------------------------------------------------------------------------------------------------
# Parser


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = tokenize(text)
        self.index = 0

    # -- token helpers -------------------------------------------------------------------------------
    @property
    def tok(self) -> Token:
        return self.tokens[self.index]

    def peek(self, offset: int = 1) -> Token:
        return self.tokens[min(self.index + offset, len(self.tokens) - 1)]

    def advance(self) -> Token:
        token = self.tokens[self.index]
        if token.kind != "eof":
            self.index += 1
        return token

    def is_punct(self, ch: str, token: Token | None = None) -> bool:
        token = token or self.tok
        return token.kind == "punct" and token.value == ch

    def expect_punct(self, ch: str, what: str = "") -> Token:
        if not self.is_punct(ch):
            raise self.error(f"expected {ch!r}{' ' + what if what else ''} but found {self.describe()}")
        return self.advance()

    def describe(self, token: Token | None = None) -> str:
        token = token or self.tok
        if token.kind == "eof":
            return "the end of the text"
        if token.kind == "string":
            return f"the string {token.value!r}"[:60]
        if token.kind == "regex":
            return "a regular expression"
        return repr(str(token.value))

    def error(self, message: str, token: Token | None = None, hint: str | None = None) -> UsageError:
        token = token or self.tok
        return _error(self.text, token.pos, message, hint)

    # -- values --------------------------------------------------------------------------------------
    def value(self, depth: int = 0) -> Any:
        if depth > MAX_DEPTH:
            raise self.error(f"nesting deeper than {MAX_DEPTH} levels")
        token = self.tok
        if token.kind == "punct":
            if token.value == "{":
                return self.object(depth + 1)
            if token.value == "[":
                return self.array(depth + 1)
            if token.value in "-+":
                self.advance()
                number = self.tok
                if number.kind == "ident" and number.value in ("Infinity", "NaN"):
                    self.advance()
                    result = math.inf if number.value == "Infinity" else math.nan
                    return -result if token.value == "-" else result
                if number.kind != "number":
                    raise self.error(f"expected a number after {token.value!r}")
                self.advance()
                return -number.value if token.value == "-" else number.value
            raise self.error(f"expected a value but found {self.describe()}")
        if token.kind == "string":
            self.advance()
            parts = [token.value]
            while self.is_punct("+") and self.peek().kind == "string":
                self.advance()
                parts.append(self.advance().value)
            return "".join(parts)
        if token.kind == "number":
            self.advance()
            return token.value
        if token.kind == "regex":
            self.advance()
            return token.value
        if token.kind == "ident":
            return self.identifier_value(depth)
        raise self.error("expected a value but the text ended")

    def identifier_value(self, depth: int) -> Any:
        token = self.advance()
        name = token.value
        if name == "true":
            return True
        if name == "false":
            return False
        if name == "null":
            return None
        if name == "undefined":
            return Undefined()
        if name == "Infinity":
            return math.inf
        if name == "NaN":
            return math.nan
        if name == "new":
            helper = self.tok
            if helper.kind != "ident" or helper.value not in ("Date", "ISODate", "RegExp", *HELPERS):
                raise self.error(
                    f"'new' must be followed by a BSON helper such as Date, not {self.describe()}"
                )
            self.advance()
            return self.helper(helper, depth, constructed=True)
        if name in ("MinKey", "MaxKey") and not self.is_punct("("):
            return MinKey() if name == "MinKey" else MaxKey()
        if name in HELPERS:
            return self.helper(token, depth, constructed=False)
        raise self.error(
            f"unknown name {name!r}",
            token,
            hint="values may be literals or the helpers "
            + ", ".join(sorted(HELPERS))
            + "; nothing is evaluated",
        )

    def arguments(self, depth: int) -> list[Any]:
        self.expect_punct("(")
        args: list[Any] = []
        while not self.is_punct(")"):
            args.append(self.value(depth + 1))
            if self.is_punct(","):
                self.advance()
            elif not self.is_punct(")"):
                raise self.error(f"expected ',' or ')' but found {self.describe()}")
        self.advance()
        return args

    def helper(self, token: Token, depth: int, *, constructed: bool) -> Any:
        name = token.value
        if not self.is_punct("("):
            raise self.error(f"expected '(' after {name}")
        args = self.arguments(depth)
        try:
            return _make_helper(name, args, constructed=constructed)
        except (ValueError, TypeError, OverflowError) as exc:
            raise self.error(f"{name}(…): {exc}", token) from None

    def object(self, depth: int) -> dict[str, Any]:
        if depth > MAX_DEPTH:
            raise self.error(f"nesting deeper than {MAX_DEPTH} levels")
        self.expect_punct("{")
        result: dict[str, Any] = {}
        while not self.is_punct("}"):
            key_token = self.advance()
            if key_token.kind in ("ident", "string"):
                key = str(key_token.value)
            elif key_token.kind == "number":
                key = _js_number_text(key_token.value)
            else:
                raise self.error(f"expected a field name but found {self.describe(key_token)}", key_token)
            self.expect_punct(":", f"after the field name {key!r}")
            result[key] = self.value(depth)
            if self.is_punct(","):
                self.advance()
            elif not self.is_punct("}"):
                raise self.error(f"expected ',' or '}}' but found {self.describe()}")
        self.advance()
        return result

    def array(self, depth: int) -> list[Any]:
        if depth > MAX_DEPTH:
            raise self.error(f"nesting deeper than {MAX_DEPTH} levels")
        self.expect_punct("[")
        result: list[Any] = []
        while not self.is_punct("]"):
            result.append(self.value(depth))
            if self.is_punct(","):
                self.advance()
            elif not self.is_punct("]"):
                raise self.error(f"expected ',' or ']' but found {self.describe()}")
        self.advance()
        return result

    def end(self) -> None:
        while self.is_punct(";"):
            self.advance()
        if self.tok.kind != "eof":
            raise self.error(f"unexpected {self.describe()} after the end of the statement")


def _js_number_text(value: int | float) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _int_arg(value: Any, what: str) -> int:
    if isinstance(value, bool):
        raise TypeError(f"{what} must be a number")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"\s*[+-]?[0-9]+\s*", value):
        return int(value)
    raise ValueError(f"{what} must be an integer, not {value!r}")


def _parse_date_text(text: str) -> datetime:
    raw = text.strip()
    if not raw:
        raise ValueError("empty date")
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw):
        raw += "T00:00:00"
    raw = raw.replace(" ", "T", 1) if re.match(r"\d{4}-\d{2}-\d{2} ", raw) else raw
    value = datetime.fromisoformat(raw.replace("z", "Z"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)  # mongosh reads ISODate without offset as UTC
    return _ms_precision(value.astimezone(UTC))


def _ms_precision(value: datetime) -> datetime:
    return value.replace(microsecond=value.microsecond - value.microsecond % 1000)


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _date_from_ms(ms: float) -> datetime:
    if math.isnan(ms) or math.isinf(ms):
        raise ValueError("invalid date")
    return _EPOCH + timedelta(milliseconds=int(ms))


def _make_helper(name: str, args: list[Any], *, constructed: bool) -> Any:
    if name in ("ISODate", "Date"):
        if name == "Date" and not constructed:
            raise ValueError(
                "Date() without 'new' returns a string in mongosh; use new Date(...) or ISODate(...)"
            )
        if not args:
            return ShellDate(None)
        if len(args) == 1:
            arg = args[0]
            if isinstance(arg, ShellDate):
                return arg
            if isinstance(arg, str):
                return ShellDate(_parse_date_text(arg))
            if isinstance(arg, int | float) and not isinstance(arg, bool):
                return ShellDate(_date_from_ms(arg))
            raise TypeError("expects a date string or milliseconds since 1970")
        if name == "Date" and 2 <= len(args) <= 7:
            parts = [_int_arg(a, "date part") for a in args]
            year, month = parts[0], parts[1]
            defaults = [1, 0, 0, 0, 0]
            day, hour, minute, second, ms = parts[2:] + defaults[len(parts) - 2 :]
            # JavaScript months are 0-based.
            base = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=UTC)
            return ShellDate(
                base + timedelta(days=day - 1, hours=hour, minutes=minute, seconds=second, milliseconds=ms)
            )
        raise TypeError("too many arguments")
    if name == "ObjectId":
        if not args:
            raise ValueError("ObjectId() without an argument makes a new id; give the 24 hex digits")
        if len(args) != 1 or not isinstance(args[0], str) or not re.fullmatch(r"[0-9a-fA-F]{24}", args[0]):
            raise ValueError("expects a string of 24 hex digits")
        return ObjectId(args[0].lower())
    if name in ("NumberLong", "Long"):
        if len(args) != 1:
            raise TypeError("expects one argument")
        value = _int_arg(args[0], "the value")
        if not -(2**63) <= value < 2**63:
            raise OverflowError("does not fit in 64 bits")
        return Long(value)
    if name in ("NumberInt", "Int32"):
        if len(args) != 1:
            raise TypeError("expects one argument")
        value = _int_arg(args[0], "the value")
        if not -(2**31) <= value < 2**31:
            raise OverflowError("does not fit in 32 bits")
        return Int32(value)
    if name in ("NumberDecimal", "Decimal128"):
        if len(args) != 1 or isinstance(args[0], bool) or not isinstance(args[0], str | int | float):
            raise TypeError("expects a number or a string")
        text = args[0] if isinstance(args[0], str) else _js_number_text(args[0])
        if not re.fullmatch(
            r"\s*[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?\s*|[+-]?(Infinity|Inf|NaN)", text
        ):
            raise ValueError(f"{text!r} is not a decimal number")
        return Decimal128(text.strip())
    if name == "Double":
        if len(args) != 1 or isinstance(args[0], bool):
            raise TypeError("expects one number")
        if not isinstance(args[0], int | float | str):
            raise TypeError("expects one number")
        return Double(float(args[0]))
    if name == "Timestamp":
        if len(args) == 1 and isinstance(args[0], dict):
            t, i = args[0].get("t"), args[0].get("i")
        elif len(args) == 2:
            t, i = args
        else:
            raise TypeError("expects (t, i) or ({ t, i })")
        t_value, i_value = _int_arg(t, "t"), _int_arg(i, "i")
        if not (0 <= t_value < 2**32 and 0 <= i_value < 2**32):
            raise OverflowError("t and i must fit in 32 unsigned bits")
        return Timestamp(t_value, i_value)
    if name == "RegExp":
        if not 1 <= len(args) <= 2:
            raise TypeError("expects (pattern, flags)")
        pattern = args[0].pattern if isinstance(args[0], Regex) else args[0]
        flags = args[1] if len(args) == 2 else (args[0].flags if isinstance(args[0], Regex) else "")
        if not isinstance(pattern, str) or not isinstance(flags, str):
            raise TypeError("expects strings")
        if set(flags) - REGEX_FLAGS or len(set(flags)) != len(flags):
            raise ValueError(f"bad flags {flags!r}")
        return Regex(pattern, flags)
    if name == "UUID":
        if not args:
            raise ValueError("UUID() without an argument makes a new id; give the hex digits")
        if len(args) != 1 or not isinstance(args[0], str):
            raise TypeError("expects one string")
        return UUID(uuid_module.UUID(args[0]).hex)
    if name == "BinData":
        if len(args) != 2 or not isinstance(args[1], str):
            raise TypeError("expects (subtype, base64 string)")
        subtype = _int_arg(args[0], "subtype")
        if not 0 <= subtype <= 255:
            raise ValueError("subtype must be 0..255")
        try:
            data = base64.b64decode(args[1], validate=True)
        except binascii.Error:
            raise ValueError("the data is not base64") from None
        return Binary(data, subtype)
    if name in ("MinKey", "MaxKey"):
        if args:
            raise TypeError("takes no arguments")
        return MinKey() if name == "MinKey" else MaxKey()
    raise ValueError(f"unknown helper {name}")  # pragma: no cover - HELPERS and this list agree


# ---------------------------------------------------------------------------------------------------
# Public reading API


def parse_value(text: str) -> Any:
    """One value in mongosh syntax (relaxed JSON with helpers) → plain Python values."""
    parser = _Parser(text)
    if parser.tok.kind == "eof":
        raise UsageError("empty text: expected a value", title="Cannot read the query")
    value = parser.value()
    parser.end()
    return value


def parse_values(text: str) -> list[Any]:
    """Several values one after another (as mongosh prints a cursor), optionally separated by , or ;."""
    parser = _Parser(text)
    values: list[Any] = []
    while parser.tok.kind != "eof":
        values.append(parser.value())
        while parser.is_punct(",") or parser.is_punct(";"):
            parser.advance()
    return values


def parse_query(text: str, *, default_collection: str | None = None) -> MongoQuery:
    """A mongosh statement → MongoQuery.

    Understands ``db.c.find(filter, projection)`` with ``.sort/.skip/.limit/.hint/.projection/.maxTimeMS/
    .comment/.collation/.explain(verbosity)``, ``db.c.findOne``, ``db.c.aggregate([...], options)``,
    ``db.c.countDocuments``, ``db.c.count``, ``db.c.estimatedDocumentCount``, ``db.c.distinct``,
    ``db.c.explain(verbosity).find(...)``; collections as ``db.name``, ``db.a.b`` (dotted names),
    ``db["x"]``, ``db.getCollection("x")``, ``db.getSiblingDB("d").c``; a leading ``use d``.
    With ``default_collection``, a bare filter ``{...}`` is a find and a bare ``[...]`` an aggregate.
    """
    parser = _Parser(text)
    database: str | None = None
    if parser.tok.kind == "ident" and parser.tok.value == "use" and parser.peek().kind in ("ident", "string"):
        parser.advance()
        database = str(parser.advance().value)
        while parser.is_punct(";"):
            parser.advance()
    if parser.tok.kind == "eof":
        raise UsageError(
            "empty query", title="Cannot read the query", hint="e.g. db.orders.find({status: 'A'})"
        )
    if parser.is_punct("{") or parser.is_punct("["):
        if not default_collection:
            raise parser.error(
                "a bare filter or pipeline needs a collection",
                hint="write db.<collection>.find({...}) or select a collection first",
            )
        value = parser.value()
        parser.end()
        query = MongoQuery(collection=default_collection, database=database, source=text)
        if isinstance(value, dict):
            query.filter = value
        else:
            query.operation, query.pipeline = "aggregate", _pipeline(parser, value, parser.tokens[0])
        return query
    return _QueryReader(parser, database, text).read()


def _pipeline(parser: _Parser, value: Any, token: Token) -> list[dict[str, Any]]:
    if not isinstance(value, list) or not all(isinstance(stage, dict) for stage in value):
        raise parser.error("an aggregation pipeline must be an array of stage documents", token)
    for stage in value:
        if len(stage) != 1:
            raise parser.error(f"each pipeline stage must have exactly one field, found {len(stage)}", token)
    return value


class _QueryReader:
    """Reads ``db.<collection>.<method>(...).<cursor method>(...)…`` into a MongoQuery."""

    def __init__(self, parser: _Parser, database: str | None, text: str) -> None:
        self.p = parser
        self.query = MongoQuery(collection="", database=database, source=text)
        self.method_seen = False

    def read(self) -> MongoQuery:
        p = self.p
        head = p.tok
        if head.kind != "ident" or head.value != "db":
            raise p.error(
                f"a query starts with 'db', not {p.describe()}",
                hint="e.g. db.orders.find({customer_id: 42}).sort({created_at: -1}).limit(10)",
            )
        p.advance()
        self.read_collection()
        if not self.method_seen:
            raise p.error("expected a method such as .find(...) or .aggregate([...]) after the collection")
        while p.is_punct("."):
            p.advance()
            name_token = p.tok
            if name_token.kind != "ident":
                raise p.error(f"expected a method name but found {p.describe()}")
            p.advance()
            args = p.arguments(0)
            self.cursor_method(name_token, args)
        p.end()
        return self.query

    def read_collection(self) -> None:
        p = self.p
        parts: list[str] = []
        while True:
            if p.is_punct("["):
                p.advance()
                name = p.tok
                if name.kind != "string":
                    raise p.error("expected a collection name in quotes inside [...]")
                p.advance()
                p.expect_punct("]")
                parts.append(name.value)
                continue
            if not p.is_punct("."):
                break
            p.advance()
            name = p.tok
            if name.kind != "ident":
                raise p.error(f"expected a name after '.' but found {p.describe()}")
            p.advance()
            if p.is_punct("("):
                if name.value == "getCollection" and not parts:
                    args = p.arguments(0)
                    if len(args) != 1 or not isinstance(args[0], str) or not args[0]:
                        raise p.error("getCollection expects one collection name", name)
                    parts.append(args[0])
                    continue
                if name.value == "getSiblingDB" and not parts:
                    args = p.arguments(0)
                    if len(args) != 1 or not isinstance(args[0], str) or not args[0]:
                        raise p.error("getSiblingDB expects one database name", name)
                    self.query.database = args[0]
                    continue
                if not parts:
                    raise p.error(
                        f"db.{name.value}(...) is not a collection query",
                        name,
                        hint="dbscope runs collection reads: db.<collection>.find/aggregate/countDocuments/distinct",
                    )
                self.query.collection = ".".join(parts)
                self.method_seen = True
                self.collection_method(name, p.arguments(0))
                return
            parts.append(name.value)
        if parts:
            self.query.collection = ".".join(parts)

    def collection_method(self, token: Token, args: list[Any]) -> None:
        p, q, name = self.p, self.query, token.value
        if name in WRITE_METHODS:
            raise p.error(
                f"{name}() changes data; dbscope only reads",
                token,
                hint="writes are refused in every mode from the query editor; use mongosh for changes",
            )
        if name == "explain":
            q.verbosity = _verbosity(p, token, args)
            # db.c.explain("executionStats").find(...): the next call is the real method
            if not p.is_punct("."):
                raise p.error("expected .find(...), .aggregate(...) … after explain()", token)
            p.advance()
            inner = p.tok
            if inner.kind != "ident":
                raise p.error(f"expected a method name but found {p.describe()}")
            p.advance()
            self.collection_method(inner, p.arguments(0))
            return
        if name in ("find", "findOne"):
            if len(args) > 2:
                raise p.error(f"{name}() takes a filter and a projection", token)
            q.operation = "find"
            q.filter = _document(p, token, args[0] if args else {}, "filter")
            if len(args) > 1 and args[1] is not None:
                q.projection = _document(p, token, args[1], "projection")
            if name == "findOne":
                q.limit = 1
            return
        if name == "aggregate":
            if not args:
                raise p.error("aggregate() needs a pipeline", token)
            q.operation = "aggregate"
            q.pipeline = _pipeline(p, args[0], token)
            if len(args) > 1:
                options = _document(p, token, args[1], "options")
                if "hint" in options:
                    q.hint = options.pop("hint")
                q.options.update(options)
            return
        if name in ("countDocuments", "count"):
            q.operation = "count"
            q.filter = _document(p, token, args[0] if args else {}, "filter")
            if len(args) > 1:
                options = _document(p, token, args[1], "options")
                for key in ("limit", "skip"):
                    if key in options:
                        setattr(q, key, _nonneg(p, token, options.pop(key), key))
                if "hint" in options:
                    q.hint = options.pop("hint")
                q.options.update(options)
            return
        if name == "estimatedDocumentCount":
            q.operation = "count"
            q.options["estimated"] = True
            return
        if name == "distinct":
            if not args or not isinstance(args[0], str):
                raise p.error("distinct() needs a field name", token)
            q.operation = "distinct"
            q.distinct_key = args[0]
            q.filter = _document(p, token, args[1] if len(args) > 1 else {}, "filter")
            return
        raise p.error(
            f"unknown collection method {name}()",
            token,
            hint="use find, findOne, aggregate, countDocuments, count, estimatedDocumentCount, distinct or explain",
        )

    def cursor_method(self, token: Token, args: list[Any]) -> None:
        p, q, name = self.p, self.query, token.value
        one = args[0] if args else None
        if name == "explain":
            q.verbosity = _verbosity(p, token, args)
        elif name == "sort":
            q.sort = _document(p, token, one, "sort")
        elif name == "limit":
            q.limit = abs(_int(p, token, one, "limit"))  # mongosh treats a negative limit as a single batch
        elif name == "skip":
            q.skip = _nonneg(p, token, one, "skip")
        elif name in ("project", "projection"):
            q.projection = _document(p, token, one, "projection")
        elif name == "hint":
            if not isinstance(one, dict | str):
                raise p.error("hint() takes an index name or a key pattern", token)
            q.hint = one
        elif name == "maxTimeMS":
            q.options["maxTimeMS"] = _nonneg(p, token, one, "maxTimeMS")
        elif name == "comment":
            q.options["comment"] = one
        elif name == "collation":
            q.options["collation"] = _document(p, token, one, "collation")
        elif name == "allowDiskUse":
            q.options["allowDiskUse"] = True if one is None else bool(one)
        elif name == "count" and q.operation == "find":
            q.operation = "count"
        elif name in ("pretty", "toArray", "batchSize", "itcount", "readPref", "noCursorTimeout"):
            pass  # presentation or cursor plumbing: no effect on what is read
        else:
            raise p.error(f"unknown cursor method {name}()", token)


def _verbosity(p: _Parser, token: Token, args: list[Any]) -> str:
    if not args or args[0] is False:
        return "queryPlanner"
    if args[0] is True:
        return "allPlansExecution"
    if isinstance(args[0], str) and args[0] in VERBOSITIES:
        return args[0]
    raise p.error(f"explain() verbosity must be one of {', '.join(VERBOSITIES)}", token)


def _document(p: _Parser, token: Token, value: Any, what: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise p.error(f"the {what} must be a document {{...}}", token)
    return value


def _int(p: _Parser, token: Token, value: Any, what: str) -> int:
    try:
        return _int_arg(value, what)
    except (TypeError, ValueError):
        raise p.error(f"{what}() needs an integer", token) from None


def _nonneg(p: _Parser, token: Token, value: Any, what: str) -> int:
    number = _int(p, token, value.value if isinstance(value, Long | Int32) else value, what)
    if number < 0:
        raise p.error(f"{what} must not be negative", token)
    return number


def statement_is_write(text: str) -> bool:
    """True when ``text`` calls a collection method that writes or runs a pipeline stage that writes.

    Text that does not parse counts as a write when any of its names is a write method."""
    try:
        query = parse_query(text, default_collection="_")
    except UsageError as exc:
        return "changes data" in exc.message or not _only_reads_by_tokens(text)
    return query.writes


def _only_reads_by_tokens(text: str) -> bool:
    try:
        tokens = tokenize(text)
    except UsageError:
        return False
    return not any(t.kind == "ident" and t.value in WRITE_METHODS for t in tokens)


# ---------------------------------------------------------------------------------------------------
# Writing: values and queries → mongosh text

_SAFE_KEY = re.compile(r"^[A-Za-z_$][A-Za-z0-9_$]*$")


def quote(text: str) -> str:
    """A double-quoted JavaScript string literal."""
    out = ['"']
    for ch in text:
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\r":
            out.append("\\r")
        elif ch == "\t":
            out.append("\\t")
        elif ord(ch) < 0x20 or 0x7F <= ord(ch) < 0xA0 or ch in "\u2028\u2029" or 0xD800 <= ord(ch) <= 0xDFFF:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def render_key(key: str) -> str:
    return key if _SAFE_KEY.fullmatch(key) and key not in _RESERVED_KEYS else quote(key)


_RESERVED_KEYS = frozenset({"true", "false", "null", "undefined", "new", "Infinity", "NaN"})


def _render_float(value: float) -> str:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    text = repr(value)
    return text if any(c in text for c in ".eEn") else text + ".0"


def _render_date(value: datetime) -> str:
    value = value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
    return (
        f"{value.year:04d}-{value.month:02d}-{value.day:02d}T{value.hour:02d}:{value.minute:02d}:"
        f"{value.second:02d}.{value.microsecond // 1000:03d}Z"
    )


def _render_regex(value: Regex) -> str:
    """``/pattern/flags`` when that literal reads back as the same pattern, else ``RegExp("…", "flags")``."""
    escaped = re.sub(r"(?<!\\)/", r"\\/", value.pattern) if value.pattern else ""
    literal = f"/{escaped}/{value.flags}"
    if escaped and "\n" not in escaped and "\r" not in escaped and not escaped.startswith(("*", "/")):
        try:
            tokens = tokenize(literal)
        except UsageError:
            tokens = []
        if len(tokens) == 2 and tokens[0].kind == "regex" and tokens[0].value == value:
            return literal
    flags = f", {quote(value.flags)}" if value.flags else ""
    return f"RegExp({quote(value.pattern)}{flags})"


def to_shell(value: Any, *, indent: int | None = None, _level: int = 0) -> str:
    """Render a value as mongosh text that ``parse_value`` reads back to an equal value.

    ``indent`` pretty-prints with that many spaces per level; None writes one line."""
    if _level > MAX_DEPTH + 5:
        raise UsageError(f"value nested deeper than {MAX_DEPTH} levels")
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _render_float(value)
    if isinstance(value, str):
        return quote(value)
    if isinstance(value, dict):
        if not value:
            return "{}"
        items = [
            f"{render_key(str(k))}: {to_shell(v, indent=indent, _level=_level + 1)}" for k, v in value.items()
        ]
        return _wrap("{", "}", items, indent, _level, pad=True)
    if isinstance(value, list | tuple):
        if not value:
            return "[]"
        items = [to_shell(v, indent=indent, _level=_level + 1) for v in value]
        return _wrap("[", "]", items, indent, _level, pad=False)
    if isinstance(value, ObjectId):
        return f"ObjectId({quote(value.hex)})"
    if isinstance(value, ShellDate):
        return "new Date()" if value.value is None else f"ISODate({quote(_render_date(value.value))})"
    if isinstance(value, datetime):
        return f"ISODate({quote(_render_date(value))})"
    if isinstance(value, Long):
        return f"NumberLong({quote(str(value.value))})"
    if isinstance(value, Int32):
        return f"NumberInt({value.value})"
    if isinstance(value, Decimal128):
        return f"NumberDecimal({quote(value.text)})"
    if isinstance(value, Double):
        return f"Double({_render_float(value.value)})"
    if isinstance(value, Timestamp):
        return f"Timestamp({{ t: {value.t}, i: {value.i} }})"
    if isinstance(value, Regex):
        return _render_regex(value)
    if isinstance(value, UUID):
        return f"UUID({quote(str(uuid_module.UUID(hex=value.hex)))})"
    if isinstance(value, Binary):
        return f"BinData({value.subtype}, {quote(base64.b64encode(value.data).decode('ascii'))})"
    if isinstance(value, MinKey):
        return "MinKey"
    if isinstance(value, MaxKey):
        return "MaxKey"
    if isinstance(value, Undefined):
        return "undefined"
    if isinstance(value, bytes):
        return f"BinData(0, {quote(base64.b64encode(value).decode('ascii'))})"
    raise TypeError(f"cannot write a {type(value).__name__} in mongosh syntax")


def _wrap(open_: str, close: str, items: list[str], indent: int | None, level: int, *, pad: bool) -> str:
    if indent is None:
        inner = ", ".join(items)
        return f"{open_} {inner} {close}" if pad else f"{open_}{inner}{close}"
    space = " " * (indent * (level + 1))
    end = " " * (indent * level)
    return open_ + "\n" + ",\n".join(space + item for item in items) + "\n" + end + close


def collection_ref(name: str, *, always_get_collection: bool = False) -> str:
    """``db.orders`` when the name reads as one, else ``db.getCollection("weird name")``."""
    safe = bool(re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name)) and name not in _DB_METHODS
    if safe and not always_get_collection:
        return f"db.{name}"
    return f"db.getCollection({quote(name)})"


# Names that are methods of the db object in mongosh, so db.<name> would not be the collection.
_DB_METHODS = frozenset(
    {
        "getCollection",
        "getSiblingDB",
        "getName",
        "stats",
        "version",
        "help",
        "runCommand",
        "adminCommand",
        "aggregate",
        "watch",
        "auth",
        "logout",
        "getMongo",
        "createCollection",
        "createView",
        "dropDatabase",
        "currentOp",
        "killOp",
        "setProfilingLevel",
        "getProfilingStatus",
        "hello",
        "serverStatus",
        "isMaster",
        "getUser",
        "getUsers",
        "getRoles",
        "commandHelp",
        "listCommands",
    }
)


def render_query(query: MongoQuery, *, indent: int | None = None) -> str:
    """The mongosh statement for ``query`` (the inverse of ``parse_query``)."""
    prefix = f"db.getSiblingDB({quote(query.database)})" if query.database else "db"
    ref = collection_ref(query.collection)
    ref = prefix + ref[2:]

    def val(v: Any) -> str:
        return to_shell(v, indent=indent)

    if query.operation == "aggregate":
        text = f"{ref}.aggregate({val(query.pipeline or [])}"
        options = dict(query.options)
        if query.hint is not None:
            options["hint"] = query.hint
        text += f", {val(options)})" if options else ")"
    elif query.operation == "count":
        if query.options.get("estimated"):
            text = f"{ref}.estimatedDocumentCount()"
        else:
            options: dict[str, Any] = {}
            for key in ("limit", "skip"):
                if getattr(query, key) is not None:
                    options[key] = getattr(query, key)
            if query.hint is not None:
                options["hint"] = query.hint
            options.update({k: v for k, v in query.options.items() if k != "estimated"})
            text = f"{ref}.countDocuments({val(query.filter)}" + (f", {val(options)})" if options else ")")
    elif query.operation == "distinct":
        text = f"{ref}.distinct({quote(query.distinct_key or '')}"
        text += f", {val(query.filter)})" if query.filter else ")"
    else:
        text = f"{ref}.find({val(query.filter)}"
        text += f", {val(query.projection)})" if query.projection is not None else ")"
        if query.sort is not None:
            text += f".sort({val(query.sort)})"
        if query.skip is not None:
            text += f".skip({query.skip})"
        if query.limit is not None:
            text += f".limit({query.limit})"
        if query.hint is not None:
            text += f".hint({val(query.hint)})"
        for key in ("maxTimeMS", "comment", "collation"):
            if key in query.options:
                text += f".{key}({val(query.options[key])})"
        if query.options.get("allowDiskUse"):
            text += ".allowDiskUse()"
    if query.verbosity:
        text += f".explain({quote(query.verbosity)})"
    return text


def render_create_index(collection: str, keys: dict[str, Any], options: dict[str, Any] | None = None) -> str:
    """``db.getCollection("c").createIndex({ a: 1, b: -1 }, { name: "a_1_b_-1" })``."""
    text = f"{collection_ref(collection, always_get_collection=True)}.createIndex({to_shell(keys)}"
    return text + (f", {to_shell(options)})" if options else ")")


def render_index_call(collection: str, method: str, index_name: str) -> str:
    """``db.getCollection("c").hideIndex("name")`` (or unhideIndex / dropIndex)."""
    return f"{collection_ref(collection, always_get_collection=True)}.{method}({quote(index_name)})"


def default_index_name(keys: dict[str, Any]) -> str:
    """The name MongoDB gives an index by default: ``field_direction`` joined with ``_``."""
    return "_".join(f"{k}_{_js_number_text(v) if isinstance(v, int | float) else v}" for k, v in keys.items())
