"""Helpers the rule modules share: the relation a plan node reads, time shares, severities from the
anchors' thresholds, work_mem arithmetic and a Finding builder that fills the common fields."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from tui.advisor.context import PlanContext
from tui.core.catalog import ObjectDetail
from tui.core.finding import Finding, Verification
from tui.core.plan import Plan, PlanNode
from tui.core.session import SchemaFacts

NO_UNDO = "-- nothing to undo: this statement changes no definition"

# Exclusive time share thresholds (PEV2 10/40/90 %, depesz 10/50/90 %).
SHARE_LOW, SHARE_MEDIUM, SHARE_HIGH = 0.10, 0.40, 0.90


@dataclass(frozen=True, slots=True)
class Relation:
    schema: str | None
    table: str
    detail: ObjectDetail | None

    @property
    def qualified(self) -> str:
        return f"{self.schema}.{self.table}" if self.schema else self.table


def relation_of(node: PlanNode, ctx: PlanContext) -> Relation | None:
    """The table a scan node reads: its ``Relation Name`` and ``Schema`` (VERBOSE), the schema filled
    from SchemaFacts when EXPLAIN did not print it."""
    table = node.extra.get("Relation Name")
    if not isinstance(table, str):
        return None
    schema = node.extra.get("Schema") if isinstance(node.extra.get("Schema"), str) else None
    detail = ctx.tables.find(table, schema)
    if detail is not None and schema is None:
        schema = detail.node.schema
    return Relation(schema, table, detail)


def parallel_divisor(workers: int) -> float:
    """PostgreSQL's get_parallel_divisor with parallel_leader_participation on: a parallel node's
    Plan Rows is the total divided by this."""
    leader = 1.0 - 0.3 * workers
    return workers + (leader if leader > 0 else 0.0)


def estimated_total_rows(plan: Plan, node: PlanNode) -> float:
    """The planner's row estimate for ``node`` over all loops and, for a parallel node, all processes
    (Plan Rows × the parallel divisor of the Gather / Gather Merge above it)."""
    rows = (node.rows_estimated or 0.0) * (node.loops or 1)
    if not node.operation.startswith("Parallel"):
        return rows
    for gather in plan.nodes():
        workers = gather.workers_planned
        if (
            gather.operation in ("Gather", "Gather Merge")
            and workers
            and any(n is node for n in gather.walk())
        ):
            return rows * parallel_divisor(workers)
    return rows


def share(node: PlanNode) -> float | None:
    """The node's exclusive share of execution time (0..1), if the plan was analyzed."""
    return node.time_share


def subtree_share(node: PlanNode, ctx: PlanContext) -> float | None:
    total = ctx.plan.total_time_ms
    if not total or node.time_inclusive_ms is None:
        return None
    return min(1.0, node.time_inclusive_ms / total)


def pct(fraction: float | None, digits: int = 4) -> float | None:
    """A 0..1 fraction as a rounded percentage number for evidence (``selectivity_pct``)."""
    if fraction is None:
        return None
    value = fraction * 100
    if value == 0:
        return 0.0
    # Keep tiny shares visible: 4 significant digits below 1 %, else ``digits`` decimals.
    if abs(value) < 1:
        return float(f"{value:.4g}")
    return round(value, min(digits, 2))


def rounded(value: float | None, digits: int = 3) -> float | None:
    return None if value is None else round(value, digits)


def time_saved(node: PlanNode, fraction: float = 1.0) -> float:
    """Milliseconds a fix could save on this node (its exclusive time × the avoidable fraction)."""
    return (node.time_exclusive_ms or 0.0) * fraction


def ceil_power_of_two_kb(kb: float) -> int:
    """The next power of two at or above ``kb`` kilobytes, at least 1 MB (1,024 kB)."""
    value = max(1024, math.ceil(kb))
    return 1 << (value - 1).bit_length()


def mem_setting(kb: int) -> str:
    """``4096`` → ``4MB``; ``2097152`` → ``2GB`` (PostgreSQL memory units, 1 MB = 1,024 kB)."""
    if kb % (1024 * 1024) == 0:
        return f"{kb // (1024 * 1024)}GB"
    if kb % 1024 == 0:
        return f"{kb // 1024}MB"
    return f"{kb}kB"


