"""Auto-detection of a pasted or saved EXPLAIN output: which engine and format it is, then dispatch to
that engine's parser (PostgreSQL here; MySQL/MariaDB in ``tui.plans.mysql``; MongoDB in
``tui.plans.mongo``, both imported only when needed).

Dispatch is a table (``FORMATS``): each entry has a sniffer that returns why the input is that format (or
None) and a parser; the first entry that recognises the input wins, and its reason is kept on the Plan
(``plan.detection``) so the choice explains itself. Another format (a server log, another engine) is one
more entry in the table. JSON that parses as JSON is dispatched on its keys before the table.

Recognised: PostgreSQL JSON (``Plan``), YAML, XML and text, in psql's frames; MySQL JSON v1 (``query_block`` with ``cost_info``),
v2 (``query_plan``), ``FORMAT=TREE`` / ``EXPLAIN ANALYZE`` text (``-> `` lines); MariaDB JSON
(``query_block`` without ``cost_info``, or with ``r_*`` fields); MongoDB explain (``queryPlanner``,
``stages``, ``explainVersion``, ``executionStats``), also as mongosh prints it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tui.core.errors import DbscopeError, PlanInputError
from tui.core.plan import Plan
from tui.plans.jsontext import clean_pasted_text, decode_cleaned, decode_first_json, looks_like_json

POSTGRES_JSON = "postgresql-json"
POSTGRES_TEXT = "postgresql-text"
POSTGRES_YAML = "postgresql-yaml"
POSTGRES_XML = "postgresql-xml"
MYSQL = "mysql"
MARIADB = "mariadb"
MONGODB = "mongodb"

_MONGO_KEYS = ("queryPlanner", "explainVersion", "executionStats", "winningPlan")
_MONGO_TEXT = re.compile(r"\b(?:queryPlanner|winningPlan|executionStats|explainVersion)\b")
_MYSQL_TEXT_JSON = re.compile(r"\"(?:query_block|query_plan)\"\s*:")
_MYSQL_TREE = re.compile(r"^[\s|]*(?:EXPLAIN:\s*)?->\s+\S")


def detect_format(text: str) -> tuple[str, Any]:
    """``(kind, decoded JSON or None)`` where kind is one of the constants above."""
    _check_text(text)
    if text.lstrip()[:1] in ("[", "{"):
        try:
            data = json.loads(text, strict=False)
        except (ValueError, RecursionError):
            pass
        else:
            kind = _json_kind(data)
            if kind is None:
                raise PlanInputError(_unknown_json_message(data))
            return kind, data
    cleaned = clean_pasted_text(text)
    json_error: PlanInputError | None = None
    data = None
    if looks_like_json(cleaned) or _first_line_opens_json(cleaned):
        try:
            data = decode_cleaned(cleaned)
        except PlanInputError as exc:
            json_error = exc
    if json_error is None and data is not None:
        kind = _json_kind(data)
        if kind is not None:
            return kind, data
        raise PlanInputError(_unknown_json_message(data))
    # Not (valid) JSON: text formats, or JSON the engine's own parser must clean up (mongosh, mysql).
    from tui.plans.postgres_text import looks_like_postgres_text

    if looks_like_postgres_text(text):  # PostgreSQL syntax wins over a leading `->`
        return POSTGRES_TEXT, None
    if _is_mysql_tree(cleaned):
        return MYSQL, None
    # JSON-like text the engine's own parser cleans up (mysql client tables, mongosh shell syntax).
    if looks_like_json(cleaned) or _first_line_opens_json(cleaned):
        if _MYSQL_TEXT_JSON.search(text):
            return MYSQL, None
        if _MONGO_TEXT.search(text):
            return MONGODB, None
    if json_error is not None:
        raise json_error
    first = next((line.strip() for line in cleaned.split("\n") if line.strip()), "")
    raise PlanInputError(
        f"not a recognised EXPLAIN output (it starts with {first[:40]!r}): expected PostgreSQL JSON or "
        "text, MySQL/MariaDB JSON or TREE, or MongoDB explain output"
    )


def _first_line_opens_json(cleaned: str) -> bool:
    return any(line.strip() in ("[", "{") for line in cleaned.split("\n")[:50])


def _is_mysql_tree(cleaned: str) -> bool:
    for line in cleaned.split("\n"):
        if line.strip():
            return bool(_MYSQL_TREE.match(line))
    return False


def _json_kind(data: Any) -> str | None:
    top = data[0] if isinstance(data, list) and data else data
    if not isinstance(top, dict):
        return None
    if "Plan" in top:
        return POSTGRES_JSON
    if "query_block" in top:
        block = top["query_block"]
        if isinstance(block, dict) and (
            "cost_info" in block or ("r_loops" not in block and _has_mysql_cost(block))
        ):
            return MYSQL
        return MARIADB
    if "query_plan" in top or ("operation" in top and ("access_type" in top or "json_schema_version" in top)):
        return MYSQL  # v2, also the flat document EXPLAIN ANALYZE FORMAT=JSON prints
    if any(key in top for key in _MONGO_KEYS) or isinstance(top.get("stages"), list) or "shards" in top:
        return MONGODB
    return None


def _has_mysql_cost(block: dict[str, Any]) -> bool:
    """MySQL prints ``cost_info`` on tables even when the block has none (e.g. no query cost)."""
    stack: list[Any] = [block]
    seen = 0
    while stack and seen < 10_000:
        item = stack.pop()
        seen += 1
        if isinstance(item, dict):
            if "cost_info" in item:
                return True
            if any(str(key).startswith("r_") for key in item):
                return False
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def _unknown_json_message(data: Any) -> str:
    top = data[0] if isinstance(data, list) and data else data
    if isinstance(top, dict):
        keys = ", ".join(repr(k) for k in list(top)[:6]) or "none"
        detail = f"top-level keys: {keys}"
    elif isinstance(data, list) and not data:
        detail = "it is an empty array"
    else:
        kind = {
            "str": "a string",
            "int": "a number",
            "float": "a number",
            "bool": "a boolean",
            "NoneType": "null",
        }
        detail = f"it is {kind.get(type(top).__name__, 'an array')}"
        if isinstance(data, list):
            detail = f"it is an array whose first element is {kind.get(type(top).__name__, 'an array')}"
    return (
        "JSON parsed but it matches no EXPLAIN format dbscope knows "
        f"({detail}); expected PostgreSQL 'Plan', MySQL 'query_block' or 'query_plan', or MongoDB "
        "'queryPlanner' / 'stages'"
    )


ShouldStop = Callable[[], bool] | None


@dataclass(slots=True)
class Sniff:
    """The input, with the views of it the sniffers share (computed once, on first use)."""

    text: str
    should_stop: ShouldStop = None
    _unframed: Any = field(default=None)
    data: Any = None  # decoded JSON a sniffer found on the way
    after: int | None = None  # index of the first line after a JSON document

    @property
    def unframed(self) -> Any:
        if self._unframed is None:
            from tui.plans.pgframe import unframe

            self._unframed = unframe(self.text)
        return self._unframed


@dataclass(frozen=True, slots=True)
class Format:
    """One entry of the dispatch table: ``sniff`` says why the input is this format (None: it is not)."""

    kind: str
    sniff: Callable[[Sniff], str | None]
    parse: Callable[[Sniff], Plan]


def _sniff_pg_xml(sniff: Sniff) -> str | None:
    head = sniff.text[:20_000]
    if "<explain" in head and ("postgresql.org" in head or "<Query>" in head):
        return "an <explain> XML document (FORMAT XML)"
    return None


def _parse_pg_xml(sniff: Sniff) -> Plan:
    from tui.plans.pgformats import xml_to_data
    from tui.plans.postgres import parse_postgres_plan

    text = "\n".join(line for line in sniff.unframed.lines)
    plan = parse_postgres_plan(xml_to_data(text))
    plan.format, plan.raw = POSTGRES_XML, sniff.text
    end = text.find("</explain>")
    _note_rest(plan, sniff.unframed.lines, text.count("\n", 0, end) + 1, "XML")
    return plan


_FOOTER = re.compile(r"^\(\d+ rows?\)$")


def _note_rest(plan: Plan, lines: list[str], after: int, what: str) -> None:
    """A warning for the first line after the plan document that is more than psql's footer."""
    for index in range(after, len(lines)):
        stripped = lines[index].strip()
        if stripped and not _FOOTER.match(stripped):
            plan.warnings.append(f"line {index + 1}: text after the {what} plan was not read")
            return


