"""The voice: numbers with units and separators, the persona's order, plain mode, markdown."""

from __future__ import annotations

import re

from tui.advisor.voice import (
    NOT_VERIFIED,
    evidence_rows,
    format_value,
    officer_text,
    render_finding_text,
    render_findings_markdown,
    render_findings_text,
    verification_text,
)
from tui.core.finding import Finding, Verification

EMOJI = re.compile("[\U0001f300-\U0001faff\u2600-\u27bf]")


def seq_finding(verified: bool = True) -> Finding:
    return Finding(
        rule="pg.seq-scan-selective",
        severity="warning",
        object="shop.orders",
        title="Seq Scan discards most rows",
        message="The Seq Scan on shop.orders read 200,000 rows to return 9 (selectivity 0.0045 %)",
        reasoning="A sequential scan reads every row and tests the filter on each",
        recommendation="The optimal indexing strategy for this predicate is a B-tree index on (customer_id)",
        evidence={
            "rows_read": 200_000,
            "rows_returned": 9,
            "selectivity_pct": 0.0045,
            "time_share_pct": 96.1,
            "time_ms": 24.0,
            "size_bytes": 1_468_006,
            "cost_before": 4137.0,
        },
        ddl=["CREATE INDEX CONCURRENTLY orders_customer_id_idx ON shop.orders (customer_id);"],
        rollback=["DROP INDEX CONCURRENTLY IF EXISTS shop.orders_customer_id_idx;"],
        verification=Verification("hypopg", 4137.0, 8.45) if verified else None,
    )


def test_values_carry_units_and_thousands_separators() -> None:
    assert format_value("rows_read", 200_000) == "200,000"
    assert format_value("selectivity_pct", 0.0045) == "0.0045 %"
    assert format_value("time_share_pct", 96.1) == "96.1 %"
    assert format_value("time_ms", 24.0) == "24.0 ms"
    assert format_value("size_bytes", 1_468_006) == "1.4 MB"
    assert format_value("work_mem_recommended_kb", 4096) == "4,096 kB"
    assert format_value("cost_before", 4137.0) == "4,137.00"
    assert format_value("cost_saving_pct", 97.0) == "97.0 %"
    assert format_value("stats_age_days", 30) == "30.0 days"
    assert format_value("temp_written_blocks", 100) == "100 blocks (800.0 kB)"
    assert format_value("rows", None) == "unknown"


def test_evidence_rows_label_without_unit_suffix() -> None:
    rows = dict(evidence_rows(seq_finding()))
    assert rows["rows read"] == "200,000" and rows["selectivity"] == "0.0045 %"


def test_verification_sentence_with_hypopg_numbers() -> None:
    text = verification_text(seq_finding())
    # 4,137 / 8.45 = 489.6× ; (1 − 8.45 / 4,137) = 99.8 %
    assert text == (
        "Verified with a hypothetical index (HypoPG): the planner's estimated cost falls from 4,137.00 to 8.45 "
        "(490× lower, 99.8 % saved)."
    )
    assert verification_text(seq_finding(verified=False)) == NOT_VERIFIED


def test_officer_order_evidence_mechanism_recommendation_verification() -> None:
    text = officer_text(seq_finding())
    assert text.startswith("I have identified a potential bottleneck in shop.orders.")
    positions = [
        text.index(s) for s in ("200,000 rows", "reads every row", "optimal indexing", "Verified with")
    ]
    assert positions == sorted(positions)
    assert "!" not in text and not EMOJI.search(text)


def test_unverified_index_claim_says_so() -> None:
    assert officer_text(seq_finding(verified=False)).endswith(NOT_VERIFIED)


def test_schema_findings_state_facts_without_a_verification_sentence() -> None:
    f = Finding(
        "pg.fk-without-index",
        "warning",
        "shop.orders",
        "FK",
        "No index leads with (customer_id)",
        ddl=["CREATE INDEX CONCURRENTLY x ON shop.orders (customer_id);"],
        category="schema",
    )
    assert NOT_VERIFIED not in officer_text(f)
    assert officer_text(f).startswith("Based on my analysis of the schema, shop.orders needs attention.")


def test_text_rendering_full_and_plain() -> None:
    full = render_finding_text(seq_finding())
    assert (
        full.splitlines()[0] == "WARNING  Seq Scan discards most rows — shop.orders  [pg.seq-scan-selective]"
    )
    assert "Evidence:" in full and "  CREATE INDEX CONCURRENTLY" in full and "-- rollback:" in full
    plain = render_finding_text(seq_finding(), plain=True)
    assert "I have" not in plain and "Based on" not in plain
    assert "200,000 rows" in plain and "CREATE INDEX CONCURRENTLY" in plain


def test_findings_text_ranked_with_summary() -> None:
    info = Finding("sql.select-star", "info", "shop.orders", "SELECT *", "All 5 columns", category="query")
    text = render_findings_text([info, seq_finding()])
    assert text.startswith("Based on my analysis, I have identified 2 findings (1 warning, 1 info)")
    assert text.index("pg.seq-scan-selective") < text.index("sql.select-star")
    assert render_findings_text([], plain=True) == "No findings."
    assert render_findings_text([seq_finding()], plain=True).startswith("1 finding: 1 warning")


def test_markdown_groups_by_severity_with_tables_and_sql() -> None:
    md = render_findings_markdown([seq_finding()])
    assert "## Warning (1)" in md and "### Seq Scan discards most rows — `shop.orders`" in md
    assert "| rows read | 200,000 |" in md and "```sql" in md
    assert render_findings_markdown([seq_finding()], level=3).count("### Warning (1)") == 1
