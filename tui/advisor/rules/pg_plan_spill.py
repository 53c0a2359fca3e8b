"""Sorts and hashes that spill to disk, and temp blocks written.

- ``pg.sort-spill``: ``Sort Space Type: Disk`` (external sort / merge). work_mem is sized from the
  spill: on-disk size × 2 (a sort in memory needs more room than its on-disk run format), rounded up to
  a power of two, and above the current setting when known. Without ANALYZE, the planner's own test
  (costsize.c ``cost_tuplesort``): rows × (MAXALIGN(width) + 24 bytes of tuple header) above work_mem
  means it plans an external merge on disk; a Sort bounded by a LIMIT (top-N heapsort) is exempt.
- ``pg.hash-spill``: a Hash with ``Hash Batches`` > 1, or a HashAggregate with ``HashAgg Batches`` > 1
  or ``Disk Usage`` > 0 (PEV2 flags batches > 1). Memory for one batch: Peak Memory Usage × batches
  (Hash) or peak + disk usage (HashAggregate), divided by ``hash_mem_multiplier`` (hash nodes may use
  work_mem × that multiplier; 2.0 by default since PostgreSQL 15).
- ``pg.temp-blocks-written``: temp blocks written (Joe's TEMP_BUF_WRITTEN, > 0) that no sort or hash
  spill above explains (Materialize, CTE, window functions…), sized from the blocks × 8 kB × 2.

The DDL is a session setting (``SET work_mem``), paired with ``RESET work_mem``; the arithmetic is in
the recommendation so the DBA can choose a role- or statement-level value instead.
"""

from __future__ import annotations

from typing import Any

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
from tui.core.plan import PlanNode

SORT_ID = "pg.sort-spill"
HASH_ID = "pg.hash-spill"
TEMP_ID = "pg.temp-blocks-written"
BLOCK_KB = 8
SORT_MEMORY_FACTOR = 2
DEFAULT_HASH_MEM_MULTIPLIER = 2.0


