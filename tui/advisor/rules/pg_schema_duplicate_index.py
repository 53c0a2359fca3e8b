"""Indexes that another index of the same table makes unnecessary.

- ``pg.duplicate-index``: same method, same key parts (columns, expressions, direction, operator
  class), same INCLUDE list and same predicate. The one kept is, in order: the primary key, a
  constraint's index, a unique index, the one with more scans. Severity warning.
- ``pg.redundant-index``: a B-tree whose key parts are a strict leading prefix of another valid B-tree
  with the same predicate; the longer one serves every lookup the shorter one does. A unique or
  constraint index is never the one dropped here (uniqueness on fewer columns is a different rule).
  Severity info (the shorter index can be a little faster for its own lookups; the cost is write
  amplification and size).

DDL: ``DROP INDEX CONCURRENTLY`` with the index's own definition as the rollback. When the duplicate to
drop belongs to a constraint (a UNIQUE constraint repeating the primary key), the finding names the
constraint and drops it with ``ALTER TABLE … DROP CONSTRAINT``, paired with ``ADD CONSTRAINT`` — unless
a foreign key references those columns (it depends on that index), in which case it only says so.
"""

from __future__ import annotations

from tui.advisor import ddl
from tui.advisor.context import SchemaContext
from tui.advisor.indexes import definition_parts, is_constraint_index, key_parts
from tui.advisor.registry import Rule
from tui.advisor.rules.common import schema_finding, table_name, table_qualified, tables_of
from tui.core import fmt
from tui.core.catalog import Index, ObjectDetail
from tui.core.finding import Finding

DUPLICATE_ID = "pg.duplicate-index"
REDUNDANT_ID = "pg.redundant-index"


def _parts(index: Index) -> tuple[str, ...]:
    parts = definition_parts(index)
    return tuple(" ".join(p.split()) for p in parts) if parts is not None else tuple(key_parts(index))


def _signature(index: Index) -> tuple[object, ...]:
    return (index.method, _parts(index), tuple(index.include), (index.predicate or "").strip())


def _keep_rank(index: Index) -> tuple[int, int, int, int, str]:
    return (
        0 if index.primary else 1,
        0 if index.constraint else 1,
        0 if index.unique else 1,
        -(index.scans or 0),
        index.name,
    )


def _drop_statements(
    detail: ObjectDetail, index: Index, ctx: SchemaContext
) -> tuple[list[str], list[str], str]:
    """(ddl, rollback, note) for removing ``index``."""
    schema, table = detail.node.schema, table_name(detail)
    if index.constraint:
        constraint = next((c for c in detail.constraints if c.name == index.constraint), None)
        referenced = [
            fk.name for fk in detail.referenced_by if set(fk.referred_columns) == set(key_parts(index))
        ]
        if constraint is None or not constraint.definition or referenced:
            why = (
                f"the foreign keys {', '.join(referenced)} depend on it"
                if referenced
                else "its definition is unknown"
            )
            return [], [], f"It belongs to the constraint {index.constraint}; I give no DDL because {why}."
        return (
            [ddl.drop_constraint(schema, table, constraint.name)],
            [ddl.add_constraint(schema, table, constraint.name, constraint.definition)],
            f"It belongs to the constraint {constraint.name}, so the constraint is what to drop.",
        )
    concurrently = detail.node.kind != "partitioned_table"
    return (
        [ddl.drop_index(schema, index.name, concurrently=concurrently)],
        [ddl.recreate_index(index, schema, table, concurrently=concurrently)],
        "",
    )


