"""The mongosh-syntax reader and writer (tui.core.mongoshell): queries people type, values mongosh
prints (recorded outputs from MongoDB's documentation), errors with positions, and the inverse rendering."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from pathlib import Path

import pytest

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
    collection_ref,
    default_index_name,
    parse_query,
    parse_value,
    parse_values,
    render_create_index,
    render_index_call,
    render_query,
    statement_is_write,
    to_shell,
)

DOCS = Path(__file__).resolve().parents[1] / "fixtures" / "mongo" / "docs"


def test_find_with_sort_and_limit() -> None:
    q = parse_query("db.orders.find({customer_id: 42}).sort({created_at: -1}).limit(10)")
    assert (q.collection, q.operation) == ("orders", "find")
    assert q.filter == {"customer_id": 42}
    assert q.sort == {"created_at": -1}
    assert q.limit == 10 and q.skip is None and q.verbosity is None


def test_find_with_projection_skip_and_relaxed_json() -> None:
    text = """
    // the orders of one customer
    db.orders.find(
        { 'status': "A", total: { $gte: 10.5, }, /* block */ tags: ['x', 'y',], },
        { _id: 0, total: 1 },
    ).skip(5)
    """
    q = parse_query(text)
    assert q.filter == {"status": "A", "total": {"$gte": 10.5}, "tags": ["x", "y"]}
    assert q.projection == {"_id": 0, "total": 1}
    assert q.skip == 5


def test_collection_spellings() -> None:
    assert parse_query('db.getCollection("weird name").find()').collection == "weird name"
    assert parse_query("db['x-y'].find()").collection == "x-y"
    assert parse_query("db.system.profile.find()").collection == "system.profile"
    q = parse_query('db.getSiblingDB("shop").orders.find()')
    assert (q.database, q.collection) == ("shop", "orders")
    q = parse_query("use shop;\ndb.orders.findOne({a: 1})")
    assert (q.database, q.collection, q.limit) == ("shop", "orders", 1)


def test_aggregate_count_distinct() -> None:
    q = parse_query(
        'db.c.aggregate([{$match: {a: 1}}, {$group: {_id: "$b", n: {$sum: 1}}}], {allowDiskUse: true})'
    )
    assert q.operation == "aggregate"
    assert q.pipeline == [{"$match": {"a": 1}}, {"$group": {"_id": "$b", "n": {"$sum": 1}}}]
    assert q.options == {"allowDiskUse": True}
    q = parse_query('db["x"].countDocuments({a: {$gt: 1}}, {limit: 5, skip: 2, hint: "a_1"})')
    assert (q.operation, q.filter, q.limit, q.skip, q.hint) == ("count", {"a": {"$gt": 1}}, 5, 2, "a_1")
    q = parse_query("db.c.estimatedDocumentCount()")
    assert q.operation == "count" and q.options == {"estimated": True}
    q = parse_query('db.c.distinct("status", {a: 1})')
    assert (q.operation, q.distinct_key, q.filter) == ("distinct", "status", {"a": 1})
    assert parse_query("db.c.find({a: 1}).count()").operation == "count"


@pytest.mark.parametrize(
    ("text", "verbosity"),
    [
        ('db.c.find({a: 1}).explain("executionStats")', "executionStats"),
        ("db.c.find().explain()", "queryPlanner"),
        ("db.c.find().explain(true)", "allPlansExecution"),
        ("db.c.find().explain(false)", "queryPlanner"),
        ("db.c.explain('allPlansExecution').find({a: 1}).sort({b: 1})", "allPlansExecution"),
        ("db.c.explain().aggregate([{$match: {}}])", "queryPlanner"),
    ],
)
def test_explain_verbosity(text: str, verbosity: str) -> None:
    assert parse_query(text).verbosity == verbosity


def test_hint_and_cursor_options() -> None:
    q = parse_query(
        'db.c.find({a: 1}).hint({a: 1, b: -1}).maxTimeMS(500).comment("x").collation({locale: "fr"})'
    )
    assert q.hint == {"a": 1, "b": -1}
    assert q.options == {"maxTimeMS": 500, "comment": "x", "collation": {"locale": "fr"}}
    assert parse_query('db.c.find().hint("a_1").pretty()').hint == "a_1"


def test_bson_helpers() -> None:
    value = parse_value(
        """{
        id: ObjectId("5f620f9d52024f4dcab471AB"),
        when: ISODate("2020-09-16T00:00:00.000Z"),
        day: ISODate("2020-09-16"),
        epoch: new Date(0),
        parts: new Date(2020, 0, 31, 12),
        now: new Date(),
        n: NumberLong("9007199254740993"), m: Long('697'), i: NumberInt(5), i2: Int32("7"),
        d: NumberDecimal("1.10"), ts: Timestamp(1652303571, 19), ts2: Timestamp({t: 1, i: 2}),
        re: /ab\\/c[/x]/i, re2: RegExp("^a", "m"), u: UUID("222e18ca-4a10-4a42-a8fe-c39255cc4c55"),
        bin: BinData(4, "ry84bpRERfKg+z68/jr6qg=="), lo: MinKey, hi: MaxKey(), nothing: undefined,
        inf: -Infinity, hex: 0x1F, exp: 1e3, neg: -5
    }"""
    )
    assert value["id"] == ObjectId("5f620f9d52024f4dcab471ab")
    assert value["when"] == ShellDate(datetime(2020, 9, 16, tzinfo=UTC))
    assert value["day"] == value["when"]
    assert value["epoch"] == ShellDate(datetime(1970, 1, 1, tzinfo=UTC))
    assert value["parts"] == ShellDate(datetime(2020, 1, 31, 12, tzinfo=UTC))  # JS months start at 0
    assert value["now"] == ShellDate(None)
    assert value["n"] == Long(9007199254740993)  # beyond 2**53: kept exact
    assert value["m"] == Long(697) and value["i"] == Int32(5) and value["i2"] == Int32(7)
    assert value["d"] == Decimal128("1.10")
    assert value["ts"] == Timestamp(1652303571, 19) and value["ts2"] == Timestamp(1, 2)
    assert value["re"] == Regex("ab/c[/x]", "i")
    assert value["re2"] == Regex("^a", "m")
    assert value["u"] == UUID("222e18ca4a104a42a8fec39255cc4c55")
    assert value["bin"].subtype == 4 and len(value["bin"].data) == 16
    assert value["lo"] == MinKey() and value["hi"] == MaxKey() and value["nothing"] == Undefined()
    assert value["inf"] == -math.inf and value["hex"] == 31 and value["exp"] == 1000.0 and value["neg"] == -5


def test_string_escapes_and_concatenation() -> None:
    assert parse_value(r"'a\'b\n\u00e9\x41'") == "a'b\né" + "A"
    assert parse_value("'one ' +\n  'two'") == "one two"


def test_recorded_mongosh_explain_output_reads() -> None:
    """MongoDB 8.2 explain as printed by mongosh (docs code-example test output), with ' + ' concatenation."""
    doc = parse_value((DOCS / "explain-sbe-group-queryplanner.mongosh").read_text(encoding="utf-8"))
    planner = doc["stages"][0]["$cursor"]["queryPlanner"]
    assert doc["explainVersion"] == "2"
    assert planner["winningPlan"]["queryPlan"]["inputStage"]["indexName"] == "imdb.rating_1_year_1"
    stages_text = planner["winningPlan"]["slotBasedPlan"]["stages"]
    assert stages_text.startswith('[3] project [s13 = newObj("_id", s9, "averageRating", s12)] \n[3] project')
    assert stages_text.count("\n") == 15  # 16 concatenated pieces, the last without a newline
    assert planner["rejectedPlans"][0]["inputStage"]["inputStage"]["indexName"] == "imdb.rating_1_rated_1"


def test_recorded_indexstats_documents_with_comments() -> None:
    docs = parse_values((DOCS / "indexStats-orders.mongosh").read_text(encoding="utf-8"))
    assert [d["name"] for d in docs] == ["item_1_quantity_1", "item_1_price_1", "item_1", "_id_"]
    assert [d["accesses"]["ops"] for d in docs] == [Long(1), Long(1), Long(0), Long(0)]
    assert docs[2]["accesses"]["since"] == ShellDate(datetime(2020, 2, 10, 21, 11, 22, 947000, tzinfo=UTC))
    assert docs[0]["spec"]["key"] == {"item": 1, "quantity": 1}


@pytest.mark.parametrize(
    ("text", "fragment", "column"),
    [
        ("db.c.find({a: 1)", "expected ',' or '}'", 16),
        ("db.c.find({a: eval('1')})", "unknown name 'eval'", 15),
        ("db.c.find({a: 'x})", "unterminated string", 15),
        ("db.c.frobnicate()", "unknown collection method frobnicate()", 6),
        ("db.c.find().sort(1)", "the sort must be a document", 13),
        ("db.c.find().limit('x')", "limit() needs an integer", 13),
        ("db.c.find({a: ObjectId('zz')})", "expects a string of 24 hex digits", 15),
        ("db.c.find({a: ISODate('yesterday')})", "ISODate(…)", 15),
        ("db.c.find({a: /x/q})", "bad regular expression flags", 18),
        ("db.c.find({a: Date()})", "Date() without 'new'", 15),
        ("db.c.updateOne({}, {$set: {a: 1}})", "changes data", 6),
        ("db.c.aggregate({$match: {}})", "must be an array of stage documents", 6),
        ("db.c.aggregate([{$match: {}, $limit: 1}])", "exactly one field", 6),
        ("db.dropDatabase()", "is not a collection query", 4),
        ("db.c", "expected a method", 5),
        ("db.c.find() extra", "unexpected 'extra'", 13),
        ("orders.find()", "a query starts with 'db'", 1),
        ("", "empty query", None),
        ("db.c.find({a: 1})\n.sort({b: }", "expected a value", 11),
    ],
)
def test_errors_name_the_position(text: str, fragment: str, column: int | None) -> None:
    with pytest.raises(UsageError) as info:
        parse_query(text)
    assert fragment in info.value.message
    if column is not None:
        assert f"column {column}" in info.value.message


def test_error_line_numbers() -> None:
    with pytest.raises(UsageError) as info:
        parse_query("db.c.find({\n  a: 1,\n  b: ?\n})")
    assert "line 3, column 6" in info.value.message


def test_depth_limit() -> None:
    deep = "{a:" * 100 + "1" + "}" * 100
    assert parse_value(deep) is not None
    with pytest.raises(UsageError, match="nesting deeper than 100"):
        parse_value("{a:" * 101 + "1" + "}" * 101)
    with pytest.raises(UsageError, match="nesting deeper"):
        parse_value("[" * 10_000)


def test_bare_filter_and_pipeline_with_a_default_collection() -> None:
    q = parse_query("{status: 'A'}", default_collection="orders")
    assert (q.collection, q.operation, q.filter) == ("orders", "find", {"status": "A"})
    q = parse_query("[{$match: {a: 1}}]", default_collection="orders")
    assert (q.operation, q.pipeline) == ("aggregate", [{"$match": {"a": 1}}])


def test_writes_are_recognised() -> None:
    assert statement_is_write('db.c.aggregate([{$match: {}}, {$out: "other"}])')
    assert statement_is_write("db.c.aggregate([{$merge: {into: 'x'}}])")
    assert statement_is_write("db.c.deleteMany({})")
    assert statement_is_write("db.c.insertOne({a: 1}")  # unreadable but names a write method
    assert not statement_is_write("db.c.find({a: 1})")
    assert not statement_is_write("db.c.aggregate([{$match: {a: 1}}])")
    assert parse_query("db.c.aggregate([{$out: 'x'}])").writes


# -- writing ------------------------------------------------------------------------------------------


def test_render_query_round_trip() -> None:
    texts = [
        "db.orders.find({customer_id: 42}).sort({created_at: -1}).limit(10)",
        'db.getCollection("weird name").find({a: /x\\/y/i}, {_id: 0}).skip(5).hint({a: 1}).explain("executionStats")',
        'db.getSiblingDB("shop").orders.aggregate([{$match: {a: ISODate("2020-01-01")}}], {allowDiskUse: true})',
        'db.c.countDocuments({a: {$in: [1, 2]}}, {limit: 3, hint: "a_1"})',
        'db.c.distinct("k", {a: NumberLong("5")})',
        "db.c.estimatedDocumentCount()",
    ]
    for text in texts:
        first = parse_query(text)
        again = parse_query(render_query(first))
        again.source = first.source
        assert again == first, text


def test_render_exact_text() -> None:
    q = parse_query("db.orders.find({customer_id: 42, 'a.b': 'x'}).sort({created_at: -1}).limit(10)")
    assert (
        render_query(q)
        == 'db.orders.find({ customer_id: 42, "a.b": "x" }).sort({ created_at: -1 }).limit(10)'
    )
    assert collection_ref("orders") == "db.orders"
    assert collection_ref("my orders") == 'db.getCollection("my orders")'
    assert collection_ref("stats") == 'db.getCollection("stats")'  # db.stats is a database method
    assert render_create_index("orders", {"customer_id": 1, "created_at": -1}, {"name": "cust_created"}) == (
        'db.getCollection("orders").createIndex({ customer_id: 1, created_at: -1 }, { name: "cust_created" })'
    )
    assert render_index_call("orders", "hideIndex", "a_1") == 'db.getCollection("orders").hideIndex("a_1")'
    assert default_index_name({"a": 1, "b": -1, "loc": "2dsphere"}) == "a_1_b_-1_loc_2dsphere"


def test_to_shell_helpers_exact() -> None:
    value = {
        "id": ObjectId("5f620f9d52024f4dcab471ab"),
        "t": ShellDate(datetime(2020, 1, 2, 3, 4, 5, 678000, tzinfo=UTC)),
        "n": Long(5),
        "u": UUID("222e18ca4a104a42a8fec39255cc4c55"),
        "b": Binary(b"\x00\x01", 0),
        "ts": Timestamp(1, 2),
        "f": 2.0,
        "s": 'say "hi"\n',
    }
    assert to_shell(value) == (
        '{ id: ObjectId("5f620f9d52024f4dcab471ab"), t: ISODate("2020-01-02T03:04:05.678Z"), n: NumberLong("5"), '
        'u: UUID("222e18ca-4a10-4a42-a8fe-c39255cc4c55"), b: BinData(0, "AAE="), ts: Timestamp({ t: 1, i: 2 }), '
        'f: 2.0, s: "say \\"hi\\"\\n" }'
    )
    assert to_shell(Regex("a\nb", "i")) == 'RegExp("a\\nb", "i")'
    assert to_shell(Regex("*x")) == 'RegExp("*x")'


def test_mongo_query_defaults_are_independent() -> None:
    a, b = MongoQuery("a"), MongoQuery("b")
    a.filter["x"] = 1
    assert b.filter == {}
