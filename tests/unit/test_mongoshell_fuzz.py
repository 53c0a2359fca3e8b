"""Property tests for the mongosh-syntax parser: arbitrary text raises only UsageError (and is never
executed); generated values survive render → parse unchanged."""

from __future__ import annotations

import contextlib
import math
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tui.core.errors import UsageError
from tui.core.mongoshell import (
    UUID,
    Binary,
    Decimal128,
    Int32,
    Long,
    MaxKey,
    MinKey,
    MongoQuery,
    ObjectId,
    Regex,
    ShellDate,
    Timestamp,
    Undefined,
    parse_query,
    parse_value,
    parse_values,
    render_query,
    to_shell,
)

SETTINGS = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Characters that matter to the grammar, mixed with anything.
_GRAMMAR = st.sampled_from(
    [
        *list("{}[]():,.;+-/*'\"`\\\n $_0123456789eExabcdbfindsortlimit"),
        "db.",
        "find(",
        "aggregate([",
        "ObjectId(",
        "ISODate(",
        "new Date(",
        "NumberLong(",
        "/*",
        "//",
        "\\u",
        "Timestamp(",
        "BinData(",
        "UUID(",
        "RegExp(",
        "explain(",
        "getCollection(",
        "true",
        "null",
        "Infinity",
    ]
)
shell_like_text = st.lists(st.one_of(_GRAMMAR, st.text(max_size=3)), max_size=60).map("".join)


@SETTINGS
@given(st.text(max_size=300))
def test_any_text_raises_only_usage_error(text: str) -> None:
    for parse in (parse_query, parse_value, parse_values):
        with contextlib.suppress(UsageError):
            parse(text)


@SETTINGS
@given(shell_like_text)
def test_shell_like_text_raises_only_usage_error(text: str) -> None:
    for call in (
        lambda: parse_query(text),
        lambda: parse_query(text, default_collection="c"),
        lambda: parse_value(text),
        lambda: parse_values(text),
    ):
        with contextlib.suppress(UsageError):
            call()


def test_nothing_is_executed(monkeypatch: Any) -> None:
    """Text that would run code in a JavaScript shell is refused, and Python's eval/exec are never used."""
    import builtins

    def forbidden(*_args: Any, **_kwargs: Any) -> None:
        raise AssertionError("the parser must never evaluate input")

    monkeypatch.setattr(builtins, "eval", forbidden)
    monkeypatch.setattr(builtins, "exec", forbidden)
    monkeypatch.setattr(builtins, "__import__", _guarded_import(builtins.__import__))
    for text in (
        "db.c.find({$where: function() { return true }})",
        "db.c.find({a: (function(){ quit() })()})",
        "db.c.find({a: require('child_process')})",
        "db.c.find({a: process.exit(1)})",
        "db.c.find({a: `${quit()}`})",
        "db.c.find({a: this.constructor})",
        "db.c.find({a: __import__('os')})",
    ):
        try:
            query = parse_query(text)
        except UsageError:
            continue
        # Template strings read as plain text: nothing inside ${} is evaluated.
        assert query.filter == {"a": "${quit()}"}, text


def _guarded_import(original: Any) -> Any:
    def guarded(name: str, *args: Any, **kwargs: Any) -> Any:
        if name in {"os", "subprocess", "pymongo", "bson"}:
            raise AssertionError(f"the parser imported {name}")
        return original(name, *args, **kwargs)

    return guarded


# -- round trip --------------------------------------------------------------------------------------

_dates = st.datetimes(
    min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31), timezones=st.just(UTC)
).map(lambda d: d - timedelta(microseconds=d.microsecond % 1000))
_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False),
    st.text(max_size=20),
    st.from_regex(r"[0-9a-f]{24}", fullmatch=True).map(ObjectId),
    _dates.map(ShellDate),
    st.just(ShellDate(None)),
    st.integers(min_value=-(2**63), max_value=2**63 - 1).map(Long),
    st.integers(min_value=-(2**31), max_value=2**31 - 1).map(Int32),
    st.decimals(allow_nan=False, allow_infinity=False, places=4).map(lambda d: Decimal128(str(d))),
    st.builds(Timestamp, st.integers(0, 2**32 - 1), st.integers(0, 2**32 - 1)),
    st.builds(Regex, st.text(max_size=12), st.sampled_from(["", "i", "im", "msx", "s"])),
    st.uuids().map(lambda u: UUID(u.hex)),
    st.builds(Binary, st.binary(max_size=16), st.integers(0, 255)),
    st.just(MinKey()),
    st.just(MaxKey()),
    st.just(Undefined()),
)
values = st.recursive(
    _scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.text(max_size=8), children, max_size=4),
    ),
    max_leaves=25,
)


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return a == b or (math.isnan(a) and math.isnan(b))
    if isinstance(a, dict) and isinstance(b, dict):
        return list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return type(a) is type(b) and a == b


@SETTINGS
@given(values)
def test_values_round_trip(value: Any) -> None:
    for indent in (None, 2):
        text = to_shell(value, indent=indent)
        assert _same(parse_value(text), value), text


_names = st.text(min_size=1, max_size=12).filter(lambda s: s.strip() == s and s)
_docs = st.dictionaries(st.text(min_size=1, max_size=8), values, max_size=3)


@SETTINGS
@given(
    collection=_names,
    database=st.one_of(st.none(), _names),
    filter_=_docs,
    projection=st.one_of(
        st.none(), st.dictionaries(st.text(min_size=1, max_size=8), st.sampled_from([0, 1]))
    ),
    sort=st.one_of(
        st.none(), st.dictionaries(st.text(min_size=1, max_size=8), st.sampled_from([1, -1]), min_size=1)
    ),
    skip=st.one_of(st.none(), st.integers(0, 10**6)),
    limit=st.one_of(st.none(), st.integers(0, 10**6)),
    verbosity=st.sampled_from([None, "queryPlanner", "executionStats", "allPlansExecution"]),
)
def test_find_queries_round_trip(
    collection: str,
    database: str | None,
    filter_: dict[str, Any],
    projection: dict[str, Any] | None,
    sort: dict[str, Any] | None,
    skip: int | None,
    limit: int | None,
    verbosity: str | None,
) -> None:
    query = MongoQuery(
        collection=collection,
        database=database,
        filter=filter_,
        projection=projection,
        sort=sort,
        skip=skip,
        limit=limit,
        verbosity=verbosity,
    )
    again = parse_query(render_query(query))
    again.source = ""
    assert _same(again.filter, query.filter)
    again.filter = query.filter
    assert again == query


@SETTINGS
@given(
    collection=_names,
    pipeline=st.lists(
        st.dictionaries(st.sampled_from(["$match", "$project", "$limit"]), values, min_size=1, max_size=1),
        max_size=4,
    ),
)
def test_aggregate_queries_round_trip(collection: str, pipeline: list[dict[str, Any]]) -> None:
    query = MongoQuery(collection=collection, operation="aggregate", pipeline=pipeline)
    again = parse_query(render_query(query))
    assert _same(again.pipeline, pipeline)
    assert again.collection == collection
