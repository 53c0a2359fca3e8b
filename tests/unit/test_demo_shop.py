"""The demo shop's static parts, without a server: the time anchors, the editor text, and that every
seeded defect and every SQL file the loader runs is where the code says."""

from __future__ import annotations

import calendar
import itertools
import re
from pathlib import Path

import pytest

from tui.core.sqltext import split_statements
from tui.demo import shop
from tui.demo.shop import DEMO_DEFECTS, DEMO_QUERIES, demo_editor_text, time_anchors

SQL_FILES = sorted(shop.SQL_DIR.glob("*.sql"))


def test_time_anchors_in_november() -> None:
    now = calendar.timegm((2026, 11, 25, 18, 0, 0))
    anchors = time_anchors(now)
    assert anchors["t1"] == str(now)
    assert int(anchors["t1"]) - int(anchors["t0"]) == 1_095 * 86_400
    # 12 monthly partitions end with the current month: the first is December of the year before.
    assert anchors["a0"] == str(calendar.timegm((2025, 12, 1, 0, 0, 0)))


def test_time_anchors_across_a_year_boundary() -> None:
    assert time_anchors(calendar.timegm((2027, 1, 1, 0, 0, 0)))["a0"] == str(
        calendar.timegm((2026, 2, 1, 0, 0, 0))
    )
    assert time_anchors(calendar.timegm((2026, 12, 31, 23, 59, 59)))["a0"] == str(
        calendar.timegm((2026, 1, 1, 0, 0, 0))
    )


@pytest.mark.parametrize(
    "today",
    [
        (2026, 12, 1, 0, 0, 0),  # the first second of a month: the current partition is empty
        (2026, 12, 1, 0, 30, 0),
        (2026, 12, 7, 15, 0, 0),
        (2026, 11, 15, 12, 0, 0),
        (2026, 11, 30, 23, 59, 59),  # the last day of a month
        (2028, 2, 29, 8, 0, 0),  # a leap day
        (2027, 2, 28, 23, 0, 0),
        (2026, 12, 31, 23, 59, 59),  # the year's last second
        (2027, 1, 1, 0, 0, 1),
        (2026, 3, 29, 1, 30, 0),  # a European DST change (the demo is UTC throughout)
    ],
)
def test_audit_partitions_hold_whole_months_and_the_current_one_so_far(
    today: tuple[int, int, int, int, int, int],
) -> None:
    now = calendar.timegm(today)
    parts = shop.audit_partitions(time_anchors(now))
    assert len(parts) == 12
    year, month = today[0], today[1]
    assert parts[-1].name == f"audit_log_{year:04d}_{month:02d}"
    assert parts[-1].start <= now < parts[-1].end
    assert all(a.end == b.start for a, b in itertools.pairwise(parts))
    assert round(sum(p.rows for p in parts)) == shop.AUDIT_ROWS
    # whole months: 28 to 31 days of a span of 334 to 366 days
    assert all(22_000 < p.rows < 28_500 for p in parts[:-1]), [round(p.rows) for p in parts]
    elapsed = (now - parts[-1].start) / (now - parts[0].start)
    assert parts[-1].rows == pytest.approx(shop.AUDIT_ROWS * elapsed)


def test_editor_text_splits_into_the_demo_queries() -> None:
    text = demo_editor_text()
    statements = split_statements(text)
    assert len(statements) == len(DEMO_QUERIES)
    assert text.count("\n-- ") + text.startswith("-- ") == len(DEMO_QUERIES)
    assert all(q.sql.strip() in text for q in DEMO_QUERIES)


def test_every_file_the_loader_runs_ships_with_the_package() -> None:
    source = Path(shop.__file__).read_text()
    named = set(re.findall(r'"(shop_\w+\.sql)"', source))
    included = {m for f in SQL_FILES for m in re.findall(r"\\ir (\S+)", f.read_text())}
    assert named | included == {f.name for f in SQL_FILES}
    pyproject = (Path(shop.__file__).parents[2] / "pyproject.toml").read_text()
    assert '"demo/*.sql"' in pyproject


def test_every_seeded_defect_is_marked_in_the_sql() -> None:
    marked = {m for f in SQL_FILES for m in re.findall(r"-- DEFECT ([a-z.-]+)", f.read_text())}
    assert {d.rule for d in DEMO_DEFECTS} == marked
    for defect in DEMO_DEFECTS:
        assert re.fullmatch(r"pg\.[a-z-]+", defect.rule)
        assert re.fullmatch(r"(shop|reporting)\.\w+", defect.object)
        assert defect.description.endswith(".")


def test_demo_queries_are_read_only_and_titled() -> None:
    titles = [q.title for q in DEMO_QUERIES]
    assert len(set(titles)) == len(titles)
    for query in DEMO_QUERIES:
        assert query.sql.lstrip().upper().startswith("SELECT")
        assert ";" not in query.sql
        assert query.shows
