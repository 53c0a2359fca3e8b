"""``pg.misestimate``: the planner's row estimate is off by ≥ 10× (info), ≥ 100× (warning) or
≥ 1000× (critical) — depesz/pgAdmin/PEV2 thresholds — at the node where the error starts.

Only the source of an error is reported: a node whose children are estimated within 10× (errors
propagate upwards, so the parents of a bad scan are bad too), and only where the larger of the two
per-loop counts is ≥ 100 rows (1 vs 12 rows changes no plan). Fixes, from the node's relation and
condition: ``ANALYZE t`` always; a condition on one column → ``ALTER TABLE … ALTER COLUMN … SET
STATISTICS 1000``; on several columns of one table → ``CREATE STATISTICS … (dependencies, ndistinct)
ON a, b FROM t`` (correlated columns, which the planner otherwise multiplies as independent).
"""

from __future__ import annotations

from tui.advisor import ddl
from tui.advisor.context import PlanContext
from tui.advisor.querymodel import EQUALITY_KINDS, RANGE_KINDS
from tui.advisor.registry import Rule
from tui.advisor.rules.common import NO_UNDO, Relation, plan_finding, relation_of, rounded
from tui.advisor.suggest import strip_pg_casts, taken_names
from tui.core import fmt
from tui.core.finding import Finding
from tui.core.plan import PlanNode

RULE_ID = "pg.misestimate"
FACTOR_INFO, FACTOR_WARNING, FACTOR_CRITICAL = 10.0, 100.0, 1000.0
MIN_ROWS = 100
STATISTICS_TARGET = 1000


def stops_early(node: PlanNode, parents: dict[int, PlanNode]) -> bool:
    """True when an ancestor may stop reading this node early (LIMIT, merge join, semi/anti join,
    EXISTS sub-plans), which makes an overestimate meaningless."""
    current = parents.get(node.node_id)
    child = node
    while current is not None:
        op = current.operation
        if op.startswith("Limit") or "Merge" in op or "Semi Join" in op or "Anti Join" in op:
            return True
        if child.role in ("SubPlan", "InitPlan"):
            return True
        child, current = current, parents.get(current.node_id)
    return False


def _bad(node: PlanNode) -> bool:
    return (
        not node.never_executed
        and node.estimate_factor is not None
        and node.estimate_factor >= FACTOR_INFO
        and max(node.rows_actual or 0, node.rows_estimated or 0) >= MIN_ROWS
    )


def _condition_facts(node: PlanNode, rel: Relation) -> tuple[list[str], list[str]]:
    """(plain columns of ``rel`` in the top-level AND of the node's conditions, expressions of its
    columns — functions or casts — found there)."""
    parts = [
        p for p in (node.index_condition, node.extra.get("Recheck Cond"), node.filter) if isinstance(p, str)
    ]
    if not parts:
        return [], []
    from tui.advisor.sqlfacts import analyze_query, sql_text

    alias = node.extra.get("Alias")
    source = ddl.quote_ident(rel.table)
    if isinstance(alias, str) and alias != rel.table:
        source += f" AS {ddl.quote_ident(alias)}"
    text = " AND ".join(f"({strip_pg_casts(p)})" for p in parts)
    qfacts = analyze_query(f"SELECT 1 FROM {source} WHERE {text}", "postgres")
    if qfacts is None:
        return [], []
    cols: list[str] = []
    exprs: list[str] = []
    for pred in qfacts.predicates:
        if pred.table is None or pred.table.name != rel.table or not pred.column:
            continue
        if pred.kind in EQUALITY_KINDS or pred.kind in RANGE_KINDS:
            if pred.column not in cols:
                cols.append(pred.column)
        elif pred.kind in ("func", "cast") and pred.wrapper is not None:
            exprs.append(sql_text(pred.wrapper, "postgres", strip_tables=True))
    if rel.detail is not None:
        known = {c.name for c in rel.detail.columns}
        cols = [c for c in cols if c in known]
    return cols, exprs


