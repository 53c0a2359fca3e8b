"""``pg.heap-fetches``: an Index Only Scan that still visited the heap (``Heap Fetches`` > 0, Joe's
VACUUM_ANALYZE_NEEDED). ``Heap Fetches`` is a total over loops in PostgreSQL's output; the share is
fetches / rows returned (PEV2's badge: > 0, > 40 %, > 90 %). Severity: warning at ≥ 40 % with
≥ 1,000 fetches, info otherwise. Fix: ``VACUUM (ANALYZE) t`` so the visibility map marks the pages
all-visible again, and autovacuum tuned so it stays so.
"""

from __future__ import annotations

from tui.advisor import ddl
from tui.advisor.context import PlanContext
from tui.advisor.registry import Rule
from tui.advisor.rules.common import NO_UNDO, pct, plan_finding, relation_of, rounded, time_saved
from tui.core import fmt
from tui.core.finding import Finding

RULE_ID = "pg.heap-fetches"


def check(ctx: PlanContext) -> list[Finding]:
    out: list[Finding] = []
    if not ctx.plan.analyzed:
        return out
    for node in ctx.plan.nodes():
        if "Index Only Scan" not in node.operation:
            continue
        fetches = node.extra.get("Heap Fetches")
        if not isinstance(fetches, int | float) or fetches <= 0:
            continue
        rel = relation_of(node, ctx)
        if rel is None:
            continue
        returned = node.rows_actual_total or 0.0
        ratio = fetches / returned if returned else 1.0
        out.append(
            plan_finding(
                RULE_ID,
                "warning" if ratio >= 0.4 and fetches >= 1000 else "info",
                ctx,
                node,
                obj=rel.qualified,
                title="Index Only Scan visits the heap",
                message=(
                    f"The Index Only Scan on {rel.qualified} using {node.index} fetched {fmt.num(fetches)} heap "
                    f"rows for {fmt.num(returned)} rows returned ({fmt.pct(min(ratio, 1.0))})."
                ),
                reasoning=(
                    "An index-only scan skips the heap only for pages the visibility map marks all-visible; "
                    "pages changed since the last VACUUM need a heap visit per row."
                ),
                recommendation=(
                    f"VACUUM {rel.qualified} to set the visibility map, and lower its "
                    "autovacuum_vacuum_scale_factor if it is written often."
                ),
                evidence={
                    "heap_fetches": fetches,
                    "rows_returned": returned,
                    "heap_fetch_pct": pct(min(ratio, 1.0)),
                    "time_share_pct": pct(node.time_share),
                    "time_ms": rounded(node.time_exclusive_ms),
                },
                ddl=[ddl.vacuum_analyze(rel.schema, rel.table)],
                rollback=[NO_UNDO],
                impact=time_saved(node, min(ratio, 1.0) * 0.5),
            )
        )
    return out


RULES = (
    Rule(
        id=RULE_ID,
        category="plan",
        engines=("postgresql",),
        check=check,
        summary="Index Only Scan with Heap Fetches > 0",
    ),
)
