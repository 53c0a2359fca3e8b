"""``pg.top-n-sort-without-index``: a LIMIT served by sorting a whole table.

Shape: Limit → [Gather Merge] → Sort / Incremental Sort (a top-N heapsort when analyzed) → [Gather] →
Seq Scan / Parallel Seq Scan. PostgreSQL reads every row of the table to keep the first N of the
ORDER BY; a B-tree on the sort keys, in the ORDER BY's own directions, returns the N rows straight
from the index and stops. With a filter on the scanned table the equality columns go first
(Equality → Sort → Range, ``tui.advisor.suggest``).

Fires when the scan reads ≥ 10,000 rows and ≥ 100 times the rows the Limit returns. Rows read: the
scan's actual rows plus the rows its filter removed (ANALYZE), else the table's row count from
SchemaFacts, else the planner's estimate for the scan (× the parallel divisor for a parallel scan).
Severity: critical when ≥ 99 % of the rows read are thrown away and the sort with its input holds
≥ 50 % of execution time; warning when that share is ≥ 10 % or the plan was not analyzed; info
otherwise. ``advise_plan`` replaces the DDL with the HypoPG-verified suggestion (which must lower the
estimated cost by ≥ 50 %) when HypoPG is available, and withdraws it when HypoPG rejects it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tui.advisor.context import PlanContext
from tui.advisor.registry import Rule
from tui.advisor.rules.common import (
    Relation,
    estimated_total_rows,
    pct,
    plan_finding,
    relation_of,
    rounded,
    subtree_share,
)
from tui.advisor.suggest import (
    IndexCandidate,
    build_candidate,
    candidate_from_filter,
    candidate_statements,
    covered_by,
    describe_roles,
)
from tui.core import fmt
from tui.core.finding import Finding
from tui.core.plan import Plan, PlanNode

RULE_ID = "pg.top-n-sort-without-index"
MIN_ROWS_READ = 10_000
MIN_READ_RATIO = 100.0
_SORTS = ("Sort", "Incremental Sort")
_FULL_SCANS = ("Seq Scan", "Parallel Seq Scan")
_ABOVE_SORT = ("Gather Merge", "Result")
_BELOW_SORT = ("Gather", "Result")
_IDENT = r'"(?:[^"]|"")+"|[^\s."()]+'
_SORT_KEY = re.compile(
    rf"^(?:(?P<qual>{_IDENT})\.)?(?P<col>{_IDENT})(?:\s+(?P<dir>ASC|DESC))?(?:\s+NULLS\s+(?P<nulls>FIRST|LAST))?$",
    re.I,
)


@dataclass(frozen=True, slots=True)
class TopNSort:
    """One Limit whose rows come from a sort of a full table scan."""

    limit: PlanNode
    sort: PlanNode
    scan: PlanNode


def _outer(node: PlanNode) -> PlanNode | None:
    """The node's main input (InitPlans and SubPlans are children too)."""
    kids = [c for c in node.children if c.role not in ("InitPlan", "SubPlan")]
    return kids[0] if len(kids) == 1 else None


def top_n_sorts(plan: Plan) -> list[TopNSort]:
    """Every Limit → [Gather Merge] → Sort → [Gather] → full scan of one table in ``plan``."""
    out: list[TopNSort] = []
    for node in plan.nodes():
        if node.operation != "Limit":
            continue
        sort = _outer(node)
        while sort is not None and sort.operation in _ABOVE_SORT:
            sort = _outer(sort)
        if sort is None or sort.operation not in _SORTS:
            continue
        scan = _outer(sort)
        while scan is not None and scan.operation in _BELOW_SORT:
            scan = _outer(scan)
        if scan is None or scan.operation not in _FULL_SCANS or scan.never_executed:
            continue
        out.append(TopNSort(node, sort, scan))
    return out


def _unquote(name: str) -> str:
    return name[1:-1].replace('""', '"') if name.startswith('"') else name


