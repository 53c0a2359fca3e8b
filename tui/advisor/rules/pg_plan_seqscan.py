"""``pg.seq-scan-selective``: a Seq Scan whose filter discards most of the rows it reads.

Fires when the scan read ≥ 1,000 rows and the filter removed ≥ 50 % of them (PEV2's filter badge
c-3; c-4 at 90 %). Severity: critical when ≥ 99 % is removed and the scan holds ≥ 50 % of execution
time, warning at ≥ 90 % removed or ≥ 10 % of time, info otherwise. Without ANALYZE it compares the
planner's row estimate with the table's row count (SchemaFacts) instead. The DDL is a B-tree on the
filter's columns in Equality → Range order (``tui.advisor.suggest``), unless an existing index already
serves them; ``advise_plan`` replaces it with the HypoPG-verified suggestion when there is one.
"""

from __future__ import annotations

from tui.advisor.context import PlanContext
from tui.advisor.registry import Rule
from tui.advisor.rules.common import Relation, pct, plan_finding, relation_of, rounded, time_saved
from tui.advisor.rules.plan_index import index_advice
from tui.core import fmt
from tui.core.finding import Finding
from tui.core.plan import PlanNode

RULE_ID = "pg.seq-scan-selective"
MIN_ROWS_READ = 1_000
MIN_REMOVED_SHARE = 0.5


def check(ctx: PlanContext) -> list[Finding]:
    out: list[Finding] = []
    for node in ctx.plan.nodes():
        if node.operation not in ("Seq Scan", "Parallel Seq Scan") or node.never_executed:
            continue
        rel = relation_of(node, ctx)
        if rel is None:
            continue
        finding = _analyzed(node, ctx, rel) if ctx.plan.analyzed else _estimated(node, ctx, rel)
        if finding is not None:
            out.append(finding)
    return out


def _analyzed(node: PlanNode, ctx: PlanContext, rel: Relation) -> Finding | None:
    returned = node.rows_actual_total or 0.0
    removed = node.extra.get("Rows Removed by Filter")
    if not isinstance(removed, int | float) or not node.filter:
        return None
    removed_total = removed * (node.loops or 1)
    read = returned + removed_total
    if read < MIN_ROWS_READ:
        return None
    removed_share = removed_total / read
    if removed_share < MIN_REMOVED_SHARE:
        return None
    time_share = node.time_share
    if removed_share >= 0.99 and (time_share or 0) >= 0.5:
        severity = "critical"
    elif removed_share >= 0.9 or (time_share or 0) >= 0.1:
        severity = "warning"
    else:
        severity = "info"
    selectivity = returned / read
    advice, ddl, rollback = index_advice(node, ctx, rel)
    time_text = (
        f", which accounts for {fmt.pct(time_share)} of execution time ({fmt.ms(node.time_exclusive_ms)})"
        if time_share is not None
        else ""
    )
    return plan_finding(
        RULE_ID,
        severity,
        ctx,
        node,
        obj=rel.qualified,
        title="Seq Scan discards most rows",
        message=(
            f"The {node.operation} on {rel.qualified} read {fmt.num(read)} rows to return {fmt.num(returned)} "
            f"(selectivity {fmt.pct(selectivity)}){time_text}. Filter: {node.filter}"
        ),
        reasoning=(
            f"A sequential scan reads every row and tests the filter on each; {fmt.pct(removed_share)} of "
            "that work is thrown away. An index on the filtered columns reads only the matching rows."
        ),
        recommendation=advice,
        evidence={
            "rows_read": read,
            "rows_returned": returned,
            "rows_removed": removed_total,
            "selectivity_pct": pct(selectivity),
            "time_share_pct": pct(time_share),
            "time_ms": rounded(node.time_exclusive_ms),
            "loops": node.loops,
            "cost": node.cost,
        },
        ddl=ddl,
        rollback=rollback,
        impact=time_saved(node, removed_share) or removed_total,
    )


def _estimated(node: PlanNode, ctx: PlanContext, rel: Relation) -> Finding | None:
    """Plain EXPLAIN: the planner expects few rows out of a large table."""
    if rel.detail is None or not rel.detail.row_estimate or not node.filter:
        return None
    table_rows = float(rel.detail.row_estimate)
    expected = (node.rows_estimated or 0.0) * (node.loops or 1)
    if table_rows < MIN_ROWS_READ:
        return None
    selectivity = expected / table_rows
    if selectivity > 1 - MIN_REMOVED_SHARE:
        return None
    advice, ddl, rollback = index_advice(node, ctx, rel)
    return plan_finding(
        RULE_ID,
        "warning" if selectivity < 0.1 else "info",
        ctx,
        node,
        obj=rel.qualified,
        title="Seq Scan discards most rows (estimated)",
        message=(
            f"The planner expects the {node.operation} on {rel.qualified} to return {fmt.num(expected)} of "
            f"{fmt.num(table_rows)} rows (selectivity {fmt.pct(selectivity)}, estimated cost "
            f"{fmt.num(node.cost, 2)}). Filter: {node.filter}"
        ),
        reasoning="A sequential scan reads every row to keep a small fraction of them.",
        recommendation=advice,
        evidence={
            "rows_table": table_rows,
            "rows_estimated": expected,
            "selectivity_pct": pct(selectivity),
            "cost": node.cost,
        },
        ddl=ddl,
        rollback=rollback,
        impact=ctx.cost_impact((node.cost_exclusive or 0.0) * (1 - selectivity)),
    )


RULES = (
    Rule(
        id=RULE_ID,
        category="plan",
        engines=("postgresql",),
        check=check,
        summary="Seq Scan whose filter removes ≥ 50 % of ≥ 1,000 rows read",
    ),
)
