"""Round trip (issue 18, Deliver 8): real plans (PostgreSQL 18.3's regression outputs and psql 15's
EXPLAIN ANALYZE, see the fixtures' SOURCES.md) printed again in a psql frame style, optionally cut at a
terminal width, CSV-quoted, or after prompts and command tags, read back into the same tree and numbers."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tui.core.plan import Plan
from tui.plans.detect import parse_plan

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "plans"


def _plans() -> list[str]:
    out = []
    for name in ("select_parallel", "subselect", "join", "with"):
        blocks = (FIXTURES / "pg-regress" / f"{name}.txt").read_text(encoding="utf-8").split("\n\n")
        for block in blocks[:40]:
            lines = block.split("\n")
            rule = next((i for i, line in enumerate(lines) if line.startswith("---")), None)
            if rule is not None and lines[-1].startswith("("):
                out.append("\n".join(line[1:] for line in lines[rule + 1 : -1]))
    lines = (FIXTURES / "psql-frames" / "text-unaligned.txt").read_text(encoding="utf-8").split("\n")
    start = lines.index("QUERY PLAN", 5) + 1
    out.append("\n".join(lines[start : lines.index("(34 rows)") if "(34 rows)" in lines else -2]))
    return out


PLANS = _plans()
BOXES = {
    "ascii": ("+", "-", "|"),
    "unicode": ("┌", "─", "│"),
    "double": ("╔", "═", "║"),
}


def frame(rows: list[str], style: str, border: int) -> str:
    width = max(len(row) for row in [*rows, "QUERY PLAN"])
    corner, rule, side = BOXES[style]
    if border == 2:
        top = corner + rule * (width + 2) + corner
        body = [f"{side} {row.ljust(width)} {side}" for row in rows]
        return "\n".join(
            [top, f"{side} {'QUERY PLAN'.center(width)} {side}", top, *body, top, f"({len(rows)} rows)"]
        )
    pad = " " if border == 1 else ""
    line = rule * (width + 2 * len(pad))
    body = [pad + row.ljust(width) + pad for row in rows]
    return "\n".join([pad + "QUERY PLAN".center(width) + pad, line, *body, f"({len(rows)} rows)"])


def render(plan: str, kind: str, style: str, border: int) -> str:
    rows = plan.split("\n")
    if kind == "aligned":
        return frame(rows, style, border)
    if kind == "unaligned":
        return "QUERY PLAN\n" + plan + f"\n({len(rows)} rows)"
    if kind == "expanded":
        out = []
        for i, row in enumerate(rows, 1):
            out += [f"-[ RECORD {i} ]" + "-" * 20, f"QUERY PLAN | {row}"]
        return "\n".join(out)
    if kind == "csv":
        return '"QUERY PLAN"\n' + "\n".join('"' + row.replace('"', '""') + '"' for row in rows)
    return "QUERY PLAN|\n" + "\n".join(row + "|" for row in rows)  # DBeaver


def cut(text: str, width: int) -> str:
    return "\n".join(
        line[i : i + width] for line in text.split("\n") for i in range(0, max(len(line), 1), width)
    )


def shape(plan: Plan) -> list[tuple[object, ...]]:
    return [
        (
            n.operation,
            n.object,
            n.index,
            n.rows_estimated,
            n.cost,
            n.rows_actual,
            n.loops,
            n.time_inclusive_ms,
            n.role,
        )
        for n in plan.nodes()
    ]


JUNK = st.sampled_from(
    [
        "",
        "test=# EXPLAIN (COSTS OFF) SELECT 1\ntest-# ;\n",
        "SET\nDROP TABLE\nCREATE TABLE AS\n",
        "-- slow\nBEGIN\n",
    ]
)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    index=st.integers(0, len(PLANS) - 1),
    kind=st.sampled_from(["aligned", "unaligned", "expanded", "csv", "dbeaver"]),
    style=st.sampled_from(sorted(BOXES)),
    border=st.integers(0, 2),
    width=st.one_of(st.none(), st.integers(60, 140)),
    junk=JUNK,
)
def test_round_trip(index: int, kind: str, style: str, border: int, width: int | None, junk: str) -> None:
    clean = PLANS[index]
    expected = shape(parse_plan(clean))
    text = render(clean, kind, style, border)
    if width is not None and kind in ("unaligned",):
        text = cut(text, width)
    plan = parse_plan(junk + text)
    assert shape(plan) == expected
    assert plan.warnings == []


def test_the_sample_is_real_and_varied() -> None:
    assert len(PLANS) > 100
    assert sum("InitPlan" in p or "SubPlan" in p for p in PLANS) > 5
