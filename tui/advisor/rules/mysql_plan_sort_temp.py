"""Sorting and grouping that MySQL/MariaDB do outside an index.

- ``mysql.filesort``: ``using_filesort`` (JSON v1 ordering/grouping), MariaDB ``filesort``, TREE/v2
  ``Sort``. Info from 1,000 rows sorted, warning from 10,000 rows or ≥ 10 % of the measured time.
- ``mysql.temporary-table``: GROUP BY / DISTINCT through an internal temporary table (JSON v1
  ``using_temporary_table`` on grouping/ordering, MariaDB ``temporary_table``, TREE ``Temporary
  table`` / ``Aggregate using temporary table``). Same thresholds. UNION's temporary table is not
  reported (it is how UNION removes duplicates; UNION ALL avoids it).
DDL, when the sort (or GROUP BY) keys are plain columns of one table and that table is the one read
under the sort: a composite index with the table's equality columns first and the sort keys after
(Equality → Sort), so rows come out of the index already ordered. The keys come from MariaDB's
``sort_key``, TREE's ``Sort: …`` text or the query's ORDER BY / GROUP BY.
"""

from __future__ import annotations

import re
from typing import Any

from tui.advisor.context import PlanContext
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
    is_table_access,
    parents,
    predicates,
    relation,
    visible_covering,
)
from tui.core import fmt
from tui.core.finding import Finding
from tui.core.plan import PlanNode

FILESORT_ID = "mysql.filesort"
TEMPORARY_ID = "mysql.temporary-table"
WARN_ROWS = 10_000
_NAME = r"`(?:[^`]|``)+`|[^`.\s()]+"
_KEY = re.compile(rf"^(?:(?P<table>{_NAME})\.)?(?P<column>{_NAME})(?:\s+(?P<dir>asc|desc))?$", re.I)


def _is_filesort(node: PlanNode) -> bool:
    if node.operation in ("Filesort", "Sort") or node.operation.startswith("Sort:"):
        return True
    return node.extra.get("using_filesort") is True and not node.operation.startswith("Union")


def _is_temporary(node: PlanNode) -> bool:
    if node.operation in (
        "Temporary table",
        "Temporary table with deduplication",
        "Aggregate using temporary table",
    ):
        return True
    return node.extra.get("using_temporary_table") is True and node.operation.startswith(
        ("Group by", "Order by")
    )


def _rows_in(node: PlanNode) -> tuple[float | None, bool]:
    """Rows entering the sort: the first measured (or estimated) count below it."""
    for below in node.walk():
        if below is node:
            continue
        if below.rows_actual_total is not None:
            return below.rows_actual_total, True
    for below in node.walk():
        if below is node:
            continue
        produced = below.extra.get("rows_produced_per_join")
        if isinstance(produced, int | float):
            return float(produced), False
        if below.rows_estimated is not None:
            return below.rows_estimated, False
    return None, False


def _split_keys(text: str) -> list[tuple[str | None, str, bool]] | None:
    """``o.created, t.x desc`` → [(alias, column, descending)]; None when a key is an expression."""
    keys = []
    for part in (p.strip() for p in text.split(",")):
        part = re.sub(r"\s*,?\s*limit input to .*$", "", part, flags=re.I)
        if not part:
            continue
        match = _KEY.match(part)
        if not match:
            return None
        table = _unquote(match.group("table")) if match.group("table") else None
        keys.append((table, _unquote(match.group("column")), (match.group("dir") or "").lower() == "desc"))
    return keys or None


def _unquote(name: str) -> str:
    return name[1:-1].replace("``", "`") if name.startswith("`") else name


def _sort_keys(node: PlanNode, ctx: PlanContext, group: bool) -> list[tuple[str | None, str, bool]] | None:
    if not group:
        text = node.extra.get("sort_key")
        if isinstance(text, str):
            return _split_keys(text)
        description = node.extra.get("description")
        if isinstance(description, str) and description.startswith("Sort: "):
            return _split_keys(description[len("Sort: ") :])
    return _query_keys(ctx.query, group)


def _query_keys(query: str | None, group: bool) -> list[tuple[str | None, str, bool]] | None:
    if not query:
        return None
    try:
        import sqlglot
        from sqlglot import exp

        tree = sqlglot.parse_one(query, read=DIALECT)
    except Exception:
        return None
    clause: Any = tree.args.get("group" if group else "order")
    if clause is None:
        return None
    keys = []
    for item in clause.expressions:
        desc = bool(item.args.get("desc")) if isinstance(item, exp.Ordered) else False
        target = item.this if isinstance(item, exp.Ordered) else item
        if not isinstance(target, exp.Column):
            return None
        keys.append((target.table or None, target.name, desc))
    return keys or None


