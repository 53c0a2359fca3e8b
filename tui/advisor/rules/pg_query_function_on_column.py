"""``pg.function-on-indexed-column``: a predicate wraps an indexed column in a function or arithmetic
(``lower(email) = …``, ``price * 1.1 > …``), so the plain index on that column cannot be used.

For an immutable function PostgreSQL can index the expression: the DDL is an expression index
``((lower(email)))`` unless one with the same expression exists. For other functions (volatile or
unknown here) and for arithmetic, the recommendation is to rewrite the predicate so the column stands
alone (``created_at >= X AND created_at < X + interval '1 day'`` instead of ``date_trunc('day', …)``).
Severity warning on large or unknown-size tables (≥ 10,000 rows), info otherwise. Needs schema facts
(to know the column is indexed); silent without them.
"""

from __future__ import annotations

import re

from sqlglot import exp

from tui.advisor import ddl
from tui.advisor.context import QueryContext
from tui.advisor.indexes import indexes_on_column
from tui.advisor.registry import Rule
from tui.advisor.rules.query_common import detail_of, large, qualified, query_finding
from tui.advisor.sqlfacts import sql_text
from tui.advisor.suggest import taken_names
from tui.core import fmt
from tui.core.finding import Finding

RULE_ID = "pg.function-on-indexed-column"
# sqlglot expression classes of functions PostgreSQL declares IMMUTABLE for their usual argument types.
IMMUTABLE = (exp.Lower, exp.Upper, exp.Abs, exp.MD5, exp.Length, exp.Substring, exp.Trim, exp.Left, exp.Right)


def normalize_expression(text: str) -> str:
    """Compare index expressions loosely: case, spaces, double quotes and outer parentheses."""
    value = re.sub(r'[\s"]', "", text.lower())
    while value.startswith("(") and value.endswith(")"):
        value = value[1:-1]
    return value


def check(ctx: QueryContext) -> list[Finding]:
    out: list[Finding] = []
    seen: set[tuple[str, str]] = set()
    for pred in ctx.qfacts.predicates:
        for p in pred.children or [pred]:
            if p.kind != "func" or p.table is None or p.column is None:
                continue
            detail = detail_of(ctx, p.table)
            if detail is None:
                continue
            indexed = indexes_on_column(detail, p.column)
            if not indexed:
                continue
            expression = sql_text(p.wrapper, "postgres", strip_tables=True)
            key = (qualified(p.table, detail) or "", normalize_expression(expression))
            if key in seen:
                continue
            seen.add(key)
            existing = [
                i.name
                for i in detail.indexes
                if i.valid and any(normalize_expression(e) == key[1] for e in i.expressions)
            ]
            if existing:
                continue
            immutable = isinstance(p.wrapper, IMMUTABLE) and not isinstance(p.wrapper, exp.Binary)
            schema, table = detail.node.schema, detail.node.table or detail.node.name
            statements: list[str] = []
            undo: list[str] = []
            if immutable:
                func = p.wrapper.key.lower()
                name = ddl.index_name(table, [func, p.column], taken_names(ctx.facts, schema))
                statements = [
                    ddl.create_index(schema, table, [ddl.KeyPart(expression=expression)], name=name)
                ]
                undo = [ddl.drop_index(schema, name)]
                advice = (
                    f"The optimal indexing strategy for this predicate is an expression index on ({expression}); the "
                    "planner uses it when the query writes the same expression."
                )
            elif isinstance(p.wrapper, exp.Binary):
                advice = (
                    f"Move the arithmetic to the other side of the comparison so {p.column} stands alone; then "
                    f"{indexed[0].name} applies."
                )
            else:
                advice = (
                    f"Rewrite the predicate so {p.column} stands alone (a range on the bare column instead of "
                    f"{expression}); an expression index is possible only for IMMUTABLE functions, which I cannot "
                    "confirm for this one."
                )
            out.append(
                query_finding(
                    RULE_ID,
                    "warning" if large(detail) else "info",
                    obj=qualified(p.table, detail),
                    title="Function on an indexed column",
                    message=(
                        f"The predicate {p.node.sql(dialect=ctx.dialect)} applies {expression} to {p.column}, which "
                        f"is indexed by {', '.join(i.name for i in indexed)}; "
                        + (
                            f"{qualified(p.table, detail)} holds {fmt.num(detail.row_estimate)} rows."
                            if detail.row_estimate is not None
                            else "the table's size is unknown."
                        )
                    ),
                    reasoning=(
                        "A B-tree on a column stores the column's values; a predicate on an expression of the "
                        "column cannot search it, so the planner reads the whole table and computes the "
                        "expression for every row."
                    ),
                    recommendation=advice,
                    evidence={"table_rows": detail.row_estimate, "indexes_on_column": len(indexed)},
                    ddl=statements,
                    rollback=undo,
                    impact=float(detail.row_estimate or 0),
                )
            )
    return out


RULES = (
    Rule(
        id=RULE_ID,
        category="query",
        engines=("postgresql",),
        check=check,
        summary="function or arithmetic on an indexed column in a predicate",
    ),
)
