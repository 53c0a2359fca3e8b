"""Helpers of the query rules: table look-ups from a QueryContext, expression text, a Finding builder."""

from __future__ import annotations

from typing import Any

from tui.advisor.context import QueryContext
from tui.advisor.rules.common import finding
from tui.advisor.sqlfacts import TableRef
from tui.core.catalog import ObjectDetail
from tui.core.finding import Finding

LARGE_TABLE_ROWS = 10_000


def detail_of(ctx: QueryContext, ref: TableRef | None) -> ObjectDetail | None:
    if ref is None:
        return None
    return ctx.tables.find(ref.name, ref.schema)


def qualified(ref: TableRef | None, detail: ObjectDetail | None = None) -> str | None:
    if detail is not None:
        schema = detail.node.schema
        name = detail.node.table or detail.node.name
        return f"{schema}.{name}" if schema else name
    return ref.qualified if ref else None


def large(detail: ObjectDetail | None) -> bool:
    """True when the table is large enough for an index to matter, or its size is unknown."""
    return detail is None or detail.row_estimate is None or detail.row_estimate >= LARGE_TABLE_ROWS


def sql(node: Any, ctx: QueryContext) -> str:
    return node.sql(dialect=ctx.dialect)


def query_finding(rule: str, severity: str, **fields: Any) -> Finding:
    return finding("query", rule, severity, **fields)
