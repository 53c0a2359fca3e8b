"""PostgreSQL ``EXPLAIN (FORMAT JSON)`` → the neutral Plan, with the derived numbers PEV2 and
explain.depesz.com compute (notes/plans-and-advisors.md §1.1, §1.2, §3.1).

Arithmetic, per node (``Actual *`` values are per-loop averages in PostgreSQL):
- inclusive time = Actual Total Time × loops ÷ (workers launched + 1) for nodes under a Gather /
  Gather Merge (the launched count is pushed down to every descendant except InitPlans, SubPlans and
  CTEs, whose subtrees start over), × loops otherwise;
- exclusive time = inclusive − Σ children's inclusive (InitPlan and CTE children are not subtracted,
  except InitPlans under a Result, which evaluates them itself); then each CTE's time is taken off the
  CTE Scans that read it, proportionally to their inclusive time, and each InitPlan's time is taken off
  the deepest nodes that reference its output (``$n`` before PG16, ``InitPlan n`` since), or its
  parent when no reference is printed; never below zero;
- exclusive cost = Total Cost − Σ children's Total Cost (CTEs excepted), never below zero;
- rows: totals = per-loop value × loops, also for rows removed by Filter / Join Filter / Recheck;
- estimate factor = max(actual/estimated, estimated/actual) per loop, "under" when actual > estimated.
  A count of zero is taken as one row (PostgreSQL never estimates below one row and before PG18 the
  per-loop actual count is rounded), so the factor stays finite; never-executed nodes have none;
- buffers, WAL counters and I/O timings are inclusive; exclusive = node − Σ children without a
  Subplan Name (PEV2). ``io_read_ms`` / ``io_write_ms`` are shared+local for every version (PG17
  splits them into ``Shared``/``Local I/O … Time``), temp I/O is ``temp_io_*_ms``.

The walk is iterative (deep and wide plans alike) and every field is type-checked, so any input gives
either a Plan or a PlanInputError.
"""

from __future__ import annotations

import math
import re
from typing import Any

from tui.core.errors import PlanInputError
from tui.core.plan import Plan, PlanNode

MAX_NODES = 500_000

BUFFER_FIELDS: tuple[tuple[str, str], ...] = (
    ("Shared Hit Blocks", "shared_hit"),
    ("Shared Read Blocks", "shared_read"),
    ("Shared Dirtied Blocks", "shared_dirtied"),
    ("Shared Written Blocks", "shared_written"),
    ("Local Hit Blocks", "local_hit"),
    ("Local Read Blocks", "local_read"),
    ("Local Dirtied Blocks", "local_dirtied"),
    ("Local Written Blocks", "local_written"),
    ("Temp Read Blocks", "temp_read"),
    ("Temp Written Blocks", "temp_written"),
    ("I/O Read Time", "io_read_ms"),
    ("I/O Write Time", "io_write_ms"),
    ("Shared I/O Read Time", "shared_io_read_ms"),
    ("Shared I/O Write Time", "shared_io_write_ms"),
    ("Local I/O Read Time", "local_io_read_ms"),
    ("Local I/O Write Time", "local_io_write_ms"),
    ("Temp I/O Read Time", "temp_io_read_ms"),
    ("Temp I/O Write Time", "temp_io_write_ms"),
    ("WAL Records", "wal_records"),
    ("WAL FPI", "wal_fpi"),
    ("WAL Bytes", "wal_bytes"),
    ("WAL Buffers Full", "wal_buffers_full"),
)

