"""MySQL/MariaDB scans that read a whole table or a whole index.

- ``mysql.full-table-scan``: access type ALL (Workbench's red "Full Table Scan"; TREE "Table scan on";
  JSON v2 ``access_type: table``) reading ≥ 1,000 rows (measured, or estimated rows × scans) under a
  condition that keeps ≤ 50 % of them. Severity critical when ≥ 100,000 rows are read and ≤ 1 % kept
  (or the scan holds ≥ 50 % of the measured time), warning when ≤ 10 % is kept or ≥ 100,000 rows are
  read, info otherwise. A scan with no condition is reported (info) only from 100,000 rows. The inner
  table of a join buffer is left to ``mysql.join-without-index``.
- ``mysql.full-index-scan``: access type ``index`` (red "Full Index Scan") reading ≥ 10,000 rows;
  info, warning at ≥ 1,000,000 rows or ≥ 10 % of the measured time.
DDL: an index on the condition's columns in Equality → Range order, ``ALTER TABLE … ADD INDEX …,
ALGORITHM=INPLACE, LOCK=NONE``, unless an existing index already leads with them (then the advice is to
refresh statistics) or an invisible/ignored one does (then: make it visible).
"""

from __future__ import annotations

from tui.advisor.context import PlanContext
from tui.advisor.ddl import qualify, quote_ident
from tui.advisor.registry import Rule
from tui.advisor.rules.common import pct, plan_finding, rounded
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
    selectivity_unknown,
    visible_covering,
)
from tui.core import fmt
from tui.core.finding import Finding
from tui.core.plan import PlanNode

TABLE_ID = "mysql.full-table-scan"
INDEX_ID = "mysql.full-index-scan"
NO_CONDITION_ROWS = 100_000
INDEX_SCAN_ROWS = 10_000


def in_join_buffer(node: PlanNode, parent: PlanNode | None) -> bool:
    if node.extra.get("using_join_buffer") not in (None, "Batched Key Access", "Batched Key Access (unique)"):
        return True
    if parent is None:
        return False
    if parent.operation.startswith("Block nested loop"):
        return True
    return parent.operation == "Hash" or parent.extra.get("join_algorithm") == "hash"


def index_advice(rel: MyRelation, cond: str | None) -> tuple[str, list[str], list[str]]:
    """(recommendation, ddl, rollback) for an index serving ``cond`` on ``rel``."""
    preds = predicates(cond, rel)
    # Columns compared with another table's (a correlated subquery, a join evaluated as a filter) are
    # equality lookups for this table too.
    cand = candidate_for(rel, [*preds.equality, *preds.joins], preds.ranges, reason="plan condition")
    if cand is None:
        return (
            "No plain column of the condition can lead a B-tree index (functions, OR, or comparisons "
            "between columns); rewrite the predicate so a column stands alone, or add a generated column "
            "and index it.",
            [],
            [],
        )
    if rel.detail is not None:
        visible, hidden = visible_covering(rel.detail, cand)
        if visible is not None:
            return (
                f"The index {visible.name} already leads with {cand.describe()}, yet the optimizer read the whole "
                f"table; refresh the statistics (ANALYZE TABLE {rel.qualified}) and compare estimated and "
                "actual rows before adding anything.",
                [],
                [],
            )
        if hidden is not None:
            return (
                f"The index {hidden.name} would serve {cand.describe()} but is invisible/ignored; making it "
                "visible again is cheaper than a new index.",
                [],
                [],
            )
    _name, create, drop = index_statements(cand, rel.detail)
    text = f"The optimal indexing strategy for this predicate is a B-tree index on {cand.describe()}"
    if len(cand.columns) > 1:
        text += ", equality columns first and the range column last"
    if rel.detail is None:
        text += "; the table's existing indexes are unknown here (no schema facts), so check none already leads with these columns"
    return text + "." + copy_note(rel.detail), [create], [drop]


def check(ctx: PlanContext) -> list[Finding]:
    out: list[Finding] = []
    up = parents(ctx.plan)
    for node in ctx.plan.nodes():
        if node.never_executed or node.access_type not in ("ALL", "index"):
            continue
        rel = relation(node, ctx)
        if rel is None:
            continue
        parent = up.get(id(node))
        if node.access_type == "ALL":
            if in_join_buffer(node, parent):
                continue
            finding = _table_scan(node, parent, rel, ctx)
        else:
            finding = _index_scan(node, parent, rel, ctx)
        if finding is not None:
            out.append(finding)
    return out


