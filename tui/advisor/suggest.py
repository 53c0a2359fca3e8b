"""Index suggestions from a query's predicates, in Equality → Sort → Range column order.

Per table of the statement: equality columns (``=``, ``IN (…)``, ``IS NULL``) most selective first
(pg_stats n_distinct), then the ORDER BY columns in their own directions when every ORDER BY key
belongs to that table (a Sort-only candidate only when a LIMIT stops the ordered read early), then at
most one range column (``<``, ``>``, ``BETWEEN``). Join keys give a separate
single-column candidate (the inner side of a nested loop). A candidate an existing valid B-tree already
serves (prefix match) is dropped. ``candidate_from_filter`` does the same from a plan node's Filter
text, for plans given without their query.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from tui.advisor import ddl
from tui.advisor.context import TableIndex
from tui.advisor.indexes import column, covering_index, distinct_values
from tui.advisor.querymodel import EQUALITY_KINDS, RANGE_KINDS, Predicate, QueryFacts, TableRef
from tui.core.catalog import Index, ObjectDetail
from tui.core.session import SchemaFacts

# Types a B-tree cannot index (or should not: json has no equality operator class).
NON_BTREE_TYPES = ("json", "xml", "point", "polygon", "box", "circle", "line", "lseg", "path", "tsvector")
MAX_KEY_COLUMNS = 4
_PG_TYPE = (
    r"(?:character varying|timestamp with(?:out)? time zone|time with(?:out)? time zone|"
    r"double precision|bit varying|\"[^\"]+\"|\w+)(?:\(\d+(?:,\d+)?\))?(?:\[\])?"
)
# A cast on a literal or a parameter ('x'::text, '{1,2}'::integer[], $1::bigint): the value's type, harmless.
_LITERAL_CAST = re.compile(r"('(?:[^']|'')*'|\$\d+)::" + _PG_TYPE)
# The planner's own binary-compatible cast of a varchar/char column to text: does not defeat an index.
_COLUMN_TEXT_CAST = re.compile(r"\(((?:\"[^\"]+\"|\w+)(?:\.(?:\"[^\"]+\"|\w+))?)\)::(?:text|bpchar)\b")


@dataclass(slots=True)
class IndexCandidate:
    schema: str | None
    table: str
    columns: list[str]
    roles: list[str]  # "equality" | "sort" | "range" | "join" per column
    method: str = "btree"
    descending: list[bool] = field(default_factory=list)
    reason: str = ""
    nulls_first: list[bool | None] = field(default_factory=list)  # per column; None = the default

    @property
    def qualified(self) -> str:
        return f"{self.schema}.{self.table}" if self.schema else self.table

    @property
    def equality_count(self) -> int:
        return sum(1 for r in self.roles if r in ("equality", "join"))

    def key_parts(self) -> list[ddl.KeyPart]:
        desc = self.descending or [False] * len(self.columns)
        nulls = self.nulls_first or [None] * len(self.columns)
        return [
            ddl.KeyPart(column=c, descending=d, nulls_first=n)
            for c, d, n in zip(self.columns, desc, nulls, strict=True)
        ]

    def orders(self) -> list[tuple[bool, bool] | None]:
        """Per column, the order a sort column needs as (descending, nulls first); None elsewhere."""
        out: list[tuple[bool, bool] | None] = []
        for part, role in zip(self.key_parts(), self.roles, strict=True):
            nulls = part.descending if part.nulls_first is None else part.nulls_first
            out.append((part.descending, nulls) if role == "sort" else None)
        return out

    def describe(self) -> str:
        """``(customer_id, created_at DESC)`` — the key columns as a person reads them."""
        texts = []
        for part in self.key_parts():
            text = (part.column or "") + (" DESC" if part.descending else "")
            if part.nulls_first is not None and part.nulls_first != part.descending:
                text += " NULLS FIRST" if part.nulls_first else " NULLS LAST"
            texts.append(text)
        return "(" + ", ".join(texts) + ")"

    def statement(self, name: str, *, concurrently: bool = True) -> str:
        return ddl.create_index(
            self.schema,
            self.table,
            self.key_parts(),
            name=name,
            method=self.method,
            concurrently=concurrently,
        )

    def hypothetical_statement(self) -> str:
        """The plain CREATE INDEX that HypoPG accepts (no name, no CONCURRENTLY)."""
        cols = ", ".join(p.render() for p in self.key_parts())
        using = f" USING {self.method}" if self.method != "btree" else ""
        return f"CREATE INDEX ON {ddl.qualify(self.schema, self.table)}{using} ({cols})"


def taken_names(facts: SchemaFacts | None, schema: str | None) -> set[str]:
    """Relation names in ``schema`` (tables and indexes share one namespace in PostgreSQL)."""
    names: set[str] = set()
    for detail in facts.tables if facts else []:
        if detail.node.schema == schema:
            names.add(detail.node.table or detail.node.name)
            names.update(i.name for i in detail.indexes)
    for seq in facts.sequences if facts else []:
        if seq.schema == schema:
            names.add(seq.name)
    return names


def _indexable(detail: ObjectDetail, name: str) -> bool:
    col = column(detail, name)
    if col is None:
        return False
    data_type = col.data_type.lower()
    return not any(data_type.startswith(t) for t in NON_BTREE_TYPES)


def _selectivity_order(detail: ObjectDetail, names: list[str]) -> list[str]:
    rows = detail.row_estimate
    keyed = [(-(distinct_values(column(detail, n), rows) or 0.0), pos, n) for pos, n in enumerate(names)]
    return [n for _, _, n in sorted(keyed)]


def _unique(items: list[str]) -> list[str]:
    seen: set[str] = set()
    return [x for x in items if not (x in seen or seen.add(x))]


def build_candidate(
    detail: ObjectDetail,
    equality: list[str],
    ranges: list[str],
    order: Sequence[tuple[str, bool] | tuple[str, bool, bool | None]] | None = None,
    *,
    reason: str = "",
    check_covered: bool = True,
    esr: bool = False,
) -> IndexCandidate | None:
    """The ESR candidate for these columns of ``detail``; None when no column can lead a B-tree, or
    (with ``check_covered``) when an existing valid B-tree already serves the same leading columns.

    ``esr=True`` (PostgreSQL suggestions) writes the sort columns in the ORDER BY's own directions
    (``created_at DESC``) and puts one range column after them (Equality → Sort → Range: the range is
    then checked on index entries while the scan reads in order). Without it (the MySQL rules' shape),
    a single direction is written ascending (a backward scan serves DESC) and a range column is added
    only when there is no sort."""
    schema = detail.node.schema
    table = detail.node.table or detail.node.name
    eq_cols = _selectivity_order(detail, _unique([c for c in equality if _indexable(detail, c)]))
    cols, roles, desc = list(eq_cols), ["equality"] * len(eq_cols), [False] * len(eq_cols)
    nulls: list[bool | None] = [None] * len(eq_cols)
    if order:
        order_dirs = {key[1] for key in order}
        for key in order:
            name, is_desc = key[0], key[1]
            if name in cols or not _indexable(detail, name):
                continue
            cols.append(name)
            roles.append("sort")
            # One direction: ascending keys serve DESC too (backward scan); mixed needs each direction.
            desc.append(is_desc if esr or len(order_dirs) > 1 else False)
            first = key[2] if len(key) > 2 else None
            nulls.append(first if esr and first is not None and first != is_desc else None)
    range_cols = [c for c in _unique(ranges) if c not in cols and _indexable(detail, c)]
    if range_cols and (esr or "sort" not in roles):
        cols.append(range_cols[0])
        roles.append("range")
        desc.append(False)
        nulls.append(None)
    n = MAX_KEY_COLUMNS
    cols, roles, desc, nulls = cols[:n], roles[:n], desc[:n], nulls[:n]
    if not cols:
        return None
    candidate = IndexCandidate(schema, table, cols, roles, descending=desc, reason=reason, nulls_first=nulls)
    if check_covered and covered_by(candidate, detail):
        return None
    return candidate


def covered_by(candidate: IndexCandidate, detail: ObjectDetail) -> Index | None:
    """The existing index that already serves ``candidate``'s leading columns (its sort columns in the
    same directions, or all reversed), if any."""
    return covering_index(
        detail, candidate.columns, equality=candidate.equality_count, directions=candidate.orders()
    )


def _sargable_on(predicates: list[Predicate], table: TableRef) -> tuple[list[str], list[str], list[str]]:
    equality, ranges, joins = [], [], []
    for p in predicates:
        if p.table is None or p.table.key != table.key or p.column is None:
            continue
        if p.kind in EQUALITY_KINDS:
            equality.append(p.column)
        elif p.kind in RANGE_KINDS:
            ranges.append(p.column)
        elif p.kind == "join":
            joins.append(p.column)
    for p in predicates:  # the other side of a join predicate
        if (
            p.kind == "join"
            and p.other_table is not None
            and p.other_table.key == table.key
            and p.other_column
        ):
            joins.append(p.other_column)
    return equality, ranges, joins


def candidates_for_query(qfacts: QueryFacts, facts: SchemaFacts | None) -> list[IndexCandidate]:
    """ESR candidates for every table of the statement (and join-key candidates), none already covered."""
    tables = TableIndex.build(facts)
    out: list[IndexCandidate] = []
    seen: set[tuple[str | None, str, tuple[str, ...]]] = set()
    for ref in qfacts.tables:
        detail = tables.find(ref.name, ref.schema)
        if detail is None:
            continue
        equality, ranges, joins = _sargable_on(qfacts.predicates, ref)
        order_keys = qfacts.order_by
        order = None
        if order_keys and all(
            k.table is not None and k.table.key == ref.key and k.column for k in order_keys
        ):
            order = [(k.column or "", k.descending, k.nulls_first) for k in order_keys]
        if order and not equality and not ranges and qfacts.limit is None:
            # Sort-only: an index read in order pays off when a LIMIT stops it early; without one the
            # whole table is read through the index, which is slower than a scan and a sort.
            order = None
        main = build_candidate(detail, equality, ranges, order, reason="predicates", esr=True)
        found = [main] if main else []
        for join_col in _unique(joins):
            if main and main.columns[0] == join_col:
                continue
            cand = build_candidate(detail, [join_col], [], None, reason="join key")
            if cand:
                cand.roles = ["join"]
                found.append(cand)
        for cand in found:
            key = (cand.schema, cand.table, tuple(cand.columns))
            if key not in seen:
                seen.add(key)
                out.append(cand)
    return out


def candidate_from_filter(
    filter_text: str,
    schema: str | None,
    table: str,
    detail: ObjectDetail | None,
    *,
    include_joins: bool = False,
    alias: str | None = None,
    check_covered: bool = True,
    dialect: str = "postgres",
) -> IndexCandidate | None:
    """An ESR candidate from a plan node's condition text (``((status = 'x'::text) AND (total > 100))``)
    whose bare columns belong to the scanned relation. With ``include_joins``, ``col = other.col``
    predicates count as equality (the inner side of a nested loop). Without ``detail`` (no schema
    facts), the columns are taken as printed and existing indexes cannot be checked."""
    from tui.advisor.sqlfacts import analyze_query

    source = ddl.quote_ident(table)
    if alias and alias != table:
        source += f" AS {ddl.quote_ident(alias)}"
    qfacts = analyze_query(f"SELECT 1 FROM {source} WHERE {strip_pg_casts(filter_text)}", dialect)
    if qfacts is None:
        return None
    eq_kinds = EQUALITY_KINDS | ({"join"} if include_joins else set())
    own = [p for p in qfacts.predicates if p.column and p.table is not None and p.table.name == table]
    equality = [p.column for p in own if p.kind in eq_kinds and p.column]
    if include_joins:  # other.col = this.col: the join key is on the right-hand side
        equality += [
            p.other_column
            for p in qfacts.predicates
            if p.kind == "join"
            and p.other_column
            and p.other_table is not None
            and p.other_table.name == table
        ]
    ranges = [p.column for p in own if p.kind in RANGE_KINDS and p.column]
    if detail is not None:
        return build_candidate(
            detail, equality, ranges, None, reason="plan filter", check_covered=check_covered, esr=True
        )
    cols = _unique([*equality, *ranges[:1]])[:MAX_KEY_COLUMNS]
    if not cols:
        return None
    roles = ["equality" if c in equality else "range" for c in cols]
    return IndexCandidate(schema, table, cols, roles, descending=[False] * len(cols), reason="plan filter")


def candidate_statements(candidate: IndexCandidate, facts: SchemaFacts | None) -> tuple[str, str, str]:
    """(index name, CREATE INDEX CONCURRENTLY …, DROP INDEX CONCURRENTLY …) with a fresh name."""
    name = ddl.index_name(candidate.table, candidate.columns, taken_names(facts, candidate.schema))
    create = candidate.statement(name)
    drop = ddl.drop_index(candidate.schema, name)
    return name, create, drop


def strip_pg_casts(text: str) -> str:
    """Remove the casts EXPLAIN prints that do not change index use: on literals and parameters
    (``'x'::text``) and PostgreSQL's binary-compatible ``(varchar_col)::text``. A cast of a column to
    another type (``(id)::numeric``) stays: it is what defeats an index."""
    return _LITERAL_CAST.sub(r"\1", _COLUMN_TEXT_CAST.sub(r"\1", text))


def describe_roles(candidate: IndexCandidate) -> str:
    """``customer_id (equality), created_at (range)``."""
    return ", ".join(f"{c} ({r})" for c, r in zip(candidate.columns, candidate.roles, strict=True))
