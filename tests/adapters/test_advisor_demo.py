"""Every demo query (tui.demo.shop.DEMO_QUERIES) through ``dbscope explain`` on the running demo shop:
the rules each query is meant to show fire (read-only: plain EXPLAIN, and EXPLAIN ANALYZE only where the
rule measures executed rows — the correlated-columns misestimate on shop.addresses)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.demo_fixture import demo_session  # noqa: F401 - the shared demo
from tui.cli import main
from tui.demo.shop import DEMO_DEFECTS, DEMO_QUERIES, DemoQuery, DemoSession

pytestmark = pytest.mark.live_pg

# Rules measured on executed rows: their queries are explained with --analyze.
MEASURED = {"pg.misestimate"}
# The dashboard's index suggestion is merged into the plan finding that explains it.
MERGED = {"pg.index-suggestion": "pg.top-n-sort-without-index"}


def _explain(url: str, query: DemoQuery, capsys: pytest.CaptureFixture[str]) -> list[dict[str, object]]:
    argv = ["explain", url, query.sql, "--format", "json"]
    if MEASURED & set(query.shows):
        argv.append("--analyze")
    code = main(argv)
    out = capsys.readouterr().out
    assert code == 0
    findings: list[dict[str, object]] = json.loads(out)["findings"]
    return findings


@pytest.mark.parametrize("query", DEMO_QUERIES, ids=lambda q: q.title[:40])
def test_each_demo_query_shows_its_rules(
    demo_session: DemoSession,  # noqa: F811
    query: DemoQuery,
    capsys: pytest.CaptureFixture[str],
) -> None:
    findings = _explain(demo_session.url, query, capsys)
    rules = {str(f["rule"]) for f in findings}
    for wanted in query.shows:
        merged = MERGED.get(wanted)
        if wanted in rules:
            continue
        assert merged in rules, (query.title, wanted, sorted(rules))
        [carrier] = [f for f in findings if f["rule"] == merged]
        assert carrier["ddl"], carrier  # the suggestion's index travels with the merged finding


def test_dashboard_index_is_the_order_by_direction(
    demo_session: DemoSession,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    [dashboard] = [q for q in DEMO_QUERIES if q.title.startswith("Dashboard")]
    [f] = [
        f for f in _explain(demo_session.url, dashboard, capsys) if f["rule"] == "pg.top-n-sort-without-index"
    ]
    assert f["ddl"] == ["CREATE INDEX CONCURRENTLY orders_created_at_idx ON shop.orders (created_at DESC);"]
    evidence = f["evidence"]
    assert isinstance(evidence, dict) and evidence["rows_read"] == 200_000 and evidence["rows_returned"] == 20


def test_implicit_cast_join_aligns_inventory_movements(
    demo_session: DemoSession,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    [movements] = [q for q in DEMO_QUERIES if "numeric = integer" in q.title]
    [f] = [f for f in _explain(demo_session.url, movements, capsys) if f["rule"] == "pg.implicit-cast"]
    assert f["object"] == "shop.inventory_movements"
    assert f["ddl"] == [
        "ALTER TABLE shop.inventory_movements ALTER COLUMN product_id TYPE integer USING CAST(product_id AS integer);"
    ]
    evidence = f["evidence"]
    assert isinstance(evidence, dict) and "(p.id)::numeric" in str(evidence["plan_condition"])


SCHEMA_RULES_ON_QUERIES = {"pg.implicit-cast", "pg.misestimate"}  # shown by the demo queries above


def test_advise_finds_every_seeded_schema_defect(
    demo_session: DemoSession,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`dbscope advise` on the demo reports each defect seeded in its schema, on the object it names."""
    code = main(["advise", demo_session.url, "--schema", "shop", "--format", "json"])
    findings: list[dict[str, Any]] = json.loads(capsys.readouterr().out)["findings"]
    assert code == 0
    for defect in DEMO_DEFECTS:
        if defect.rule in SCHEMA_RULES_ON_QUERIES:
            continue
        rule = defect.reported_as or defect.rule
        hits = [f for f in findings if f["rule"] == rule]
        assert hits, (rule, sorted({f["rule"] for f in findings}))
        if defect.reported_as:  # listed in one window finding: the index is named in it
            assert any(defect.target in json.dumps(f) for f in hits), (defect, hits)
        else:
            assert any(f["object"] == defect.object for f in hits), (defect, [f["object"] for f in hits])
            if defect.rule != "pg.table-without-primary-key":
                assert any(defect.target in json.dumps(f) for f in hits if f["object"] == defect.object)
