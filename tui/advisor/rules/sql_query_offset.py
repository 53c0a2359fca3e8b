"""``sql.offset-pagination``: ``OFFSET n`` with n ≥ 1,000 (info; warning at ≥ 10,000). The server
produces and discards n rows on every page, so page k costs k pages of work; keyset pagination
(``WHERE (sort keys) > (last values)``) reads one page. The recommendation writes the keyset predicate
from the query's own ORDER BY.
"""

from __future__ import annotations

from tui.advisor.context import QueryContext
from tui.advisor.registry import Rule
from tui.advisor.rules.query_common import detail_of, qualified, query_finding
from tui.core import fmt
from tui.core.finding import Finding

RULE_ID = "sql.offset-pagination"
MIN_OFFSET = 1_000
WARNING_OFFSET = 10_000


def _keyset(ctx: QueryContext) -> str:
    keys = [k for k in ctx.qfacts.order_by if k.column]
    if not keys:
        return (
            "The query has no ORDER BY on plain columns, so its pages are not even stable; order by a unique key "
            "and page with WHERE key > :last_key ORDER BY key LIMIT n."
        )
    directions = {k.descending for k in keys}
    cols = [k.column for k in keys if k.column]
    if len(directions) == 1:
        op = "<" if keys[0].descending else ">"
        params = ", ".join(f":last_{c}" for c in cols)
        left = f"({', '.join(cols)})" if len(cols) > 1 else cols[0]
        right = f"({params})" if len(cols) > 1 else params
        order = ", ".join(f"{c}{' DESC' if keys[0].descending else ''}" for c in cols)
        return (
            f"Page by the last row seen: WHERE {left} {op} {right} ORDER BY {order} LIMIT "
            f"{ctx.qfacts.limit or 'n'}, with an index on ({', '.join(cols)}); the ORDER BY must end in a unique "
            "column for the pages to be exact."
        )
    return (
        "The ORDER BY mixes directions, so a row-value comparison does not apply; expand it into "
        "(a > :a) OR (a = :a AND b < :b) and index the keys in the same directions."
    )


def check(ctx: QueryContext) -> list[Finding]:
    offset = ctx.qfacts.offset
    if offset is None or offset < MIN_OFFSET:
        return []
    ref = ctx.qfacts.tables[0] if len(ctx.qfacts.tables) == 1 else None
    detail = detail_of(ctx, ref)
    return [
        query_finding(
            RULE_ID,
            "warning" if offset >= WARNING_OFFSET else "info",
            obj=qualified(ref, detail),
            title="OFFSET pagination",
            message=(
                f"The query skips {fmt.num(offset)} rows with OFFSET"
                + (f" to return at most {fmt.num(ctx.qfacts.limit)}" if ctx.qfacts.limit is not None else "")
                + "."
            ),
            reasoning=(
                f"OFFSET is applied after the rows are produced: the server builds and discards {fmt.num(offset)} "
                "rows for this page, and the cost grows linearly with the page number."
            ),
            recommendation=_keyset(ctx),
            evidence={"offset_rows": offset, "limit_rows": ctx.qfacts.limit},
            impact=float(offset),
        )
    ]


RULES = (
    Rule(
        id=RULE_ID,
        category="query",
        engines=("postgresql", "mysql", "mariadb"),
        check=check,
        summary="OFFSET ≥ 1,000",
    ),
)