def _fix(node: PlanNode, ctx: PlanContext, rel: Relation) -> tuple[str, list[str], list[str]]:
    cols, exprs = _condition_facts(node, rel)
    statements: list[str] = []
    undo: list[str] = []
    if len(cols) >= 2:
        name = ddl.index_name(rel.table, cols[:8], taken_names(ctx.facts, rel.schema), suffix="stats")
        statements.append(ddl.create_statistics(rel.schema, rel.table, cols[:8], name))
        undo.append(ddl.drop_statistics(rel.schema, name))
        text = (
            f"The condition combines {fmt.num(len(cols))} columns of {rel.qualified} ({', '.join(cols)}) with AND; "
            "the planner multiplies their selectivities as if they were independent. Extended statistics on "
            "them, then ANALYZE, give it their real correlation."
        )
    elif len(cols) == 1:
        statements.append(ddl.set_statistics(rel.schema, rel.table, cols[0], STATISTICS_TARGET))
        undo.append(
            f"ALTER TABLE {ddl.qualify(rel.schema, rel.table)} ALTER COLUMN {ddl.quote_ident(cols[0])} "
            "SET STATISTICS -1;"
        )
        text = (
            f"Raise the statistics target of {cols[0]} to {fmt.num(STATISTICS_TARGET)} (from the default "
            "100) so pg_stats keeps more common values and histogram buckets, then ANALYZE."
        )
    else:
        text = f"Refresh the statistics of {rel.qualified} with ANALYZE."
    if exprs:
        text += (
            f" The condition applies {', '.join(exprs[:3])}, for which the planner has no statistics and assumes "
            "a default selectivity; an expression index (or, since PostgreSQL 14, CREATE STATISTICS on the "
            "expression) gives it real ones."
        )
    statements.append(ddl.analyze_table(rel.schema, rel.table))
    undo.append(NO_UNDO)
    return text, statements, undo


def _severity(factor: float) -> str:
    if factor >= FACTOR_CRITICAL:
        return "critical"
    if factor >= FACTOR_WARNING:
        return "warning"
    return "info"


def check(ctx: PlanContext) -> list[Finding]:
    out: list[Finding] = []
    if not ctx.plan.analyzed:
        return out
    parents = {child.node_id: n for n in ctx.plan.nodes() for child in n.children}
    for node in ctx.plan.nodes():
        if not _bad(node) or any(_bad(child) for child in node.children):
            continue
        if node.estimate_direction == "over" and stops_early(node, parents):
            continue
        factor = node.estimate_factor or 0.0
        direction = "under" if node.estimate_direction == "under" else "over"
        rel = relation_of(node, ctx)
        if rel is not None:
            recommendation, statements, undo = _fix(node, ctx, rel)
            obj = rel.qualified
        else:
            rels = {r.qualified: r for n in node.walk() if (r := relation_of(n, ctx)) is not None}
            tables = sorted(rels)
            statements = [ddl.analyze_table(rels[t].schema, rels[t].table) for t in tables]
            undo = [NO_UNDO] * len(statements)
            recommendation = (
                "The error starts at this join: the planner's estimate of how many rows match across "
                + (", ".join(tables) if tables else "its inputs")
                + " is wrong. Refresh their statistics; if the join columns are correlated with a filter, "
                "extended statistics on those columns help."
            )
            obj = tables[0] if len(tables) == 1 else None
        out.append(
            plan_finding(
                RULE_ID,
                _severity(factor),
                ctx,
                node,
                obj=obj,
                title=f"Row estimate off by {fmt.factor(factor)}",
                message=(
                    f"The planner estimated {fmt.num(node.rows_estimated)} rows per loop for {node.label} "
                    f"(node {node.node_id}); it produced {fmt.num(node.rows_actual)} — an "
                    f"{direction}estimate by {fmt.factor(factor)}"
                    + (f" over {fmt.num(node.loops)} loops" if (node.loops or 1) > 1 else "")
                    + "."
                ),
                reasoning=(
                    "Join methods, join order and memory are chosen from these counts; an estimate this far off "
                    "makes the planner pick a nested loop where a hash join was due (or the reverse) in every "
                    "node above this one."
                ),
                recommendation=recommendation,
                evidence={
                    "rows_estimated": node.rows_estimated,
                    "rows_actual": node.rows_actual,
                    "loops": node.loops,
                    "estimate_factor": rounded(factor, 1),
                    "time_ms": rounded(node.time_inclusive_ms),
                },
                ddl=statements,
                rollback=undo,
                impact=(node.time_inclusive_ms or 0.0) * 0.1,
            )
        )
    return out


RULES = (
    Rule(
        id=RULE_ID,
        category="plan",
        engines=("postgresql",),
        check=check,
        summary="row estimate off by ≥ 10× / 100× / 1000× where the error starts",
    ),
)
