"""Schema facts for one statement, fetched through the adapter when the caller has none: the detail of
each table the statement names (columns with statistics, indexes, constraints, foreign keys), so
``dbscope explain`` can resolve columns, check existing indexes and suggest verified indexes without
reading the whole database's catalog."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tui.core.catalog import CatalogNode, ObjectDetail
from tui.core.errors import DbscopeError
from tui.core.session import SchemaFacts

if TYPE_CHECKING:
    from tui.adapters.base import Adapter

MAX_TABLES = 20


def statement_tables(query: str, dialect: str) -> list[tuple[str | None, str]]:
    """(schema, table) for every base table the statement names, CTE names excluded."""
    from sqlglot import exp

    from tui.advisor.sqlfacts import parse_statement

    tree = parse_statement(query, dialect)
    if tree is None:
        return []
    ctes = {cte.alias_or_name for cte in tree.find_all(exp.CTE)}
    out: list[tuple[str | None, str]] = []
    for table in tree.find_all(exp.Table):
        if not table.name or (not table.db and table.name in ctes):
            continue
        key = (table.db or None, table.name)
        if key not in out:
            out.append(key)
    return out[:MAX_TABLES]


def facts_for_query(adapter: Adapter, query: str, dialect: str) -> SchemaFacts | None:
    """SchemaFacts holding the tables of ``query`` (those the server resolves), or None."""
    from tui.advisor.ddl import qualify

    details: list[ObjectDetail] = []
    for schema, name in statement_tables(query, dialect):
        engine_dialect = "mysql" if adapter.engine in ("mysql", "mariadb") else "postgresql"
        node = CatalogNode(
            "table",
            name,
            qualify(schema, name, engine_dialect),
            schema=schema,
            table=name,
            key=("relation", schema, name) if schema and adapter.engine == "postgresql" else (),
        )
        try:
            detail = adapter.detail(node)
        except (DbscopeError, NotImplementedError):
            continue  # a view, a function, a name the server does not resolve: nothing to advise on
        if detail.node.kind in ("table", "partitioned_table", "partition", "matview"):
            details.append(detail)
    if not details:
        return None
    server = adapter.server
    return SchemaFacts(
        engine=adapter.engine,
        database=server.database if server else "",
        tables=details,
        settings=dict(server.settings) if server else {},
        notes=["facts limited to the tables of one statement"],
    )
