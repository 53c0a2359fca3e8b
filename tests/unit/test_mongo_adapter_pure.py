"""The MongoDB adapter's pure parts on recorded server outputs: listCollections / listIndexes /
$indexStats / $collStats / system.profile / $currentOp conversions, the sampled-schema analysis, the
result grid, query → command documents, the read-only command guard and the error mapping."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import bson
import pytest
from bson import json_util
from bson.int64 import Int64
from pymongo import MongoClient
from pymongo import errors as pm_errors

from tui.adapters import mongo_convert as conv
from tui.adapters.mongo import DRIVER_COMMANDS, READ_COMMANDS, MongoAdapter, check_command
from tui.adapters.mongo_errors import map_error
from tui.adapters.mongo_schema import analyze_sample, bson_type_name, columns_from_sample
from tui.core import mongoshell as ms
from tui.core.catalog import CatalogNode, ObjectDetail
from tui.core.connspec import parse_url
from tui.core.errors import (
    Cancelled,
    ConnectError,
    Disconnected,
    PermissionError_,
    QueryError,
    ReadOnlyViolation,
    UsageError,
)

MONGO = Path(__file__).resolve().parents[1] / "fixtures" / "mongo"


def ejson(name: str) -> Any:
    """A recorded Extended JSON file decoded the way PyMongo hands documents over (bson types)."""
    return json_util.loads((MONGO / name).read_text(encoding="utf-8"))


def shell(name: str) -> list[Any]:
    return ms.parse_values((MONGO / name).read_text(encoding="utf-8"))


# -- listCollections ----------------------------------------------------------------------------------


def test_collections_from_recorded_get_collection_infos() -> None:
    (infos,) = shell("docs/getCollectionInfos-example.mongosh")
    nodes = conv.collection_nodes("example", infos)
    assert [(n.name, n.kind, n.type_label) for n in nodes] == [
        ("employees", "collection", "collection"),
        ("mylogs", "collection", "capped 256 bytes, read-only"),
        ("products", "collection", "collection"),
    ]
    assert nodes[0].qualified_name == "example.employees" and nodes[0].key == (
        "collection",
        "example",
        "employees",
    )


def test_collection_type_labels_for_views_time_series_clustered() -> None:
    # Synthetic listCollections entries (field names as the manual documents them).
    assert conv.collection_type_label(
        {"name": "v", "type": "view", "options": {"viewOn": "orders", "pipeline": []}}
    ) == ("view on orders")
    assert conv.collection_type_label(
        {"name": "w", "type": "timeseries", "options": {"timeseries": {"timeField": "ts"}}}
    ) == ("time-series (ts)")
    assert conv.collection_type_label(
        {"name": "c", "type": "collection", "options": {"clusteredIndex": {"key": {"_id": 1}}}}
    ) == ("clustered")
    assert (
        conv.collection_type_label({"name": "system.views", "type": "collection", "options": {}}) == "system"
    )
    nodes = conv.collection_nodes(
        "db", [{"name": "system.views"}, {"name": "v", "type": "view"}, {"name": "a"}, {"bad": 1}]
    )
    assert [(n.name, n.kind, n.has_children) for n in nodes] == [
        ("a", "collection", True),
        ("v", "view", False),
        ("system.views", "collection", True),
    ]


# -- listIndexes / index_information ------------------------------------------------------------------


def test_indexes_from_recorded_index_information() -> None:
    info = json.loads((MONGO / "datadog" / "index_information.json").read_text())
    indexes = {i.name: i for i in conv.indexes_from_listing(info)}
    assert len(indexes) == 14
    assert indexes["_id_"].primary and indexes["_id_"].unique
    assert indexes["property_type_1_room_type_1_beds_1"].columns == ["property_type", "room_type", "beds"]
    assert indexes["last_scraped_1"].options["expireAfterSeconds"] == 3600
    assert indexes["name_1_listing_url_1"].predicate == "{ beds: { $gt: 3 } }"
    assert indexes["room_type_1"].options["sparse"] is True
    assert indexes["address.location_2dsphere"].method == "2dsphere"
    assert indexes["address.location_2d"].method == "2d"
    assert indexes["price_hashed"].method == "hashed"
    assert indexes["$**_1"].method == "wildcard"
    assert indexes["name_text_summary_text_space_text"].method == "text"
    assert conv.create_index_command("listings", indexes["last_scraped_1"]) == (
        'db.getCollection("listings").createIndex({ last_scraped: 1 }, { name: "last_scraped_1", expireAfterSeconds: 3600 })'
    )
    assert conv.create_index_command("listings", indexes["name_1_listing_url_1"]) == (
        'db.getCollection("listings").createIndex({ name: 1, listing_url: 1 }, '
        '{ name: "name_1_listing_url_1", partialFilterExpression: { beds: { $gt: 3 } } })'
    )


def test_index_leaves_are_marked_with_their_flags() -> None:
    """What the schema tree shows beside each index: unique, sparse, partial, TTL, hidden, the kind."""
    info = json.loads((MONGO / "datadog" / "index_information.json").read_text())
    indexes = {i.name: i for i in conv.indexes_from_listing(info)}
    (hidden_specs,) = shell("docs/getIndexes-hidden.mongosh")
    indexes.update({i.name: i for i in conv.indexes_from_listing(hidden_specs)})

    def label(name: str) -> str:
        return MongoAdapter._index_node("db", "c", indexes[name]).type_label

    assert label("_id_") == "unique"
    assert label("last_scraped_1") == "TTL 3600 s"
    assert label("name_1_listing_url_1") == "partial"
    assert label("room_type_1") == "sparse"
    assert label("address.location_2dsphere") == "2dsphere"
    assert label("borough_1_ratings_1") == "hidden"
    assert label("name_1") == "index"


def test_hidden_index_from_recorded_get_indexes() -> None:
    (specs,) = shell("docs/getIndexes-hidden.mongosh")
    indexes = conv.indexes_from_listing(specs)
    assert [(i.name, i.visible) for i in indexes] == [("_id_", True), ("borough_1_ratings_1", False)]
    assert conv.create_index_command("restaurants", indexes[1]) == (
        'db.getCollection("restaurants").createIndex({ borough: 1, ratings: 1 }, { name: "borough_1_ratings_1", hidden: true })'
    )


# -- $indexStats ---------------------------------------------------------------------------------------


def test_index_stats_from_the_manual_summed_per_index() -> None:
    docs = shell("docs/indexStats-orders.mongosh")
    indexes = conv.indexes_from_listing([d["spec"] for d in docs])
    earliest = conv.merge_index_stats(indexes, docs)
    assert [(i.name, i.scans) for i in indexes] == [
        ("item_1_quantity_1", 1),
        ("item_1_price_1", 1),
        ("item_1", 0),
        ("_id_", 0),
    ]
    assert earliest == datetime(2020, 2, 10, 21, 11, 18, 298000, tzinfo=UTC)
    assert indexes[2].options["usage"] == [
        {
            "host": "examplehost.local:27018",
            "shard": "shardA",
            "ops": 0,
            "since": datetime(2020, 2, 10, 21, 11, 22, 947000, tzinfo=UTC),
        }
    ]


def test_index_stats_recorded_from_a_server_and_several_hosts() -> None:
    docs = ejson("datadog/$indexStats-bar.json") + ejson("datadog/indexStats-foo.json")
    (index,) = conv.indexes_from_listing([{"v": 2, "key": {"_id": 1}, "name": "_id_"}])
    conv.merge_index_stats([index], docs)
    assert index.scans == 12 + 1243  # both rows name _id_ on the same host: summed
    assert len(index.options["usage"]) == 2
    assert index.options["stats_since"] == datetime.fromtimestamp(1600262044.923, UTC)


def test_replica_members_from_hello() -> None:
    hello = {
        "setName": "rs0",
        "hosts": ["db1.example:27017", "db2.example:27017"],
        "passives": ["db3.example:27017"],
        "arbiters": ["arb.example:27017"],
        "me": "db1.example:27017",
    }
    assert conv.replica_members(hello) == ["db1.example:27017", "db2.example:27017", "db3.example:27017"]
    assert conv.replica_members({"msg": "isdbgrid", "setName": "x", "hosts": ["a:1"]}) == []
    assert conv.replica_members({"isWritablePrimary": True}) == []  # standalone


def test_member_clients_keep_credentials_and_tls_but_not_the_replica_set() -> None:
    url = (
        "mongodb://dba:s3cr3t@db1.example:27017,db2.example:27017/shop?replicaSet=rs0&authSource=admin"
        "&tls=true&tlsAllowInvalidHostnames=true&readPreference=secondaryPreferred&compressors=zlib"
    )
    adapter = MongoAdapter(parse_url(url))
    session = MongoClient(url, connect=False)
    try:
        kwargs = conv.member_client_kwargs(
            "db2.example:27017",
            dict(session.options._options),
            adapter._client_options(),
            adapter.spec.user,
            adapter.spec.password,
        )
    finally:
        session.close()
    assert (kwargs["host"], kwargs["port"], kwargs["directConnection"]) == ("db2.example", 27017, True)
    assert (kwargs["username"], kwargs["password"]) == ("dba", "s3cr3t")
    assert kwargs["authsource"] == "admin" and kwargs["tls"] is True and kwargs["tlsallowinvalidhostnames"]
    lowered = {k.lower() for k in kwargs}
    assert "replicaset" not in lowered and "readpreference" not in lowered
    assert kwargs["connect"] is False and kwargs["event_listeners"]  # dbscope's recorder sees its commands
    member = MongoClient(**kwargs)
    try:
        assert member.options.direct_connection is True and member.options.replica_set_name is None
        assert member.options._options["authsource"] == "admin"
    finally:
        member.close()
    assert conv.member_client_kwargs("[::1]:27018", {}, {}, None, None)["host"] == "::1"


# -- $collStats ----------------------------------------------------------------------------------------


def test_coll_stats_recorded_from_a_server() -> None:
    docs = ejson("datadog/$collStats-bar.json")
    detail = ObjectDetail(node=CatalogNode("collection", "bar", "test.bar"))
    detail.indexes = conv.indexes_from_listing([{"v": 2, "key": {"_id": 1}, "name": "_id_"}], "bar")
    conv.apply_coll_stats(detail, docs)
    assert (detail.row_estimate, detail.total_bytes) == (100, 40960)
    assert detail.indexes[0].size_bytes == 16384
    assert detail.stat("Storage size") == 16384 and detail.stat("Data size (uncompressed)") == 2600
    assert detail.stat("Average document") == 26 and detail.stat("Capped") == "yes"


def test_coll_stats_of_a_missing_collection() -> None:
    (doc,) = shell("docs/collStats-missing.mongosh")
    detail = ObjectDetail(node=CatalogNode("collection", "x", "db.x"))
    conv.apply_coll_stats(detail, [doc])
    assert detail.row_estimate == 0 and detail.total_bytes == 0
    assert detail.stat("Documents") == 0 and detail.stat("Index size") == 0


def test_coll_stats_sizes_per_shard_and_index() -> None:
    # Synthetic storageStats documents with the manual's numbers (the manual elides wiredTiger/indexDetails).
    docs = [
        {
            "ns": "test.matrices",
            "shard": "s1",
            "storageStats": {
                "size": 608500363,
                "count": 1104369,
                "storageSize": 352878592,
                "totalIndexSize": 260337664,
                "totalSize": 613216256,
                "indexSizes": {"_id_": 9891840, "_id_1_abc_1": 250445824},
            },
        },
        {
            "ns": "test.matrices",
            "shard": "s2",
            "storageStats": {
                "size": 1000,
                "count": 10,
                "storageSize": 4096,
                "totalIndexSize": 8192,
                "totalSize": 12288,
                "indexSizes": {"_id_": 4096, "_id_1_abc_1": 4096},
            },
        },
    ]
    detail = ObjectDetail(node=CatalogNode("collection", "matrices", "test.matrices"))
    detail.indexes = conv.indexes_from_listing(
        [{"key": {"_id": 1}, "name": "_id_"}, {"key": {"_id": 1, "abc": 1}, "name": "_id_1_abc_1"}]
    )
    conv.apply_coll_stats(detail, docs)
    assert detail.row_estimate == 1104379
    assert detail.total_bytes == 613216256 + 12288
    assert [i.size_bytes for i in detail.indexes] == [9891840 + 4096, 250445824 + 4096]
    assert detail.stat("Average document") == (608500363 + 1000) // 1104379
    assert detail.stat("Shards") == 2


# -- sampled schema -----------------------------------------------------------------------------------


def test_sampled_schema_on_recorded_documents() -> None:
    schema = analyze_sample(ejson("datadog/$sample-foo.json"))
    assert schema.sampled == 2 and not schema.truncated
    paths = [f.path for f in schema.fields]
    assert paths[0] == "_id"
    assert "nested.a.b.c.d.e" in paths and "occurrences.count" in paths and "geo.coordinates" in paths
    data = schema.field("data")
    assert data is not None and data.types == {"string": 1, "null": 1} and data.presence == 1.0
    assert data.type_label == "null 50% · string 50%" and data.nullable
    available = schema.field("available")
    assert available is not None and available.presence == 0.5 and available.types == {"bool": 1}
    tags = schema.field("tags")
    assert tags is not None and tags.type_label == "array<string>" and tags.array_lengths == [1, 2]
    assert tags.examples == ['"A"', '"B"']
    occ_test = schema.field("occurrences.test")
    assert occ_test is not None and occ_test.in_array and occ_test.documents == 1 and occ_test.presence == 0.5
    occ_date = schema.field("occurrences.date")
    assert occ_date is not None and occ_date.types == {"date": 4} and occ_date.documents == 2
    assert occ_date.examples == ["2020-09-16T00:00:00Z", "2020-09-17T00:00:00Z"]
    deep = schema.field("nested.a.b.c.d.e")
    assert deep is not None and deep.depth == 5 and deep.types == {"int": 1}
    assert schema.field("_id") is not None and schema.field("_id").examples == [
        'ObjectId("5f620f9d52024f4dcab471ab")'
    ]


def test_sampled_schema_bar_and_columns() -> None:
    schema = analyze_sample(ejson("datadog/$sample-bar.json"))
    assert schema.field("status").presence == 0.5  # missing from the second document
    assert schema.field("dummy").types == {"null": 1}
    assert schema.field("tests").array_lengths == [0, 2]
    assert schema.field("reviews.rating").types == {"double": 4}
    assert schema.field("address.zip").types == {"int": 2}
    columns = {c.name: c for c in columns_from_sample(schema)}
    assert columns["status"].comment == 'in 50% of 2 sampled documents; e.g. "A"'
    assert columns["name"].nullable is False and columns["status"].nullable is True


def test_bson_type_names() -> None:
    assert [
        bson_type_name(v) for v in (None, True, 5, 2**40, Int64(5), 1.5, "s", datetime.now(UTC), {}, [], b"x")
    ] == [
        "null",
        "bool",
        "int",
        "long",
        "long",
        "double",
        "string",
        "date",
        "object",
        "array",
        "binData",
    ]
    assert bson_type_name(bson.ObjectId()) == "objectId"
    assert bson_type_name(bson.Decimal128("1.5")) == "decimal"
    assert bson_type_name(bson.Binary(b"0" * 16, 4)) == "uuid"
    assert bson_type_name(ms.ShellDate(None)) == "date"


def test_sample_limits() -> None:
    wide = [{f"f{i}": i for i in range(3000)}]
    assert analyze_sample(wide).truncated
    deep: dict[str, Any] = {"x": 1}
    for _ in range(40):
        deep = {"a": deep}
    schema = analyze_sample([deep])
    assert schema.truncated and max(f.depth for f in schema.fields) == 20


# -- profiler and current operations ------------------------------------------------------------------


def test_profile_statements_grouped_by_shape() -> None:
    stats = conv.profile_statements(ejson("datadog/system.profile.json"))
    assert [(s.query, s.calls, s.total_time_ms, s.max_time_ms) for s in stats] == [
        (
            'db.customers query { filter: { age: { $gt: "?" } }, sort: { name: "?" }, limit: "?" }',
            2,
            99.0,
            85.0,
        ),
        ('db.customers update { q: { age: { $gt: "?" } }, u: { $set: { subscribed: "?" } } }', 2, 31.0, 21.0),
    ]
    query = stats[0]
    assert query.mean_time_ms == 49.5 and query.rows == 0
    assert query.extra["docsExamined"] == 417 + 456 and query.extra["planSummary"] == ["IXSCAN { name: 1 }"]
    assert query.query_id == "F286520C" and query.extra["hasSortStage"] is True
    assert [s.calls for s in conv.profile_statements(ejson("datadog/system.profile.json"), sort="mean")] == [
        2,
        2,
    ]
    assert conv.profile_statements(ejson("datadog/system.profile.json"), limit=1)[0].total_time_ms == 99.0


def test_current_operations_and_own_tag() -> None:
    ops = ejson("datadog/$currentOp-standalone.json")
    assert conv.tagged_operation_ids(ops, "find") == [1538838]
    assert conv.tagged_operation_ids(ops, "dbscope:nothing") == []
    statements = conv.current_op_statements(ops)
    assert [round(s.total_time_ms, 3) for s in statements] == [
        954.999,
        13.134,
        0.167,
    ]  # OplogApplier has no ns
    assert statements[2].query.startswith("db.products query")
    tagged = [
        {"opid": 7, "command": {"explain": {"find": "c", "comment": "x"}}},
        {"opid": 8, "cursor": {"originatingCommand": {"comment": "x"}}},
    ]
    assert conv.tagged_operation_ids(tagged, "x") == [7, 8]


# -- results grid -------------------------------------------------------------------------------------


def test_documents_to_rows() -> None:
    page = conv.documents_to_page(ejson("datadog/$sample-bar.json"), truncated=True)
    assert page.columns == [
        "_id",
        "name",
        "status",
        "amount",
        "elements",
        "rating",
        "address",
        "reviews",
        "reviewed",
        "tests",
        "dummy",
    ]
    assert page.column_types[:4] == ["objectId", "string", "string", "int"]
    second = page.rows[1]
    assert second[0] == 'ObjectId("5f620f9d52024f4dcab4718b")' and second[2] is None and second[3] == 300
    assert second[6] == '{ street: "123 Main St", city: "Springfield", state: "IL", zip: 62701 }'
    assert page.truncated and page.status == "2 documents"


# -- queries → commands --------------------------------------------------------------------------------


def test_find_command_document() -> None:
    query = ms.parse_query(
        'db.orders.find({customer_id: 42, _id: ObjectId("5f620f9d52024f4dcab471ab"), at: {$gte: ISODate("2024-01-01")}}, {total: 1})'
        ".sort({created_at: -1}).skip(5).limit(10).hint({customer_id: 1}).maxTimeMS(500)"
    )
    cmd = conv.query_command(query, max_time_ms=30_000, comment="tag")
    assert list(cmd) == [
        "find",
        "filter",
        "projection",
        "sort",
        "skip",
        "limit",
        "hint",
        "maxTimeMS",
        "comment",
    ]
    assert cmd["filter"]["_id"] == bson.ObjectId("5f620f9d52024f4dcab471ab")
    assert cmd["filter"]["at"]["$gte"] == datetime(2024, 1, 1, tzinfo=UTC)
    assert cmd["maxTimeMS"] == 500  # the user's smaller limit wins over the configured 30 s
    assert (cmd["skip"], cmd["limit"], cmd["comment"]) == (5, 10, "tag")


def test_other_command_documents() -> None:
    agg = conv.query_command(
        ms.parse_query("db.c.aggregate([{$match: {n: NumberLong(5)}}], {allowDiskUse: true})"),
        max_time_ms=1000,
    )
    assert (
        list(agg)[:3] == ["aggregate", "pipeline", "cursor"]
        and agg["allowDiskUse"] is True
        and agg["maxTimeMS"] == 1000
    )
    assert isinstance(agg["pipeline"][0]["$match"]["n"], Int64)
    count = conv.query_command(ms.parse_query("db.c.countDocuments({a: 1}, {limit: 3})"), max_time_ms=None)
    assert dict(count) == {"count": "c", "query": {"a": 1}, "limit": 3}
    distinct = conv.query_command(ms.parse_query('db.c.distinct("k", {a: /x/gi})'), max_time_ms=None)
    assert distinct["key"] == "k" and distinct["query"]["a"] == bson.Regex("x", "i")
    assert conv.explain_verbosity(ms.parse_query("db.c.find()"), analyze=False) == "queryPlanner"
    assert conv.explain_verbosity(ms.parse_query("db.c.find()"), analyze=True) == "executionStats"
    assert (
        conv.explain_verbosity(ms.parse_query("db.c.find().explain(true)"), analyze=False)
        == "allPlansExecution"
    )


def test_bson_round_trip_of_shell_values() -> None:
    value = ms.parse_value(
        '{a: ObjectId("5f620f9d52024f4dcab471ab"), b: NumberDecimal("1.5"), c: Timestamp(1, 2), d: UUID("222e18ca-4a10-4a42-a8fe-c39255cc4c55"), e: MinKey, f: BinData(0, "AAE=")}'
    )
    assert conv.from_bson(conv.to_bson(value)) == value
    assert conv.to_bson(ms.ShellDate(None), now=datetime(2020, 1, 1, tzinfo=UTC)) == datetime(
        2020, 1, 1, tzinfo=UTC
    )


# -- the read-only guard ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "command",
    [
        {"insert": "c", "documents": [{}]},
        {"update": "c", "updates": []},
        {"delete": "c", "deletes": []},
        {"drop": "c"},
        {"dropDatabase": 1},
        {"createIndexes": "c", "indexes": []},
        {"collMod": "c", "index": {"name": "a_1", "hidden": True}},
        {"findAndModify": "c"},
        {"profile": 1},
        {"profile": 0},
        {"aggregate": "c", "pipeline": [{"$match": {}}, {"$out": "x"}]},
        {"aggregate": "c", "pipeline": [{"$merge": {"into": "x"}}]},
        {"shutdown": 1},
        {"eval": "1"},
        {},
    ],
)
def test_guard_refuses_anything_but_reads(command: dict[str, Any]) -> None:
    with pytest.raises(ReadOnlyViolation):
        check_command(command)


def test_guard_allows_the_listed_reads() -> None:
    for name in sorted(READ_COMMANDS):
        value = -1 if name == "profile" else 1
        assert check_command({name: value}) == name
    assert "insert" not in READ_COMMANDS | DRIVER_COMMANDS and "update" not in READ_COMMANDS | DRIVER_COMMANDS


def test_adapter_refuses_writes_before_any_server_call() -> None:
    adapter = MongoAdapter(parse_url("mongodb://127.0.0.1:1/shop"))
    with pytest.raises(UsageError, match="changes data"):
        adapter.run("db.orders.deleteMany({})")
    with pytest.raises(ReadOnlyViolation):
        adapter.run("db.orders.aggregate([{$out: 'copy'}])")
    assert adapter.statement_writes("db.orders.insertOne({a: 1})")
    assert not adapter.statement_writes("db.orders.find()")
    assert adapter.commands_sent == set()


# -- errors --------------------------------------------------------------------------------------------

SPEC = parse_url(
    "mongodb://dba:s3cr3t-pw@db1.example:27017,db2.example:27017/shop?replicaSet=rs0&authSource=admin"
)


@pytest.mark.parametrize(
    ("exc", "kind", "title"),
    [
        (
            pm_errors.ServerSelectionTimeoutError("db1.example:27017: timed out"),
            ConnectError,
            "Host unreachable",
        ),
        (
            pm_errors.OperationFailure("Authentication failed.", code=18),
            ConnectError,
            "Authentication failed",
        ),
        (
            pm_errors.OperationFailure("not authorized on shop to execute command", code=13),
            PermissionError_,
            "Permission denied",
        ),
        (
            pm_errors.ExecutionTimeout("operation exceeded time limit", code=50),
            Cancelled,
            "Statement timeout",
        ),
        (
            pm_errors.OperationFailure("operation exceeded time limit", code=50),
            Cancelled,
            "Statement timeout",
        ),
        (pm_errors.OperationFailure("operation was interrupted", code=11601), Cancelled, "Cancelled"),
        (pm_errors.OperationFailure("ns does not exist", code=26), QueryError, "Collection missing"),
        (pm_errors.OperationFailure("unknown operator: $foo", code=2), QueryError, "Query failed"),
        (pm_errors.AutoReconnect("connection closed"), Disconnected, "Disconnected"),
        (pm_errors.ConfigurationError("Unknown option foo"), UsageError, "Invalid URL"),
    ],
)
def test_error_mapping(exc: Exception, kind: type, title: str) -> None:
    error = map_error(exc, SPEC)
    assert isinstance(error, kind) and error.title == title
    assert "s3cr3t-pw" not in error.one_line()


def test_errors_name_the_hosts_and_never_the_password() -> None:
    error = map_error(
        pm_errors.ServerSelectionTimeoutError("mongodb://dba:s3cr3t-pw@db1.example:27017 timed out"), SPEC
    )
    assert "db1.example:27017,db2.example:27017" in error.message
    assert "s3cr3t-pw" not in error.one_line() and "***" in error.one_line()
