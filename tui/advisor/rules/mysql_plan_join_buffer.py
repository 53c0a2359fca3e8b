"""``mysql.join-without-index``: a join whose inner table is read through a join buffer because no index
serves the join column — MySQL ``using_join_buffer`` ("Block Nested Loop" before 8.0.20, "hash join"
after; JSON v1), TREE/v2 hash joins, MariaDB ``block-nl-join`` with join_type BNL/BNLH (BKA/BKAH use an
index and are not reported).

Severity: critical when the join takes ≥ 50 % of the measured time, warning when it compares ≥ 1,000,000
row pairs (outer rows × inner rows) or takes ≥ 10 %, info otherwise. DDL: an index on the inner table's
join column(s) (plus its equality filter columns first), so the join becomes an index lookup per outer
row; none when the condition has no plain column equality or an index already leads with the column.
"""

from __future__ import annotations

from tui.advisor.context import PlanContext
from tui.advisor.registry import Rule
from tui.advisor.rules.common import pct, plan_finding, rounded
from tui.advisor.rules.mysql_common import (
    ENGINES,
    MyRelation,
    candidate_for,
    condition,
    copy_note,
    index_statements,
    is_table_access,
    parents,
    predicates,
    relation,
    rows_examined,
    visible_covering,
)
from tui.core import fmt
from tui.core.finding import Finding
from tui.core.plan import PlanNode

RULE_ID = "mysql.join-without-index"
PAIRS_WARNING = 1_000_000


def _joins(ctx: PlanContext) -> list[tuple[PlanNode, PlanNode, str | None, str]]:
    """(join node for time/rows, inner table node, join condition, algorithm label)."""
    found: list[tuple[PlanNode, PlanNode, str | None, str]] = []
    up = parents(ctx.plan)
    for node in ctx.plan.nodes():
        buffer = node.extra.get("using_join_buffer")
        if is_table_access(node) and isinstance(buffer, str) and not buffer.startswith("Batched Key Access"):
            found.append((node, node, node.filter, buffer))
        elif node.operation.startswith("Block nested loop"):
            inner = next((n for n in node.walk() if is_table_access(n)), None)
            if inner is not None:
                found.append(
                    (node, inner, node.filter or inner.filter, str(node.extra.get("join_type") or "BNL"))
                )
        elif node.extra.get("join_algorithm") == "hash" and len(node.children) >= 2:
            # TREE/v2: the probe side (first input) is usually the larger one: index it so the optimizer
            # can look rows up there instead of hashing.
            probe = node.children[0]
            inner = next((n for n in probe.walk() if is_table_access(n)), None)
            cond = node.extra.get("hash_condition")
            text = " AND ".join(str(c) for c in cond) if isinstance(cond, list) else _hash_condition(node)
            if inner is not None:
                found.append((node, inner, text, "hash join"))
    return [(j, i, c or condition(i, up.get(id(i))), a) for j, i, c, a in found]


def _hash_condition(node: PlanNode) -> str | None:
    description = str(node.extra.get("description") or "")
    start = description.find("(")
    return description[start:] if start >= 0 else None


def _outer_rows(join: PlanNode, inner: PlanNode, ctx: PlanContext) -> float | None:
    """Rows the other side of the join produced (what each inner row is compared with)."""
    up = parents(ctx.plan)
    container = up.get(id(join))
    if join.extra.get("join_algorithm") == "hash":
        build = join.children[1] if len(join.children) > 1 else None
        table = next((n for n in build.walk() if is_table_access(n)), None) if build else None
        return rows_examined(table, up.get(id(table)), ctx.plan) if table else None
    if container is None:
        return None
    total: float | None = None
    for sibling in container.children:
        if sibling is join or inner in list(sibling.walk()):
            break
        table = next((n for n in sibling.walk() if is_table_access(n)), None)
        if table is None:
            continue
        rows = table.rows_actual_total
        if rows is not None and table.extra.get("r_filtered") is not None:
            rows *= float(table.extra["r_filtered"]) / 100
        elif rows is None:
            produced = table.extra.get("rows_produced_per_join")
            rows = float(produced) if isinstance(produced, int | float) else table.rows_estimated
        total = rows if total is None else total * max(rows or 1.0, 1.0)
    return total


