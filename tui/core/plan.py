"""The engine-neutral EXPLAIN model: a tree of PlanNode inside a Plan with its header facts.

Conventions every parser follows, so renderers and rules never need to know the engine:
- ``rows_estimated`` and ``rows_actual`` are per loop, as PostgreSQL and MySQL report them;
  ``rows_actual_total`` is the total over all loops.
- ``time_inclusive_ms`` is the node's wall time including children, summed over loops and divided by
  the processes that ran it in parallel; ``time_exclusive_ms`` subtracts the children (and CTE /
  InitPlan time consumed elsewhere), never below zero.
- ``cost`` is the engine's total (inclusive) cost in its own units; ``cost_exclusive`` subtracts children.
- ``extra`` keeps every field the engine gave for the node, verbatim, for the detail pane.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

ENGINES = ("postgresql", "mysql", "mariadb", "mongodb")


@dataclass(slots=True, eq=False)
class PlanNode:
    operation: str
    object: str | None = None
    index: str | None = None
    rows_estimated: float | None = None
    rows_actual: float | None = None
    loops: float | None = None
    time_inclusive_ms: float | None = None
    time_exclusive_ms: float | None = None
    cost: float | None = None
    children: list[PlanNode] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    # Derived and engine-neutral annotations (filled by the parsers).
    node_id: int = 0
    role: str | None = None  # "Outer" | "Inner" | "InitPlan" | "SubPlan" | "CTE" | "Member" | engine words
    subplan_name: str | None = None
    startup_cost: float | None = None
    cost_exclusive: float | None = None
    rows_actual_total: float | None = None
    rows_removed: float | None = None  # by filter, join filter and recheck, total over loops
    estimate_factor: float | None = None  # max(actual/estimated, estimated/actual) per loop
    estimate_direction: str | None = None  # "under" (actual > estimated) | "over" | None
    time_share: float | None = None  # exclusive time / total execution time, 0..1
    never_executed: bool = False
    access_type: str | None = None  # MySQL/MariaDB access type (ALL, index, range, ref, eq_ref, const…)
    buffers: dict[str, float] = field(default_factory=dict)  # inclusive counters by name
    buffers_exclusive: dict[str, float] = field(default_factory=dict)
    workers_planned: int | None = None
    workers_launched: int | None = None
    filter: str | None = None  # the filter/condition text the engine applied after access
    index_condition: str | None = None

    def walk(self) -> Iterator[PlanNode]:
        """Pre-order traversal of this node and every descendant."""
        stack = [self]
        while stack:
            node = stack.pop()
            yield node
            stack.extend(reversed(node.children))

    def walk_with_depth(self, depth: int = 0) -> Iterator[tuple[PlanNode, int]]:
        stack = [(self, depth)]
        while stack:
            node, level = stack.pop()
            yield node, level
            stack.extend((child, level + 1) for child in reversed(node.children))

    @property
    def label(self) -> str:
        """Short human label: operation on object using index."""
        text = self.operation
        if self.object:
            text += f" on {self.object}"
        if self.index:
            text += f" using {self.index}"
        return text


@dataclass(slots=True, eq=False)
class Plan:
    """A parsed EXPLAIN output with the header numbers a DBA reads first."""

    engine: str
    format: str  # e.g. "postgresql-json", "mysql-json-v1", "mysql-json-v2", "mysql-tree", "mariadb-json"
    root: PlanNode
    analyzed: bool = False
    query: str | None = None
    planning_time_ms: float | None = None
    execution_time_ms: float | None = None
    total_cost: float | None = None
    jit: dict[str, Any] | None = None
    settings: dict[str, Any] = field(default_factory=dict)
    triggers: list[dict[str, Any]] = field(default_factory=list)
    header: dict[str, Any] = field(default_factory=dict)  # other top-level facts, verbatim
    raw: Any = None  # the decoded JSON (or text) the plan came from
    warnings: list[str] = field(default_factory=list)  # what the parser could not interpret
    detection: str = ""  # which engine and format the input was read as, and why

    def nodes(self) -> Iterator[PlanNode]:
        return self.root.walk()

    def node_by_id(self, node_id: int) -> PlanNode | None:
        return next((n for n in self.nodes() if n.node_id == node_id), None)

    @property
    def total_time_ms(self) -> float | None:
        if self.execution_time_ms is not None:
            return self.execution_time_ms
        return self.root.time_inclusive_ms

    def hottest(self) -> PlanNode | None:
        """The node with the largest exclusive time (or exclusive cost when not analyzed)."""
        best: PlanNode | None = None
        best_value = -1.0
        for node in self.nodes():
            value = node.time_exclusive_ms if self.analyzed else node.cost_exclusive
            if value is not None and value > best_value:
                best, best_value = node, value
        return best
