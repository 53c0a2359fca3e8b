"""PostgreSQL ``EXPLAIN`` in TEXT format (what psql shows by default) → the same node dictionaries the
JSON format has, then the JSON parser's arithmetic. Best effort: node lines, InitPlan / SubPlan / CTE
headers, workers, and the common detail lines (Buffers, I/O Timings, WAL, Sort Method, Heap Blocks,
hash and memoize statistics, rows removed, JIT, Settings, Triggers, Planning / Execution Time) are
understood; any other ``Key: value`` line is kept verbatim in the node's ``extra``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tui.core.errors import Cancelled, PlanInputError
from tui.core.plan import Plan
from tui.plans.pgframe import unframe

_NUM = r"-?\d+(?:\.\d+)?"
_COST = re.compile(
    rf"\(cost=(?P<startup>{_NUM})\.\.(?P<total>{_NUM}) rows=(?P<rows>{_NUM}) width=(?P<width>\d+)\)"
)
_ACTUAL_PART = re.compile(
    rf"\(actual (?:time=(?P<ast>{_NUM})\.\.(?P<att>{_NUM}) )?rows=(?P<arows>{_NUM}) loops=(?P<loops>{_NUM})\)"
)
_HAS_NUMBERS = re.compile(r"\((?:cost=|actual |never executed)")
_MARKER = re.compile(
    r"^(?P<indent>\s*)(?P<text>(?:InitPlan|SubPlan)(?:\s+\d+)?(?:\s+\(returns\s+[^)]*\))?|CTE\s+\S+)\s*$"
)
_WORKER = re.compile(r"^(?P<indent>\s*)Worker\s+(?P<number>\d+):\s*(?P<rest>.*)$")
_KEY = re.compile(r"[A-Za-z][A-Za-z0-9 /\-_]*")
_ACTUAL = re.compile(
    rf"actual\s+(?:time=(?P<ast>{_NUM})\.\.(?P<att>{_NUM})\s+)?rows=(?P<rows>{_NUM})\s+loops=(?P<loops>{_NUM})"
)
# Every node type PostgreSQL's explain.c prints (8.x to 18), for plans without numbers (COSTS OFF).
_NODE_NAME = re.compile(
    r"(?:(?:Parallel|Async|Partial|Finalize) )*(?:Result|ProjectSet|Insert|Update|Delete|Merge|Append|"
    r"Merge Append|Recursive Union|BitmapAnd|BitmapOr|Nested Loop|Seq Scan|Sample Scan|Gather|Gather Merge|"
    r"Index Scan|Index Only Scan|Bitmap Index Scan|Bitmap Heap Scan|Tid Scan|Tid Range Scan|Subquery Scan|"
    r"Function Scan|Table Function Scan|Values Scan|CTE Scan|Named Tuplestore Scan|WorkTable Scan|"
    r"Foreign Scan|Foreign Insert|Foreign Update|Foreign Delete|Custom Scan|Materialize|Memoize|Sort|"
    r"Incremental Sort|Group|Aggregate|GroupAggregate|HashAggregate|MixedAggregate|WindowAgg|Unique|SetOp|"
    r"HashSetOp|LockRows|Limit|Hash|Hash Join|Merge Join|Nested Loop \w+(?: \w+)? Join|"
    r"(?:Hash|Merge) \w+(?: \w+)? Join|Subplan Scan|Window Aggregate)(?=$| |\()"
)
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
_TIME_KEYS = {  # lower case: 9.4–9.6 print "Planning time" / "Execution time"; before 9.4 "Total runtime"
    "planning time": "Planning Time",
    "execution time": "Execution Time",
    "total runtime": "Total Runtime",
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


@dataclass(slots=True)
class NodeLine:
    """One plan node line split into its parts (``None`` when the line is not a node line)."""

    indent: int
    arrow: bool
    name: str
    cost: dict[str, str] | None
    actual: dict[str, str] | None
    never: bool


def split_node_line(line: str) -> NodeLine | None:
    """``   ->  Seq Scan on t  (cost=…) (actual …)`` → its parts, by searching from the right for the
    number groups (a regex with a lazy name and optional groups backtracks quadratically on long lines).
    PlanInputError when the line has a number group that cannot be read whole."""
    stripped = line.lstrip()
    indent = len(line) - len(stripped)
    arrow = stripped.startswith("->")
    text = stripped[2:].lstrip() if arrow else stripped
    text = text.rstrip()
    actual = None
    never = False
    if text.endswith("(never executed)"):
        never = True
        text = text[: -len("(never executed)")].rstrip()
    else:
        at = text.rfind("(actual ")
        if at >= 0 and text.endswith(")"):
            match = _ACTUAL_PART.fullmatch(text, at)
            if match is None:
                raise PlanInputError(f"the node's actual numbers cannot be read: {text[at:][:80]!r}")
            actual = match.groupdict()
            text = text[:at].rstrip()
        elif at >= 0 or text.endswith(("(actual", "(never")):
            raise PlanInputError(f"the node's actual numbers are cut off: {text[at:][:80]!r}")
    cost = None
    at = text.rfind("(cost=")
    if at >= 0:
        match = _COST.fullmatch(text, at)
        if match is None:
            raise PlanInputError(f"the node's cost cannot be read: {text[at:][:80]!r}")
        cost = match.groupdict()
        text = text[:at].rstrip()
    if not text:
        return None
    if not arrow and cost is None and actual is None and not never and not _NODE_NAME.match(text):
        return None
    return NodeLine(indent, arrow, text, cost, actual, never)


def looks_like_postgres_text(text: str) -> bool:
    """Whether ``text`` holds PostgreSQL's TEXT EXPLAIN: a node line with PostgreSQL's own numbers
    (``(cost=a..b rows=n width=w)``), or ``->  `` children (two spaces, as PostgreSQL indents) under a
    node name PostgreSQL prints. PostgreSQL syntax wins over a leading ``->``."""
    return sniff_postgres_text(text) is not None


def sniff_postgres_text(text: str, lines: list[str] | None = None) -> str | None:
    """Why ``text`` is PostgreSQL text (a short reason with the line number), or None. ``lines``: the
    text already unframed."""
    if lines is None:
        lines = unframe(text).lines
    arrows = 0
    named_at = None
    for number, line in enumerate(lines[:2000], 1):
        stripped = line.strip()
        if not stripped:
            continue
        if "(cost=" in stripped and " width=" in stripped and _COST.search(stripped):
            return f"a node line with PostgreSQL's (cost=… rows=… width=…) at line {number}"
        if not stripped.startswith("->") and stripped.endswith(("loops=1)", ")")) and "(actual " in stripped:
            at = stripped.rfind("(actual ")
            if _ACTUAL_PART.fullmatch(stripped, at) and _NODE_NAME.match(stripped):
                return f"a PostgreSQL node name with (actual …) numbers at line {number}"
        body = stripped[2:].lstrip() if stripped.startswith("->") else stripped
        if stripped.startswith("->  ") and _NODE_NAME.match(body):
            arrows += 1
            if named_at is None:
                named_at = number
        elif named_at is None and _NODE_NAME.fullmatch(
            body.split("  (")[0].split(" on ")[0].split(" using ")[0]
        ):
            named_at = number
        if arrows >= 1 and named_at is not None:
            return f"PostgreSQL node names with '->  ' children from line {named_at}"
    if named_at is not None and _NODE_NAME.match(lines[named_at - 1].strip()):
        only = [line for line in lines if line.strip()]
        if len(only) <= 40:
            return f"a PostgreSQL node name at line {named_at} (a plan without costs)"
    return None


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


def pairs(text: str) -> list[tuple[str, str]]:
    """``records=1 fpi=0 buffers full=2`` → [("records", "1"), …]; the words before a ``key=value`` token
    belong to its key. One pass over the words (the regex this replaces backtracked on long lines)."""
    found: list[tuple[str, str]] = []
    words: list[str] = []
    for token in text.replace(",", " ").split():
        if "=" in token:
            key, _, value = token.partition("=")
            found.append((" ".join([*words, key]).strip(), value))
            words = []
        else:
            words.append(token)
    return found


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
    for kind, amount in pairs(value):
        key = names.get(kind)
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
        for kind, amount in pairs(value):
            target[f"{kind.capitalize()} Heap Blocks"] = _number(amount)
    elif key in ("Buckets", "Batches", "Hits", "Memory Usage", "Disk Usage") or (
        key == "Planned Partitions" and "  " in value
    ):
        _multi(target, f"{key}: {value}")
    elif key.lower() in _TIME_KEYS and target is top:
        top[_TIME_KEYS[key.lower()]] = _ms(value)
    elif key == "Memory" and "used=" in value:
        for kind, amount in pairs(value):
            target[f"Memory {kind.capitalize()}"] = _kb(amount)
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


def parse_postgres_text(text: str, should_stop: Callable[[], bool] | None = None) -> Plan:
    """Parse PostgreSQL TEXT-format EXPLAIN output into a Plan (PlanInputError when it is not one)."""
    from tui.plans.postgres import build_plan

    unframed = unframe(text)
    try:
        top, warnings = lines_to_json(unframed.lines, should_stop)
    except (PlanInputError, Cancelled):
        raise
    except (AttributeError, TypeError, ValueError, KeyError, IndexError, RecursionError) as exc:
        # Every known oddity has its own check and test; this keeps the promise for the unknown ones.
        raise PlanInputError(f"could not read this text plan ({type(exc).__name__}: {exc})") from None
    plan = build_plan(top, warnings, plan_format="postgresql-text")
    plan.raw = text
    frames = unframed.describe()
    plan.detection = "PostgreSQL text" + (f" (framing removed: {frames})" if frames else "")
    return plan


def text_to_json(text: str) -> tuple[dict[str, Any], list[str]]:
    """The TEXT format rebuilt as the JSON format's top-level object (``{"Plan": …, …}``), with
    warnings (each naming its line) about lines that were not understood."""
    return lines_to_json(unframe(text).lines)


_PROMPT = re.compile(r"^[\w.@$-]*[=~(\-'\"]?[#>]\s")
_TAG = re.compile(
    r"^(?:SET|RESET|BEGIN|COMMIT|ROLLBACK|START TRANSACTION|SAVEPOINT|RELEASE|SHOW|ANALYZE|VACUUM|LOAD|DO|"
    r"PREPARE|DEALLOCATE(?: ALL)?|DISCARD \w+|LOCK TABLE|CALL|CHECKPOINT|LISTEN|NOTIFY|TRUNCATE TABLE|"
    r"(?:CREATE|DROP|ALTER|COMMENT|GRANT|REVOKE|REFRESH)(?: [A-Z]+){0,3}|SELECT \d+|INSERT \d+ \d+|"
    r"UPDATE \d+|DELETE \d+|MERGE \d+|COPY \d+|MOVE \d+|FETCH \d+|EXPLAIN|CLUSTER|REINDEX|CREATE TABLE AS)$"
)
_SQL_START = re.compile(
    r"^(?:explain|select|with|insert|update|delete|merge|values|table|set|reset|begin|commit|rollback|"
    r"create|drop|alter|analyze|vacuum|prepare|execute|deallocate|declare|fetch|show|copy|truncate|do|"
    r"refresh|grant|revoke|lock|start|end|load|discard|call|\\\w+)\b",
    re.IGNORECASE,
)
_FOOTER = re.compile(r"^\(\d+ (?:rows?|lignes?|Zeilen?|filas?|righe|linhas?)\)$")
_PSQL_NOTE = re.compile(
    r"^(?:Time: \d+(?:\.\d+)? ms(?: \(.*\))?|Timing is (?:on|off)\.|Expanded display is \w+\.|"
    r"Border style is \d\.|Line style is [\w-]+\.|Output format is \w+\.|Pager usage is off\.|"
    r"(?:Unicode )?\w+ (?:line)?style is \w+\.|Null display is .*\.|Field separator is .*\.)$"
)
_LOG_LINE = re.compile(r"(?:LOG|DETAIL|STATEMENT|CONTEXT|HINT|NOTICE|INFO|WARNING|ERROR|FATAL|LINE \d+):\s")
_CARET = re.compile(r"^\^$")  # under psql's "LINE 1:" of an error


def _preamble_kind(stripped: str, in_statement: bool) -> tuple[str | None, bool]:
    """What a line before (or after) the plan is — a known kind of framing or None — and whether an SQL
    statement is still open after it."""
    if stripped == "QUERY PLAN":
        return "psql", False
    if in_statement:
        return "statement", not _ends_statement(stripped)
    if stripped.startswith(("--", "/*", "*", "#")) or stripped.startswith("\\"):
        return "comment", False
    if _FOOTER.match(stripped) or stripped == "QUERY PLAN" or _PSQL_NOTE.match(stripped):
        return "psql", False
    if _TAG.match(stripped):
        return "command tag", False
    prompt = _PROMPT.match(stripped)
    if prompt:
        rest = stripped[prompt.end() :].strip()
        return "prompt", bool(rest) and not _ends_statement(rest) and not rest.startswith("\\")
    if stripped.lower().startswith(("query text:", "query parameters:")) or _LOG_LINE.search(stripped):
        return "log", False
    if _SQL_START.match(stripped):
        return "statement", not _ends_statement(stripped)
    if _CARET.match(stripped):
        return "psql", False
    return None, False


def _ends_statement(stripped: str) -> bool:
    """``…;`` or ``…;  -- a comment``."""
    return stripped.endswith(";") or (";" in stripped and stripped.split(";")[-1].lstrip().startswith("--"))


def lines_to_json(
    lines: list[str], should_stop: Callable[[], bool] | None = None
) -> tuple[dict[str, Any], list[str]]:
    """The JSON format's top-level object from unframed lines (index + 1 = the user's line number)."""
    top: dict[str, Any] = {}
    root: dict[str, Any] | None = None
    # (indent, kind, object): kind "node" | "marker" | "worker" | "section"
    stack: list[tuple[int, str, Any]] = []
    warnings: list[str] = []
    unread: list[int] = []
    root_indent = 0
    in_statement = False
    query_text: list[str] = []
    for index, raw_line in enumerate(lines):
        if should_stop is not None and index % 4096 == 0 and should_stop():
            raise Cancelled("reading the plan was cancelled")
        if not raw_line.strip():
            continue
        number = index + 1
        line = raw_line.replace("\t", "    ")
        indent = len(line) - len(line.lstrip())
        stripped = line.strip()
        if root is None:
            try:
                node = split_node_line(line)
            except PlanInputError as exc:
                raise PlanInputError(f"line {number}: {exc.message}") from None
            if node is not None and in_statement and (node.cost or node.actual or node.never):
                in_statement = False  # numbers are never SQL: the statement had no semicolon
            if node is None or in_statement:
                kind, in_statement = _preamble_kind(stripped, in_statement)
                if kind is None:
                    unread.append(number)
                elif kind == "log" and stripped.lower().startswith("query text:"):
                    query_text.append(stripped.split(":", 1)[1].strip())
                continue
            root = _node_json(node)
            root_indent = node.indent
            top["Plan"] = root
            stack = [(node.indent, "node", root)]
            continue
        if _FOOTER.match(stripped) or _PSQL_NOTE.match(stripped):
            continue
        marker = _MARKER.match(line)
        if marker:
            while len(stack) > 1 and stack[-1][0] >= indent:
                stack.pop()
            owner = _owner_node(stack)
            relationship = "SubPlan" if marker.group("text").startswith("SubPlan") else "InitPlan"
            stack.append((indent, "marker", (owner, relationship, marker.group("text"))))
            continue
        try:
            node = (
                split_node_line(line) if stripped.startswith("->") or _HAS_NUMBERS.search(stripped) else None
            )
        except PlanInputError as exc:
            raise PlanInputError(f"line {number}: {exc.message}") from None
        if node is not None and not node.arrow:
            # A node line without an arrow after the root: the next statement's plan.
            rest = sum(1 for later in lines[index:] if later.strip())
            warnings.append(
                f"line {number}: another plan starts here; showing the first ({rest:,} line(s) from here not read)"
            )
            break
        if node is not None:
            fields = _node_json(node)
            # An arrow is always a child: ragged indentation may put it left of its parent, never beside the root.
            if not stack:  # a top-level line came between (a cut line's tail): the root is the parent
                stack = [(min(node.indent, root_indent) - 1, "node", root)]
            while len(stack) > 1 and stack[-1][0] >= node.indent:
                stack.pop()
            if stack[-1][1] not in ("node", "marker"):
                while len(stack) > 1 and stack[-1][1] not in ("node", "marker"):
                    stack.pop()
            _attach(stack[-1], fields)
            stack.append((node.indent, "node", fields))
            continue
        if stripped.startswith("Trigger ") and ": time=" in stripped:
            trigger = _trigger(stripped)
            if trigger is not None:
                _list_at(top, "Triggers").append(trigger)
                continue
        worker = _WORKER.match(line)
        if worker:
            while len(stack) > 1 and stack[-1][0] >= indent:
                stack.pop()
            owner = _owner_node(stack)
            workers = _list_at(owner, "Workers")
            worker_number = int(worker.group("number"))
            entry = next((w for w in workers if w.get("Worker Number") == worker_number), None)
            if entry is None:
                entry = {"Worker Number": worker_number}
                workers.append(entry)
            rest = worker.group("rest")
            actual = _ACTUAL.search(rest)
            if actual:
                _set_actuals(entry, actual.groupdict())
                rest = rest[actual.end() :].strip()
            prop = _split_property(rest) if rest else None
            if prop and prop[1]:
                _property(entry, prop[0], prop[1], top)
            stack.append((indent, "worker", entry))
            continue
        prop = _split_property(stripped)
        if prop:
            key, value = prop
            while stack and stack[-1][0] >= indent:
                stack.pop()
            target = stack[-1][2] if stack and stack[-1][1] in ("node", "worker", "section") else top
            if stack and stack[-1][1] == "marker":
                target = stack[-1][2][0]
            if key in _STRUCTURAL_KEYS:  # PostgreSQL never prints these as text lines
                unread.append(number)
                continue
            if value is None:
                section: dict[str, Any] = {}
                target[key] = section
                stack.append((indent, "section", section))
            else:
                _property(target, key, value, top)
            continue
        kind, in_statement = _preamble_kind(stripped, in_statement)
        if kind is None:
            unread.append(number)
    if root is None:
        if unread:
            raise PlanInputError(
                f"no plan node found (line {unread[0]} is {lines[unread[0] - 1].strip()[:40]!r}): this is not "
                "PostgreSQL EXPLAIN output (expected lines such as "
                "'Seq Scan on t  (cost=0.00..1.00 rows=1 width=4)')"
            )
        raise PlanInputError(
            "no plan node found: this is not PostgreSQL EXPLAIN output (expected lines such as "
            "'Seq Scan on t  (cost=0.00..1.00 rows=1 width=4)')"
        )
    if query_text and "Query Text" not in top:
        top["Query Text"] = " ".join(query_text)
    _relationships(root)
    for number in unread[:50]:
        warnings.append(f"line {number}: not understood, skipped: {lines[number - 1].strip()[:80]!r}")
    if len(unread) > 50:
        warnings.append(f"{len(unread) - 50:,} more line(s) not understood (first at line {unread[50]})")
    return top, warnings


def _node_json(node: NodeLine) -> dict[str, Any]:
    fields = node_fields(node.name)
    if node.cost is not None:
        fields["Startup Cost"] = _number(node.cost["startup"])
        fields["Total Cost"] = _number(node.cost["total"])
        fields["Plan Rows"] = _number(node.cost["rows"])
        fields["Plan Width"] = _number(node.cost["width"])
    if node.never:
        fields["Actual Rows"] = 0
        fields["Actual Loops"] = 0
    elif node.actual is not None:
        _set_actuals(fields, node.actual)
    return fields


def _split_property(text: str) -> tuple[str, str | None] | None:
    """``Key: value`` → (key, value or None for a section header); None when it is not one."""
    key, colon, value = text.partition(":")
    if not colon or not _KEY.fullmatch(key):
        return None
    key = key.rstrip()
    value = value.strip()
    return key, (value or None)


def _trigger(text: str) -> dict[str, Any] | None:
    """``Trigger name [for constraint c] [on rel]: time=1.2 calls=3``, split from the right."""
    head, _, numbers = text.rpartition(": time=")
    time_text, _, calls = numbers.partition(" calls=")
    if _number(time_text) is None or _number(calls.strip()) is None:
        return None
    name = head[len("Trigger ") :]
    relation = constraint = None
    name, on, rel = name.rpartition(" on ")
    if not on:
        name, relation = rel, None
    else:
        relation = rel
    name, sep, constraint_name = name.partition(" for constraint ")
    if sep:
        constraint = constraint_name
    trigger: dict[str, Any] = {"Trigger Name": name}
    if constraint:
        trigger["Constraint Name"] = constraint
    if relation:
        trigger["Relation"] = relation
    trigger["Time"] = _number(time_text)
    trigger["Calls"] = _number(calls.strip())
    return trigger


def _list_at(target: dict[str, Any], key: str) -> list[Any]:
    """``target[key]`` as a list, replacing whatever a stray ``Key: value`` line put there."""
    value = target.get(key)
    if not isinstance(value, list):
        value = target[key] = []
    return value


def _owner_node(stack: list[tuple[int, str, Any]]) -> dict[str, Any]:
    for _, kind, obj in reversed(stack):
        if kind == "node":
            return obj  # type: ignore[no-any-return]
        if kind == "marker":
            return obj[0]  # type: ignore[no-any-return]
    return stack[0][2]  # type: ignore[no-any-return]


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
