"""DDL that runs as printed: dialect-quoted identifiers, index names that fit and do not collide,
CREATE/DROP statements paired with their undo, and the "copy all as a migration script" text.

Quoting uses SQLAlchemy's dialect identifier preparers (no driver is imported): they quote only where
the engine needs it — mixed case, spaces, quotes, reserved words, non-ASCII.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from tui.core.catalog import Index
from tui.core.finding import Finding

PG_MAX_IDENTIFIER_BYTES = 63  # NAMEDATALEN - 1
MYSQL_MAX_IDENTIFIER_CHARS = 64
# InnoDB builds and drops secondary indexes in place while writes continue; other engines (MyISAM, Aria,
# MEMORY…) refuse that clause and need a table copy that blocks writes.
MYSQL_ONLINE = "ALGORITHM=INPLACE, LOCK=NONE"
MYSQL_COPY = "ALGORITHM=COPY, LOCK=SHARED"


@cache
def _preparer(dialect: str) -> Any:
    # Cached per dialect name: an immutable lookup, not state that changes behaviour.
    if dialect in ("postgresql", "postgres"):
        from sqlalchemy.dialects.postgresql.base import PGDialect

        return PGDialect().identifier_preparer
    if dialect in ("mysql", "mariadb"):
        from sqlalchemy.dialects.mysql.base import MySQLDialect

        return MySQLDialect().identifier_preparer
    raise ValueError(f"no SQL dialect for {dialect!r}")


def quote_ident(name: str, dialect: str = "postgresql") -> str:
    """``Orders`` → ``"Orders"``, ``orders`` → ``orders``, ``order`` → ``"order"`` (PostgreSQL)."""
    return _preparer(dialect).quote(name)


def qualify(schema: str | None, name: str, dialect: str = "postgresql") -> str:
    """``schema.name`` with each part quoted as needed."""
    if schema:
        return f"{quote_ident(schema, dialect)}.{quote_ident(name, dialect)}"
    return quote_ident(name, dialect)


def quote_literal(text: str) -> str:
    """A SQL string literal (standard_conforming_strings on, the default since PostgreSQL 9.1)."""
    return "'" + text.replace("'", "''") + "'"


def _truncate_bytes(text: str, limit: int) -> str:
    data = text.encode("utf-8")
    if len(data) <= limit:
        return text
    return data[:limit].decode("utf-8", errors="ignore")


_NAME_CLEAN = re.compile(r"[^\w]+", re.UNICODE)


def _name_part(text: str) -> str:
    return _NAME_CLEAN.sub("_", text).strip("_").lower() or "expr"


def index_name(
    table: str,
    columns: Sequence[str],
    existing: Iterable[str] = (),
    *,
    suffix: str = "idx",
    dialect: str = "postgresql",
) -> str:
    """A name in PostgreSQL's own style (``orders_customer_id_created_at_idx``) that fits the engine's
    identifier limit (63 bytes in PostgreSQL, 64 characters in MySQL) and is not in ``existing``."""
    taken = {name.lower() for name in existing}
    base = "_".join([_name_part(table), *(_name_part(c) for c in columns)])
    for attempt in range(1000):
        tail = f"_{suffix}" if attempt == 0 else f"_{suffix}{attempt}"
        if dialect in ("mysql", "mariadb"):
            candidate = base[: MYSQL_MAX_IDENTIFIER_CHARS - len(tail)] + tail
        else:
            candidate = _truncate_bytes(base, PG_MAX_IDENTIFIER_BYTES - len(tail.encode())) + tail
        if candidate.lower() not in taken:
            return candidate
    raise ValueError("no free index name")  # pragma: no cover - 1,000 collisions


@dataclass(frozen=True, slots=True)
class KeyPart:
    """One key part of an index: a column (quoted in DDL) or an expression (printed in parentheses),
    with an optional operator class and direction."""

    column: str | None = None
    expression: str | None = None
    opclass: str | None = None
    descending: bool = False
    nulls_first: bool | None = None  # None: the direction's default (NULLS LAST for ASC, FIRST for DESC)

    def render(self, dialect: str = "postgresql") -> str:
        text = quote_ident(self.column, dialect) if self.column is not None else f"({self.expression})"
        if self.opclass:
            text += f" {self.opclass}"
        if self.descending:
            text += " DESC"
        if self.nulls_first is not None and self.nulls_first != self.descending:
            text += " NULLS FIRST" if self.nulls_first else " NULLS LAST"
        return text

    @property
    def label(self) -> str:
        return self.column if self.column is not None else (self.expression or "")


def _parts(columns: Sequence[str | KeyPart]) -> list[KeyPart]:
    return [c if isinstance(c, KeyPart) else KeyPart(column=c) for c in columns]


def create_index(
    schema: str | None,
    table: str,
    columns: Sequence[str | KeyPart],
    *,
    name: str,
    method: str = "btree",
    unique: bool = False,
    where: str | None = None,
    include: Sequence[str] = (),
    concurrently: bool = True,
    dialect: str = "postgresql",
    mysql_clause: str = MYSQL_ONLINE,
) -> str:
    """``CREATE INDEX CONCURRENTLY name ON schema.table [USING method] (cols) [INCLUDE (…)] [WHERE …];``

    MySQL/MariaDB: ``ALTER TABLE t ADD INDEX name (cols), ALGORITHM=INPLACE, LOCK=NONE;`` (``mysql_clause``
    replaces the algorithm and lock for engines that cannot build an index in place)."""
    parts = _parts(columns)
    cols = ", ".join(p.render(dialect) for p in parts)
    if dialect in ("mysql", "mariadb"):
        kind = "UNIQUE INDEX" if unique else "INDEX"
        return (
            f"ALTER TABLE {qualify(schema, table, dialect)} ADD {kind} {quote_ident(name, dialect)} "
            f"({cols}), {mysql_clause};"
        )
    text = "CREATE UNIQUE INDEX" if unique else "CREATE INDEX"
    if concurrently:
        text += " CONCURRENTLY"
    text += f" {quote_ident(name)} ON {qualify(schema, table)}"
    if method and method != "btree":
        text += f" USING {method}"
    text += f" ({cols})"
    if include:
        text += " INCLUDE (" + ", ".join(quote_ident(c) for c in include) + ")"
    if where:
        text += f" WHERE {where}"
    return text + ";"


def drop_index(
    schema: str | None,
    name: str,
    *,
    table: str | None = None,
    concurrently: bool = True,
    dialect: str = "postgresql",
    mysql_clause: str = MYSQL_ONLINE,
) -> str:
    if dialect in ("mysql", "mariadb"):
        if not table:
            raise ValueError("MySQL DROP INDEX needs the table")
        return (
            f"ALTER TABLE {qualify(schema, table, dialect)} DROP INDEX {quote_ident(name, dialect)}, "
            f"{mysql_clause};"
        )
    conc = " CONCURRENTLY" if concurrently else ""
    return f"DROP INDEX{conc} IF EXISTS {qualify(schema, name)};"


_CREATE_INDEX_HEAD = re.compile(r"^\s*CREATE\s+(UNIQUE\s+)?INDEX\s+(CONCURRENTLY\s+)?", re.I)


def recreate_index(index: Index, schema: str | None, table: str, *, concurrently: bool = True) -> str:
    """The statement that rebuilds ``index`` as it is defined now (from ``pg_get_indexdef`` when the
    adapter gave it, else from its columns), with CONCURRENTLY so it does not block writes."""
    definition = (index.definition or "").strip().rstrip(";")
    if definition and _CREATE_INDEX_HEAD.match(definition):
        unique = "UNIQUE " if _CREATE_INDEX_HEAD.match(definition).group(1) else ""  # type: ignore[union-attr]
        conc = "CONCURRENTLY " if concurrently else ""
        return _CREATE_INDEX_HEAD.sub(f"CREATE {unique}INDEX {conc}", definition, count=1) + ";"
    parts: list[str | KeyPart] = [KeyPart(expression=e) for e in index.expressions] or list(index.columns)
    if index.expressions and index.columns:
        parts = [*index.columns, *(KeyPart(expression=e) for e in index.expressions)]
    return create_index(
        schema,
        table,
        parts,
        name=index.name,
        method=index.method,
        unique=index.unique,
        where=index.predicate,
        include=index.include,
        concurrently=concurrently,
    )


def drop_constraint(schema: str | None, table: str, constraint: str) -> str:
    return f"ALTER TABLE {qualify(schema, table)} DROP CONSTRAINT {quote_ident(constraint)};"


def add_constraint(schema: str | None, table: str, constraint: str, definition: str) -> str:
    """``definition`` as ``pg_get_constraintdef`` prints it (``UNIQUE (a, b)``, ``FOREIGN KEY …``)."""
    return f"ALTER TABLE {qualify(schema, table)} ADD CONSTRAINT {quote_ident(constraint)} {definition};"


def analyze_table(schema: str | None, table: str) -> str:
    return f"ANALYZE {qualify(schema, table)};"


def vacuum_analyze(schema: str | None, table: str) -> str:
    return f"VACUUM (ANALYZE) {qualify(schema, table)};"


def set_statistics(schema: str | None, table: str, column: str, target: int) -> str:
    return f"ALTER TABLE {qualify(schema, table)} ALTER COLUMN {quote_ident(column)} SET STATISTICS {target};"


def create_statistics(schema: str | None, table: str, columns: Sequence[str], name: str) -> str:
    cols = ", ".join(quote_ident(c) for c in columns)
    return (
        f"CREATE STATISTICS IF NOT EXISTS {qualify(schema, name)} (dependencies, ndistinct) "
        f"ON {cols} FROM {qualify(schema, table)};"
    )


def drop_statistics(schema: str | None, name: str) -> str:
    return f"DROP STATISTICS IF EXISTS {qualify(schema, name)};"


@dataclass(frozen=True, slots=True)
class CreatedIndex:
    """What a CREATE INDEX statement (as this module writes them) creates."""

    table: str  # as written (quoted where needed)
    name: str
    keys: tuple[str, ...]  # key parts as written
    method: str
    where: str | None

    @property
    def key_text(self) -> str:
        return ", ".join(self.keys)


_CREATE_INDEX = re.compile(
    r"\s*CREATE\s+(?:UNIQUE\s+)?INDEX\s+(?:CONCURRENTLY\s+)?(?:IF\s+NOT\s+EXISTS\s+)?"
    r"(?P<name>\"(?:[^\"]|\"\")+\"|\S+)\s+ON\s+(?:ONLY\s+)?(?P<table>.+?)(?:\s+USING\s+(?P<method>\w+))?\s*\(",
    re.I | re.S,
)


def parse_create_index(statement: str) -> CreatedIndex | None:
    match = _CREATE_INDEX.match(statement)
    if not match:
        return None
    start = match.end()
    depth = 1
    pos = start
    while pos < len(statement) and depth:
        ch = statement[pos]
        depth += ch == "("
        depth -= ch == ")"
        pos += 1
    if depth:
        return None
    keys = [" ".join(part.split()) for part in _split_keys(statement[start : pos - 1])]
    rest = statement[pos:].strip().rstrip(";").strip()
    where = rest[6:].strip() if rest.upper().startswith("WHERE ") else None
    return CreatedIndex(
        match.group("table").strip(),
        match.group("name"),
        tuple(keys),
        (match.group("method") or "btree").lower(),
        where,
    )


def _split_keys(text: str) -> list[str]:
    parts, depth, buf, quote = [], 0, [], ""
    for ch in text:
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append("".join(buf))
            buf = []
            continue
        buf.append(ch)
    parts.append("".join(buf))
    return [p for p in (x.strip() for x in parts) if p]


def subsumed_by(index: CreatedIndex, others: Iterable[CreatedIndex]) -> CreatedIndex | None:
    """Another B-tree created on the same table, without a predicate, that leads with all of
    ``index``'s keys (so building both is redundant)."""
    if index.method != "btree" or index.where:
        return None
    for other in others:
        if other is index or other.table != index.table or other.method != "btree" or other.where:
            continue
        if len(other.keys) > len(index.keys) and other.keys[: len(index.keys)] == index.keys:
            return other
    return None


# -- migration script (tui.advisor.migration; importable from here as before) ---------------------


def migration_script(
    findings: Iterable[Finding], *, title: str = "dbscope migration", engine: str | None = None
) -> str:
    """See ``tui.advisor.migration.migration_script``."""
    from tui.advisor.migration import migration_script as build

    return build(findings, title=title, engine=engine)


def statement_phase(statement: str, language: str = "postgresql") -> int:
    """See ``tui.advisor.migration.statement_phase``."""
    from tui.advisor.migration import statement_phase as phase

    return phase(statement, language)
