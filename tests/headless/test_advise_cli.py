"""``dbscope advise`` and ``dbscope explain`` end to end on a live PostgreSQL: findings JSON is exactly
``Finding.to_json()``, the markdown is the advisor's report, ``--fail-on`` sees the findings."""

from __future__ import annotations

import json

import pytest

from tests.live import LiveServer, db_name
from tui.adapters.postgres import PostgresAdapter
from tui.advisor.api import advise_schema
from tui.cli import main
from tui.core.connspec import parse_url

pytestmark = pytest.mark.live_pg

SCHEMA = """
CREATE SCHEMA shop;
CREATE TABLE shop.customers (id serial PRIMARY KEY, email text NOT NULL);
CREATE TABLE shop.orders (id bigserial PRIMARY KEY, customer_id int NOT NULL REFERENCES shop.customers (id),
                          status text NOT NULL, created_at timestamptz NOT NULL DEFAULT now());
INSERT INTO shop.customers (email) SELECT 'u' || g FROM generate_series(1, 3000) g;
INSERT INTO shop.orders (customer_id, status) SELECT 1 + g % 3000, 's' || (g % 3) FROM generate_series(1, 60000) g;
CREATE TABLE shop.notes (body text);
ANALYZE;
"""


@pytest.fixture
def db(pg_server: LiveServer, pg_scratch: str) -> str:
    pg_server.execute(SCHEMA, db_name(pg_scratch))
    return pg_scratch


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    return code, capsys.readouterr().out


def test_advise_json_is_finding_to_json(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run(capsys, "advise", db, "--format", "json")
    data = json.loads(out)
    assert code == 0 and data["engine"] == "postgresql"
    adapter = PostgresAdapter(parse_url(db))
    adapter.connect()
    try:
        expected = [f.to_json() for f in advise_schema(adapter.schema_facts())]
    finally:
        adapter.close()
    assert data["findings"] == expected
    rules = {f["rule"] for f in data["findings"]}
    assert {"pg.fk-without-index", "pg.table-without-primary-key"} <= rules


def test_advise_fail_on_warning_and_markdown_report(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, _ = run(capsys, "advise", db, "--format", "json", "--fail-on", "warning")
    assert code == 1
    code, out = run(capsys, "advise", db, "--format", "markdown")
    assert code == 0 and out.startswith("# Database Architecture: ")
    assert "## 5. Migration Strategy" in out and "CREATE INDEX CONCURRENTLY orders_customer_id_idx" in out


def test_explain_verifies_the_index_with_hypopg(
    db: str, pg_server: LiveServer, capsys: pytest.CaptureFixture[str]
) -> None:
    pg_server.execute("CREATE EXTENSION hypopg", db_name(db))
    query = "SELECT id FROM shop.orders WHERE customer_id = 42 ORDER BY created_at DESC LIMIT 5"
    code, out = run(capsys, "explain", db, query, "--analyze", "--format", "json")
    data = json.loads(out)
    assert code == 0
    verified = [f for f in data["findings"] if f["verification"]]
    assert verified, [f["rule"] for f in data["findings"]]
    f = verified[0]
    assert f["verification"]["method"] == "hypopg"
    assert f["verification"]["after"] <= f["verification"]["before"] * 0.5
    assert f["ddl"] == [
        "CREATE INDEX CONCURRENTLY orders_customer_id_created_at_idx ON shop.orders (customer_id, created_at DESC);"
    ]
    code, text = run(capsys, "explain", db, query, "--analyze", "--no-verify")
    assert "Estimated, not verified." in text
