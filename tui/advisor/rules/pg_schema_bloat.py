"""Table bloat, two ways.

- ``pg.dead-tuples``: dead rows ≥ 20 % of live + dead and ≥ 10,000 (pg_stat_user_tables): VACUUM has
  not kept up. Severity warning (critical at ≥ 50 %). DDL ``VACUUM (ANALYZE) t``.
- ``pg.table-bloat``: the classic pgstattuple-free estimate (the ioguix/check_postgres heap query),
  from pg_class.relpages/reltuples and pg_stats avg_width/null_frac per column:
  tuple = MAXALIGN(23-byte header [+ null bitmap]) + MAXALIGN(Σ avg_width × (1 − null_frac)) + 4-byte
  line pointer; expected pages = ⌈reltuples × tuple ÷ ((8,192 − 24) × fillfactor ÷ 100)⌉;
  bloat = relpages − expected. Fires at ≥ 30 % of ≥ 128 pages (1 MB): warning at ≥ 50 %, info
  below. DDL ``VACUUM (FULL, ANALYZE) t`` — it rewrites the table under an ACCESS EXCLUSIVE lock, which
  the recommendation says, with pg_repack as the online alternative. Needs every column's avg_width
  (``Column.avg_width``); without it the estimate is skipped.
"""

from __future__ import annotations

import math
import re

from tui.advisor import ddl
from tui.advisor.context import SchemaContext
from tui.advisor.registry import Rule
from tui.advisor.rules.common import (
    NO_UNDO,
    number_stat,
    pct,
    schema_finding,
    table_name,
    table_qualified,
    tables_of,
)
from tui.core import fmt
from tui.core.catalog import ObjectDetail
from tui.core.finding import Finding

DEAD_ID = "pg.dead-tuples"
BLOAT_ID = "pg.table-bloat"
BLOCK = 8192
PAGE_HEADER = 24
TUPLE_HEADER = 23
ITEM_POINTER = 4
MAXALIGN = 8
MIN_DEAD = 10_000
DEAD_SHARE = 0.20
BLOAT_SHARE = 0.30
MIN_PAGES = 128


def _align(n: float) -> float:
    return math.ceil(n / MAXALIGN) * MAXALIGN


def fillfactor(detail: ObjectDetail) -> int:
    options = detail.stat("Storage options")
    if isinstance(options, str):
        match = re.search(r"\bfillfactor=(\d+)", options)
        if match:
            return int(match.group(1))
    return 100


def estimate_pages(detail: ObjectDetail) -> tuple[float, float] | None:
    """(expected pages, tuple bytes) from the column statistics, or None when any is missing."""
    rows = detail.row_estimate
    if rows is None or not detail.columns or any(c.avg_width is None for c in detail.columns):
        return None
    nulls = any((c.null_frac or 0) > 0 for c in detail.columns)
    header = TUPLE_HEADER + (math.ceil(len(detail.columns) / 8) if nulls else 0)
    data = sum((c.avg_width or 0) * (1 - (c.null_frac or 0)) for c in detail.columns)
    tuple_bytes = _align(header) + _align(data) + ITEM_POINTER
    usable = (BLOCK - PAGE_HEADER) * fillfactor(detail) / 100
    return math.ceil(rows * tuple_bytes / usable), tuple_bytes


def check_dead(ctx: SchemaContext) -> list[Finding]:
    out: list[Finding] = []
    for detail in tables_of(ctx.facts):
        live, dead = number_stat(detail, "Live rows"), number_stat(detail, "Dead rows")
        if live is None or dead is None or dead < MIN_DEAD or dead / (live + dead) < DEAD_SHARE:
            continue
        share = dead / (live + dead)
        last = detail.stat("Last autovacuum") or detail.stat("Last vacuum")
        out.append(
            schema_finding(
                DEAD_ID,
                "critical" if share >= 0.5 else "warning",
                obj=table_qualified(detail),
                title="Dead rows accumulate",
                message=(
                    f"{table_qualified(detail)} holds {fmt.num(dead)} dead rows beside {fmt.num(live)} live ones "
                    f"({fmt.pct(share)} dead); last vacuum: {last or 'never recorded'}."
                ),
                reasoning=(
                    "Dead rows occupy pages that every sequential scan still reads and that indexes still point "
                    "to, until VACUUM reclaims them; autovacuum is not keeping up with the update/delete rate."
                ),
                recommendation=(
                    f"Vacuum {table_qualified(detail)} now, then lower its autovacuum_vacuum_scale_factor "
                    "(ALTER TABLE … SET (autovacuum_vacuum_scale_factor = 0.05)) if it is written this heavily."
                ),
                evidence={"dead_rows": dead, "live_rows": live, "dead_pct": pct(share)},
                ddl=[ddl.vacuum_analyze(detail.node.schema, table_name(detail))],
                rollback=[NO_UNDO],
                impact=dead,
            )
        )
    return out


def check_bloat(ctx: SchemaContext) -> list[Finding]:
    out: list[Finding] = []
    for detail in tables_of(ctx.facts):
        if detail.node.kind == "partitioned_table":
            continue
        pages = number_stat(detail, "Pages")
        estimate = estimate_pages(detail)
        if pages is None or pages < MIN_PAGES or estimate is None:
            continue
        expected, tuple_bytes = estimate
        bloat_pages = pages - expected
        if bloat_pages <= 0 or bloat_pages / pages < BLOAT_SHARE:
            continue
        share = bloat_pages / pages
        qt = ddl.qualify(detail.node.schema, table_name(detail))
        out.append(
            schema_finding(
                BLOAT_ID,
                "warning" if share >= 0.5 else "info",
                obj=table_qualified(detail),
                title="Table bloat (estimated)",
                message=(
                    f"{table_qualified(detail)} occupies {fmt.num(pages)} pages ({fmt.size(pages * BLOCK)}); "
                    f"{fmt.num(detail.row_estimate)} rows of about {fmt.num(tuple_bytes)} bytes each need "
                    f"{fmt.num(expected)} pages at fillfactor {fillfactor(detail)}: an estimated "
                    f"{fmt.size(bloat_pages * BLOCK)} ({fmt.pct(share)}) is free space inside the table."
                ),
                reasoning=(
                    "VACUUM makes dead space reusable but does not return it; scans still read those pages. The "
                    "estimate uses pg_stats column widths, so it is approximate (within a few percent for "
                    "fixed-width rows, looser for wide variable-length ones)."
                ),
                recommendation=(
                    "Rewrite the table to return the space: VACUUM FULL takes an ACCESS EXCLUSIVE lock for the "
                    "whole rewrite, so run it in a maintenance window, or use pg_repack to do it online. Measure "
                    "exactly first with pgstattuple if it is installed."
                ),
                evidence={
                    "pages": pages,
                    "expected_pages": expected,
                    "bloat_bytes": bloat_pages * BLOCK,
                    "bloat_pct": pct(share),
                    "tuple_bytes": tuple_bytes,
                },
                ddl=[f"VACUUM (FULL, ANALYZE) {qt};"],
                rollback=[NO_UNDO],
                impact=bloat_pages * BLOCK,
            )
        )
    return out


RULES = (
    Rule(
        id=DEAD_ID,
        category="schema",
        engines=("postgresql",),
        check=check_dead,
        summary="dead rows ≥ 20 % and ≥ 10,000",
    ),
    Rule(
        id=BLOAT_ID,
        category="schema",
        engines=("postgresql",),
        check=check_bloat,
        summary="estimated free space ≥ 30 % of the table's pages",
    ),
)
