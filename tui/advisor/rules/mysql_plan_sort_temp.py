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
    estimated_scans,
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


_AGGREGATE = re.compile(
    r"\b(?:sum|count|avg|min|max|group_concat|json_arrayagg|json_objectagg|std\w*|var\w*)\s*\(", re.I
)


def _rows_out(node: PlanNode, ctx: PlanContext) -> tuple[float | None, bool]:
    """Rows a subtree hands to its parent: measured when analyzed, else estimated. A table access
    passes on what its condition keeps (MariaDB ``r_filtered``, v1 ``rows_produced_per_join``); a MariaDB
    or v1 ``Nested loop`` passes on what its last table produces; TREE/v2 iterators carry their own."""
    if node.access_type:
        if node.rows_actual is not None:
            total = node.rows_actual * (node.loops if node.loops is not None else 1)
            kept = node.extra.get("r_filtered")
            if isinstance(kept, int | float):
                total *= max(0.0, min(100.0, float(kept))) / 100
            return total, True
        produced = node.extra.get("rows_produced_per_join")
        if isinstance(produced, int | float):
            return float(produced), False
        if node.rows_estimated is not None:
            up = parents(ctx.plan)
            scans = estimated_scans(node, up.get(id(node)), ctx.plan)
            kept = node.extra.get("filtered")
            share = max(0.0, min(100.0, float(kept))) / 100 if isinstance(kept, int | float) else 1.0
            return node.rows_estimated * share * scans, False
        return None, False
    if node.operation == "Nested loop" and node.children:
        return _rows_out(node.children[-1], ctx)
    if node.rows_actual is not None:
        return node.rows_actual * (node.loops if node.loops is not None else 1), True
    if node.rows_estimated is not None:
        return node.rows_estimated, False
    for child in node.children:
        if child.role == "Subquery":
            continue
        rows, measured = _rows_out(child, ctx)
        if rows is not None:
            return rows, measured
    return None, False


def _query_groups(ctx: PlanContext, node: PlanNode) -> bool:
    """True when the statement groups (GROUP BY, DISTINCT or an aggregate), or the sort key is an
    aggregate: a sort above a temporary table then sorts groups, not the rows read."""
    text = node.extra.get("sort_key") or node.extra.get("description")
    if isinstance(text, str) and _AGGREGATE.search(text):
        return True
    if not ctx.query:
        return False
    try:
        import sqlglot
        from sqlglot import exp

        tree = sqlglot.parse_one(ctx.query, read=DIALECT)
    except Exception:
        return False
    select = tree if isinstance(tree, exp.Select) else tree.find(exp.Select)
    if select is None:
        return False
    return bool(select.args.get("group") or select.args.get("distinct") or select.find(exp.AggFunc))


def _rows_in(node: PlanNode, ctx: PlanContext, sort: bool) -> tuple[float | None, bool, bool]:
    """(rows entering the sort or the temporary table, measured?, only an upper bound?).

    A filesort over a GROUP BY's temporary table (MariaDB ``filesort`` → ``temporary_table``, v1
    ``ordering_operation`` → ``grouping_operation``) sorts the groups, whose number no format prints:
    the rows that went into the grouping are then an upper bound."""
    inputs = [c for c in node.children if c.role != "Subquery"]
    if not inputs:
        return None, False, False
    child = inputs[0]
    if sort and _is_temporary(child) and child.rows_actual is None and child.rows_estimated is None:
        rows, measured = _rows_out(child, ctx)
        return rows, measured, _query_groups(ctx, node)
    rows, measured = _rows_out(child, ctx)
    return rows, measured, False


Keys = list[tuple[str | None, str, bool]]


def _split_keys(text: str) -> tuple[Keys | None, str | None]:
    """``o.created, t.x desc`` → ([(alias, column, descending)], None); (None, the key) when a key is
    computed (``sum(o.amount) desc``)."""
    keys = []
    for part in (p.strip() for p in text.split(",")):
        part = re.sub(r"\s*,?\s*limit input to .*$", "", part, flags=re.I)
        if not part:
            continue
        match = _KEY.match(part)
        if not match:
            return None, part
        table = _unquote(match.group("table")) if match.group("table") else None
        keys.append((table, _unquote(match.group("column")), (match.group("dir") or "").lower() == "desc"))
    return (keys or None), None


def _unquote(name: str) -> str:
    return name[1:-1].replace("``", "`") if name.startswith("`") else name


def _sort_keys(node: PlanNode, ctx: PlanContext, group: bool) -> tuple[Keys | None, str | None]:
    """(plain column keys, or None; the first computed key when there is one)."""
    if not group:
        text = node.extra.get("sort_key")
        if isinstance(text, str):
            return _split_keys(text)
        description = node.extra.get("description")
        if isinstance(description, str) and description.startswith("Sort: "):
            return _split_keys(description[len("Sort: ") :])
    return _query_keys(ctx.query, group)


def _query_keys(query: str | None, group: bool) -> tuple[Keys | None, str | None]:
    """The ORDER BY (GROUP BY) keys of the statement; positions (``ORDER BY 2``) and select-list aliases
    are resolved, and a key that is an expression (an aggregate, a function) is returned as computed."""
    if not query:
        return None, None
    try:
        import sqlglot
        from sqlglot import exp

        tree = sqlglot.parse_one(query, read=DIALECT)
    except Exception:
        return None, None
    clause: Any = tree.args.get("group" if group else "order")
    if clause is None:
        return None, None
    select_list = tree.expressions if isinstance(tree, exp.Select) else []
    aliases = {e.alias: e.this for e in select_list if isinstance(e, exp.Alias) and e.alias}
    keys = []
    for item in clause.expressions:
        desc = bool(item.args.get("desc")) if isinstance(item, exp.Ordered) else False
        target = item.this if isinstance(item, exp.Ordered) else item
        if isinstance(target, exp.Literal) and not target.is_string and str(target.this).isdigit():
            position = int(str(target.this))
            if 0 < position <= len(select_list):
                picked = select_list[position - 1]
                target = picked.this if isinstance(picked, exp.Alias) else picked
        elif isinstance(target, exp.Column) and not target.table and target.name in aliases:
            target = aliases[target.name]
        if not isinstance(target, exp.Column):
            return None, target.sql(dialect=DIALECT)
        keys.append((target.table or None, target.name, desc))
    return (keys or None), None


