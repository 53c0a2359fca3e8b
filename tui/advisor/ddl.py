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
) -> str:
    """``CREATE INDEX CONCURRENTLY name ON schema.table [USING method] (cols) [INCLUDE (…)] [WHERE …];``

    MySQL/MariaDB: ``ALTER TABLE t ADD INDEX name (cols), ALGORITHM=INPLACE, LOCK=NONE;``."""
    parts = _parts(columns)
    cols = ", ".join(p.render(dialect) for p in parts)
    if dialect in ("mysql", "mariadb"):
        kind = "UNIQUE INDEX" if unique else "INDEX"
        return (
            f"ALTER TABLE {qualify(schema, table, dialect)} ADD {kind} {quote_ident(name, dialect)} "
            f"({cols}), ALGORITHM=INPLACE, LOCK=NONE;"
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
) -> str:
    if dialect in ("mysql", "mariadb"):
        if not table:
            raise ValueError("MySQL DROP INDEX needs the table")
        return (
            f"ALTER TABLE {qualify(schema, table, dialect)} DROP INDEX {quote_ident(name, dialect)}, "
            "ALGORITHM=INPLACE, LOCK=NONE;"
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


# -- migration script -----------------------------------------------------------------------------

PHASES = (
    (1, "Phase 1 — non-breaking changes (new indexes, statistics, maintenance)"),
    (2, "Phase 2 — data and definition changes"),
    (3, "Phase 3 — breaking or destructive changes (drops), after phase 1 has been observed"),
)

_NON_TRANSACTIONAL = re.compile(r"\bCONCURRENTLY\b|^\s*VACUUM\b", re.I)
_SESSION_ONLY = re.compile(r"^\s*(SET|RESET)\s", re.I)


def statement_phase(statement: str) -> int:
    """1 for additive/maintenance statements, 3 for drops and table rewrites that lock (VACUUM FULL),
    2 for everything else (ALTER … TYPE, ADD COLUMN, ADD CONSTRAINT …)."""
    head = " ".join(statement.split()).upper()
    if head.startswith("DROP ") or (head.startswith("ALTER TABLE") and " DROP " in head):
        return 3
    if head.startswith("VACUUM") and "FULL" in head.split(")")[0]:
        return 3
    if head.startswith(
        ("CREATE INDEX", "CREATE UNIQUE INDEX", "ANALYZE", "VACUUM", "CREATE STATISTICS", "CREATE EXTENSION")
    ):
        return 1
    if head.startswith("ALTER TABLE") and " SET STATISTICS " in head:
        return 1
    return 2


def runs_outside_transaction(statement: str) -> bool:
    return bool(_NON_TRANSACTIONAL.search(statement))


def _pairs(finding: Finding) -> list[tuple[str, str | None]]:
    """(statement, its rollback) for each DDL statement; rollback lists either pair one-to-one or give
    one undo for the whole finding (attached to its last statement)."""
    if len(finding.rollback) == len(finding.ddl):
        return list(zip(finding.ddl, finding.rollback, strict=True))
    undo = "\n".join(finding.rollback) if finding.rollback else None
    return [(stmt, undo if i == len(finding.ddl) - 1 else None) for i, stmt in enumerate(finding.ddl)]


def _is_comment(text: str | None) -> bool:
    return text is None or all(
        line.strip().startswith("--") or not line.strip() for line in text.splitlines()
    )


def _step_lines(pairs: list[tuple[str, str | None]]) -> list[str]:
    """The statements of one step, in order: runs of transactional statements inside BEGIN/COMMIT,
    CONCURRENTLY/VACUUM alone outside with the reason; then the rollback, newest change first."""
    lines: list[str] = []
    block: list[str] = []

    def flush() -> None:
        if block:
            lines.extend(["BEGIN;", *block, "COMMIT;"])
            block.clear()

    for stmt, _undo in pairs:
        if runs_outside_transaction(stmt):
            flush()
            lines.append(
                "-- Outside a transaction block: PostgreSQL refuses CONCURRENTLY and VACUUM inside BEGIN/COMMIT."
            )
            lines.append(stmt)
        else:
            block.append(stmt)
    flush()
    undos = [u for _stmt, u in reversed(pairs) if not _is_comment(u)]
    if undos:
        lines.append("-- Rollback (run in this order):")
        lines += [f"--   {line}" for undo in undos for line in (undo or "").splitlines()]
    else:
        lines.append("-- Rollback: none needed (no definition changes).")
    return lines


def migration_script(findings: Iterable[Finding], *, title: str = "dbscope migration") -> str:
    """Every finding's DDL as one script in phases — 1 non-breaking (CREATE INDEX CONCURRENTLY,
    statistics, VACUUM), 2 definition and data changes, 3 drops and locking rewrites — one step per
    finding with its statements in order and its rollback beneath (commented out, so the script runs
    forward as is). A finding's phase is its most disruptive statement's. CONCURRENTLY and VACUUM run
    outside BEGIN/COMMIT with a comment saying why; session settings (``SET work_mem``) are listed at
    the end as comments, since they belong to a session, not to the schema."""
    steps: dict[int, list[tuple[Finding, list[tuple[str, str | None]]]]] = {1: [], 2: [], 3: []}
    session: list[tuple[Finding, str]] = []
    seen: set[str] = set()
    for finding in findings:
        pairs: list[tuple[str, str | None]] = []
        for stmt, undo in _pairs(finding):
            if stmt in seen:
                continue
            seen.add(stmt)
            if _SESSION_ONLY.match(stmt):
                session.append((finding, stmt))
            else:
                pairs.append((stmt, undo))
        if pairs:
            steps[max(statement_phase(stmt) for stmt, _ in pairs)].append((finding, pairs))
    created = [c for c in (parse_create_index(s) for s in seen) if c is not None]
    skipped: list[str] = []
    for phase in steps:
        kept = []
        for finding, pairs in steps[phase]:
            remaining = []
            for stmt, undo in pairs:
                mine = parse_create_index(stmt)
                wider = subsumed_by(mine, created) if mine else None
                if wider is not None:
                    skipped.append(
                        f"-- Not built: {mine.name} ({mine.key_text}) [{finding.rule}] — {wider.name} "
                        f"({wider.key_text}) leads with the same columns and serves its lookups."
                    )
                    continue
                remaining.append((stmt, undo))
            if remaining:
                kept.append((finding, remaining))
        steps[phase] = kept
    lines = [f"-- {title}", "-- Generated by dbscope. Review before running; each step lists its rollback."]
    lines += skipped
    if not any(steps.values()) and not session:
        lines.append("-- No DDL to apply.")
        return "\n".join(lines) + "\n"
    number = 0
    for phase, heading in PHASES:
        if not steps[phase]:
            continue
        lines += ["", f"-- {'=' * 70}", f"-- {heading}", f"-- {'=' * 70}"]
        for finding, pairs in steps[phase]:
            number += 1
            target = f" on {finding.object}" if finding.object else ""
            lines += ["", f"-- Step {number}: {finding.title}{target} [{finding.rule}]"]
            lines += _step_lines(pairs)
    if session:
        lines += ["", "-- Session settings (apply per session or role, not as a migration):"]
        lines += [f"--   {stmt}  -- {finding.title}" for finding, stmt in session]
    return "\n".join(lines) + "\n"
