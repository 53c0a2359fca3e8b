"""``mysql.dependent-subquery``: a correlated (dependent) subquery executed once per outer row.

Measured: MariaDB ANALYZE ``r_loops`` of the subquery's query block (the KB example: 150,000 loops,
39.5 s), MySQL EXPLAIN ANALYZE ``loops`` under a ``Select #n (subquery …; dependent)`` heading. Fires
from 1,000 executions; critical when the subquery holds ≥ 50 % of the measured time and ran ≥ 10,000
times, warning otherwise. Estimated (plain EXPLAIN): a subquery marked ``dependent: true`` under a table
expected to produce ≥ 1,000 rows — info.

DDL: when the subquery reads its table in full (type ALL) under a condition that compares its columns
with the outer query's, an index on those columns, so each execution becomes an index lookup.
Otherwise the advice is to rewrite it as a JOIN or a derived table grouped once.
"""

from __future__ import annotations

from tui.advisor.context import PlanContext
from tui.advisor.registry import Rule
from tui.advisor.rules.common import pct, plan_finding, rounded
from tui.advisor.rules.mysql_common import (
    ENGINES,
    candidate_for,
    condition,
    copy_note,
    index_statements,
    is_table_access,
    parents,
    predicates,
    relation,
    visible_covering,
)
from tui.core import fmt
from tui.core.finding import Finding
from tui.core.plan import PlanNode

RULE_ID = "mysql.dependent-subquery"
MIN_LOOPS = 1_000
CRITICAL_LOOPS = 10_000


def _subqueries(ctx: PlanContext) -> list[tuple[PlanNode, PlanNode, bool]]:
    """(subquery root, node whose loops count executions, dependent?) for every subquery."""
    out: list[tuple[PlanNode, PlanNode, bool]] = []
    for node in ctx.plan.nodes():
        if node.role != "Subquery":
            continue
        if node.operation.startswith("Select #"):  # TREE heading: the iterator below carries the loops
            dependent = "dependent" in node.operation
            first = node.children[0] if node.children else None
            if first is not None:
                out.append((node, first, dependent))
            continue
        wrapper = node.extra.get("subquery")
        dependent = bool(isinstance(wrapper, dict) and wrapper.get("dependent"))
        counted = node
        if node.operation == "Expression cache":
            counted = next((n for n in node.children if n.operation.startswith("Query block")), node)
            dependent = True
        elif node.operation.startswith("Query block") and node.loops is not None and node.loops > 1:
            dependent = True  # executed more than once: it depends on the outer row
        out.append((node, counted, dependent))
    return out


def check(ctx: PlanContext) -> list[Finding]:
    out: list[Finding] = []
    total = ctx.plan.total_time_ms
    for root, counted, dependent in _subqueries(ctx):
        if not dependent:
            continue
        loops = counted.loops
        measured = loops is not None
        if loops is None:
            loops = _estimated_executions(root, ctx)
            if loops is None or loops < MIN_LOOPS:
                continue
            severity = "info"
        else:
            if loops < MIN_LOOPS:
                continue
            inclusive = (
                root.time_inclusive_ms if root.time_inclusive_ms is not None else counted.time_inclusive_ms
            )
            share = inclusive / total if inclusive is not None and total else None
            severity = "critical" if (share or 0) >= 0.5 and loops >= CRITICAL_LOOPS else "warning"
        inclusive = (
            root.time_inclusive_ms if root.time_inclusive_ms is not None else counted.time_inclusive_ms
        )
        share = inclusive / total if inclusive is not None and total else None
        per_loop = inclusive / loops if inclusive is not None and loops else None
        advice, ddl, rollback, obj = _advice(root, ctx)
        cache = root.extra if root.operation == "Expression cache" else {}
        hit = cache.get("r_hit_ratio")
        out.append(
            plan_finding(
                RULE_ID,
                severity,
                ctx,
                root,
                obj=obj,
                title="Dependent subquery executed per outer row",
                message=(
                    f"The dependent subquery ({counted.label}) "
                    + (
                        f"ran {fmt.num(loops)} times"
                        if measured
                        else f"is expected to run about {fmt.num(loops)} times"
                    )
                    + (
                        f", {fmt.ms(inclusive)} in total ({fmt.ms(per_loop)} per execution, {fmt.pct(share)} of "
                        "execution time)"
                        if inclusive is not None and share is not None
                        else ""
                    )
                    + (
                        f"; the expression cache hit {fmt.num(float(hit), 1)} % of them"
                        if hit is not None
                        else ""
                    )
                    + "."
                ),
                reasoning=(
                    "A correlated subquery refers to the outer row, so the server evaluates it again for each "
                    "outer row; its cost is multiplied by the outer row count. A join (or a derived table "
                    "grouped once) evaluates the same logic in one pass."
                ),
                recommendation=advice,
                evidence={
                    "loops": loops,
                    "measured": measured,
                    "time_ms": rounded(inclusive),
                    "time_per_loop_ms": rounded(per_loop, 4),
                    "time_share_pct": pct(share),
                    "cache_hit_pct": float(hit) if hit is not None else None,
                },
                ddl=ddl,
                rollback=rollback,
                impact=inclusive or float(loops),
            )
        )
    return out


def _estimated_executions(root: PlanNode, ctx: PlanContext) -> float | None:
    """Plain EXPLAIN: the rows of the table the subquery is attached to."""
    up = parents(ctx.plan)
    owner = up.get(id(root))
    while owner is not None and not is_table_access(owner):
        owner = up.get(id(owner))
    if owner is None:
        return None
    produced = owner.extra.get("rows_produced_per_join")
    if isinstance(produced, int | float):
        return float(produced)
    return owner.rows_estimated


def _advice(root: PlanNode, ctx: PlanContext) -> tuple[str, list[str], list[str], str | None]:
    rewrite = (
        "Rewrite the subquery as a JOIN (or as a derived table that groups once and is joined on the "
        "correlated columns), so it is evaluated in one pass instead of once per outer row."
    )
    up = parents(ctx.plan)
    inner = next((n for n in root.walk() if is_table_access(n)), None)
    if inner is None:
        return rewrite, [], [], None
    rel = relation(inner, ctx)
    if rel is None:
        return rewrite, [], [], None
    if inner.access_type not in ("ALL", "index"):
        return (
            rewrite + f" Each execution already uses an index on {rel.qualified} ({inner.access_type}).",
            [],
            [],
            rel.qualified,
        )
    preds = predicates(condition(inner, up.get(id(inner))), rel)
    if not preds.joins:
        return rewrite, [], [], rel.qualified
    cand = candidate_for(rel, [*preds.joins, *preds.equality], preds.ranges, reason="correlated columns")
    if cand is None:
        return rewrite, [], [], rel.qualified
    if rel.detail is not None and visible_covering(rel.detail, cand)[0] is not None:
        return rewrite, [], [], rel.qualified
    _name, create, drop = index_statements(cand, rel.detail)
    return (
        f"Each execution reads {rel.qualified} in full; an index on the correlated column(s) {cand.describe()} "
        "turns every execution into an index lookup. Better still: "
        + rewrite[0].lower()
        + rewrite[1:]
        + copy_note(rel.detail),
        [create],
        [drop],
        rel.qualified,
    )


RULES = (
    Rule(
        id=RULE_ID,
        category="plan",
        engines=ENGINES,
        check=check,
        summary="dependent subquery executed ≥ 1,000 times",
    ),
)
