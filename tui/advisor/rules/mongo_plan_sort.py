"""MongoDB blocking sorts.

- ``mongo.in-memory-sort``: a SORT stage (classic or slot-based plan) or a ``$sort`` aggregation stage:
  the server buffers every input document before it returns the first one (Compass's ``inMemorySort``).
  Warning; info when fewer than 1,000 documents were sorted.
- ``mongo.sort-spill``: the sort exceeded its memory limit and wrote to disk (``usedDisk: true`` or
  ``spills`` > 0). Critical.
The DDL is an ESR index (equality fields, then the sort fields in their direction, then ranges) that
returns documents already ordered, so the SORT stage disappears.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from tui.advisor.context import PlanContext
from tui.advisor.registry import Rule
from tui.advisor.rules.common import plan_finding, rounded
from tui.advisor.rules.mongo_common import index_suggestion, query_shape
from tui.core import fmt
from tui.core.finding import Finding

SORT_ID = "mongo.in-memory-sort"
SPILL_ID = "mongo.sort-spill"
SMALL_SORT = 1_000


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def check(ctx: PlanContext) -> list[Finding]:
    out: list[Finding] = []
    shape = query_shape(ctx)
    for node in ctx.plan.nodes():
        if node.operation not in ("SORT", "$sort"):
            continue
        spec = node.extra.get("sortPattern") or node.extra.get("spec") or shape.sort
        if isinstance(spec, dict) and "sortKey" in spec:
            spec = spec["sortKey"]
        spills = _number(node.extra.get("spills"))
        spilled = node.extra.get("usedDisk") is True or (spills or 0) > 0
        sorted_in = (
            max((c.rows_actual or 0.0 for c in node.children), default=None) if node.children else None
        )
        mem = (
            _number(node.extra.get("memUsage"))
            or _number(node.extra.get("totalDataSizeSorted"))
            or _number(node.extra.get("totalDataSizeSortedBytesEstimate"))
        )
        limit = _number(node.extra.get("memLimit"))
        pattern = fmt_pattern(spec)
        sort_fields = dict(spec) if isinstance(spec, dict) else {}
        if node.operation == "$sort" and sort_fields and not _same_keys(sort_fields, shape.sort):
            # Sorting what an earlier stage computed ($group, $project…): no index returns that order.
            advice, ddl, rollback = (
                "This $sort orders documents an earlier stage computed, so no index can provide the order; "
                "shrink its input (filter and project earlier) or accept it with allowDiskUse.",
                [],
                [],
            )
        else:
            local = replace(shape, sort=sort_fields or shape.sort)
            advice, ddl, rollback, _ = index_suggestion(ctx, local)
        if spilled:
            rule, severity, title = SPILL_ID, "critical", "Sort spilled to disk"
            detail = (
                f" It exceeded its memory limit{f' of {fmt.size(limit)}' if limit else ''} and wrote to disk"
                + (f" {fmt.num(spills)} times" if spills else "")
                + "."
            )
        else:
            rule = SORT_ID
            small = sorted_in is not None and sorted_in < SMALL_SORT and ctx.plan.analyzed
            severity = "info" if small else "warning"
            title = "In-memory sort"
            detail = ""
        counted = (
            f" It sorted {fmt.num(sorted_in)} documents"
            if sorted_in is not None and ctx.plan.analyzed
            else ""
        )
        if counted and mem:
            counted += f" ({fmt.size(mem)})"
        counted += (
            f" in {fmt.ms(node.time_exclusive_ms)} of its own time."
            if counted and node.time_exclusive_ms is not None
            else ("." if counted else "")
        )
        out.append(
            plan_finding(
                rule,
                severity,
                ctx,
                node,
                obj=shape.namespace,
                title=title,
                message=f"The plan sorts by {pattern} in memory ({node.operation} stage).{counted}{detail}",
                reasoning=(
                    "A blocking sort must read and buffer every matching document before it returns the first "
                    "one, and fails or spills to disk past its memory limit (100 MB by default). An index whose "
                    "fields follow the equality fields with the sort fields returns documents already in order."
                ),
                recommendation=advice,
                evidence={
                    "docs_sorted": sorted_in if ctx.plan.analyzed else None,
                    "sort_bytes": mem,
                    "mem_limit_bytes": limit,
                    "spills": spills,
                    "time_ms": rounded(node.time_exclusive_ms),
                },
                ddl=ddl,
                rollback=rollback,
                impact=(node.time_exclusive_ms or 0.0) + (sorted_in or 0.0) / 1000,
            )
        )
    return out


def _same_keys(a: dict[str, Any], b: dict[str, Any]) -> bool:
    return list(a) == list(b)


def fmt_pattern(spec: Any) -> str:
    from tui.core.mongoshell import to_shell

    if isinstance(spec, dict) and spec:
        try:
            return to_shell(spec)
        except TypeError:
            return str(spec)
    return "the requested order"


RULES = (
    Rule(
        id=SORT_ID,
        category="plan",
        engines=("mongodb",),
        check=check,
        summary="blocking SORT / $sort stage; spilled to disk = critical",
        ids=(SORT_ID, SPILL_ID),
    ),
)
