"""The persona's markdown report and the merge of plan findings with index suggestions."""

from __future__ import annotations

from tests.unit.test_advisor_support import analyzed, col, facts, index, pg_plan, pk, scan, table
from tui.advisor.merge import merge_suggestions
from tui.advisor.querying import SuggestionOutcome
from tui.advisor.report import er_sketch, render_report
from tui.advisor.suggest import IndexCandidate
from tui.core.catalog import ForeignKey, Stat
from tui.core.finding import Finding, Verification
from tui.core.session import ServerInfo, StatementStat


def _facts():  # type: ignore[no-untyped-def]
    cix, ccon = pk("customers_pkey", "id")
    customers = table(
        "customers",
        [col("id", nullable=False), col("email", "text")],
        indexes=[cix],
        constraints=[ccon],
        rows=20_000,
        total_bytes=2_000_000,
    )
    oix, ocon = pk("orders_pkey", "id")
    orders = table(
        "orders",
        [col("id", nullable=False), col("customer_id")],
        indexes=[oix, index("orders_part", "customer_id", predicate="(customer_id > 0)")],
        constraints=[ocon],
        fks=[
            ForeignKey(
                "orders_customer_fkey",
                "shop",
                "orders",
                ["customer_id"],
                "shop",
                "customers",
                ["id"],
                on_delete="CASCADE",
            )
        ],
        rows=200_000,
        total_bytes=20_000_000,
        stats=[
            Stat("Rows read by seq scans", 900, "rows"),
            Stat("Rows fetched by index scans", 100, "rows"),
            Stat("Dead row share", 0.25, "%"),
        ],
    )
    logs = table("logs", [col("msg", "text")], rows=10, total_bytes=8192)
    f = facts(customers, orders, logs)
    f.server = {"connections": 12, "max_connections": 100, "cache_hit_ratio": 0.995}
    return f


def test_er_sketch_draws_foreign_keys_and_lists_loose_tables() -> None:
    lines = er_sketch(_facts().tables)
    assert lines[0] == "[shop.orders] (customer_id) ──> [shop.customers] (id)  ON DELETE CASCADE"
    assert lines[-1] == "Not connected by a foreign key: [shop.logs]"


def test_report_sections_in_the_persona_order_with_measured_or_unknown_facts() -> None:
    verified = Finding(
        "pg.seq-scan-selective",
        "warning",
        "shop.orders",
        "Seq Scan discards most rows",
        "read 200,000 rows",
        ddl=["CREATE INDEX CONCURRENTLY orders_customer_id_idx ON shop.orders (customer_id);"],
        rollback=["DROP INDEX CONCURRENTLY IF EXISTS shop.orders_customer_id_idx;"],
        verification=Verification("hypopg", 4137.0, 8.45),
        recommendation="B-tree on (customer_id)",
    )
    nopk = Finding(
        "pg.table-without-primary-key",
        "warning",
        "shop.logs",
        "Table without a primary key",
        "shop.logs has no primary key",
        category="schema",
    )
    plan = pg_plan(scan(**analyzed(9, 24.0)), execution_ms=25.0)
    md = render_report(
        _facts(),
        [nopk],
        server=ServerInfo("postgresql", "15.20"),
        plans=[("SELECT 1 FROM shop.orders WHERE customer_id = 42", plan, [verified])],
    )
    headings = [line for line in md.splitlines() if line.startswith("## ")]
    assert headings == [
        "## 1. Overview",
        "## 2. Schema Design",
        "## 3. Indexing Strategy",
        "## 4. Query Optimization",
        "## 5. Migration Strategy",
        "## 6. Performance Considerations",
        "## 7. Data Integrity",
        "## 8. Monitoring Recommendations",
        "## Findings",
    ]
    assert md.startswith(
        "# Database Architecture: db\n\nI have analyzed the database schema and query patterns."
    )
    assert "| Engine | postgresql 15.20 |" in md
    assert "| Rows (planner estimates) | 220,010 |" in md
    assert "OLAP-like: 10.0 % of the 1,000 rows read came through indexes" in md
    assert "| Statements per second | unknown (statement statistics were not read) |" in md
    assert (
        "| shop.orders | customer_id | btree | Seq Scan discards most rows | cost 4,137.00 → 8.45 (490× lower, HypoPG) |"
        in md
    )
    assert "| shop.orders | orders_part | (customer_id > 0) |" in md
    assert "- After: Verified with a hypothetical index (HypoPG)" in md
    assert "Connections: 12 of 100 (12.0 %)" in md and "Cache hit ratio (this database): 99.50 %" in md
    assert "| Replication lag | < 30 s | unknown (not measured by this report) |" in md
    assert "| Dead rows (bloat) | < 20 % per table | highest 25.0 % in shop.orders |" in md
    assert "- shop.logs: table without a primary key." in md
    assert "```sql\n-- dbscope migration" in md


