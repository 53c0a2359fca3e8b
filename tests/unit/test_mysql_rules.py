"""MySQL/MariaDB advisor rules on the recorded plans (tests/fixtures/plans) and on schema facts shaped as
the MySQL adapter builds them: one firing and one quiet case per rule id, numbers computed by hand from
the fixture."""

from __future__ import annotations

from pathlib import Path

import pytest

from tui.advisor.context import PlanContext, SchemaContext
from tui.advisor.rules import (
    load_rules,
    mysql_plan_full_scan,
    mysql_plan_index_choice,
    mysql_plan_join_buffer,
    mysql_plan_sort_temp,
    mysql_plan_subquery,
    mysql_schema_indexes,
    mysql_schema_no_pk,
    mysql_schema_statements,
    rule_ids,
)
from tui.advisor.rules.mysql_common import hide_statements, recreate_statement
from tui.core.catalog import CatalogNode, Column, ForeignKey, Index, ObjectDetail, Stat
from tui.core.session import SchemaFacts
from tui.plans.mysql import parse_mysql_plan

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "plans"


def plan_ctx(name: str, facts: SchemaFacts | None = None, query: str | None = None) -> PlanContext:
    plan = parse_mysql_plan((FIXTURES / name).read_text(encoding="utf-8"))
    return PlanContext.build(plan, facts=facts, query=query)


def by_rule(findings, rule: str):
    return [f for f in findings if f.rule == rule]


def index(name: str, columns: list[str], *, unique: bool = False, primary: bool = False, **options) -> Index:
    parts = options.pop("parts", None) or [
        {"column": c, "expression": None, "sub_part": None, "desc": False, "cardinality": None}
        for c in columns
    ]
    return Index(
        name=name,
        columns=columns,
        unique=unique or primary,
        primary=primary,
        options={"key_parts": parts, **options},
    )


def table(
    name: str, columns: list[Column], indexes: list[Index], rows: int = 20_000, db: str = "shop"
) -> ObjectDetail:
    node = CatalogNode(
        kind="table", name=name, qualified_name=f"{db}.{name}", database=db, schema=db, table=name
    )
    return ObjectDetail(
        node=node,
        columns=columns,
        indexes=indexes,
        row_estimate=rows,
        total_bytes=rows * 100,
        stats=[Stat("Engine", "InnoDB")],
    )


def facts(*tables: ObjectDetail, engine: str = "mariadb", version: int = 101119, **server) -> SchemaFacts:
    return SchemaFacts(
        engine=engine, database="shop", tables=list(tables), server={"version_num": version, **server}
    )


def test_rules_are_registered() -> None:
    ids = set(rule_ids())
    for expected in (
        "mysql.full-table-scan",
        "mysql.full-index-scan",
        "mysql.index-not-chosen",
        "mysql.low-filtered",
        "mysql.partial-key-use",
        "mysql.filesort",
        "mysql.temporary-table",
        "mysql.join-without-index",
        "mysql.dependent-subquery",
        "mysql.table-without-primary-key",
        "mysql.duplicate-index",
        "mysql.redundant-index",
        "mysql.unused-index",
        "mysql.unused-index-window",
        "mysql.statement-no-index",
    ):
        assert expected in ids
    assert {r.id for r in load_rules("plan", "mariadb")} >= {
        "mysql.full-table-scan",
        "mysql.dependent-subquery",
    }
    assert not [r for r in load_rules("plan", "postgresql") if r.id.startswith("mysql.")]


# -- plan rules ---------------------------------------------------------------------------------------


def test_full_table_scan_in_a_correlated_subquery() -> None:
    findings = mysql_plan_full_scan.check(plan_ctx("mariadb-analyze-expression-cache.json"))
    scan = next(f for f in findings if f.object == "o")
    assert scan.rule == "mysql.full-table-scan" and scan.severity == "critical"
    assert scan.evidence["rows_examined"] == 20_000 * 2_000  # r_rows per loop × r_loops
    assert scan.evidence["kept_pct"] == 0.05
    assert scan.ddl == ["ALTER TABLE o ADD INDEX o_c_id_idx (c_id), ALGORITHM=INPLACE, LOCK=NONE;"]
    assert scan.rollback == ["ALTER TABLE o DROP INDEX o_c_id_idx, ALGORITHM=INPLACE, LOCK=NONE;"]


