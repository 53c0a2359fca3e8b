"""``dbscope plan`` on MongoDB explains that list rejected plans (queryPlanner.rejectedPlans) and trial-run
candidates (executionStats.allPlansExecution): text, markdown and JSON show them after the winning plan,
as trees of the same Node shape; explains without them print exactly the documented keys."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tui.cli import main
from tui.headless.plan_output import NODE_KEYS

MONGO = Path(__file__).resolve().parents[1] / "fixtures" / "mongo"
PLANS = Path(__file__).resolve().parents[1] / "fixtures" / "plans"
SYNTHETIC = MONGO / "synthetic" / "classic-sort-disk-rejected.json"
MONGOSH = MONGO / "docs" / "explain-sbe-group-queryplanner.mongosh"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    out, _err = capsys.readouterr()
    return code, out


def test_json_lists_rejected_and_candidate_plans(capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run(capsys, "plan", str(SYNTHETIC), "--format", "json")
    assert code == 0
    document = json.loads(out)
    assert list(document) == [
        "engine",
        "plan",
        "findings",
        "warnings",
        "detection",
        "rejected_plans",
        "candidate_plans",
    ]
    (rejected,) = document["rejected_plans"]
    assert tuple(rejected) == NODE_KEYS
    assert rejected["operation"] == "SORT" and rejected["rows_actual"] is None
    assert rejected["children"][0]["children"][0]["index"] == "total_1"
    (candidate,) = document["candidate_plans"]
    assert candidate["rows_actual"] == 101 and candidate["children"][0]["children"][0]["index"] == "status_1"


def test_text_and_markdown_show_the_rejected_tree_after_the_winning_one(
    capsys: pytest.CaptureFixture[str],
) -> None:
    _code, out = run(capsys, "plan", str(MONGOSH))
    winning, rest = out.split("Rejected plan 1 of 1 — the planner did not choose it.\n")
    assert "IXSCAN on sample_mflix.movies using imdb.rating_1_year_1" in winning
    assert rest.splitlines()[:3] == [
        "#1 PROJECTION_DEFAULT",
        "└─ #2 FETCH on sample_mflix.movies",
        "   └─ #3 IXSCAN on sample_mflix.movies using imdb.rating_1_rated_1",
    ]
    _code, markdown = run(capsys, "plan", str(MONGOSH), "--format", "markdown")
    section = markdown.split("## Rejected and candidate plans\n", 1)[1].split("## Findings", 1)[0]
    assert "IXSCAN on sample_mflix.movies using imdb.rating_1_rated_1" in section


def test_explains_without_alternatives_keep_the_documented_keys(capsys: pytest.CaptureFixture[str]) -> None:
    _code, out = run(capsys, "plan", str(PLANS / "mongodb-ixscan-fetch.json"), "--format", "json")
    assert list(json.loads(out)) == ["engine", "plan", "findings", "warnings", "detection"]
    _code, text = run(capsys, "plan", str(PLANS / "mongodb-ixscan-fetch.json"))
    assert "Rejected plan" not in text and "Candidate plan" not in text
