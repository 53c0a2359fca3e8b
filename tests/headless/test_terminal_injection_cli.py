"""Issue 15 B7, live: names, comments and plan files carrying terminal control sequences (OSC title set,
clear screen, alternate screen, 8-bit CSI, bidi override), newlines and Rich markup never reach the
terminal raw from ``dbscope advise`` (text, markdown), ``explain``, ``plan`` (text, markdown) or an
error message, on PostgreSQL and MariaDB. JSON keeps the exact names.

The hostile objects are created on the live servers; the plan files are the servers' own EXPLAIN output
for them (PostgreSQL ``FORMAT JSON`` and text, MariaDB ``FORMAT=JSON``), written to disk as a user
would save them.
"""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.clusters import Cluster
from tests.live import LiveServer
from tui.cli import main

OSC = "\x1b]0;pwned\x07"
CLEAR = "\x1b[2J"
ALT = "\x1b[?1049h"
CSI8 = "\x9b2J"
BIDI = "\u202e"
MARKUP = "[red]x[/]"

PG_TABLE = f"orders{OSC}"
PG_COLUMN = f"c{CLEAR}"
PG_SETUP = f"""
CREATE TABLE "{PG_TABLE}" (id int PRIMARY KEY, "{PG_COLUMN}" int, "two
lines" text);
CREATE TABLE "{MARKUP}{CSI8}" (id int PRIMARY KEY, ref int REFERENCES "{PG_TABLE}" (id));
CREATE TABLE "nopk{ALT}{BIDI}" (a int);
CREATE TABLE "nopk two
lines" (a int, b int REFERENCES "{PG_TABLE}" (id));
CREATE INDEX "ix{ALT}" ON "{PG_TABLE}" ("{PG_COLUMN}");
CREATE INDEX "dup{OSC}" ON "{PG_TABLE}" ("{PG_COLUMN}");
CREATE VIEW "v{CLEAR}
view" AS SELECT * FROM "{PG_TABLE}";
COMMENT ON COLUMN "{PG_TABLE}"."two
lines" IS 'comment {OSC} {MARKUP}';
INSERT INTO "{PG_TABLE}" SELECT g, g % 7, 'x' FROM generate_series(1, 2000) g;
ANALYZE;
"""
MY_TABLE = f"orders{OSC}"
MY_SETUP = [
    f"CREATE TABLE `{MY_TABLE}` (id int PRIMARY KEY, `c{CLEAR}` int, `two\nlines` text "
    f"COMMENT 'comment {OSC} {MARKUP}') ENGINE=InnoDB",
    f"CREATE TABLE `{MARKUP}` (id int PRIMARY KEY, ref int, KEY `ref{ALT}` (ref), KEY `dup{OSC}` (ref))",
    f"CREATE TABLE `nopk{ALT}` (a int)",
    f"CREATE INDEX `ix{ALT}` ON `{MY_TABLE}` (`c{CLEAR}`)",
    f"CREATE VIEW `v{CLEAR}\nview` AS SELECT * FROM `{MY_TABLE}`",
]


def raw_controls(text: str) -> list[str]:
    """Characters a terminal would act on: C0 but newline, DEL, C1, bidi controls, lone surrogates."""
    return [
        c
        for c in text
        if (ord(c) < 0x20 and c != "\n")
        or 0x7F <= ord(c) <= 0x9F
        or 0x202A <= ord(c) <= 0x202E
        or 0x2066 <= ord(c) <= 0x2069
        or 0xD800 <= ord(c) <= 0xDFFF
    ]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def assert_terminal_safe(out: str, err: str) -> None:
    assert raw_controls(out) == [], out[:2000]
    assert raw_controls(err) == [], err


@pytest.fixture(scope="module")
def pg_db(pg_server: LiveServer) -> Iterator[str]:
    name = f"b7_termsafe_{uuid.uuid4().hex[:8]}"
    for url in pg_server.scratch_database(name):
        pg_server.execute(PG_SETUP, name)
        yield url