def test_full_table_scan_quiet_on_small_or_indexed_access() -> None:
    assert mysql_plan_full_scan.check(plan_ctx("mysql-v1-range-scan.json")) == []
    assert mysql_plan_full_scan.check(plan_ctx("mysql-v1-semijoin-nested-loop.json")) == []  # 7 and 2 rows
    assert (
        by_rule(mysql_plan_full_scan.check(plan_ctx("mysql-tree-distinct-join.txt")), "mysql.full-table-scan")
        == []
    )


def test_full_table_scan_knows_existing_and_ignored_indexes() -> None:
    cols = [Column("id", "int", False), Column("c_id", "int"), Column("amount", "int")]
    existing = facts(table("o", cols, [index("PRIMARY", ["id"], primary=True), index("ix_cid", ["c_id"])]))
    scan = next(
        f
        for f in mysql_plan_full_scan.check(plan_ctx("mariadb-analyze-expression-cache.json", existing))
        if f.object == "shop.o"
    )
    assert scan.ddl == [] and "ix_cid already leads with (c_id)" in scan.recommendation
    hidden_index = index("ix_cid", ["c_id"])
    hidden_index.visible = False
    hidden = facts(table("o", cols, [index("PRIMARY", ["id"], primary=True), hidden_index]))
    scan = next(
        f
        for f in mysql_plan_full_scan.check(plan_ctx("mariadb-analyze-expression-cache.json", hidden))
        if f.object == "shop.o"
    )
    assert scan.ddl == [] and "invisible/ignored" in scan.recommendation
    fresh = facts(table("o", cols, [index("PRIMARY", ["id"], primary=True), index("o_c_id_idx", ["amount"])]))
    scan = next(
        f
        for f in mysql_plan_full_scan.check(plan_ctx("mariadb-analyze-expression-cache.json", fresh))
        if f.object == "shop.o"
    )
    # the name is taken on that table: the next free one, schema-qualified DDL
    assert scan.ddl == ["ALTER TABLE shop.o ADD INDEX o_c_id_idx1 (c_id), ALGORITHM=INPLACE, LOCK=NONE;"]


def test_full_index_scan() -> None:
    findings = mysql_plan_full_scan.check(plan_ctx("mariadb-analyze-subquery.json"))
    (scan,) = by_rule(findings, "mysql.full-index-scan")
    assert scan.object == "customer" and scan.severity == "info"
    assert scan.evidence["rows_examined"] == 150_000
    assert "covering" in scan.message
    assert (
        by_rule(
            mysql_plan_full_scan.check(plan_ctx("mysql-tree-nested-subqueries.txt")), "mysql.full-index-scan"
        )
        == []
    )


def test_index_not_chosen() -> None:
    findings = mysql_plan_index_choice.check(plan_ctx("mariadb-analyze-bnl.json"))
    (finding,) = by_rule(findings, "mysql.index-not-chosen")
    assert finding.object == "c" and finding.severity == "warning"
    assert finding.ddl == ["ANALYZE TABLE c;"] and finding.rollback[0].startswith("--")
    assert finding.evidence == {"rows_examined": 2000.0, "kept_pct": 20.0, "possible_keys": 1}
    # c is read with possible_keys [PRIMARY] but every row is wanted (semi-join driving table)
    assert (
        by_rule(
            mysql_plan_index_choice.check(plan_ctx("mariadb-analyze-semijoin-materialized.json")),
            "mysql.index-not-chosen",
        )
        == []
    )


