"""Facts about existing indexes that several rules share: key parts, coverage by prefix, constraint
ownership, and the selectivity of a column from planner statistics.

Key parts come from the adapter's ``Index.options["key_order"]`` (columns and expression texts in key
order) when present, else from ``columns`` + ``expressions``; direction and operator class come from the
index definition (``pg_get_indexdef``), so ``(a DESC)`` and ``(a text_pattern_ops)`` are not mistaken
for ``(a)``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from tui.core.catalog import Column, Index, ObjectDetail

_USING = re.compile(r"\bUSING\s+(\w+)\s*\(", re.I)


def _split_top(text: str) -> list[str]:
    parts, depth, quote, buf = [], 0, "", []
    for ch in text:
        if quote:
            buf.append(ch)
            if ch == quote:
                quote = ""
            continue
        if ch in "'\"":
            quote = ch
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append("".join(buf).strip())
            buf = []
            continue
        buf.append(ch)
    if "".join(buf).strip():
        parts.append("".join(buf).strip())
    return parts


def definition_parts(index: Index) -> list[str] | None:
    """The key list of ``CREATE INDEX … USING m (a, b DESC) INCLUDE (…) WHERE …`` as texts, or None."""
    match = _USING.search(index.definition or "")
    if not match:
        return None
    start = match.end()
    depth = 1
    for pos in range(start, len(index.definition)):
        ch = index.definition[pos]
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                return _split_top(index.definition[start:pos])
    return None


def key_parts(index: Index) -> list[str]:
    """Key columns/expressions in order (INCLUDE columns excluded), as the catalog names them."""
    order = index.options.get("key_order") if index.options else None
    if order:
        return list(order)
    return [*index.columns, *index.expressions]


def plain_key_columns(index: Index) -> list[str] | None:
    """The key columns when every key part is a plain ascending column with the default operator
    class; None when any part is an expression, descending, or has an operator class."""
    keys = key_parts(index)
    exprs = set(index.expressions)
    if any(k in exprs for k in keys):
        return None
    parts = definition_parts(index)
    if parts is not None:
        if len(parts) != len(keys):
            return None
        for part in parts:
            words = part.split()
            if len(words) != 1:  # DESC, NULLS FIRST, an opclass or a COLLATE
                return None
    return keys


def key_directions(index: Index) -> list[tuple[bool, bool] | None]:
    """Per key part its order as (descending, nulls first): ``a`` → (False, False), ``a DESC`` →
    (True, True), ``a DESC NULLS LAST`` → (True, False). None for a part with an operator class or a
    collation (it serves no ORDER BY of the plain column). Without a definition (engines that do not
    print one) every part counts as ascending."""
    keys = key_parts(index)
    parts = definition_parts(index)
    if parts is None or len(parts) != len(keys):
        return [(False, False)] * len(keys)
    out: list[tuple[bool, bool] | None] = []
    for part in parts:
        tail = [w.upper() for w in _split_words(part)][1:]
        desc = tail[:1] == ["DESC"]
        if tail[:1] in (["ASC"], ["DESC"]):
            tail = tail[1:]
        if not tail:
            out.append((desc, desc))
        elif tail in (["NULLS", "FIRST"], ["NULLS", "LAST"]):
            out.append((desc, tail[1] == "FIRST"))
        else:
            out.append(None)
    return out


def _split_words(part: str) -> list[str]:
    """``"My Col" DESC`` → ['"My Col"', 'DESC']: whitespace-separated words, quoted names kept whole."""
    return re.findall(r'"(?:[^"]|"")*"|\([^)]*\)|\S+', part)


def usable_btree(index: Index) -> bool:
    return index.valid and index.method == "btree" and not index.predicate


def covering_index(
    detail: ObjectDetail,
    columns: Sequence[str],
    equality: int = 0,
    directions: Sequence[tuple[bool, bool] | None] | None = None,
) -> Index | None:
    """An existing valid, non-partial B-tree whose leading key columns serve ``columns``.

    The first ``equality`` columns are equality columns, whose order among themselves does not matter;
    the rest must follow in order. ``directions`` gives, per column, the order a sort column needs as
    (descending, nulls first), None for any: the index serves them when its orders on those columns are
    all the same or all reversed (a backward scan)."""
    if not columns:
        return None
    want_eq = set(columns[:equality])
    rest = list(columns[equality:])
    for index in detail.indexes:
        if not usable_btree(index):
            continue
        keys = key_parts(index)
        if set(index.expressions) & set(keys[: len(columns)]):
            continue
        if len(keys) < len(columns):
            continue
        head = keys[: len(columns)]
        if (
            set(head[: len(want_eq)]) == want_eq
            and head[len(want_eq) :] == rest
            and (directions is None or _directions_serve(key_directions(index), directions))
        ):
            return index
    return None


def _directions_serve(
    have: Sequence[tuple[bool, bool] | None], want: Sequence[tuple[bool, bool] | None]
) -> bool:
    pairs = [(have[i] if i < len(have) else None, w) for i, w in enumerate(want) if w is not None]
    if not pairs:
        return True
    if any(h is None for h, _ in pairs):
        return False
    same = all(h == w for h, w in pairs)
    flipped = all(h == (not w[0], not w[1]) for h, w in pairs if h is not None)
    return same or flipped


def leading_index(detail: ObjectDetail, columns: Sequence[str]) -> Index | None:
    """A valid, non-partial index of any method whose leading key columns are ``columns`` in any order
    (what a foreign key lookup needs)."""
    want = set(columns)
    for index in detail.indexes:
        if not index.valid or index.predicate:
            continue
        keys = key_parts(index)
        if len(keys) >= len(want) and set(keys[: len(want)]) == want and index.method in ("btree", "hash"):
            if index.method == "hash" and len(want) != 1:
                continue
            return index
    return None


def indexes_on_column(detail: ObjectDetail, column: str) -> list[Index]:
    """Valid indexes in which ``column`` is a plain key column (any position)."""
    return [i for i in detail.indexes if i.valid and column in key_parts(i) and column not in i.expressions]


def distinct_values(column: Column | None, row_estimate: float | None) -> float | None:
    """Distinct values of a column from pg_stats.n_distinct (negative = a fraction of the rows)."""
    if column is None or column.n_distinct is None:
        return None
    if column.n_distinct >= 0:
        return column.n_distinct
    if row_estimate is None:
        return None
    return -column.n_distinct * row_estimate


def column(detail: ObjectDetail | None, name: str | None) -> Column | None:
    if detail is None or name is None:
        return None
    return next((c for c in detail.columns if c.name == name), None)


def existing_names(detail: ObjectDetail | None) -> list[str]:
    return [i.name for i in detail.indexes] if detail else []


def is_constraint_index(index: Index) -> bool:
    return bool(index.constraint) or index.primary