def sort_columns(sort: PlanNode, scan: PlanNode) -> list[tuple[str, bool, bool | None]] | None:
    """(column, descending, nulls first or None for the default) per Sort Key, when every key is a
    plain column of the scanned relation; None otherwise (expressions, USING operators, other tables)."""
    keys = sort.extra.get("Sort Key")
    if not isinstance(keys, list) or not keys:
        return None
    names = {n for n in (scan.extra.get("Alias"), scan.extra.get("Relation Name")) if isinstance(n, str)}
    out: list[tuple[str, bool, bool | None]] = []
    for key in keys:
        match = _SORT_KEY.match(str(key).strip())
        if match is None:
            return None
        qual = match.group("qual")
        if qual is not None and _unquote(qual) not in names:
            return None
        desc = (match.group("dir") or "").upper() == "DESC"
        nulls = match.group("nulls")
        out.append((_unquote(match.group("col")), desc, None if nulls is None else nulls.upper() == "FIRST"))
    return out


def rows_read(shape: TopNSort, ctx: PlanContext, rel: Relation) -> tuple[float, str]:
    """(rows the full scan reads, where the number comes from)."""
    scan = shape.scan
    if ctx.plan.analyzed and scan.rows_actual_total is not None:
        return scan.rows_actual_total + (scan.rows_removed or 0.0), "actual"
    if rel.detail is not None and rel.detail.row_estimate:
        return float(rel.detail.row_estimate), "table statistics"
    return estimated_total_rows(ctx.plan, scan), "planner estimate"


def rows_returned(shape: TopNSort, ctx: PlanContext) -> float:
    limit = shape.limit
    if ctx.plan.analyzed and limit.rows_actual_total is not None:
        return limit.rows_actual_total
    return (limit.rows_estimated or 0.0) * (limit.loops or 1)


def candidate_for(shape: TopNSort, ctx: PlanContext, rel: Relation) -> IndexCandidate | None:
    """Equality columns of the scan's filter, then the sort keys in their directions, then one range."""
    order = sort_columns(shape.sort, shape.scan)
    if order is None:
        return None
    equality: list[str] = []
    ranges: list[str] = []
    alias = shape.scan.extra.get("Alias")
    if shape.scan.filter:
        found = candidate_from_filter(
            shape.scan.filter,
            rel.schema,
            rel.table,
            rel.detail,
            alias=alias if isinstance(alias, str) else None,
            check_covered=False,
        )
        if found is not None:
            equality = [c for c, r in zip(found.columns, found.roles, strict=True) if r == "equality"]
            ranges = [c for c, r in zip(found.columns, found.roles, strict=True) if r == "range"]
    if rel.detail is not None:
        return build_candidate(
            rel.detail, equality, ranges, order, reason="top-N sort", check_covered=False, esr=True
        )
    cols = list(equality)
    roles = ["equality"] * len(cols)
    desc = [False] * len(cols)
    nulls: list[bool | None] = [None] * len(cols)
    for name, is_desc, first in order:
        if name not in cols:
            cols.append(name)
            roles.append("sort")
            desc.append(is_desc)
            nulls.append(first if first is not None and first != is_desc else None)
    if ranges and ranges[0] not in cols:
        cols.append(ranges[0])
        roles.append("range")
        desc.append(False)
        nulls.append(None)
    return IndexCandidate(
        rel.schema, rel.table, cols, roles, descending=desc, reason="top-N sort", nulls_first=nulls
    )


def _advice(shape: TopNSort, ctx: PlanContext, rel: Relation) -> tuple[str, list[str], list[str]]:
    cand = candidate_for(shape, ctx, rel)
    if cand is None:
        return (
            "The sort key is an expression or belongs to another relation; an index on the same expression, "
            "in the ORDER BY's direction, would return the first rows without the sort.",
            [],
            [],
        )
    existing = covered_by(cand, rel.detail) if rel.detail is not None else None
    if existing is not None:
        return (
            f"The existing index {existing.name} already returns {cand.describe()} in order, yet the planner "
            f"sorted the whole table; refresh the statistics (ANALYZE {rel.qualified}) and compare the "
            "estimated and actual row counts before adding anything.",
            [],
            [],
        )
    _name, create, drop = candidate_statements(cand, ctx.facts)
    text = (
        f"The optimal indexing strategy for this ORDER BY … LIMIT is a B-tree index on {cand.describe()}, "
        "in the ORDER BY's own direction"
    )
    if any(r != "sort" for r in cand.roles):
        text += f": {describe_roles(cand)} (Equality → Sort → Range)"
    text += (
        f"; an Index Scan then stops after the first {fmt.num(rows_returned(shape, ctx))} matching entries "
        "instead of reading the table"
    )
    if rel.detail is None:
        text += (
            "; the table's existing indexes are unknown here (no schema facts), so check that none already "
            "leads with these columns"
        )
    return text + ".", [create], [drop]


