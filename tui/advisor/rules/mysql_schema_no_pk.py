"""``mysql.table-without-primary-key``: a base table with no PRIMARY KEY.

InnoDB clusters every table on its primary key; without one it uses the first UNIQUE index on NOT NULL
columns, or else a hidden 6-byte row id that nothing can use. Row-based replication then has no key
to find rows by on the replicas (each UPDATE/DELETE can become a full scan there), Group Replication
and some cloud services refuse the table, and duplicates go unnoticed. Severity warning (info for an
empty table).

DDL (``ALTER TABLE … , ALGORITHM=INPLACE``; both rebuild the table, which is said):
- a UNIQUE index on NOT NULL columns exists → ``ADD PRIMARY KEY (those columns)`` with LOCK=NONE,
  rolled back by ``DROP PRIMARY KEY`` (a table copy: InnoDB drops a primary key in place only
  while adding another);
- otherwise → a new ``id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY FIRST`` column with
  LOCK=SHARED (an AUTO_INCREMENT column cannot be added with concurrent writes), rolled back by
  ``DROP COLUMN`` (also a copy).
Tables of other engines (MyISAM, Aria, MEMORY…) refuse ``ALGORITHM=INPLACE``: their statements say
``ALGORITHM=COPY, LOCK=SHARED`` (writes wait for the copy), and the reasoning does not talk of InnoDB's
clustering.
"""

from __future__ import annotations

from tui.advisor import ddl
from tui.advisor.context import SchemaContext
from tui.advisor.indexes import key_parts
from tui.advisor.registry import Rule
from tui.advisor.rules.common import schema_finding, table_name, table_qualified, tables_of
from tui.advisor.rules.mysql_common import DIALECT, ENGINES, builds_online
from tui.core import fmt
from tui.core.catalog import Index, ObjectDetail
from tui.core.finding import Finding

RULE_ID = "mysql.table-without-primary-key"


def _promotable(detail: ObjectDetail) -> Index | None:
    not_null = {c.name for c in detail.columns if not c.nullable}
    for index in sorted(detail.indexes, key=lambda i: (len(key_parts(i)), i.name)):
        if not index.unique or index.primary or index.expressions or index.method != "btree":
            continue
        parts = index.options.get("key_parts") or []
        if any(p.get("sub_part") for p in parts):
            continue  # a prefix index cannot be a primary key on the full column
        keys = key_parts(index)
        if keys and set(keys) <= not_null:
            return index
    return None


def _free_column(detail: ObjectDetail) -> str:
    names = {c.name.lower() for c in detail.columns}
    for candidate in ("id", f"{table_name(detail)}_id", "row_id"):
        if candidate.lower() not in names:
            return candidate
    n = 1
    while f"id{n}" in names:
        n += 1
    return f"id{n}"


def check(ctx: SchemaContext) -> list[Finding]:
    out: list[Finding] = []
    for detail in tables_of(ctx.facts):
        if detail.primary_key is not None or any(i.primary for i in detail.indexes):
            continue
        engine = str(detail.stat("Engine") or "")
        schema, table = detail.node.schema, table_name(detail)
        qt = ddl.qualify(schema, table, DIALECT)
        rows = detail.row_estimate
        size = f" ({fmt.num(rows)} rows, {fmt.size(detail.total_bytes)})" if rows is not None else ""
        promote = _promotable(detail)
        online = builds_online(detail)
        if promote is not None:
            cols = ", ".join(ddl.quote_ident(c, DIALECT) for c in key_parts(promote))
            clause = ddl.MYSQL_ONLINE if online else ddl.MYSQL_COPY
            statements = [f"ALTER TABLE {qt} ADD PRIMARY KEY ({cols}), {clause};"]
            # InnoDB cannot drop a primary key in place without adding another: the undo copies the table.
            undo = [f"ALTER TABLE {qt} DROP PRIMARY KEY;"]
            advice = (
                f"The unique index {promote.name} on NOT NULL columns ({', '.join(key_parts(promote))}) already "
                "identifies every row: make those columns the primary key. "
                + (
                    f"InnoDB rebuilds the table{size} online (concurrent reads and writes continue)."
                    if online
                    else f"{engine} copies the table{size} and writes wait until the copy is done."
                )
            )
        else:
            column = _free_column(detail)
            algorithm = "INPLACE" if online else "COPY"
            statements = [
                f"ALTER TABLE {qt} ADD COLUMN {ddl.quote_ident(column, DIALECT)} BIGINT UNSIGNED NOT NULL "
                f"AUTO_INCREMENT PRIMARY KEY FIRST, ALGORITHM={algorithm}, LOCK=SHARED;"
            ]
            undo = [f"ALTER TABLE {qt} DROP COLUMN {ddl.quote_ident(column, DIALECT)};"]
            advice = (
                f"No unique index on NOT NULL columns exists to promote; a surrogate key column {column} "
                f"(BIGINT UNSIGNED AUTO_INCREMENT) gives every row an address. The table is rebuilt{size} and "
                "writes wait meanwhile (LOCK=SHARED: "
                + (
                    "an AUTO_INCREMENT column cannot be added with concurrent DML"
                    if online
                    else f"{engine} builds nothing in place, ALGORITHM=COPY copies the table"
                )
                + "); run it in a maintenance window, or use a natural key if the data has one."
            )
        out.append(
            schema_finding(
                RULE_ID,
                "info" if rows == 0 else "warning",
                obj=table_qualified(detail),
                title="Table without a primary key",
                message=(
                    f"{table_qualified(detail)}"
                    + (f" ({engine})" if engine else "")
                    + " has no primary key"
                    + (
                        f"; it holds about {fmt.num(rows)} rows ({fmt.size(detail.total_bytes)})"
                        if rows is not None
                        else ""
                    )
                    + "."
                ),
                reasoning=(
                    (
                        "InnoDB stores rows in primary-key order; without a key it clusters on a hidden row id "
                        "no query can use. "
                        if online
                        else ""
                    )
                    + "Row-based replication must then find each changed row on the replica without "
                    "a key (often a full scan per row), Group Replication refuses the table, and duplicate rows "
                    "go unnoticed."
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
        engines=ENGINES,
        check=check,
        summary="base table with no primary key",
    ),
)
