"""How well MySQL/MariaDB used the indexes a table has (JSON v1 and MariaDB plans, which print
``possible_keys``, ``filtered`` and ``used_key_parts``).

- ``mysql.index-not-chosen``: ``possible_keys`` lists indexes but ``key`` is empty and the table is
  read in full (type ALL) — ≥ 1,000 rows examined. Warning. The first thing to do is refresh the
  statistics: ``ANALYZE TABLE`` (no definition changes; it briefly waits for running statements on
  the table). ``FORCE INDEX`` only to test whether the index really is faster.
- ``mysql.low-filtered``: an index access (ref, eq_ref, range, index_merge…) whose attached condition
  keeps < 10 % of ≥ 1,000 rows examined (``r_filtered`` when analyzed, else ``filtered``). Warning,
  info under 10,000 rows. DDL: a composite index — the key columns used plus the condition's columns,
  Equality → Range — when no existing index leads with them.
- ``mysql.partial-key-use``: ``used_key_parts`` is shorter than the index while the condition tests a
  later key column: a range on an earlier column stops the rest from narrowing the scan. Info; warning
  at ≥ 10,000 rows examined. DDL: the same columns reordered, equality first, range last.
"""

from __future__ import annotations

from tui.advisor import ddl
from tui.advisor.context import PlanContext
from tui.advisor.indexes import key_parts
from tui.advisor.registry import Rule
from tui.advisor.rules.common import NO_UNDO, pct, plan_finding, rounded
from tui.advisor.rules.mysql_common import (
    DIALECT,
    ENGINES,
    MIN_ROWS,
    MyRelation,
    candidate_for,
    condition,
    copy_note,
    index_statements,
    kept_fraction,
    parents,
    predicates,
    relation,
    rows_examined,
    visible_covering,
)
from tui.core import fmt
from tui.core.finding import Finding
from tui.core.plan import PlanNode

NOT_CHOSEN_ID = "mysql.index-not-chosen"
LOW_FILTERED_ID = "mysql.low-filtered"
PARTIAL_KEY_ID = "mysql.partial-key-use"
LOW_KEPT = 0.10
INDEX_ACCESS = ("ref", "eq_ref", "range", "index_merge", "ref_or_null", "index", "const")


def check(ctx: PlanContext) -> list[Finding]:
    out: list[Finding] = []
    up = parents(ctx.plan)
    for node in ctx.plan.nodes():
        if node.never_executed:
            continue
        rel = relation(node, ctx)
        if rel is None:
            continue
        parent = up.get(id(node))
        examined = rows_examined(node, parent, ctx.plan)
        for finding in (
            _not_chosen(node, parent, rel, examined, ctx),
            _low_filtered(node, parent, rel, examined, ctx),
            _partial_key(node, parent, rel, examined, ctx),
        ):
            if finding is not None:
                out.append(finding)
    return out


def _not_chosen(
    node: PlanNode, parent: PlanNode | None, rel: MyRelation, examined: float | None, ctx: PlanContext
) -> Finding | None:
    possible = node.extra.get("possible_keys")
    if node.access_type != "ALL" or node.index or not isinstance(possible, list) or not possible:
        return None
    if examined is None or examined < MIN_ROWS:
        return None
    kept, _measured = kept_fraction(node, parent)
    if kept is not None and kept > 0.5:
        return None  # most rows are wanted: reading them all can be the right plan
    analyze = f"ANALYZE TABLE {ddl.qualify(rel.schema, rel.table, DIALECT)};"
    return plan_finding(
        NOT_CHOSEN_ID,
        "warning",
        ctx,
        node,
        obj=rel.qualified,
        title="Index available but not chosen",
        message=(
            f"The optimizer considered {', '.join(str(k) for k in possible)} for {rel.qualified} but read the "
            f"whole table instead (type ALL, {fmt.num(examined)} rows examined"
            + (f", {fmt.pct(kept)} kept" if kept is not None else "")
            + ")."
        ),
        reasoning=(
            "An index in possible_keys can serve the condition, but the optimizer judged a full scan cheaper "
            "— usually because the statistics say the indexed value matches many rows, or because the "
            "statistics are stale. When the condition keeps few rows, stale statistics are the likely cause."
        ),
        recommendation=(
            f"Refresh the table's statistics first ({analyze.rstrip(';')}), then EXPLAIN again. To check "
            f"whether the index really is faster, time the query with FORCE INDEX ({possible[0]}) — for testing "
            "only, not as a permanent hint."
        ),
        evidence={
            "rows_examined": rounded(examined, 1),
            "kept_pct": pct(kept),
            "possible_keys": len(possible),
            "cost": node.cost,
        },
        ddl=[analyze],
        rollback=[NO_UNDO],
        impact=(node.time_exclusive_ms or 0.0) or examined / 1000,
    )