def _sniff_pg_yaml(sniff: Sniff) -> str | None:
    from tui.plans.pgformats import looks_like_yaml

    if "- Plan:" not in sniff.text[:200_000]:
        return None
    index = looks_like_yaml(sniff.unframed.lines)
    return None if index is None else f"a '- Plan:' YAML document at line {index + 1} (FORMAT YAML)"


def _parse_pg_yaml(sniff: Sniff) -> Plan:
    from tui.plans.pgformats import yaml_to_data
    from tui.plans.postgres import parse_postgres_plan

    data, end = yaml_to_data(sniff.unframed.lines, sniff.should_stop)
    plan = parse_postgres_plan(data)
    plan.format, plan.raw = POSTGRES_YAML, sniff.text
    _note_rest(plan, sniff.unframed.lines, end, "YAML")
    return plan


def _sniff_pg_framed_json(sniff: Sniff) -> str | None:
    if '"Plan"' not in sniff.text and '""Plan""' not in sniff.text:
        return None
    lines = ["" if line == "QUERY PLAN" else line for line in sniff.unframed.lines]
    if not any(line.strip()[:1] in ("[", "{") for line in lines[:400]):
        return None
    text = "\n".join(lines)
    try:
        data, after = decode_first_json(text)
    except PlanInputError:
        if '"Node Type"' in text:
            raise  # PostgreSQL JSON with an error: say where
        return None
    if after is not None:
        sniff.after = after - 1
    if _json_kind(data) != POSTGRES_JSON:
        return None
    sniff.data = data
    frames = sniff.unframed.describe()
    return "PostgreSQL JSON ('Plan' key)" + (f" inside {frames}" if frames else " inside psql's frame")


