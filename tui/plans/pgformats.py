"""PostgreSQL ``EXPLAIN (FORMAT YAML)`` and ``(FORMAT XML)`` → the same decoded structure FORMAT JSON
gives (a list of ``{"Plan": …, "Execution Time": …}``), so one parser does the arithmetic for all three.

YAML: PostgreSQL prints a restricted shape (explain.c): ``key: value`` mappings, ``- `` list items, values
that are numbers, ``true``/``false`` or JSON-escaped double-quoted strings, and a group's members indented
below its key. It is read line by line with a stack of open containers — linear, no YAML library.
XML: ``xml.etree`` (the standard library); tag names have ``-`` for spaces (``I-O-Read-Time``), groups
whose members are ``<Plan>``, ``<Item>``, ``<Worker>`` or ``<Trigger>`` are lists. Documents with a DTD
are refused (PostgreSQL never prints one; entities could expand without bound).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from tui.core.errors import Cancelled, PlanInputError

_INT = re.compile(r"-?\d+")
_FLOAT = re.compile(r"-?\d+\.\d+(?:[eE][-+]?\d+)?|-?\d+[eE][-+]?\d+")
_LIST_MEMBERS = frozenset({"Plan", "Item", "Worker", "Trigger", "Query"})
_VERBATIM_GROUPS = frozenset({"Settings"})  # members are GUC names: keep them as printed


def scalar(text: str) -> Any:
    """A YAML/XML scalar as PostgreSQL prints it: number, boolean, quoted or bare string."""
    if text.startswith('"'):
        try:
            return json.loads(text)
        except ValueError:
            return text.strip('"')
    if _INT.fullmatch(text):
        return int(text)
    if _FLOAT.fullmatch(text):
        return float(text)
    if text == "true":
        return True
    if text == "false":
        return False
    return text


def looks_like_yaml(lines: list[str]) -> int | None:
    """The index of the ``- Plan:`` line that opens a YAML plan, or None."""
    for index, line in enumerate(lines[:400]):
        stripped = line.strip()
        if stripped in ("- Plan:", "- Plan: "):
            return index
    return None


def yaml_to_data(lines: list[str], should_stop: Callable[[], bool] | None = None) -> tuple[list[Any], int]:
    """Unframed lines (index + 1 = the user's line number) of FORMAT YAML → the JSON structure, and the
    index of the first line after the document."""
    start = looks_like_yaml(lines)
    if start is None:
        raise PlanInputError("no '- Plan:' line: this is not PostgreSQL EXPLAIN (FORMAT YAML) output")
    root: list[Any] = []
    base = len(lines[start]) - len(lines[start].lstrip())
    stack: list[tuple[int, Any]] = [(base, root)]  # (indent of the container's items, container)
    pending: tuple[dict[str, Any], str, int] | None = None  # a key whose value is on the next lines
    end = len(lines)
    for index in range(start, len(lines)):
        if should_stop is not None and index % 4096 == 0 and should_stop():
            raise Cancelled("reading the plan was cancelled")
        line = lines[index]
        stripped = line.strip()
        if not stripped:
            continue
        indent = len(line) - len(line.lstrip())
        if indent < base or (indent == base and not stripped.startswith("- Plan:")):
            end = index
            break  # the footer or the next thing psql printed
        number = index + 1
        if pending is not None:
            parent, key, key_indent = pending
            pending = None
            if indent > key_indent:
                container: Any = [] if stripped == "-" or stripped.startswith("- ") else {}
                parent[key] = container
                stack.append((indent, container))
            else:
                parent[key] = []  # an empty group (Triggers: with no trigger)
        while stack[-1][0] > indent:
            stack.pop()
        level, container = stack[-1]
        if stripped.startswith("- ") or stripped == "-":
            if not isinstance(container, list) or level != indent:
                raise PlanInputError(f"line {number}: a YAML list item where none can be: {stripped[:60]!r}")
            item = stripped[2:]
            key, value = _key_value(item)
            if key is None:
                container.append(scalar(item))
                continue
            mapping: dict[str, Any] = {}
            container.append(mapping)
            stack.append((indent + 2, mapping))
            pending = _store(mapping, key, value, indent + 2)
            continue
        if not isinstance(container, dict) or level != indent:
            raise PlanInputError(f"line {number}: the YAML indentation is broken here: {stripped[:60]!r}")
        key, value = _key_value(stripped)
        if key is None:
            raise PlanInputError(f"line {number}: expected 'key: value' in the YAML plan: {stripped[:60]!r}")
        pending = _store(container, key, value, indent)
    if pending is not None:
        pending[0][pending[1]] = []
    return root, end


def _key_value(text: str) -> tuple[str | None, str | None]:
    if text.startswith('"'):
        return None, None
    if text.endswith(":"):
        return text[:-1], None
    key, sep, value = text.partition(": ")
    if not sep:
        return None, None
    return key, value.strip() or None


def _store(
    target: dict[str, Any], key: str, value: str | None, indent: int
) -> tuple[dict[str, Any], str, int] | None:
    if value is None:
        return target, key, indent
    target[key] = scalar(value)
    return None


# -- XML -----------------------------------------------------------------------------------------------
def xml_start(text: str) -> int:
    """Where the ``<explain`` document starts in ``text`` (-1 when there is none)."""
    return text.find("<explain")


def xml_to_data(text: str) -> list[Any]:
    """A FORMAT XML document (already unframed) → the JSON structure."""
    import xml.etree.ElementTree as ET

    start = xml_start(text)
    end = text.find("</explain>", start)
    if start < 0 or end < 0:
        raise PlanInputError(
            "the XML plan is incomplete: no <explain> … </explain> document (the input looks truncated)"
        )
    document = text[start : end + len("</explain>")]
    if "<!DOCTYPE" in document or "<!ENTITY" in document:
        raise PlanInputError("the XML has a DTD; PostgreSQL never prints one, so dbscope does not read it")
    try:
        element = ET.fromstring(document)
    except ET.ParseError as exc:
        line, column = exc.position
        line += text.count("\n", 0, start)
        raise PlanInputError(
            f"line {line}, column {column}: the XML plan cannot be read ({exc.msg})"
        ) from None
    queries = [child for child in element if _tag(child) == "Query"]
    if not queries:
        raise PlanInputError("the XML has no <Query> element: this is not PostgreSQL EXPLAIN (FORMAT XML)")
    return [_convert(query) for query in queries]


def _tag(element: Any) -> str:
    tag = element.tag
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _key(tag: str) -> str:
    return tag.replace("-", " ").replace("I O ", "I/O ")


def _convert(element: Any) -> Any:
    """Element → dict / list / scalar, iteratively (a deep plan nests thousands of levels)."""
    result = _container(element)
    stack: list[tuple[Any, Any, bool]] = [(element, result, _tag(element) in _VERBATIM_GROUPS)]
    while stack:
        node, target, verbatim = stack.pop()
        for child in node:
            tag = _tag(child)
            value: Any
            if len(child):
                value = _container(child)
                stack.append((child, value, tag in _VERBATIM_GROUPS))
            elif tag in ("Plans", "Workers", "Triggers", "Output", "Sort-Key", "Group-Key", "Hash-Key"):
                value = [] if not (child.text or "").strip() else [scalar((child.text or "").strip())]
            else:
                value = scalar((child.text or "").strip())
            if isinstance(target, list):
                target.append(value)
            else:
                target[tag if verbatim else _key(tag)] = value
    return result


def _container(element: Any) -> dict[str, Any] | list[Any]:
    tags = {_tag(child) for child in element}
    if len(tags) == 1 and next(iter(tags)) in _LIST_MEMBERS and _tag(element) != "Query":
        return []
    return {}
