"""``sql.not-in-nullable``: ``x NOT IN (SELECT y …)`` where y can be NULL.

If the subquery returns a single NULL, ``NOT IN`` is never true and the query silently returns no rows;
PostgreSQL also cannot turn NOT IN into an anti-join (it runs a hashed SubPlan, or re-runs the subquery
per row when it does not fit in work_mem). ``NOT EXISTS`` has the intended semantics and plans as an
anti-join. Severity warning when y is nullable per the schema, info when its nullability is unknown
(no schema facts, or an expression); silent when y is NOT NULL or the list is literal.
"""

from __future__ import annotations

from sqlglot import exp

from tui.advisor.context import QueryContext
from tui.advisor.registry import Rule
from tui.advisor.rules.query_common import qualified, query_finding
from tui.advisor.sqlfacts import TableRef, column_of
from tui.core.finding import Finding

RULE_ID = "sql.not-in-nullable"


def _inner_select(node: object) -> exp.Select | None:
    if isinstance(node, exp.Subquery):
        node = node.this
    return node if isinstance(node, exp.Select) else None


def _source_table(select: exp.Select, column: exp.Column, ctx: QueryContext) -> TableRef | None:
    tables = [t for t in select.find_all(exp.Table) if t.find_ancestor(exp.Select) is select]
    for table in tables:
        if not column.table or column.table in (table.alias_or_name, table.name):
            return TableRef(table.db or None, table.name, table.alias_or_name)
    return None


def _rewrite(
    pred_node: exp.Expression, select: exp.Select, outer: exp.Expression, ctx: QueryContext
) -> str | None:
    try:
        inner = select.copy()
        inner_col = inner.expressions[0].copy()
        if isinstance(inner_col, exp.Alias):
            inner_col = inner_col.this
        inner.set("expressions", [exp.Literal.number(1)])
        inner = inner.where(exp.EQ(this=inner_col, expression=outer.copy()), copy=False)
        return f"NOT EXISTS ({inner.sql(dialect=ctx.dialect)})"
    except Exception:  # any sqlglot failure means no rewrite text, not a broken rule
        return None


def check(ctx: QueryContext) -> list[Finding]:
    out: list[Finding] = []
    for pred in ctx.qfacts.predicates:
        for p in pred.children or [pred]:
            if p.kind != "not_in":
                continue
            select = _inner_select(p.other)
            if select is None or len(select.expressions) != 1:
                continue
            projected = select.expressions[0]
            projected = projected.this if isinstance(projected, exp.Alias) else projected
            nullable: bool | None = None
            where = "the subquery's expression"
            ref = None
            if isinstance(projected, exp.Column):
                ref = _source_table(select, projected, ctx)
                detail = ctx.tables.find(ref.name, ref.schema) if ref else None
                col = column_of(detail, projected.name)
                where = f"{qualified(ref, detail)}.{projected.name}" if ref else projected.name
                if col is not None:
                    nullable = col.nullable
                if ref is not None and select.args.get("where") is not None:
                    # WHERE y IS NOT NULL inside the subquery removes the NULLs.
                    for cond in select.args["where"].find_all(exp.Is):
                        negated = cond.args.get("negate") or isinstance(cond.parent, exp.Not)
                        is_col = isinstance(cond.this, exp.Column) and isinstance(cond.expression, exp.Null)
                        if negated and is_col and cond.this.name == projected.name:
                            nullable = False
            if nullable is False:
                continue
            not_node = p.node
            in_node = not_node if isinstance(not_node, exp.In) else not_node.this
            outer = in_node.this if isinstance(in_node, exp.In) else None
            rewrite = _rewrite(not_node, select, outer, ctx) if outer is not None else None
            out.append(
                query_finding(
                    RULE_ID,
                    "warning" if nullable else "info",
                    obj=qualified(p.table),
                    title="NOT IN over a nullable subquery column",
                    message=(
                        f"The predicate {not_node.sql(dialect=ctx.dialect)} compares against {where}, which "
                        + ("is nullable." if nullable else "may be NULL (its nullability is unknown here).")
                    ),
                    reasoning=(
                        "If the subquery yields one NULL, x NOT IN (…) is NULL for every row and the query returns "
                        "nothing; PostgreSQL also cannot plan NOT IN as an anti-join, so it hashes the whole "
                        "subquery result or re-runs it per row."
                    ),
                    recommendation=(
                        "Rewrite it with NOT EXISTS, which ignores NULLs the intended way and plans as an anti-join"
                        + (f": {rewrite}" if rewrite else "")
                        + "."
                    ),
                    evidence={},
                )
            )
    return out


RULES = (
    Rule(
        id=RULE_ID,
        category="query",
        engines=("postgresql", "mysql", "mariadb"),
        check=check,
        summary="NOT IN (subquery) over a nullable column",
    ),
)