def _parse_pg_json(sniff: Sniff) -> Plan:
    from tui.plans.postgres import parse_postgres_plan

    plan = parse_postgres_plan(sniff.data, raw_text=sniff.text)
    if sniff.after is not None:
        _note_rest(plan, sniff.unframed.lines, sniff.after, "JSON")
    return plan


def _sniff_pg_text(sniff: Sniff) -> str | None:
    from tui.plans.postgres_text import sniff_postgres_text

    return sniff_postgres_text(sniff.text, sniff.unframed.lines)


def _parse_pg_text(sniff: Sniff) -> Plan:
    from tui.plans.postgres_text import parse_postgres_text

    return parse_postgres_text(sniff.text, sniff.should_stop)


# Order matters: PostgreSQL's own syntax is looked for before MySQL's `->` trees and the JSON-like
# shells; the remaining formats are told apart by ``detect_format``.
FORMATS: list[Format] = [
    Format(POSTGRES_XML, _sniff_pg_xml, _parse_pg_xml),
    Format(POSTGRES_YAML, _sniff_pg_yaml, _parse_pg_yaml),
    Format(POSTGRES_JSON, _sniff_pg_framed_json, _parse_pg_json),
    Format(POSTGRES_TEXT, _sniff_pg_text, _parse_pg_text),
]
_REASONS = {
    POSTGRES_JSON: "PostgreSQL JSON ('Plan' key)",
    POSTGRES_TEXT: "PostgreSQL text",
    MYSQL: "MySQL/MariaDB ('query_block', 'query_plan' or '-> ' tree lines)",
    MARIADB: "MariaDB JSON ('query_block' with r_* fields)",
    MONGODB: "MongoDB explain ('queryPlanner' / 'stages')",
}


def parse_plan(text: str, should_stop: ShouldStop = None) -> Plan:
    """Detect the engine and format of ``text`` and parse it into a Plan (PlanInputError otherwise).
    ``should_stop`` is polled while a long input is read; when it returns True, ``Cancelled`` is raised."""
    _check_text(text)
    if text.lstrip()[:1] not in ("[", "{"):
        sniff = Sniff(text, should_stop)
        for entry in FORMATS:
            reason = entry.sniff(sniff)
            if reason is not None:
                plan = entry.parse(sniff)
                frames = sniff.unframed.describe() if sniff._unframed is not None else ""
                plan.detection = f"read as {entry.kind}: {reason}" + (
                    f" (framing removed: {frames})" if frames and frames not in reason else ""
                )
                return plan
    kind, data = detect_format(text)
    if kind == POSTGRES_JSON:
        from tui.plans.postgres import parse_postgres_plan

        plan = parse_postgres_plan(data, raw_text=text)
    elif kind == POSTGRES_TEXT:
        from tui.plans.postgres_text import parse_postgres_text

        plan = parse_postgres_text(text, should_stop)
    elif kind in (MYSQL, MARIADB):
        plan = _dispatch("tui.plans.mysql", "parse_mysql_plan", "MySQL/MariaDB", text)
    else:
        plan = _dispatch("tui.plans.mongo", "parse_mongo_plan", "MongoDB", text)
    if not plan.detection:
        plan.detection = f"read as {plan.format}: {_REASONS.get(kind, kind)}"
    return plan


def _check_text(text: Any) -> None:
    if not isinstance(text, str):
        raise PlanInputError(f"expected the EXPLAIN output as text, not {type(text).__name__}")
    if not text.strip():
        raise PlanInputError("the input is empty: paste or pipe the output of EXPLAIN")


def _dispatch(module_name: str, function: str, engine: str, text: str) -> Plan:
    parser = _load(module_name, function, engine)
    try:
        plan = parser(text)
    except DbscopeError:
        raise
    except Exception as exc:  # another engine's parser failing must still be one clear line
        raise PlanInputError(
            f"the {engine} plan parser could not read this input ({type(exc).__name__}: {exc})"
        ) from exc
    if not isinstance(plan, Plan):
        raise PlanInputError(f"the {engine} plan parser returned no plan")
    return plan


def _load(module_name: str, function: str, engine: str) -> Callable[[str], Plan]:
    import importlib

    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name == module_name:
            raise PlanInputError(
                f"this looks like {engine} EXPLAIN output, but the {engine} plan parser is unavailable in "
                "this build"
            ) from None
        raise
    parser = getattr(module, function, None)
    if parser is None:
        raise PlanInputError(
            f"this looks like {engine} EXPLAIN output, but the {engine} plan parser is unavailable"
        )
    return parser  # type: ignore[no-any-return]