_BUFFER_NAMES = dict(BUFFER_FIELDS)
_BUFFER_KEYS = frozenset(_BUFFER_NAMES)
_TIME_BUFFER_NAMES = frozenset(name for name in _BUFFER_NAMES.values() if name.endswith("_ms"))
_AGG_NAMES = {
    "Plain": "Aggregate",
    "Sorted": "GroupAggregate",
    "Hashed": "HashAggregate",
    "Mixed": "MixedAggregate",
}
_JOIN_BASES = {"Nested Loop": "Nested Loop", "Hash Join": "Hash", "Merge Join": "Merge"}
_REMOVED_FIELDS = frozenset(
    {"Rows Removed by Filter", "Rows Removed by Join Filter", "Rows Removed by Index Recheck"}
)
_INITPLAN_NAME = re.compile(r"InitPlan\s+(\d+)")
_RETURNS = re.compile(r"\$(\d+)")
_REFERENCE = re.compile(r"\$\d+(?!\d)|InitPlan \d+(?!\d)")
_SKIP_REFERENCE_KEYS = frozenset({"Plans", "Subplan Name", "Parent Relationship", "Workers", "Node Type"})
_INT_LIMIT = 1 << 64


def _num(value: Any) -> int | float | None:
    """A finite JSON number (bools, strings, huge integers and NaN/Infinity are not numbers here)."""
    if type(value) is int:
        return value if -_INT_LIMIT < value < _INT_LIMIT else None
    if type(value) is float:
        return value if math.isfinite(value) else None
    return None


def _str(value: Any) -> str | None:
    return value if type(value) is str else None


def _round(value: float) -> float:
    return round(value, 6)


def operation_name(raw: dict[str, Any]) -> str:
    """The node's name as PostgreSQL's text format (and PEV2) prints it."""
    node_type = raw["Node Type"]
    name = node_type
    if node_type == "Aggregate":
        name = _AGG_NAMES.get(_str(raw.get("Strategy")) or "Plain", "Aggregate")
    elif node_type == "SetOp":
        name = "HashSetOp" if raw.get("Strategy") == "Hashed" else "SetOp"
        command = _str(raw.get("Command"))
        if command:
            name += f" {command}"
    elif node_type == "ModifyTable":
        name = _str(raw.get("Operation")) or node_type
    elif node_type == "Foreign Scan":
        operation = _str(raw.get("Operation"))
        if operation and operation != "Select":
            name = f"Foreign {operation}"
    elif node_type == "Custom Scan":
        provider = _str(raw.get("Custom Plan Provider"))
        if provider:
            name = f"Custom Scan ({provider})"
    elif node_type in _JOIN_BASES:
        join_type = _str(raw.get("Join Type"))
        if join_type and join_type != "Inner":
            name = f"{_JOIN_BASES[node_type]} {join_type} Join"
    partial = _str(raw.get("Partial Mode"))
    if partial in ("Partial", "Finalize"):
        name = f"{partial} {name}"
    if raw.get("Scan Direction") == "Backward":
        name += " Backward"
    if raw.get("Async Capable") is True:
        name = "Async " + name
    if raw.get("Parallel Aware") is True:
        name = "Parallel " + name
    return name


def _object_name(raw: dict[str, Any]) -> str | None:
    relation = _str(raw.get("Relation Name"))
    schema = _str(raw.get("Schema"))
    if relation:
        return f"{schema}.{relation}" if schema else relation
    for key in ("CTE Name", "Function Name", "Table Function Name", "Tuplestore Name"):
        value = _str(raw.get(key))
        if value:
            return f"{schema}.{value}" if schema and key == "Function Name" else value
    if raw.get("Node Type") in ("Subquery Scan", "Values Scan"):
        return _str(raw.get("Alias"))
    return None


def _role(raw: dict[str, Any]) -> str | None:
    relationship = _str(raw.get("Parent Relationship"))
    if relationship == "InitPlan" and (_str(raw.get("Subplan Name")) or "").startswith("CTE "):
        return "CTE"
    return relationship


def _path(node_id: int, parents: list[int], child_index: list[int]) -> str:
    parts: list[str] = []
    while node_id > 0:
        parts.append(f"Plans[{child_index[node_id]}]")
        node_id = parents[node_id]
    return " → ".join(["Plan", *reversed(parts)])


def _error_path(parent_id: int, index: int, parents: list[int], child_index: list[int]) -> str:
    if parent_id < 0:
        return "Plan"
    return f"{_path(parent_id, parents, child_index)} → Plans[{index}]"


