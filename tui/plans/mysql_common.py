"""Shared pieces of the MySQL/MariaDB plan parsers: access-type vocabulary (Workbench labels and
colours), number parsing, JSON decoding that tolerates the test suite's ``/* name */`` end markers,
operation labels for iterator descriptions, and the derived metrics every parsed tree gets.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from tui.core.errors import PlanInputError
from tui.core.plan import Plan

# access_type → (Workbench Visual Explain label, Workbench colour). The colour is a class the UI maps to
# its theme: blue = very cheap, green = index lookup, yellow = specialised, orange = range/subquery
# lookup, red = scans everything.
ACCESS_TYPES: dict[str, tuple[str, str]] = {
    "system": ("Single row: system constant", "blue"),
    "const": ("Single row: constant", "blue"),
    "eq_ref": ("Unique key lookup", "green"),
    "ref": ("Non-unique key lookup", "green"),
    "fulltext": ("Fulltext index search", "yellow"),
    "ref_or_null": ("Key lookup + fetch NULL values", "green"),
    "index_merge": ("Index merge", "green"),
    "unique_subquery": ("Unique key lookup into table of subquery", "orange"),
    "index_subquery": ("Non-unique key lookup into table of subquery", "orange"),
    "range": ("Index range scan", "orange"),
    "index": ("Full index scan", "red"),
    "ALL": ("Full table scan", "red"),
}

MAX_DEPTH = 200  # deeper nesting than any real plan: refuse instead of recursing without end


def access_colour(access_type: str | None) -> str | None:
    """Workbench colour class of an access type (``red`` for ALL/index, …), None when unknown."""
    if access_type is None:
        return None
    entry = ACCESS_TYPES.get(access_type)
    return entry[1] if entry else None


def to_float(value: Any) -> float | None:
    """A JSON number or a numeric string (MySQL prints costs as ``"3.67"``) → float; else None."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            return None
    else:
        return None
    if math.isnan(number) or math.isinf(number):
        return None
    return number


def strip_end_markers(text: str) -> str:
    """Remove ``/* name */`` comments outside JSON strings (``end_markers_in_json=on`` output).

    Comments inside string values (``"/* select#2 */ select …"``) are part of the data and stay."""
    out: list[str] = []
    i, n = 0, len(text)
    start = 0
    while i < n:
        ch = text[i]
        if ch == '"':
            i += 1
            while i < n and text[i] != '"':
                i += 2 if text[i] == "\\" else 1
            i += 1
            continue
        if ch == "/" and text.startswith("/*", i):
            close = text.find("*/", i + 2)
            if close < 0:
                break
            out.append(text[start:i])
            i = start = close + 2
            continue
        i += 1
    out.append(text[start:])
    return "".join(out)


def load_json(text: str) -> Any:
    """Decode JSON, retrying once without end markers; PlanInputError when it is not JSON."""
    try:
        return json.loads(text, strict=False)
    except json.JSONDecodeError as first:
        if "/*" not in text:
            raise PlanInputError(f"not valid JSON: {first.msg} at line {first.lineno}") from None
    except RecursionError:
        raise PlanInputError("the JSON is nested too deeply to be a plan") from None
    try:
        return json.loads(strip_end_markers(text), strict=False)
    except json.JSONDecodeError as exc:
        raise PlanInputError(f"not valid JSON: {exc.msg} at line {exc.lineno}") from None
    except RecursionError:
        raise PlanInputError("the JSON is nested too deeply to be a plan") from None


_LABEL_PATTERNS: list[tuple[re.Pattern[str], str | None]] = [
    # (pattern over an iterator description, access type it implies)
    (re.compile(r"^Table scan on (?P<obj>.+?)(?:, with .*)?$"), "ALL"),
    (
        re.compile(
            r"^(?P<prefix>Single-row |Multi-range |Full-text )?(?P<cov>[Cc]overing )?[Ii]ndex "
            r"(?P<op>range scan|skip scan for grouping|skip scan for deduplication|skip scan|"
            r"distance scan|scan|lookup|search) on (?P<obj>.+?) using (?P<idx>\S+)"
        ),
        None,
    ),
    (re.compile(r"^Index range scan on (?P<obj>.+?) \(re-planned for each iteration\)"), "range"),
    (re.compile(r"^Constant row from (?P<obj>.+)$"), "const"),
    (re.compile(r"^Count rows in (?P<obj>.+)$"), None),
    (re.compile(r"^Scan new records on (?P<obj>.+)$"), None),
    (re.compile(r"^Sort-deduplicate by row ID"), "index_merge"),
]


