"""``pg.index-filter-removal``: an Index Scan / Index Only Scan / Bitmap Heap Scan that fetches rows
through the index and then discards most of them with a Filter.

Fires when Rows Removed by Filter (total over loops) > 100 (Joe's INDEX_INEFFICIENT_HIGH_FILTERED) and
the removed share is ≥ 50 % of the rows fetched (PEV2 c-3). Severity: warning when ≥ 90 % is removed
or the node holds ≥ 10 % of execution time, else info. The fix is a composite index that carries the
filter columns after the index condition's columns (Equality → Range).
"""

from __future__ import annotations

from tui.advisor.context import PlanContext
from tui.advisor.registry import Rule
from tui.advisor.rules.common import pct, plan_finding, relation_of, rounded, time_saved
from tui.advisor.rules.plan_index import index_advice
from tui.core import fmt
from tui.core.finding import Finding
from tui.core.plan import PlanNode

RULE_ID = "pg.index-filter-removal"
MIN_REMOVED = 100
MIN_REMOVED_SHARE = 0.5
_SCANS = (
    "Index Scan",
    "Index Only Scan",
    "Bitmap Heap Scan",
    "Index Scan Backward",
    "Index Only Scan Backward",
)


def _index_name(node: PlanNode) -> str | None:
    if node.index:
        return node.index
    for child in node.children:  # Bitmap Heap Scan ← Bitmap Index Scan
        if child.index:
            return child.index
    return None


def check(ctx: PlanContext) -> list[Finding]:
    out: list[Finding] = []
    if not ctx.plan.analyzed:
        return out
    for node in ctx.plan.nodes():
        base = node.operation.removeprefix("Parallel ")
        if base not in _SCANS or node.never_executed or not node.filter:
            continue
        removed = node.extra.get("Rows Removed by Filter")
        if not isinstance(removed, int | float):
            continue
        loops = node.loops or 1
        removed_total = removed * loops
        returned = node.rows_actual_total or 0.0
        fetched = removed_total + returned
        if removed_total <= MIN_REMOVED or not fetched or removed_total / fetched < MIN_REMOVED_SHARE:
            continue
        rel = relation_of(node, ctx)
        if rel is None:
            continue
        removed_share = removed_total / fetched
        time_share = node.time_share
        severity = "warning" if removed_share >= 0.9 or (time_share or 0) >= 0.1 else "info"
        access = node.index_condition or node.extra.get("Recheck Cond")
        condition = f"({access}) AND ({node.filter})" if isinstance(access, str) and access else node.filter
        advice, ddl, rollback = index_advice(node, ctx, rel, condition)
        index = _index_name(node)
        out.append(
            plan_finding(
                RULE_ID,
                severity,
                ctx,
                node,
                obj=rel.qualified,
                title="Index scan discards most fetched rows",
                message=(
                    f"The {node.operation} on {rel.qualified}"
                    + (f" using {index}" if index else "")
                    + f" fetched {fmt.num(fetched)} rows and the filter removed {fmt.num(removed_total)} of "
                    f"them ({fmt.pct(removed_share)}), returning {fmt.num(returned)}"
                    + (f"; {fmt.pct(time_share)} of execution time" if time_share is not None else "")
                    + f". Index condition: {access or 'none'}. Filter: {node.filter}"
                ),
                reasoning=(
                    "Each row the index returns costs a heap visit before the filter rejects it; an index "
                    "that also covers the filter columns stops at the matching entries."
                ),
                recommendation=advice,
                evidence={
                    "rows_fetched": fetched,
                    "rows_removed": removed_total,
                    "rows_returned": returned,
                    "removed_pct": pct(removed_share),
                    "time_share_pct": pct(time_share),
                    "time_ms": rounded(node.time_exclusive_ms),
                    "loops": node.loops,
                },
                ddl=ddl,
                rollback=rollback,
                impact=time_saved(node, removed_share) or removed_total,
            )
        )
    return out


RULES = (
    Rule(
        id=RULE_ID,
        category="plan",
        engines=("postgresql",),
        check=check,
        summary="index scan whose filter removes > 100 rows and ≥ 50 % of those fetched",
    ),
)