def _statement(data: Any) -> tuple[dict[str, Any], list[str]]:
    """The top-level object holding ``Plan`` (first of several statements), with warnings."""
    warnings: list[str] = []
    top = data
    if isinstance(data, list):
        if not data:
            raise PlanInputError(
                "the JSON is an empty array: PostgreSQL EXPLAIN (FORMAT JSON) prints an array with one "
                "object holding 'Plan'"
            )
        top = data[0]
        if len(data) > 1 and all(isinstance(item, dict) and "Plan" in item for item in data):
            warnings.append(f"the input holds {len(data)} plans (one per statement); showing the first")
    if not isinstance(top, dict):
        kind = _json_kind(type(top).__name__)
        if isinstance(data, list):
            kind = f"an array whose first element is {kind}"
        raise PlanInputError(
            f"JSON parsed but it is {kind}, not an object with a 'Plan' key: this is not "
            "PostgreSQL EXPLAIN (FORMAT JSON) output"
        )
    if "Plan" not in top:
        keys = ", ".join(repr(k) for k in list(top)[:6]) or "none"
        raise PlanInputError(
            "JSON parsed but it has no 'Plan' key: this is not PostgreSQL EXPLAIN (FORMAT JSON) output "
            f"(top-level keys: {keys})"
        )
    if not isinstance(top["Plan"], dict):
        raise PlanInputError("the 'Plan' value is not a JSON object: this is not a PostgreSQL plan")
    return top, warnings


def _json_kind(name: str) -> str:
    return {
        "str": "a string",
        "int": "a number",
        "float": "a number",
        "bool": "a boolean",
        "NoneType": "null",
        "list": "an array",
    }.get(name, name)


def parse_postgres_plan(data: Any, raw_text: str | None = None) -> Plan:
    """Parse PostgreSQL EXPLAIN JSON — decoded (``data``) or as text (``data`` a str, or ``raw_text``
    with ``data`` None, in any form psql prints it) — into a Plan with every derived number."""
    if data is None and raw_text is not None:
        data = raw_text
    if isinstance(data, str):
        from tui.plans.jsontext import clean_pasted_text, decode_json, looks_like_json

        if not looks_like_json(clean_pasted_text(data)):
            from tui.plans.postgres_text import looks_like_postgres_text, parse_postgres_text

            if looks_like_postgres_text(data):
                return parse_postgres_text(data)
        data = decode_json(data, "PostgreSQL EXPLAIN (FORMAT JSON) output")
    top, warnings = _statement(data)
    try:
        plan = build_plan(top, warnings)
    except PlanInputError:
        raise
    except (
        AttributeError,
        TypeError,
        ValueError,
        KeyError,
        IndexError,
        OverflowError,
        RecursionError,
    ) as exc:
        # Every field is type-checked and fuzzed; this keeps the promise for anything still unforeseen.
        raise PlanInputError(f"could not read this plan ({type(exc).__name__}: {exc})") from None
    plan.raw = data
    return plan


