"""MySQL ``EXPLAIN FORMAT=JSON`` with ``explain_json_format_version = 2`` (8.3+, default in 9.5) and
``EXPLAIN ANALYZE FORMAT=JSON`` → the neutral PlanNode tree.

Version 2 is the access-path tree of ``FORMAT=TREE`` as JSON: each object has ``operation``,
``access_type`` and its ``inputs``. The plan sits under ``query_plan`` (``EXPLAIN FORMAT=JSON``,
``EXPLAIN ANALYZE FORMAT=JSON INTO @v``) or at the top level beside ``query``
(``EXPLAIN ANALYZE FORMAT=JSON`` as the manual prints it). ANALYZE adds ``actual_rows`` (per loop),
``actual_loops``, ``actual_first_row_ms`` and ``actual_last_row_ms`` (per loop averages, like TREE).
"""

from __future__ import annotations

from typing import Any

from tui.core.errors import PlanInputError
from tui.core.plan import Plan, PlanNode
from tui.plans.mysql_common import MAX_DEPTH, describe_iterator, finalize, require_dict, to_float

_INDEX_ACCESS = {
    "index_scan": "index",
    "index_distance_scan": "index",
    "index_range_scan": "range",
    "dynamic_index_range_scan": "range",
    "index_skip_scan": "range",
    "group_index_skip_scan": "range",
    "full_text_search": "fulltext",
    "multi_range_read": "ref",
}
_HEADER_KEYS = ("query", "query_type", "json_schema_version")


def is_v2(doc: dict[str, Any]) -> bool:
    return "query_plan" in doc or ("operation" in doc and ("inputs" in doc or "access_type" in doc))


def parse_v2_json(doc: dict[str, Any]) -> Plan:
    top = require_dict(doc.get("query_plan", doc), "query_plan")
    root = _node(top, 0)
    analyzed = any(n.loops is not None for n in root.walk())
    plan = Plan(
        engine="mysql",
        format="mysql-json-v2",
        root=root,
        analyzed=analyzed,
        raw=doc,
    )
    query = doc.get("query")
    plan.query = str(query) if query is not None else None
    plan.header = {key: doc[key] for key in _HEADER_KEYS if key in doc}
    plan.total_cost = root.cost
    if analyzed:
        times = [n.time_inclusive_ms for n in root.walk() if n.time_inclusive_ms is not None]
        plan.execution_time_ms = max(times) if times else None
    return finalize(plan)


def _node(obj: dict[str, Any], depth: int) -> PlanNode:
    if depth > MAX_DEPTH:
        raise PlanInputError("the plan is nested too deeply to be a real EXPLAIN output")
    operation = obj.get("operation")
    if not isinstance(operation, str):
        raise PlanInputError("a plan node has no 'operation'")
    info = describe_iterator(operation)
    extra = {key: value for key, value in obj.items() if key not in ("inputs", *_HEADER_KEYS)}
    node = PlanNode(
        operation=info["operation"],
        object=_text(obj.get("table_name")) or info.get("object"),
        index=_text(obj.get("index_name")) or info.get("index"),
        access_type=_access_type(obj) or info.get("access_type"),
        extra=extra,
    )
    condition = obj.get("condition")
    node.filter = _text(condition) if condition is not None else info.get("filter")
    pushed = obj.get("pushed_index_condition")
    node.index_condition = _text(pushed) if pushed is not None else None
    if obj.get("join_algorithm") == "hash" or info.get("join_algorithm") == "hash":
        node.extra["join_algorithm"] = "hash"
    heading = obj.get("heading")
    if obj.get("subquery") is True:
        node.role = "Subquery"
        node.subplan_name = _text(heading) or _text(obj.get("subquery_location"))
    elif heading is not None:
        node.role = _text(heading)
    node.rows_estimated = to_float(obj.get("estimated_rows"))
    node.cost = to_float(obj.get("estimated_total_cost"))
    node.startup_cost = to_float(obj.get("estimated_first_row_cost"))
    loops = to_float(obj.get("actual_loops"))
    if loops is not None:
        node.loops = loops
        node.rows_actual = to_float(obj.get("actual_rows"))
        last = to_float(obj.get("actual_last_row_ms"))
        if last is not None:
            node.time_inclusive_ms = last * loops
    inputs = obj.get("inputs", [])
    if not isinstance(inputs, list):
        raise PlanInputError("'inputs' is not a list")
    node.children = [_node(require_dict(child, "an input"), depth + 1) for child in inputs]
    return node


def _access_type(obj: dict[str, Any]) -> str | None:
    access = obj.get("access_type")
    if access == "table":
        return "ALL"
    if access == "constant_row":
        return "const"
    if access == "index_merge":
        return "index_merge"
    if access == "index":
        index_access = obj.get("index_access_type")
        if index_access == "index_lookup" or index_access == "pushed_join_ref":
            operation = str(obj.get("operation", ""))
            return "eq_ref" if operation.startswith("Single-row") else "ref"
        return _INDEX_ACCESS.get(str(index_access), "index")
    return None


def _text(value: Any) -> str | None:
    return None if value is None else str(value)
