"""``pg.lossy-bitmap``: a Bitmap Heap Scan whose bitmap outgrew work_mem and became lossy.

``Lossy Heap Blocks`` > 0 means PostgreSQL kept only page numbers for those pages and rechecked every
row on them (``Rows Removed by Index Recheck``). work_mem is sized from the pages the exact bitmap
needs: (exact + lossy heap blocks) × 64 bytes per page entry (``tbm_calculate_entries``: one
PagetableEntry of 48 bytes plus two pointers), × 2 for the hash table's fill factor, rounded up to a
power of two. Severity: warning when the recheck removed rows or the node holds ≥ 10 % of execution
time, else info.
"""

from __future__ import annotations

from tui.advisor.context import PlanContext
from tui.advisor.registry import Rule
from tui.advisor.rules.common import (
    current_work_mem_kb,
    mem_setting,
    pct,
    plan_finding,
    relation_of,
    rounded,
    time_saved,
    work_mem_target,
)
from tui.core import fmt
from tui.core.finding import Finding

RULE_ID = "pg.lossy-bitmap"
BYTES_PER_PAGE_ENTRY = 64
HASH_HEADROOM = 2


def check(ctx: PlanContext) -> list[Finding]:
    out: list[Finding] = []
    if not ctx.plan.analyzed:
        return out
    for node in ctx.plan.nodes():
        if "Bitmap Heap Scan" not in node.operation:
            continue
        lossy = node.extra.get("Lossy Heap Blocks")
        if not isinstance(lossy, int | float) or lossy <= 0:
            continue
        exact = node.extra.get("Exact Heap Blocks")
        exact = exact if isinstance(exact, int | float) else 0
        recheck = node.extra.get("Rows Removed by Index Recheck")
        recheck_total = recheck * (node.loops or 1) if isinstance(recheck, int | float) else None
        pages = exact + lossy
        needed_kb = pages * BYTES_PER_PAGE_ENTRY * HASH_HEADROOM / 1024
        current = current_work_mem_kb(ctx)
        target = work_mem_target(needed_kb, current)
        rel = relation_of(node, ctx)
        share = node.time_share
        out.append(
            plan_finding(
                RULE_ID,
                "warning" if (recheck_total or 0) > 0 or (share or 0) >= 0.1 else "info",
                ctx,
                node,
                obj=rel.qualified if rel else None,
                title="Lossy bitmap heap scan",
                message=(
                    f"The Bitmap Heap Scan (node {node.node_id}) had {fmt.num(lossy)} lossy and {fmt.num(exact)} "
                    "exact heap blocks"
                    + (
                        f"; the recheck removed {fmt.num(recheck_total)} rows"
                        if recheck_total is not None
                        else ""
                    )
                    + (f"; {fmt.pct(share)} of execution time" if share is not None else "")
                    + "."
                ),
                reasoning=(
                    "When the bitmap does not fit in work_mem, PostgreSQL degrades pages to lossy entries: it "
                    "remembers the page but not the rows, and must recheck the condition on every row of it."
                ),
                recommendation=(
                    f"({fmt.num(exact)} exact + {fmt.num(lossy)} lossy) pages × {BYTES_PER_PAGE_ENTRY} bytes per "
                    f"page entry × {HASH_HEADROOM} headroom = {fmt.num(needed_kb)} kB, rounded up to the next power "
                    f"of two" + (" above the current setting" if current else "") + f": work_mem = "
                    f"{mem_setting(target)} for this session."
                ),
                evidence={
                    "lossy_heap_blocks": lossy,
                    "exact_heap_blocks": exact,
                    "rows_removed_by_recheck": recheck_total,
                    "work_mem_current_kb": current,
                    "work_mem_recommended_kb": target,
                    "time_share_pct": pct(share),
                    "time_ms": rounded(node.time_exclusive_ms),
                },
                ddl=[f"SET work_mem = '{mem_setting(target)}';"],
                rollback=["RESET work_mem;"],
                impact=time_saved(node, 0.3),
            )
        )
    return out


RULES = (
    Rule(
        id=RULE_ID,
        category="plan",
        engines=("postgresql",),
        check=check,
        summary="Bitmap Heap Scan with Lossy Heap Blocks > 0",
    ),
)
