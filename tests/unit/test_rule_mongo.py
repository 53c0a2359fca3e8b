"""MongoDB advisor rules: one firing and one non-firing case per rule id, on recorded explains and on
SchemaFacts built from recorded $indexStats / listIndexes output; numbers computed by hand from them."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tui.adapters import mongo_convert as conv
from tui.advisor.api import advise_plan, advise_schema
from tui.advisor.context import PlanContext, SchemaContext
from tui.advisor.rules import (
    load_rules,
    mongo_plan_covered,
    mongo_plan_scans,
    mongo_plan_sharding,
    mongo_plan_sort,
)
from tui.advisor.rules import mongo_schema_indexes as schema_rules
from tui.advisor.rules.mongo_common import QueryShape, esr_candidate, serves
from tui.core import mongoshell as ms
from tui.core.catalog import CatalogNode, Index, ObjectDetail
from tui.core.plan import Plan
from tui.core.session import SchemaFacts
from tui.plans.mongo import parse_mongo_explain, parse_mongo_plan

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def plan(name: str) -> Plan:
    path = FIXTURES / "plans" / name
    if not path.exists():
        path = FIXTURES / "mongo" / name
    return parse_mongo_plan(path.read_text(encoding="utf-8"))


def raw(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / "plans" / name).read_text(encoding="utf-8"))


def ctx(p: Plan, *, query: str | None = None, facts: SchemaFacts | None = None) -> PlanContext:
    return PlanContext.build(p, facts=facts, query=query)


def collection(name: str, indexes: list[Index], **meta: Any) -> ObjectDetail:
    return ObjectDetail(
        node=CatalogNode("collection", name, f"shop.{name}", table=name, meta=meta), indexes=indexes
    )


# -- ESR ----------------------------------------------------------------------------------------------


def test_esr_order() -> None:
    shape = QueryShape(
        "shop",
        "orders",
        filter={
            "total": {"$gt": 100},
            "status": "A",
            "tags": {"$elemMatch": {"$eq": "x"}},
            "note": {"$exists": True},
        },
        sort={"created_at": -1},
    )
    candidate = esr_candidate(shape)
    assert candidate.keys == {"status": 1, "tags": 1, "created_at": -1, "total": 1, "note": 1}
    assert (candidate.equality, candidate.sort, candidate.range, candidate.other) == (
        ["status", "tags"],
        ["created_at"],
        ["total"],
        ["note"],
    )
    in_list = esr_candidate(QueryShape(None, "c", filter={"a": {"$in": [1, 2]}, "b": 1}, sort={"c": 1}))
    assert in_list.keys == {"b": 1, "c": 1, "a": 1}  # a many-value $in before a sort acts as a range
    skipped = esr_candidate(QueryShape(None, "c", filter={"$or": [{"a": 1}, {"b": 2}]}))
    assert skipped.empty and skipped.skipped == ["$or"]
    assert serves({"a": 1, "b": -1, "c": 1}, {"a": 1, "b": -1}) and serves(
        {"a": 1, "b": -1}, {"a": -1, "b": 1}
    )
    assert not serves({"a": 1, "b": 1}, {"a": 1, "b": -1}) and not serves({"b": 1, "a": 1}, {"a": 1})


# -- collection scan ----------------------------------------------------------------------------------


def test_collection_scan_fires_with_esr_ddl() -> None:
    [f] = mongo_plan_scans.check_collscan(ctx(plan("mongodb-collscan-docs-examined.json")))
    assert (f.rule, f.severity, f.object) == (
        "mongo.collection-scan",
        "info",
        "integration.products",
    )  # 721 < 1,000
    assert f.evidence == {
        "docs_examined": 721.0,
        "docs_returned": 0.0,
        "selectivity_pct": 0.0,
        "time_ms": 13.0,
    }
    # data is a range ($gt); message an unanchored $regex (an "other" operator): range before other
    assert f.ddl == [
        'db.getCollection("products").createIndex({ data: 1, message: 1 }, { name: "data_1_message_1" })'
    ]
    assert f.rollback == ['db.getCollection("products").dropIndex("data_1_message_1")']


def test_collection_scan_severity_from_the_counts() -> None:
    doc = raw(
        "mongodb-collscan-docs-examined.json"
    )  # the recorded explain with larger counts (synthetic edit)
    doc = copy.deepcopy(doc)
    doc["executionStats"]["executionStages"]["docsExamined"] = 250_000
    doc["executionStats"]["executionStages"]["nReturned"] = 10
    doc["executionStats"]["nReturned"] = 10
    [f] = mongo_plan_scans.check_collscan(ctx(parse_mongo_explain(doc)))
    assert f.severity == "critical" and f.evidence["selectivity_pct"] == 0.004
    [g] = mongo_plan_scans.check_collscan(ctx(plan("docs/explain-sbe-group-sort-executionstats.mongosh")))
    assert (
        g.severity == "warning"
        and g.evidence["docs_examined"] == 41079
        and g.evidence["docs_returned"] == 697
    )
    assert g.ddl == ['db.getCollection("comments").createIndex({ date: 1 }, { name: "date_1" })']


def test_collection_scan_silent_on_index_plans() -> None:
    assert mongo_plan_scans.check_collscan(ctx(plan("mongodb-ixscan-fetch.json"))) == []


def test_collection_scan_does_not_suggest_an_index_the_plan_already_has() -> None:
    findings = mongo_plan_scans.check_collscan(ctx(plan("mongodb-sharded-mixed-index.json")))
    [f] = findings  # shard01 scans; shards 02/03 use age_1 { age: 1 }
    assert f.ddl == [] and "age_1 already leads with age" in f.recommendation
    assert f.evidence["docs_examined"] == 315067 and f.evidence["docs_returned"] == 7043


# -- docs / keys examined -----------------------------------------------------------------------------


def test_docs_examined_fires_on_filter_after_fetch() -> None:
    [f] = mongo_plan_scans.check_docs_examined(ctx(plan("synthetic/classic-sort-disk-rejected.json")))
    assert (f.rule, f.severity) == ("mongo.docs-examined", "warning")
    assert f.evidence == {
        "docs_examined": 60000.0,
        "docs_returned": 1200.0,
        "docs_wasted": 58800.0,
        "ratio": 50.0,
    }
    assert f.ddl == [
        'db.getCollection("orders").createIndex({ status: 1, created_at: -1, total: 1 }, { name: "status_1_created_at_-1_total_1" })'
    ]
    [g] = mongo_plan_scans.check_docs_examined(ctx(plan("mongodb-sort-skip-limit.json")))
    assert g.severity == "critical" and g.evidence["docs_wasted"] == 191665 - 9


def test_docs_examined_silent_when_every_document_is_returned_or_collscan() -> None:
    assert mongo_plan_scans.check_docs_examined(ctx(plan("mongodb-ixscan-fetch.json"))) == []
    assert mongo_plan_scans.check_docs_examined(ctx(plan("mongodb-collscan-docs-examined.json"))) == []


def test_keys_examined() -> None:
    [f] = mongo_plan_scans.check_keys_examined(ctx(plan("mongodb-sort-skip-limit.json")))
    assert (
        f.rule == "mongo.keys-examined"
        and f.evidence["keys_examined"] == 191665
        and f.evidence["ratio"] == 21296.1
    )
    assert "age: [33, 40]" in f.message
    # 479 keys for 6 documents: 473 wasted, under the Advisor's 500
    assert mongo_plan_scans.check_keys_examined(ctx(plan("mongodb-sbe-aggregate-cursor.json"))) == []
    assert mongo_plan_scans.check_keys_examined(ctx(plan("mongodb-ixscan-fetch.json"))) == []


# -- sorts --------------------------------------------------------------------------------------------


def test_in_memory_sort_with_esr_index() -> None:
    [f] = mongo_plan_sort.check(ctx(plan("mongodb-sort-skip-limit.json")))
    assert (f.rule, f.severity) == ("mongo.in-memory-sort", "warning")
    assert f.evidence == {
        "docs_sorted": 191665,
        "sort_bytes": 12416.0,
        "mem_limit_bytes": 33554432.0,
        "time_ms": 90.0,
    }
    assert f.ddl == [
        'db.getCollection("fanclub").createIndex({ email: -1, age: 1 }, { name: "email_-1_age_1" })'
    ]


def test_sort_spill_is_critical() -> None:
    [f] = mongo_plan_sort.check(ctx(plan("synthetic/classic-sort-disk-rejected.json")))
    assert (f.rule, f.severity) == ("mongo.sort-spill", "critical")
    assert f.evidence["spills"] == 3 and f.evidence["mem_limit_bytes"] == 104857600


def test_sort_of_computed_documents_gets_no_index() -> None:
    [f] = mongo_plan_sort.check(ctx(plan("docs/explain-sbe-group-sort-executionstats.mongosh")))
    assert f.severity == "info" and f.ddl == []  # 697 grouped documents, usedDisk false
    assert "earlier stage computed" in f.recommendation


def test_no_sort_no_finding() -> None:
    assert mongo_plan_sort.check(ctx(plan("mongodb-covered-index.json"))) == []


# -- covered ------------------------------------------------------------------------------------------


def test_not_covered_suggests_the_projected_field() -> None:
    query = "db.fanclub.find({age: {$gte: 33, $lte: 40}}, {age: 1, name: 1, _id: 0})"
    [f] = mongo_plan_covered.check(ctx(plan("mongodb-ixscan-fetch.json"), query=query))
    assert (f.rule, f.severity) == ("mongo.not-covered", "warning")  # 191,665 documents fetched
    assert f.evidence == {"docs_fetched": 191665.0, "projected_fields": 2, "missing_fields": 1}
    assert f.ddl == ['db.getCollection("fanclub").createIndex({ age: 1, name: 1 }, { name: "age_1_name_1" })']


def test_not_covered_only_for_the_id() -> None:
    [f] = mongo_plan_covered.check(
        ctx(plan("mongodb-ixscan-fetch.json"), query="db.fanclub.find({age: {$gte: 33}}, {age: 1})")
    )
    assert f.ddl == [] and f.recommendation.startswith("Add _id: 0")


def test_covered_plan_or_no_projection_is_silent() -> None:
    assert (
        mongo_plan_covered.check(
            ctx(plan("mongodb-covered-index.json"), query="db.fanclub.find({age: 1}, {age: 1, _id: 0})")
        )
        == []
    )
    assert mongo_plan_covered.check(ctx(plan("mongodb-ixscan-fetch.json"))) == []  # projection unknown


# -- sharding -----------------------------------------------------------------------------------------


def test_shards_with_different_plans() -> None:
    [f] = mongo_plan_sharding.check_differ(ctx(plan("mongodb-sharded-mixed-index.json")))
    assert (f.rule, f.severity) == ("mongo.shard-plans-differ", "warning")
    assert f.evidence == {"shards": 3, "shards_without_index": 1, "max_docs_examined": 315067.0}
    assert f.ddl == ['db.getCollection("fanclub").createIndex({ age: 1 }, { name: "age_1" })']
    assert "shard01: COLLSCAN (315,067 docs examined)" in f.message


def test_shards_with_the_same_plan() -> None:
    assert mongo_plan_sharding.check_differ(ctx(plan("mongodb-sharded-aggregate-sbe.json"))) == []
    assert mongo_plan_sharding.check_differ(ctx(plan("mongodb-sharded-single-idhack.json"))) == []


def test_shard_key_missing_from_the_filter() -> None:
    p = plan("mongodb-sharded-mixed-index.json")  # filter { age: { $eq: 40 } } from the shards' parsedQuery
    hashed = SchemaFacts(
        "mongodb", "mongodb", tables=[collection("fanclub", [], shard_key={"_id": "hashed"})]
    )
    [f] = mongo_plan_sharding.check_shard_key(ctx(p, facts=hashed))
    assert f.rule == "mongo.shard-key-missing" and f.evidence == {"shards": 3} and "on _id" in f.message
    by_age = SchemaFacts("mongodb", "mongodb", tables=[collection("fanclub", [], shard_key={"age": 1})])
    assert mongo_plan_sharding.check_shard_key(ctx(p, facts=by_age)) == []
    assert mongo_plan_sharding.check_shard_key(ctx(p)) == []  # shard key unknown: no claim


# -- schema: unused and redundant indexes -------------------------------------------------------------


def _manual_index_stats() -> list[dict[str, Any]]:
    return ms.parse_values(
        (FIXTURES / "mongo" / "docs" / "indexStats-orders.mongosh").read_text(encoding="utf-8")
    )


def _orders_facts(
    collected_at: str, more: list[dict[str, Any]] | None = None, missing: dict[str, str] | None = None
) -> SchemaFacts:
    """The manual's $indexStats example (four indexes of orders) folded as the adapter does; ``more``
    are other members' documents, ``missing`` the members that could not be read."""
    docs = _manual_index_stats()
    indexes = conv.indexes_from_listing([d["spec"] for d in docs], "orders")
    conv.merge_index_stats(indexes, docs + (more or []), missing)
    return SchemaFacts(
        "mongodb", "shop", tables=[collection("orders", indexes)], server={"collected_at": collected_at}
    )


