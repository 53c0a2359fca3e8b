"""MongoDB explain → Plan (tui.plans.mongo) on recorded outputs: classic, slot-based engine, aggregation,
sharded find and sharded aggregate, Extended JSON and mongosh printouts. Every number is read from the
fixture by hand."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tui.core.errors import PlanInputError
from tui.core.plan import Plan
from tui.plans.mongo import parse_mongo_explain, parse_mongo_plan

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
PLANS = FIXTURES / "plans"
MONGO = FIXTURES / "mongo"


def load(name: str) -> Plan:
    path = PLANS / name if (PLANS / name).exists() else MONGO / name
    return parse_mongo_plan(path.read_text(encoding="utf-8"))


def shape(plan: Plan) -> list[tuple[int, str]]:
    return [(depth, node.operation) for node, depth in plan.root.walk_with_depth()]


def test_classic_fetch_ixscan() -> None:
    plan = load("mongodb-ixscan-fetch.json")
    assert (plan.engine, plan.format, plan.analyzed) == ("mongodb", "mongodb-classic", True)
    assert shape(plan) == [(0, "FETCH"), (1, "IXSCAN")]
    fetch, ixscan = plan.nodes()
    assert fetch.object == "mongodb.fanclub" and fetch.rows_actual == 191665 and fetch.loops == 1
    assert fetch.extra["docsExamined"] == 191665
    assert fetch.time_inclusive_ms == 110 and fetch.time_exclusive_ms == 60  # 110 − IXSCAN's 50
    assert ixscan.index == "age_1" and ixscan.extra["keysExamined"] == 191665
    assert ixscan.extra["isMultiKey"] is False
    assert ixscan.index_condition == "age: [33, 40]"
    assert plan.execution_time_ms == 135
    assert plan.header["totalDocsExamined"] == 191665 and plan.header["nReturned"] == 191665
    assert plan.header["summary"]["index_type"] == "INDEX"
    assert [n.node_id for n in plan.nodes()] == [1, 2]


def test_classic_covered_projection() -> None:
    plan = load("mongodb-covered-index.json")
    assert shape(plan) == [(0, "PROJECTION"), (1, "IXSCAN")]
    assert plan.header["totalDocsExamined"] == 0
    summary = plan.header["summary"]
    assert summary["covered"] is True and summary["index_type"] == "COVERED"


def test_classic_in_memory_sort() -> None:
    plan = load("mongodb-sort-skip-limit.json")
    assert shape(plan) == [
        (0, "SKIP"),
        (1, "PROJECTION"),
        (2, "SORT"),
        (3, "KEEP_MUTATIONS"),
        (4, "SORT_KEY_GENERATOR"),
        (5, "FETCH"),
        (6, "IXSCAN"),
    ]
    sort = plan.root.children[0].children[0]
    assert sort.extra["sortPattern"] == {"email": -1}
    assert sort.extra["memUsage"] == 12416 and sort.extra["memLimit"] == 33554432
    assert sort.rows_actual == 29 and sort.time_inclusive_ms == 440 and sort.time_exclusive_ms == 90
    assert plan.root.rows_actual == 9 and plan.execution_time_ms == 495
    assert plan.header["summary"]["in_memory_sort"] is True


def test_classic_collscan_docs_examined() -> None:
    plan = load("mongodb-collscan-docs-examined.json")
    (scan,) = plan.nodes()
    assert scan.operation == "COLLSCAN" and scan.object == "integration.products"
    assert (scan.rows_actual, scan.extra["docsExamined"], scan.time_inclusive_ms) == (0, 721, 13)
    assert scan.filter is not None and "$gt" in scan.filter and "0.6283678507530881" in scan.filter
    assert plan.header["summary"]["index_type"] == "COLLSCAN"
    assert plan.query is not None and plan.query.startswith('{ find: "products"')


def test_express_and_clustered_stages() -> None:
    plan = load("mongodb-express-ixscan.json")
    (node,) = plan.nodes()
    assert (node.operation, node.index, node.rows_actual) == ("EXPRESS_IXSCAN", "a_1_b_1", 1)
    assert node.time_inclusive_ms is None  # express stages report no time estimate
    assert node.extra["keyPattern"] == "{ a: 1, b: 1 }"
    plan = load("mongodb-clustered-scan.json")
    (node,) = plan.nodes()
    assert node.operation == "CLUSTERED_IXSCAN" and node.extra["docsExamined"] == 2
    assert plan.header["summary"]["index_type"] == "CLUSTERED"


def test_aggregate_with_cursor_then_stages() -> None:
    plan = load("mongodb-aggregate-collscan.json")
    assert plan.format == "mongodb-aggregate"
    assert shape(plan) == [(0, "$lookup"), (1, "$match"), (2, "$cursor"), (3, "LIMIT"), (4, "COLLSCAN")]
    lookup, match, cursor, limit, scan = plan.nodes()
    assert (lookup.rows_actual, lookup.time_inclusive_ms, lookup.time_exclusive_ms) == (20, 5, 5)
    assert match.rows_actual == 20 and cursor.rows_actual == 100
    assert cursor.object == "airbnb.reviews"
    assert limit.extra["limitAmount"] == 100 and scan.extra["docsExamined"] == 100
    assert lookup.extra["spec"]["from"] == "listings"
    assert plan.execution_time_ms == 5  # the last stage's cumulative estimate
    cursors = plan.header["cursors"]
    assert len(cursors) == 1 and cursors[0]["totalDocsExamined"] == 100 and cursors[0]["nReturned"] == 100


def test_sbe_aggregate_folds_slot_stages_onto_query_plan() -> None:
    plan = load("mongodb-sbe-aggregate-cursor.json")
    assert plan.header["explainVersion"] == "2" and plan.header["query_framework"] == "sbe"
    assert shape(plan) == [
        (0, "$limit"),
        (1, "$unwind"),
        (2, "$cursor"),
        (3, "LIMIT"),
        (4, "FETCH"),
        (5, "IXSCAN"),
    ]
    limit, fetch, ixscan = list(plan.nodes())[3:]
    assert (
        limit.extra["planNodeId"] == 3 and limit.rows_actual == 6 and limit.extra["sbe_stages"] == ["limit"]
    )
    # planNodeId 2: nlj (topmost, nReturned 6), the inner limit and the seek (numReads 6 → docs examined)
    assert fetch.rows_actual == 6 and fetch.extra["docsExamined"] == 6
    assert fetch.extra["sbe_stages"][0] == "nlj" and "seek" in fetch.extra["sbe_stages"]
    # planNodeId 1: filter (topmost, 6 rows after the regex), …, ixseek with keysExamined 479
    assert ixscan.rows_actual == 6 and ixscan.extra["keysExamined"] == 479 and ixscan.extra["seeks"] == 1
    assert ixscan.index == "abbr_index"
    assert "slotBasedPlan" in limit.extra
    assert plan.header["cursors"][0]["totalKeysExamined"] == 479


def test_sbe_count_scan() -> None:
    plan = load("mongodb-sbe-count-scan.json")
    assert shape(plan) == [(0, "$project"), (1, "$cursor"), (2, "GROUP"), (3, "COUNT_SCAN")]
    group, count_scan = list(plan.nodes())[2:]
    assert group.extra["sbe_stages"] == ["project", "project", "group"] and group.rows_actual == 1
    assert count_scan.extra["sbe_stages"] == ["unique", "ixseek"]
    assert count_scan.rows_actual == 2 and count_scan.extra["keysExamined"] == 2
    assert count_scan.extra["isMultiKey"] is True and count_scan.index == "a_1"
    assert plan.header["summary"]["multikey"] is True


def test_sharded_find_with_different_plans_per_shard() -> None:
    plan = load("mongodb-sharded-mixed-index.json")
    assert plan.format == "mongodb-sharded"
    assert [
        (d, n.operation, n.object if n.role == "Shard" else n.index) for n, d in plan.root.walk_with_depth()
    ] == [
        (0, "SHARD_MERGE", None),
        (1, "SHARD", "shard01"),
        (2, "SHARDING_FILTER", None),
        (3, "COLLSCAN", None),
        (1, "SHARD", "shard02"),
        (2, "SHARDING_FILTER", None),
        (3, "FETCH", None),
        (4, "IXSCAN", "age_1"),
        (1, "SHARD", "shard03"),
        (2, "SHARDING_FILTER", None),
        (3, "FETCH", None),
        (4, "IXSCAN", "age_1"),
    ]
    root = plan.root
    assert root.rows_actual == 22528 and root.time_inclusive_ms == 260
    assert root.extra["totalDocsExamined"] == 330552 and root.extra["totalChildMillis"] == 370
    assert root.time_exclusive_ms == 70  # 260 − the slowest shard (190); shards run in parallel
    shard01 = root.children[0]
    assert shard01.extra["connectionString"] == "Groot.local:27051" and shard01.rows_actual == 7043
    collscan = shard01.children[0].children[0]
    assert collscan.extra["docsExamined"] == 315067
    assert plan.header["summary"]["index_type"] == "MULTIPLE"
    assert [(c["shard"], c["totalDocsExamined"]) for c in plan.header["cursors"]] == [
        ("shard01", 315067),
        ("shard02", 8254),
        ("shard03", 7231),
    ]
    assert plan.execution_time_ms == 260


def test_single_shard_idhack() -> None:
    plan = load("mongodb-sharded-single-idhack.json")
    assert shape(plan) == [(0, "SINGLE_SHARD"), (1, "SHARD"), (2, "IDHACK")]
    assert plan.root.children[0].object == "rsmyset"
    assert plan.root.children[0].children[0].index == "_id_"
    assert plan.execution_time_ms == 4


def test_sharded_aggregate_with_sbe_shards() -> None:
    plan = load("mongodb-sharded-aggregate-sbe.json")
    assert plan.format == "mongodb-sharded"
    assert shape(plan) == [
        (0, "$unwind"),
        (1, "$group"),
        (2, "$mergeCursors"),
        (3, "SHARD_MERGE"),
        (4, "SHARD"),
        (5, "GROUP"),
        (6, "SHARDING_FILTER"),
        (7, "COLLSCAN"),
        (4, "SHARD"),
        (5, "GROUP"),
        (6, "SHARDING_FILTER"),
        (7, "COLLSCAN"),
    ]
    merge = plan.root.children[0].children[0].children[0]
    shard2, shard1 = merge.children
    assert (shard2.object, shard2.extra["host"], shard2.rows_actual) == ("shard2", "localhost:8002", 0)
    assert (shard1.object, shard1.rows_actual, shard1.time_inclusive_ms) == ("shard1", 1, 37)
    scan = shard1.children[0].children[0].children[0]
    assert scan.rows_actual == 5555 and scan.extra["docsExamined"] == 5555 and scan.time_inclusive_ms == 13
    assert merge.extra["mergeType"] == "anyShard"


def test_sharded_aggregate_with_stages_per_shard() -> None:
    """mongos explain of $lookup + $unwind on one shard: the shard runs the pipeline itself (stages[]
    with an SBE $cursor, then $lookup with its own index use), splitPipeline is null."""
    plan = load("mongodb-sharded-aggregate-lookup-stages.json")
    assert plan.format == "mongodb-sharded" and plan.analyzed
    assert shape(plan) == [
        (0, "SINGLE_SHARD"),
        (1, "SHARD"),
        (2, "$lookup"),
        (3, "$cursor"),
        (4, "SHARDING_FILTER"),
        (5, "COLLSCAN"),
    ]
    shard = plan.root.children[0]
    assert (shard.object, shard.extra["host"], shard.rows_actual, shard.time_inclusive_ms) == (
        "shard2",
        "localhost:8002",
        6,
        2.0,
    )
    lookup = shard.children[0]
    assert lookup.extra["spec"]["from"] == "districts" and lookup.extra["indexesUsed"] == ["_id_"]
    assert (lookup.extra["totalDocsExamined"], lookup.rows_actual, lookup.time_exclusive_ms) == (5, 6, 2.0)
    scan = lookup.children[0].children[0].children[0]
    assert scan.object == "kashmir.folks" and scan.extra["docsExamined"] == 6  # SBE scan numReads
    assert scan.extra["sbe_stages"] == ["scan"] and plan.header["query_framework"] == "sbe"
    assert plan.header["command"]["aggregate"] == "folks" and plan.header["namespace"] == "kashmir.folks"
    (cursor,) = plan.header["cursors"]
    assert (cursor["shard"], cursor["totalDocsExamined"], cursor["nReturned"]) == ("shard2", 6, 6)


def test_mongosh_printout_with_rejected_plan() -> None:
    plan = load("docs/explain-sbe-group-queryplanner.mongosh")
    assert plan.analyzed is False and plan.header["explainVersion"] == "2"
    assert shape(plan) == [(0, "$sort"), (1, "$cursor"), (2, "GROUP"), (3, "IXSCAN")]
    (rejected,) = plan.header["rejected_plans"]
    assert [n.operation for n in rejected.walk()] == ["PROJECTION_DEFAULT", "FETCH", "IXSCAN"]
    assert list(rejected.walk())[2].index == "imdb.rating_1_rated_1"
    assert all(n.node_id < 0 for n in rejected.walk())
    assert plan.header["planCacheShapeHash"] == "E77F011A"


def test_mongosh_printout_with_execution_stats_and_sort_stage() -> None:
    plan = load("docs/explain-sbe-group-sort-executionstats.mongosh")
    sort, cursor, group, scan = plan.nodes()
    assert sort.operation == "$sort" and sort.rows_actual == 697 and sort.extra["usedDisk"] is False
    assert sort.extra["totalDataSizeSortedBytesEstimate"] == 170765  # Long('170765') read as a number
    assert scan.operation == "COLLSCAN" and scan.extra["docsExamined"] == 41079 and scan.rows_actual == 2303
    assert group.rows_actual == 697 and cursor.rows_actual == 697
    assert plan.header["cursors"][0]["totalDocsExamined"] == 41079


def test_synthetic_sort_spill_with_candidates() -> None:
    plan = load("synthetic/classic-sort-disk-rejected.json")
    assert plan.root.extra["usedDisk"] is True and plan.root.extra["spills"] == 3
    assert [r.operation for r in plan.header["rejected_plans"]] == ["SORT"]
    (candidate,) = plan.header["candidate_plans"]
    assert candidate.extra["candidate.totalDocsExamined"] == 5000


def test_profiler_document_execstats() -> None:
    doc = json.loads((MONGO / "datadog" / "system.profile.json").read_text())[1]
    plan = parse_mongo_explain(doc)
    assert [n.operation for n in plan.nodes()] == ["CACHED_PLAN", "LIMIT", "FETCH", "IXSCAN"]
    assert list(plan.nodes())[2].extra["docsExamined"] == 417


def test_extended_json_numbers() -> None:
    doc = {
        "queryPlanner": {"namespace": "a.b", "winningPlan": {"stage": "COLLSCAN"}},
        "executionStats": {
            "nReturned": {"$numberLong": "5"},
            "executionTimeMillis": {"$numberInt": "7"},
            "executionStages": {
                "stage": "COLLSCAN",
                "nReturned": {"$numberLong": "5"},
                "executionTimeMillisEstimate": {"$numberDouble": "2.5"},
                "docsExamined": 10,
            },
        },
    }
    plan = parse_mongo_explain(doc)
    assert plan.root.rows_actual == 5 and plan.root.time_inclusive_ms == 2.5 and plan.execution_time_ms == 7


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "[]",
        "42",
        '{"hello": 1}',
        '{"queryPlanner": {}}',
        '{"stages": [1, 2]}',
        '{"stages": [{"nReturned": 1}]}',
        '{"queryPlanner": {"winningPlan": {"stage": "COLLSCAN"}',
        "{queryPlanner: {winningPlan: {stage: eval('x')}}}",
        '{"shards": {"s": 5}}',
    ],
)
def test_unreadable_input_is_a_plan_input_error(text: str) -> None:
    with pytest.raises(PlanInputError):
        parse_mongo_plan(text)


def test_deep_nesting_is_refused_cleanly() -> None:
    inner: dict[str, object] = {"stage": "COLLSCAN"}
    for _ in range(2000):
        inner = {"stage": "LIMIT", "inputStage": inner}
    doc = {"queryPlanner": {"winningPlan": inner}}
    with pytest.raises(PlanInputError, match="nested deeper"):
        parse_mongo_explain(doc)
    with pytest.raises(PlanInputError):
        parse_mongo_plan('{"a":' * 100_000 + "1" + "}" * 100_000)
