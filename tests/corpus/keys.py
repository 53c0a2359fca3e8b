"""The expert answer keys (``keys/<engine>.toml``) as dataclasses, their validation, and the one
normal form of an index that both a key's index spec and an advisor's ``CREATE INDEX`` reduce to,
so the two can be compared."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path

from tests.corpus.samples import ENGINES, SAMPLES

KEYS = Path(__file__).resolve().parent / "keys"

TAGS = frozenset(
    {
        "missing-index",
        "non-sargable",
        "leading-wildcard",
        "offset-pagination",
        "or-across-columns",
        "not-in-subquery",
        "implicit-cast",
        "correlated-predicates",
        "low-selectivity",
        "full-aggregate",
        "tiny-table",
        "select-star",
        "redundant-index",
        "fk-without-index",
        "large-result",
        "filesort-temporary",
        "keyset-row-constructor",
        "sort",
    }
)
FIELDS = ("id", "db", "intent", "sql", "diagnosis", "tags", "ok", "index", "debatable_index", "rewrite")


@dataclass(frozen=True)
class IndexShape:
    """An index reduced to what decides whether two indexes are the same fix."""

    table: str
    columns: tuple[str, ...]  # key parts, normalised (lower case, no quotes, no spaces)
    include: tuple[str, ...] = ()
    where: str = ""
    method: str = "btree"
    spec: str = field(default="", compare=False)  # the text it was read from

    def same_keys(self, other: IndexShape) -> bool:
        return (self.table, self.columns, self.where, self.method) == (
            other.table,
            other.columns,
            other.where,
            other.method,
        )


@dataclass(frozen=True)
class AnswerKey:
    id: str
    db: str
    intent: str
    sql: str
    diagnosis: str
    tags: tuple[str, ...]
    ok: tuple[str, ...]
    index: tuple[IndexShape, ...]
    debatable_index: tuple[IndexShape, ...]
    rewrite: str


def _norm(text: str) -> str:
    text = re.sub(r'[`"]', "", text).lower()
    return re.sub(r"\s+", "", text)


def _split_top(text: str) -> list[str]:
    """Comma-separated parts at parenthesis depth 0."""
    parts, depth, current = [], 0, ""
    for char in text:
        depth += (char == "(") - (char == ")")
        if char == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    return [p.strip() for p in [*parts, current] if p.strip()]


def _close(text: str, start: int) -> int:
    """Index of the parenthesis that closes the one at ``start``."""
    depth = 0
    for i in range(start, len(text)):
        depth += (text[i] == "(") - (text[i] == ")")
        if depth == 0:
            return i
    raise ValueError(f"unbalanced parentheses in {text!r}")


def _key_part(part: str) -> str:
    # Direction is dropped: a B-tree is read both ways, so (total) and (total DESC) are one fix.
    part = re.sub(
        r"\s+(asc|desc)(\s+nulls\s+(first|last))?\s*$|\s+nulls\s+(first|last)\s*$",
        "",
        part.strip(),
        flags=re.I,
    )
    part = _norm(part)
    if part.startswith("(") and part.endswith(")") and _close(part, 0) == len(part) - 1:
        part = part[1:-1]  # an expression key written in its own parentheses
    return part


def _shape(table: str, rest: str) -> IndexShape:
    """``rest`` starts at ``USING m (...)`` or ``(...)`` and may carry INCLUDE and WHERE."""
    method = "btree"
    using = re.match(r"\s*using\s+(\w+)\s*", rest, re.I)
    if using:
        method = using.group(1).lower()
        rest = rest[using.end() :]
    rest = rest.lstrip()
    if not rest.startswith("("):
        raise ValueError(f"no column list in {rest!r}")
    end = _close(rest, 0)
    columns = tuple(_key_part(p) for p in _split_top(rest[1:end]))
    tail = rest[end + 1 :]
    include: tuple[str, ...] = ()
    inc = re.match(r"\s*include\s*\(", tail, re.I)
    if inc:
        start = inc.end() - 1
        close = _close(tail, start)
        include = tuple(_norm(p) for p in _split_top(tail[start + 1 : close]))
        tail = tail[close + 1 :]
    where = ""
    cond = re.match(r"\s*where\s+(.*?)\s*;?\s*$", tail, re.I | re.S)
    if cond:
        where = _norm(cond.group(1)).strip("()")
    elif tail.strip(" ;"):
        tail = re.sub(r"(?i)\s*,?\s*(algorithm|lock)\s*=\s*\w+", "", tail)
        if tail.strip(" ;,"):
            raise ValueError(f"cannot read {tail!r} after the column list")
    return IndexShape(_norm(table).split(".")[-1], columns, include, where, method)


def parse_spec(spec: str) -> IndexShape:
    """A key's index spec: ``table(col, ...)`` [``INCLUDE (...)``] [``WHERE ...``], or
    ``table USING method (...)``."""
    match = re.match(r"\s*([\w.`\"]+)\s*(.*)$", spec, re.S)
    if not match:
        raise ValueError(f"not an index spec: {spec!r}")
    return replace(_shape(match.group(1), match.group(2)), spec=spec)


_CREATE = re.compile(
    r"^\s*create\s+(?:unique\s+)?(?:(?P<kind>fulltext|spatial)\s+)?index\s+(?:concurrently\s+)?"
    r"(?:if\s+not\s+exists\s+)?(?:[\w`\".]+\s+)?on\s+(?:only\s+)?(?P<table>[\w`\".]+)\s*(?P<rest>.*)$",
    re.I | re.S,
)
_ALTER = re.compile(
    r"^\s*alter\s+table\s+(?P<table>[\w`\".]+)\s+.*?add\s+(?:unique\s+)?(?P<kind>fulltext\s+)?(?:index|key)\s+"
    r"(?:[\w`\"]+\s*)?(?P<rest>\(.*)$",
    re.I | re.S,
)


def parse_create_index(statement: str) -> IndexShape | None:
    """The index a ``CREATE INDEX`` (or MySQL ``ALTER TABLE … ADD INDEX``) statement builds; None
    when the statement builds no index."""
    match = _CREATE.match(statement) or _ALTER.match(statement)
    if not match:
        return None
    rest = match.group("rest")
    if match.re is _ALTER:
        # ALTER TABLE t ADD INDEX i (cols), ALGORITHM=INPLACE, LOCK=NONE [, DROP INDEX ...]
        rest = rest[: _close(rest, 0) + 1]
    shape = _shape(match.group("table"), rest)
    kind = (match.group("kind") or "").strip().lower()
    return IndexShape(shape.table, shape.columns, shape.include, shape.where, kind or shape.method, statement)


def load_keys(engine: str) -> list[AnswerKey]:
    """The answer keys of one engine, validated (raises ValueError on the first malformed one)."""
    data = tomllib.loads((KEYS / f"{engine}.toml").read_text())
    keys: list[AnswerKey] = []
    seen: set[str] = set()
    for raw in data["query"]:
        missing = [f for f in FIELDS if f not in raw]
        extra = sorted(set(raw) - set(FIELDS))
        if missing or extra:
            raise ValueError(f"{raw.get('id')}: missing {missing}, unknown {extra}")
        if raw["id"] in seen:
            raise ValueError(f"{raw['id']}: duplicate id")
        seen.add(raw["id"])
        if raw["db"] not in SAMPLES:
            raise ValueError(f"{raw['id']}: unknown db {raw['db']!r}")
        unknown = sorted((set(raw["tags"]) | set(raw["ok"])) - TAGS)
        if unknown:
            raise ValueError(f"{raw['id']}: unknown tags {unknown}")
        if set(raw["tags"]) & set(raw["ok"]):
            raise ValueError(f"{raw['id']}: a tag is both expected and merely ok")
        if ("missing-index" in raw["tags"]) != bool(raw["index"]):
            raise ValueError(f"{raw['id']}: 'missing-index' and a non-empty index list go together")
        for text in ("intent", "sql", "diagnosis"):
            if not raw[text].strip():
                raise ValueError(f"{raw['id']}: empty {text}")
        keys.append(
            AnswerKey(
                id=raw["id"],
                db=raw["db"],
                intent=raw["intent"],
                sql=raw["sql"],
                diagnosis=raw["diagnosis"],
                tags=tuple(raw["tags"]),
                ok=tuple(raw["ok"]),
                index=tuple(parse_spec(s) for s in raw["index"]),
                debatable_index=tuple(parse_spec(s) for s in raw["debatable_index"]),
                rewrite=raw["rewrite"],
            )
        )
    return keys


def all_keys() -> dict[str, list[AnswerKey]]:
    return {engine: load_keys(engine) for engine in ENGINES}
