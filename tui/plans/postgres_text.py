"""PostgreSQL ``EXPLAIN`` in TEXT format (what psql shows by default) → the same node dictionaries the
JSON format has, then the JSON parser's arithmetic. Best effort: node lines, InitPlan / SubPlan / CTE
headers, workers, and the common detail lines (Buffers, I/O Timings, WAL, Sort Method, Heap Blocks,
hash and memoize statistics, rows removed, JIT, Settings, Triggers, Planning / Execution Time) are
understood; any other ``Key: value`` line is kept verbatim in the node's ``extra``.
"""

from __future__ import annotations

import re
from typing import Any

from tui.core.errors import PlanInputError
from tui.core.plan import Plan
from tui.plans.jsontext import clean_pasted_text

_NUM = r"-?\d+(?:\.\d+)?"
_NODE = re.compile(
    r"^(?P<indent>\s*)(?P<arrow>->\s+)?(?P<name>\S.*?)"
    rf"(?:\s+\(cost=(?P<startup>{_NUM})\.\.(?P<total>{_NUM})\s+rows=(?P<rows>{_NUM})\s+width=(?P<width>\d+)\))?"
    rf"(?:\s+\((?:actual\s+(?:time=(?P<ast>{_NUM})\.\.(?P<att>{_NUM})\s+)?rows=(?P<arows>{_NUM})\s+"
    rf"loops=(?P<loops>{_NUM})|(?P<never>never\s+executed))\))?\s*$"
)
_HAS_NUMBERS = re.compile(r"\((?:cost=|actual |never executed)")
_MARKER = re.compile(
    r"^(?P<indent>\s*)(?P<text>(?:InitPlan|SubPlan)\s+\d+(?:\s+\(returns\s+[^)]*\))?|CTE\s+\S+)\s*$"
)
_WORKER = re.compile(r"^(?P<indent>\s*)Worker\s+(?P<number>\d+):\s*(?P<rest>.*)$")
_TRIGGER = re.compile(
    r"^\s*Trigger\s+(?P<name>.+?)(?:\s+for\s+constraint\s+(?P<constraint>.+?))?(?:\s+on\s+(?P<relation>\S+))?"
    rf":\s+time=(?P<time>{_NUM})\s+calls=(?P<calls>{_NUM})\s*$"
)
_PROPERTY = re.compile(r"^(?P<indent>\s*)(?P<key>[A-Za-z][A-Za-z0-9 /\-_]*?):(?:\s+(?P<value>.*?))?\s*$")
_ACTUAL = re.compile(
    rf"actual\s+(?:time=(?P<ast>{_NUM})\.\.(?P<att>{_NUM})\s+)?rows=(?P<rows>{_NUM})\s+loops=(?P<loops>{_NUM})"
)
_PAIR = re.compile(r"(\w[\w ]*?)=(\S+)")
_AGG = {
    "Aggregate": "Plain",
    "GroupAggregate": "Sorted",
    "HashAggregate": "Hashed",
    "MixedAggregate": "Mixed",
}
_JOIN = re.compile(
    r"^(?P<base>Nested Loop|Hash|Merge)(?:\s+(?P<type>Left|Right|Full|Semi|Anti|Right Anti|Right Semi))?\s+Join$"
)
_RELATION_NODES = frozenset(
    {
        "Seq Scan",
        "Index Scan",
        "Index Only Scan",
        "Bitmap Heap Scan",
        "Tid Scan",
        "Tid Range Scan",
        "Sample Scan",
        "Foreign Scan",
        "ModifyTable",
    }
)
_STRUCTURAL_KEYS = frozenset({"Plans", "Workers", "Triggers", "Plan"})
_LIST_KEYS = frozenset({"Output", "Sort Key", "Presorted Key", "Group Key", "Hash Key"})
_NUMERIC_KEYS = frozenset(
    {
        "Rows Removed by Filter",
        "Rows Removed by Join Filter",
        "Rows Removed by Index Recheck",
        "Heap Fetches",
        "Workers Planned",
        "Workers Launched",
        "Index Searches",
        "Planned Partitions",
        "Subplans Removed",
        "Query Identifier",
        "Functions",
    }
)
_TIME_KEYS = {
    "Planning Time": "Planning Time",
    "Execution Time": "Execution Time",
    "Total runtime": "Total Runtime",
}
_MULTI = {
    # Hash
    "Buckets": "Hash Buckets",
    "Batches": "Hash Batches",
    "Memory Usage": "Peak Memory Usage",
    # HashAgg (PG13+)
    "Disk Usage": "Disk Usage",
    "Planned Partitions": "Planned Partitions",
    # Memoize
    "Hits": "Cache Hits",
    "Misses": "Cache Misses",
    "Evictions": "Cache Evictions",
    "Overflows": "Cache Overflows",
}