def _num(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _set_work_mem(kb: int) -> tuple[list[str], list[str]]:
    return [f"SET work_mem = '{mem_setting(kb)}';"], ["RESET work_mem;"]


def _current_text(current: int | None) -> str:
    return f"the current work_mem is {mem_setting(current)}" if current else "the current work_mem is unknown"


def _hash_multiplier(ctx: PlanContext) -> float:
    raw = ctx.plan.settings.get("hash_mem_multiplier")
    if raw is None and ctx.facts is not None:
        raw = ctx.facts.settings.get("hash_mem_multiplier")
    try:
        return float(raw) if raw is not None else DEFAULT_HASH_MEM_MULTIPLIER
    except ValueError:
        return DEFAULT_HASH_MEM_MULTIPLIER


def _where(node: PlanNode, ctx: PlanContext) -> str | None:
    for n in node.walk():
        rel = relation_of(n, ctx)
        if rel is not None:
            return rel.qualified
    return None


def _sort_disk_kb(node: PlanNode) -> float | None:
    """Largest on-disk sort space of the node or any of its parallel workers."""
    sizes = []
    if node.extra.get("Sort Space Type") == "Disk":
        sizes.append(_num(node.extra.get("Sort Space Used")))
    for worker in node.extra.get("Workers") or []:
        if isinstance(worker, dict) and worker.get("Sort Space Type") == "Disk":
            sizes.append(_num(worker.get("Sort Space Used")))
    known = [s for s in sizes if s is not None]
    return max(known) if known else None


def _sort(node: PlanNode, ctx: PlanContext) -> Finding | None:
    used = _sort_disk_kb(node)
    if used is None:
        return None
    current = current_work_mem_kb(ctx)
    needed = used * SORT_MEMORY_FACTOR
    target = work_mem_target(needed, current)
    ddl, undo = _set_work_mem(target)
    method = node.extra.get("Sort Method") or "external"
    keys = node.extra.get("Sort Key")
    key_text = ", ".join(keys) if isinstance(keys, list) else None
    share = node.time_share
    return plan_finding(
        SORT_ID,
        "warning" if (share or 0) >= 0.1 else "info",
        ctx,
        node,
        obj=_where(node, ctx),
        title="Sort spills to disk",
        message=(
            f"The Sort (node {node.node_id}, method {method}"
            + (f", key {key_text}" if key_text else "")
            + f") wrote {fmt.num(used)} kB to disk"
            + (f" and takes {fmt.pct(share)} of execution time" if share is not None else "")
            + f"; {_current_text(current)}."
        ),
        reasoning=(
            "When the rows to sort exceed work_mem, PostgreSQL writes sorted runs to temporary files and "
            "merges them back, trading memory for disk I/O."
        ),
        recommendation=(
            f"Sort Space Used {fmt.num(used)} kB on disk × {SORT_MEMORY_FACTOR} (an in-memory sort needs more "
            f"room than its on-disk runs) = {fmt.num(needed)} kB, rounded up to the next power of two"
            + (" above the current setting" if current else "")
            + f": work_mem = {mem_setting(target)} for this session. Alternatively an index that delivers "
            "the rows in the sort order removes the sort."
        ),
        evidence={
            "sort_space_used_kb": used,
            "work_mem_current_kb": current,
            "work_mem_needed_kb": needed,
            "work_mem_recommended_kb": target,
            "time_share_pct": pct(share),
            "time_ms": rounded(node.time_exclusive_ms),
        },
        ddl=ddl,
        rollback=undo,
        impact=time_saved(node, 0.5),
    )


def _hash(node: PlanNode, ctx: PlanContext) -> Finding | None:
    extra = node.extra
    peak = _num(extra.get("Peak Memory Usage"))
    current = current_work_mem_kb(ctx)
    multiplier = _hash_multiplier(ctx)
    if node.operation == "Hash":
        batches = _num(extra.get("Hash Batches"))
        original = _num(extra.get("Original Hash Batches"))
        if batches is None or batches <= 1 or peak is None:
            return None
        total = peak * batches
        detail = (
            f"Hash Batches {fmt.num(batches)}"
            + (f" (planned {fmt.num(original)})" if original is not None and original != batches else "")
            + f", Peak Memory Usage {fmt.num(peak)} kB per batch"
        )
        arithmetic = f"{fmt.num(peak)} kB × {fmt.num(batches)} batches = {fmt.num(total)} kB"
    elif "HashAggregate" in node.operation or extra.get("Strategy") == "Hashed":
        batches = _num(extra.get("HashAgg Batches"))
        disk = _num(extra.get("Disk Usage"))
        if not ((batches or 0) > 1 or (disk or 0) > 0) or peak is None:
            return None
        total = peak + (disk or 0)
        detail = (
            f"HashAgg Batches {fmt.num(batches)}, Peak Memory Usage {fmt.num(peak)} kB, Disk Usage "
            f"{fmt.num(disk)} kB"
        )
        arithmetic = f"{fmt.num(peak)} kB in memory + {fmt.num(disk or 0)} kB on disk = {fmt.num(total)} kB"
    else:
        return None
    needed = total / multiplier
    target = work_mem_target(needed, current)
    ddl, undo = _set_work_mem(target)
    share = node.time_share
    parent_share = share
    return plan_finding(
        HASH_ID,
        "warning" if (parent_share or 0) >= 0.1 or (batches or 0) >= 8 else "info",
        ctx,
        node,
        obj=_where(node, ctx),
        title="Hash spills to disk",
        message=f"The {node.operation} (node {node.node_id}) ran in batches: {detail}; {_current_text(current)}.",
        reasoning=(
            "A hash table larger than its memory budget (work_mem × hash_mem_multiplier) is split into "
            "batches written to temporary files and read back, so the input is processed more than once."
        ),
        recommendation=(
            f"{arithmetic}; ÷ hash_mem_multiplier {fmt.smart(multiplier)} = {fmt.num(needed)} kB of work_mem, "
            f"rounded up to the next power of two: work_mem = {mem_setting(target)} for this session."
        ),
        evidence={
            "batches": batches,
            "peak_memory_kb": peak,
            "hash_memory_needed_kb": total,
            "hash_mem_multiplier_ratio": multiplier,
            "work_mem_current_kb": current,
            "work_mem_recommended_kb": target,
            "time_share_pct": pct(share),
        },
        ddl=ddl,
        rollback=undo,
        impact=time_saved(node, 0.3),
    )


TUPLE_HEADER_BYTES = 24  # MAXALIGN(SizeofHeapTupleHeader), as relation_byte_size() counts it


def _bounded_sorts(ctx: PlanContext) -> set[int]:
    from tui.advisor.rules.pg_plan_top_n_sort import top_n_sorts

    return {shape.sort.node_id for shape in top_n_sorts(ctx.plan)}


def _sort_estimated(node: PlanNode, ctx: PlanContext, bounded: set[int]) -> Finding | None:
    """Plain EXPLAIN: a Sort whose estimated input exceeds work_mem, as the planner itself judges it."""
    if node.operation != "Sort" or node.node_id in bounded:
        return None
    current = current_work_mem_kb(ctx)
    rows, width = node.rows_estimated, node.extra.get("Plan Width")
    if current is None or not rows or not isinstance(width, int | float):
        return None
    input_kb = rows * (((int(width) + 7) // 8) * 8 + TUPLE_HEADER_BYTES) / 1024
    if input_kb <= current:
        return None
    needed = input_kb * SORT_MEMORY_FACTOR
    target = work_mem_target(needed, current)
    ddl, undo = _set_work_mem(target)
    keys = node.extra.get("Sort Key")
    key_text = ", ".join(keys) if isinstance(keys, list) else None
    total = ctx.plan.total_cost if ctx.plan.total_cost is not None else ctx.plan.root.cost
    cost_share = (node.cost_exclusive or 0.0) / total if total else None
    return plan_finding(
        SORT_ID,
        "warning" if (cost_share or 0) >= 0.1 else "info",
        ctx,
        node,
        obj=_where(node, ctx),
        title="Sort expected to spill to disk (estimated)",
        message=(
            f"The planner expects the Sort (node {node.node_id}"
            + (f", key {key_text}" if key_text else "")
            + f") to receive {fmt.num(rows)} rows of {fmt.num(width)} bytes: {fmt.num(input_kb)} kB with "
            f"PostgreSQL's {TUPLE_HEADER_BYTES}-byte tuple header, more than work_mem ({mem_setting(current)})"
            + (f"; the sort is {fmt.pct(cost_share)} of the estimated cost" if cost_share is not None else "")
            + "."
        ),
        reasoning=(
            "The planner compares the same number with work_mem to choose between an in-memory quicksort and an "
            "external merge, which writes sorted runs to temporary files and reads them back."
        ),
        recommendation=(
            f"{fmt.num(input_kb)} kB × {SORT_MEMORY_FACTOR} (an in-memory sort needs more room than the "
            f"planner's estimate) = {fmt.num(needed)} kB, rounded up to the next power of two above the current "
            f"setting: work_mem = {mem_setting(target)} for this session. EXPLAIN ANALYZE confirms it "
            "(Sort Method: external merge, Disk: … kB). An index that delivers the rows in the sort order "
            "removes the sort."
        ),
        evidence={
            "rows_estimated": rows,
            "row_width_bytes": width,
            "sort_input_estimated_kb": round(input_kb),
            "work_mem_current_kb": current,
            "work_mem_needed_kb": round(needed),
            "work_mem_recommended_kb": target,
            "cost_share_pct": pct(cost_share),
        },
        ddl=ddl,
        rollback=undo,
        impact=ctx.cost_impact((node.cost_exclusive or 0.0) * 0.5),
    )


def check_spills(ctx: PlanContext) -> list[Finding]:
    out: list[Finding] = []
    if not ctx.plan.analyzed:
        bounded = _bounded_sorts(ctx)
        return [f for node in ctx.plan.nodes() if (f := _sort_estimated(node, ctx, bounded)) is not None]
    for node in ctx.plan.nodes():
        finding = _sort(node, ctx) if "Sort" in node.operation else _hash(node, ctx)
        if finding is not None:
            out.append(finding)
    return out


def _explained_by_spill(node: PlanNode) -> bool:
    return (
        _sort_disk_kb(node) is not None
        or (_num(node.extra.get("Hash Batches")) or 0) > 1
        or (
            (_num(node.extra.get("HashAgg Batches")) or 0) > 1
            or (_num(node.extra.get("Disk Usage")) or 0) > 0
        )
    )


def check_temp(ctx: PlanContext) -> list[Finding]:
    """Temp blocks written by a node that is not a sort or hash spill (those have their own finding)."""
    if not ctx.plan.analyzed:
        return []
    writers = [
        n
        for n in ctx.plan.nodes()
        if (n.buffers_exclusive.get("temp_written") or 0) > 0 and not _explained_by_spill(n)
    ]
    if not writers:
        return []
    node = max(writers, key=lambda n: n.buffers_exclusive.get("temp_written") or 0)
    blocks = node.buffers_exclusive.get("temp_written") or 0.0
    total_blocks = ctx.plan.root.buffers.get("temp_written") or blocks
    current = current_work_mem_kb(ctx)
    needed = blocks * BLOCK_KB * SORT_MEMORY_FACTOR
    target = work_mem_target(needed, current)
    ddl, undo = _set_work_mem(target)
    return [
        plan_finding(
            TEMP_ID,
            "warning" if (node.time_share or 0) >= 0.1 else "info",
            ctx,
            node,
            obj=_where(node, ctx),
            title="Temporary files written",
            message=(
                f"{node.label} (node {node.node_id}) wrote {fmt.num(blocks)} temp blocks "
                f"({fmt.size(blocks * BLOCK_KB * 1024)}); the statement wrote {fmt.num(total_blocks)} in total; "
                f"{_current_text(current)}."
            ),
            reasoning="Temp blocks are intermediate results that did not fit in work_mem and went to disk.",
            recommendation=(
                f"{fmt.num(blocks)} blocks × {BLOCK_KB} kB × {SORT_MEMORY_FACTOR} = {fmt.num(needed)} kB, rounded "
                f"up to the next power of two: work_mem = {mem_setting(target)} for this session."
            ),
            evidence={
                "temp_written_blocks": blocks,
                "temp_written_total_blocks": total_blocks,
                "work_mem_current_kb": current,
                "work_mem_recommended_kb": target,
                "time_share_pct": pct(node.time_share),
            },
            ddl=ddl,
            rollback=undo,
            impact=time_saved(node, 0.3),
        )
    ]


RULES = (
    Rule(
        id=SORT_ID,
        category="plan",
        engines=("postgresql",),
        check=check_spills,
        summary="sort or hash spilling to disk, with work_mem sized from the spill",
        ids=(SORT_ID, HASH_ID),
    ),
    Rule(
        id=TEMP_ID,
        category="plan",
        engines=("postgresql",),
        check=check_temp,
        summary="temp blocks written that no sort or hash spill explains",
    ),
)