@pytest.fixture(scope="module")
def my_db(mysql_server: LiveServer) -> Iterator[str]:
    name = f"b7_termsafe_{uuid.uuid4().hex[:8]}"
    for url in mysql_server.scratch_database(name):
        for statement in MY_SETUP:
            mysql_server.execute(statement, name)
        yield url


@pytest.mark.parametrize("fmt", ["text", "markdown"])
def test_pg_advise_shows_hostile_names_as_escapes(
    pg_db: str, fmt: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "advise", pg_db, "--format", fmt)
    assert code == 0, err
    assert_terminal_safe(out, err)
    # The names are there, visibly: the FK without an index names the markup table, the duplicate
    # index and the table without a primary key are reported.
    assert "\\x1b]0;pwned\\x07" in out
    assert "\\x9b2J" in out and "[red]x[/]" in out
    assert "nopk\\x1b[?1049h\\u202e" in out
    # A heading that names a table with a newline stays one line.
    assert ("— `public.nopk two↵lines`" if fmt == "markdown" else "— public.nopk two↵lines") in out
    if fmt == "markdown":  # a newline in a name must not cut a table row in two
        rows = [line for line in out.splitlines() if line.startswith("|")]
        assert rows and all(line.endswith("|") for line in rows), [r for r in rows if not r.endswith("|")]


def test_pg_advise_json_keeps_the_exact_names(pg_db: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "advise", pg_db, "--format", "json")
    assert code == 0, err
    assert_terminal_safe(out, err)
    objects = " ".join(str(f["object"]) for f in json.loads(out)["findings"])
    assert PG_TABLE in objects and f"nopk{ALT}{BIDI}" in objects


@pytest.mark.parametrize("fmt", ["text", "markdown"])
def test_pg_explain_of_hostile_names(pg_db: str, fmt: str, capsys: pytest.CaptureFixture[str]) -> None:
    query = f'SELECT * FROM "{PG_TABLE}" t JOIN "v{CLEAR}\nview" v USING (id) WHERE t."{PG_COLUMN}" = 3'
    code, out, err = run(capsys, "explain", pg_db, query, "--analyze", "--format", fmt)
    assert code in (0, 1), err
    assert_terminal_safe(out, err)
    assert "orders\\x1b]0;pwned\\x07" in out


def test_pg_error_message_with_a_hostile_name(pg_db: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "explain", pg_db, f'SELECT * FROM "missing{OSC}\n{CLEAR}"')
    assert code == 3
    assert_terminal_safe(out, err)
    assert "missing\\x1b]0;pwned\\x07" in err and err.count("\n") == 1


@pytest.fixture(scope="module")
def plan_files(
    pg_db: str, pg_server: LiveServer, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Path]:
    """EXPLAIN output of the live server for the hostile table, saved as a user would."""
    name = pg_db.rsplit("/", 1)[1].split("?")[0]
    query = f'SELECT * FROM "{PG_TABLE}" WHERE "{PG_COLUMN}" = 3 ORDER BY "two\nlines"'
    folder = tmp_path_factory.mktemp("b7plans")
    rows = pg_server.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {query}", name)
    json_file = folder / "hostile.json"
    json_file.write_text(json.dumps(rows[0][0]))
    text_rows = pg_server.execute(f"EXPLAIN (ANALYZE) {query}", name)
    text_file = folder / "hostile.txt"
    text_file.write_text("\n".join(r[0] for r in text_rows) + "\n")
    return {"json": json_file, "text": text_file}


@pytest.mark.parametrize("kind", ["json", "text"])
@pytest.mark.parametrize("fmt", ["text", "markdown"])
def test_plan_file_with_hostile_names(
    plan_files: dict[str, Path], kind: str, fmt: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "plan", str(plan_files[kind]), "--format", fmt)
    assert code in (0, 1), err
    assert_terminal_safe(out, err)
    assert "orders\\x1b]0;pwned\\x07" in out


