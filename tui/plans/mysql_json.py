"""``EXPLAIN FORMAT=JSON`` of MySQL (json_format_version 1, the ``query_block`` layout) and MariaDB
(``EXPLAIN``/``ANALYZE FORMAT=JSON``) → the neutral PlanNode tree.

One node per plan construct: query blocks, tables, ``nested_loop`` groups, ordering/grouping/
duplicate-removal/window/union operations, materialized derived tables, MariaDB ``block-nl-join``,
``filesort``, ``temporary_table``, ``read_sorted_file`` and ``expression_cache``; subqueries become
children with role ``Subquery``, union members role ``Union member``.

Arithmetic: MySQL gives estimates only (``rows_examined_per_scan`` per scan, costs as strings).
MariaDB ANALYZE gives ``r_rows`` per loop and ``r_loops``, and times that are totals over all loops:
a table's ``r_table_time_ms + r_other_time_ms`` and a join buffer's ``r_unpack_time_ms +
r_other_time_ms`` cover that node alone, while ``r_total_time_ms`` of a query block covers its whole
subtree — except that a ``filesort`` over a temporary table reports only the sort itself. A reported
total smaller than 90 % of what the children took is therefore treated as the node's own time.
"""

from __future__ import annotations

from typing import Any

from tui.core.errors import PlanInputError
from tui.core.plan import Plan, PlanNode
from tui.plans.mysql_common import (
    ACCESS_TYPES,
    MAX_DEPTH,
    finalize,
    require_dict,
    scalar_extra,
    to_float,
)

SUBQUERY_LISTS = (
    "attached_subqueries",
    "optimized_away_subqueries",
    "having_subqueries",
    "select_list_subqueries",
    "order_by_subqueries",
    "group_by_subqueries",
    "update_value_subqueries",
    "subqueries",
)
OPERATIONS = (
    "ordering_operation",
    "grouping_operation",
    "duplicates_removal",
    "windowing",
    "buffer_result",
    "union_result",
    "filesort",
    "temporary_table",
    "read_sorted_file",
    "block-nl-join",
    "expression_cache",
)
STRUCTURAL = frozenset(
    {
        "table",
        "nested_loop",
        "query_block",
        "materialized_from_subquery",
        "materialized",
        "query_specifications",
        *SUBQUERY_LISTS,
        *OPERATIONS,
    }
)
JOIN_BUFFER_LABELS = {
    "BNL": "Block nested loop join",
    "BNLH": "Block nested loop hash join",
    "BKA": "Batched key access join",
    "BKAH": "Batched key access hash join",
}
MARIADB_ONLY_KEYS = frozenset(
    {
        "r_loops",
        "r_total_time_ms",
        "block-nl-join",
        "expression_cache",
        "filesort",
        "temporary_table",
        "read_sorted_file",
        "materialized",
        "query_optimization",
        "r_engine_stats",
    }
)


