"""MySQL ``EXPLAIN FORMAT=TREE`` and ``EXPLAIN ANALYZE`` text → the neutral PlanNode tree.

One iterator per line, ``-> description  (cost=… rows=…) (actual time=first..last rows=r loops=l)``,
nested by indentation. Lines that do not start with ``->`` continue the previous iterator (the
manual wraps long lines that way). Headings such as ``-> Hash`` or ``-> Select #2 (subquery in
condition; dependent)`` carry no numbers and become nodes of their own, so the tree has exactly one
node per line. When several iterators sit at the top level (a projection subquery is printed beside
the main plan), a ``Query`` node holds them.

``actual time`` and ``rows`` are averages per loop: the node's total time is the last-row time ×
loops. Numbers may be printed in engineering notation (``719e-6``, ``1e+6``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from tui.core.errors import PlanInputError
from tui.core.plan import Plan, PlanNode
from tui.plans.mysql_common import MAX_DEPTH, describe_iterator, finalize, to_float

_TRAILER = re.compile(r"\s*\((?P<body>(?:cost=|rows=|actual |never executed)[^()]*)\)\s*$")
_PAIR = re.compile(r"(actual time|actual rows|cost|rows|loops|time)=(\S+)")


@dataclass
class _Line:
    indent: int
    text: str
    children: list[_Line] = field(default_factory=list)


def looks_like_tree(text: str) -> bool:
    return _strip_label(text).lstrip().startswith("->")


def parse_tree_text(text: str) -> Plan:
    """Parse TREE / EXPLAIN ANALYZE text (optionally prefixed with ``EXPLAIN:`` as ``\\G`` prints it)."""
    body = _strip_label(text)
    lines = _collect(body)
    if not lines:
        raise PlanInputError("no iterator lines ('-> …') found")
    roots = _nest(lines)
    nodes = [_node(line, 0) for line in roots]
    if len(nodes) == 1:
        root = nodes[0]
    else:
        root = PlanNode(operation="Query", children=nodes, extra={"synthetic": True})
        timed = [n.time_inclusive_ms for n in nodes if n.time_inclusive_ms is not None]
        root.time_inclusive_ms = sum(timed) if timed else None
    analyzed = any(n.loops is not None for n in root.walk())
    plan = Plan(
        engine="mysql",
        format="mysql-analyze" if analyzed else "mysql-tree",
        root=root,
        analyzed=analyzed,
        raw=text,
    )
    plan.total_cost = root.cost if root.cost is not None else _first_cost(root)
    if analyzed:
        # A scan of a materialized temporary table reports less time than the iterator that filled
        # it; the query took at least as long as its slowest iterator.
        times = [n.time_inclusive_ms for n in root.walk() if n.time_inclusive_ms is not None]
        plan.execution_time_ms = max(times) if times else None
    return finalize(plan)


def _strip_label(text: str) -> str:
    stripped = text.lstrip("\ufeff \t\r\n")
    for label in ("EXPLAIN:", "EXPLAIN ANALYZE:", "ANALYZE:"):
        if stripped.upper().startswith(label):
            return stripped[len(label) :].lstrip(" \t")
    return stripped


def _collect(body: str) -> list[_Line]:
    lines: list[_Line] = []
    for raw in body.splitlines():
        if not raw.strip():
            continue
        expanded = raw.expandtabs(4)
        content = expanded.lstrip(" ")
        if content.startswith("->"):
            indent = len(expanded) - len(content)
            lines.append(_Line(indent, content[2:].strip()))
        elif lines:
            lines[-1].text = f"{lines[-1].text} {content.strip()}"
        else:
            raise PlanInputError("the text does not start with an iterator line ('-> …')")
    return lines


def _nest(lines: list[_Line]) -> list[_Line]:
    roots: list[_Line] = []
    stack: list[_Line] = []
    for line in lines:
        while stack and stack[-1].indent >= line.indent:
            stack.pop()
        if stack:
            stack[-1].children.append(line)
        else:
            roots.append(line)
        if len(stack) >= MAX_DEPTH:
            raise PlanInputError("the plan is nested too deeply to be a real EXPLAIN output")
        stack.append(line)
    return roots


def _node(line: _Line, depth: int) -> PlanNode:
    description, numbers = _split_numbers(line.text)
    info = describe_iterator(description)
    node = PlanNode(
        operation=info["operation"],
        object=info.get("object"),
        index=info.get("index"),
        access_type=info.get("access_type"),
        extra={"description": description, **numbers.pop("_raw", {})},
    )
    if info.get("filter"):
        node.filter = info["filter"]
    if info.get("join_algorithm"):
        node.extra["join_algorithm"] = info["join_algorithm"]
    if description.startswith("Select #"):
        node.role = "Subquery"
        node.subplan_name = description
    node.cost = numbers.get("cost")
    node.startup_cost = numbers.get("startup_cost")
    node.rows_estimated = numbers.get("rows_estimated")
    if numbers.get("never_executed"):
        node.loops = 0.0
        node.rows_actual = 0.0
        node.time_inclusive_ms = 0.0
        node.never_executed = True
    elif numbers.get("loops") is not None:
        node.loops = numbers["loops"]
        node.rows_actual = numbers.get("rows_actual")
        last = numbers.get("last_row_ms")
        if last is not None:
            node.time_inclusive_ms = last * node.loops
    node.children = [_node(child, depth + 1) for child in line.children]
    if not numbers and node.time_inclusive_ms is None:
        # A heading (``-> Hash``, ``-> Select #2 (…)``) has no figures of its own: it took what its
        # children took.
        timed = [c.time_inclusive_ms for c in node.children if c.time_inclusive_ms is not None]
        if timed:
            node.time_inclusive_ms = sum(timed)
    return node


def _split_numbers(text: str) -> tuple[str, dict]:
    """Peel the trailing ``(cost=… rows=…)`` / ``(actual …)`` / ``(never executed)`` groups off."""
    numbers: dict = {"_raw": {}}
    rest = text
    while True:
        match = _TRAILER.search(rest)
        if not match:
            break
        body = match.group("body")
        rest = rest[: match.start()]
        if body.startswith("never executed"):
            numbers["never_executed"] = True
            numbers["_raw"]["actual"] = "never executed"
            continue
        pairs = dict(_PAIR.findall(body))
        if body.startswith("actual"):
            numbers["_raw"]["actual"] = body
            if "actual time" in pairs:
                first, _, last = pairs["actual time"].partition("..")
                numbers["first_row_ms"] = to_float(first)
                numbers["last_row_ms"] = to_float(last) if last else to_float(first)
            numbers["rows_actual"] = to_float(pairs.get("rows", pairs.get("actual rows")))
            numbers["loops"] = to_float(pairs.get("loops"))
        else:
            numbers["_raw"]["estimate"] = body
            if "cost" in pairs:
                first, _, last = pairs["cost"].partition("..")
                if last:
                    numbers["startup_cost"] = to_float(first)
                    numbers["cost"] = to_float(last)
                else:
                    numbers["cost"] = to_float(first)
            numbers["rows_estimated"] = to_float(pairs.get("rows"))
    return rest.strip(), numbers


def _first_cost(root: PlanNode) -> float | None:
    for node in root.walk():
        if node.cost is not None:
            return node.cost
    return None
