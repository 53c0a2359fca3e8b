"""``pg.large-result-no-limit``: the statement returns more than 10,000 rows and its top node is not a
Limit (Joe's ADD_LIMIT). Without ANALYZE the planner's estimate is used. Severity info (a report may
need every row; an interactive screen never does). No DDL: the fix is in the statement (LIMIT, keyset
pagination, aggregation in the database).
"""

from __future__ import annotations

from tui.advisor.context import PlanContext
from tui.advisor.registry import Rule
from tui.advisor.rules.common import plan_finding, rounded
from tui.core import fmt
from tui.core.finding import Finding

RULE_ID = "pg.large-result-no-limit"
MAX_ROWS = 10_000


def check(ctx: PlanContext) -> list[Finding]:
    root = ctx.plan.root
    if root.operation.startswith("Limit") or any(
        n.operation.startswith("Limit") for n in [root, *root.children[:1]]
    ):
        return []
    if root.operation in ("Insert", "Update", "Delete", "Merge") or root.operation.startswith("ModifyTable"):
        return []
    if ctx.plan.analyzed:
        rows = root.rows_actual_total if root.rows_actual_total is not None else root.rows_actual
        basis = "returned"
    else:
        rows = root.rows_estimated
        basis = "is estimated to return"
    if rows is None or rows <= MAX_ROWS:
        return []
    return [
        plan_finding(
            RULE_ID,
            "info",
            ctx,
            root,
            title="Large result without LIMIT",
            message=f"The statement {basis} {fmt.num(rows)} rows and has no LIMIT.",
            reasoning=(
                "Every row is produced, sent over the network and held by the client; no person reads "
                f"{fmt.num(rows)} rows, and the planner optimises for the whole set instead of the first rows."
            ),
            recommendation=(
                "Add LIMIT with keyset pagination (WHERE key > last_seen ORDER BY key LIMIT n) for screens, or "
                "aggregate in the database when the client only summarises."
            ),
            evidence={"rows_returned": rows, "time_ms": rounded(ctx.plan.total_time_ms)},
            impact=rows / 1000.0,
        )
    ]


RULES = (
    Rule(
        id=RULE_ID,
        category="plan",
        engines=("postgresql",),
        check=check,
        summary="root returns > 10,000 rows without a Limit",
    ),
)
