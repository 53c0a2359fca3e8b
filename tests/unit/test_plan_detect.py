"""Engine and format auto-detection, and the dispatch to each engine's parser."""

from __future__ import annotations

import importlib.util
import json
import sys
import types
from pathlib import Path

import pytest

import tui.plans
from tui.core.errors import PlanInputError
from tui.plans.detect import MARIADB, MONGODB, MYSQL, POSTGRES_JSON, POSTGRES_TEXT, detect_format, parse_plan

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "plans"


def fixture(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def expected_kind(name: str) -> str:
    if name.startswith("postgres"):
        return POSTGRES_TEXT if name.endswith(".text.txt") else POSTGRES_JSON
    if name.startswith("mongodb"):
        return MONGODB
    if name.startswith("mariadb"):
        return MARIADB
    return MYSQL


PLAN_FILES = sorted(
    p.name
    for p in FIXTURES.iterdir()
    if p.name.startswith(("postgres", "mysql", "mariadb", "mongodb")) and not p.name.endswith(".sql")
)


@pytest.mark.parametrize("name", PLAN_FILES)
def test_every_fixture_is_detected(name: str) -> None:
    kind, _ = detect_format(fixture(name))
    if name.startswith(("mysql", "mariadb")):
        assert kind in (MYSQL, MARIADB)  # both go to the same parser, which settles the flavour
        if name.startswith("mariadb") and name.endswith(".json"):
            assert kind == MARIADB
    else:
        assert kind == expected_kind(name)


def test_postgres_json_is_decoded_once_and_handed_over() -> None:
    kind, data = detect_format(fixture("postgres-nested-loop.json"))
    assert kind == POSTGRES_JSON and data[0]["Plan"]["Node Type"] == "Nested Loop"
    plan = parse_plan(fixture("postgres-nested-loop.json"))
    assert plan.engine == "postgresql" and plan.format == "postgresql-json"


def test_postgres_text_is_dispatched() -> None:
    plan = parse_plan(fixture("postgres15-cte-initplan-subplan.text.txt"))
    assert plan.format == "postgresql-text" and len(list(plan.nodes())) == 8


@pytest.mark.parametrize(
    "name", [n for n in PLAN_FILES if n.startswith(("mysql", "mariadb"))] or ["mysql-v1-range-scan.json"]
)
def test_mysql_family_goes_to_the_mysql_parser(name: str) -> None:
    plan = parse_plan(fixture(name))
    assert plan.engine in ("mysql", "mariadb")


def test_mysql_client_decorations_are_recognised() -> None:
    body = fixture("mysql-v1-range-scan.json").strip()
    vertical = (
        "*************************** 1. row ***************************\nEXPLAIN: "
        + body
        + "\n1 row in set (0.00 sec)\n"
    )
    assert detect_format(vertical)[0] in (MYSQL, MARIADB)
    tree = "-> Filter: (t1.a > 3)  (cost=1.75 rows=5)\n    -> Table scan on t1  (cost=1.75 rows=15)\n"
    assert detect_format(tree)[0] == MYSQL
    flat_v2 = json.dumps(
        {
            "query": "select 1",
            "operation": "Rows fetched before execution",
            "access_type": "rows_fetched_before_execution",
        }
    )
    assert detect_format(flat_v2)[0] == MYSQL


def test_mongosh_output_is_recognised_as_mongodb() -> None:
    shell = "{\n  explainVersion: '1',\n  queryPlanner: { namespace: 'db.c', winningPlan: { stage: 'COLLSCAN' } },\n  ok: 1\n}"
    assert detect_format(shell)[0] == MONGODB


def test_mongodb_dispatch(monkeypatch: pytest.MonkeyPatch) -> None:
    text = fixture("mongodb-ixscan-fetch.json")
    if importlib.util.find_spec("tui.plans.mongo") is not None:
        assert parse_plan(text).engine == "mongodb"
    monkeypatch.setitem(sys.modules, "tui.plans.mongo", None)  # a build without the MongoDB parser
    with pytest.raises(PlanInputError, match="MongoDB plan parser is unavailable"):
        parse_plan(text)


def test_other_parsers_failures_become_plan_input_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    broken = types.ModuleType("tui.plans.mysql")

    def parse_mysql_plan(text: str) -> None:
        raise KeyError("table")

    broken.parse_mysql_plan = parse_mysql_plan  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "tui.plans.mysql", broken)
    with pytest.raises(
        PlanInputError, match=r"MySQL/MariaDB plan parser could not read this input \(KeyError"
    ):
        parse_plan(fixture("mysql-v1-range-scan.json"))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "the input is empty"),
        ("  \n\t ", "the input is empty"),
        ("hello world", "not a recognised EXPLAIN output (it starts with 'hello world')"),
        (
            '{"rows": [1, 2]}',
            "JSON parsed but it matches no EXPLAIN format dbscope knows (top-level keys: 'rows')",
        ),
        ("[]", "it is an empty array"),
        ("[1]", "it is an array whose first element is a number"),
        ('{"Plan": {"Node Type": "Seq Scan"', "line 1, column 34: expected ',' — the input looks truncated"),
        (fixture("SOURCES.md"), "not a recognised EXPLAIN output"),
    ],
)
def test_not_a_plan(text: str, message: str) -> None:
    with pytest.raises(PlanInputError) as info:
        parse_plan(text)
    assert message in info.value.message


def test_non_text_input() -> None:
    with pytest.raises(PlanInputError, match="as text"):
        parse_plan(b"[]")  # type: ignore[arg-type]


def test_lazy_reexport() -> None:
    assert tui.plans.parse_plan is parse_plan
    with pytest.raises(AttributeError):
        _ = tui.plans.nothing_here  # type: ignore[attr-defined]