def test_join_without_index() -> None:
    (finding,) = mysql_plan_join_buffer.check(plan_ctx("mariadb-analyze-bnl.json"))
    assert finding.rule == "mysql.join-without-index" and finding.object == "o"
    assert finding.evidence["inner_rows"] == 20_000
    assert finding.evidence["outer_rows"] == 2_000 * 0.20  # c: r_rows 2,000, r_filtered 20 %
    assert finding.evidence["row_pairs"] == 20_000 * 400
    assert finding.severity == "critical"  # the join takes > 99 % of 372.7 ms
    assert finding.ddl == ["ALTER TABLE o ADD INDEX o_status_idx (status), ALGORITHM=INPLACE, LOCK=NONE;"]
    tree = mysql_plan_join_buffer.check(plan_ctx("mysql-analyze-hash-join.txt"))
    assert [(f.object, f.severity, f.evidence["row_pairs"]) for f in tree] == [("t2", "info", 25)]
    assert (
        mysql_plan_join_buffer.check(plan_ctx("mariadb-analyze-filesort-temporary.json")) == []
    )  # eq_ref join


def test_dependent_subquery_kb_example() -> None:
    (finding,) = mysql_plan_subquery.check(plan_ctx("mariadb-analyze-subquery.json"))
    assert finding.rule == "mysql.dependent-subquery" and finding.severity == "critical"
    assert finding.evidence["loops"] == 150_000 and finding.evidence["time_ms"] == 39_531
    assert finding.evidence["time_share_pct"] == round(39_531 / 39_872 * 100, 2)
    assert finding.ddl == []  # each execution already uses i_o_custkey (ref)
    assert "JOIN" in finding.recommendation


def test_dependent_subquery_with_a_full_scan_inside() -> None:
    (finding,) = mysql_plan_subquery.check(plan_ctx("mariadb-analyze-expression-cache.json"))
    assert finding.severity == "warning" and finding.evidence["loops"] == 2_000
    assert finding.evidence["cache_hit_pct"] == 0
    assert finding.ddl == ["ALTER TABLE o ADD INDEX o_c_id_idx (c_id), ALGORITHM=INPLACE, LOCK=NONE;"]
    assert mysql_plan_subquery.check(plan_ctx("mysql-v1-attached-subqueries.json")) == []  # 7 outer rows


def test_filesort_and_temporary_table() -> None:
    (sort,) = mysql_plan_sort_temp.check(plan_ctx("mariadb-analyze-read-sorted-file.json"))
    assert sort.rule == "mysql.filesort" and sort.evidence["rows_sorted"] == 20_000
    assert sort.severity == "info"  # measured: the sort itself took ~0 % of the time
    assert sort.ddl == ["ALTER TABLE o ADD INDEX o_created_idx (created), ALGORITHM=INPLACE, LOCK=NONE;"]
    (temp,) = mysql_plan_sort_temp.check(plan_ctx("mysql-analyze-sakila.txt"))
    assert temp.rule == "mysql.temporary-table" and temp.severity == "warning"
    assert temp.evidence["rows_grouped"] == 5_687
    assert temp.evidence["time_share_pct"] == round((58.104 - 46.135) / 58.104 * 100, 2)
    assert mysql_plan_sort_temp.check(plan_ctx("mysql-v1-union-filesort.json")) == []  # 9 rows


def test_filesort_keys_from_the_query() -> None:
    query = "SELECT * FROM orders o WHERE o.status = 'paid' ORDER BY o.created DESC"
    cols = [Column("status", "varchar(10)"), Column("created", "date"), Column("id", "int", False)]
    shop = facts(table("orders", cols, [index("PRIMARY", ["id"], primary=True)]))
    plan = parse_mysql_plan(
        '{"query_block": {"select_id": 1, "cost_info": {"query_cost": "2100.00"}, "ordering_operation": {'
        '"using_filesort": true, "table": {"table_name": "o", "access_type": "ALL", "rows_examined_per_scan": 20000, '
        '"rows_produced_per_join": 2000, "filtered": "10.00", "attached_condition": "(`shop`.`o`.`status` = \'paid\')"}}}}'
    )
    (sort,) = mysql_plan_sort_temp.check(PlanContext.build(plan, facts=shop, query=query))
    assert sort.evidence["rows_sorted"] == 2_000 and sort.severity == "info"
    # equality first, then the ORDER BY key (one direction: an ascending key serves DESC too)
    assert sort.ddl == [
        "ALTER TABLE shop.orders ADD INDEX orders_status_created_idx (status, created), ALGORITHM=INPLACE, LOCK=NONE;"
    ]