def looks_like_postgres_text(text: str) -> bool:
    """Whether ``text`` looks like PostgreSQL's TEXT EXPLAIN (node lines with ``(cost=…`` /
    ``(actual …``, or ``->`` children under a first line that does not start with ``->``)."""
    lines = [line for line in clean_pasted_text(text).split("\n") if line.strip()]
    if not lines:
        return False
    if lines[0].lstrip().startswith("->"):
        return False  # MySQL TREE
    head = lines[:200]
    if any(_HAS_NUMBERS.search(line) and "width=" in line for line in head):
        return True
    if any(_HAS_NUMBERS.search(line) for line in head) and any(
        line.lstrip().startswith("->  ") for line in head
    ):
        return True
    return any(line.lstrip().startswith("->  ") for line in head[1:]) and not lines[0].lstrip().startswith(
        ("{", "[")
    )


def _number(text: str | None) -> int | float | None:
    if text is None:
        return None
    try:
        return int(text)
    except ValueError:
        try:
            return float(text)
        except ValueError:
            return None


def _kb(text: str) -> int | float | None:
    return _number(text.strip().removesuffix("kB").strip())


def _ms(text: str) -> int | float | None:
    return _number(text.strip().removesuffix("ms").strip())


def split_balanced(text: str, sep: str = ",") -> list[str]:
    """Split on ``sep`` outside parentheses, brackets and quotes."""
    parts: list[str] = []
    depth = 0
    quote = ""
    start = 0
    for i, ch in enumerate(text):
        if quote:
            if ch == quote:
                quote = ""
        elif ch in "'\"":
            quote = ch
        elif ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
        elif ch == sep and depth == 0:
            parts.append(text[start:i].strip())
            start = i + 1
    parts.append(text[start:].strip())
    return [p for p in parts if p]


def node_fields(name: str) -> dict[str, Any]:
    """A node's text title (``Parallel Index Scan Backward using ix on s.t a``) → JSON fields."""
    fields: dict[str, Any] = {"Parallel Aware": False}
    text = name.strip()
    if text.startswith("Parallel "):
        fields["Parallel Aware"] = True
        text = text[len("Parallel ") :]
    if text.startswith("Async "):
        fields["Async Capable"] = True
        text = text[len("Async ") :]
    for mode in ("Partial", "Finalize"):
        if text.startswith(mode + " "):
            fields["Partial Mode"] = mode
            text = text[len(mode) + 1 :]
    target = None
    index = None
    if text.startswith("Custom Scan (") and ")" in text:
        close = text.index(")")
        fields["Custom Plan Provider"] = text[len("Custom Scan (") : close]
        rest = text[close + 1 :].strip()
        text = "Custom Scan"
        if rest.startswith("on "):
            target = rest[3:]
    else:
        if " on " in text:
            text, target = text.split(" on ", 1)
        if " using " in text:
            text, index = text.split(" using ", 1)
    if text.endswith(" Backward"):
        fields["Scan Direction"] = "Backward"
        text = text[: -len(" Backward")]
    node_type = text
    join = _JOIN.match(text)
    if text in _AGG:
        node_type, fields["Strategy"] = "Aggregate", _AGG[text]
    elif text.startswith(("SetOp ", "HashSetOp ")):
        kind, _, command = text.partition(" ")
        node_type, fields["Strategy"], fields["Command"] = (
            "SetOp",
            "Hashed" if kind == "HashSetOp" else "Sorted",
            command,
        )
    elif text == "Nested Loop" or join:
        base = join.group("base") if join else "Nested Loop"
        node_type = {"Nested Loop": "Nested Loop", "Hash": "Hash Join", "Merge": "Merge Join"}[base]
        fields["Join Type"] = (join.group("type") if join else None) or "Inner"
    elif text in ("Insert", "Update", "Delete", "Merge") and target is not None:
        node_type, fields["Operation"] = "ModifyTable", text
    elif text.startswith("Foreign ") and text != "Foreign Scan":
        node_type, fields["Operation"] = "Foreign Scan", text[len("Foreign ") :]
    fields["Node Type"] = node_type
    if index:
        fields["Index Name"] = index
    if target:
        _target_fields(fields, node_type, target)
    return fields