def _on_member(host: str, ops: dict[str, int]) -> list[dict[str, Any]]:
    """The manual's documents as another replica set member would answer: its own host, its own counts."""
    out = []
    for doc in _manual_index_stats():
        copy_ = copy.deepcopy(doc)
        copy_["host"] = host
        copy_.pop("shard", None)
        copy_["accesses"]["ops"] = ms.Long(ops.get(doc["name"], 0))
        out.append(copy_)
    return out


def test_an_index_used_only_on_a_secondary_is_not_unused() -> None:
    secondary = _on_member("rs0-b.example:27017", {"item_1": 42})
    facts = _orders_facts("2020-03-01T00:00:00+00:00", secondary)
    item = next(i for d in facts.tables for i in d.indexes if i.name == "item_1")
    assert item.scans == 42 and len(item.options["usage"]) == 2
    assert schema_rules.check_unused(SchemaContext.build(facts)) == []


def test_unused_on_every_member_names_them_all() -> None:
    facts = _orders_facts("2020-03-01T00:00:00+00:00", _on_member("rs0-b.example:27017", {}))
    [f] = schema_rules.check_unused(SchemaContext.build(facts))
    assert f.rule == "mongo.unused-index" and f.evidence["hosts"] == 2
    assert "0 accesses on 2 hosts (examplehost.local:27018, rs0-b.example:27017)" in f.message


