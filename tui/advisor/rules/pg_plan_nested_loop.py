"""``pg.nested-loop-inner``: a Nested Loop whose inner side runs ≥ 1,000 times and holds ≥ 10 % of
execution time (the depesz/PEV2 "× loops" view of exclusive time).

The inner subtree's time is its inclusive time (already × loops). When the inner side is a Seq Scan,
the fix is an index on its join key (from its Filter / Join Filter); when it is already an index scan,
the loop count itself is the problem — usually an outer-side row misestimate that hid a hash join —
and the finding says so. Severity: warning when the inner side holds ≥ 50 % of the time, else info.
"""

from __future__ import annotations

from tui.advisor.context import PlanContext
from tui.advisor.registry import Rule
from tui.advisor.rules.common import pct, plan_finding, relation_of, rounded, subtree_share
from tui.advisor.rules.plan_index import index_advice
from tui.core import fmt
from tui.core.finding import Finding
from tui.core.plan import PlanNode

RULE_ID = "pg.nested-loop-inner"
MIN_LOOPS = 1_000
MIN_SHARE = 0.10


def _inner(node: PlanNode) -> PlanNode | None:
    inner = [c for c in node.children if c.role == "Inner"]
    if inner:
        return inner[0]
    plain = [c for c in node.children if c.role not in ("InitPlan", "SubPlan", "CTE")]
    return plain[1] if len(plain) >= 2 else None


def _scan_below(node: PlanNode) -> PlanNode | None:
    """The scan that does the inner side's work (through Materialize, Memoize, Bitmap…)."""
    for n in node.walk():
        if n.extra.get("Relation Name"):
            return n
    return None


def check(ctx: PlanContext) -> list[Finding]:
    out: list[Finding] = []
    if not ctx.plan.analyzed:
        return out
    for node in ctx.plan.nodes():
        if not node.operation.startswith("Nested Loop") or node.never_executed:
            continue
        inner = _inner(node)
        if inner is None or (inner.loops or 0) < MIN_LOOPS:
            continue
        share = subtree_share(inner, ctx)
        if share is None or share < MIN_SHARE:
            continue
        scan = _scan_below(inner) or inner
        rel = relation_of(scan, ctx)
        ddl: list[str] = []
        undo: list[str] = []
        if scan.operation.endswith("Seq Scan") and rel is not None:
            # The join condition sits on the inner scan (Filter) or on the loop itself (Join Filter).
            parts = [c for c in (scan.filter, node.extra.get("Join Filter")) if isinstance(c, str) and c]
            condition = " AND ".join(f"({c})" for c in parts) or None
            advice, ddl, undo = index_advice(scan, ctx, rel, condition, joins=True)
            advice = (
                f"Each of the {fmt.num(inner.loops)} loops scans {rel.qualified} sequentially. " + advice
                if advice
                else f"Each of the {fmt.num(inner.loops)} loops scans {rel.qualified} sequentially."
            )
        else:
            outer_rows = next((c for c in node.children if c.role == "Outer"), None)
            est = outer_rows.rows_estimated if outer_rows else None
            act = outer_rows.rows_actual if outer_rows else None
            advice = (
                f"The inner side already uses {scan.label}; the cost is the {fmt.num(inner.loops)} repetitions. "
                + (
                    f"The planner expected {fmt.num(est)} outer rows and got {fmt.num(act)}; "
                    "with a correct estimate it would have chosen a hash join. "
                    if est is not None and act is not None and act > est * 10
                    else ""
                )
                + "Fix the outer estimate (ANALYZE, extended statistics) or rewrite a correlated subquery as a join."
            )
        per_loop = (inner.time_inclusive_ms or 0.0) / (inner.loops or 1)
        out.append(
            plan_finding(
                RULE_ID,
                "warning" if share >= 0.5 else "info",
                ctx,
                node,
                obj=rel.qualified if rel else None,
                title="Nested loop repeats its inner side",
                message=(
                    f"The {node.operation} (node {node.node_id}) ran its inner side, {inner.label}, "
                    f"{fmt.num(inner.loops)} times at {fmt.ms(per_loop)} each: {fmt.ms(inner.time_inclusive_ms)} "
                    f"in total, {fmt.pct(share)} of execution time."
                ),
                reasoning=(
                    "A nested loop runs its inner side once per outer row; cheap per loop, it dominates when "
                    "the outer side returns thousands of rows."
                ),
                recommendation=advice,
                evidence={
                    "loops": inner.loops,
                    "inner_time_ms": rounded(inner.time_inclusive_ms),
                    "time_per_loop_ms": rounded(per_loop, 4),
                    "time_share_pct": pct(share),
                    "rows_per_loop": inner.rows_actual,
                },
                ddl=ddl,
                rollback=undo,
                impact=(inner.time_inclusive_ms or 0.0) * 0.5,
            )
        )
    return out


RULES = (
    Rule(
        id=RULE_ID,
        category="plan",
        engines=("postgresql",),
        check=check,
        summary="Nested Loop inner side with ≥ 1,000 loops and ≥ 10 % of the time",
    ),
)