def describe_iterator(description: str) -> dict[str, Any]:
    """Split a TREE/v2 iterator description into operation, object, index, access type and filter.

    ``Index lookup on payment using idx_fk_staff_id (staff_id=staff.staff_id)`` → operation
    ``Index lookup``, object ``payment``, index ``idx_fk_staff_id``, access ``ref``."""
    text = description.strip()
    info: dict[str, Any] = {"operation": text, "object": None, "index": None, "access_type": None}
    for pattern, access in _LABEL_PATTERNS:
        match = pattern.match(text)
        if not match:
            continue
        groups = match.groupdict()
        info["object"] = groups.get("obj")
        info["index"] = groups.get("idx")
        op = groups.get("op")
        if op is not None:
            prefix = (groups.get("prefix") or "").strip()
            covering = "Covering index" if groups.get("cov") else "Index"
            head = f"{covering} {op}"
            info["operation"] = f"{prefix} {head.lower()}" if prefix else head
            info["access_type"] = _index_op_access(op, prefix)
        else:
            info["operation"] = text.split(" on ", 1)[0] if " on " in text else text
            info["access_type"] = access
        if info["object"]:
            info["object"] = info["object"].strip()
        return info
    if ":" in text:
        head, _, rest = text.partition(":")
        if head and "(" not in head and len(head) <= 60:
            info["operation"] = head.strip()
            if head.strip() == "Filter":
                info["filter"] = rest.strip()
            else:
                info["detail"] = rest.strip()
            return info
    if re.match(r"^(Inner |Left |Outer )?hash join|^Hash (antijoin|semijoin)", text, re.I):
        head = re.split(r" \(| \[", text, maxsplit=1)[0]
        info["operation"] = head
        info["join_algorithm"] = "hash"
        return info
    if text.startswith("Select #") or text == "Hash":
        return info
    head = text.split(" (", 1)[0]
    info["operation"] = head or text
    return info


def _index_op_access(op: str, prefix: str) -> str:
    if op == "lookup":
        return "eq_ref" if prefix == "Single-row" else "ref"
    if op == "search":
        return "fulltext"
    if op in ("scan", "distance scan"):
        return "index"
    return "range"  # range scan, skip scans


def finalize(plan: Plan) -> Plan:
    """Number the nodes, derive exclusive time/cost, totals, estimate factors and time shares."""
    nodes = list(plan.root.walk())
    for number, node in enumerate(nodes, start=1):
        node.node_id = number
    for node in reversed(nodes):  # children before parents
        if node.loops is not None and node.loops == 0:
            node.never_executed = True
        if node.rows_actual is not None and node.loops is not None:
            node.rows_actual_total = node.rows_actual * node.loops
        if node.time_inclusive_ms is not None:
            below = sum(c.time_inclusive_ms or 0.0 for c in node.children)
            node.time_exclusive_ms = max(0.0, node.time_inclusive_ms - below)
        if node.cost is not None:
            below_cost = sum(c.cost or 0.0 for c in node.children)
            node.cost = round(node.cost, 6)
            node.cost_exclusive = round(max(0.0, node.cost - below_cost), 6)
        if node.rows_estimated is not None and node.rows_actual is not None and not node.never_executed:
            est = max(node.rows_estimated, 1.0)
            act = max(node.rows_actual, 1.0)
            node.estimate_factor = max(act / est, est / act)
            if act > est:
                node.estimate_direction = "under"
            elif est > act:
                node.estimate_direction = "over"
    plan.analyzed = plan.analyzed or any(n.rows_actual is not None or n.time_inclusive_ms for n in nodes)
    total = plan.total_time_ms
    if total:
        for node in nodes:
            if node.time_exclusive_ms is not None:
                node.time_share = min(1.0, node.time_exclusive_ms / total)
    return plan


def require_dict(value: Any, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise PlanInputError(f"{what} is not a JSON object")
    return value


def scalar_extra(obj: dict[str, Any], structural: frozenset[str]) -> dict[str, Any]:
    """The node's own fields, verbatim, without the nested plan structures that become children."""
    return {key: value for key, value in obj.items() if key not in structural}