def test_an_unread_member_means_no_index_is_called_unused() -> None:
    missing = {"rs0-c.example:27017": "rs0-c.example:27017: timed out"}
    facts = _orders_facts("2020-03-01T00:00:00+00:00", _on_member("rs0-b.example:27017", {}), missing)
    [f] = schema_rules.check_unused(SchemaContext.build(facts))
    assert (f.rule, f.severity, f.ddl) == ("mongo.unused-index-window", "info", [])
    assert "$indexStats of rs0-c.example:27017 could not be read: shop.orders.item_1." in f.message
    assert f.evidence == {"indexes": 1, "members_unread": 1}


def test_through_mongos_the_finding_says_secondaries_were_not_read() -> None:
    facts = _orders_facts("2020-03-01T00:00:00+00:00")
    facts.server["index_usage_scope"] = (
        "one member per shard (the one mongos reads from); other members are not read"
    )
    [f] = schema_rules.check_unused(SchemaContext.build(facts))
    assert "the secondaries' reads are not in these counts" in f.message


def test_unused_index_fires_after_a_week() -> None:
    findings = schema_rules.check_unused(SchemaContext.build(_orders_facts("2020-03-01T00:00:00+00:00")))
    [f] = findings  # item_1: 0 ops; _id_ (0 ops) is never flagged
    assert (f.rule, f.severity, f.object) == ("mongo.unused-index", "info", "shop.orders")
    assert f.evidence["accesses"] == 0 and f.evidence["hosts"] == 1
    since = datetime(2020, 2, 10, 21, 11, 22, 947000, tzinfo=UTC)
    assert f.evidence["stats_age_days"] == round(
        (datetime(2020, 3, 1, tzinfo=UTC) - since).total_seconds() / 86_400, 1
    )
    assert f.ddl == [
        'db.getCollection("orders").hideIndex("item_1")',
        'db.getCollection("orders").dropIndex("item_1")',
    ]
    assert f.rollback == [
        'db.getCollection("orders").unhideIndex("item_1")',
        'db.getCollection("orders").createIndex({ item: 1 }, { name: "item_1" })',
    ]


