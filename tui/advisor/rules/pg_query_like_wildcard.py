"""``pg.leading-wildcard-like``: ``LIKE '%x…'`` (or any ILIKE) on a column: a B-tree cannot search a
pattern that does not start with a fixed prefix, so PostgreSQL scans the table.

The fix is a trigram index, ``USING gin (col gin_trgm_ops)`` from the pg_trgm extension, which serves
LIKE and ILIKE with any wildcard position when the pattern has ≥ 3 non-wildcard characters. When the
extension is not installed (or that is unknown), the DDL starts with ``CREATE EXTENSION IF NOT EXISTS
pg_trgm`` and the message says so. HypoPG cannot simulate GIN indexes, so these suggestions are always
"estimated, not verified". Severity warning on large or unknown-size tables, info otherwise.
"""

from __future__ import annotations

from sqlglot import exp

from tui.advisor import ddl
from tui.advisor.context import QueryContext
from tui.advisor.indexes import key_parts
from tui.advisor.registry import Rule
from tui.advisor.rules.query_common import detail_of, large, qualified, query_finding
from tui.advisor.sqlfacts import column_of
from tui.advisor.suggest import taken_names
from tui.core import fmt
from tui.core.finding import Finding

RULE_ID = "pg.leading-wildcard-like"
KINDS = ("like_wild", "ilike_wild", "ilike")
TEXT_TYPES = ("text", "character varying", "varchar", "character", "char", "citext", "bpchar")
MIN_TRIGRAM_CHARS = 3


def _trgm_index(detail: object, column: str) -> str | None:
    for index in getattr(detail, "indexes", []):
        if index.valid and "trgm_ops" in (index.definition or "") and column in key_parts(index):
            return index.name
    return None


def check(ctx: QueryContext) -> list[Finding]:
    out: list[Finding] = []
    seen: set[tuple[str, str]] = set()
    for pred in ctx.qfacts.predicates:
        for p in pred.children or [pred]:
            if p.kind not in KINDS or p.column is None or p.table is None:
                continue
            detail = detail_of(ctx, p.table)
            obj = qualified(p.table, detail) or p.table.name
            if (obj, p.column) in seen:
                continue
            seen.add((obj, p.column))
            if detail is not None and _trgm_index(detail, p.column):
                continue
            pattern = p.other.this if isinstance(p.other, exp.Literal) else ""
            fixed = len(pattern.replace("%", "").replace("_", ""))
            col = column_of(detail, p.column)
            text_column = col is None or col.data_type.lower().startswith(TEXT_TYPES)
            operator = "ILIKE" if p.kind.startswith("ilike") else "LIKE"
            installed = "pg_trgm" in ctx.extensions
            ext_known = bool(ctx.extensions)
            statements: list[str] = []
            undo: list[str] = []
            if fixed >= MIN_TRIGRAM_CHARS and text_column:
                schema = detail.node.schema if detail else p.table.schema
                table = (detail.node.table or detail.node.name) if detail else p.table.name
                if not installed:
                    statements.append("CREATE EXTENSION IF NOT EXISTS pg_trgm;")
                    undo.append("-- keep pg_trgm unless nothing else uses it (DROP EXTENSION pg_trgm;)")
                name = ddl.index_name(table, [p.column], taken_names(ctx.facts, schema), suffix="trgm_idx")
                statements.append(
                    ddl.create_index(
                        schema,
                        table,
                        [ddl.KeyPart(column=p.column, opclass="gin_trgm_ops")],
                        name=name,
                        method="gin",
                    )
                )
                undo.append(ddl.drop_index(schema, name))
                advice = (
                    f"The optimal indexing strategy for this predicate is a trigram GIN index on {p.column} "
                    f"(gin_trgm_ops), which serves {operator} with leading wildcards"
                    + (
                        "; pg_trgm is installed in this database."
                        if installed
                        else "; pg_trgm is not installed in this database, so the DDL creates it first (it needs "
                        "the CREATE privilege on the database)."
                        if ext_known
                        else "; whether pg_trgm is installed is unknown here, so the DDL creates it if missing."
                    )
                    + " HypoPG cannot simulate GIN indexes: the gain is estimated, not verified."
                )
            elif not text_column:
                advice = f"{p.column} is {col.data_type if col else 'not text'}; compare it with its own type instead of a pattern."
            else:
                advice = (
                    f"The pattern {pattern!r} has {fmt.num(fixed)} fixed characters; a trigram index needs at least "
                    f"{MIN_TRIGRAM_CHARS} to narrow the search, so no index helps this pattern — require a longer "
                    "search term, or use full-text search for word matches."
                )
            out.append(
                query_finding(
                    RULE_ID,
                    "warning" if large(detail) and statements else "info",
                    obj=obj,
                    title=f"{operator} pattern a B-tree cannot use",
                    message=(
                        f"The predicate {p.node.sql(dialect=ctx.dialect)} matches {p.column} against a pattern "
                        + ("starting with a wildcard" if p.kind != "ilike" else "case-insensitively")
                        + (
                            f"; {obj} holds {fmt.num(detail.row_estimate)} rows."
                            if detail is not None and detail.row_estimate is not None
                            else "."
                        )
                    ),
                    reasoning=(
                        "A B-tree finds values by their leading characters; "
                        + (
                            "a leading % leaves none"
                            if p.kind != "ilike"
                            else "ILIKE folds case, which the B-tree's order does not"
                        )
                        + ", so every row is read and matched."
                    ),
                    recommendation=advice,
                    evidence={
                        "table_rows": detail.row_estimate if detail else None,
                        "pattern_fixed_chars": fixed,
                    },
                    ddl=statements,
                    rollback=undo,
                    impact=float(detail.row_estimate or 0) if detail else 0.0,
                )
            )
    return out


RULES = (
    Rule(
        id=RULE_ID,
        category="query",
        engines=("postgresql",),
        check=check,
        summary="LIKE with a leading wildcard, or ILIKE, on a text column",
    ),
)