_UNITS_KB = {"kb": 1, "mb": 1024, "gb": 1024 * 1024, "tb": 1024 * 1024 * 1024}


def parse_memory_kb(text: Any) -> int | None:
    """``'4MB'`` / ``'64kB'`` / ``'4096kB'`` (pg_settings value + unit, or a plan's Settings) → kB."""
    if not isinstance(text, str):
        return None
    raw = text.strip().lower().replace(" ", "")
    digits = "".join(ch for ch in raw if ch.isdigit())
    unit = raw[len(digits) :]
    if not digits or not raw.startswith(digits):
        return None
    if unit in ("", "kb"):
        return int(digits)
    if unit == "8kb":  # pg_settings reports shared_buffers in 8kB pages
        return int(digits) * 8
    factor = _UNITS_KB.get(unit)
    return int(digits) * factor if factor else None


def current_work_mem_kb(ctx: PlanContext) -> int | None:
    """work_mem in effect: the plan's SETTINGS (non-default values), else the server's setting."""
    value = parse_memory_kb(ctx.plan.settings.get("work_mem"))
    if value is None and ctx.facts is not None:
        value = parse_memory_kb(ctx.facts.settings.get("work_mem"))
    return value


def work_mem_target(needed_kb: float, current_kb: int | None) -> int:
    """A sane power of two at or above ``needed_kb``, and above the current setting when known."""
    target = ceil_power_of_two_kb(needed_kb)
    if current_kb is not None and target <= current_kb:
        target = ceil_power_of_two_kb(current_kb + 1)
    return target


def severity_for_share(value: float | None, *, high: str = "warning", low: str = "info") -> str:
    return high if value is not None and value >= SHARE_LOW else low


def finding(
    category: str,
    rule: str,
    severity: str,
    *,
    obj: str | None,
    title: str,
    message: str,
    reasoning: str,
    recommendation: str,
    evidence: dict[str, Any],
    ddl: list[str] | None = None,
    rollback: list[str] | None = None,
    impact: float = 0.0,
    node_id: int | None = None,
    verification: Verification | None = None,
) -> Finding:
    """The one Finding builder of the rules: evidence without unknown (None) values, lists copied."""
    return Finding(
        rule=rule,
        severity=severity,
        object=obj,
        title=title,
        message=message,
        evidence={k: v for k, v in evidence.items() if v is not None},
        ddl=list(ddl or []),
        rollback=list(rollback or []),
        verification=verification,
        impact=impact,
        node_id=node_id,
        reasoning=reasoning,
        recommendation=recommendation,
        category=category,
    )


def plan_finding(
    rule: str,
    severity: str,
    ctx: PlanContext,
    node: PlanNode | None,
    *,
    impact: float = 0.0,
    obj: str | None = None,
    **fields: Any,
) -> Finding:
    """A plan rule's Finding: pinned to ``node``, its impact weighted by how often the statement runs."""
    return finding(
        "plan",
        rule,
        severity,
        obj=obj,
        impact=impact * ctx.multiplier,
        node_id=node.node_id if node is not None else None,
        **fields,
    )


def node_ref(node: PlanNode) -> str:
    """``Seq Scan on shop.orders (node 3)``."""
    return f"{node.label} (node {node.node_id})"


# -- schema rules -----------------------------------------------------------------------------------

TABLE_KINDS = ("table", "partitioned_table", "partition")


def tables_of(facts: SchemaFacts) -> list[ObjectDetail]:
    return [t for t in facts.tables if t.node.kind in TABLE_KINDS]


def table_name(detail: ObjectDetail) -> str:
    return detail.node.table or detail.node.name


def table_qualified(detail: ObjectDetail) -> str:
    schema = detail.node.schema
    return f"{schema}.{table_name(detail)}" if schema else table_name(detail)


def number_stat(detail: ObjectDetail, label: str) -> float | None:
    value = detail.stat(label)
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def schema_finding(rule: str, severity: str, **fields: Any) -> Finding:
    return finding("schema", rule, severity, **fields)
