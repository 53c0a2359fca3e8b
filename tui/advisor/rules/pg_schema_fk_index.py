"""Foreign keys, both sides.

- ``pg.fk-without-index``: the referencing columns of a foreign key have no index whose leading
  columns are exactly them (in any order). Every DELETE or key UPDATE on the referenced table then
  scans the referencing table once per row (the RI trigger's lookup), and joins along the FK have no
  index on that side. Severity: warning when the referencing table has ≥ 1,000 rows (or an unknown
  count), info below. DDL: a B-tree on the FK's columns in FK order, CONCURRENTLY (plain on a
  partitioned table, where CONCURRENTLY is not supported).
- ``pg.fk-referenced-not-unique``: the referenced columns have no primary key or unique index on
  exactly them. PostgreSQL refuses to create such a foreign key, so this fires only on other engines'
  facts or facts built by hand; it is kept engine-neutral for the MySQL rules (InnoDB allows it).
"""

from __future__ import annotations

from tui.advisor import ddl
from tui.advisor.context import SchemaContext
from tui.advisor.indexes import key_parts, leading_index
from tui.advisor.registry import Rule
from tui.advisor.rules.common import schema_finding, table_name, table_qualified, tables_of
from tui.advisor.suggest import taken_names
from tui.core import fmt
from tui.core.catalog import ForeignKey, ObjectDetail
from tui.core.finding import Finding

MISSING_ID = "pg.fk-without-index"
REFERENCED_ID = "pg.fk-referenced-not-unique"
MIN_ROWS_WARNING = 1_000


def _fk_index_statements(detail: ObjectDetail, fk: ForeignKey, ctx: SchemaContext) -> tuple[str, str]:
    schema, table = detail.node.schema, table_name(detail)
    name = ddl.index_name(table, fk.columns, taken_names(ctx.facts, schema))
    concurrently = detail.node.kind != "partitioned_table"
    create = ddl.create_index(schema, table, fk.columns, name=name, concurrently=concurrently)
    drop = ddl.drop_index(schema, name, concurrently=concurrently)
    return create, drop


def check_missing(ctx: SchemaContext) -> list[Finding]:
    out: list[Finding] = []
    for detail in tables_of(ctx.facts):
        if detail.node.kind == "partition":
            continue  # the partitioned parent carries the FK and its index
        for fk in detail.foreign_keys:
            if fk.direction != "outgoing" or not fk.columns:
                continue
            if leading_index(detail, fk.columns) is not None:
                continue
            rows = detail.row_estimate
            parent = ctx.tables.find(fk.referred_table, fk.referred_schema)
            parent_rows = parent.row_estimate if parent else None
            create, drop = _fk_index_statements(detail, fk, ctx)
            cols = ", ".join(fk.columns)
            target = f"{fk.referred_schema}.{fk.referred_table}" if fk.referred_schema else fk.referred_table
            partial = [
                i.name
                for i in detail.indexes
                if i.valid and key_parts(i)[:1] and key_parts(i)[0] in fk.columns
            ]
            out.append(
                schema_finding(
                    MISSING_ID,
                    "warning" if rows is None or rows >= MIN_ROWS_WARNING else "info",
                    obj=table_qualified(detail),
                    title="Foreign key without a supporting index",
                    message=(
                        f"The foreign key {fk.name} on {table_qualified(detail)} ({cols}) references {target} "
                        f"({', '.join(fk.referred_columns)}) with ON DELETE {fk.on_delete}; no index leads with "
                        f"({cols}). {table_qualified(detail)} holds {fmt.num(rows) if rows is not None else 'an unknown number of'} rows"
                        + (f", {target} {fmt.num(parent_rows)}" if parent_rows is not None else "")
                        + "."
                        + (
                            f" Indexes {', '.join(partial)} start with one of the columns but not all of them."
                            if partial and len(fk.columns) > 1
                            else ""
                        )
                    ),
                    reasoning=(
                        f"Each DELETE or key UPDATE on {target} looks up matching rows in {table_qualified(detail)}; "
                        "without an index that lookup is a sequential scan per affected row, under a lock, and "
                        "joins along this key cannot use an index on this side."
                    ),
                    recommendation=(
                        f"The data model I recommend keeps the foreign key and adds a B-tree index on ({cols})."
                        + (
                            " The table is partitioned, so the index is built without CONCURRENTLY and blocks writes "
                            "while it builds."
                            if detail.node.kind == "partitioned_table"
                            else ""
                        )
                    ),
                    evidence={
                        "table_rows": rows,
                        "referenced_table_rows": parent_rows,
                        "columns": len(fk.columns),
                    },
                    ddl=[create],
                    rollback=[drop],
                    impact=float(rows or 0),
                )
            )
    return out


def _unique_on(detail: ObjectDetail, columns: list[str]) -> bool:
    want = set(columns)
    return any(
        (i.unique or i.primary) and i.valid and not i.predicate and set(key_parts(i)) == want
        for i in detail.indexes
    ) or any(c.kind in ("primary", "unique") and set(c.columns) == want for c in detail.constraints)


def check_referenced(ctx: SchemaContext) -> list[Finding]:
    out: list[Finding] = []
    for detail in tables_of(ctx.facts):
        for fk in detail.foreign_keys:
            if fk.direction != "outgoing":
                continue
            parent = ctx.tables.find(fk.referred_table, fk.referred_schema)
            if parent is None or _unique_on(parent, fk.referred_columns):
                continue
            target = table_qualified(parent)
            cols = ", ".join(fk.referred_columns)
            out.append(
                schema_finding(
                    REFERENCED_ID,
                    "warning",
                    obj=target,
                    title="Referenced columns are not unique",
                    message=(
                        f"The foreign key {fk.name} on {table_qualified(detail)} references {target} ({cols}), "
                        f"which has no primary key or unique index on exactly ({cols})."
                    ),
                    reasoning=(
                        "A foreign key should point at one row; without uniqueness on the referenced side a child "
                        "row can match several parents and every check reads a non-unique index or the table."
                    ),
                    recommendation=f"Make ({cols}) of {target} a primary key or unique constraint after removing duplicates.",
                    evidence={"referenced_rows": parent.row_estimate},
                )
            )
    return out


RULES = (
    Rule(
        id=MISSING_ID,
        category="schema",
        engines=("postgresql",),
        check=check_missing,
        summary="foreign key columns with no index leading with them",
    ),
    Rule(
        id=REFERENCED_ID,
        category="schema",
        engines=("postgresql",),
        check=check_referenced,
        summary="foreign key referencing columns without a primary key or unique index",
    ),
)