def test_report_of_an_empty_database_says_what_is_unknown() -> None:
    from tui.core.session import SchemaFacts

    md = render_report(SchemaFacts("postgresql", "empty"), [])
    assert (
        "| Engine | postgresql (version unknown) |" in md and "| Rows (planner estimates) | unknown |" in md
    )
    assert "No change is required." in md and "| Statistics window | unknown |" in md


def test_merge_moves_the_verified_index_into_the_scan_finding() -> None:
    scan_f = Finding(
        "pg.seq-scan-selective",
        "warning",
        "shop.orders",
        "Seq",
        "read 200,000",
        ddl=["CREATE INDEX CONCURRENTLY a ON shop.orders (customer_id);"],
        evidence={"rows_read": 200_000},
    )
    sugg = Finding(
        "pg.index-suggestion",
        "warning",
        "shop.orders",
        "Index suggestion",
        "m",
        ddl=["CREATE INDEX CONCURRENTLY b ON shop.orders (customer_id, created_at);"],
        rollback=["DROP INDEX CONCURRENTLY IF EXISTS shop.b;"],
        verification=Verification("hypopg", 100.0, 10.0),
        evidence={"cost_before": 100.0},
        recommendation="B-tree on (customer_id, created_at)",
        category="index",
    )
    [merged] = merge_suggestions([scan_f, sugg], [])
    assert merged.rule == "pg.seq-scan-selective" and merged.ddl == sugg.ddl
    assert merged.verification is sugg.verification
    assert merged.evidence == {"rows_read": 200_000, "cost_before": 100.0}


def test_merge_drops_an_index_hypopg_rejected() -> None:
    scan_f = Finding(
        "pg.seq-scan-selective",
        "info",
        "shop.orders",
        "Seq",
        "m",
        ddl=["CREATE INDEX CONCURRENTLY a ON shop.orders (status);"],
        rollback=["DROP INDEX a;"],
    )
    cand = IndexCandidate("shop", "orders", ["status"], ["equality"])
    rejected = SuggestionOutcome(
        cand,
        False,
        "a hypothetical index on (status) lowers the cost by 3.0 %",
        Verification("hypopg", 100.0, 97.0),
    )
    [merged] = merge_suggestions([scan_f], [rejected])
    assert merged.ddl == [] and "do not recommend one" in merged.recommendation


def _stat(query: str, calls: int, mean_ms: float) -> StatementStat:
    return StatementStat(query, calls, calls * mean_ms, mean_ms, rows=calls)