def check(ctx: PlanContext) -> list[Finding]:
    out: list[Finding] = []
    for shape in top_n_sorts(ctx.plan):
        rel = relation_of(shape.scan, ctx)
        if rel is None:
            continue
        read, source = rows_read(shape, ctx, rel)
        returned = rows_returned(shape, ctx)
        if read < MIN_ROWS_READ or read < MIN_READ_RATIO * max(returned, 1.0):
            continue
        finding = _finding(shape, ctx, rel, read, source, returned)
        out.append(finding)
    return out


def _finding(
    shape: TopNSort, ctx: PlanContext, rel: Relation, read: float, source: str, returned: float
) -> Finding:
    sort, scan = shape.sort, shape.scan
    share = subtree_share(sort, ctx) if ctx.plan.analyzed else None
    discarded = 1 - returned / read if read else 0.0
    if share is not None and discarded >= 0.99 and share >= 0.5:
        severity = "critical"
    elif share is None or share >= 0.1:
        severity = "warning"
    else:
        severity = "info"
    advice, ddl, rollback = _advice(shape, ctx, rel)
    method = sort.extra.get("Sort Method")
    keys = sort.extra.get("Sort Key")
    key_text = ", ".join(str(k) for k in keys) if isinstance(keys, list) else "?"
    how = f" ({method})" if isinstance(method, str) else ""
    if ctx.plan.analyzed:
        message = (
            f"The {scan.operation} on {rel.qualified} read {fmt.num(read)} rows so that a {sort.operation}{how} "
            f"on {key_text} could return the first {fmt.num(returned)} (it kept {fmt.pct(1 - discarded)} of them). "
            f"The sort and its input took {fmt.ms(sort.time_inclusive_ms)}"
            + (f" ({fmt.pct(share)} of execution time)" if share is not None else "")
            + "."
        )
    else:
        message = (
            f"The planner reads {'all ' if source == 'table statistics' else ''}{fmt.num(read)} rows of "
            f"{rel.qualified} ({source}) with a {scan.operation} "
            f"and sorts them on {key_text} to return the first {fmt.num(returned)} ({fmt.pct(1 - discarded)} of "
            f"them). The sort and its scan account for {fmt.num(sort.cost, 2)} of the statement's estimated cost "
            f"of {fmt.num(ctx.plan.total_cost, 2)}."
        )
    if scan.filter:
        message += f" Filter: {scan.filter}"
    # ms when analyzed, else cost (as ms when the mean time is known); × calls in plan_finding
    impact = (sort.time_inclusive_ms or 0.0) if ctx.plan.analyzed else ctx.cost_impact(sort.cost or 0.0)
    return plan_finding(
        RULE_ID,
        severity,
        ctx,
        sort,
        obj=rel.qualified,
        title="Top-N sort reads the whole table",
        message=message,
        reasoning=(
            "Without an index in the ORDER BY's order, PostgreSQL must read every row and keep the best N in "
            "a heap; the work grows with the table, not with the LIMIT. A B-tree on the sort keys is already "
            "in order, so an Index Scan returns the first N entries and stops."
        ),
        recommendation=advice,
        evidence={
            "rows_read": read,
            "rows_returned": returned,
            "kept_pct": pct(1 - discarded),
            "time_ms": rounded(sort.time_inclusive_ms) if ctx.plan.analyzed else None,
            "time_share_pct": pct(share),
            "cost": sort.cost,
        },
        ddl=ddl,
        rollback=rollback,
        impact=impact,
    )


RULES = (
    Rule(
        id=RULE_ID,
        category="plan",
        engines=("postgresql",),
        check=check,
        summary="Limit over a Sort of a full table scan reading ≥ 100× the rows returned",
    ),
)