def _low_filtered(
    node: PlanNode, parent: PlanNode | None, rel: MyRelation, examined: float | None, ctx: PlanContext
) -> Finding | None:
    if node.access_type not in INDEX_ACCESS or node.access_type == "index":
        return None
    if examined is None or examined < MIN_ROWS:
        return None
    cond = condition(node, parent)
    kept, measured = kept_fraction(node, parent)
    if cond is None or kept is None or kept >= LOW_KEPT:
        return None
    used = [str(p) for p in node.extra.get("used_key_parts") or [] if isinstance(p, str)]
    preds = predicates(cond, rel)
    cand = candidate_for(rel, [*used, *preds.equality], preds.ranges, reason="index + condition")
    ddl_list: list[str] = []
    rollback: list[str] = []
    advice = (
        f"Extend the index so the condition is answered inside it: the columns {', '.join(used) or 'of the key'} "
        "followed by the condition's columns."
    )
    if cand is not None and len(cand.columns) > len(used):
        visible, hidden = visible_covering(rel.detail, cand) if rel.detail is not None else (None, None)
        if visible is not None or hidden is not None:
            existing = visible or hidden
            advice = (
                f"The index {existing.name} already leads with {cand.describe()}"  # type: ignore[union-attr]
                + (" but is invisible/ignored" if visible is None else "")
                + f"; refresh the statistics (ANALYZE TABLE {rel.qualified}) so the optimizer picks it."
            )
        else:
            _name, create, drop = index_statements(cand, rel.detail)
            ddl_list, rollback = [create], [drop]
            advice = (
                f"The optimal indexing strategy here is a composite B-tree index on {cand.describe()}: the key "
                "columns the lookup uses, then the condition's columns, so rows are rejected in the index "
                "instead of after reading them."
            ) + copy_note(rel.detail)
    return plan_finding(
        LOW_FILTERED_ID,
        "warning" if examined >= 10_000 else "info",
        ctx,
        node,
        obj=rel.qualified,
        title="Condition discards most rows after the index lookup",
        message=(
            f"The {node.access_type} access of {rel.qualified} using {node.index or 'an index'} examines "
            f"{fmt.num(examined)} rows and the attached condition {'keeps' if measured else 'is expected to keep'} "
            f"{fmt.pct(kept)} of them. Condition: {cond}"
        ),
        reasoning=(
            "filtered is the share of examined rows that survive the conditions the index does not cover; "
            "every row below that share was read only to be thrown away."
        ),
        recommendation=advice,
        evidence={
            "rows_examined": rounded(examined, 1),
            "kept_pct": pct(kept),
            "measured": measured,
            "time_ms": rounded(node.time_exclusive_ms),
        },
        ddl=ddl_list,
        rollback=rollback,
        impact=(node.time_exclusive_ms or 0.0) * (1 - kept) or examined * (1 - kept) / 1000,
    )


def _partial_key(
    node: PlanNode, parent: PlanNode | None, rel: MyRelation, examined: float | None, ctx: PlanContext
) -> Finding | None:
    used = node.extra.get("used_key_parts")
    if not isinstance(used, list) or not used or not node.index or rel.detail is None:
        return None
    index = next((i for i in rel.detail.indexes if i.name == node.index), None)
    if index is None:
        return None
    keys = key_parts(index)
    if len(used) >= len(keys):
        return None
    cond = " AND ".join(c for c in (node.index_condition, condition(node, parent)) if c)
    preds = predicates(cond, rel)
    tested = set(preds.equality) | set(preds.ranges)
    unused = [k for k in keys[len(used) :] if k in tested]
    if not unused:
        return None
    cand = candidate_for(rel, preds.equality, preds.ranges, reason="reordered key")
    if cand is None or cand.columns == keys[: len(cand.columns)]:
        return None
    visible, _hidden = visible_covering(rel.detail, cand)
    ddl_list: list[str] = []
    rollback: list[str] = []
    if visible is None:
        _name, create, drop = index_statements(cand, rel.detail)
        ddl_list, rollback = [create], [drop]
    examined_rows = examined or 0.0
    return plan_finding(
        PARTIAL_KEY_ID,
        "warning" if examined_rows >= 10_000 else "info",
        ctx,
        node,
        obj=rel.qualified,
        title="Only part of the index key is used",
        message=(
            f"The {node.access_type} access of {rel.qualified} uses {len(used)} of the {len(keys)} key columns "
            f"of {index.name} ({', '.join(str(u) for u in used)} of {', '.join(keys)}), although the condition also "
            f"tests {', '.join(unused)}."
        ),
        reasoning=(
            "An index narrows a search column by column until the first range condition; the key columns after "
            "a range cannot be used to seek, only to filter entries one by one."
        ),
        recommendation=(
            f"Put the equality columns first and the range column last: {cand.describe()}"
            + (f" — the index {visible.name} already has that order." if visible is not None else ".")
            + (copy_note(rel.detail) if ddl_list else "")
        ),
        evidence={
            "used_key_parts": len(used),
            "index_key_parts": len(keys),
            "rows_examined": rounded(examined, 1),
        },
        ddl=ddl_list,
        rollback=rollback,
        impact=(node.time_exclusive_ms or 0.0) or examined_rows / 1000,
    )


RULES = (
    Rule(
        id=NOT_CHOSEN_ID,
        category="plan",
        engines=ENGINES,
        check=check,
        summary="possible_keys without key; filtered < 10 % after an index; used_key_parts shorter than useful",
        ids=(NOT_CHOSEN_ID, LOW_FILTERED_ID, PARTIAL_KEY_ID),
    ),
)
