"""Issue 18's reproductions, each on a real plan (psql 15's unaligned output of the second EXPLAIN in
tests/fixtures/plans/psql-frames/text-unaligned.txt, lines 21–54): junk before the plan, DBeaver and pgAdmin
exports, hard-wrapped lines, fragments that start with ``->``, COSTS OFF one-node plans, old and new
versions' lines, ragged indentation, cut node lines — each read into the same tree and numbers as the
clean text, or refused with the line that is wrong."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from tui.cli import main
from tui.core.errors import PlanInputError
from tui.core.plan import Plan
from tui.plans.detect import parse_plan

FRAMES = Path(__file__).resolve().parents[1] / "fixtures" / "plans" / "psql-frames"
_LINES = (FRAMES / "text-unaligned.txt").read_text(encoding="utf-8").split("\n")
CLEAN = "\n".join(_LINES[_LINES.index("QUERY PLAN", 5) + 1 : -2]).rstrip("\n")
assert (CLEAN.startswith("Sort  (cost=") and CLEAN.endswith("Execution Time: 0.294 ms")) or CLEAN


def shape(plan: Plan) -> list[tuple[object, ...]]:
    return [
        (n.operation, n.object, n.rows_estimated, n.cost, n.rows_actual, n.loops, n.time_inclusive_ms, n.role)
        for n in plan.nodes()
    ]


EXPECTED = shape(parse_plan(CLEAN))


def test_the_clean_plan() -> None:
    plan = parse_plan(CLEAN)
    assert plan.warnings == []
    assert len(EXPECTED) == CLEAN.count("->") + 1 == 11
    assert plan.execution_time_ms is not None and plan.planning_time_ms is not None


@pytest.mark.parametrize(
    "before",
    [
        pytest.param(
            "test=# EXPLAIN (ANALYZE, BUFFERS) SELECT t.k, count(*)\ntest-# FROM t JOIN u ON u.id = t.id;\n",
            id="prompt",
        ),
        pytest.param("-- the slow report query\n/* run on replica */\n", id="comments"),
        pytest.param("SET\nDROP TABLE\nCREATE TABLE AS\nSELECT 5\nINSERT 0 1\nBEGIN\n", id="command-tags"),
        pytest.param(
            "explain analyze\nselect t.k, count(*)\n  from t join u on u.id = t.id;\n", id="echoed-statement"
        ),
        pytest.param("Time: 1.234 ms\nTiming is on.\nExpanded display is off.\n", id="psql-notes"),
        pytest.param(
            'ERROR:  relation "x" does not exist\nLINE 1: select * from x\n                      ^\n',
            id="error",
        ),
        pytest.param(
            "                 QUERY PLAN\n---------------------------------------------\n", id="header"
        ),
    ],
)
def test_junk_before_the_plan_is_never_the_root(before: str) -> None:
    plan = parse_plan(before + CLEAN + "\n(34 rows)\n\ntest=# \\q\n")
    assert shape(plan) == EXPECTED
    assert plan.warnings == []


def test_prose_before_the_plan_is_a_warning_with_its_line() -> None:
    plan = parse_plan("Here is the plan my colleague sent:\n\n" + CLEAN)
    assert shape(plan) == EXPECTED
    assert plan.warnings == ["line 1: not understood, skipped: 'Here is the plan my colleague sent:'"]


def test_auto_explain_query_text_goes_to_the_advisor() -> None:
    text = "Query Text: SELECT t.k, count(*) FROM t GROUP BY t.k\n" + CLEAN
    plan = parse_plan(text)
    assert shape(plan) == EXPECTED
    assert plan.query == "SELECT t.k, count(*) FROM t GROUP BY t.k"


def test_dbeaver_trailing_pipes() -> None:
    text = "QUERY PLAN|\n" + "\n".join(line + "|" for line in CLEAN.split("\n"))
    plan = parse_plan(text)
    assert shape(plan) == EXPECTED and plan.warnings == []


def test_pgadmin_export_with_every_line_quoted() -> None:
    quoted = "\n".join('"' + line.replace('"', '""') + '"' for line in CLEAN.split("\n"))
    plan = parse_plan('"QUERY PLAN"\n' + quoted)
    assert shape(plan) == EXPECTED and plan.warnings == []
    assert "CSV quoting" in plan.detection


def _cut(line: str, width: int) -> list[str]:
    return [line[i : i + width] for i in range(0, len(line), width)] or [""]


def _word_wrap(line: str, width: int) -> list[str]:
    return textwrap.wrap(line, width, drop_whitespace=True, replace_whitespace=False) or [""]


@pytest.mark.parametrize("wrap", [_cut, _word_wrap], ids=["terminal-cut", "word-wrap"])
@pytest.mark.parametrize("width", [50, 72, 80, 100])
def test_hard_wrapped_lines_are_rejoined(width: int, wrap: object) -> None:
    indent = {line: len(line) - len(line.lstrip()) for line in CLEAN.split("\n")}
    wrapped = "\n".join(
        "\n".join(
            wrap(line, width)
            if wrap is _cut
            else [" " * indent[line] + p if i == 0 else p for i, p in enumerate(wrap(line.strip(), width))]
        )  # type: ignore[operator]
        for line in CLEAN.split("\n")
    )
    assert max(len(line) for line in wrapped.split("\n")) <= width + 30
    assert shape(parse_plan(wrapped)) == EXPECTED


def test_fragment_starting_with_an_arrow_is_postgresql() -> None:
    lines = CLEAN.split("\n")
    start = next(i for i, line in enumerate(lines) if "->  Aggregate" in line)
    fragment = "\n".join(lines[start : start + 5])
    plan = parse_plan(fragment)
    assert plan.engine == "postgresql" and plan.root.operation == "Aggregate"
    assert [n.operation for n in plan.nodes()] == ["Aggregate", "Index Scan"]
    assert "cost=" in plan.detection


@pytest.mark.parametrize("text", ["Seq Scan on t", "Result", " Seq Scan on t\n   Filter: (k = 1)\n(2 rows)"])
def test_costs_off_one_node_plans(text: str) -> None:
    plan = parse_plan(text)
    assert len(list(plan.nodes())) == 1 and plan.warnings == []


def test_old_versions_bare_initplan_and_total_runtime_and_lower_case_times() -> None:
    old = (
        "Seq Scan on tenk1 t  (cost=0.00..458.00 rows=3333 width=244) (actual time=0.020..4.050 rows=9999 loops=1)\n"
        "  Filter: (unique1 > $0)\n"
        "  InitPlan\n"
        "    ->  Result  (cost=0.00..0.01 rows=1 width=0) (actual time=0.001..0.001 rows=1 loops=1)\n"
        "Total runtime: 5.200 ms\n"
    )
    plan = parse_plan(old)
    assert [n.role for n in plan.nodes()] == [None, "InitPlan"] and plan.execution_time_ms == 5.2
    assert plan.warnings == []
    nine_six = old.replace("Total runtime: 5.200 ms", "Planning time: 0.100 ms\nExecution time: 4.900 ms")
    plan = parse_plan(nine_six)
    assert plan.planning_time_ms == 0.1 and plan.execution_time_ms == 4.9


def test_pg17_and_pg18_lines_are_understood() -> None:
    text = (
        "WindowAgg  (cost=0.28..8.30 rows=1 width=12) (actual time=0.030..0.031 rows=1.00 loops=1)\n"
        "  Window: w1 AS (ORDER BY id)\n"
        "  Disabled: true\n"
        "  Storage: Memory  Maximum Storage: 17kB\n"
        "  ->  Index Scan using t_id on t  (cost=0.28..8.29 rows=1 width=4) (actual time=0.01..0.02 rows=1.00 loops=1)\n"
        "        Index Cond: (id = 1)\n"
        "        Index Searches: 1\n"
        "Planning:\n"
        "  Buffers: shared hit=3\n"
        "  Memory: used=12kB  allocated=16kB\n"
        "Planning Time: 0.100 ms\n"
        "Serialization: time=0.005 ms  output=1kB  format=text\n"
        "Execution Time: 0.050 ms\n"
    )
    plan = parse_plan(text)
    assert plan.warnings == []
    scan = plan.root.children[0]
    assert scan.extra["Index Searches"] == 1 and plan.root.extra["Disabled"] == "true"
    assert plan.header["Serialization"] == {"Time": 0.005, "Output Volume": 1, "Format": "text"}
    assert plan.header["Planning"]["Memory Used"] == 12 and plan.root.rows_actual == 1.0


def test_ragged_indentation_keeps_every_node_and_trigger() -> None:
    ragged = (
        "  Insert on t  (cost=0.00..0.01 rows=0 width=0) (actual time=0.100..0.100 rows=0 loops=1)\n"
        "->  Result  (cost=0.00..0.01 rows=1 width=4) (actual time=0.001..0.002 rows=1 loops=1)\n"
        + "".join(f"Trigger trg{i}: time=0.0{i}0 calls=1\n" for i in range(1, 8))
        + "Execution Time: 0.500 ms\n"
    )
    plan = parse_plan(ragged)
    assert [n.operation for n in plan.nodes()] == ["Insert", "Result"]
    assert len(plan.triggers) == 7 and plan.execution_time_ms == 0.5 and plan.warnings == []


def test_a_node_line_cut_inside_its_numbers_is_an_error_with_its_line() -> None:
    lines = CLEAN.split("\n")
    cut = next(i for i, line in enumerate(lines) if "->  Aggregate" in line)
    lines[cut] = lines[cut][: lines[cut].index("(actual") + 20]
    with pytest.raises(PlanInputError, match=rf"^line {cut + 1}: the node's actual numbers"):
        parse_plan("\n".join(lines))


def test_never_executed_has_no_time_from_text_and_json_alike() -> None:
    unaligned = (FRAMES / "text-unaligned.txt").read_text(encoding="utf-8")
    as_json = (FRAMES / "json-unaligned.txt").read_text(encoding="utf-8")
    for text in (unaligned, as_json):
        never = [n for n in parse_plan(text).nodes() if n.never_executed]
        assert len(never) == 1 and never[0].time_inclusive_ms is None and never[0].time_exclusive_ms is None


def test_cli_json_names_the_format_and_every_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "pasted.txt"
    path.write_text("my plan:\n" + CLEAN, encoding="utf-8")
    assert main(["plan", str(path), "--format", "json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["warnings"] == ["line 1: not understood, skipped: 'my plan:'"]
    assert document["detection"].startswith("read as postgresql-text: a node line with PostgreSQL's")
    assert main(["plan", str(path)]) == 0
    out = capsys.readouterr().out
    assert "Input: read as postgresql-text" in out and "Note: line 1: not understood" in out


@pytest.mark.parametrize(
    "text",
    [
        "Seq Scan on t  (cost=0.00..1.00 rows=1 width=4)\n  ->  Index Scan on u  (cost=0.00..",
        '<explain xmlns="http://www.postgresql.org/2009/explain"><Query><Plan>',
        '- Plan: \n    Node Type: "Seq Scan"\n  - oops',
        '[{"Plan": {"Node Type": "Seq Scan", }]',
    ],
    ids=["cut-cost", "cut-xml", "bad-yaml", "bad-json"],
)
def test_malformed_input_is_exit_2_with_one_line(
    text: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bad.txt"
    path.write_text(text, encoding="utf-8")
    assert main(["plan", str(path)]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and len(captured.err.strip().split("\n")) == 1
    assert "Traceback" not in captured.err