def check_duplicates(ctx: SchemaContext) -> list[Finding]:
    out: list[Finding] = []
    for detail in tables_of(ctx.facts):
        groups: dict[tuple[object, ...], list[Index]] = {}
        for index in detail.indexes:
            if index.valid:
                groups.setdefault(_signature(index), []).append(index)
        for members in groups.values():
            if len(members) < 2:
                continue
            ordered = sorted(members, key=_keep_rank)
            keep = ordered[0]
            for dup in ordered[1:]:
                if dup.primary:
                    continue
                statements, undo, note = _drop_statements(detail, dup, ctx)
                out.append(
                    schema_finding(
                        DUPLICATE_ID,
                        "warning",
                        obj=table_qualified(detail),
                        title="Duplicate index",
                        message=(
                            f"The index {dup.name} on {table_qualified(detail)} has the same definition as "
                            f"{keep.name} ({', '.join(_parts(dup))}, {dup.method}"
                            + (f", WHERE {dup.predicate}" if dup.predicate else "")
                            + f"); it takes {fmt.size(dup.size_bytes)} and was scanned {fmt.num(dup.scans)} times, "
                            f"{keep.name} {fmt.num(keep.scans)} times. " + note
                        ),
                        reasoning=(
                            "Two identical indexes double the write cost of every INSERT and of every UPDATE of "
                            "these columns, and the space; the planner uses only one of them."
                        ),
                        recommendation=f"Drop {dup.name} and keep {keep.name}.",
                        evidence={
                            "size_bytes": dup.size_bytes,
                            "scans": dup.scans,
                            "kept_index_scans": keep.scans,
                        },
                        ddl=statements,
                        rollback=undo,
                        impact=float(dup.size_bytes or 0),
                    )
                )
    return out


def check_redundant(ctx: SchemaContext) -> list[Finding]:
    out: list[Finding] = []
    for detail in tables_of(ctx.facts):
        btrees = [i for i in detail.indexes if i.valid and i.method == "btree"]
        for short in btrees:
            if is_constraint_index(short) or short.unique or short.include:
                continue
            if any(
                o is not short and _signature(o) == _signature(short) and _keep_rank(o) < _keep_rank(short)
                for o in detail.indexes
                if o.valid
            ):
                continue  # an exact duplicate: pg.duplicate-index drops it
            short_parts = _parts(short)
            longer = [
                other
                for other in btrees
                if other is not short
                and len(_parts(other)) > len(short_parts)
                and _parts(other)[: len(short_parts)] == short_parts
                and (other.predicate or "") == (short.predicate or "")
            ]
            if not longer:
                continue
            cover = sorted(longer, key=lambda i: (len(_parts(i)), _keep_rank(i)))[0]
            statements, undo, _note = _drop_statements(detail, short, ctx)
            out.append(
                schema_finding(
                    REDUNDANT_ID,
                    "info",
                    obj=table_qualified(detail),
                    title="Redundant index (prefix of another)",
                    message=(
                        f"The index {short.name} ({', '.join(short_parts)}) on {table_qualified(detail)} is a leading "
                        f"prefix of {cover.name} ({', '.join(_parts(cover))}); it takes {fmt.size(short.size_bytes)} "
                        f"and was scanned {fmt.num(short.scans)} times."
                    ),
                    reasoning=(
                        f"A B-tree on ({', '.join(_parts(cover))}) serves every lookup on its leading columns, so "
                        f"{short.name} adds write cost and size for at most a slightly smaller scan."
                    ),
                    recommendation=f"Drop {short.name}; {cover.name} covers its lookups.",
                    evidence={
                        "size_bytes": short.size_bytes,
                        "scans": short.scans,
                        "covering_index_scans": cover.scans,
                    },
                    ddl=statements,
                    rollback=undo,
                    impact=float(short.size_bytes or 0) / 2,
                )
            )
    return out


RULES = (
    Rule(
        id=DUPLICATE_ID,
        category="schema",
        engines=("postgresql",),
        check=check_duplicates,
        summary="two indexes with the same definition",
    ),
    Rule(
        id=REDUNDANT_ID,
        category="schema",
        engines=("postgresql",),
        check=check_redundant,
        summary="B-tree whose key is a leading prefix of another B-tree",
    ),
)
