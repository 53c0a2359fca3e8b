"""Ranking by impact: time saved per call × calls. Within one statement severity groups first and impact
orders each group; across statements (``rank_across_statements``) the impact alone decides, so a
warning on a statement that runs 10,000 times outranks a critical finding on one that ran once.
Numbers computed by hand from the hand-built plans."""

from __future__ import annotations

import pytest

from tests.unit.test_advisor_support import analyzed, col, facts, pg_plan, scan, table
from tui.advisor.api import advise_plan, advise_query
from tui.advisor.querying import Workload, suggestion_impact
from tui.advisor.ranking import rank_across_statements
from tui.core.finding import Finding, Verification, sort_findings


def _schema():  # type: ignore[no-untyped-def]
    return facts(
        table("orders", [col("id"), col("customer_id"), col("status", "text")], rows=200_000),
        table("items", [col("id"), col("sku", "text")], rows=10_000),
    )


def _critical_once() -> list[Finding]:
    """Seq Scan on orders: 199,991 of 200,000 rows removed, 24 ms of a 25 ms execution; ran once."""
    plan = pg_plan(
        scan(Filter="(customer_id = 42)", **analyzed(9, 24.0, **{"Rows Removed by Filter": 199_991})),
        execution_ms=25.0,
    )
    return advise_plan(plan, facts=_schema(), calls=1)


def _warning_often(calls: int = 10_000) -> list[Finding]:
    """Seq Scan on items: 9,000 of 10,000 rows removed (90 %), 1 ms of 5 ms (20 %); runs ``calls`` times."""
    plan = pg_plan(
        scan(
            relation="items",
            Filter="(sku = 'x'::text)",
            **{"Plan Rows": 1_000},
            **analyzed(1_000, 1.0, **{"Rows Removed by Filter": 9_000}),
        ),
        execution_ms=5.0,
    )
    return advise_plan(plan, facts=_schema(), calls=calls)


def test_the_frequent_warning_outranks_the_one_off_critical_across_statements() -> None:
    once, often = _critical_once(), _warning_often()
    assert [f.severity for f in once] == ["critical"] and [f.severity for f in often] == ["warning"]
    assert once[0].impact == pytest.approx(24.0 * 199_991 / 200_000)  # 23.99892 ms saved, once
    assert often[0].impact == pytest.approx(1.0 * 0.9 * 10_000)  # 9,000 ms saved over 10,000 calls
    ranked = rank_across_statements([(1, once), (10_000, often)])
    assert [r.position for r in ranked] == [1, 0]
    assert ranked[0].calls == 10_000 and ranked[0].impact == pytest.approx(9_000.0)
    # a flat severity-first list would have put the one-off first: that is the per-statement view
    assert sort_findings(once + often)[0] is once[0]
    # with few calls the critical one leads again (0.9 × 20 = 18 ms < 24 ms)
    assert [r.position for r in rank_across_statements([(1, once), (20, _warning_often(20))])] == [0, 1]


def test_statements_without_findings_come_last_and_ties_go_to_more_calls() -> None:
    a = Finding("r.a", "info", "t", "a", "m", impact=5.0)
    b = Finding("r.b", "info", "t", "b", "m", impact=5.0)
    ranked = rank_across_statements([(3, []), (10, [a]), (50, [b])])
    assert [r.position for r in ranked] == [2, 1, 0]
    assert ranked[-1].findings == [] and ranked[-1].impact == 0.0


def test_within_one_severity_the_larger_impact_comes_first() -> None:
    small = Finding("r.z", "warning", "t", "z", "m", impact=10.0)
    large = Finding("r.a", "warning", "t", "a", "m", impact=900.0)
    critical = Finding("r.c", "critical", "t", "c", "m", impact=1.0)
    assert sort_findings([small, critical, large]) == [critical, large, small]


def test_index_suggestion_impact_is_time_saved_per_call_times_calls() -> None:
    verified = Verification("hypopg", 1000.0, 10.0)
    # plain EXPLAIN (no time of its own): the statement's mean time 2 ms × 99 % saved × 500 calls
    assert suggestion_impact(None, "orders", verified, 0.99, Workload(500, 2.0)) == pytest.approx(990.0)
    # an analyzed plan's own execution time wins over the statistics' mean
    plan = pg_plan(scan(**analyzed(9, 24.0, **{"Rows Removed by Filter": 199_991})), execution_ms=25.0)
    assert suggestion_impact(plan, "orders", verified, 0.99, Workload(500, 2.0)) == pytest.approx(
        25.0 * 0.99 * 500
    )
    # no time at all: the cost saved × calls
    assert suggestion_impact(None, "orders", verified, 0.99, Workload(500)) == pytest.approx(990.0 * 500)
    # unverified: the share of the plan spent on the table (the only node: 100 %) × mean × calls
    estimated = pg_plan(scan(Filter="(customer_id = 42)"))
    assert suggestion_impact(estimated, "orders", None, None, Workload(7, 3.0)) == pytest.approx(21.0)


def test_mean_time_turns_an_estimated_plan_finding_into_milliseconds() -> None:
    plan = pg_plan(scan(Filter="(customer_id = 42)", **{"Plan Rows": 10, "Total Cost": 4000.0}))
    [f] = [f for f in advise_plan(plan, facts=_schema(), calls=100, mean_time_ms=8.0) if f.ddl]
    # the scan is the whole plan: 8 ms × (1 − 10 / 200,000) per call, × 100 calls
    assert f.impact == pytest.approx(8.0 * (1 - 10 / 200_000) * 100)


def test_query_rule_impact_counts_the_calls() -> None:
    [once] = [
        f for f in advise_query("SELECT * FROM shop.orders", facts=_schema()) if f.rule == "sql.select-star"
    ]
    [many] = [
        f
        for f in advise_query("SELECT * FROM shop.orders", facts=_schema(), calls=40)
        if f.rule == "sql.select-star"
    ]
    assert once.impact > 0 and many.impact == once.impact * 40
