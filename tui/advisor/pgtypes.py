"""PostgreSQL column types as the advisor compares them: the family of a ``format_type`` text, and
which side of a column = column comparison PostgreSQL casts when the two types differ.

Measured on PostgreSQL 15 (``EXPLAIN (VERBOSE) SELECT … FROM a JOIN b ON a.x = b.y``):
integer = numeric → ``(a.x)::numeric``; integer = double precision and numeric = double precision →
the integer / numeric side cast to double precision; character(n) = text → ``(a.c)::text``;
character(n) = varchar → ``(b.v)::bpchar``; text = varchar → ``(b.v)::text``, a binary-compatible
relabel that keeps varchar's (text_ops) index usable; smallint/integer/bigint among themselves, real =
double precision, and date / timestamp / timestamptz among themselves compare through cross-type
operators with no cast (the index stays usable; with timestamptz the result depends on TimeZone).
Any other pair of families has no implicit cast: PostgreSQL refuses the comparison unless the
statement casts a column itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_MODIFIERS = re.compile(r"\(.*?\)")

_FAMILIES: dict[str, str] = {
    "smallint": "integer",
    "integer": "integer",
    "bigint": "integer",
    "int2": "integer",
    "int4": "integer",
    "int8": "integer",
    "int": "integer",
    "smallserial": "integer",
    "serial": "integer",
    "bigserial": "integer",
    "numeric": "numeric",
    "decimal": "numeric",
    "real": "float",
    "double precision": "float",
    "float4": "float",
    "float8": "float",
    "float": "float",
    "text": "text",
    "character varying": "varchar",
    "varchar": "varchar",
    "character": "bpchar",
    "char": "bpchar",
    "bpchar": "bpchar",
    "date": "date",
    "timestamp without time zone": "timestamp",
    "timestamp": "timestamp",
    "timestamp with time zone": "timestamptz",
    "timestamptz": "timestamptz",
}

# (family of a, family of b) → the family PostgreSQL casts to (the other side is left alone).
_CASTS: dict[frozenset[str], str] = {
    frozenset({"integer", "numeric"}): "numeric",
    frozenset({"integer", "float"}): "float",
    frozenset({"numeric", "float"}): "float",
    frozenset({"bpchar", "text"}): "text",
    frozenset({"bpchar", "varchar"}): "bpchar",
}
_TARGET_TYPE = {"numeric": "numeric", "float": "double precision", "text": "text", "bpchar": "bpchar"}
_DATETIME = frozenset({"date", "timestamp", "timestamptz"})


def family(data_type: str) -> str:
    """``numeric(12,0)`` → ``numeric``; ``character varying(20)`` → ``varchar``; unknown types are
    their own family (arrays keep their ``[]``)."""
    text = _MODIFIERS.sub("", data_type.strip().lower()).strip()
    text = " ".join(text.split())
    if text.endswith("[]"):
        return text
    return _FAMILIES.get(text, text)


@dataclass(frozen=True, slots=True)
class Comparison:
    """How PostgreSQL compares a column of ``left_type`` with one of ``right_type``.

    ``cast_side``: "left" | "right" when that column is converted (its plain index cannot serve the
    comparison), None when a cross-type operator compares them as they are. ``cast_to`` names the type
    the converted side becomes. ``timezone_dependent``: a timestamptz compared with a date or a
    timestamp (converted at the session's TimeZone)."""

    cast_side: str | None
    cast_to: str | None = None
    timezone_dependent: bool = False


def compare(left_type: str, right_type: str) -> Comparison | None:
    """The comparison of two column types of different families; None when they are the same family
    (or text with varchar: a relabel, not a conversion), or when no implicit cast exists."""
    a, b = family(left_type), family(right_type)
    if a == b or {a, b} == {"text", "varchar"}:
        return None
    if {a, b} <= _DATETIME:
        return Comparison(None, timezone_dependent=True) if "timestamptz" in (a, b) else None
    target = _CASTS.get(frozenset({a, b}))
    if target is None:
        return None
    side = "left" if b == target else "right"
    return Comparison(side, _TARGET_TYPE[target])
