"""Auto-detection of a pasted or saved EXPLAIN output: which engine and format it is, then dispatch to
that engine's parser (PostgreSQL here; MySQL/MariaDB in ``tui.plans.mysql``; MongoDB in
``tui.plans.mongo``, both imported only when needed).

Recognised: PostgreSQL JSON (``Plan``) and text; MySQL JSON v1 (``query_block`` with ``cost_info``),
v2 (``query_plan``), ``FORMAT=TREE`` / ``EXPLAIN ANALYZE`` text (``-> `` lines); MariaDB JSON
(``query_block`` without ``cost_info``, or with ``r_*`` fields); MongoDB explain (``queryPlanner``,
``stages``, ``explainVersion``, ``executionStats``), also as mongosh prints it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from tui.core.errors import DbscopeError, PlanInputError
from tui.core.plan import Plan
from tui.plans.jsontext import clean_pasted_text, decode_cleaned, looks_like_json

POSTGRES_JSON = "postgresql-json"
POSTGRES_TEXT = "postgresql-text"
MYSQL = "mysql"
MARIADB = "mariadb"
MONGODB = "mongodb"

_MONGO_KEYS = ("queryPlanner", "explainVersion", "executionStats", "winningPlan")
_MONGO_TEXT = re.compile(r"\b(?:queryPlanner|winningPlan|executionStats|explainVersion)\b")
_MYSQL_TEXT_JSON = re.compile(r"\"(?:query_block|query_plan)\"\s*:")
_MYSQL_TREE = re.compile(r"^[\s|]*(?:EXPLAIN:\s*)?->\s+\S")


def detect_format(text: str) -> tuple[str, Any]:
    """``(kind, decoded JSON or None)`` where kind is one of the constants above."""
    if not isinstance(text, str):
        raise PlanInputError(f"expected the EXPLAIN output as text, not {type(text).__name__}")
    if not text.strip():
        raise PlanInputError("the input is empty: paste or pipe the output of EXPLAIN")
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
    if _is_mysql_tree(cleaned):
        return MYSQL, None
    # JSON-like text the engine's own parser cleans up (mysql client tables, mongosh shell syntax).
    if looks_like_json(cleaned) or _first_line_opens_json(cleaned):
        if _MYSQL_TEXT_JSON.search(text):
            return MYSQL, None
        if _MONGO_TEXT.search(text):
            return MONGODB, None
    from tui.plans.postgres_text import looks_like_postgres_text

    if looks_like_postgres_text(text):
        return POSTGRES_TEXT, None
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


def parse_plan(text: str) -> Plan:
    """Detect the engine and format of ``text`` and parse it into a Plan (PlanInputError otherwise)."""
    kind, data = detect_format(text)
    if kind == POSTGRES_JSON:
        from tui.plans.postgres import parse_postgres_plan

        return parse_postgres_plan(data, raw_text=text)
    if kind == POSTGRES_TEXT:
        from tui.plans.postgres_text import parse_postgres_text

        return parse_postgres_text(text)
    if kind in (MYSQL, MARIADB):
        return _dispatch("tui.plans.mysql", "parse_mysql_plan", "MySQL/MariaDB", text)
    return _dispatch("tui.plans.mongo", "parse_mongo_plan", "MongoDB", text)


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