def test_filesort_of_groups_by_an_aggregate_gets_no_index() -> None:
    """ORDER BY 2 = SUM(amount) after GROUP BY: the sort reads the groups (at most the 6,667 joined rows,
    not the 20,000 scanned) and no index can give an aggregate's order."""
    query = (
        "SELECT c.name, SUM(o.amount) FROM c JOIN o ON o.c_id=c.id WHERE o.status='paid' "
        "GROUP BY c.name ORDER BY 2 DESC LIMIT 5"
    )
    findings = mysql_plan_sort_temp.check(plan_ctx("mariadb-analyze-filesort-temporary.json", query=query))
    (sort,) = by_rule(findings, "mysql.filesort")
    assert sort.evidence["rows_sorted_at_most"] == 6_667 and "rows_sorted" not in sort.evidence
    assert sort.severity == "info" and sort.ddl == []
    assert "sum(o.amount) desc is computed" in sort.recommendation
    assert "with LIMIT 5 it kept only the top rows in a priority queue" in sort.message
    (temp,) = by_rule(findings, "mysql.temporary-table")
    assert temp.evidence["rows_grouped"] == 6_667 and "for GROUP BY" in temp.message
    # GROUP BY c.name while the join reads o first: no index on c can give the order
    assert "belong to c, but the join reads o first" in temp.recommendation and temp.ddl == []
    estimated = mysql_plan_sort_temp.check(plan_ctx("mariadb-explain-filesort-groups.json", query=query))
    (sort,) = by_rule(estimated, "mysql.filesort")
    assert sort.evidence["rows_sorted_at_most"] == 19_899 and sort.severity == "info"


def test_filesort_over_a_staging_temporary_table_is_one_finding() -> None:
    """ORDER BY on the second table of a join: MariaDB collects the joined rows in a temporary table
    for the filesort; that is not a GROUP BY, and one finding covers it."""
    query = "SELECT o.id, c.name FROM o JOIN c ON c.id = o.c_id WHERE o.amount > 900 ORDER BY c.name LIMIT 20"
    findings = mysql_plan_sort_temp.check(plan_ctx("mariadb-analyze-filesort-staged-join.json", query=query))
    (sort,) = findings
    assert sort.rule == "mysql.filesort" and sort.evidence["rows_sorted"] == 1_980  # 20,000 × 9.9 %
    assert "collected first in an internal temporary table" in sort.message
    assert sort.ddl == [] and "belong to c, but the join reads o first" in sort.recommendation


def test_order_by_positions_and_aliases_resolve_to_columns() -> None:
    assert mysql_plan_sort_temp._query_keys(
        "SELECT status, created AS c FROM orders ORDER BY 2 DESC, status", group=False
    ) == ([(None, "created", True), (None, "status", False)], None)
    assert mysql_plan_sort_temp._query_keys(
        "SELECT status, COUNT(*) AS n FROM orders GROUP BY status ORDER BY n DESC", group=False
    ) == (None, "COUNT(*)")


