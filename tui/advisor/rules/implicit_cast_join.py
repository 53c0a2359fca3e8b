"""The join half of ``pg.implicit-cast``: a comparison of two columns whose types differ, so one side is
converted for every row and its index cannot serve the join.

- implicit: ``p.id = m.product_id`` with integer vs numeric (also integer/numeric vs double precision,
  character(n) vs text or varchar): PostgreSQL casts one column (``tui.advisor.pgtypes``), as the plan
  shows in its Hash Cond / Merge Cond / Join Filter (``(p.id)::numeric``); the plain index on that
  column cannot be used, so a nested loop cannot look rows up through it.
- explicit: ``CAST(o.code AS integer) = p.id`` — the statement itself converts a column in a join.
- a timestamptz compared with a date or a timestamp: a cross-type operator keeps the indexes usable,
  but each comparison converts at the session's TimeZone (info, no DDL).
The fix is to align the column types: ``ALTER TABLE … ALTER COLUMN … TYPE … USING CAST(…)`` on the side
that is not a key (a key keeps its type, since foreign keys and other joins depend on it), with the
statement that restores the old type as its rollback, and a note that the change rewrites the table
under an ACCESS EXCLUSIVE lock. Needs schema facts for both tables (column types).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlglot import exp

from tui.advisor import ddl
from tui.advisor.context import QueryContext
from tui.advisor.indexes import indexes_on_column
from tui.advisor.pgtypes import compare, family
from tui.advisor.querymodel import Predicate, TableRef
from tui.advisor.rules.query_common import detail_of, large, query_finding
from tui.advisor.sqlfacts import column_of
from tui.core import fmt
from tui.core.catalog import Column, Index, ObjectDetail
from tui.core.finding import Finding
from tui.core.plan import Plan

RULE_ID = "pg.implicit-cast"
_CONDITIONS = ("Hash Cond", "Merge Cond", "Join Filter", "Index Cond", "Recheck Cond", "Filter")
_INTEGER_RANGE = {
    "smallint": (-32768, 32767),
    "integer": (-2147483648, 2147483647),
    "bigint": (-9223372036854775808, 9223372036854775807),
}


@dataclass(frozen=True, slots=True)
class Side:
    ref: TableRef
    detail: ObjectDetail
    column: Column

    @property
    def table(self) -> str:
        return self.detail.node.table or self.detail.node.name

    @property
    def schema(self) -> str | None:
        return self.detail.node.schema

    @property
    def qualified(self) -> str:
        return f"{self.schema}.{self.table}" if self.schema else self.table

    @property
    def label(self) -> str:
        return f"{self.qualified}.{self.column.name} ({self.column.data_type})"

    @property
    def names(self) -> tuple[str, ...]:
        """How the plan may qualify the column: the statement's alias, else the table name."""
        return tuple(n for n in (self.ref.alias, self.ref.name, self.table) if n)


def _side(ctx: QueryContext, ref: TableRef | None, name: str | None) -> Side | None:
    detail = detail_of(ctx, ref)
    col = column_of(detail, name)
    if ref is None or detail is None or col is None:
        return None
    return Side(ref, detail, col)


def _keyed(side: Side) -> bool:
    """The column alone is the table's primary key or a unique key."""
    for index in side.detail.indexes:
        whole = index.valid and not index.predicate and not index.expressions
        if (index.primary or index.unique) and whole and index.columns == [side.column.name]:
            return True
    return any(
        c.kind in ("primary", "unique") and c.columns == [side.column.name] for c in side.detail.constraints
    )


def plan_condition(plan: Plan | None, side: Side) -> str | None:
    """``Hash Cond: (m.product_id = (p.id)::numeric)`` — the first plan condition that casts ``side``."""
    if plan is None:
        return None
    names = "|".join(re.escape(n) for n in side.names)
    col = re.escape(side.column.name)
    pattern = re.compile(rf'\((?:(?:{names}|"(?:{names})")\.)?(?:{col}|"{col}")\)::')
    for node in plan.nodes():
        for key in _CONDITIONS:
            text = node.extra.get(key)
            if isinstance(text, str) and pattern.search(text):
                return f"{key}: {text}"
    return None


