"""MySQL and MariaDB EXPLAIN outputs → ``Plan``: the entry point ``parse_mysql_plan`` and a cheap
``sniff_mysql_format`` for the format dispatcher.

Formats read (``Plan.format``):
- ``mysql-json-v1``   MySQL ``EXPLAIN FORMAT=JSON`` (``query_block``; test-suite end markers allowed)
- ``mysql-json-v2``   MySQL ``explain_json_format_version=2`` and ``EXPLAIN ANALYZE FORMAT=JSON``
- ``mysql-tree``      MySQL ``EXPLAIN FORMAT=TREE``
- ``mysql-analyze``   MySQL ``EXPLAIN ANALYZE`` (tree text with ``actual time``)
- ``mariadb-json``    MariaDB ``EXPLAIN FORMAT=JSON``
- ``mariadb-analyze`` MariaDB ``ANALYZE FORMAT=JSON``
Anything else raises PlanInputError, never another exception.
"""

from __future__ import annotations

import re

from tui.core.errors import PlanInputError
from tui.core.plan import Plan
from tui.plans.jsontext import clean_pasted_text, decode_json
from tui.plans.mysql_common import ACCESS_TYPES, access_colour, load_json, strip_end_markers
from tui.plans.mysql_json import detect_flavor, parse_query_block_json
from tui.plans.mysql_tree import looks_like_tree, parse_tree_text
from tui.plans.mysql_v2 import is_v2, parse_v2_json

__all__ = ["ACCESS_TYPES", "access_colour", "parse_mysql_plan", "sniff_mysql_format"]

_LABELS = ("EXPLAIN:", "ANALYZE:")
_LEFT_BORDER = re.compile(r"^\|\s(?=\s*(?:->|\{))")
_RIGHT_BORDER = re.compile(r"\s+\|\s*$")


def parse_mysql_plan(text: str, *, flavor: str | None = None) -> Plan:
    """Parse any MySQL/MariaDB EXPLAIN output listed in the module notes.

    ``flavor`` (``"mysql"``/``"mariadb"``) settles the engine of a ``query_block`` document when the
    caller knows the server; otherwise it is inferred from the keys the output uses."""
    if not isinstance(text, str):
        raise PlanInputError("the plan must be text")
    try:
        return _parse(text, flavor)
    except PlanInputError:
        raise
    except RecursionError:
        raise PlanInputError("the plan is nested too deeply to be a real EXPLAIN output") from None
    except (ValueError, TypeError, KeyError, AttributeError, IndexError, OverflowError) as exc:
        raise PlanInputError(f"could not read the plan ({type(exc).__name__}: {exc})") from None


def sniff_mysql_format(text: str) -> str | None:
    """A guess of the format name from the first characters, without parsing; None if not MySQL-like.

    JSON is only recognised by its top-level keys, so this reads the text up to the first key."""
    body = _strip_label(text)
    if looks_like_tree(body):
        return "mysql-tree"
    if not body.startswith("{"):
        return None
    head = body[:4000]
    if '"query_block"' in head:
        return "mariadb-json" if ('"r_loops"' in head or '"query_optimization"' in head) else "mysql-json-v1"
    if '"query_plan"' in head or ('"operation"' in head and '"access_type"' in head):
        return "mysql-json-v2"
    return None


def _parse(text: str, flavor: str | None) -> Plan:
    # Drop what the mysql client prints around the plan (table borders, "EXPLAIN:" labels, \G rules).
    body = _unborder(clean_pasted_text(text)).strip()
    if not body:
        raise PlanInputError("the plan is empty")
    tree_start = _tree_start(body)
    if tree_start is not None:
        return parse_tree_text(body[tree_start:])
    try:
        doc = decode_json(body, "MySQL/MariaDB EXPLAIN output")
    except PlanInputError:
        if "/*" not in body:
            raise
        doc = load_json(strip_end_markers(body[body.find("{") :]))
    if not isinstance(doc, dict):
        raise PlanInputError("the JSON is not an object")
    if is_v2(doc):
        return parse_v2_json(doc)
    if "query_block" in doc:
        chosen = flavor if flavor in ("mysql", "mariadb") else detect_flavor(doc)
        return parse_query_block_json(doc, chosen)
    raise PlanInputError(
        "JSON without 'query_block' or 'query_plan' is not a MySQL/MariaDB plan",
        hint="expected the output of EXPLAIN FORMAT=JSON or ANALYZE FORMAT=JSON",
    )


def _unborder(text: str) -> str:
    """The mysql client draws a multi-line cell as ``| first line`` … ``last line   |``; drop both
    halves of the border (clean_pasted_text only removes borders of one-line rows)."""
    lines = text.split("\n")
    for i, line in enumerate(lines):
        head = _LEFT_BORDER.match(line)
        if head:
            line = line[head.end() :]
        if not line.lstrip().startswith("|"):
            line = _RIGHT_BORDER.sub("", line)
        lines[i] = line
    return "\n".join(lines)


def _tree_start(body: str) -> int | None:
    """Offset of the first ``->`` iterator line when the text is TREE output (after a prompt line)."""
    if looks_like_tree(body):
        return 0
    if body.startswith(("{", "[")):
        return None
    offset = 0
    for line in body.split("\n")[:5]:
        if line.lstrip().startswith("->"):
            return offset
        offset += len(line) + 1
    return None


def _strip_label(text: str) -> str:
    body = text.lstrip("\ufeff \t\r\n")
    upper = body[:20].upper()
    for label in _LABELS:
        if upper.startswith(label):
            return body[len(label) :].lstrip(" \t")
    return body.rstrip()
