"""``pg.cache-misses``: the statement read many blocks from outside shared_buffers (EXPLAIN BUFFERS).

Fires when the plan's shared blocks read are > 20 % of hit + read and > 1,000 blocks (8 MB) — the
threshold proposed in plans-and-advisors.md §2 #11. The node with the most exclusive reads is named.
Severity: warning when the reads are ≥ 50 % of the blocks touched, info otherwise. With
``track_io_timing`` the time spent reading is given too.
"""

from __future__ import annotations

from tui.advisor.context import PlanContext
from tui.advisor.registry import Rule
from tui.advisor.rules.common import pct, plan_finding, relation_of, rounded
from tui.core import fmt
from tui.core.finding import Finding

RULE_ID = "pg.cache-misses"
MIN_READ_BLOCKS = 1_000
MAX_READ_SHARE = 0.20
BLOCK_BYTES = 8192


def check(ctx: PlanContext) -> list[Finding]:
    root = ctx.plan.root
    hit = sum((n.buffers_exclusive.get("shared_hit") or 0.0) for n in ctx.plan.nodes()) or root.buffers.get(
        "shared_hit", 0.0
    )
    read = sum((n.buffers_exclusive.get("shared_read") or 0.0) for n in ctx.plan.nodes()) or root.buffers.get(
        "shared_read", 0.0
    )
    total = hit + read
    if read <= MIN_READ_BLOCKS or not total or read / total <= MAX_READ_SHARE:
        return []
    node = max(ctx.plan.nodes(), key=lambda n: n.buffers_exclusive.get("shared_read") or 0.0)
    node_read = node.buffers_exclusive.get("shared_read") or 0.0
    rel = relation_of(node, ctx)
    io_ms = root.buffers.get("io_read_ms")
    share = read / total
    return [
        plan_finding(
            RULE_ID,
            "warning" if share >= 0.5 else "info",
            ctx,
            node,
            obj=rel.qualified if rel else None,
            title="Most blocks read from outside shared buffers",
            message=(
                f"The statement read {fmt.num(read)} blocks ({fmt.size(read * BLOCK_BYTES)}) from the OS cache or "
                f"disk and found {fmt.num(hit)} in shared buffers: a hit ratio of {fmt.pct(hit / total)}. "
                f"{node.label} (node {node.node_id}) read {fmt.num(node_read)} of them"
                + (f"; reading took {fmt.ms(io_ms)}" if io_ms else "")
                + "."
            ),
            reasoning=(
                "A block outside shared_buffers costs a system call and possibly a disk read; a steady-state "
                "OLTP workload keeps its working set in memory (hit ratio > 99 %)."
            ),
            recommendation=(
                "Read fewer blocks (an index that reaches the rows directly, a narrower scan), or, if this data is "
                "the hot working set, size shared_buffers for it; a first run after a restart reads cold blocks, "
                "so compare with a second run."
            ),
            evidence={
                "shared_read_blocks": read,
                "shared_hit_blocks": hit,
                "hit_ratio_pct": pct(hit / total),
                "node_read_blocks": node_read,
                "io_read_ms": rounded(io_ms),
            },
            impact=io_ms or read / 100.0,
        )
    ]


RULES = (
    Rule(
        id=RULE_ID,
        category="plan",
        engines=("postgresql",),
        check=check,
        summary="shared blocks read > 20 % of those touched and > 1,000 blocks",
    ),
)