def _advice(
    node: PlanNode, ctx: PlanContext, keys: list[tuple[str | None, str, bool]] | None, what: str
) -> tuple[str, list[str], list[str]]:
    fallback = (
        f"Give the {what} an index to read from: a composite index whose leading columns are the equality "
        f"columns of the WHERE clause and whose next columns are the {what} keys, in the same order."
    )
    if not keys:
        return fallback, [], []
    up = parents(ctx.plan)
    tables = [n for n in node.walk() if is_table_access(n)]
    if len(tables) != 1 and not (tables and all(k[0] in (None, tables[0].object) for k in keys)):
        return fallback + " The keys span several tables, so no single index can provide the order.", [], []
    table = tables[0]
    rel = relation(table, ctx)
    if rel is None or any(k[0] not in (None, rel.alias, rel.table) for k in keys):
        return fallback, [], []
    preds = predicates(condition(table, up.get(id(table))), rel)
    order = [(column, desc) for _t, column, desc in keys]
    cand = candidate_for(rel, preds.equality, [], order, reason=what)
    if cand is None or not any(r == "sort" for r in cand.roles):
        return fallback, [], []
    return _candidate_advice(rel, cand, what)


def _candidate_advice(rel: MyRelation, cand: Any, what: str) -> tuple[str, list[str], list[str]]:
    if rel.detail is not None:
        visible, hidden = visible_covering(rel.detail, cand)
        if visible is not None:
            return (
                f"The index {visible.name} already has the columns {cand.describe()}; the optimizer chose not "
                "to read in its order (often a cost choice for large result sets) — check with EXPLAIN whether "
                "a LIMIT makes it use the index.",
                [],
                [],
            )
        if hidden is not None:
            return (f"The invisible/ignored index {hidden.name} has these columns; make it visible.", [], [])
    _name, create, drop = index_statements(cand, rel.detail)
    return (
        f"The optimal indexing strategy for this {what} is a B-tree index on {cand.describe()}: equality columns "
        f"first, then the {what} keys, so rows leave the index already in order and no sort is needed."
        + copy_note(rel.detail),
        [create],
        [drop],
    )


def check(ctx: PlanContext) -> list[Finding]:
    out: list[Finding] = []
    for node in ctx.plan.nodes():
        if node.never_executed:
            continue
        if _is_filesort(node):
            finding = _finding(node, ctx, FILESORT_ID)
        elif _is_temporary(node):
            finding = _finding(node, ctx, TEMPORARY_ID)
        else:
            continue
        if finding is not None:
            out.append(finding)
    return out


def _finding(node: PlanNode, ctx: PlanContext, rule: str) -> Finding | None:
    rows, measured = _rows_in(node)
    share = node.time_share
    if (rows is None or rows < MIN_ROWS) and (share or 0) < 0.1:
        return None
    if share is not None:  # measured: judge by the time it took, or by sheer size
        severity = "warning" if share >= 0.1 or (rows or 0) >= 10 * WARN_ROWS else "info"
    else:
        severity = "warning" if (rows or 0) >= WARN_ROWS else "info"
    sort = rule == FILESORT_ID
    group = not sort and not node.operation.startswith("Order by")
    keys = _sort_keys(node, ctx, group=group)
    what = "ORDER BY" if sort or not group else "GROUP BY"
    advice, ddl, rollback = _advice(node, ctx, keys, what)
    rows_text = f"{'about ' if not measured else ''}{fmt.num(rows)} rows" if rows is not None else "its rows"
    if sort:
        title = "Filesort"
        message = (
            f"The plan sorts {rows_text} (filesort)"
            + (
                f" by {', '.join(('' if t is None else t + '.') + c + (' DESC' if d else '') for t, c, d in keys)}"
                if keys
                else ""
            )
            + (f"; the sort takes {fmt.pct(share)} of execution time" if share is not None else "")
            + "."
        )
        reasoning = (
            "A filesort reads every row into the sort buffer (sort_buffer_size) and merges runs on disk when "
            "they do not fit, before the first row can be returned; an index in the ORDER BY order returns rows "
            "already sorted and lets LIMIT stop early."
        )
    else:
        title = "Internal temporary table"
        message = (
            f"The plan builds an internal temporary table from {rows_text} for {what}"
            + (f" ({fmt.pct(share)} of execution time)" if share is not None else "")
            + "."
        )
        reasoning = (
            "Grouping without a suitable index writes every row into an internal temporary table (in memory "
            "up to tmp_table_size/max_heap_table_size, then on disk) and reads it back; an index in GROUP BY "
            "order lets the server group rows as it reads them."
        )
    return plan_finding(
        rule,
        severity,
        ctx,
        node,
        obj=None,
        title=title,
        message=message,
        reasoning=reasoning,
        recommendation=advice,
        evidence={
            "rows_sorted" if sort else "rows_grouped": rounded(rows, 1),
            "measured": measured,
            "time_share_pct": pct(share),
            "time_ms": rounded(node.time_exclusive_ms),
        },
        ddl=ddl,
        rollback=rollback,
        impact=(node.time_exclusive_ms or 0.0) or (rows or 0.0) / 1000,
    )


RULES = (
    Rule(
        id=FILESORT_ID,
        category="plan",
        engines=ENGINES,
        check=check,
        summary="filesort or internal temporary table over ≥ 1,000 rows",
        ids=(FILESORT_ID, TEMPORARY_ID),
    ),
)
