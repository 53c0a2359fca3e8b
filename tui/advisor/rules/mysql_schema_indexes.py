"""Indexes MySQL/MariaDB maintain without needing them.

- ``mysql.duplicate-index``: two indexes with the same key parts (columns, prefix lengths, direction,
  type). Kept, in order: the primary key, a unique index, the one used more, the first by name.
  Warning.
- ``mysql.redundant-index``: a non-unique B-tree whose key parts are a leading prefix of another
  B-tree's (``(a)`` beside ``(a, b)``): the longer one serves every lookup the shorter one does. Info.
  With ``sys.schema_redundant_indexes`` rows in the facts (MySQL with performance_schema), those rows
  are used; otherwise the same comparison is made on the catalog.
- ``mysql.unused-index``: no use recorded by performance_schema (``COUNT_STAR = 0`` in
  ``table_io_waits_summary_by_index_usage`` — or a ``sys.schema_unused_indexes`` row) or no row read
  through it (MariaDB userstat ``INDEX_STATISTICS``), over ≥ 7 days of statistics (server uptime).
  Never the primary key, a unique index, or the only index on a foreign key's columns (InnoDB needs
  it). Warning from 8 MB, info below. A shorter or unknown window gives ``mysql.unused-index-window``
  (info) instead, with what to enable.
DDL: hide first where the server can — MySQL 8 ``ALTER INDEX … INVISIBLE``, MariaDB 10.6+ ``IGNORED``
— then ``DROP INDEX … ALGORITHM=INPLACE, LOCK=NONE``; each paired with its undo (``VISIBLE`` /
``NOT IGNORED``, and the ``ADD INDEX`` that recreates it exactly, prefix lengths and DESC included).
"""

from __future__ import annotations

from typing import Any

from tui.advisor.context import SchemaContext
from tui.advisor.indexes import key_parts
from tui.advisor.registry import Rule
from tui.advisor.rules.common import schema_finding, table_name, table_qualified, tables_of
from tui.advisor.rules.mysql_common import ENGINES, removal_steps
from tui.core import fmt
from tui.core.catalog import Index, ObjectDetail
from tui.core.finding import Finding
from tui.core.session import SchemaFacts

DUPLICATE_ID = "mysql.duplicate-index"
REDUNDANT_ID = "mysql.redundant-index"
UNUSED_ID = "mysql.unused-index"
WINDOW_ID = "mysql.unused-index-window"
MIN_WINDOW_DAYS = 7.0
WARNING_BYTES = 8 * 1024 * 1024


def _parts(index: Index) -> tuple[tuple[Any, ...], ...]:
    parts = index.options.get("key_parts") if index.options else None
    if parts:
        return tuple(
            (p.get("column"), p.get("expression"), p.get("sub_part"), bool(p.get("desc"))) for p in parts
        )
    return tuple((k, None, None, False) for k in key_parts(index))


def _keep_rank(index: Index) -> tuple[int, int, int, str]:
    return (0 if index.primary else 1, 0 if index.unique else 1, -(index.scans or 0), index.name)


def _version(facts: SchemaFacts) -> int:
    value = facts.server.get("version_num")
    return int(value) if isinstance(value, int) else 0


def _serves_fk_alone(detail: ObjectDetail, index: Index, others: list[Index]) -> str | None:
    """The foreign key that needs ``index`` because no other index starts with its columns."""
    for fk in detail.foreign_keys:
        if fk.direction != "outgoing":
            continue
        width = len(fk.columns)
        if {p[0] for p in _parts(index)[:width]} != set(fk.columns):
            continue
        if not any({p[0] for p in _parts(o)[:width]} == set(fk.columns) for o in others if o is not index):
            return fk.name
    return None


def _removal(ctx: SchemaContext, detail: ObjectDetail, index: Index) -> tuple[list[str], list[str], str]:
    return removal_steps(
        ctx.facts.engine, _version(ctx.facts), detail.node.schema, table_name(detail), index, detail
    )


