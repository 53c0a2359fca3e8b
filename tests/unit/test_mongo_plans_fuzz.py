"""parse_mongo_plan / parse_mongo_explain on arbitrary input: a Plan or a PlanInputError, nothing else."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tui.core.errors import PlanInputError
from tui.core.plan import Plan
from tui.plans.mongo import parse_mongo_explain, parse_mongo_plan

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
PLANS = Path(__file__).resolve().parents[1] / "fixtures" / "plans"
RECORDED = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(PLANS.glob("mongodb-*.json"))]

_keys = st.sampled_from(
    [
        "queryPlanner",
        "winningPlan",
        "executionStats",
        "executionStages",
        "stage",
        "inputStage",
        "inputStages",
        "innerStage",
        "outerStage",
        "shards",
        "stages",
        "$cursor",
        "queryPlan",
        "planNodeId",
        "nReturned",
        "executionTimeMillisEstimate",
        "executionTimeMillis",
        "keysExamined",
        "docsExamined",
        "indexName",
        "indexBounds",
        "rejectedPlans",
        "allPlansExecution",
        "shardName",
        "splitPipeline",
        "mergerPart",
        "namespace",
        "filter",
        "$numberLong",
    ]
)
json_values = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.floats(allow_nan=False),
        st.text(max_size=8),
        st.sampled_from(["COLLSCAN", "IXSCAN", "FETCH", "SORT", "SHARD_MERGE", "ixseek", "scan", "$cursor"]),
    ),
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.one_of(_keys, st.text(max_size=5)), children, max_size=5),
    ),
    max_leaves=40,
)


def _check(call: Any) -> None:
    try:
        plan = call()
    except PlanInputError:
        return
    assert isinstance(plan, Plan)
    for node in plan.nodes():
        assert isinstance(node.operation, str)


@SETTINGS
@given(json_values)
def test_arbitrary_json_documents(doc: Any) -> None:
    _check(lambda: parse_mongo_explain(doc))
    _check(lambda: parse_mongo_plan(json.dumps(doc)))


@SETTINGS
@given(st.text(max_size=400))
def test_arbitrary_text(text: str) -> None:
    _check(lambda: parse_mongo_plan(text))


def _paths(doc: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(doc, dict):
        for key, value in doc.items():
            out.extend(_paths(value, (*prefix, key)))
    elif isinstance(doc, list):
        for index, value in enumerate(doc):
            out.extend(_paths(value, (*prefix, index)))
    return out


@SETTINGS
@given(st.integers(0, len(RECORDED) - 1), st.integers(0, 10**6), json_values, st.booleans())
def test_mutated_recorded_explains(which: int, where: int, replacement: Any, delete: bool) -> None:
    doc = copy.deepcopy(RECORDED[which])
    paths = [p for p in _paths(doc) if p]
    path = paths[where % len(paths)]
    parent = doc
    for step in path[:-1]:
        parent = parent[step]
    if delete and isinstance(parent, dict):
        del parent[path[-1]]
    else:
        parent[path[-1]] = replacement
    _check(lambda: parse_mongo_explain(doc))
