"""The sampled-schema analysis and the result grid on arbitrary documents: no exception, shares and
presence that add up."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import bson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tui.adapters.mongo_convert import documents_to_page
from tui.adapters.mongo_schema import MAX_FIELDS, analyze_sample

SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(),
    st.text(max_size=10),
    st.binary(max_size=8),
    st.datetimes(timezones=st.just(UTC)),
    st.builds(bson.ObjectId),
    st.builds(lambda d: bson.Decimal128(str(d)), st.decimals(min_value=-(10**9), max_value=10**9, places=3)),
)
values = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(st.text(max_size=4), children, max_size=4)
    ),
    max_leaves=30,
)
documents = st.lists(st.dictionaries(st.text(max_size=5), values, max_size=6), max_size=8)


@SETTINGS
@given(documents)
def test_sample_analysis_is_total(docs: list[dict[str, Any]]) -> None:
    schema = analyze_sample(docs)
    assert schema.sampled == len(docs)
    assert len(schema.fields) <= MAX_FIELDS
    for stat in schema.fields:
        assert 0 < stat.presence <= 1
        assert stat.documents <= len(docs)
        shares = stat.type_shares
        assert abs(sum(s for _, s in shares) - 1) < 1e-9
        assert stat.type_label


@SETTINGS
@given(documents, st.booleans())
def test_result_grid_is_total(docs: list[dict[str, Any]], truncated: bool) -> None:
    page = documents_to_page(docs, truncated=truncated)
    assert len(page.rows) == len(docs)
    assert all(len(row) == len(page.columns) for row in page.rows)
    assert len(set(page.columns)) == len(page.columns) == len(page.column_types)


def test_grid_keeps_numbers_and_dates() -> None:
    when = datetime(2024, 1, 1, tzinfo=UTC)
    page = documents_to_page([{"a": 1, "b": 2.5, "c": when, "d": bson.int64.Int64(7)}], truncated=False)
    assert page.rows == [(1, 2.5, when, 7)]
    assert page.column_types == ["int", "double", "date", "long"]
