"""Query history: per connection, private file, secrets masked, search, trimming."""

from __future__ import annotations

import stat
from pathlib import Path

from tui.core.connspec import parse_url
from tui.history import QueryHistory, connection_key, mask_statement


def test_history_is_per_connection_and_never_holds_credentials(tmp_path: Path) -> None:
    spec = parse_url("postgresql://dba:hunter2@db1:5432/shop")
    other = parse_url("postgresql://dba:hunter2@db1:5432/crm")
    history = QueryHistory.for_connection(spec, tmp_path)
    assert connection_key(spec) != connection_key(other)
    assert "hunter2" not in str(history.path)
    history.record("SELECT 1", duration_ms=1.5, rows=1, database="shop")
    history.record("ALTER ROLE app PASSWORD 'sup3r''secret'", status="error: permission denied")
    history.record("CREATE USER x IDENTIFIED BY 'pw'")
    text = history.path.read_text()
    assert "sup3r" not in text and "'pw'" not in text and "hunter2" not in text
    assert stat.S_IMODE(history.path.stat().st_mode) == 0o600
    newest = history.entries()
    assert [e.query for e in newest][-1] == "SELECT 1"
    assert newest[0].query == "CREATE USER x IDENTIFIED BY '***'"
    assert newest[-1].duration_ms == 1.5 and newest[-1].rows == 1
    assert QueryHistory.for_connection(other, tmp_path).entries() == []


def test_search_and_trim(tmp_path: Path) -> None:
    history = QueryHistory(tmp_path / "h.jsonl", max_entries=10)
    for i in range(25):
        history.record(f"SELECT * FROM orders WHERE id = {i}")
    history.record("select count(*) from customers")
    entries = history.entries()
    assert len(entries) == 10
    assert entries[0].query == "select count(*) from customers"
    assert [e.query for e in history.search("ORDERS id")][:2] == [
        "SELECT * FROM orders WHERE id = 24",
        "SELECT * FROM orders WHERE id = 23",
    ]
    assert history.search("customers count")[0].query.startswith("select count")


def test_partial_lines_are_skipped(tmp_path: Path) -> None:
    path = tmp_path / "h.jsonl"
    history = QueryHistory(path)
    history.record("SELECT 1")
    with path.open("a") as handle:
        handle.write('{"timestamp": "2026-01-01T00:00:00+00:00", "query": "SEL')
    assert [e.query for e in history.entries()] == ["SELECT 1"]
    history.record("SELECT 2")
    assert [e.query for e in history.entries()] == ["SELECT 2", "SELECT 1"]


def test_mask_statement_covers_urls() -> None:
    assert mask_statement("COPY t FROM PROGRAM 'psql postgresql://u:pw@h/db'") == (
        "COPY t FROM PROGRAM 'psql postgresql://u:***@h/db'"
    )
