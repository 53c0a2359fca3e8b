"""``pg.table-without-primary-key``: a table (or partitioned table) with no primary key.

Without one, rows cannot be addressed reliably, logical replication cannot replicate UPDATE/DELETE
(REPLICA IDENTITY DEFAULT needs a key), and duplicates go unnoticed. Partitions are skipped (they take
the parent's). DDL, when it can be given safely:
- a valid unique, non-partial B-tree on NOT NULL plain columns exists → promote it:
  ``ALTER TABLE … ADD CONSTRAINT … PRIMARY KEY USING INDEX …`` (no rebuild; the index is renamed to
  the constraint), rolled back by dropping the constraint and recreating the index as it was;
- otherwise → a new identity column: ``ALTER TABLE … ADD COLUMN id bigint GENERATED ALWAYS AS
  IDENTITY PRIMARY KEY`` (rewrites the table under an ACCESS EXCLUSIVE lock — said so), rolled back
  with ``DROP COLUMN``. Severity warning (info for an empty table).
"""

from __future__ import annotations

from tui.advisor import ddl
from tui.advisor.context import SchemaContext
from tui.advisor.indexes import key_parts
from tui.advisor.registry import Rule
from tui.advisor.rules.common import schema_finding, table_name, table_qualified, tables_of
from tui.advisor.suggest import taken_names
from tui.core import fmt
from tui.core.catalog import Index, ObjectDetail
from tui.core.finding import Finding

RULE_ID = "pg.table-without-primary-key"


def _promotable(detail: ObjectDetail) -> Index | None:
    not_null = {c.name for c in detail.columns if not c.nullable}
    for index in sorted(detail.indexes, key=lambda i: (len(key_parts(i)), i.name)):
        if (
            not (index.unique and index.valid and index.method == "btree")
            or index.predicate
            or index.expressions
        ):
            continue
        if index.include or index.constraint:
            continue
        keys = key_parts(index)
        if keys and set(keys) <= not_null:
            return index
    return None


def _free_column(detail: ObjectDetail) -> str:
    names = {c.name for c in detail.columns}
    for candidate in ("id", f"{table_name(detail)}_id", "row_id"):
        if candidate not in names:
            return candidate
    n = 1
    while f"id{n}" in names:
        n += 1
    return f"id{n}"


def check(ctx: SchemaContext) -> list[Finding]:
    out: list[Finding] = []
    for detail in tables_of(ctx.facts):
        if detail.node.kind == "partition" or detail.primary_key is not None:
            continue
        if any(i.primary for i in detail.indexes):
            continue
        schema, table = detail.node.schema, table_name(detail)
        qt = ddl.qualify(schema, table)
        rows = detail.row_estimate
        promote = _promotable(detail)
        if promote is not None:
            constraint = ddl.index_name(
                table, [], taken_names(ctx.facts, schema) - {promote.name}, suffix="pkey"
            )
            statements = [
                f"ALTER TABLE {qt} ADD CONSTRAINT {ddl.quote_ident(constraint)} PRIMARY KEY USING INDEX "
                f"{ddl.quote_ident(promote.name)};"
            ]
            undo = [
                ddl.drop_constraint(schema, table, constraint)
                + "\n"
                + ddl.recreate_index(promote, schema, table)
            ]
            advice = (
                f"The unique index {promote.name} on NOT NULL columns ({', '.join(key_parts(promote))}) can become "
                "the primary key without a rebuild (the index is renamed to the constraint)."
            )
        elif detail.node.kind == "partitioned_table":
            statements, undo = [], []
            advice = (
                "Add a primary key that includes the partition key columns; on a partitioned table it must, so I "
                "give no generic statement."
            )
        else:
            column = _free_column(detail)
            statements = [
                f"ALTER TABLE {qt} ADD COLUMN {ddl.quote_ident(column)} bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY;"
            ]
            undo = [f"ALTER TABLE {qt} DROP COLUMN {ddl.quote_ident(column)};"]
            advice = (
                f"No unique index on NOT NULL columns exists to promote; a surrogate key column {column} (bigint "
                "identity) gives every row an address. Adding it rewrites the table under an ACCESS EXCLUSIVE lock"
                + (f" ({fmt.num(rows)} rows, {fmt.size(detail.total_bytes)})" if rows is not None else "")
                + "; run it in a maintenance window, or use a natural key if the data has one."
            )
        out.append(
            schema_finding(
                RULE_ID,
                "info" if rows == 0 else "warning",
                obj=table_qualified(detail),
                title="Table without a primary key",
                message=(
                    f"{table_qualified(detail)} has no primary key"
                    + (
                        f"; it holds {fmt.num(rows)} rows ({fmt.size(detail.total_bytes)})"
                        if rows is not None
                        else ""
                    )
                    + "."
                ),
                reasoning=(
                    "Without a primary key a row has no stable address: duplicates go unnoticed, logical "
                    "replication cannot apply UPDATE or DELETE (REPLICA IDENTITY needs a key), and other tables "
                    "cannot reference it."
                ),
                recommendation=advice,
                evidence={"table_rows": rows, "size_bytes": detail.total_bytes},
                ddl=statements,
                rollback=undo,
                impact=float(rows or 0) / 10,
            )
        )
    return out


RULES = (
    Rule(
        id=RULE_ID,
        category="schema",
        engines=("postgresql",),
        check=check,
        summary="table with no primary key",
    ),
)