def build_plan(top: dict[str, Any], warnings: list[str], plan_format: str = "postgresql-json") -> Plan:
    """The Plan for one statement's top-level object (``{"Plan": …, "Execution Time": …}``)."""
    nodes: list[PlanNode] = []
    raws: list[dict[str, Any]] = []
    parents: list[int] = []
    child_index: list[int] = []
    node_types: list[str] = []
    # (raw node, parent id, index among the parent's children, workers launched by the Gather above)
    stack: list[tuple[Any, int, int, int]] = [(top["Plan"], -1, 0, 0)]
    analyzed = False
    while stack:
        raw, parent_id, index, gather_workers = stack.pop()
        if not isinstance(raw, dict):
            raise PlanInputError(
                f"{_error_path(parent_id, index, parents, child_index)} is not a JSON object: "
                "this is not a valid PostgreSQL plan"
            )
        node_type = raw.get("Node Type")
        if type(node_type) is not str or not node_type:
            raise PlanInputError(
                f"{_error_path(parent_id, index, parents, child_index)} has no 'Node Type': "
                "this is not a valid PostgreSQL plan node"
            )
        node_id = len(nodes)
        if node_id >= MAX_NODES:
            raise PlanInputError(
                f"the plan has more than {MAX_NODES:,} nodes; dbscope reads plans up to that size"
            )
        node = _make_node(raw, node_type, node_id, gather_workers)
        if node.loops is not None or node.rows_actual is not None:
            analyzed = True
        nodes.append(node)
        raws.append(raw)
        parents.append(parent_id)
        child_index.append(index)
        node_types.append(node_type)
        if parent_id >= 0:
            nodes[parent_id].children.append(node)
        children = raw.get("Plans")
        if children is None:
            continue
        if not isinstance(children, list):
            raise PlanInputError(
                f"'Plans' of {_path(node_id, parents, child_index)} is not an array: "
                "this is not a valid PostgreSQL plan"
            )
        launched = node.workers_launched
        inherited = launched if launched else gather_workers
        for i in range(len(children) - 1, -1, -1):
            child = children[i]
            relationship = child.get("Parent Relationship") if isinstance(child, dict) else None
            workers = 0 if relationship in ("InitPlan", "SubPlan") else inherited
            stack.append((child, node_id, i, workers))

    if analyzed:
        _exclusive_times(nodes, node_types)
        _cte_fix(nodes, node_types, raws)
        _initplan_fix(nodes, node_types, raws, parents)
    _exclusive_costs_and_buffers(nodes)

    plan = Plan(engine="postgresql", format=plan_format, root=nodes[0], analyzed=analyzed)
    plan.warnings.extend(warnings)
    _header(plan, top)
    total = plan.total_time_ms
    if analyzed and total:
        for node in nodes:
            if node.time_exclusive_ms is not None:
                node.time_share = node.time_exclusive_ms / total
    return plan


def _make_node(raw: dict[str, Any], node_type: str, node_id: int, gather_workers: int) -> PlanNode:
    get = raw.get
    loops = _num(get("Actual Loops"))
    rows_actual = _num(get("Actual Rows"))
    rows_estimated = _num(get("Plan Rows"))
    extra = dict(raw)
    extra.pop("Plans", None)
    node = PlanNode(
        operation=operation_name(raw),
        object=_object_name(raw),
        index=_str(get("Index Name")),
        rows_estimated=rows_estimated,
        rows_actual=rows_actual,
        loops=loops,
        cost=_num(get("Total Cost")),
        extra=extra,
        node_id=node_id,
        role=_role(raw),
        subplan_name=_str(get("Subplan Name")),
        startup_cost=_num(get("Startup Cost")),
        filter=_str(get("Filter")) or _str(get("Join Filter")),
        index_condition=_str(get("Index Cond")),
    )
    effective_loops = loops if loops is not None and loops >= 0 else 1
    total_time = _num(get("Actual Total Time"))
    if loops is not None and loops <= 0:
        total_time = None  # never executed: JSON prints 0.000, text prints no time; both mean "no time"
    if total_time is not None:
        if effective_loops == 1 and not gather_workers:
            node.time_inclusive_ms = total_time
        else:
            node.time_inclusive_ms = _round(total_time * effective_loops / (gather_workers + 1))
    if rows_actual is not None:
        node.rows_actual_total = rows_actual * effective_loops
    removed = None
    for key in _REMOVED_FIELDS.intersection(raw):
        value = _num(raw[key])
        if value is not None:
            removed = (removed or 0) + value * effective_loops
    node.rows_removed = removed
    if loops is not None and loops <= 0:
        node.never_executed = True
    elif rows_actual is not None and rows_estimated is not None and rows_actual >= 0 and rows_estimated >= 0:
        actual = rows_actual if rows_actual > 0 else 1
        estimated = rows_estimated if rows_estimated > 0 else 1
        if actual > estimated:
            node.estimate_factor, node.estimate_direction = actual / estimated, "under"
        elif actual < estimated:
            node.estimate_factor, node.estimate_direction = estimated / actual, "over"
        else:
            node.estimate_factor = 1.0
    if "Workers Planned" in raw or "Workers Launched" in raw:
        planned = _num(get("Workers Planned"))
        launched = _num(get("Workers Launched"))
        node.workers_planned = int(planned) if planned is not None else None
        node.workers_launched = int(launched) if launched is not None and launched >= 0 else None
    # This runs for every node of every plan: copy first, check types only when something is odd.
    node.buffers = buffers = {_BUFFER_NAMES[key]: raw[key] for key in _BUFFER_KEYS.intersection(raw)}
    for value in buffers.values():
        if type(value) is not int or not -_INT_LIMIT < value < _INT_LIMIT:
            node.buffers = buffers = {
                name: number for name, number in buffers.items() if _num(number) is not None
            }
            break
    if "shared_io_read_ms" in buffers or "local_io_read_ms" in buffers or "shared_io_write_ms" in buffers:
        for op in ("read", "write"):
            shared, local = buffers.get(f"shared_io_{op}_ms"), buffers.get(f"local_io_{op}_ms")
            if f"io_{op}_ms" not in buffers and (shared is not None or local is not None):
                buffers[f"io_{op}_ms"] = _round((shared or 0) + (local or 0))
    return node