def test_low_filtered_and_partial_key_use() -> None:
    cols = [Column("a", "int"), Column("b", "int"), Column("id", "int", False)]
    shop = facts(table("t", cols, [index("PRIMARY", ["id"], primary=True), index("ix_ab", ["a", "b"])]))
    low = parse_mysql_plan(
        '{"query_block": {"select_id": 1, "table": {"table_name": "t", "access_type": "ref", "possible_keys": ["ix_ab"],'
        ' "key": "ix_ab", "used_key_parts": ["a"], "rows": 5000, "filtered": 2, "attached_condition": "t.c = 3"}}}'
    )
    (finding,) = by_rule(
        mysql_plan_index_choice.check(PlanContext.build(low, facts=shop)), "mysql.low-filtered"
    )
    assert finding.evidence["rows_examined"] == 5_000 and finding.evidence["kept_pct"] == 2.0
    assert finding.severity == "info"
    partial = parse_mysql_plan(
        '{"query_block": {"select_id": 1, "table": {"table_name": "t", "access_type": "range", "key": "ix_ab",'
        ' "used_key_parts": ["a"], "rows": 40000, "filtered": 100, "index_condition": "t.a > 5 and t.b = 3"}}}'
    )
    (finding,) = by_rule(
        mysql_plan_index_choice.check(PlanContext.build(partial, facts=shop)), "mysql.partial-key-use"
    )
    assert finding.severity == "warning"
    assert finding.evidence == {"used_key_parts": 1, "index_key_parts": 2, "rows_examined": 40000.0}
    assert finding.ddl == ["ALTER TABLE shop.t ADD INDEX t_b_a_idx (b, a), ALGORITHM=INPLACE, LOCK=NONE;"]
    full = parse_mysql_plan(
        '{"query_block": {"select_id": 1, "table": {"table_name": "t", "access_type": "range", "key": "ix_ab",'
        ' "used_key_parts": ["a", "b"], "rows": 40000, "filtered": 100, "index_condition": "t.a > 5 and t.b = 3"}}}'
    )
    assert (
        by_rule(mysql_plan_index_choice.check(PlanContext.build(full, facts=shop)), "mysql.partial-key-use")
        == []
    )


# -- schema rules ------------------------------------------------------------------------------------


def test_table_without_primary_key() -> None:
    promotable = table(
        "with_unique",
        [Column("code", "varchar(10)", False), Column("x", "int")],
        [index("uq_code", ["code"], unique=True)],
        rows=10,
    )
    bare = table("bare", [Column("id", "int"), Column("x", "int")], [], rows=0)
    keyed = table("keyed", [Column("id", "int", False)], [index("PRIMARY", ["id"], primary=True)])
    findings = mysql_schema_no_pk.check(SchemaContext.build(facts(promotable, bare, keyed)))
    assert [(f.object, f.severity) for f in findings] == [
        ("shop.with_unique", "warning"),
        ("shop.bare", "info"),
    ]
    assert findings[0].ddl == [
        "ALTER TABLE shop.with_unique ADD PRIMARY KEY (code), ALGORITHM=INPLACE, LOCK=NONE;"
    ]
    assert findings[0].rollback == ["ALTER TABLE shop.with_unique DROP PRIMARY KEY;"]
    # "id" is taken (any case): the surrogate column gets the next free name
    assert findings[1].ddl == [
        "ALTER TABLE shop.bare ADD COLUMN bare_id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY FIRST, "
        "ALGORITHM=INPLACE, LOCK=SHARED;"
    ]
    assert findings[1].rollback == ["ALTER TABLE shop.bare DROP COLUMN bare_id;"]


def test_duplicate_and_redundant_indexes_hidden_first() -> None:
    cols = [Column("a", "int"), Column("b", "int"), Column("id", "int", False)]
    parts_desc = [
        {"column": "a", "expression": None, "sub_part": None, "desc": False, "cardinality": 5},
        {"column": "b", "expression": None, "sub_part": None, "desc": True, "cardinality": 50},
    ]
    detail = table(
        "t",
        cols,
        [
            index("PRIMARY", ["id"], primary=True),
            index("ix_a", ["a"]),
            index("ix_a_again", ["a"]),
            index("ix_ab", ["a", "b"], parts=parts_desc),
        ],
    )
    mariadb = mysql_schema_indexes.check(SchemaContext.build(facts(detail)))
    rules = [(f.rule, f.message.split(" ")[2]) for f in mariadb if f.rule != "mysql.unused-index-window"]
    assert rules == [("mysql.duplicate-index", "ix_a_again"), ("mysql.redundant-index", "ix_a")]
    dup = mariadb[0]
    assert dup.ddl == [
        "ALTER TABLE shop.t ALTER INDEX ix_a_again IGNORED;",
        "ALTER TABLE shop.t DROP INDEX ix_a_again, ALGORITHM=INPLACE, LOCK=NONE;",
    ]
    assert dup.rollback == [
        "ALTER TABLE shop.t ALTER INDEX ix_a_again NOT IGNORED;",
        "ALTER TABLE shop.t ADD INDEX ix_a_again (a), ALGORITHM=INPLACE, LOCK=NONE;",
    ]
    mysql8 = mysql_schema_indexes.check(SchemaContext.build(facts(detail, engine="mysql", version=80036)))
    assert mysql8[0].ddl[0] == "ALTER TABLE shop.t ALTER INDEX ix_a_again INVISIBLE;"
    old = mysql_schema_indexes.check(SchemaContext.build(facts(detail, engine="mariadb", version=100500)))
    assert old[0].ddl == ["ALTER TABLE shop.t DROP INDEX ix_a_again, ALGORITHM=INPLACE, LOCK=NONE;"]


