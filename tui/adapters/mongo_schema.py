"""Sampled-schema analysis for MongoDB: documents (as PyMongo returns them, or as the mongosh reader
produces them) → field paths with their types and shares, presence and example values.

Pure functions over Python values; no driver call and no bson import (types are recognised by class
name), so the analysis is tested on recorded documents without a server.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from tui.core.catalog import Column

MAX_FIELDS = 2_000  # paths kept per sample; wider documents are reported as truncated
MAX_DEPTH = 20  # nesting followed below the top level
EXAMPLES = 3
EXAMPLE_CHARS = 60

# bson / PyMongo / mongosh-reader class name → BSON type name as $type and Compass call it.
_CLASS_TYPES = {
    "ObjectId": "objectId",
    "Int64": "long",
    "Long": "long",
    "Int32": "int",
    "Decimal128": "decimal",
    "Binary": "binData",
    "UUID": "uuid",
    "Regex": "regex",
    "Pattern": "regex",
    "Timestamp": "timestamp",
    "MinKey": "minKey",
    "MaxKey": "maxKey",
    "Code": "javascript",
    "DBRef": "dbRef",
    "DatetimeMS": "date",
    "ShellDate": "date",
    "Double": "double",
    "Undefined": "undefined",
    "SON": "object",
    "RawBSONDocument": "object",
}


def bson_type_name(value: Any) -> str:
    """The BSON type name of a value: string, int, long, double, bool, date, objectId, object, array…"""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    name = type(value).__name__
    if name in _CLASS_TYPES:
        if name == "Binary" and getattr(value, "subtype", None) in (3, 4):
            return "uuid"
        return _CLASS_TYPES[name]
    if isinstance(value, int):
        return "int" if -(2**31) <= value < 2**31 else "long"
    if isinstance(value, float):
        return "double"
    if isinstance(value, str):
        return "string"
    if isinstance(value, datetime):
        return "date"
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list | tuple):
        return "array"
    if isinstance(value, bytes):
        return "binData"
    return name


@dataclass(slots=True)
class FieldStat:
    """One field path seen in the sample."""

    path: str  # dotted, as queries and indexes name it ("address.city", "reviews.rating")
    depth: int  # 0 for top-level fields
    documents: int = 0  # sampled documents in which the path occurs at least once
    presence: float = 0.0  # documents / sampled documents, 0..1
    types: dict[str, int] = field(default_factory=dict)  # BSON type → number of values seen
    in_array: bool = False  # reached through an array of documents (multikey if indexed)
    array_element_types: dict[str, int] = field(default_factory=dict)  # for arrays: element types
    array_lengths: list[int] = field(default_factory=list)  # min, max of the arrays seen (2 values)
    examples: list[str] = field(default_factory=list)  # up to EXAMPLES distinct short renderings

    @property
    def type_shares(self) -> list[tuple[str, float]]:
        """(type, share of the values seen) by share, largest first."""
        total = sum(self.types.values())
        if not total:
            return []
        return sorted(((t, n / total) for t, n in self.types.items()), key=lambda item: (-item[1], item[0]))

    @property
    def type_label(self) -> str:
        """``string`` or ``int 80% · string 20%`` (shares under 100 % shown)."""
        shares = self.type_shares
        label = shares[0][0] if len(shares) == 1 else " · ".join(f"{t} {_pct(s)}" for t, s in shares)
        if self.array_element_types:
            inner = "|".join(sorted(self.array_element_types, key=lambda t: -self.array_element_types[t]))
            label = label.replace("array", f"array<{inner}>", 1)
        return label

    @property
    def nullable(self) -> bool:
        return self.presence < 1.0 or "null" in self.types


@dataclass(slots=True)
class SampledSchema:
    sampled: int  # documents analysed
    fields: list[FieldStat]
    truncated: bool = False  # more than MAX_FIELDS paths, or nesting beyond MAX_DEPTH

    def field(self, path: str) -> FieldStat | None:
        return next((f for f in self.fields if f.path == path), None)


def _pct(share: float) -> str:
    value = share * 100
    if value >= 10 or value == 0:
        return f"{value:.0f}%"
    return f"{value:.1f}%"


def _example(value: Any) -> str:
    from tui.core import mongoshell

    kind = bson_type_name(value)
    if kind in ("object", "array"):
        text = "{…}" if kind == "object" else f"[{len(value)} items]"
    elif isinstance(value, str):
        text = mongoshell.quote(value)
    elif isinstance(value, float) and math.isfinite(value):
        text = repr(value)
    elif isinstance(value, datetime):
        text = value.isoformat().replace("+00:00", "Z") + ("" if value.tzinfo else "Z")  # BSON dates are UTC
    elif kind == "objectId":
        digits = getattr(value, "hex", None)
        text = f'ObjectId("{digits if isinstance(digits, str) else value}")'
    else:
        try:
            text = mongoshell.to_shell(value)
        except (TypeError, ValueError):
            text = str(value)
    return text if len(text) <= EXAMPLE_CHARS else text[: EXAMPLE_CHARS - 1] + "…"


def analyze_sample(documents: Iterable[Any]) -> SampledSchema:
    """Field paths of the sampled documents with their type shares, presence and examples.

    Nested documents give dotted paths; arrays of documents are followed (``reviews.rating``, marked
    ``in_array``); arrays of scalars record their element types. Presence counts a document once even
    when a path occurs several times inside an array."""
    stats: dict[str, FieldStat] = {}
    sampled = 0
    truncated = False
    for doc in documents:
        if not isinstance(doc, dict):
            continue
        sampled += 1
        seen_here: set[str] = set()
        # (value dict, path prefix, depth, reached through an array)
        stack: list[tuple[dict[Any, Any], str, int, bool]] = [(doc, "", 0, False)]
        while stack:
            current, prefix, depth, in_array = stack.pop()
            for key, value in current.items():
                path = f"{prefix}{key}"
                stat = stats.get(path)
                if stat is None:
                    if len(stats) >= MAX_FIELDS:
                        truncated = True
                        continue
                    stat = stats[path] = FieldStat(path=path, depth=depth)
                stat.in_array = stat.in_array or in_array
                kind = bson_type_name(value)
                stat.types[kind] = stat.types.get(kind, 0) + 1
                if path not in seen_here:
                    seen_here.add(path)
                    stat.documents += 1
                if kind not in ("object", "array") and len(stat.examples) < EXAMPLES:
                    example = _example(value)
                    if example not in stat.examples:
                        stat.examples.append(example)
                if kind == "object":
                    if depth >= MAX_DEPTH:
                        truncated = True
                    else:
                        stack.append((value, f"{path}.", depth + 1, in_array))
                elif kind == "array":
                    length = len(value)
                    stat.array_lengths = (
                        [length, length]
                        if not stat.array_lengths
                        else [min(stat.array_lengths[0], length), max(stat.array_lengths[1], length)]
                    )
                    objects: list[tuple[dict[Any, Any], str, int, bool]] = []
                    for element in value:
                        element_kind = bson_type_name(element)
                        stat.array_element_types[element_kind] = (
                            stat.array_element_types.get(element_kind, 0) + 1
                        )
                        if element_kind == "object":
                            if depth >= MAX_DEPTH:
                                truncated = True
                            else:
                                objects.append((element, f"{path}.", depth + 1, True))
                        elif len(stat.examples) < EXAMPLES and element_kind != "array":
                            example = _example(element)
                            if example not in stat.examples:
                                stat.examples.append(example)
                    stack.extend(reversed(objects))  # first element first, so examples keep its order
    fields = sorted(stats.values(), key=lambda f: _sort_key(f.path))
    for stat in fields:
        stat.presence = stat.documents / sampled if sampled else 0.0
    return SampledSchema(sampled=sampled, fields=fields, truncated=truncated)


def _sort_key(path: str) -> tuple[int, list[str]]:
    parts = path.split(".")
    # _id first, then the document's fields alphabetically, nested paths under their parent
    return (0 if parts[0] == "_id" else 1, parts)


def columns_from_sample(schema: SampledSchema) -> list[Column]:
    """Sampled top-level and nested fields as Columns for the detail pane (type label and presence)."""
    columns = []
    for position, stat in enumerate(schema.fields, start=1):
        comment = f"in {_pct(stat.presence)} of {schema.sampled:,} sampled documents"
        if stat.examples:
            comment += "; e.g. " + ", ".join(stat.examples)
        columns.append(
            Column(
                name=stat.path,
                data_type=stat.type_label,
                nullable=stat.nullable,
                comment=comment,
                position=position,
                null_frac=(stat.types.get("null", 0) / sum(stat.types.values())) if stat.types else None,
            )
        )
    return columns