def _table_scan(node: PlanNode, parent: PlanNode | None, rel: MyRelation, ctx: PlanContext) -> Finding | None:
    examined = rows_examined(node, parent, ctx.plan)
    if examined is None or examined < MIN_ROWS:
        return None
    cond = condition(node, parent)
    kept, measured = kept_fraction(node, parent)
    time_share = node.time_share
    if cond is None:
        if examined < NO_CONDITION_ROWS:
            return None
        severity = "info"
    else:
        if kept is not None and kept > 0.5:
            return None
        if examined >= NO_CONDITION_ROWS and (
            (kept is not None and kept <= 0.01) or (time_share or 0) >= 0.5
        ):
            severity = "critical"
        elif (kept is not None and kept <= 0.1) or examined >= NO_CONDITION_ROWS:
            severity = "warning"
        else:
            severity = "info"
    advice, ddl, rollback = (
        index_advice(rel, cond)
        if cond
        else (
            "Nothing filters this scan: if the query needs only some rows, add a selective predicate or a "
            "LIMIT; if it needs them all, a full scan is the cheapest way to read them.",
            [],
            [],
        )
    )
    verb = "read" if node.rows_actual is not None else "is estimated to read"
    kept_text = ""
    if kept is not None:
        kept_text = f" and {'kept' if measured else 'expects to keep'} {fmt.pct(kept)} of them"
    elif cond is not None and selectivity_unknown(node, parent):
        kept_text = (
            "; the optimizer does not know how many of them the condition keeps (filtered 100 %: no "
            "statistics on its columns), so EXPLAIN ANALYZE would measure it"
        )
        advice += " " + _statistics_hint(ctx, rel, cond)
    time_text = f" ({fmt.pct(time_share)} of execution time)" if time_share is not None else ""
    return plan_finding(
        TABLE_ID,
        severity,
        ctx,
        node,
        obj=rel.qualified,
        title="Full table scan",
        message=(
            f"The full table scan (type ALL) of {rel.qualified} {verb} {fmt.num(examined)} rows{kept_text}{time_text}."
            + (f" Condition: {cond}" if cond else "")
        ),
        reasoning=(
            "Access type ALL reads every row of the table and tests the condition on each; the rows the "
            "condition throws away are pure I/O and CPU. An index on the condition's columns reads only "
            "the matching rows."
        ),
        recommendation=advice,
        evidence={
            "rows_examined": rounded(examined, 1),
            "kept_pct": pct(kept),
            "time_share_pct": pct(time_share),
            "time_ms": rounded(node.time_exclusive_ms),
            "loops": node.loops,
            "cost": node.cost,
        },
        ddl=ddl,
        rollback=rollback,
        impact=(node.time_exclusive_ms or 0.0) * (1 - (kept or 0.0)) or examined * (1 - (kept or 0.0)) / 1000,
    )


def _statistics_hint(ctx: PlanContext, rel: MyRelation, cond: str) -> str:
    """How to give the optimizer the condition's selectivity: histograms on its columns."""
    preds = predicates(cond, rel)
    columns = [c for c in (*preds.equality, *preds.ranges) if c]
    table = qualify(rel.schema, rel.table, DIALECT)
    if not columns:
        return "Histograms on the condition's columns would let the optimizer estimate it."
    cols = ", ".join(quote_ident(c, DIALECT) for c in columns)
    if ctx.plan.engine == "mariadb":
        statement = f"ANALYZE TABLE {table} PERSISTENT FOR COLUMNS ({cols}) INDEXES ();"
    else:
        statement = f"ANALYZE TABLE {table} UPDATE HISTOGRAM ON {cols};"
    return (
        f"To let the optimizer estimate the condition, collect histograms on its columns: {statement} "
        "It reads the table once and writes only the optimizer's statistics."
    )


def _index_scan(node: PlanNode, parent: PlanNode | None, rel: MyRelation, ctx: PlanContext) -> Finding | None:
    examined = rows_examined(node, parent, ctx.plan)
    if examined is None or examined < INDEX_SCAN_ROWS:
        return None
    time_share = node.time_share
    severity = "warning" if examined >= 1_000_000 or (time_share or 0) >= 0.1 else "info"
    cond = condition(node, parent)
    kept, _measured = kept_fraction(node, parent)
    covering = node.extra.get("using_index") is True or node.operation.lower().startswith("covering")
    if cond:
        advice, ddl, rollback = index_advice(rel, cond)
    else:
        advice, ddl, rollback = (
            "A full index scan reads every entry of the index: it serves an ORDER BY or GROUP BY on the "
            "index's columns without sorting, but if the query needs only some rows, give it a predicate "
            "on the leading columns or a LIMIT.",
            [],
            [],
        )
    return plan_finding(
        INDEX_ID,
        severity,
        ctx,
        node,
        obj=rel.qualified,
        title="Full index scan",
        message=(
            f"The full index scan (type index) of {rel.qualified}"
            + (f" using {node.index}" if node.index else "")
            + f" reads {fmt.num(examined)} index entries"
            + (" (covering: no table rows are read)" if covering else "")
            + (f"; the condition keeps {fmt.pct(kept)}" if kept is not None and cond else "")
            + "."
        ),
        reasoning=(
            "Access type index walks the whole index from end to end. It is cheaper than a table scan when "
            "the index covers the query, but it still reads every entry."
        ),
        recommendation=advice,
        evidence={
            "rows_examined": rounded(examined, 1),
            "kept_pct": pct(kept),
            "time_share_pct": pct(time_share),
            "time_ms": rounded(node.time_exclusive_ms),
            "cost": node.cost,
        },
        ddl=ddl,
        rollback=rollback,
        impact=(node.time_exclusive_ms or 0.0) or examined / 1000,
    )


RULES = (
    Rule(
        id=TABLE_ID,
        category="plan",
        engines=ENGINES,
        check=check,
        summary="type ALL reading ≥ 1,000 rows to keep ≤ 50 % (or ≥ 100,000 rows unfiltered); type index over ≥ 10,000 entries",
        ids=(TABLE_ID, INDEX_ID),
    ),
)
