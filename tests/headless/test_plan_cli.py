"""``dbscope plan`` end to end through ``tui.cli.main``: the JSON contract of DESIGN.md §4, stdin, errors
as one line with exit 2, text and markdown with the numbers, --fail-on, and the import budget."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tui.cli import main
from tui.core.finding import Finding
from tui.headless.commands import fails
from tui.headless.plan_output import NODE_KEYS, json_number, plan_to_json, sanitize_json
from tui.plans.postgres import parse_postgres_plan

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "plans"
ROOT = Path(__file__).resolve().parents[2]
PG_FILES = sorted(p for p in FIXTURES.iterdir() if p.name.startswith("postgres"))
SPILL = FIXTURES / "postgres-sort-disk-spill.json"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def count_node_types(value: Any) -> int:
    count, stack = 0, [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            count += "Node Type" in item
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return count


def walk(node: dict[str, Any]) -> list[dict[str, Any]]:
    out, stack = [], [node]
    while stack:
        item = stack.pop()
        out.append(item)
        stack.extend(reversed(item["children"]))
    return out


@pytest.mark.parametrize("path", PG_FILES, ids=lambda p: p.name)
def test_json_contract(capsys: pytest.CaptureFixture[str], path: Path) -> None:
    code, out, err = run(capsys, "plan", str(path), "--format", "json")
    assert code == 0, err
    document = json.loads(out)
    assert list(document) == ["engine", "plan", "findings", "warnings", "detection"]
    assert document["warnings"] == [] and document["detection"].startswith("read as postgresql-")
    assert document["engine"] == "postgresql"
    nodes = walk(document["plan"])
    raw = parse_postgres_plan(path.read_text()).raw
    if isinstance(raw, str):  # TEXT format: one line with "(cost=" per engine node
        assert len(nodes) == raw.count("(cost=") > 0
    else:
        assert len(nodes) == count_node_types(raw)  # one JSON node per engine node
    for node in nodes:
        assert tuple(node) == NODE_KEYS
        for key in NODE_KEYS[3:-1]:
            assert node[key] is None or isinstance(node[key], int | float)
        assert isinstance(node["operation"], str)
    for finding in document["findings"]:
        assert list(finding) == [
            "rule",
            "severity",
            "object",
            "title",
            "message",
            "evidence",
            "ddl",
            "verification",
        ]
    assert "NaN" not in out and "Infinity" not in out


def test_json_numbers_of_the_spill_fixture(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, "plan", str(SPILL), "--format", "json")
    sort = json.loads(out)["plan"]
    assert sort["operation"] == "Sort"
    assert sort["time_inclusive_ms"] == 25.116
    assert sort["time_exclusive_ms"] == pytest.approx(25.116 - 2.330)
    assert (sort["rows_estimated"], sort["rows_actual"], sort["loops"], sort["cost"]) == (
        50157,
        50000,
        1,
        7949.76,
    )
    scan = sort["children"][0]
    assert (scan["operation"], scan["object"], scan["index"]) == ("Seq Scan", "public.items", None)


def test_stdin(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(SPILL.read_bytes()), encoding="utf-8"))
    code, out, _ = run(capsys, "plan", "-", "--format", "json")
    assert code == 0
    assert json.loads(out)["plan"]["operation"] == "Sort"


def test_stdin_without_buffer(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(SPILL.read_text()))
    code, out, _ = run(capsys, "plan", "-", "--format", "json")
    assert code == 0 and json.loads(out)["engine"] == "postgresql"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"this is not a plan\n", "Not a plan: not a recognised EXPLAIN output"),
        (b'[{"Plan": {"Node Type": "Sort", ', "the input looks truncated"),
        (b'{"nothing": 1}', "matches no EXPLAIN format"),
        (b"\xff\xfe\x00garbage", "is not UTF-8 text"),
        (b"", "the input is empty"),
    ],
)
def test_bad_input_is_exit_2_and_one_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, content: bytes, message: str
) -> None:
    path = tmp_path / "plan.txt"
    path.write_bytes(content)
    code, out, err = run(capsys, "plan", str(path))
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1 and err.startswith("dbscope: ")
    assert message in err
    assert "Traceback" not in err


def test_missing_file_and_directory(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = run(capsys, "plan", str(tmp_path / "nope.json"))
    assert code == 2 and "does not exist" in err and err.count("\n") == 1
    code, _, err = run(capsys, "plan", str(tmp_path))
    assert code == 2 and "is a directory" in err


def test_text_output_names_the_hot_node_and_its_numbers(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "plan", str(SPILL))
    assert code == 0
    assert "PostgreSQL plan" in out and "planning 2.1 ms, execution 26.2 ms" in out
    sort_line = next(line for line in out.splitlines() if line.startswith("#0 Sort"))
    assert "◀ hottest" in sort_line
    # 22.786 ms exclusive of 26.219 ms execution = 86.9 %
    assert "time 22.8 ms excl · 25.1 ms incl (86.9 % of total)" in out
    assert "rows 50,000 actual vs 50,157 est" in out
    assert "temp read 608, temp written 666" in out
    assert "sort external merge, 1.6 MB disk" in out
    assert "└─ #1 Seq Scan on public.items" in out


def test_text_output_tree_guides(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, "plan", str(FIXTURES / "postgres15-cte-initplan-subplan.psql.txt"), "--plain")
    lines = out.splitlines()
    titles = [line for line in lines if "#" in line and ("─ #" in line or line.startswith("#"))]
    assert titles[0].startswith("#0 CTE Scan on x")
    assert titles[1] == "├─ #1 [CTE x] Function Scan on pg_catalog.generate_series"
    assert titles[3] == "│  └─ #3 CTE Scan on x"
    assert titles[-1] == "└─ #7 [SubPlan 5] Result"
    assert "loops 100 (~100 rows in total)" in out  # pre-PG18 per-loop rows are rounded


def test_markdown_output(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "plan", str(SPILL), "--format", "markdown")
    assert code == 0
    assert out.startswith("# PostgreSQL plan")
    row = next(line for line in out.splitlines() if line.startswith("| #0 Sort"))
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert cells[1:5] == ["22.8 ms", "25.1 ms", "86.9 %", "50,000"]
    assert any(line.startswith("| └ #1 Seq Scan on public.items") for line in out.splitlines())
    assert "## Findings" in out


def test_fail_on_matches_the_findings_printed(capsys: pytest.CaptureFixture[str]) -> None:
    for path in PG_FILES:
        _, out, _ = run(capsys, "plan", str(path), "--format", "json")
        severities = {f["severity"] for f in json.loads(out)["findings"]}
        code, _, _ = run(capsys, "plan", str(path), "--format", "json", "--fail-on", "critical")
        assert code == (1 if "critical" in severities else 0)
        code, _, _ = run(capsys, "plan", str(path), "--format", "json", "--fail-on", "warning")
        assert code == (1 if severities & {"critical", "warning"} else 0)


def test_fails_levels() -> None:
    def finding(severity: str) -> Finding:
        return Finding(rule="x", severity=severity, object=None, title="t", message="m")

    assert not fails([finding("critical")], None)
    assert fails([finding("critical")], "critical") and fails([finding("critical")], "warning")
    assert not fails([finding("warning")], "critical") and fails([finding("warning")], "warning")
    assert not fails([finding("info")], "warning")


def test_json_helpers_never_emit_nan() -> None:
    assert (
        json_number(float("nan")) is None and json_number(float("inf")) is None and json_number(True) is None
    )
    assert json_number(3) == 3 and json_number(2.5) == 2.5
    assert sanitize_json({"a": [1.0, float("-inf"), {"b": float("nan")}]}) == {"a": [1.0, None, {"b": None}]}
    plan = parse_postgres_plan(
        {"Plan": {"Node Type": "Seq Scan", "Plan Rows": float("nan"), "Total Cost": 1e400}}
    )
    node = plan_to_json(plan)
    assert node["rows_estimated"] is None and node["cost"] is None


def test_python_m_tui_plan_works() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "tui", "plan", str(SPILL), "--format", "json"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["plan"]["operation"] == "Sort"


def test_importing_plans_and_commands_does_not_import_textual() -> None:
    code = (
        "import sys\n"
        "import tui.plans, tui.headless.commands, tui.headless.plan_output, tui.plans.detect\n"
        "from tui.plans import parse_plan\n"
        f"parse_plan(open({str(SPILL)!r}).read())\n"
        "bad = [m for m in sys.modules if m == 'textual' or m.startswith('textual.')]\n"
        "assert not bad, bad\n"
        "assert 'psycopg' not in sys.modules and 'sqlalchemy' not in sys.modules\n"
        "print('ok')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"
