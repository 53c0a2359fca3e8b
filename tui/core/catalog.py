"""Catalog models: the lazy tree of objects (CatalogNode) and what a detail view shows of one object.

Adapters fill these from their engine's catalog; the UI and the advisor read only these.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# Kinds a CatalogNode can have. Adapters may only use these, so the UI can pick icons and actions.
NODE_KINDS = frozenset(
    {
        "server",
        "database",
        "schema",
        "folder",  # a grouping such as "Tables (1,204)"
        "table",
        "partitioned_table",
        "partition",
        "view",
        "matview",
        "foreign_table",
        "sequence",
        "function",
        "collection",
        "column",
        "index",
        "constraint",
        "foreign_key",
        "trigger",
        "field",  # a sampled document field path (MongoDB)
        "message",  # a leaf that explains why a level is empty or partial
    }
)

# Kinds whose detail view is a relation with columns, indexes, etc.
RELATION_KINDS = frozenset(
    {"table", "partitioned_table", "partition", "view", "matview", "foreign_table", "collection"}
)


@dataclass(slots=True)
class CatalogNode:
    """One node of the lazy schema tree.

    ``key`` identifies the node for the adapter that produced it (for ``children``/``detail``);
    ``qualified_name`` is what a person would type (``shop.orders``), quoted where the engine needs it.
    ``meta["system"]`` marks the server's own schemas or databases (and their folder): the tree's
    filter does not load them unasked.
    """

    kind: str
    name: str
    qualified_name: str
    type_label: str = ""
    has_children: bool = False
    database: str | None = None
    schema: str | None = None
    table: str | None = None
    key: tuple[str, ...] = ()
    meta: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.kind not in NODE_KINDS:
            raise ValueError(f"unknown catalog node kind {self.kind!r}")


@dataclass(slots=True)
class Column:
    name: str
    data_type: str
    nullable: bool = True
    default: str | None = None
    identity: str | None = None  # "ALWAYS" | "BY DEFAULT"
    generated: str | None = None  # the generation expression
    comment: str | None = None
    position: int = 0
    # Planner statistics where the engine keeps them (pg_stats / index cardinality).
    n_distinct: float | None = None
    null_frac: float | None = None
    avg_width: int | None = None  # pg_stats.avg_width in bytes (the advisor's bloat estimate uses it)
    collation: str | None = None  # where it is not the type's (PostgreSQL) or table's (MySQL) default


@dataclass(slots=True)
class Index:
    name: str
    columns: list[str]
    definition: str = ""
    method: str = "btree"
    unique: bool = False
    primary: bool = False
    predicate: str | None = None  # partial index WHERE clause
    expressions: list[str] = field(default_factory=list)  # key parts that are expressions
    include: list[str] = field(default_factory=list)  # INCLUDE / covering columns
    valid: bool = True
    visible: bool = True  # MySQL INVISIBLE / MariaDB IGNORED / Mongo hidden
    size_bytes: int | None = None
    scans: int | None = None  # uses since statistics were reset
    tuples_read: int | None = None
    constraint: str | None = None  # name of the constraint that owns the index
    options: dict[str, Any] = field(default_factory=dict)  # engine extras (sparse, TTL, cardinality…)

    @property
    def is_expression(self) -> bool:
        return bool(self.expressions)


@dataclass(slots=True)
class Constraint:
    name: str
    kind: str  # "primary" | "unique" | "check" | "exclusion" | "foreign" | "not_null"
    columns: list[str] = field(default_factory=list)
    definition: str = ""


@dataclass(slots=True)
class ForeignKey:
    """A foreign key seen from ``table``: outgoing (this table references) or incoming."""

    name: str
    schema: str | None
    table: str
    columns: list[str]
    referred_schema: str | None
    referred_table: str
    referred_columns: list[str]
    on_delete: str = "NO ACTION"
    on_update: str = "NO ACTION"
    direction: str = "outgoing"  # "outgoing" | "incoming"
    definition: str = ""


@dataclass(slots=True)
class Trigger:
    name: str
    timing: str = ""
    events: list[str] = field(default_factory=list)
    definition: str = ""
    enabled: bool = True


@dataclass(slots=True)
class Stat:
    """One labelled statistic with its raw value and a unit the renderers format."""

    label: str
    value: Any
    unit: str = ""  # "bytes" | "rows" | "count" | "ms" | "%" | "time" | ""


@dataclass(slots=True)
class ObjectDetail:
    """Everything the detail pane and the schema advisor know about one object."""

    node: CatalogNode
    columns: list[Column] = field(default_factory=list)
    indexes: list[Index] = field(default_factory=list)
    constraints: list[Constraint] = field(default_factory=list)
    foreign_keys: list[ForeignKey] = field(default_factory=list)  # outgoing
    referenced_by: list[ForeignKey] = field(default_factory=list)  # incoming
    triggers: list[Trigger] = field(default_factory=list)
    partitions: list[str] = field(default_factory=list)
    stats: list[Stat] = field(default_factory=list)
    ddl: str = ""
    row_estimate: int | None = None
    total_bytes: int | None = None
    notes: list[str] = field(default_factory=list)  # what could not be loaded, and why

    def stat(self, label: str) -> Any:
        for item in self.stats:
            if item.label == label:
                return item.value
        return None

    @property
    def primary_key(self) -> Constraint | None:
        return next((c for c in self.constraints if c.kind == "primary"), None)
