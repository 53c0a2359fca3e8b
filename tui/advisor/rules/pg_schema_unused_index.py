"""``pg.unused-index``: an index with zero scans since the statistics were last reset.

Judged only on a window of ≥ 7 days (``SchemaFacts.stats_age_days``): a younger or unknown window
gives one ``pg.unused-index-window`` info finding saying how many zero-scan indexes were not judged
and why. Never flagged: primary keys, unique indexes and constraint indexes (they enforce rules, not
only speed), invalid indexes (their own rule), and an index that is the only one serving a foreign
key's columns (dropping it would create an FK without an index). Severity: warning at ≥ 8 MB
(1,024 pages), info below. ``idx_scan`` counts this server only; replicas keep their own.
"""

from __future__ import annotations

from tui.advisor import ddl
from tui.advisor.context import SchemaContext
from tui.advisor.indexes import is_constraint_index, key_parts, leading_index
from tui.advisor.registry import Rule
from tui.advisor.rules.common import schema_finding, table_name, table_qualified, tables_of
from tui.core import fmt
from tui.core.catalog import Index, ObjectDetail
from tui.core.finding import Finding

RULE_ID = "pg.unused-index"
WINDOW_ID = "pg.unused-index-window"
MIN_WINDOW_DAYS = 7.0
WARNING_BYTES = 8 * 1024 * 1024


def _serves_fk(detail: ObjectDetail, index: Index) -> str | None:
    for fk in detail.foreign_keys:
        if fk.direction != "outgoing":
            continue
        keys = key_parts(index)
        if set(keys[: len(fk.columns)]) != set(fk.columns):
            continue
        others = ObjectDetail(node=detail.node, indexes=[i for i in detail.indexes if i is not index])
        if leading_index(others, fk.columns) is None:
            return fk.name
    return None


def _candidates(ctx: SchemaContext) -> list[tuple[ObjectDetail, Index]]:
    out = []
    for detail in tables_of(ctx.facts):
        for index in detail.indexes:
            if index.scans != 0 or not index.valid:
                continue
            if index.primary or index.unique or is_constraint_index(index):
                continue
            if _serves_fk(detail, index):
                continue
            out.append((detail, index))
    return out


def check(ctx: SchemaContext) -> list[Finding]:
    candidates = _candidates(ctx)
    if not candidates:
        return []
    age = ctx.facts.stats_age_days
    since = ctx.facts.stats_since
    if age is None or age < MIN_WINDOW_DAYS:
        window = "unknown" if age is None else f"{fmt.age(age)} old (since {since})"
        names = [f"{table_qualified(d)}.{i.name}" for d, i in candidates]
        return [
            schema_finding(
                WINDOW_ID,
                "info",
                obj=None,
                title="Unused indexes not judged: statistics window too short",
                message=(
                    f"{fmt.num(len(candidates))} indexes have no recorded scan, but the usage statistics are "
                    f"{window}; I judge an index unused only on at least {fmt.num(MIN_WINDOW_DAYS)} days of statistics."
                ),
                reasoning=(
                    "Weekly and monthly jobs use indexes that a short window never sees; dropping one on a few days "
                    "of evidence can turn a report into a sequential scan."
                ),
                recommendation=(
                    "Run the advisor again once the statistics cover a full business cycle: "
                    + ", ".join(names[:10])
                    + (" …" if len(names) > 10 else "")
                    + "."
                ),
                evidence={
                    "indexes": len(candidates),
                    "not_judged": names,
                    "stats_age_days": age,
                    "min_window_days": MIN_WINDOW_DAYS,
                },
            )
        ]
    out: list[Finding] = []
    for detail, index in candidates:
        schema, table = detail.node.schema, table_name(detail)
        concurrently = detail.node.kind != "partitioned_table"
        out.append(
            schema_finding(
                RULE_ID,
                "warning" if (index.size_bytes or 0) >= WARNING_BYTES else "info",
                obj=table_qualified(detail),
                title="Unused index",
                message=(
                    f"The index {index.name} on {table_qualified(detail)} ({', '.join(key_parts(index))}) has not "
                    f"been scanned in {fmt.num(age, 1)} days of statistics (since {since}); it takes "
                    f"{fmt.size(index.size_bytes)}."
                ),
                reasoning=(
                    "Every INSERT, and every UPDATE that is not HOT, writes to this index too; an index nobody "
                    "reads is pure write amplification, WAL volume and cache pressure. The counters are this "
                    "server's: check the replicas' pg_stat_user_indexes before dropping."
                ),
                recommendation=f"Drop {index.name}; the rollback recreates it exactly as it is defined now.",
                evidence={
                    "scans": index.scans,
                    "size_bytes": index.size_bytes,
                    "stats_age_days": round(age, 1),
                },
                ddl=[ddl.drop_index(schema, index.name, concurrently=concurrently)],
                rollback=[ddl.recreate_index(index, schema, table, concurrently=concurrently)],
                impact=float(index.size_bytes or 0),
            )
        )
    return out


RULES = (
    Rule(
        id=RULE_ID,
        category="schema",
        engines=("postgresql",),
        check=check,
        summary="index with zero scans over ≥ 7 days of statistics",
        ids=(RULE_ID, WINDOW_ID),
    ),
)