def test_recreate_keeps_prefixes_descending_and_kinds() -> None:
    parts = [
        {"column": "select", "expression": None, "sub_part": 10, "desc": False, "cardinality": 1},
        {"column": "naïve ü", "expression": None, "sub_part": None, "desc": True, "cardinality": 1},
    ]
    weird = index("ix Select", ["select", "naïve ü"], parts=parts)
    assert recreate_statement(weird, "my db", "Order Items") == (
        "ALTER TABLE `my db`.`Order Items` ADD INDEX `ix Select` (`select`(10), `naïve ü` DESC), "
        "ALGORITHM=INPLACE, LOCK=NONE;"
    )
    text = index("ft", ["body"])
    text.method = "fulltext"
    assert recreate_statement(text, None, "docs").endswith(
        "ADD FULLTEXT INDEX ft (body), ALGORITHM=INPLACE, LOCK=SHARED;"
    )
    assert hide_statements("mysql", 80036, None, "t", index("PRIMARY", ["id"], primary=True)) is None


def test_unused_indexes_need_usage_and_a_window() -> None:
    used = index("ix_used", ["a"], usage_source="performance_schema")
    used.scans = 12
    idle = index("ix_idle", ["b"], usage_source="performance_schema")
    idle.scans = 0
    idle.size_bytes = 16 * 1024 * 1024
    fk_index = index("ix_fk", ["c"], usage_source="performance_schema")
    fk_index.scans = 0
    detail = table("t", [Column("a", "int"), Column("b", "int"), Column("c", "int")], [used, idle, fk_index])
    detail.foreign_keys.append(ForeignKey("fk_c", "shop", "t", ["c"], "shop", "p", ["id"]))
    long_window = facts(detail, index_usage_source="performance_schema")
    long_window.stats_age_days, long_window.stats_since = 30.0, "2026-10-26 12:00:00"
    findings = by_rule(mysql_schema_indexes.check(SchemaContext.build(long_window)), "mysql.unused-index")
    assert [(f.message.split(" ")[2], f.severity) for f in findings] == [("ix_idle", "warning")]
    assert findings[0].evidence == {"uses": 0, "size_bytes": 16 * 1024 * 1024, "stats_age_days": 30.0}
    short = facts(detail, index_usage_source="performance_schema")
    short.stats_age_days = 2.5
    (window,) = mysql_schema_indexes.check(SchemaContext.build(short))
    assert window.rule == "mysql.unused-index-window" and window.evidence["indexes"] == 1
    (none,) = mysql_schema_indexes.check(SchemaContext.build(facts(detail)))
    assert none.rule == "mysql.unused-index-window" and "performance_schema=ON" in none.recommendation


