"""Whatever the input — arbitrary JSON, plan-shaped JSON with wrong types, truncated or garbled real
plans, huge or deep plans — the parsers give a Plan or a PlanInputError, never another exception."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tui.core.errors import PlanInputError
from tui.core.plan import Plan
from tui.headless.plan_output import dumps, plan_document, render_plan_markdown, render_plan_text
from tui.plans.detect import parse_plan
from tui.plans.postgres import BUFFER_FIELDS, parse_postgres_plan
from tui.plans.postgres_text import parse_postgres_text

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "plans"
REAL_TEXTS = [
    (FIXTURES / name).read_text(encoding="utf-8")
    for name in sorted(p.name for p in FIXTURES.iterdir() if p.name.startswith("postgres"))
]

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=12),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=25,
)

NODE_KEYS = [
    "Node Type",
    "Parent Relationship",
    "Subplan Name",
    "Actual Total Time",
    "Actual Startup Time",
    "Actual Rows",
    "Actual Loops",
    "Plan Rows",
    "Total Cost",
    "Startup Cost",
    "Workers Planned",
    "Workers Launched",
    "Strategy",
    "Join Type",
    "Partial Mode",
    "Operation",
    "CTE Name",
    "Relation Name",
    "Schema",
    "Index Name",
    "Filter",
    "Output",
    "Rows Removed by Filter",
    "Rows Removed by Index Recheck",
    "Parallel Aware",
    "Scan Direction",
    *[key for key, _ in BUFFER_FIELDS],
]
scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-3, max_value=10**25)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.sampled_from(
        ["InitPlan", "SubPlan", "CTE x", "InitPlan 1 (returns $0)", "$0", "Result", "Seq Scan", "Hashed"]
    )
    | st.lists(st.sampled_from(["$0", "(InitPlan 1).col1", "x"]), max_size=3)
)


@st.composite
def plan_nodes(draw: st.DrawFn, depth: int = 0) -> dict[str, Any]:
    keys = draw(st.lists(st.sampled_from(NODE_KEYS), max_size=12, unique=True))
    node = {key: draw(scalars) for key in keys}
    if draw(st.booleans()):
        node["Node Type"] = draw(
            st.sampled_from(["Seq Scan", "Result", "CTE Scan", "Gather", "Aggregate", ""])
        )
    if depth < 3 and draw(st.booleans()):
        node["Plans"] = (
            draw(st.lists(plan_nodes(depth + 1), max_size=3)) if draw(st.booleans()) else draw(scalars)
        )
    return node


def _exercise(plan: Plan) -> None:
    """Parsing is not enough: every renderer must also cope with whatever the parser accepted."""
    json.loads(dumps(plan_document(plan, [])))
    render_plan_text(plan, [])
    render_plan_markdown(plan, [])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(json_values)
def test_arbitrary_json_never_raises_anything_but_plan_input_error(value: Any) -> None:
    for call in (lambda: parse_postgres_plan(value), lambda: parse_plan(json.dumps(value))):
        try:
            plan = call()
        except PlanInputError:
            continue
        _exercise(plan)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    plan_nodes(),
    st.dictionaries(
        st.sampled_from(["Execution Time", "Planning Time", "JIT", "Triggers", "Settings"]), scalars
    ),
)
def test_plan_shaped_json_with_wrong_types(node: dict[str, Any], header: dict[str, Any]) -> None:
    try:
        plan = parse_postgres_plan([{"Plan": node, **header}])
    except PlanInputError:
        return
    _exercise(plan)
    for n in plan.nodes():
        assert n.time_exclusive_ms is None or n.time_exclusive_ms >= 0


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(range(len(REAL_TEXTS))), st.floats(min_value=0.0, max_value=1.0))
def test_truncated_real_plans(index: int, fraction: float) -> None:
    text = REAL_TEXTS[index]
    cut = text[: int(len(text) * fraction)]
    try:
        plan = parse_plan(cut)
    except PlanInputError as exc:
        assert exc.message and "\n" not in exc.one_line()
        return
    _exercise(plan)


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from(range(len(REAL_TEXTS))),
    st.lists(
        st.tuples(st.floats(0, 1), st.sampled_from(list('{}[],:"+ \n0-9aeE.|$\\'))), min_size=1, max_size=6
    ),
)
def test_garbled_real_plans(index: int, edits: list[tuple[float, str]]) -> None:
    text = REAL_TEXTS[index]
    for where, char in edits:
        pos = int(where * (len(text) - 1))
        text = text[:pos] + char + text[pos + 1 :]
    for call in (lambda: parse_plan(text), lambda: parse_postgres_plan(text)):
        with contextlib.suppress(PlanInputError):
            _exercise(call())


def _scan(i: int, relationship: str = "Member") -> dict[str, Any]:
    node: dict[str, Any] = {
        "Node Type": "Seq Scan",
        "Parent Relationship": relationship,
        "Parallel Aware": False,
        "Async Capable": False,
        "Relation Name": f"part_{i}",
        "Schema": "public",
        "Alias": f"part_{i}",
        "Startup Cost": 0.0,
        "Total Cost": 35.5,
        "Plan Rows": 2550,
        "Plan Width": 8,
        "Actual Startup Time": 0.004,
        "Actual Total Time": 0.010,
        "Actual Rows": 10,
        "Actual Loops": 1,
        "Output": ["id", "k"],
        "Filter": "(k = 1)",
        "Rows Removed by Filter": 90,
    }
    for key, _ in BUFFER_FIELDS[:10]:
        node[key] = 1
    return node


def _wide(count: int) -> list[dict[str, Any]]:
    root = {**_scan(0), "Node Type": "Append", "Actual Total Time": 60.0}
    del root["Parent Relationship"]
    root["Plans"] = [_scan(i) for i in range(1, count)]
    return [{"Plan": root, "Planning Time": 1.0, "Execution Time": 61.0}]


def _deep(count: int) -> dict[str, Any]:
    root = _scan(0)
    current = root
    for i in range(1, count):
        child = _scan(i, "Outer")
        current["Plans"] = [child]
        current = child
    return {"Plan": root}


def test_5000_node_plan_parses_whole() -> None:
    """Its speed is measured by benchmarks/plan_parse.py; here, that nothing is lost on the way."""
    data = _wide(5000)
    plan = parse_postgres_plan(data)
    assert len(list(plan.nodes())) == 5000
    assert plan.root.rows_removed == 90
    assert len(list(parse_plan(json.dumps(data, indent=2)).nodes())) == 5000


def test_5000_deep_plan_no_recursion_error() -> None:
    """A chain 5,000 nodes deep (deeper than JSON text can be decoded, so given as decoded data, as
    psycopg would hand it over): parsing, the walks and the text renderer are iterative."""
    plan = parse_postgres_plan(_deep(5000))
    ids = [n.node_id for n in plan.nodes()]
    assert ids == list(range(5000))
    # every node's exclusive time is its own 0.010 ms minus its child's 0.010 ms, the leaf keeps 0.010
    assert plan.root.time_exclusive_ms == 0 and plan.node_by_id(4999).time_exclusive_ms == 0.01  # type: ignore[union-attr]
    text = render_plan_text(plan, [])
    assert text.count("#4999 Seq Scan") == 1


def test_deeply_nested_json_text_is_an_input_error() -> None:
    deep = '{"Plan": ' * 50_000 + "1" + "}" * 50_000
    with pytest.raises(PlanInputError, match=r"nested too deeply|'Plan' value"):
        parse_plan(deep)


TEXT_LINES = [
    "Seq Scan on t  (cost=0.00..1.00 rows=1 width=4) (actual time=0.010..0.020 rows=1 loops=1)",
    "->  Hash Join  (cost=1.00..2.00 rows=2 width=8) (actual time=0.1..0.2 rows=2 loops=2)",
    "->  Index Scan using i on s.t a  (cost=0.29..8.30 rows=1 width=4) (never executed)",
    "->  Parallel Seq Scan on t (actual rows=3.50 loops=3)",
    "InitPlan 1 (returns $0)",
    "SubPlan 2",
    "CTE x",
    "Worker 0:  actual time=0.1..0.2 rows=1 loops=1",
    "Worker 1:  Sort Method: quicksort  Memory: 25kB",
    "Buffers: shared hit=1 read=2, temp written=3",
    "I/O Timings: shared read=0.1, temp write=0.2",
    "WAL: records=1 fpi=0 bytes=10 buffers full=0",
    "Sort Method: external merge  Disk: 10kB",
    "Heap Blocks: exact=1 lossy=2",
    "Buckets: 1024 (originally 8)  Batches: 2 (originally 1)  Memory Usage: 9kB",
    "Rows Removed by Filter: 5",
    "Filter: (a = $0)",
    "Output: a, (b + 1)",
    "Workers: nonsense",
    "Triggers: nonsense",
    "Plans: nonsense",
    "Node Type: 5",
    "Planning:",
    "JIT:",
    "Functions: 3",
    "Options: Inlining false, Optimization true",
    "Timing: Generation 0.1 ms (Deform 0.0 ms), Total 0.2 ms",
    "Settings: work_mem = '64kB', a = 'b'",
    "Trigger t on x: time=1.0 calls=2",
    "Planning Time: 0.1 ms",
    "Execution Time: 1.0 ms",
    "QUERY PLAN",
    "------",
    "(3 rows)",
    "garbage ( ) :: =",
]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 12), st.sampled_from(TEXT_LINES)), min_size=1, max_size=14))
def test_text_format_garbage_never_raises_anything_but_plan_input_error(lines: list[tuple[int, str]]) -> None:
    text = "\n".join(" " * indent + line for indent, line in lines)
    for call in (lambda: parse_postgres_text(text), lambda: parse_plan(text)):
        try:
            plan = call()
        except PlanInputError:
            continue
        _exercise(plan)