def _scan_of(plan: Plan | None, side: Side) -> str | None:
    """How the plan reads the cast side's table, when it reads it in full:
    ``shop.products with a Seq Scan (10,000 rows estimated)``."""
    if plan is None:
        return None
    for node in plan.nodes():
        if node.extra.get("Relation Name") != side.table or not node.operation.endswith("Seq Scan"):
            continue
        rows = node.rows_actual_total if plan.analyzed else node.rows_estimated
        return f"{side.qualified} with a {node.operation} ({fmt.num(rows)} rows{'' if plan.analyzed else ' estimated'})"
    return None


def _alter(side: Side, new_type: str) -> str:
    col = ddl.quote_ident(side.column.name)
    return (
        f"ALTER TABLE {ddl.qualify(side.schema, side.table)} ALTER COLUMN {col} TYPE {new_type} "
        f"USING CAST({col} AS {new_type});"
    )


def _precheck(side: Side, new_type: str) -> str:
    """A query that must return 0 before a narrowing change, when the change can lose values."""
    col = ddl.quote_ident(side.column.name)
    table = ddl.qualify(side.schema, side.table)
    bounds = _INTEGER_RANGE.get(new_type)
    if bounds is not None and family(side.column.data_type) in ("numeric", "float"):
        low, high = bounds
        return (
            f" Check first that this returns 0: SELECT count(*) FROM {table} WHERE {col} <> trunc({col}) OR "
            f"{col} NOT BETWEEN {low} AND {high}; (a fraction would be rounded, and a value outside "
            f"{new_type}'s range makes the ALTER fail, changing nothing)."
        )
    return f" The ALTER fails, changing nothing, if a stored value cannot be converted to {new_type}."


def _lock_note(side: Side) -> str:
    size = f", {fmt.size(side.detail.total_bytes)}" if side.detail.total_bytes is not None else ""
    rows = fmt.num(side.detail.row_estimate) if side.detail.row_estimate is not None else "all its"
    return (
        f" ALTER COLUMN … TYPE rewrites {side.qualified} ({rows} rows{size}) and rebuilds its "
        f"{fmt.num(len(side.detail.indexes))} indexes while holding an ACCESS EXCLUSIVE lock: every read and "
        "write of the table waits until it finishes. Run it in a maintenance window, or add a column of the "
        "new type, backfill it in batches and swap the names; views that use the column must be dropped and "
        "recreated around it."
    )


def _same_family(a: Side, b: Side) -> bool:
    fa, fb = family(a.column.data_type), family(b.column.data_type)
    return fa == fb or {fa, fb} == {"text", "varchar"}


def _change(cast: Side, other: Side) -> tuple[Side, str]:
    """(the column to change, its new type): a key keeps its type; else the cast side takes the other's."""
    if _keyed(cast) and not _keyed(other):
        return other, cast.column.data_type
    return cast, other.column.data_type


