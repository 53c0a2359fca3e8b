"""Real plans as people have them: every EXPLAIN block of PostgreSQL 18.3's regression outputs (psql's
framing, echoed statements, COSTS OFF, InitPlans, SubPlans, CTEs, partitions; tests/fixtures/plans/
pg-regress/SOURCES.md) and psql 15's output of the same plans in every frame style and format
(tests/fixtures/plans/psql-frames/SOURCES.md). The expected node count comes from the text itself (one
node per ``->`` line plus the root), not from the parser."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tui.core.plan import Plan
from tui.plans.detect import parse_plan

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "plans"
REGRESS = sorted((FIXTURES / "pg-regress").glob("*.txt"))
FRAMES = sorted((FIXTURES / "psql-frames").glob("*.txt"))
_FOOTER = re.compile(r"^\(\d+ rows?\)$")
_N = re.compile(r"\bN\b")


def regress_blocks(path: Path) -> list[tuple[int, str]]:
    """(first line number, text) of each block: statement, header, rule, rows, footer."""
    blocks = []
    lines = path.read_text(encoding="utf-8").split("\n")
    start = 0
    for i, line in enumerate(lines):
        if _FOOTER.match(line):
            blocks.append((start + 1, "\n".join(lines[start : i + 1])))
            start = i + 2
    return blocks


def plan_rows(block: str) -> list[str]:
    lines = block.split("\n")
    rule = next(i for i, line in enumerate(lines) if line.startswith("---"))
    return [line for line in lines[rule + 1 : -1]]


CASES = [
    pytest.param(path, number, text, id=f"{path.stem}:{number}")
    for path in REGRESS
    for number, text in regress_blocks(path)
]


def _is_text_plan(rows: list[str]) -> bool:
    first = rows[0].strip() if rows else ""
    return not first.startswith(("[", "<", "- Plan", "{")) and "explain_filter" not in first


@pytest.mark.parametrize(("path", "number", "block"), CASES)
def test_every_regression_plan_parses_whole(path: Path, number: int, block: str) -> None:
    if path.stem == "explain":
        # explain_filter() printed every number as N, under its own column name
        block = _N.sub("1", block).replace(" explain_filter ", "   QUERY PLAN   ")
    rows = plan_rows(block)
    plan = parse_plan(block)
    if _is_text_plan(rows) and plan.format == "postgresql-text":
        arrows = sum(1 for row in rows if row.lstrip().startswith("->"))
        assert len(list(plan.nodes())) == arrows + 1
        root = rows[0].strip().split("  (")[0]
        assert plan.root.operation in root or root.startswith(plan.root.operation.split(" ")[0])
        assert plan.warnings == [], plan.warnings
    else:
        assert plan.format in ("postgresql-json", "postgresql-yaml", "postgresql-xml")


def test_the_corpus_is_what_sources_says() -> None:
    assert len(CASES) > 1_100
    assert sum(p.stat().st_size for p in REGRESS + FRAMES) < 2_000_000


def _shape(plan: Plan) -> list[tuple[str, float | None, float | None, float | None, float | None]]:
    return [(n.operation, n.rows_estimated, n.cost, n.rows_actual, n.loops) for n in plan.nodes()]


def _first_and_second(path: Path) -> tuple[str, str]:
    """Each recording holds two EXPLAINs (psql -e echoes each statement): split before the 2nd one."""
    text = path.read_text(encoding="utf-8")
    cut = [m.start() for m in re.finditer(r"^EXPLAIN ", text, re.MULTILINE)][1]
    cut = text.rfind("SET enable_hashjoin", 0, cut)
    return text[:cut], text[cut:]


@pytest.mark.parametrize("path", FRAMES, ids=[p.stem for p in FRAMES])
def test_every_psql_frame_and_format_gives_the_same_tree_and_numbers(path: Path) -> None:
    reference = [
        _shape(parse_plan(part))
        for part in _first_and_second(FIXTURES / "psql-frames" / "json-unaligned.txt")
    ]
    for part, expected in zip(_first_and_second(path), reference, strict=True):
        plan = parse_plan(part)
        assert plan.warnings == []
        if "COSTS OFF" in part:
            expected = [(op, None, None, rows, loops) for op, _, _, rows, loops in expected]
        assert _shape(plan) == expected
        never = [n for n in plan.nodes() if n.never_executed]
        assert all(n.time_inclusive_ms is None for n in never)
        if "TIMING OFF" not in part:
            assert all(n.time_inclusive_ms is not None for n in plan.nodes() if not n.never_executed)
        assert plan.execution_time_ms is not None


def test_a_whole_recording_warns_about_the_second_plan() -> None:
    plan = parse_plan((FIXTURES / "psql-frames" / "text-unicode-border2.txt").read_text(encoding="utf-8"))
    assert plan.warnings == [
        "line 28: another plan starts here; showing the first (40 line(s) from here not read)"
    ]
    assert plan.detection.startswith("read as postgresql-text:")
