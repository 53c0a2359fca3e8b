"""How result values look in the grid, on the clipboard and in exported files (no Textual here).

One value, three forms:
- ``cell_text(value, limit)``: the short form for a grid cell, terminal-safe (``kind`` tells the grid how to style it:
  ``null`` dim, ``binary``/``json`` tinted, ``number`` right-aligned). Long values end in ``…``.
- ``full_text(value)``: everything, for the cell-detail modal (JSON pretty-printed, binary as hex).
- ``export_text(value)`` / ``json_safe(value)``: what goes to the clipboard, CSV and JSON exports.

``flatten_documents(docs)`` turns MongoDB documents into the same ResultPage the SQL engines return
(nested keys become dotted columns, arrays stay compact JSON), so one grid shows both.
"""

from __future__ import annotations

import csv
import datetime as dt
import decimal
import json
import math
import os
import uuid
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from tui.core import termsafe
from tui.core.files import private_fd
from tui.core.fmt import num
from tui.core.session import ResultPage

CELL_LIMIT = 60  # characters shown in a cell before the ellipsis
BINARY_PREVIEW = 8  # bytes shown as hex in a cell
NULL_TEXT = "NULL"


def _is_binary(value: Any) -> bool:
    return isinstance(value, bytes | bytearray | memoryview)


def hex_text(value: bytes | bytearray | memoryview, limit: int | None = None) -> str:
    """PostgreSQL's bytea hex form: ``\\xdeadbeef`` (first ``limit`` bytes only when given)."""
    data = bytes(value)
    shown = data if limit is None else data[:limit]
    return "\\x" + shown.hex()


def compact_json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=_json_default)


def _json_default(value: Any) -> Any:
    safe = json_safe(value)
    if safe is value:  # json_safe could not convert it
        return str(value)
    return safe


def _scalar_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return str(value)
        return repr(value)
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return str(value)
    return str(value)


def cell_text(value: Any, limit: int = CELL_LIMIT) -> tuple[str, str]:
    """The short text for a grid cell and its kind: null, binary, json, number, bool or text."""
    if value is None:
        return NULL_TEXT, "null"
    if _is_binary(value):
        data = bytes(value)
        more = "…" if len(data) > BINARY_PREVIEW else ""
        unit = "byte" if len(data) == 1 else "bytes"
        return f"{hex_text(data, BINARY_PREVIEW)}{more} ({num(len(data))} {unit})", "binary"
    if isinstance(value, Mapping | list | tuple):
        return _truncate(termsafe.line(compact_json(value)), limit), "json"
    if isinstance(value, bool):
        return _scalar_text(value), "bool"
    if isinstance(value, int | float | decimal.Decimal):
        return _truncate(_scalar_text(value), limit), "number"
    text = _scalar_text(value)
    # One line per cell: line breaks as ↵, controls and escapes as visible escapes (termsafe).
    return _truncate(termsafe.line(text), limit), "text"


def _truncate(text: str, limit: int) -> str:
    if limit > 0 and len(text) > limit:
        return text[: max(limit - 1, 0)] + "…"
    return text


def full_text(value: Any) -> str:
    """The whole value for the detail modal: JSON indented, binary as full hex, text verbatim."""
    if value is None:
        return NULL_TEXT
    if _is_binary(value):
        return hex_text(value)
    if isinstance(value, Mapping | list | tuple):
        return json.dumps(value, indent=2, ensure_ascii=False, default=_json_default)
    return _scalar_text(value)


def export_text(value: Any) -> str:
    """The text written to CSV and the clipboard: NULL is empty, binary is hex, JSON is compact."""
    if value is None:
        return ""
    if _is_binary(value):
        return hex_text(value)
    if isinstance(value, Mapping | list | tuple):
        return compact_json(value)
    return _scalar_text(value)


def json_safe(value: Any) -> Any:
    """A value ``json.dumps`` accepts without loss of meaning: numbers stay numbers (Decimal as a
    string when it would lose precision as a float), binary becomes ``\\x…`` hex, dates ISO text."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, decimal.Decimal):
        if not value.is_finite():
            return str(value)
        as_float = float(value)
        return as_float if decimal.Decimal(repr(as_float)) == value else str(value)
    if _is_binary(value):
        return hex_text(value)
    if isinstance(value, Mapping):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [json_safe(v) for v in value]
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta | uuid.UUID):
        return str(value)
    return str(value)


def row_export_text(row: Iterable[Any]) -> str:
    """A row as one tab-separated line (what ``Y`` copies)."""
    return "\t".join(export_text(v).replace("\t", " ").replace("\n", " ") for v in row)


def write_csv(page: ResultPage, path: Path) -> int:
    """Write the fetched rows with a header line; returns the number of data rows written."""
    with os.fdopen(private_fd(path), "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(page.columns)
        for row in page.rows:
            writer.writerow([export_text(v) for v in row])
    return len(page.rows)


def write_json(page: ResultPage, path: Path) -> int:
    """Write the fetched rows as a JSON array of objects keyed by column name."""
    records = [page_record(page.columns, row) for row in page.rows]
    with os.fdopen(private_fd(path), "w", encoding="utf-8") as handle:
        handle.write(json.dumps(records, ensure_ascii=False, indent=1) + "\n")
    return len(records)


def page_record(columns: list[str], row: Iterable[Any]) -> dict[str, Any]:
    """One row as a JSON-safe object. Duplicate column names get ``_2``, ``_3`` suffixes."""
    record: dict[str, Any] = {}
    for name, value in zip(columns, row, strict=False):
        key, n = name, 2
        while key in record:
            key, n = f"{name}_{n}", n + 1
        record[key] = json_safe(value)
    return record


def flatten_document(doc: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """``{"a": {"b": 1}, "tags": ["x"]}`` → ``{"a.b": 1, "tags": ["x"]}`` (arrays are kept whole)."""
    out: dict[str, Any] = {}
    for key, value in doc.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping) and value:
            out.update(flatten_document(value, name + "."))
        else:
            out[name] = value
    return out


def flatten_documents(docs: Iterable[Mapping[str, Any]], *, truncated: bool = False) -> ResultPage:
    """MongoDB documents → a ResultPage; columns in first-seen order, missing fields are NULL."""
    flat = [flatten_document(d) for d in docs]
    columns: dict[str, None] = {}
    for doc in flat:
        for key in doc:
            columns.setdefault(key, None)
    names = list(columns)
    rows = [tuple(doc.get(name) for name in names) for doc in flat]
    types = [_type_of_column([doc.get(name) for doc in flat]) for name in names]
    return ResultPage(columns=names, column_types=types, rows=rows, truncated=truncated)


def _type_of_column(values: list[Any]) -> str:
    kinds = {type(v).__name__ for v in values if v is not None}
    if not kinds:
        return "null"
    return kinds.pop() if len(kinds) == 1 else "mixed"