def _finding(
    ctx: QueryContext, p: Predicate, cast: Side, other: Side, how: str, cast_to: str | None
) -> Finding:
    indexes: list[Index] = indexes_on_column(cast.detail, cast.column.name)
    target, new_type = _change(cast, other)
    plan_text = plan_condition(ctx.plan, cast)
    scan = _scan_of(ctx.plan, cast)
    statement = p.node.sql(dialect=ctx.dialect)
    if indexes:
        names = ", ".join(i.name for i in indexes)
        lost = f"so the index on {cast.qualified}.{cast.column.name} ({names}) cannot serve the join"
    else:
        lost = f"so no index on {cast.qualified}.{cast.column.name} could serve the join (it has none today)"
    message = f"The join condition {statement} {how} for every row, {lost}."
    if plan_text:
        message += f" The plan shows the cast: {plan_text}."
    if scan:
        message += f" The plan reads {scan} instead of looking rows up through the index."
    if _same_family(cast, other):
        return query_finding(
            RULE_ID,
            "warning" if indexes and large(cast.detail) else "info",
            obj=cast.qualified,
            title="Cast in a join condition defeats an index",
            message=message,
            reasoning=(
                f"{cast.column.data_type} and {other.column.data_type} compare directly (one type family), so "
                "the cast only hides the column from its index."
            ),
            recommendation=f"Remove the CAST from the statement ({statement} without it) so the index applies.",
            evidence={
                "cast_column": f"{cast.qualified}.{cast.column.name}",
                "cast_column_type": cast.column.data_type,
                "other_column_type": other.column.data_type,
                "indexes_unusable": len(indexes),
                "cast_table_rows": cast.detail.row_estimate,
                "plan_condition": plan_text,
            },
            impact=float(cast.detail.row_estimate or 0),
        )
    undo = _alter(target, target.column.data_type)
    recommendation = (
        f"Align the column types: change {target.label} to {new_type}, the type of "
        f"{(other if target is cast else cast).label}"
        + (", which is a key and keeps its type" if target is other else "")
        + "; then the comparison needs no cast and "
        + (f"{indexes[0].name} serves it." if indexes else "an index on either column can serve it.")
    )
    if isinstance(p.wrapper, exp.Cast):
        recommendation += (
            f" Remove the CAST from the statement as well ({p.wrapper.sql(dialect=ctx.dialect)})."
        )
    recommendation += _precheck(target, new_type) + _lock_note(target)
    return query_finding(
        RULE_ID,
        "warning" if indexes and large(cast.detail) else "info",
        obj=target.qualified,
        title="Cast in a join condition defeats an index",
        message=message,
        reasoning=(
            "A B-tree index answers comparisons in its column's own type. When the two sides of a join have "
            f"different types, PostgreSQL converts one of them{f' to {cast_to}' if cast_to else ''} row by row; the "
            "converted column's index no longer matches the expression, so the planner must read that table in "
            "full (a hash or merge join) instead of looking rows up through the index."
        ),
        recommendation=recommendation,
        evidence={
            "cast_column": f"{cast.qualified}.{cast.column.name}",
            "cast_column_type": cast.column.data_type,
            "other_column": f"{other.qualified}.{other.column.name}",
            "other_column_type": other.column.data_type,
            "indexes_unusable": len(indexes),
            "cast_table_rows": cast.detail.row_estimate,
            "plan_condition": plan_text,
        },
        ddl=[_alter(target, new_type)],
        rollback=[undo],
        impact=float(cast.detail.row_estimate or 0),
    )


def _timezone_finding(ctx: QueryContext, p: Predicate, left: Side, right: Side) -> Finding:
    statement = p.node.sql(dialect=ctx.dialect)
    return query_finding(
        RULE_ID,
        "info",
        obj=left.qualified,
        title="Join compares timestamptz with a date or timestamp",
        message=(
            f"The join condition {statement} compares {left.label} with {right.label}. A cross-type operator "
            "compares them without casting a column, so the indexes stay usable."
        ),
        reasoning=(
            "Each comparison converts the date or timestamp to timestamptz at the session's TimeZone, so the "
            "rows that match change with that setting, and a date equals a timestamptz only at local midnight."
        ),
        recommendation=(
            "Store both columns as timestamptz (or both as date when only the day matters), or compare a "
            "range explicitly: ts >= d::timestamptz AND ts < (d + 1)::timestamptz."
        ),
        evidence={"left_column_type": left.column.data_type, "right_column_type": right.column.data_type},
    )


def join_cast_findings(ctx: QueryContext) -> list[Finding]:
    out: list[Finding] = []
    seen: set[tuple[str, str]] = set()
    for pred in ctx.qfacts.predicates:
        for p in pred.children or [pred]:
            if p.kind not in ("join", "join_cast"):
                continue
            left = _side(ctx, p.table, p.column)
            right = _side(ctx, p.other_table, p.other_column)
            if left is None or right is None:
                continue
            key = tuple(sorted((left.label, right.label)))
            if key in seen:
                continue
            finding = None
            if p.kind == "join_cast":
                to = (
                    p.wrapper.to.sql(dialect=ctx.dialect)
                    if isinstance(p.wrapper, exp.Cast)
                    else "another type"
                )
                finding = _finding(ctx, p, left, right, f"casts {left.label} to {to}", to)
            else:
                cmp = compare(left.column.data_type, right.column.data_type)
                if cmp is None:
                    continue
                if cmp.cast_side is None:
                    if cmp.timezone_dependent:
                        finding = _timezone_finding(ctx, p, left, right)
                else:
                    cast, other = (left, right) if cmp.cast_side == "left" else (right, left)
                    how = (
                        f"compares {cast.label} with {other.label}: PostgreSQL casts "
                        f"{cast.ref.alias or cast.table}.{cast.column.name} to {cmp.cast_to}"
                    )
                    finding = _finding(ctx, p, cast, other, how, cmp.cast_to)
            if finding is not None:
                seen.add(key)  # type: ignore[arg-type]
                out.append(finding)
    return out