def check(ctx: PlanContext) -> list[Finding]:
    out: list[Finding] = []
    up = parents(ctx.plan)
    for join, inner, cond, algorithm in _joins(ctx):
        rel = relation(inner, ctx)
        if rel is None:
            continue
        inner_rows = rows_examined(inner, up.get(id(inner)), ctx.plan)
        if inner.rows_actual is not None and inner.loops:
            inner_rows = inner.rows_actual  # rows per pass over the inner table
        outer = _outer_rows(join, inner, ctx)
        pairs = (inner_rows or 0.0) * (outer or 1.0)
        share = join.time_share if join.time_inclusive_ms is not None else None
        subtree = (
            join.time_inclusive_ms / ctx.plan.total_time_ms
            if join.time_inclusive_ms is not None and ctx.plan.total_time_ms
            else None
        )
        if pairs < 10_000 and (join.time_inclusive_ms or 0.0) < 10:
            severity = "info"  # small enough that the join buffer is the cheap way
        elif (subtree or 0) >= 0.5:
            severity = "critical"
        elif pairs >= PAIRS_WARNING or (subtree or 0) >= 0.1:
            severity = "warning"
        else:
            severity = "info"
        advice, ddl, rollback = _advice(rel, cond)
        out.append(
            plan_finding(
                RULE_ID,
                severity,
                ctx,
                join,
                obj=rel.qualified,
                title="Join without an index",
                message=(
                    f"{rel.qualified} is joined through a join buffer ({algorithm}): "
                    f"{fmt.num(inner_rows)} rows of it are compared with "
                    + (
                        f"{fmt.num(outer)} rows of the other side"
                        if outer is not None
                        else "every row of the other side"
                    )
                    + (f" (about {fmt.num(pairs)} row pairs)" if outer is not None else "")
                    + (
                        f"; the join takes {fmt.pct(subtree)} of execution time"
                        if subtree is not None
                        else ""
                    )
                    + "."
                    + (f" Join condition: {cond}" if cond else "")
                ),
                reasoning=(
                    "A join buffer (block nested loop or hash join) is what MySQL and MariaDB fall back to when no "
                    "index can find the matching rows of the inner table: every buffered row is compared with "
                    "every inner row, or a hash table is built from one side. An index on the inner table's join "
                    "column turns the join into one index lookup per outer row."
                ),
                recommendation=advice,
                evidence={
                    "inner_rows": rounded(inner_rows, 1),
                    "outer_rows": rounded(outer, 1),
                    "row_pairs": rounded(pairs, 0),
                    "time_share_pct": pct(subtree),
                    "time_ms": rounded(join.time_exclusive_ms if share is not None else None),
                },
                ddl=ddl,
                rollback=rollback,
                impact=(join.time_inclusive_ms or 0.0) or pairs / 1_000_000,
            )
        )
    return out


def _advice(rel: MyRelation, cond: str | None) -> tuple[str, list[str], list[str]]:
    preds = predicates(cond, rel)
    if not preds.joins:
        return (
            "The join condition compares no plain column of this table with the other table (an expression or "
            "a type conversion stands in the way); make one side a bare column, then index it.",
            [],
            [],
        )
    cand = candidate_for(rel, [*preds.equality, *preds.joins], [], reason="join key")
    if cand is None:
        return ("No column of the join condition can lead a B-tree index.", [], [])
    if rel.detail is not None:
        visible, hidden = visible_covering(rel.detail, cand)
        if visible is not None:
            return (
                f"The index {visible.name} already leads with {cand.describe()}; the optimizer preferred the join "
                "buffer, most often because of a type or collation mismatch between the joined columns — compare "
                "their definitions.",
                [],
                [],
            )
        if hidden is not None:
            return (
                f"The invisible/ignored index {hidden.name} would serve this join; make it visible.",
                [],
                [],
            )
    _name, create, drop = index_statements(cand, rel.detail)
    return (
        f"The optimal indexing strategy for this join is a B-tree index on {rel.qualified} {cand.describe()}, "
        "the join column(s) after any equality filter columns." + copy_note(rel.detail),
        [create],
        [drop],
    )


RULES = (
    Rule(
        id=RULE_ID,
        category="plan",
        engines=ENGINES,
        check=check,
        summary="join through a join buffer (BNL / hash join): no index on the inner join column",
    ),
)
