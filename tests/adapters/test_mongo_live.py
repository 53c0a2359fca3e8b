"""The MongoDB adapter against a real server (collected only when DBSCOPE_TEST_MONGO_URL is set).

The test data is written with PyMongo directly into a scratch database that is dropped afterwards; the
adapter itself only reads. Every test also checks that the adapter sent nothing but read commands, each
with maxTimeMS where the command takes one.
"""

from __future__ import annotations

import os
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pymongo import MongoClient

from tests.conftest import unavailable
from tui.adapters.mongo import DRIVER_COMMANDS, READ_COMMANDS, MongoAdapter
from tui.core.connspec import parse_url
from tui.core.errors import Cancelled, QueryError, ReadOnlyViolation, UsageError
from tui.plans.mongo import parse_mongo_plan

pytestmark = pytest.mark.live_mongo

URL = os.environ.get("DBSCOPE_TEST_MONGO_URL", "")
ORDERS = 1_500


def _url_for(database: str) -> str:
    head, _, query = URL.partition("?")
    scheme, _, rest = head.partition("://")
    hosts = rest.split("/", 1)[0]
    return f"{scheme}://{hosts}/{database}" + (f"?{query}" if query else "")


@pytest.fixture(scope="module")
def scratch() -> Iterator[tuple[MongoClient[dict[str, Any]], str]]:
    client: MongoClient[dict[str, Any]] = MongoClient(URL, serverSelectionTimeoutMS=5000, tz_aware=True)
    try:
        client.admin.command("ping")
    except Exception as exc:
        unavailable(f"MongoDB at DBSCOPE_TEST_MONGO_URL unreachable: {type(exc).__name__}")
    name = f"dbscope_t_{uuid.uuid4().hex[:8]}"
    db = client[name]
    start = datetime(2024, 1, 1, tzinfo=UTC)
    db.orders.insert_many(
        [
            {
                "customer_id": i % 50,
                "status": "A" if i % 3 else "B",
                "total": float(i % 97),
                "created_at": start + timedelta(minutes=i),
                "items": [{"sku": f"s{i % 7}", "qty": 1 + i % 3}],
                **({"note": "gift"} if i % 10 == 0 else {}),
            }
            for i in range(ORDERS)
        ]
    )
    db.orders.create_index([("customer_id", 1), ("created_at", -1)])
    db.orders.create_index([("status", 1)], name="status_1")
    db.orders.create_index([("status", 1), ("total", 1)], name="status_1_total_1")
    db.create_collection("log", capped=True, size=65536)
    db.command({"create": "recent", "viewOn": "orders", "pipeline": [{"$match": {"status": "A"}}]})
    yield client, name
    client.drop_database(name)
    client.close()


@pytest.fixture
def adapter(scratch: tuple[MongoClient[dict[str, Any]], str]) -> Iterator[MongoAdapter]:
    _, name = scratch
    spec = parse_url(_url_for(name))
    spec.statement_timeout_ms = 20_000
    mongo = MongoAdapter(spec, sample_size=100)
    mongo.connect()
    yield mongo
    sent = mongo.commands_sent
    mongo.close()
    assert sent <= READ_COMMANDS | DRIVER_COMMANDS, sent - (READ_COMMANDS | DRIVER_COMMANDS)
    assert mongo.unexpected_commands == []
    assert mongo.untimed_commands == []


def test_connect(adapter: MongoAdapter) -> None:
    assert adapter.server is not None and adapter.server.engine == "mongodb"
    assert adapter.server.version_num >= 40000 and adapter.server.read_only
    assert adapter.capabilities.cancel.available
    assert adapter.ping()


def test_catalog(adapter: MongoAdapter, scratch: tuple[MongoClient[dict[str, Any]], str]) -> None:
    _, name = scratch
    roots = adapter.roots()
    database = next(n for n in roots if n.name == name)
    collections = {n.name: n for n in adapter.children(database)}
    assert collections["orders"].type_label == "collection"
    assert collections["recent"].kind == "view" and collections["recent"].type_label == "view on orders"
    assert collections["log"].type_label.startswith("capped")
    folders = adapter.children(collections["orders"])
    indexes = {n.name: n for n in adapter.children(folders[0])}
    assert set(indexes) == {"_id_", "customer_id_1_created_at_-1", "status_1", "status_1_total_1"}
    fields = {n.name: n for n in adapter.children(folders[1])}
    assert fields["customer_id"].meta["stat"].types == {"int": 100}
    assert fields["items.sku"].meta["stat"].in_array
    detail = adapter.detail(collections["orders"])
    assert detail.row_estimate == ORDERS
    assert all(i.size_bytes and i.size_bytes > 0 for i in detail.indexes)
    assert any(c.name == "note" and c.nullable for c in detail.columns)
    assert (
        'createIndex({ customer_id: 1, created_at: -1 }, { name: "customer_id_1_created_at_-1" })'
        in detail.ddl
    )
    view = adapter.detail(collections["recent"])
    assert view.indexes == [] and "createView" in view.ddl


