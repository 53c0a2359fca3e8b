"""``sql.or-across-columns``: an OR whose branches test different columns (``a = 1 OR b = 2``).

One composite index cannot serve it. PostgreSQL can combine one index per column with a BitmapOr when
every branch has its own index; otherwise it scans the table. With schema facts, the DDL adds a B-tree
for each branch column that no index leads with; when all have one, the finding is info and says that
BitmapOr applies. Branches on different tables cannot be combined at all: the recommendation is a
UNION (ALL, when the branches cannot overlap). Severity warning when an index is missing on a large
or unknown-size table, info otherwise.
"""

from __future__ import annotations

from tui.advisor import ddl
from tui.advisor.context import QueryContext
from tui.advisor.indexes import covering_index
from tui.advisor.registry import Rule
from tui.advisor.rules.query_common import detail_of, large, qualified, query_finding
from tui.advisor.sqlfacts import EQUALITY_KINDS, RANGE_KINDS
from tui.advisor.suggest import taken_names
from tui.core import fmt
from tui.core.finding import Finding

RULE_ID = "sql.or-across-columns"
BRANCH_KINDS = EQUALITY_KINDS | RANGE_KINDS | {"like_prefix"}


def check(ctx: QueryContext) -> list[Finding]:
    out: list[Finding] = []
    for pred in ctx.qfacts.predicates:
        if pred.kind != "or":
            continue
        branches = [c for c in pred.children if c.kind in BRANCH_KINDS and c.column and c.table]
        columns = {(c.table.key, c.column): c for c in branches if c.table is not None}
        if len(columns) < 2 or len(branches) != len(pred.children):
            continue
        tables = {key[0] for key in columns}
        statements: list[str] = []
        undo: list[str] = []
        missing: list[str] = []
        big = False
        taken: dict[str | None, set[str]] = {}
        for (_tkey, column), branch in columns.items():
            detail = detail_of(ctx, branch.table)
            if detail is None:
                continue
            big = big or large(detail)
            if covering_index(detail, [column], equality=1) is not None:
                continue
            schema, table = detail.node.schema, detail.node.table or detail.node.name
            names = taken.setdefault(schema, taken_names(ctx.facts, schema))
            name = ddl.index_name(table, [column], names)
            names.add(name)
            statements.append(ddl.create_index(schema, table, [column], name=name))
            undo.append(ddl.drop_index(schema, name))
            missing.append(f"{qualified(branch.table, detail)}.{column}")
        labels = ", ".join(f"{qualified(c.table)}.{c.column}" for c in columns.values())
        if len(tables) > 1:
            advice = (
                "The branches test columns of different tables, which no index can combine; split the query into a "
                "UNION of one query per branch (UNION ALL when the branches cannot return the same row), each "
                "using its own index."
            )
        elif missing:
            advice = (
                f"Index each branch column on its own so PostgreSQL can combine them with a BitmapOr; missing: "
                f"{', '.join(missing)}. A UNION ALL of one query per branch is the alternative."
            )
        else:
            advice = "Every branch column already has an index PostgreSQL can combine with a BitmapOr."
        out.append(
            query_finding(
                RULE_ID,
                "warning" if missing and big else "info",
                obj=qualified(next(iter(columns.values())).table) if len(tables) == 1 else None,
                title="OR across different columns",
                message=(
                    f"The condition {pred.node.sql(dialect=ctx.dialect)} tests {fmt.num(len(columns))} different "
                    f"columns ({labels}) in one OR."
                ),
                reasoning=(
                    "A composite index serves an AND of its columns, not an OR: each branch needs an index of its "
                    "own, or the planner reads the whole table."
                ),
                recommendation=advice,
                evidence={"columns": len(columns), "tables": len(tables), "missing_indexes": len(missing)},
                ddl=statements,
                rollback=undo,
            )
        )
    return out


RULES = (
    Rule(
        id=RULE_ID,
        category="query",
        engines=("postgresql", "mysql", "mariadb"),
        check=check,
        summary="OR whose branches test different columns",
    ),
)
