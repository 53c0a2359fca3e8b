"""The live PostgreSQL server's EXPLAIN in all four formats — TEXT, JSON, YAML and XML — read into the
same tree with the same numbers (operation, object, estimated rows, cost, actual rows, loops, which nodes
never ran); times come from separate executions, so only their presence is compared."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import psycopg
import pytest

from tests.live import LiveServer
from tui.core.plan import Plan
from tui.plans.detect import parse_plan

pytestmark = pytest.mark.live_pg

SCHEMA = """
CREATE TABLE t (id int PRIMARY KEY, k int NOT NULL, v text NOT NULL);
INSERT INTO t SELECT g, g % 10, md5(g::text) FROM generate_series(1, 3000) g;
CREATE TABLE u (id int PRIMARY KEY);
INSERT INTO u SELECT g FROM generate_series(1, 100) g;
"""
QUERIES = (
    # InitPlan, anti join, merge/hash joins, sort, aggregate
    "SELECT t.k, count(*) FROM t JOIN u ON u.id = t.id WHERE t.v > (SELECT min(v) FROM t t2 WHERE t2.id < 5) "
    "AND NOT EXISTS (SELECT 1 FROM u u2 WHERE u2.id = -t.id) GROUP BY t.k ORDER BY 2 DESC",
    # a CTE scanned twice, a SubPlan, a never-executed inner side
    "WITH c AS MATERIALIZED (SELECT id, k FROM t WHERE id < 50) SELECT a.id, (SELECT max(b.k) FROM c b "
    "WHERE b.id = a.id) FROM c a JOIN (SELECT * FROM u WHERE id < 0) z ON z.id = a.id",
    "SELECT * FROM (SELECT * FROM u WHERE id < 0) a JOIN t ON t.id = a.id",
)
OPTIONS = ("ANALYZE, BUFFERS, VERBOSE, SETTINGS", "COSTS OFF", "ANALYZE, TIMING OFF, SUMMARY")


@pytest.fixture(scope="module")
def db(pg_server: LiveServer) -> Iterator[str]:
    for url in pg_server.scratch_database(f"plans_pg_formats_{uuid.uuid4().hex[:8]}"):
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(SCHEMA)  # type: ignore[arg-type]
            conn.execute("VACUUM ANALYZE")
        yield url


def _explain(url: str, options: str, fmt: str, query: str) -> str:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SET enable_hashjoin = off")
        conn.execute("SET enable_mergejoin = off")
        rows = conn.execute(f"EXPLAIN ({options}, FORMAT {fmt}) {query}").fetchall()  # type: ignore[arg-type]
    if fmt == "JSON":
        import json

        return json.dumps(rows[0][0], indent=2)
    return "\n".join(str(row[0]) for row in rows)


def _shape(plan: Plan) -> list[tuple[object, ...]]:
    return [
        (n.operation, n.object, n.rows_estimated, n.cost, n.rows_actual, n.loops, n.never_executed, n.role)
        for n in plan.nodes()
    ]


@pytest.mark.parametrize("options", OPTIONS)
@pytest.mark.parametrize("query", QUERIES, ids=["initplan-antijoin", "cte-subplan", "never-executed"])
def test_four_formats_one_tree(db: str, options: str, query: str) -> None:
    plans = {fmt: parse_plan(_explain(db, options, fmt, query)) for fmt in ("TEXT", "JSON", "YAML", "XML")}
    expected = _shape(plans["JSON"])
    for fmt, plan in plans.items():
        assert plan.warnings == [], (fmt, plan.warnings)
        assert plan.format == f"postgresql-{fmt.lower()}"
        assert _shape(plan) == expected, fmt
        timed = "TIMING OFF" not in options and "ANALYZE" in options
        for node in plan.nodes():
            assert (node.time_inclusive_ms is not None) == (timed and not node.never_executed), (
                fmt,
                node.label,
            )
        if "SETTINGS" in options:
            assert (
                plan.settings
                == plans["JSON"].settings
                == {"enable_hashjoin": "off", "enable_mergejoin": "off"}
            )
    if "ANALYZE" in options:
        assert all(p.execution_time_ms is not None for p in plans.values())