def _target_fields(fields: dict[str, Any], node_type: str, target: str) -> None:
    if target.startswith('"'):
        end = target.find('"', 1)
        head, alias = target[: end + 1], target[end + 1 :].strip()
    else:
        head, _, alias = target.partition(" ")
    if node_type == "Bitmap Index Scan":
        fields["Index Name"] = head
        return
    schema, _, name = head.rpartition(".") if "." in head and not head.startswith('"') else ("", "", head)
    if node_type in _RELATION_NODES:
        fields["Relation Name"] = name
    elif node_type in ("CTE Scan", "WorkTable Scan"):
        fields["CTE Name"] = name
    elif node_type == "Function Scan":
        fields["Function Name"] = name
    elif node_type == "Table Function Scan":
        fields["Table Function Name"] = name
    elif node_type == "Named Tuplestore Scan":
        fields["Tuplestore Name"] = name
    else:
        fields["Alias"] = head
        return
    if schema:
        fields["Schema"] = schema
    fields["Alias"] = alias or name


def _set_actuals(target: dict[str, Any], groups: dict[str, str | None]) -> None:
    if groups.get("ast") is not None:
        target["Actual Startup Time"] = _number(groups["ast"])
        target["Actual Total Time"] = _number(groups["att"])
    target["Actual Rows"] = _number(groups["arows"] if "arows" in groups else groups.get("rows"))
    target["Actual Loops"] = _number(groups["loops"])


def _buffers(target: dict[str, Any], value: str) -> None:
    for part in value.split(","):
        words = part.split()
        if not words:
            continue
        scope = words[0].capitalize()
        for item in words[1:]:
            kind, _, amount = item.partition("=")
            if scope in ("Shared", "Local", "Temp") and amount:
                target[f"{scope} {kind.capitalize()} Blocks"] = _number(amount)


def _io_timings(target: dict[str, Any], value: str) -> None:
    for part in value.split(","):
        words = part.split()
        if not words:
            continue
        scope = "" if "=" in words[0] else words[0]
        items = words if not scope else words[1:]
        for item in items:
            kind, _, amount = item.partition("=")
            op = "Read" if kind == "read" else "Write"
            key = f"I/O {op} Time" if scope in ("", "shared/local") else f"{scope.capitalize()} I/O {op} Time"
            target[key] = _number(amount)


def _wal(target: dict[str, Any], value: str) -> None:
    names = {
        "records": "WAL Records",
        "fpi": "WAL FPI",
        "bytes": "WAL Bytes",
        "buffers full": "WAL Buffers Full",
    }
    for kind, amount in _PAIR.findall(value):
        key = names.get(kind.strip())
        if key:
            target[key] = _number(amount)


def _multi(target: dict[str, Any], text: str) -> None:
    """``Buckets: 1024 (originally 512)  Batches: 2  Memory Usage: 9kB`` and similar lines."""
    is_agg = target.get("Node Type") == "Aggregate"
    for chunk in re.split(r"\s{2,}", text.strip()):
        key, _, value = chunk.partition(":")
        key, value = key.strip(), value.strip()
        original = re.search(r"\(originally\s+(\d+)\)", value)
        value = re.sub(r"\s*\(originally\s+\d+\)", "", value)
        name = "HashAgg Batches" if key == "Batches" and is_agg else _MULTI.get(key, key)
        target[name] = (
            _kb(value) if value.endswith("kB") else (_number(value) if _number(value) is not None else value)
        )
        if original and name in ("Hash Buckets", "Hash Batches"):
            target[f"Original {name}"] = int(original.group(1))