def _advice(
    node: PlanNode, ctx: PlanContext, keys: Keys | None, what: str, computed: str | None = None
) -> tuple[str, list[str], list[str]]:
    fallback = (
        f"Give the {what} an index to read from: a composite index whose leading columns are the equality "
        f"columns of the WHERE clause and whose next columns are the {what} keys, in the same order."
    )
    if computed is not None:
        return (
            f"The {what} key {computed} is computed while the query runs, so no index can return rows in "
            "that order; keep the rows it sorts few (filter before grouping), and with a LIMIT the server "
            "keeps only the top rows in a priority queue.",
            [],
            [],
        )
    if not keys:
        return fallback, [], []
    up = parents(ctx.plan)
    tables = [n for n in node.walk() if is_table_access(n)]
    if not tables:
        return fallback, [], []
    owners = {k[0] for k in keys}
    if len(owners - {None}) > 1:
        return fallback + " The keys span several tables, so no single index can provide the order.", [], []
    first = tables[0]
    owner = next(iter(owners - {None}), None)
    if owner is not None and owner != first.object:
        owner_node = next((t for t in tables if t.object == owner), None)
        owner_rel = relation(owner_node, ctx) if owner_node is not None else None
        first_rel = relation(first, ctx)
        owner_name = owner_rel.qualified if owner_rel is not None else owner
        first_name = first_rel.qualified if first_rel is not None else first.object
        return (
            f"The {what} keys belong to {owner_name}, but the join reads {first_name} first: an index only "
            f"returns rows in order for the first table of the join. If most rows of {first_name} are "
            f"needed anyway, an index on {owner_name}'s {what} keys plus a STRAIGHT_JOIN order can avoid the "
            "sort; compare both plans with EXPLAIN ANALYZE.",
            [],
            [],
        )
    table = first
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


def _staging_for_sort(node: PlanNode, parent: PlanNode | None, ctx: PlanContext) -> bool:
    """A temporary table that only collects a join's rows for the filesort above it (ORDER BY on a
    table that is not read first, no grouping): the filesort finding covers it."""
    return (
        parent is not None
        and _is_filesort(parent)
        and node.operation == "Temporary table"
        and not _query_groups(ctx, parent)
    )


def check(ctx: PlanContext) -> list[Finding]:
    out: list[Finding] = []
    up = parents(ctx.plan)
    for node in ctx.plan.nodes():
        if node.never_executed:
            continue
        if _is_filesort(node):
            finding = _finding(node, ctx, FILESORT_ID)
        elif _is_temporary(node) and not _staging_for_sort(node, up.get(id(node)), ctx):
            finding = _finding(node, ctx, TEMPORARY_ID)
        else:
            continue
        if finding is not None:
            out.append(finding)
    return out


def _finding(node: PlanNode, ctx: PlanContext, rule: str) -> Finding | None:
    sort = rule == FILESORT_ID
    rows, measured, bound = _rows_in(node, ctx, sort)
    share = node.time_share
    if (rows is None or rows < MIN_ROWS) and (share or 0) < 0.1:
        return None
    queue = node.extra.get("r_used_priority_queue") is True
    if share is not None:  # measured: judge by the time it took, or by sheer size
        big = (rows or 0) >= 10 * WARN_ROWS and not bound and not queue
        severity = "warning" if share >= 0.1 or big else "info"
    else:
        severity = "warning" if (rows or 0) >= WARN_ROWS and not bound else "info"
    if sort:
        group = False
    elif node.operation.startswith(("Group by", "Aggregate")):
        group = True
    elif node.operation.startswith(("Order by", "Temporary table with deduplication")):
        group = False
    else:  # MariaDB's temporary_table says nothing of its purpose: the statement does
        group = _query_groups(ctx, node)
    keys, computed = _sort_keys(node, ctx, group=group)
    what = "GROUP BY" if group else "ORDER BY"
    if not sort and node.operation.startswith("Temporary table with deduplication"):
        what = "DISTINCT"
    staged = sort and any(_staging_for_sort(c, node, ctx) for c in node.children)
    advice, ddl, rollback = _advice(node, ctx, keys, what, computed)
    rows_text = f"{'about ' if not measured else ''}{fmt.num(rows)} rows" if rows is not None else "its rows"
    if sort:
        title = "Filesort"
        by = (
            f" by {', '.join(('' if t is None else t + '.') + c + (' DESC' if d else '') for t, c, d in keys)}"
            if keys
            else (f" by {computed}" if computed else "")
        )
        if bound:
            subject = (
                f"the groups of the GROUP BY{by} (filesort); {rows_text} went into the grouping, so at most "
                "that many are sorted"
            )
        else:
            subject = f"{rows_text} (filesort){by}" + (
                ", collected first in an internal temporary table" if staged else ""
            )
        limit = node.extra.get("r_limit")
        message = (
            f"The plan sorts {subject}"
            + (
                f"; with LIMIT {fmt.num(limit)} it kept only the top rows in a priority queue"
                if queue and isinstance(limit, int | float)
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
            ("rows_sorted_at_most" if bound else "rows_sorted") if sort else "rows_grouped": rounded(rows, 1),
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