def _duplicates_and_redundant(ctx: SchemaContext) -> list[Finding]:
    out: list[Finding] = []
    sys_rows = ctx.facts.server.get("sys.schema_redundant_indexes")
    sys_pairs = {
        (str(r.get("table_name")), str(r.get("redundant_index_name"))): str(r.get("dominant_index_name"))
        for r in sys_rows or []
        if isinstance(r, dict)
    }
    for detail in tables_of(ctx.facts):
        indexes = [i for i in detail.indexes if i.method == "btree" and i.valid]
        reported: set[str] = set()
        # duplicates: identical key parts
        groups: dict[tuple[Any, ...], list[Index]] = {}
        for index in indexes:
            groups.setdefault(_parts(index), []).append(index)
        for same in groups.values():
            if len(same) < 2:
                continue
            keep, *drops = sorted(same, key=_keep_rank)
            for drop in drops:
                if drop.primary:  # the kept twin serves whatever the dropped one served
                    continue
                reported.add(drop.name)
                out.append(_finding(ctx, detail, drop, keep, DUPLICATE_ID))
        # redundant: a strict leading prefix of another B-tree
        for index in indexes:
            if index.name in reported or index.unique or index.primary:
                continue
            parts = _parts(index)
            dominant = sys_pairs.get((table_name(detail), index.name))
            other = next((i for i in indexes if i.name == dominant), None) if dominant else None
            if other is None:
                other = next(
                    (
                        i
                        for i in sorted(indexes, key=_keep_rank)
                        if i is not index and len(_parts(i)) > len(parts) and _parts(i)[: len(parts)] == parts
                    ),
                    None,
                )
            if other is None or other.name in reported:
                continue
            reported.add(index.name)
            out.append(_finding(ctx, detail, index, other, REDUNDANT_ID))
    return out


def _finding(ctx: SchemaContext, detail: ObjectDetail, drop: Index, keep: Index, rule: str) -> Finding:
    statements, undo, advice = _removal(ctx, detail, drop)
    duplicate = rule == DUPLICATE_ID
    relation_text = "the same key as" if duplicate else "a leading prefix of"
    return schema_finding(
        rule,
        "warning" if duplicate else "info",
        obj=table_qualified(detail),
        title="Duplicate index" if duplicate else "Redundant index",
        message=(
            f"The index {drop.name} ({', '.join(key_parts(drop))}) on {table_qualified(detail)} has {relation_text} "
            f"{keep.name} ({', '.join(key_parts(keep))})"
            + (f"; it takes {fmt.size(drop.size_bytes)}" if drop.size_bytes else "")
            + "."
        ),
        reasoning=(
            f"{keep.name} serves every lookup {drop.name} serves; keeping both costs an extra write on every "
            "INSERT, UPDATE of those columns and DELETE, more buffer pool and more disk."
        ),
        recommendation=f"Remove {drop.name} and keep {keep.name}. {advice}",
        evidence={"size_bytes": drop.size_bytes, "scans": drop.scans, "kept_index_scans": keep.scans},
        ddl=statements,
        rollback=undo,
        impact=float(drop.size_bytes or 0),
    )


def _usage(index: Index) -> int | None:
    source = index.options.get("usage_source") if index.options else None
    if source == "performance_schema":
        return index.scans
    if source == "userstat":
        return index.tuples_read
    return None