def test_explain_find_and_aggregate(adapter: MongoAdapter) -> None:
    query = "db.orders.find({customer_id: 7}).sort({created_at: -1}).limit(5)"
    plan = parse_mongo_plan(adapter.explain(query).text)
    assert not plan.analyzed
    assert any(n.index == "customer_id_1_created_at_-1" for n in plan.nodes())
    output = adapter.explain(query, analyze=True)
    plan = parse_mongo_plan(output.text)
    assert output.analyzed and plan.analyzed
    assert plan.header["nReturned"] == 5
    expected = sum(1 for i in range(ORDERS) if i % 50 == 7)
    assert plan.header["totalKeysExamined"] >= 5 and expected == 30
    agg = parse_mongo_plan(
        adapter.explain(
            "db.orders.aggregate([{$match: {status: 'B'}}, {$group: {_id: '$customer_id', n: {$sum: 1}}}])",
            analyze=True,
        ).text
    )
    assert agg.analyzed and agg.header["summary"]["used_indexes"]


def test_run_find_count_distinct(adapter: MongoAdapter) -> None:
    page = adapter.run(
        "db.orders.find({status: 'B'}, {_id: 0, customer_id: 1, total: 1}).sort({total: -1})", limit=10
    )
    assert page.truncated and len(page.rows) == 10 and page.columns == ["customer_id", "total"]
    assert page.rows[0][1] == 96.0
    assert adapter.run("db.orders.countDocuments({status: 'B'})").rows == [
        (sum(1 for i in range(ORDERS) if i % 3 == 0),)
    ]
    distinct = adapter.run("db.orders.distinct('status')")
    assert sorted(r[0] for r in distinct.rows) == ["A", "B"]


def test_writes_are_refused_and_nothing_changes(
    adapter: MongoAdapter, scratch: tuple[MongoClient[dict[str, Any]], str]
) -> None:
    client, name = scratch
    before = client[name].orders.count_documents({})
    for statement in (
        "db.orders.deleteMany({})",
        "db.orders.insertOne({a: 1})",
        "db.orders.updateMany({}, {$set: {x: 1}})",
        "db.orders.drop()",
        "db.orders.createIndex({x: 1})",
    ):
        with pytest.raises(UsageError):
            adapter.run(statement)
        with pytest.raises(UsageError):
            adapter.explain(statement, analyze=True)
    with pytest.raises(ReadOnlyViolation):
        adapter.run("db.orders.aggregate([{$out: 'copy'}])")
    assert client[name].orders.count_documents({}) == before
    assert "copy" not in client[name].list_collection_names()


def test_cancel_reaches_the_server(adapter: MongoAdapter) -> None:
    heavy = (
        "db.orders.aggregate([{$lookup: {from: 'orders', pipeline: [{$match: {}}], as: 'all'}}, {$unwind: '$all'}, "
        "{$lookup: {from: 'orders', pipeline: [{$match: {}}], as: 'again'}}, {$count: 'n'}])"
    )
    errors: list[BaseException] = []

    def work() -> None:
        try:
            adapter.run(heavy)
        except BaseException as exc:
            errors.append(exc)

    thread = threading.Thread(target=work)
    thread.start()
    deadline = time.monotonic() + 5
    cancelled = False
    while time.monotonic() < deadline and not cancelled:
        time.sleep(0.2)
        cancelled = adapter.cancel()
    thread.join(30)
    assert cancelled, "the running aggregation was not found by its comment tag"
    assert errors and isinstance(errors[0], Cancelled)


def test_profiler_and_unused_indexes(
    adapter: MongoAdapter, scratch: tuple[MongoClient[dict[str, Any]], str]
) -> None:
    client, name = scratch
    client[name].command({"profile": 0})
    client[name].system.profile.drop()
    with pytest.raises(QueryError) as info:
        adapter.top_statements()
    assert "db.setProfilingLevel(1, { slowms: 100 })" in (info.value.hint or "")
    client[name].command({"profile": 2})
    try:
        adapter.run("db.orders.find({total: {$gt: 90}})")
        statements = adapter.top_statements()
        assert any("db.orders" in s.query for s in statements)
    finally:
        client[name].command({"profile": 0})
    facts = adapter.schema_facts()
    orders = next(t for t in facts.tables if t.node.name == "orders")
    status_total = next(i for i in orders.indexes if i.name == "status_1_total_1")
    assert status_total.scans is not None and status_total.options["usage"]
    assert facts.stats_since is not None


def test_index_usage_from_every_replica_set_member(
    adapter: MongoAdapter, scratch: tuple[MongoClient[dict[str, Any]], str]
) -> None:
    """$indexStats counts per mongod: on a replica set each data-bearing member is read over its own
    direct connection (a standalone or a mongos answers for itself)."""
    client, name = scratch
    hello = client.admin.command("hello")
    stats, missing = adapter._index_stats(name, "orders")
    hosts = {str(s["host"]) for s in stats}
    members = [*hello.get("hosts", []), *hello.get("passives", [])]
    if hello.get("setName") and hello.get("msg") != "isdbgrid":
        assert adapter.server.settings["index_usage_scope"].startswith("every replica set member")
        assert missing == {} and len(hosts) == len(members)  # one answer per member
        assert {s["name"] for s in stats} >= {"_id_", "status_1", "status_1_total_1"}
        assert len(stats) == len(members) * 4
    else:
        assert missing == {} and len(hosts) >= 1
