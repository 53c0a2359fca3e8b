"""What EXPLAIN gets for a top statement, per engine (tui.core.topstat): statements without a plan are
named, PostgreSQL `$1` statements go as they are (the adapter makes a generic plan), a MySQL/MariaDB
digest goes through a whole sample or asks for values with how to keep samples, and a MongoDB profiler
shape goes through the slowest recorded read (documents recorded from the Datadog integration tests)."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
from bson import json_util

from tui.adapters import mongo_convert as conv
from tui.core import mongoshell as ms
from tui.core.session import StatementStat
from tui.core.topstat import (
    MYSQL_SAMPLES_HINT,
    digest_needs_values,
    explain_refusal,
    statement_to_explain,
)

PROFILE = Path(__file__).resolve().parents[1] / "fixtures" / "mongo" / "datadog" / "system.profile.json"


def stat(query: str, **extra: object) -> StatementStat:
    return StatementStat(query, calls=10, total_time_ms=50.0, mean_time_ms=5.0, rows=10, extra=dict(extra))


@pytest.mark.parametrize(
    ("engine", "query", "head"),
    [
        ("postgresql", "COMMIT", "COMMIT"),
        ("postgresql", "BEGIN ISOLATION LEVEL SERIALIZABLE", "BEGIN"),
        ("postgresql", "SET application_name = $1", "SET"),
        ("postgresql", "VACUUM ANALYZE t", "VACUUM"),
        ("postgresql", "CREATE INDEX ON t (k)", "CREATE"),
        ("postgresql", "/* app */ COPY t FROM STDIN", "COPY"),
        ("mariadb", "SHOW VARIABLES LIKE ?", "SHOW"),
        ("mysql", "CREATE TABLE `t` ( `a` INTEGER )", "CREATE"),
        ("mariadb", "SET SESSION `lock_wait_timeout` = ?", "SET"),
        ("mysql", "CALL `p` ( )", "CALL"),
    ],
)
def test_statements_without_a_plan_are_named(engine: str, query: str, head: str) -> None:
    reason = explain_refusal(query, engine)
    assert reason is not None and reason.startswith(f"{head} statements have no plan (EXPLAIN covers SELECT")
    choice = statement_to_explain(stat(query), engine)
    assert choice.query is None and not choice.needs_values and choice.reason == reason


@pytest.mark.parametrize(
    ("engine", "query"),
    [
        ("postgresql", "SELECT * FROM t WHERE k = $1"),
        ("postgresql", "WITH x AS (SELECT 1) SELECT * FROM x"),
        ("postgresql", "(SELECT 1) UNION (SELECT 2)"),
        ("postgresql", "UPDATE t SET k = $1 WHERE id = $2"),
        ("postgresql", "VALUES ($1)"),
        ("postgresql", "CREATE TABLE t2 AS SELECT * FROM t"),
        ("postgresql", "create temporary table t3 as select 1"),
        ("postgresql", "CREATE MATERIALIZED VIEW mv AS SELECT 1"),
        ("mysql", "REPLACE INTO `t` VALUES (1)"),
        ("mariadb", "DELETE FROM `t` WHERE `id` = 1"),
    ],
)
def test_explainable_statements_pass(engine: str, query: str) -> None:
    assert explain_refusal(query, engine) is None


def test_postgres_placeholders_go_as_they_are() -> None:
    query = "SELECT * FROM orders WHERE customer_id = $1 ORDER BY created_at DESC LIMIT $2"
    assert statement_to_explain(stat(query), "postgresql").query == query


def test_digest_placeholders_ignore_identifiers_and_strings() -> None:
    assert digest_needs_values("SELECT * FROM `t` WHERE `k` = ?")
    assert digest_needs_values("INSERT INTO `t` VALUES (...)")
    assert not digest_needs_values("SELECT * FROM `who?` WHERE `k` = 1")
    assert not digest_needs_values("SELECT * FROM urls WHERE u LIKE '%?%' AND v = \"a?b\"")


def test_digest_sample_or_values() -> None:
    digest = "SELECT * FROM `orders` WHERE `customer_id` = ?"
    whole = "SELECT * FROM orders WHERE customer_id = 7"
    assert statement_to_explain(stat(digest, sample=whole), "mariadb").query == whole
    # A sample cut by performance_schema_max_sql_text_length, or one with placeholders, is no sample.
    for sample in ("SELECT * FROM orders WHERE customer_id IN (1, 2, 3...", "", "SELECT ? FROM orders"):
        choice = statement_to_explain(stat(digest, sample=sample), "mysql")
        assert choice.query is None and choice.needs_values, sample
        assert MYSQL_SAMPLES_HINT in choice.hint and "events_statements_history_long" in choice.hint
    assert (
        statement_to_explain(stat("SELECT COUNT ( * ) FROM `t`"), "mysql").query
        == "SELECT COUNT ( * ) FROM `t`"
    )


def test_mongodb_profiler_shape_goes_through_its_slowest_read() -> None:
    docs = json_util.loads(PROFILE.read_text(encoding="utf-8"))
    faster = copy.deepcopy(next(d for d in docs if d["op"] == "query"))
    faster["millis"], faster["command"]["filter"] = 1, {"age": {"$gt": 99}}
    stats = conv.profile_statements([*docs, faster])
    find = next(s for s in stats if s.extra["op"] == "query")
    assert find.calls == 3 and find.max_time_ms == 85.0
    choice = statement_to_explain(find, "mongodb")
    assert (
        choice.query
        == 'db.getSiblingDB("integration").customers.find({ age: { $gt: 63 } }).sort({ name: 1 }).limit(34)'
    )
    parsed = ms.parse_query(choice.query)
    assert (parsed.database, parsed.collection, parsed.filter, parsed.limit) == (
        "integration",
        "customers",
        {"age": {"$gt": 63}},
        34,
    )
    update = next(s for s in stats if s.extra["op"] == "update")
    choice = statement_to_explain(update, "mongodb")
    assert choice.query is None and "shape of this update" in (choice.reason or "")


def test_mongodb_current_operation_keeps_its_command() -> None:
    ops = [
        {
            "active": True,
            "opid": 7,
            "ns": "shop.orders",
            "op": "command",
            "microsecs_running": 2_500_000,
            "command": {"aggregate": "orders", "pipeline": [{"$match": {"status": "new"}}], "cursor": {}},
        }
    ]
    (current,) = conv.current_op_statements(ops)
    choice = statement_to_explain(current, "mongodb")
    assert choice.query == 'db.getSiblingDB("shop").orders.aggregate([{ $match: { status: "new" } }])'