def _exclusive_times(nodes: list[PlanNode], node_types: list[str]) -> None:
    for node in nodes:
        inclusive = node.time_inclusive_ms
        if inclusive is None:
            continue
        if not node.children:
            node.time_exclusive_ms = inclusive if inclusive > 0 else 0.0
            continue
        is_result = node_types[node.node_id] == "Result"
        children_time = 0.0
        for child in node.children:
            role = child.role
            if role == "CTE" or (role == "InitPlan" and not is_result):
                continue
            if child.time_inclusive_ms is not None:
                children_time += child.time_inclusive_ms
        node.time_exclusive_ms = max(0.0, _round(inclusive - children_time))


def _cte_fix(nodes: list[PlanNode], node_types: list[str], raws: list[dict[str, Any]]) -> None:
    ctes = [n for n in nodes if n.role == "CTE" and n.time_inclusive_ms]
    if not ctes:
        return
    scans_by_name: dict[str, list[PlanNode]] = {}
    for node in nodes:
        if node_types[node.node_id] == "CTE Scan" and node.time_exclusive_ms is not None:
            name = _str(raws[node.node_id].get("CTE Name"))
            if name is not None:
                scans_by_name.setdefault(f"CTE {name}", []).append(node)
    for cte in ctes:
        scans = scans_by_name.get(cte.subplan_name or "", [])
        _subtract_share(scans, cte.time_inclusive_ms or 0.0)


def _subtract_share(targets: list[PlanNode], amount: float) -> None:
    """Take ``amount`` off the targets' exclusive times, proportionally to their inclusive times."""
    if not targets or not amount:
        return
    weights = [t.time_inclusive_ms or 0.0 for t in targets]
    total = sum(weights)
    for target, weight in zip(targets, weights, strict=True):
        share = amount * weight / total if total > 0 else amount / len(targets)
        if target.time_exclusive_ms is not None:
            target.time_exclusive_ms = max(0.0, _round(target.time_exclusive_ms - share))


def _references(raw: dict[str, Any]) -> set[str]:
    found: set[str] = set()
    for key, value in raw.items():
        if key in _SKIP_REFERENCE_KEYS:
            continue
        if type(value) is str:
            if "$" in value or "InitPlan" in value:
                found.update(_REFERENCE.findall(value))
        elif type(value) is list:
            for item in value:
                if type(item) is str and ("$" in item or "InitPlan" in item):
                    found.update(_REFERENCE.findall(item))
    return found


