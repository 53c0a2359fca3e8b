"""hypothesis: whatever text or JSON reaches parse_mysql_plan, the only exception is PlanInputError."""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tui.core.errors import PlanInputError
from tui.core.plan import Plan
from tui.plans.mysql import parse_mysql_plan

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "plans"
PLAN_KEYS = [
    "query_block",
    "query_plan",
    "table",
    "nested_loop",
    "ordering_operation",
    "grouping_operation",
    "union_result",
    "query_specifications",
    "attached_subqueries",
    "subqueries",
    "materialized_from_subquery",
    "materialized",
    "block-nl-join",
    "filesort",
    "temporary_table",
    "expression_cache",
    "read_sorted_file",
    "duplicates_removal",
    "inputs",
    "operation",
    "access_type",
    "index_access_type",
    "table_name",
    "key",
    "rows",
    "r_rows",
    "r_loops",
    "r_total_time_ms",
    "r_table_time_ms",
    "cost_info",
    "query_cost",
    "read_cost",
    "actual_loops",
    "actual_last_row_ms",
    "estimated_rows",
    "select_id",
    "message",
]
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    st.sampled_from(["ALL", "index", "range", "ref", "hash join", "BNL", "1e+400", "-0", "3.67"]),
)
json_values = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.one_of(st.sampled_from(PLAN_KEYS), st.text(max_size=8)), children, max_size=5),
    ),
    max_leaves=40,
)


def _parse_or_plan_error(text: str) -> None:
    try:
        result = parse_mysql_plan(text)
    except PlanInputError:
        return
    assert isinstance(result, Plan)
    for node in result.nodes():  # every derived number is finite or absent
        for value in (node.time_inclusive_ms, node.time_exclusive_ms, node.cost, node.rows_actual_total):
            assert value is None or value == value


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=400))
def test_arbitrary_text(text: str) -> None:
    _parse_or_plan_error(text)


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(json_values)
def test_arbitrary_json(value: object) -> None:
    _parse_or_plan_error(json.dumps(value))
    _parse_or_plan_error(json.dumps({"query_block": value}))
    _parse_or_plan_error(json.dumps({"query_plan": value}))


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(
            st.integers(min_value=0, max_value=12),
            st.text(max_size=30),
            st.sampled_from(
                ["", "  (cost=1 rows=2)", " (actual time=1..x rows=1 loops=2)", " (never executed)"]
            ),
        ),
        max_size=12,
    )
)
def test_arbitrary_tree_lines(lines: list[tuple[int, str, str]]) -> None:
    text = "\n".join(f"{'    ' * depth}-> {body}{numbers}" for depth, body, numbers in lines)
    _parse_or_plan_error(text)


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_truncated_and_mutated_fixtures(data: st.DataObject) -> None:
    names = sorted(p.name for p in FIXTURES.iterdir() if p.name.startswith(("mysql-", "mariadb-")))
    text = (FIXTURES / data.draw(st.sampled_from(names))).read_text(encoding="utf-8")
    cut = data.draw(st.integers(min_value=0, max_value=len(text)))
    _parse_or_plan_error(text[:cut])
    position = data.draw(st.integers(min_value=0, max_value=max(0, len(text) - 1)))
    junk = data.draw(st.text(min_size=1, max_size=5))
    _parse_or_plan_error(text[:position] + junk + text[position + 1 :])
