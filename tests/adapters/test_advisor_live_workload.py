"""Statement statistics in the advisor, on a cluster that preloads pg_stat_statements: the markdown report
reads the top statements for its workload pattern (and goes on without them when they cannot be read),
and ``dbscope top --explain`` ranks the statements by impact (time saved per call × calls)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator

import psycopg
import pytest

from tests.clusters import Cluster
from tui.adapters.postgres import PostgresAdapter
from tui.cli import main
from tui.core import fmt
from tui.core.connspec import parse_url
from tui.headless.commands import _report_statements

pytestmark = pytest.mark.live_pg


@pytest.fixture
def workload(pgss_cluster: Cluster) -> Iterator[str]:
    name = f"dbscope_wl_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(pgss_cluster.url(), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')  # type: ignore[arg-type]
    url = pgss_cluster.url(name)
    try:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("CREATE EXTENSION pg_stat_statements")
            conn.execute(
                "CREATE TABLE big AS SELECT g AS id, g % 20000 AS k FROM generate_series(1, 200000) g"
            )
            conn.execute(
                "CREATE TABLE small AS SELECT g AS id, g % 2500 AS v FROM generate_series(1, 5000) g"
            )
            conn.execute("ANALYZE")
            conn.execute("SELECT pg_stat_statements_reset()")
            conn.execute("SELECT count(*) FROM big WHERE k = %s", (7,))  # one slow scan
            for i in range(1500):  # a fast scan, very often
                conn.execute("SELECT id FROM small WHERE v = %s", (i,))
            for i in range(40):
                conn.execute("UPDATE small SET id = id WHERE v = %s", (i,))
        yield url
    finally:
        with psycopg.connect(pgss_cluster.url(), autocommit=True) as conn:
            conn.execute(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'")  # type: ignore[arg-type]
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')  # type: ignore[arg-type]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_advise_markdown_reads_the_workload_from_statement_statistics(
    workload: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "advise", workload, "--format", "markdown")
    assert code == 0, err
    [pattern] = [line for line in out.splitlines() if line.startswith("| Workload pattern |")]
    assert "calls of" in pattern and "reads" in pattern and "(statement statistics)" in pattern
    assert "| Statements per second | unknown (statement statistics were not read) |" not in out
    # the UPDATE ran 40 times: the report's write share is 40 of the calls it counted
    match = re.search(r"- Statements: ([\d.,]+ %) of ([\d,]+) calls write", out)
    assert match is not None, out
    calls = int(match.group(2).replace(",", ""))
    assert calls >= 1541 and match.group(1) == fmt.pct(40 / calls)


def test_the_report_goes_on_when_statement_statistics_fail(
    workload: str, pgss_cluster: Cluster, capsys: pytest.CaptureFixture[str]
) -> None:
    adapter = PostgresAdapter(parse_url(workload))
    adapter.connect()
    try:
        assert adapter.capabilities.statement_stats.available
        with psycopg.connect(workload, autocommit=True) as conn:
            conn.execute("DROP EXTENSION pg_stat_statements")  # after the capability was read
        assert _report_statements(adapter) == []
    finally:
        adapter.close()
    assert "statement statistics could not be read" in capsys.readouterr().err


def test_top_explain_ranks_the_frequent_statement_first(
    workload: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "top", workload, "--explain", "--sort", "total")
    assert code == 0, err
    lines = out.splitlines()
    start = lines.index("Ranked by impact (time or cost saved per call × calls):")
    first = lines[start + 1]
    numbers = {
        int(m.group(1)): m.group(2) for m in (re.match(r"\s*(\d+)\s.*FROM (\w+)", x) for x in lines) if m
    }
    position = int(re.match(r"\s+1\. #(\d+)", first).group(1))  # type: ignore[union-attr]
    assert numbers[position] == "small", (first, numbers)  # 1,500 fast calls outrank one slow scan
    assert "1,500 calls" in first
