"""The facts the advisor keeps about one SQL statement (no sqlglot here, so plan rules that only need
these types and constants stay import-light; ``tui.advisor.sqlfacts`` fills them from sqlglot)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# Predicate kinds. "eq"/"in"/"is_null" are equality (E of ESR), "range" and "like_prefix" are ranges
# (R), "join" is a column = column of another table. Everything else cannot use a plain B-tree.
EQUALITY_KINDS = frozenset({"eq", "in", "is_null", "in_subquery"})
# LIKE 'abc%' is not here: a B-tree serves it only under the C collation or text_pattern_ops.
RANGE_KINDS = frozenset({"range"})


@dataclass(frozen=True, slots=True)
class TableRef:
    schema: str | None
    name: str
    alias: str | None = None

    @property
    def qualified(self) -> str:
        return f"{self.schema}.{self.name}" if self.schema else self.name

    @property
    def key(self) -> tuple[str | None, str]:
        return (self.schema, self.name)


@dataclass(slots=True)
class Predicate:
    """One conjunct of a WHERE / ON clause, classified for index use."""

    kind: str  # eq | in | is_null | in_subquery | range | like_prefix | like_wild | ilike | not_in |
    #           neq | func | cast | join | join_cast | or | other
    # join_cast: ``CAST(a.x AS t) = b.y`` — table/column are the cast column, other_* the other one.
    node: Any  # the sqlglot expression
    table: TableRef | None = None
    column: str | None = None
    wrapper: Any = None  # for func/cast: the function or cast wrapping the column
    other: Any = None  # the compared value (literal, parameter, subquery…)
    other_table: TableRef | None = None  # for joins
    other_column: str | None = None
    children: list[Predicate] = field(default_factory=list)  # for "or"
    source: str = "where"  # "where" | "join"

    @property
    def sargable(self) -> bool:
        return self.kind in EQUALITY_KINDS or self.kind in RANGE_KINDS


@dataclass(slots=True)
class OrderKey:
    table: TableRef | None
    column: str | None
    descending: bool
    node: Any = None
    nulls_first: bool | None = None  # as the statement orders NULLs (None: the direction's default)


@dataclass(slots=True)
class QueryFacts:
    sql: str
    dialect: str
    tree: Any
    kind: str  # "select" | "insert" | "update" | "delete" | other lower-case statement name
    tables: list[TableRef] = field(default_factory=list)
    predicates: list[Predicate] = field(default_factory=list)
    order_by: list[OrderKey] = field(default_factory=list)
    limit: int | None = None
    offset: int | None = None
    select_star: list[TableRef] = field(default_factory=list)  # tables whose columns a * expands to
    star_outermost: bool = False
    qualified_ok: bool = True  # sqlglot resolved every column against the schema
    notes: list[str] = field(default_factory=list)

    def table_predicates(self, table: TableRef) -> list[Predicate]:
        return [p for p in self.predicates if p.table is not None and p.table.key == table.key]
