"""The advisor's framework: the rule catalogue, contained rule failures, ranking, the JSON contract."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from tests.unit.test_advisor_support import analyzed, pg_plan, scan
from tui.advisor.api import advise_plan, advise_schema
from tui.advisor.context import PlanContext
from tui.advisor.engine import run_rules
from tui.advisor.ranking import rank_findings
from tui.advisor.registry import Rule
from tui.advisor.rules import RULE_MODULES, load_rules, rule_ids
from tui.core.finding import Finding
from tui.core.session import SchemaFacts

ROOT = Path(__file__).resolve().parents[2]
PG_MODULES = [m for m in RULE_MODULES if m.startswith(("pg_", "sql_"))]


def test_every_postgres_rule_module_exists_and_exports_rules() -> None:
    files = {p.stem for p in (ROOT / "tui" / "advisor" / "rules").glob("*.py")}
    assert set(PG_MODULES) <= files
    pg = load_rules(engine="postgresql")
    assert {r.category for r in pg} == {"plan", "schema", "query"}


def test_rule_ids_are_unique_and_stable_shaped() -> None:
    ids = rule_ids()
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"(pg|sql|mysql|mongo|mariadb)\.[a-z0-9]+(-[a-z0-9]+)*", i) for i in ids), ids
    for expected in (
        "pg.seq-scan-selective",
        "pg.index-filter-removal",
        "pg.misestimate",
        "pg.sort-spill",
        "pg.hash-spill",
        "pg.temp-blocks-written",
        "pg.lossy-bitmap",
        "pg.heap-fetches",
        "pg.nested-loop-inner",
        "pg.workers-not-launched",
        "pg.jit-overhead",
        "pg.planning-time",
        "pg.large-result-no-limit",
        "pg.cache-misses",
        "pg.fk-without-index",
        "pg.fk-referenced-not-unique",
        "pg.duplicate-index",
        "pg.redundant-index",
        "pg.unused-index",
        "pg.unused-index-window",
        "pg.invalid-index",
        "pg.table-without-primary-key",
        "pg.dead-tuples",
        "pg.table-bloat",
        "pg.sequence-exhaustion",
        "sql.select-star",
        "pg.function-on-indexed-column",
        "pg.leading-wildcard-like",
        "sql.or-across-columns",
        "sql.offset-pagination",
        "sql.not-in-nullable",
        "pg.implicit-cast",
    ):
        assert expected in ids


def test_rules_filter_by_category_and_engine() -> None:
    assert all(r.category == "schema" for r in load_rules("schema", "postgresql"))
    assert all(r.applies_to("mysql") for r in load_rules(engine="mysql"))
    assert not any(r.id.startswith("pg.") for r in load_rules(engine="mongodb"))


def test_a_failing_rule_becomes_an_info_finding_and_the_others_still_report() -> None:
    def broken(_ctx: object) -> list[Finding]:
        raise KeyError("Plan Rows")

    def fine(_ctx: object) -> list[Finding]:
        return [Finding("x.ok", "warning", None, "ok", "ok")]

    rules = [Rule("x.broken", "plan", ("*",), broken, "broken"), Rule("x.ok", "plan", ("*",), fine, "fine")]
    out = run_rules(rules, object())
    assert [f.rule for f in out] == ["advisor.rule-error", "x.ok"]
    assert "x.broken raised KeyError" in out[0].message and out[0].severity == "info"


def test_ranking_by_severity_then_impact_and_duplicates_merged() -> None:
    a = Finding("r.a", "warning", "t", "a", "m", impact=10.0)
    b = Finding("r.b", "warning", "t", "b", "m", impact=500.0)
    c = Finding("r.c", "critical", "t", "c", "m", impact=1.0)
    dup = Finding("r.a", "warning", "t", "a", "m", impact=20.0)
    ranked = rank_findings([a, b, c, dup])
    assert [f.rule for f in ranked] == ["r.c", "r.b", "r.a"]
    assert ranked[2].impact == 20.0


def test_calls_multiply_the_impact_of_plan_findings() -> None:
    plan = pg_plan(
        scan(Filter="(customer_id = 42)", **analyzed(9, 24.0, **{"Rows Removed by Filter": 199_991})),
        execution_ms=25.0,
    )
    once = next(f for f in advise_plan(plan) if f.rule == "pg.seq-scan-selective")
    many = next(f for f in advise_plan(plan, calls=1_000) if f.rule == "pg.seq-scan-selective")
    assert many.impact == once.impact * 1_000
    assert PlanContext.build(plan, calls=None).multiplier == 1


def test_findings_json_is_exactly_the_public_contract() -> None:
    plan = pg_plan(
        scan(Filter="(customer_id = 42)", **analyzed(9, 24.0, **{"Rows Removed by Filter": 199_991})),
        execution_ms=25.0,
    )
    for f in advise_plan(plan, query="SELECT * FROM shop.orders WHERE customer_id = 42 OFFSET 5000"):
        data = json.loads(json.dumps(f.to_json()))
        assert list(data) == [
            "rule",
            "severity",
            "object",
            "title",
            "message",
            "evidence",
            "ddl",
            "verification",
        ]
        assert all(isinstance(v, int | float) for v in data["evidence"].values()), data["evidence"]
        assert "!" not in data["message"]


def test_empty_schema_gives_no_findings() -> None:
    assert advise_schema(SchemaFacts("postgresql", "db")) == []


def test_advisor_and_rules_import_without_textual_or_drivers() -> None:
    code = (
        "import sys, tui.advisor.api, tui.advisor.voice, tui.advisor.report, tui.advisor.plan_diff;"
        "from tui.advisor.rules import load_rules; load_rules();"
        "bad = [m for m in ('textual', 'psycopg', 'pymysql', 'pymongo') if m in sys.modules];"
        "print(','.join(bad))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == ""


def test_plan_rules_do_not_import_sqlglot_until_a_query_is_given() -> None:
    code = (
        "import sys, json; from tui.plans.postgres import parse_postgres_plan;"
        "from tui.advisor.api import advise_plan;"
        "p = parse_postgres_plan(open('tests/fixtures/plans/postgres-sort-disk-spill.json').read());"
        "advise_plan(p); print('sqlglot' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "False"