def _initplan_fix(
    nodes: list[PlanNode], node_types: list[str], raws: list[dict[str, Any]], parents: list[int]
) -> None:
    initplans = [n for n in nodes if n.role == "InitPlan" and n.time_inclusive_ms]
    if not initplans:
        return
    by_token: dict[str, list[int]] = {}
    for node_id, raw in enumerate(raws):
        for token in _references(raw):
            by_token.setdefault(token, []).append(node_id)
    for initplan in initplans:
        parent_id = parents[initplan.node_id]
        if parent_id < 0 or node_types[parent_id] == "Result":
            continue  # a Result already subtracted the InitPlans it evaluates
        name = initplan.subplan_name or ""
        tokens: set[str] = set()
        match = _INITPLAN_NAME.search(name)
        if match:
            tokens.add(f"InitPlan {match.group(1)}")
        returns = name.partition("returns")[2]
        tokens.update(f"${n}" for n in _RETURNS.findall(returns))
        candidates = sorted({node_id for token in tokens for node_id in by_token.get(token, ())})
        consumers = [i for i in candidates if not _within(i, initplan.node_id, parents)]
        if consumers:
            covered: set[int] = set()
            for node_id in consumers:
                ancestor = parents[node_id]
                while ancestor >= 0 and ancestor not in covered:
                    covered.add(ancestor)
                    ancestor = parents[ancestor]
            # Only the deepest referencing nodes: an ancestor's reference is a pass-through.
            targets = [nodes[i] for i in consumers if i not in covered]
        else:
            targets = [nodes[parent_id]]
        _subtract_share(targets, initplan.time_inclusive_ms or 0.0)


def _within(node_id: int, ancestor_id: int, parents: list[int]) -> bool:
    """Whether ``node_id`` is ``ancestor_id`` or one of its descendants."""
    while node_id >= 0:
        if node_id == ancestor_id:
            return True
        if node_id < ancestor_id:
            return False  # pre-order ids: an ancestor always has a smaller id
        node_id = parents[node_id]
    return False


def _exclusive_costs_and_buffers(nodes: list[PlanNode]) -> None:
    for node in nodes:
        children = node.children
        cost = node.cost
        buffers = node.buffers
        if not children:  # leaves (most nodes of a big plan): exclusive = inclusive
            if cost is not None:
                node.cost_exclusive = cost if cost > 0 else 0.0
            if buffers:
                node.buffers_exclusive = dict(buffers)
            continue
        if cost is not None:
            for child in children:
                if child.cost is not None and child.role != "CTE":
                    cost -= child.cost
            node.cost_exclusive = max(0.0, _round(cost))
        if buffers:
            exclusive = dict(buffers)
            for child in children:
                if child.subplan_name is not None:
                    continue
                for key, value in child.buffers.items():
                    if key in exclusive:
                        exclusive[key] -= value
            for key in _TIME_BUFFER_NAMES.intersection(exclusive):
                exclusive[key] = _round(exclusive[key])
            node.buffers_exclusive = exclusive


def _header(plan: Plan, top: dict[str, Any]) -> None:
    plan.header = {k: v for k, v in top.items() if k != "Plan"}
    plan.planning_time_ms = _num(top.get("Planning Time"))
    execution = _num(top.get("Execution Time"))
    plan.execution_time_ms = execution if execution is not None else _num(top.get("Total Runtime"))
    plan.total_cost = plan.root.cost
    plan.query = _str(top.get("Query Text"))
    settings = top.get("Settings")
    if isinstance(settings, dict):
        plan.settings = dict(settings)
    triggers = top.get("Triggers")
    if isinstance(triggers, list):
        for trigger in triggers:
            if isinstance(trigger, dict):
                plan.triggers.append(
                    {
                        "name": _str(trigger.get("Trigger Name")),
                        "constraint": _str(trigger.get("Constraint Name")),
                        "relation": _str(trigger.get("Relation")),
                        "time_ms": _num(trigger.get("Time")),
                        "calls": _num(trigger.get("Calls")),
                    }
                )
    jit = top.get("JIT")
    if isinstance(jit, dict):
        timing: dict[str, float] = {}
        raw_timing = jit.get("Timing")
        if isinstance(raw_timing, dict):
            for key, value in raw_timing.items():
                number = _num(value.get("Total")) if isinstance(value, dict) else _num(value)
                if number is not None:
                    timing[str(key)] = number
        options = jit.get("Options")
        plan.jit = {
            "functions": _num(jit.get("Functions")),
            "options": dict(options) if isinstance(options, dict) else {},
            "timing": timing,
            "total_ms": timing.get("Total"),
        }