def _property(target: dict[str, Any], key: str, value: str, top: dict[str, Any]) -> None:
    if key == "Buffers":
        _buffers(target, value)
    elif key == "I/O Timings":
        _io_timings(target, value)
    elif key == "WAL":
        _wal(target, value)
    elif key == "Sort Method":
        method, _, space = value.partition("  ")
        target["Sort Method"] = method.strip()
        kind, _, amount = space.strip().partition(":")
        if amount:
            target["Sort Space Type"] = kind.strip()
            target["Sort Space Used"] = _kb(amount)
    elif key == "Heap Blocks":
        for kind, amount in _PAIR.findall(value):
            target[f"{kind.strip().capitalize()} Heap Blocks"] = _number(amount)
    elif key in ("Buckets", "Batches", "Hits", "Memory Usage", "Disk Usage") or (
        key == "Planned Partitions" and "  " in value
    ):
        _multi(target, f"{key}: {value}")
    elif key in _TIME_KEYS and target is top:
        top[_TIME_KEYS[key]] = _ms(value)
    elif key == "Memory" and "used=" in value:
        for kind, amount in _PAIR.findall(value):
            target[f"Memory {kind.strip().capitalize()}"] = _kb(amount)
    elif key == "Serialization" and "time=" in value:
        serialization: dict[str, Any] = {}
        for kind, amount in re.findall(r"(\w+)=(\S+(?:\s+ms)?)", value):
            if kind == "time":
                serialization["Time"] = _ms(amount)
            elif kind == "output":
                serialization["Output Volume"] = _kb(amount)
            elif kind == "format":
                serialization["Format"] = amount
        target["Serialization"] = serialization
    elif key == "Settings":
        settings: dict[str, str] = {}
        for item in split_balanced(value):
            name, _, setting = item.partition("=")
            settings[name.strip()] = setting.strip().strip("'")
        target["Settings"] = settings
    elif key == "Options":
        options: dict[str, Any] = {}
        for item in split_balanced(value):
            name, _, flag = item.strip().partition(" ")
            options[name] = flag.strip() == "true"
        target["Options"] = options
    elif key == "Timing" and "ms" in value:
        timing: dict[str, Any] = {}
        for item in split_balanced(value):
            name, _, amount = item.strip().partition(" ")
            timing[name] = _ms(re.sub(r"\s*\(.*\)", "", amount))
        target["Timing"] = timing
    elif key in _NUMERIC_KEYS and _number(value) is not None:
        target[key] = _number(value)
    elif key in _LIST_KEYS:
        target[key] = split_balanced(value)
    else:
        target[key] = value


def parse_postgres_text(text: str) -> Plan:
    """Parse PostgreSQL TEXT-format EXPLAIN output into a Plan (PlanInputError when it is not one)."""
    from tui.plans.postgres import build_plan

    try:
        top, warnings = text_to_json(text)
    except PlanInputError:
        raise
    except (AttributeError, TypeError, ValueError, KeyError, IndexError, RecursionError) as exc:
        # Every known oddity has its own check and test; this keeps the promise for the unknown ones.
        raise PlanInputError(f"could not read this text plan ({type(exc).__name__}: {exc})") from None
    plan = build_plan(top, warnings, plan_format="postgresql-text")
    plan.raw = text
    return plan


