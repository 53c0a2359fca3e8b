"""What a rule reads: one immutable context per category, with lookups shared by many rules.

- ``PlanContext``: a parsed Plan, optionally the schema facts and how often the statement runs.
- ``SchemaContext``: the SchemaFacts of a database (every table as an ObjectDetail).
- ``QueryContext``: the statement text, its sqlglot tree and the resolved predicates
  (``tui.advisor.sqlfacts.QueryFacts``), plus the schema facts when known.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from tui.core.catalog import ObjectDetail
from tui.core.plan import Plan
from tui.core.session import SchemaFacts

if TYPE_CHECKING:
    from tui.advisor.sqlfacts import QueryFacts


def table_key(detail: ObjectDetail) -> tuple[str | None, str]:
    node = detail.node
    return (node.schema, node.table or node.name)


def qualified(schema: str | None, name: str) -> str:
    """``schema.name`` as a person reads it (unquoted; DDL quotes through ``tui.advisor.ddl``)."""
    return f"{schema}.{name}" if schema else name


@dataclass(frozen=True, slots=True)
class TableIndex:
    """Look-ups of tables in SchemaFacts by (schema, name) or by bare name."""

    by_key: dict[tuple[str | None, str], ObjectDetail] = field(default_factory=dict)
    by_name: dict[str, list[ObjectDetail]] = field(default_factory=dict)

    @classmethod
    def build(cls, facts: SchemaFacts | None) -> TableIndex:
        by_key: dict[tuple[str | None, str], ObjectDetail] = {}
        by_name: dict[str, list[ObjectDetail]] = {}
        for detail in facts.tables if facts else []:
            key = table_key(detail)
            by_key[key] = detail
            by_name.setdefault(key[1], []).append(detail)
        return cls(by_key, by_name)

    def find(self, name: str | None, schema: str | None = None) -> ObjectDetail | None:
        """The table called ``name`` (``schema.name`` accepted); a bare name must be unambiguous,
        preferring ``public`` when several schemas have it."""
        if not name:
            return None
        if schema is None and "." in name:
            schema, name = name.rsplit(".", 1)
        if schema is not None:
            return self.by_key.get((schema, name))
        candidates = self.by_name.get(name, [])
        if len(candidates) == 1:
            return candidates[0]
        public = [c for c in candidates if c.node.schema == "public"]
        return public[0] if len(public) == 1 else None


@dataclass(frozen=True, slots=True)
class PlanContext:
    plan: Plan
    facts: SchemaFacts | None = None
    calls: int | None = None
    query: str | None = None
    tables: TableIndex = field(default_factory=TableIndex)
    mean_time_ms: float | None = None  # one run's time from the statement statistics, when known

    @classmethod
    def build(
        cls,
        plan: Plan,
        facts: SchemaFacts | None = None,
        calls: int | None = None,
        query: str | None = None,
        mean_time_ms: float | None = None,
    ) -> PlanContext:
        return cls(plan, facts, calls, query or plan.query, TableIndex.build(facts), mean_time_ms)

    @property
    def engine(self) -> str:
        return self.plan.engine

    @property
    def multiplier(self) -> int:
        """How many times the statement runs (1 when unknown), to weight impact."""
        return self.calls if self.calls and self.calls > 0 else 1

    def cost_impact(self, cost: float) -> float:
        """An estimated plan's cost as time when the statement's mean time is known (its share of the
        plan's total cost × the mean time), else the cost itself, for ranking."""
        total = self.plan.total_cost if self.plan.total_cost is not None else self.plan.root.cost
        if self.mean_time_ms and total:
            return self.mean_time_ms * min(1.0, cost / total)
        return cost


@dataclass(frozen=True, slots=True)
class SchemaContext:
    facts: SchemaFacts
    tables: TableIndex = field(default_factory=TableIndex)

    @classmethod
    def build(cls, facts: SchemaFacts) -> SchemaContext:
        return cls(facts, TableIndex.build(facts))

    @property
    def engine(self) -> str:
        return self.facts.engine


@dataclass(frozen=True, slots=True)
class QueryContext:
    query: str
    dialect: str
    tree: Any  # sqlglot Expression (kept as Any so this module imports without sqlglot)
    qfacts: QueryFacts
    engine: str = "postgresql"
    facts: SchemaFacts | None = None
    plan: Plan | None = None
    tables: TableIndex = field(default_factory=TableIndex)
    extensions: dict[str, str] = field(default_factory=dict)  # installed extensions, when known