def test_statement_statistics_give_the_workload_pattern_and_rate() -> None:
    schema = _facts()
    schema.stats_age_days = 0.5  # 43,200 s
    statements = [
        _stat("SELECT id FROM shop.orders WHERE customer_id = $1", 800, 0.4),
        _stat("WITH x AS (SELECT 1) SELECT * FROM x", 100, 2.0),
        _stat("UPDATE shop.orders SET customer_id = $1 WHERE id = $2", 90, 1.5),
        _stat("BEGIN", 10, 0.01),
    ]
    md = render_report(schema, [], statements=statements)
    # 1,000 calls: 900 reads, 90 writes, 10 other; all four average under 10 ms
    assert (
        "| Workload pattern | OLTP-like: 1,000 calls of 4 statements — 90.0 % reads, 9.0 % writes, 1.0 % other "
        "(transaction control, DDL, utility) by calls; 100.0 % of the calls in statements averaging under 10 ms, "
        "0.0 % of the time in statements averaging 100 ms or more (statement statistics) |"
    ) in md
    assert (
        "| Rows read | OLAP-like: 10.0 % of the 1,000 rows read came through indexes (pg_stat_user_tables) |"
        in md
    )
    # 1,000 calls / 43,200 s = 0.023 statements/s
    assert (
        "| Statements per second | 0.02 (1,000 calls of the top 4 statements over the 0.5-day statistics window"
        in md
    )
    assert "- Statements: 9.0 % of 1,000 calls write" in md


def test_long_statements_make_the_pattern_olap_like() -> None:
    statements = [_stat("SELECT sum(x) FROM big", 10, 5_000.0), _stat("SELECT 1", 5_000, 0.1)]
    md = render_report(_facts(), [], statements=statements)
    # 50,000 ms of 50,500 ms (99.0 %) in statements averaging ≥ 100 ms
    assert "| Workload pattern | OLAP-like: 5,010 calls of 2 statements" in md
    assert "99.0 % of the time in statements averaging 100 ms or more" in md


def _sugg(ddl: str, before: float, after: float) -> Finding:
    return Finding(
        "pg.index-suggestion",
        "warning",
        "shop.orders",
        "Index suggestion",
        "m",
        ddl=[ddl],
        verification=Verification("hypopg", before, after),
        category="index",
        impact=before - after,
    )


def test_merge_prefers_the_suggestion_with_the_top_n_findings_own_keys() -> None:
    top_n = Finding(
        "pg.top-n-sort-without-index",
        "warning",
        "shop.orders",
        "Top-N",
        "m",
        ddl=["CREATE INDEX CONCURRENTLY orders_created_at_idx ON shop.orders (created_at DESC);"],
    )
    join_key = _sugg(
        "CREATE INDEX CONCURRENTLY orders_customer_id_idx ON shop.orders (customer_id);", 900.0, 400.0
    )
    sort_key = _sugg(
        "CREATE INDEX CONCURRENTLY orders_created_at_idx ON shop.orders (created_at DESC);", 7394.15, 1.6
    )
    merged = merge_suggestions([top_n, join_key, sort_key], [])
    [carrier] = [f for f in merged if f.rule == "pg.top-n-sort-without-index"]
    assert carrier.verification is sort_key.verification and carrier.ddl == sort_key.ddl
    assert carrier.impact == sort_key.impact  # the index's own saving ranks the finding
    assert join_key in merged  # the other candidate stays a suggestion of its own


def test_merge_withdraws_the_top_n_index_hypopg_rejected() -> None:
    top_n = Finding(
        "pg.top-n-sort-without-index",
        "warning",
        "shop.orders",
        "Top-N",
        "m",
        ddl=["CREATE INDEX CONCURRENTLY orders_created_at_idx ON shop.orders (created_at DESC);"],
        rollback=["DROP INDEX CONCURRENTLY IF EXISTS shop.orders_created_at_idx;"],
    )
    cand = IndexCandidate("shop", "orders", ["created_at"], ["sort"], descending=[True])
    outcome = SuggestionOutcome(
        cand,
        False,
        "a hypothetical index on (created_at DESC) lowers the estimated cost by 12.0 %, below the 50 % bar",
        Verification("hypopg", 100.0, 88.0),
    )
    [merged] = merge_suggestions([top_n], [outcome])
    assert merged.ddl == [] and merged.rollback == []
    assert "below the 50 % bar" in merged.recommendation