def text_to_json(text: str) -> tuple[dict[str, Any], list[str]]:
    """The TEXT format rebuilt as the JSON format's top-level object (``{"Plan": …, …}``), with
    warnings about lines that were not understood."""
    top: dict[str, Any] = {}
    root: dict[str, Any] | None = None
    # (indent, kind, object): kind "node" | "marker" | "worker" | "section"
    stack: list[tuple[int, str, Any]] = []
    unread = 0
    for line in clean_pasted_text(text).split("\n"):
        if not line.strip():
            continue
        line = line.replace("\t", "    ")
        indent = len(line) - len(line.lstrip())
        stripped = line.strip()
        if stripped.startswith("QUERY PLAN"):
            continue
        marker = _MARKER.match(line)
        if marker and root is not None:
            while stack and stack[-1][0] >= indent:
                stack.pop()
            owner = _owner_node(stack)
            if owner is None:
                unread += 1
                continue
            relationship = "SubPlan" if marker.group("text").startswith("SubPlan") else "InitPlan"
            stack.append((indent, "marker", (owner, relationship, marker.group("text"))))
            continue
        node = _NODE.match(line)
        is_node = node is not None and (
            node.group("arrow") is not None
            or (
                _HAS_NUMBERS.search(stripped) is not None
                and (node.group("total") or node.group("loops") or node.group("never"))
            )
            or (root is None and _PROPERTY.match(line) is None and _TRIGGER.match(line) is None)
        )
        if is_node and node is not None:
            fields = node_fields(node.group("name"))
            if node.group("total") is not None:
                fields["Startup Cost"] = _number(node.group("startup"))
                fields["Total Cost"] = _number(node.group("total"))
                fields["Plan Rows"] = _number(node.group("rows"))
                fields["Plan Width"] = _number(node.group("width"))
            if node.group("never"):
                fields["Actual Rows"] = 0
                fields["Actual Loops"] = 0
            elif node.group("loops") is not None:
                _set_actuals(fields, node.groupdict())
            depth = indent
            if root is None:
                root = fields
                top["Plan"] = root
                stack = [(depth, "node", root)]
                continue
            while stack and stack[-1][0] >= depth:
                stack.pop()
            if not stack:
                break  # a second statement's plan: keep the first
            _attach(stack[-1], fields)
            stack.append((depth, "node", fields))
            continue
        trigger = _TRIGGER.match(line)
        if trigger:
            _list_at(top, "Triggers").append(
                {
                    "Trigger Name": trigger.group("name"),
                    **(
                        {"Constraint Name": trigger.group("constraint")}
                        if trigger.group("constraint")
                        else {}
                    ),
                    **({"Relation": trigger.group("relation")} if trigger.group("relation") else {}),
                    "Time": _number(trigger.group("time")),
                    "Calls": _number(trigger.group("calls")),
                }
            )
            continue
        worker = _WORKER.match(line)
        if worker and root is not None:
            while stack and stack[-1][0] >= indent:
                stack.pop()
            owner = _owner_node(stack)
            if owner is None:
                unread += 1
                continue
            workers = _list_at(owner, "Workers")
            number = int(worker.group("number"))
            entry = next((w for w in workers if w.get("Worker Number") == number), None)
            if entry is None:
                entry = {"Worker Number": number}
                workers.append(entry)
            rest = worker.group("rest")
            actual = _ACTUAL.search(rest)
            if actual:
                _set_actuals(entry, actual.groupdict())
                rest = rest[actual.end() :].strip()
            prop = _PROPERTY.match(rest) if rest else None
            if prop and prop.group("value"):
                _property(entry, prop.group("key"), prop.group("value"), top)
            stack.append((indent, "worker", entry))
            continue
        prop = _PROPERTY.match(line)
        if prop:
            while stack and stack[-1][0] >= indent:
                stack.pop()
            target = stack[-1][2] if stack and stack[-1][1] in ("node", "worker", "section") else top
            if stack and stack[-1][1] == "marker":
                target = stack[-1][2][0]
            key, value = prop.group("key"), prop.group("value")
            if key in _STRUCTURAL_KEYS:  # PostgreSQL never prints these as text lines
                unread += 1
                continue
            if value is None:
                section: dict[str, Any] = {}
                target[key] = section
                stack.append((indent, "section", section))
            else:
                _property(target, key, value, top)
            continue
        unread += 1
    if root is None:
        raise PlanInputError(
            "no plan node found: this is not PostgreSQL EXPLAIN output (expected lines such as "
            "'Seq Scan on t  (cost=0.00..1.00 rows=1 width=4)')"
        )
    _relationships(root)
    warnings = [f"{unread} line(s) of the text plan were not understood and were skipped"] if unread else []
    return top, warnings


def _list_at(target: dict[str, Any], key: str) -> list[Any]:
    """``target[key]`` as a list, replacing whatever a stray ``Key: value`` line put there."""
    value = target.get(key)
    if not isinstance(value, list):
        value = target[key] = []
    return value


def _owner_node(stack: list[tuple[int, str, Any]]) -> dict[str, Any] | None:
    for _, kind, obj in reversed(stack):
        if kind == "node":
            return obj  # type: ignore[no-any-return]
        if kind == "marker":
            return obj[0]  # type: ignore[no-any-return]
    return None


def _attach(parent_entry: tuple[int, str, Any], child: dict[str, Any]) -> None:
    _, kind, obj = parent_entry
    if kind == "marker":
        owner, relationship, name = obj
        child["Parent Relationship"] = relationship
        child["Subplan Name"] = name
        _list_at(owner, "Plans").append(child)
    elif kind == "node":
        _list_at(obj, "Plans").append(child)
    else:
        raise PlanInputError("a plan node appears inside a detail section: the text plan is malformed")


def _relationships(root: dict[str, Any]) -> None:
    """The text format omits Parent Relationship for ordinary children; infer it as PostgreSQL sets it."""
    stack = [root]
    while stack:
        node = stack.pop()
        children = node.get("Plans")
        if not isinstance(children, list):
            continue
        node_type = node.get("Node Type")
        position = 0
        for child in children:
            if not isinstance(child, dict):
                continue
            if "Parent Relationship" not in child:
                if node_type in ("Append", "Merge Append", "BitmapAnd", "BitmapOr"):
                    child["Parent Relationship"] = "Member"
                elif node_type == "Subquery Scan":
                    child["Parent Relationship"] = "Subquery"
                else:
                    child["Parent Relationship"] = "Outer" if position == 0 else "Inner"
                position += 1
            stack.append(child)
