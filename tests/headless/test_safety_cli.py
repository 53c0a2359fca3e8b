"""Safety through every headless path, on live servers: destructive statements change nothing in the
default mode, and a known password never appears in any output."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator

import pytest

from tests.clusters import Cluster, app_cluster
from tests.conftest import unavailable
from tests.live import LiveServer, db_name
from tui.cli import main

DESTRUCTIVE = [
    "INSERT INTO victim VALUES (999, 'x')",
    "UPDATE victim SET v = 'changed'",
    "DELETE FROM victim",
    "TRUNCATE victim",
    "DROP TABLE victim",
    "WITH d AS (DELETE FROM victim RETURNING 1) SELECT count(*) FROM d",
    "SELECT * INTO victim_copy FROM victim",
    "CREATE TABLE intruder (a int)",
    "ALTER TABLE victim ADD COLUMN w int",
]


@pytest.fixture
def victim(pg_server: LiveServer, pg_scratch: str) -> str:
    pg_server.execute(
        "CREATE TABLE victim (id int PRIMARY KEY, v text); "
        "INSERT INTO victim SELECT g, 'row ' || g FROM generate_series(1, 100) g",
        db_name(pg_scratch),
    )
    return pg_scratch


def _state(pg_server: LiveServer, url: str) -> tuple[object, ...]:
    rows = pg_server.execute(
        "SELECT (SELECT count(*) FROM victim), (SELECT string_agg(v, ',' ORDER BY id) FROM victim), "
        "(SELECT count(*) FROM pg_tables WHERE schemaname = 'public'), "
        "(SELECT count(*) FROM information_schema.columns WHERE table_name = 'victim')",
        db_name(url),
    )
    return rows[0]


def test_no_cli_path_changes_data_by_default(
    victim: str, pg_server: LiveServer, capsys: pytest.CaptureFixture[str]
) -> None:
    before = _state(pg_server, victim)
    attempts = 0
    for sql in DESTRUCTIVE:
        for argv in (
            ["explain", victim, sql],
            ["explain", victim, sql, "--analyze"],
            ["explain", victim, sql, "--analyze", "--yes"],
            ["explain", victim, f"EXPLAIN ANALYZE {sql}", "--yes"],
        ):
            attempts += 1
            code = main(argv)
            out = capsys.readouterr()
            if "--analyze" in argv or argv[2].startswith("EXPLAIN ANALYZE"):
                # refused: either asks for --yes (2) or the read-only session refuses (3)
                assert code in (2, 3), (argv, out.out[-300:], out.err)
                assert out.err.count("\n") == 1 and "Traceback" not in out.err
            else:
                assert code in (0, 3), (argv, out.err)  # a plain EXPLAIN executes nothing
    for argv in (["advise", victim], ["top", victim], ["advise", victim, "--format", "markdown"]):
        attempts += 1
        main(argv)
        capsys.readouterr()
    assert _state(pg_server, victim) == before
    assert attempts == len(DESTRUCTIVE) * 4 + 3


def test_analyze_of_a_write_with_read_write_and_yes_is_rolled_back(
    victim: str, pg_server: LiveServer, capsys: pytest.CaptureFixture[str]
) -> None:
    before = _state(pg_server, victim)
    for sql in (
        "DELETE FROM victim",
        "UPDATE victim SET v = 'changed'",
        "INSERT INTO victim VALUES (999, 'x')",
    ):
        assert main(["explain", victim, sql, "--analyze", "--yes", "--read-write", "--format", "json"]) == 0
        assert '"rows_actual"' in capsys.readouterr().out
    assert _state(pg_server, victim) == before


PASSWORD = "Hunter2-dbscope-Σecret"


@pytest.fixture(scope="module")
def password_cluster() -> Iterator[Cluster]:
    cluster = app_cluster(
        PASSWORD,
        "CREATE TABLE t (id int, v text); INSERT INTO t SELECT g, 'x' FROM generate_series(1, 1000) g; "
        "ALTER TABLE t OWNER TO app",
    )
    if cluster is None:
        unavailable("PostgreSQL server binaries are not installed")
    assert cluster is not None
    yield cluster
    cluster.destroy()


def test_password_never_printed_by_any_command(password_cluster: Cluster) -> None:
    from urllib.parse import quote

    good = password_cluster.tcp_url("app", quote(PASSWORD), "appdb")
    wrong = password_cluster.tcp_url("app", quote(PASSWORD + "x"), "appdb")
    runs = []
    for argv in (
        ["explain", good, "SELECT * FROM t WHERE id = 5", "--format", "json"],
        ["explain", good, "SELECT * FROM t WHERE id = 5", "--analyze", "--format", "markdown"],
        ["explain", good, "SELECT * FROM nope"],
        ["explain", good, "DELETE FROM t", "--analyze", "--yes"],
        ["advise", good, "--format", "json"],
        ["advise", good, "--format", "markdown"],
        ["top", good],
        ["explain", wrong, "SELECT 1"],
        ["advise", wrong],
        ["explain", good.replace("127.0.0.1", "127.0.0.1:1"), "SELECT 1"],
        ["advise", "postgresql://app:" + PASSWORD + "@127.0.0.1:99999/x"],
        ["bogus-subcommand", good],
        [good, "--no-such-flag"],
    ):
        done = subprocess.run(
            [sys.executable, "-m", "tui", *argv], capture_output=True, text=True, timeout=120
        )
        runs.append((argv, done.returncode))
        for stream in (done.stdout, done.stderr):
            assert PASSWORD not in stream and quote(PASSWORD) not in stream, (argv, stream[-500:])
            assert "Traceback" not in stream, (argv, stream[-2000:])
    codes = dict((tuple(a), c) for a, c in runs)
    assert codes[("explain", wrong, "SELECT 1")] == 3
    assert codes[("explain", good, "SELECT * FROM t WHERE id = 5", "--format", "json")] == 0