def test_plan_json_output_is_exact(plan_files: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "plan", str(plan_files["json"]), "--format", "json")
    assert code in (0, 1), err
    assert_terminal_safe(out, err)
    document = json.loads(out)
    objects = []
    stack = [document["plan"]]
    while stack:
        node = stack.pop()
        objects.append(node["object"])
        stack.extend(node["children"])
    assert any(o and PG_TABLE in o for o in objects), objects


def test_plan_file_bytes_on_a_real_stdout(plan_files: dict[str, Path], tmp_path: Path) -> None:
    """The same through a subprocess: the bytes written to the pipe, C1 in UTF-8 included."""
    hostile = tmp_path / "hostile-c1.json"
    hostile.write_text(plan_files["json"].read_text().replace("orders", f"orders{CSI8}{BIDI}"))
    for fmt in ("text", "markdown"):
        done = subprocess.run(
            [sys.executable, "-m", "tui", "plan", str(hostile), "--format", fmt],
            capture_output=True,
            timeout=60,
        )
        assert done.returncode in (0, 1), done.stderr
        for stream in (done.stdout, done.stderr):
            assert not any(b < 0x20 and b != 0x0A for b in stream) and b"\x7f" not in stream
            assert raw_controls(stream.decode("utf-8")) == []
        assert b"orders\\x9b2J\\u202e\\x1b]0;pwned\\x07" in done.stdout


@pytest.mark.parametrize("fmt", ["text", "markdown"])
def test_mariadb_advise_shows_hostile_names_as_escapes(
    my_db: str, fmt: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "advise", my_db, "--format", fmt)
    assert code in (0, 1), err
    assert_terminal_safe(out, err)
    assert "nopk\\x1b[?1049h" in out


@pytest.mark.parametrize("fmt", ["text", "markdown"])
def test_mariadb_explain_and_plan_of_hostile_names(
    my_db: str, mysql_server: LiveServer, fmt: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    query = f"SELECT * FROM `{MY_TABLE}` WHERE `c{CLEAR}` = 3 ORDER BY `two\nlines`"
    code, out, err = run(capsys, "explain", my_db, query, "--format", fmt)
    assert code in (0, 1), err
    assert_terminal_safe(out, err)
    assert "orders\\x1b]0;pwned\\x07" in out
    name = my_db.rsplit("/", 1)[1].split("?")[0]
    saved = tmp_path / "mariadb.json"
    saved.write_text(mysql_server.execute(f"EXPLAIN FORMAT=JSON {query}", name)[0][0])
    code, out, err = run(capsys, "plan", str(saved), "--format", fmt)
    assert code in (0, 1), err
    assert_terminal_safe(out, err)
    assert "orders\\x1b]0;pwned\\x07" in out


@pytest.fixture(scope="module")
def top_url(pgss_cluster: Cluster) -> str:
    """Statement statistics whose texts name the hostile table (pg_stat_statements keeps them raw)."""
    import psycopg

    name = f"b7_termsafe_top_{uuid.uuid4().hex[:6]}"
    with psycopg.connect(pgss_cluster.url(), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')  # type: ignore[arg-type]
    url = pgss_cluster.url(name)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
        conn.execute(f'CREATE TABLE "{PG_TABLE}" (id int PRIMARY KEY, "{PG_COLUMN}" int)')  # type: ignore[arg-type]
        conn.execute(f'INSERT INTO "{PG_TABLE}" SELECT g, g % 7 FROM generate_series(1, 5000) g')  # type: ignore[arg-type]
        for i in range(5):
            conn.execute(f'SELECT count(*) FROM "{PG_TABLE}" WHERE "{PG_COLUMN}" = %s /* {MARKUP} */', (i,))  # type: ignore[arg-type]
    return url


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_pg_top_with_hostile_statement_texts(
    top_url: str, fmt: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "top", top_url, "--sort", "calls", "--explain", "--format", fmt)
    assert code == 0, err
    assert_terminal_safe(out, err)
    if fmt == "json":
        assert any(PG_TABLE in s["query"] for s in json.loads(out)["statements"])
    else:
        assert "orders\\x1b]0;pwned\\x07" in out