def test_sys_schema_views_decide_where_present() -> None:
    """MySQL with performance_schema: sys.schema_redundant_indexes names the dominant index (here
    ix_a_c, where the catalog comparison alone would keep ix_a_b, first by name) and
    sys.schema_unused_indexes flags an index the io_waits table has no row for. Rows use the manual's
    column names; MySQL 8 hides with INVISIBLE before dropping."""
    ix_a, ix_a_b, ix_a_c = index("ix_a", ["a"]), index("ix_a_b", ["a", "b"]), index("ix_a_c", ["a", "c"])
    ix_x = index("ix_x", ["x"], usage_source="performance_schema")  # scans unknown: no io_waits row
    for i in (ix_a, ix_a_b, ix_a_c):
        i.options["usage_source"] = "performance_schema"
        i.scans = 3
    cols = [Column(c, "int") for c in ("a", "b", "c", "x")]
    detail = table("t", cols, [ix_a, ix_a_b, ix_a_c, ix_x])
    redundant_row = {
        "table_schema": "shop",
        "table_name": "t",
        "redundant_index_name": "ix_a",
        "redundant_index_columns": "a",
        "redundant_index_non_unique": 1,
        "dominant_index_name": "ix_a_c",
        "dominant_index_columns": "a,c",
        "dominant_index_non_unique": 1,
        "subpart_exists": 0,
        "sql_drop_index": "ALTER TABLE `shop`.`t` DROP INDEX `ix_a`",
    }
    unused_row = {"object_schema": "shop", "object_name": "t", "index_name": "ix_x"}
    mysql8 = facts(
        detail,
        engine="mysql",
        version=80036,
        index_usage_source="performance_schema",
        **{"sys.schema_redundant_indexes": [redundant_row], "sys.schema_unused_indexes": [unused_row]},
    )
    mysql8.stats_age_days = 30.0
    found = mysql_schema_indexes.check(SchemaContext.build(mysql8))
    (redundant,) = by_rule(found, "mysql.redundant-index")
    assert "has a leading prefix of ix_a_c (a, c)" in redundant.message
    assert redundant.ddl[0] == "ALTER TABLE shop.t ALTER INDEX ix_a INVISIBLE;"
    (unused,) = by_rule(found, "mysql.unused-index")
    assert unused.message.split(" ")[2] == "ix_x"
    without_sys = facts(detail, engine="mysql", version=80036, index_usage_source="performance_schema")
    without_sys.stats_age_days = 30.0
    found = mysql_schema_indexes.check(SchemaContext.build(without_sys))
    assert "a leading prefix of ix_a_b (a, b)" in by_rule(found, "mysql.redundant-index")[0].message
    assert by_rule(found, "mysql.unused-index") == []


def test_statements_without_index() -> None:
    rows = [
        {
            "query": "SELECT * FROM `orders` WHERE `note` LIKE ?",
            "sample": "SELECT * FROM orders WHERE note LIKE '%x%'",
            "schema": "shop",
            "calls": 200,
            "total_time_ms": 5_000.0,
            "rows_sent": 400,
            "rows_examined": 4_000_000,
            "no_index_used": 200,
            "no_good_index_used": 0,
        },
        {
            "query": "SELECT 1",
            "calls": 10,
            "rows_sent": 10,
            "rows_examined": 0,
            "no_index_used": 0,
            "no_good_index_used": 0,
        },
    ]
    (finding,) = mysql_schema_statements.check(SchemaContext.build(facts(statements=rows)))
    assert finding.severity == "warning"
    assert finding.evidence["rows_examined_per_call"] == 20_000.0
    assert finding.evidence["rows_examined_per_sent"] == 10_000.0
    assert finding.impact == 5_000.0
    assert "SELECT * FROM orders WHERE note LIKE '%x%'" in finding.recommendation
    assert mysql_schema_statements.check(SchemaContext.build(facts())) == []


@pytest.mark.parametrize(
    "name",
    sorted(
        p.name
        for p in FIXTURES.iterdir()
        if p.name.startswith(("mysql-", "mariadb-")) and not p.name.endswith(".sql")
    ),
)
def test_every_rule_runs_on_every_fixture(name: str) -> None:
    ctx = plan_ctx(name)
    for rule in load_rules("plan", ctx.plan.engine):
        for finding in rule.check(ctx):
            assert finding.rule in rule.all_ids
            assert len(finding.ddl) == len(finding.rollback) or not finding.ddl