def test_unused_index_window_too_short() -> None:
    [f] = schema_rules.check_unused(SchemaContext.build(_orders_facts("2020-02-12T00:00:00+00:00")))
    assert f.rule == "mongo.unused-index-window" and f.evidence["indexes"] == 1 and f.ddl == []


def test_used_and_protected_indexes_are_not_unused() -> None:
    ttl = Index(
        "ts_1",
        ["ts"],
        options={"key": {"ts": 1}, "expireAfterSeconds": 60, "stats_since": datetime(2020, 1, 1, tzinfo=UTC)},
        scans=0,
    )
    unique = Index(
        "sku_1",
        ["sku"],
        unique=True,
        options={"key": {"sku": 1}, "stats_since": datetime(2020, 1, 1, tzinfo=UTC)},
        scans=0,
    )
    used = Index(
        "a_1", ["a"], options={"key": {"a": 1}, "stats_since": datetime(2020, 1, 1, tzinfo=UTC)}, scans=5
    )
    facts = SchemaFacts(
        "mongodb",
        "shop",
        tables=[collection("c", [ttl, unique, used])],
        server={"collected_at": "2021-01-01T00:00:00+00:00"},
    )
    assert schema_rules.check_unused(SchemaContext.build(facts)) == []


def test_prefix_redundant_index() -> None:
    [f] = schema_rules.check_redundant(SchemaContext.build(_orders_facts("2020-03-01T00:00:00+00:00")))
    assert (f.rule, f.object) == ("mongo.redundant-index", "shop.orders")
    assert "item_1 { item: 1 }" in f.message and "item_1_quantity_1 { item: 1, quantity: 1 }" in f.message
    assert f.ddl[0] == 'db.getCollection("orders").hideIndex("item_1")'