def _unused(ctx: SchemaContext) -> list[Finding]:
    facts = ctx.facts
    source = facts.server.get("index_usage_source")
    sys_unused = {
        (str(r.get("object_name")), str(r.get("index_name")))
        for r in facts.server.get("sys.schema_unused_indexes") or []
        if isinstance(r, dict)
    }
    candidates: list[tuple[ObjectDetail, Index]] = []
    for detail in tables_of(facts):
        for index in detail.indexes:
            if index.primary or index.unique:
                continue
            used = _usage(index)
            unused = (table_name(detail), index.name) in sys_unused or used == 0
            if not unused:
                continue
            if _serves_fk_alone(detail, index, detail.indexes):
                continue
            candidates.append((detail, index))
    age = facts.stats_age_days
    secondary = sum(1 for t in tables_of(facts) for i in t.indexes if not (i.primary or i.unique))
    if source is None:
        if not secondary:
            return []
        return [
            schema_finding(
                WINDOW_ID,
                "info",
                obj=None,
                title="Unused indexes not judged: no usage statistics",
                message=(
                    "This server records no index usage, so unused indexes cannot be told from used ones. "
                    + (" ".join(n for n in facts.notes if "index usage" in n) or "")
                ).strip(),
                reasoning="Dropping an index on a guess can turn a rare but important query into a full scan.",
                recommendation=(
                    "Enable performance_schema (performance_schema=ON under [mysqld], restart) — on MariaDB, "
                    "SET GLOBAL userstat = ON also works — and run the advisor again after a full business cycle."
                ),
                evidence={"secondary_indexes": secondary},
            )
        ]
    if not candidates:
        return []
    if age is None or age < MIN_WINDOW_DAYS:
        window = "unknown" if age is None else f"{fmt.num(age, 1)} days old (since {facts.stats_since})"
        return [
            schema_finding(
                WINDOW_ID,
                "info",
                obj=None,
                title="Unused indexes not judged: statistics window too short",
                message=(
                    f"{fmt.num(len(candidates))} indexes have no recorded use, but the usage statistics are {window} "
                    f"(they restart with the server); an index is judged unused only on at least "
                    f"{fmt.num(MIN_WINDOW_DAYS)} days."
                ),
                reasoning=(
                    "Weekly and monthly jobs use indexes that a short window never sees; dropping one on a few "
                    "days of evidence can turn a report into a full table scan."
                ),
                recommendation=(
                    "Run the advisor again once the server has been up for a full business cycle: "
                    + ", ".join(f"{table_qualified(d)}.{i.name}" for d, i in candidates[:10])
                    + (" …" if len(candidates) > 10 else "")
                    + "."
                ),
                evidence={
                    "indexes": len(candidates),
                    "stats_age_days": age,
                    "min_window_days": MIN_WINDOW_DAYS,
                },
            )
        ]
    out = []
    for detail, index in candidates:
        statements, undo, advice = _removal(ctx, detail, index)
        out.append(
            schema_finding(
                UNUSED_ID,
                "warning" if (index.size_bytes or 0) >= WARNING_BYTES else "info",
                obj=table_qualified(detail),
                title="Unused index",
                message=(
                    f"The index {index.name} on {table_qualified(detail)} ({', '.join(key_parts(index))}) has not been "
                    f"used in {fmt.num(age, 1)} days of statistics (since {facts.stats_since})"
                    + (f"; it takes {fmt.size(index.size_bytes)}" if index.size_bytes else "")
                    + "."
                ),
                reasoning=(
                    "Every INSERT and DELETE, and every UPDATE of its columns, also writes this index; an index "
                    "nobody reads costs write time, buffer pool and disk. The counters are this server's: check "
                    "the replicas (reports often run there) before dropping."
                ),
                recommendation=advice,
                evidence={
                    "uses": _usage(index),
                    "size_bytes": index.size_bytes,
                    "stats_age_days": round(age, 1),
                },
                ddl=statements,
                rollback=undo,
                impact=float(index.size_bytes or 0),
            )
        )
    return out


def check(ctx: SchemaContext) -> list[Finding]:
    return [*_duplicates_and_redundant(ctx), *_unused(ctx)]


RULES = (
    Rule(
        id=DUPLICATE_ID,
        category="schema",
        engines=ENGINES,
        check=check,
        summary="duplicate, prefix-redundant and unused indexes (hidden before dropped)",
        ids=(DUPLICATE_ID, REDUNDANT_ID, UNUSED_ID, WINDOW_ID),
    ),
)
