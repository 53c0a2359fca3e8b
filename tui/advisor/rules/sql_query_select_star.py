"""``sql.select-star``: the outermost SELECT projects ``*`` (or ``t.*``). Severity info.

Every column is read, decoded and sent — wide values (PostgreSQL TOAST, MySQL off-page TEXT/BLOB) are
fetched for nothing — and a covering (index-only) scan becomes impossible. ``EXISTS (SELECT * …)`` and ``count(*)`` are not
projections and do not fire.
"""

from __future__ import annotations

from tui.advisor.context import QueryContext
from tui.advisor.registry import Rule
from tui.advisor.rules.query_common import detail_of, qualified, query_finding
from tui.core import fmt
from tui.core.finding import Finding

RULE_ID = "sql.select-star"
WIDE_TYPES = ("text", "json", "jsonb", "bytea", "xml", "character varying", "varchar", "tsvector")


def check(ctx: QueryContext) -> list[Finding]:
    q = ctx.qfacts
    if not q.star_outermost or not q.select_star:
        return []
    names, columns, wide = [], 0, []
    known = True
    for ref in q.select_star:
        detail = detail_of(ctx, ref)
        names.append(qualified(ref, detail) or ref.name)
        if detail is None:
            known = False
            continue
        columns += len(detail.columns)
        wide += [
            f"{c.name} ({c.data_type})"
            for c in detail.columns
            if c.data_type.lower().startswith(WIDE_TYPES) and "(" not in c.data_type
        ]
    count_text = f"all {fmt.num(columns)} columns" if known else "every column"
    return [
        query_finding(
            RULE_ID,
            "info",
            obj=names[0] if len(names) == 1 else None,
            title="SELECT * in the outermost query",
            message=(
                f"The query selects {count_text} of {', '.join(names)}"
                + (f", including the variable-length {', '.join(wide[:5])}" if wide else "")
                + "."
            ),
            reasoning=(
                "Each column is read, decoded and sent to the client whether it is used or not; wide values are "
                + (
                    "fetched from TOAST, and no index can cover the query for an index-only scan."
                    if ctx.engine == "postgresql"
                    else "read from off-page storage (TEXT/BLOB), and no index can cover the query, so every "
                    "row is looked up in the clustered index."
                )
                + " The result also changes shape when a column is added."
            ),
            recommendation="List the columns the caller uses.",
            evidence={
                "columns": columns if known else None,
                "tables": len(names),
                "wide_columns": len(wide) if known else None,
            },
            impact=float(columns),
        )
    ]


RULES = (
    Rule(
        id=RULE_ID,
        category="query",
        engines=("postgresql", "mysql", "mariadb"),
        check=check,
        summary="SELECT * in the outermost query",
    ),
)