def test_non_redundant_prefixes() -> None:
    def ix(name: str, keys: dict[str, Any], **kw: Any) -> Index:
        return Index(name, list(keys), options={"key": keys, **kw.pop("options", {})}, **kw)

    cases = [
        [ix("a_1", {"a": 1}, unique=True), ix("a_1_b_1", {"a": 1, "b": 1})],  # unique enforces
        [
            ix("a_1", {"a": 1}),
            ix("a_1_b_1", {"a": 1, "b": 1}, predicate="{ b: { $gt: 1 } }"),
        ],  # partial wider
        [ix("a_1", {"a": 1}), ix("a_-1_b_1", {"a": -1, "b": 1}, visible=False)],  # hidden wider
        [ix("a_1", {"a": 1}), ix("b_1_a_1", {"b": 1, "a": 1})],  # not a prefix
    ]
    for indexes in cases:
        facts = SchemaFacts("mongodb", "shop", tables=[collection("c", indexes)])
        assert schema_rules.check_redundant(SchemaContext.build(facts)) == []


# -- through the public entry points ------------------------------------------------------------------


def test_rules_are_registered_and_run_through_advise() -> None:
    ids = {rule_id for rule in load_rules(engine="mongodb") for rule_id in rule.all_ids}
    assert ids == {
        "mongo.collection-scan",
        "mongo.docs-examined",
        "mongo.keys-examined",
        "mongo.in-memory-sort",
        "mongo.sort-spill",
        "mongo.not-covered",
        "mongo.shard-plans-differ",
        "mongo.shard-key-missing",
        "mongo.unused-index",
        "mongo.unused-index-window",
        "mongo.redundant-index",
    }
    findings = advise_plan(plan("synthetic/classic-sort-disk-rejected.json"))
    assert findings[0].rule == "mongo.sort-spill"
    assert {f.rule for f in advise_schema(_orders_facts("2020-03-01T00:00:00+00:00"))} == {
        "mongo.unused-index",
        "mongo.redundant-index",
    }
    assert not any(f.rule == "advisor.rule-error" for f in findings)
