"""``pg.implicit-cast``: a cast on an indexed column's side of a comparison defeats its index.

- explicit: the predicate casts the column (``created_at::date = '2024-01-01'``,
  ``CAST(id AS text) = '5'``);
- implicit: an integer column (smallint/integer/bigint) compared with a decimal literal (``id = 10.0``,
  ``qty > 1.5``): PostgreSQL has no integer = numeric operator, so it casts the column to numeric
  for every row.
Fires only when the column is indexed (schema facts needed). No DDL: the fix is to compare the bare
column with a value of its own type — a range for a date cast, an integer literal (or ``ceil``/
``floor`` of the bound) for a decimal. Severity warning on large or unknown-size tables, info otherwise.
- joins: two columns of different type families compared in a JOIN ON or WHERE (numeric = integer…),
  or a column cast inside a join condition — see ``tui.advisor.rules.implicit_cast_join``, which
  recommends aligning the column types (ALTER TABLE … ALTER COLUMN … TYPE, with its rollback).
"""

from __future__ import annotations

from sqlglot import exp

from tui.advisor.context import QueryContext
from tui.advisor.indexes import indexes_on_column
from tui.advisor.registry import Rule
from tui.advisor.rules.implicit_cast_join import join_cast_findings
from tui.advisor.rules.query_common import detail_of, large, qualified, query_finding
from tui.advisor.sqlfacts import column_of
from tui.core import fmt
from tui.core.finding import Finding

RULE_ID = "pg.implicit-cast"
INTEGER_TYPES = ("smallint", "integer", "bigint", "int2", "int4", "int8")


def _decimal_literal(node: object) -> bool:
    if isinstance(node, exp.Neg):
        node = node.this
    return isinstance(node, exp.Literal) and not node.is_string and any(ch in node.this for ch in ".eE")


def _cast_advice(p: object, column: str, ctx: QueryContext) -> str:
    wrapper = getattr(p, "wrapper", None)
    target = wrapper.to.sql(dialect=ctx.dialect).lower() if isinstance(wrapper, exp.Cast) else ""
    value = getattr(p, "other", None)
    value_sql = value.sql(dialect=ctx.dialect) if isinstance(value, exp.Expression) else ":value"
    if target == "date" and isinstance(getattr(p, "node", None), exp.EQ):
        return (
            f"Compare the bare column with a range instead: {column} >= {value_sql}::date AND {column} < "
            f"{value_sql}::date + 1."
        )
    return f"Cast the compared value to {column}'s type instead of casting {column}, so its index applies."


def check(ctx: QueryContext) -> list[Finding]:
    out: list[Finding] = []
    for pred in ctx.qfacts.predicates:
        for p in pred.children or [pred]:
            if p.table is None or p.column is None:
                continue
            detail = detail_of(ctx, p.table)
            col = column_of(detail, p.column)
            if detail is None or col is None:
                continue
            indexed = indexes_on_column(detail, p.column)
            if not indexed:
                continue
            if p.kind == "cast" and isinstance(p.wrapper, exp.Cast | exp.TryCast):
                kind = "explicit"
                what = f"casts {p.column} ({col.data_type}) to {p.wrapper.to.sql(dialect=ctx.dialect)}"
                advice = _cast_advice(p, p.column, ctx)
            elif (
                p.kind in ("eq", "range")
                and col.data_type.lower() in INTEGER_TYPES
                and (
                    _decimal_literal(p.other)
                    or (
                        isinstance(p.node, exp.Between)
                        and (
                            _decimal_literal(p.node.args.get("low"))
                            or _decimal_literal(p.node.args.get("high"))
                        )
                    )
                )
            ):
                kind = "implicit"
                what = (
                    f"compares the {col.data_type} column {p.column} with a decimal value, so PostgreSQL casts "
                    f"{p.column} to numeric for every row"
                )
                advice = (
                    f"Compare {p.column} with an integer (round the bound with ceil or floor, or cast the value to "
                    f"{col.data_type}) so {indexed[0].name} applies."
                )
            else:
                continue
            out.append(
                query_finding(
                    RULE_ID,
                    "warning" if large(detail) else "info",
                    obj=qualified(p.table, detail),
                    title=f"{kind.capitalize()} cast defeats an index",
                    message=(
                        f"The predicate {p.node.sql(dialect=ctx.dialect)} {what}; the column is indexed by "
                        f"{', '.join(i.name for i in indexed)}"
                        + (
                            f" and the table holds {fmt.num(detail.row_estimate)} rows."
                            if detail.row_estimate is not None
                            else "."
                        )
                    ),
                    reasoning=(
                        "An index stores the column's own values in its type's order; once the column is converted "
                        "to another type the index no longer answers the comparison and the table is scanned."
                    ),
                    recommendation=advice,
                    evidence={"table_rows": detail.row_estimate, "indexes_on_column": len(indexed)},
                    impact=float(detail.row_estimate or 0),
                )
            )
    return out + join_cast_findings(ctx)


RULES = (
    Rule(
        id=RULE_ID,
        category="query",
        engines=("postgresql",),
        check=check,
        summary="cast on an indexed column in a predicate (explicit, integer vs decimal, or a join of two types)",
    ),
)