def detect_flavor(doc: dict[str, Any]) -> str:
    """``mariadb`` or ``mysql`` from the keys the document uses (see module notes)."""
    seen: set[str] = set()
    stack: list[Any] = [doc]
    budget = 200_000
    while stack and budget:
        budget -= 1
        item = stack.pop()
        if isinstance(item, dict):
            seen.update(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    if seen & MARIADB_ONLY_KEYS:
        return "mariadb"
    if "cost_info" in seen or "rows_examined_per_scan" in seen:
        return "mysql"
    return "mariadb" if "rows" in seen else "mysql"


def parse_query_block_json(doc: dict[str, Any], flavor: str | None = None) -> Plan:
    """Parse a decoded ``{"query_block": …}`` document (MySQL v1 or MariaDB)."""
    flavor = flavor or detect_flavor(doc)
    builder = _Builder()
    root = builder.query_block(require_dict(doc.get("query_block"), "query_block"), 0)
    builder.settle_times(root)
    analyzed = builder.analyzed
    plan = Plan(
        engine=flavor,
        format=(
            ("mariadb-analyze" if analyzed else "mariadb-json") if flavor == "mariadb" else "mysql-json-v1"
        ),
        root=root,
        analyzed=analyzed,
        raw=doc,
    )
    plan.total_cost = root.cost
    plan.header = {key: value for key, value in doc.items() if key != "query_block"}
    optimization = doc.get("query_optimization")
    if isinstance(optimization, dict):
        plan.planning_time_ms = to_float(optimization.get("r_total_time_ms"))
    if analyzed and root.time_inclusive_ms is not None:
        plan.execution_time_ms = root.time_inclusive_ms
    return finalize(plan)


class _Builder:
    """Walks the document; remembers each node's own MariaDB time until the tree is complete."""

    def __init__(self) -> None:
        self.analyzed = False
        self.own_time: dict[int, tuple[float, str]] = {}  # id(node) → (ms, "exclusive" | "total")

    # -- containers -------------------------------------------------------------------------------
    def children_of(self, obj: dict[str, Any], depth: int) -> list[PlanNode]:
        if depth > MAX_DEPTH:
            raise PlanInputError("the plan is nested too deeply to be a real EXPLAIN output")
        out: list[PlanNode] = []
        for key, value in obj.items():
            if key == "table":
                out.append(self.table(require_dict(value, "table"), depth + 1))
            elif key == "nested_loop":
                out.append(self.nested_loop(value, depth + 1))
            elif key == "query_block":
                out.append(self.query_block(require_dict(value, "query_block"), depth + 1))
            elif key in ("materialized_from_subquery", "materialized"):
                out.append(self.materialize(require_dict(value, key), depth + 1))
            elif key in OPERATIONS:
                out.append(self.operation(key, value, depth + 1))
            elif key in SUBQUERY_LISTS:
                out.extend(self.members(key, value, "Subquery", depth + 1))
            elif key == "query_specifications":
                out.extend(self.members(key, value, "Union member", depth + 1))
        return out

    def members(self, key: str, value: Any, role: str, depth: int) -> list[PlanNode]:
        if not isinstance(value, list):
            raise PlanInputError(f"{key} is not a list")
        out: list[PlanNode] = []
        for element in value:
            element = require_dict(element, f"an element of {key}")
            wrapper = scalar_extra(element, STRUCTURAL)
            for node in self.children_of(element, depth + 1):
                node.role = role
                node.subplan_name = key
                if wrapper:
                    node.extra.setdefault("subquery", wrapper)
                out.append(node)
        return out

    # -- node kinds -------------------------------------------------------------------------------
    def query_block(self, obj: dict[str, Any], depth: int) -> PlanNode:
        select_id = obj.get("select_id")
        node = PlanNode(
            operation=f"Query block #{select_id}" if select_id is not None else "Query block",
            extra=scalar_extra(obj, STRUCTURAL),
        )
        cost_info = obj.get("cost_info")
        if isinstance(cost_info, dict):
            node.cost = to_float(cost_info.get("query_cost"))
        elif "cost" in obj:
            node.cost = to_float(obj.get("cost"))
        self._actuals(node, obj)
        total = to_float(obj.get("r_total_time_ms"))
        if total is not None:
            self.own_time[id(node)] = (total, "total")
        node.children = self.children_of(obj, depth)
        if "message" in obj and not node.children:
            node.operation = f"{node.operation}: {obj['message']}"
        return node

    def table(self, obj: dict[str, Any], depth: int) -> PlanNode:
        access = obj.get("access_type")
        access = access if isinstance(access, str) else None
        label = ACCESS_TYPES.get(access, (None, None))[0] if access else None
        name = obj.get("table_name")
        if label is None:
            label = str(obj["message"]) if "message" in obj and name is None else "Table access"
        node = PlanNode(
            operation=label,
            object=str(name) if name is not None else None,
            index=str(obj["key"]) if obj.get("key") is not None else None,
            access_type=access,
            extra=scalar_extra(obj, STRUCTURAL),
        )
        rows = obj.get("rows_examined_per_scan", obj.get("rows"))
        node.rows_estimated = to_float(rows)
        cost_info = obj.get("cost_info")
        if isinstance(cost_info, dict):
            read, evaluate = to_float(cost_info.get("read_cost")), to_float(cost_info.get("eval_cost"))
            if read is not None or evaluate is not None:
                node.cost = (read or 0.0) + (evaluate or 0.0)
        elif "cost" in obj:
            node.cost = to_float(obj.get("cost"))
        condition = obj.get("attached_condition")
        node.filter = str(condition) if condition is not None else None
        index_condition = obj.get("index_condition")
        node.index_condition = str(index_condition) if index_condition is not None else None
        self._actuals(node, obj)
        table_time = to_float(obj.get("r_table_time_ms"))
        other_time = to_float(obj.get("r_other_time_ms"))
        if table_time is not None or other_time is not None:
            self.own_time[id(node)] = ((table_time or 0.0) + (other_time or 0.0), "exclusive")
        elif to_float(obj.get("r_total_time_ms")) is not None:
            self.own_time[id(node)] = (to_float(obj.get("r_total_time_ms")) or 0.0, "total")
        node.children = self.children_of(obj, depth)
        self._add_children_cost(node)
        return node

    def nested_loop(self, value: Any, depth: int) -> PlanNode:
        if not isinstance(value, list):
            raise PlanInputError("nested_loop is not a list")
        node = PlanNode(operation="Nested loop")
        for element in value:
            node.children.extend(self.children_of(require_dict(element, "a nested_loop element"), depth))
        last_table = _last_table(node.children)
        if last_table is not None:
            cost_info = last_table.extra.get("cost_info")
            if isinstance(cost_info, dict):
                node.cost = to_float(cost_info.get("prefix_cost"))
            node.rows_estimated = to_float(last_table.extra.get("rows_produced_per_join"))
        return node

    def materialize(self, obj: dict[str, Any], depth: int) -> PlanNode:
        node = PlanNode(operation="Materialize", extra=scalar_extra(obj, STRUCTURAL))
        node.children = self.children_of(obj, depth)
        self._add_children_cost(node)
        return node

    def operation(self, key: str, value: Any, depth: int) -> PlanNode:
        if isinstance(value, list):  # MariaDB prints duplicates_removal as a list of tables
            obj: dict[str, Any] = {}
            node = PlanNode(operation=_operation_label(key, obj))
            for element in value:
                node.children.extend(self.children_of(require_dict(element, f"an element of {key}"), depth))
            return node
        obj = require_dict(value, key)
        node = PlanNode(operation=_operation_label(key, obj), extra=scalar_extra(obj, STRUCTURAL))
        if key == "union_result" and obj.get("table_name") is not None:
            node.object = str(obj["table_name"])
        if key == "block-nl-join":
            condition = obj.get("attached_condition")
            node.filter = str(condition) if condition is not None else None
            unpack, other = to_float(obj.get("r_unpack_time_ms")), to_float(obj.get("r_other_time_ms"))
            if unpack is not None or other is not None:
                self.own_time[id(node)] = ((unpack or 0.0) + (other or 0.0), "exclusive")
        elif to_float(obj.get("r_total_time_ms")) is not None:
            self.own_time[id(node)] = (to_float(obj.get("r_total_time_ms")) or 0.0, "total")
        self._actuals(node, obj)
        cost_info = obj.get("cost_info")
        own_cost = to_float(cost_info.get("sort_cost")) if isinstance(cost_info, dict) else None
        node.children = self.children_of(obj, depth)
        child_cost = [c.cost for c in node.children if c.cost is not None]
        if own_cost is not None or child_cost:
            node.cost = (own_cost or 0.0) + sum(child_cost)
        return node

    # -- helpers ----------------------------------------------------------------------------------
    def _actuals(self, node: PlanNode, obj: dict[str, Any]) -> None:
        loops = to_float(obj.get("r_loops"))
        if loops is not None:
            self.analyzed = True
            node.loops = loops
        rows = to_float(obj.get("r_rows"))
        if rows is not None:
            self.analyzed = True
            node.rows_actual = rows

    @staticmethod
    def _add_children_cost(node: PlanNode) -> None:
        child_cost = [c.cost for c in node.children if c.cost is not None]
        if child_cost:
            node.cost = (node.cost or 0.0) + sum(child_cost)

    def settle_times(self, root: PlanNode) -> None:
        """Inclusive times bottom-up from each node's own figure (see the module notes)."""
        order = list(root.walk())
        for node in reversed(order):
            below = [c.time_inclusive_ms for c in node.children if c.time_inclusive_ms is not None]
            children_total = sum(below)
            own = self.own_time.get(id(node))
            if own is None:
                node.time_inclusive_ms = children_total if below else None
                continue
            value, kind = own
            if kind == "exclusive" or value < 0.9 * children_total:
                node.time_inclusive_ms = value + children_total
            else:
                node.time_inclusive_ms = max(value, children_total)


def _operation_label(key: str, obj: dict[str, Any]) -> str:
    filesort = obj.get("using_filesort") is True
    temporary = obj.get("using_temporary_table") is True
    suffix = "".join(
        part for part, flag in ((" (filesort)", filesort), (" (temporary table)", temporary)) if flag
    )
    if key == "ordering_operation":
        return "Order by" + suffix
    if key == "grouping_operation":
        return "Group by" + suffix
    if key == "duplicates_removal":
        return "Duplicates removal" + (" (temporary table)" if temporary else "")
    if key == "windowing":
        return "Window functions" + suffix
    if key == "buffer_result":
        return "Buffer result" + (" (temporary table)" if temporary else "")
    if key == "union_result":
        return "Union result" + suffix
    if key == "filesort":
        return "Filesort"
    if key == "temporary_table":
        return "Temporary table"
    if key == "read_sorted_file":
        return "Read sorted file"
    if key == "block-nl-join":
        return JOIN_BUFFER_LABELS.get(str(obj.get("join_type")), "Join buffer")
    if key == "expression_cache":
        return "Expression cache"
    return key


def _last_table(children: list[PlanNode]) -> PlanNode | None:
    for child in reversed(children):
        for node in child.walk():
            if node.access_type is not None or "rows_produced_per_join" in node.extra:
                return node
    return None
