"""What a read-only transaction lets through, and what dbscope refuses itself (``tui.core.sideeffects``):
every such statement is refused however it is spelled, and nothing that merely mentions one is.
The live counterparts (the server really is left unchanged) are in tests/adapters/test_pg_side_effects.py
and tests/adapters/test_mysql_safety.py."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tui.core.sideeffects import MYSQL_FUNCTIONS, PG_FUNCTIONS, mysql_refusal, pg_refusal, refusal
from tui.core.sqltext import statement_may_write

PG_REFUSED = [
    ("SELECT pg_terminate_backend(123)", "pg_terminate_backend()"),
    ("select pg_cancel_backend(pid) from pg_stat_activity where usename = 'app'", "pg_cancel_backend()"),
    ('SELECT PG_CATALOG."pg_terminate_backend"(pid) FROM pg_stat_activity', "pg_terminate_backend()"),
    ("SELECT pg_reload_conf /* spaced */ ()", "pg_reload_conf()"),
    ("SELECT\n  pg_catalog . pg_reload_conf\n(\n)", "pg_reload_conf()"),
    ('SELECT U&"pg\\005freload_conf"()', "pg_reload_conf()"),
    ("SELECT U&\"pg!005freload_conf\" UESCAPE '!' ()", "pg_reload_conf()"),
    # standard_conforming_strings = off reads '\'' as a quote: the call is outside the literals then.
    ("SELECT '\\'', pg_reload_conf(), '\\''", "pg_reload_conf()"),
    ("SELECT pg_rotate_logfile()", "pg_rotate_logfile()"),
    ("SELECT pg_switch_wal()", "pg_switch_wal()"),
    ("SELECT pg_create_restore_point('x')", "pg_create_restore_point()"),
    ("SELECT pg_backup_start('x')", "pg_backup_start()"),
    ("SELECT * FROM pg_create_physical_replication_slot('s')", "pg_create_physical_replication_slot()"),
    ("SELECT * FROM pg_logical_slot_get_changes('s', NULL, NULL)", "pg_logical_slot_get_changes()"),
    ("SELECT pg_stat_reset()", "pg_stat_reset()"),
    ("SELECT pg_stat_statements_reset()", "pg_stat_statements_reset()"),
    ("SELECT lo_export(16401, '/tmp/x')", "lo_export()"),
    ("(SELECT lo_import('/etc/passwd'))", "lo_import()"),
    ("SELECT lo_from_bytea(0, 'x')", "lo_from_bytea()"),
    ("SELECT pg_file_write('/tmp/x', 'data', false)", "pg_file_write()"),
    ("SELECT dblink_exec('dbname=x', 'DELETE FROM t')", "dblink_exec()"),
    ("SELECT * FROM dblink('dbname=x', 'SELECT 1') AS t(a int)", "dblink()"),
    ("SELECT pg_advisory_lock(42)", "pg_advisory_lock()"),
    ("SELECT pg_try_advisory_lock_shared(1, 2)", "pg_try_advisory_lock_shared()"),
    ("SELECT pg_notify('channel', 'x')", "pg_notify()"),
    ("SELECT pg_import_system_collations('pg_catalog')", "pg_import_system_collations()"),
    ("SELECT pid, pg_terminate_backend(pid) FROM pg_stat_activity, LATERAL (SELECT 1) x", "pg_terminate"),
    (
        "WITH victims AS (SELECT pid FROM pg_stat_activity) SELECT pg_cancel_backend(pid) FROM victims",
        "pg_cancel",
    ),
    ("SELECT query_to_xml('select pg_reload_conf()', true, true, '')", "query_to_xml()"),
    ("SELECT query_to_xml($q$SELECT pg_terminate_backend(1)$q$, true, true, '')", "pg_terminate_backend()"),
    ("PREPARE p AS SELECT pg_cancel_backend($1)", "pg_cancel_backend()"),
    ("EXPLAIN ANALYZE SELECT pg_switch_wal()", "pg_switch_wal()"),
    ("EXPLAIN (ANALYZE, BUFFERS) SELECT pg_switch_wal()", "pg_switch_wal()"),
    ("explain analyze verbose select pg_switch_wal()", "pg_switch_wal()"),
    ("SELECT 1; SELECT pg_reload_conf()", "pg_reload_conf()"),
    ("COPY (SELECT 1) TO PROGRAM 'touch /tmp/x'", "COPY"),
    ("COPY t TO '/tmp/t.csv'", "COPY"),
    ("copy t from program 'rm -rf /'", "COPY"),
    ("DO $$BEGIN PERFORM pg_reload_conf(); END$$", "DO"),
    ("DO 'BEGIN NULL; END'", "DO"),
    ("ALTER SYSTEM SET work_mem = '1GB'", "ALTER SYSTEM"),
    ("CHECKPOINT", "CHECKPOINT"),
    ("LOAD 'auto_explain'", "LOAD"),
    ("NOTIFY channel, 'x'", "NOTIFY"),
    ("LOCK TABLE t IN ACCESS EXCLUSIVE MODE", "LOCK"),
    ("REINDEX TABLE t", "REINDEX"),
    ("CLUSTER t USING t_pkey", "CLUSTER"),
    ("VACUUM FULL t", "VACUUM"),
    ("ANALYZE t", "ANALYZE"),
    ("analyse", "ANALYZE"),
    ("SELECT 1; CHECKPOINT", "CHECKPOINT"),
    ("SELECT pg_terminate_backend(1", "pg_terminate_backend()"),  # unterminated: the fallback reads it
]
PG_ALLOWED = [
    "SELECT 'pg_terminate_backend(1)'",
    "SELECT $$ pg_reload_conf() $$",
    "SELECT $tag$ SELECT pg_reload_conf() $tag$",
    "SELECT E'\\'pg_reload_conf()'",
    "SELECT 1 -- pg_reload_conf()\n",
    "SELECT /* pg_reload_conf() */ 1",
    "SELECT /* nested /* */ pg_reload_conf() */ 1",
    'SELECT kill, pg_terminate_backend, "pg_reload_conf" FROM t',
    'SELECT "kill"(1)',
    "SELECT * FROM pg_stat_activity WHERE query LIKE '%pg_terminate_backend(%'",
    'SELECT * FROM "copy"',
    "WITH copy AS (SELECT 1) SELECT * FROM copy",
    "SELECT query_to_xml('select 1', true, true, '')",
    "SELECT pg_advisory_xact_lock(1)",
    "SELECT pg_sleep(0.1)",
    "SELECT set_config('work_mem', '64MB', false)",
    "SET work_mem = '64MB'",
    "SHOW work_mem",
    "EXPLAIN SELECT pg_switch_wal()",
    "EXPLAIN (ANALYZE off) SELECT pg_switch_wal()",
    "EXPLAIN (ANALYZE false, COSTS) SELECT pg_switch_wal()",
    "EXPLAIN ANALYZE SELECT 1",
    "COPY t TO STDOUT",
    "VALUES (1), (2)",
    "TABLE t",
    "LISTEN channel",
    "SELECT 'a",
    "",
    ";",
]
MYSQL_REFUSED = [
    ("KILL 5", "KILL"),
    ("kill query 5", "KILL"),
    ("/*!50000 KILL 5 */", "KILL"),
    ("SHUTDOWN", "SHUTDOWN"),
    ("SET GLOBAL max_connections = 7", "SET"),
    ("SET @@global.max_connections = 7", "SET"),
    ("SET PERSIST max_connections = 7", "SET"),
    ("FLUSH PRIVILEGES", "FLUSH"),
    ("SELECT * FROM t INTO OUTFILE '/tmp/x'", "OUTFILE"),
    ("SELECT 'x' INTO DUMPFILE '/tmp/x'", "OUTFILE"),
    ("SELECT 1 INTO/**/OUTFILE '/tmp/x'", "OUTFILE"),
    ("INSTALL PLUGIN example SONAME 'ha_example.so'", "INSTALL"),
    ("DO GET_LOCK('x', 0)", "GET_LOCK()"),
    ("SELECT GET_LOCK('x', 0)", "GET_LOCK()"),
    ("SELECT get_lock ('x', 0) FROM dual", "GET_LOCK()"),
    ("SELECT /*!50000 GET_LOCK('x', 0) */", "GET_LOCK()"),
    ("BACKUP STAGE START", "BACKUP"),
    ("BACKUP LOCK t", "BACKUP"),
    ("CACHE INDEX t IN default", "CACHE"),
    ("LOAD INDEX INTO CACHE t", "LOAD"),
    ("ALTER INSTANCE ROTATE INNODB MASTER KEY", "ALTER INSTANCE"),
    ("ANALYZE TABLE t", "ANALYZE TABLE"),
    ("LOCK TABLES t WRITE", "LOCK"),
    ("PURGE BINARY LOGS BEFORE NOW()", "PURGE"),
    ("RESET MASTER", "RESET"),
    ("CHANGE MASTER TO MASTER_HOST = 'x'", "CHANGE"),
    ("STOP SLAVE", "STOP"),
    ("START SLAVE", "START"),
    ("START TRANSACTION READ WRITE", "START"),
    ("SET SESSION TRANSACTION READ WRITE", "SET"),
    ("SET STATEMENT tx_read_only = 0 FOR INSERT INTO t VALUES (1)", "SET"),
    ("PREPARE s FROM 'KILL 5'", "PREPARE"),
    ("EXECUTE IMMEDIATE 'KILL 5'", "EXECUTE"),
    ("CALL p()", "CALL"),
]
MYSQL_ALLOWED = [
    "SELECT `kill` FROM t",
    "SELECT 'KILL 1'",
    "SELECT `get_lock` FROM t",
    "SELECT 'GET_LOCK(1)'",
    "SELECT RELEASE_LOCK('x')",
    "SELECT IS_USED_LOCK('x')",
    "SELECT * FROM t WHERE note = 'INTO OUTFILE'",
    "SELECT 1 -- SHUTDOWN",
    "SELECT 1 # KILL 5",
    "SELECT /* KILL 5 */ 1",
    "SET @a = 1",
    "SET SESSION max_statement_time = 2",
    "SHOW GLOBAL STATUS",
    "EXPLAIN SELECT 1",
    "DO SLEEP(0)",
]


@pytest.mark.parametrize(("sql", "names"), PG_REFUSED)
def test_postgres_side_effects_are_refused(sql: str, names: str) -> None:
    reason = pg_refusal(sql)
    assert reason is not None and names.split("(")[0] in reason
    assert refusal(sql, "postgres") == reason
    # ...and in a read-write session they ask for confirmation like a write.
    assert statement_may_write(sql, "postgres")


@pytest.mark.parametrize("sql", PG_ALLOWED)
def test_postgres_mentions_are_not_refused(sql: str) -> None:
    assert pg_refusal(sql) is None


@pytest.mark.parametrize(("sql", "names"), MYSQL_REFUSED)
def test_mysql_side_effects_are_refused(sql: str, names: str) -> None:
    reason = mysql_refusal(sql)
    assert reason is not None and names.split("(")[0].split()[0] in reason.upper()
    assert statement_may_write(sql, "mysql")


@pytest.mark.parametrize("sql", MYSQL_ALLOWED)
def test_mysql_mentions_are_not_refused(sql: str) -> None:
    assert mysql_refusal(sql) is None


def test_other_dialects_are_not_classified() -> None:
    assert refusal("SELECT pg_terminate_backend(1)", "") is None


@pytest.mark.parametrize("name", sorted(PG_FUNCTIONS))
def test_every_listed_postgres_function_is_refused_when_called(name: str) -> None:
    assert pg_refusal(f"SELECT {name}(1)") is not None
    assert pg_refusal(f"SELECT * FROM pg_catalog.{name}()") is not None
    assert pg_refusal(f'SELECT "{name}"()') is not None
    assert pg_refusal(f"SELECT {name} FROM t") is None  # a column of that name
    assert pg_refusal(f"SELECT '{name}()'") is None


@pytest.mark.parametrize("name", sorted(MYSQL_FUNCTIONS))
def test_every_listed_mysql_function_is_refused_when_called(name: str) -> None:
    assert mysql_refusal(f"SELECT {name}('x', 0)") is not None
    assert mysql_refusal(f"SELECT `{name}` FROM t") is None
    assert mysql_refusal(f"SELECT '{name}()'") is None


_NOISE = st.sampled_from([" ", "\n", "\t", " /* c */ ", " -- c\n"])


@settings(max_examples=300, deadline=None)
@given(
    name=st.sampled_from(sorted(PG_FUNCTIONS)),
    before=_NOISE,
    after=_NOISE,
    upper=st.booleans(),
    qualified=st.booleans(),
    wrap=st.sampled_from(
        ["SELECT {}", "SELECT * FROM {}", "SELECT x, {} FROM t", "WITH a AS (SELECT {}) TABLE a"]
    ),
)
def test_postgres_call_is_refused_however_spaced(
    name: str, before: str, after: str, upper: bool, qualified: bool, wrap: str
) -> None:
    call = ("pg_catalog." if qualified else "") + (name.upper() if upper else name)
    sql = wrap.format(f"{before}{call}{after}(1)")
    assert pg_refusal(sql) is not None


@settings(max_examples=300, deadline=None)
@given(
    name=st.sampled_from(sorted(PG_FUNCTIONS)),
    quote=st.sampled_from(["'{}'", "$${}$$", "$x${}$x$", "E'{}'", "/* {} */", "-- {}\n"]),
)
def test_postgres_call_inside_a_literal_or_comment_is_not_refused(name: str, quote: str) -> None:
    assert pg_refusal("SELECT 1, " + quote.format(f"{name}(1)") + " AS c") is None


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=200))
def test_classifiers_never_raise(text: str) -> None:
    for dialect in ("postgres", "mysql"):
        result = refusal(text, dialect)
        assert result is None or isinstance(result, str)


@pytest.mark.parametrize(
    ("url", "statement"),
    [
        (
            "postgresql://u@127.0.0.1:1/db",
            "SELECT dblink_exec('host=h password=Sw0rd-9 dbname=d', 'DELETE FROM t')",
        ),
        (
            "postgresql://u@127.0.0.1:1/db",
            "SELECT * FROM dblink('postgresql://u:Sw0rd-9@h/d', 'SELECT 1') AS t(a int)",
        ),
        ("mysql://u@127.0.0.1:1/db", "SET PASSWORD FOR 'app'@'%' = PASSWORD('Sw0rd-9')"),
        ("mysql://u@127.0.0.1:1/db", "SET PASSWORD = 'Sw0rd-9'"),
    ],
)
def test_refusals_name_the_statement_but_never_a_typed_password(url: str, statement: str) -> None:
    """The guard answers before any connection is opened (the port is closed), and its message names the
    statement with the password masked."""
    from tui.adapters import open_adapter
    from tui.core.connspec import parse_url
    from tui.core.errors import ReadOnlyViolation

    adapter = open_adapter(parse_url(url))
    for attempt in (lambda: adapter.run(statement), lambda: adapter.explain(statement, analyze=True)):
        with pytest.raises(ReadOnlyViolation) as refused:
            attempt()
        text = refused.value.one_line()
        assert "Sw0rd-9" not in text and "***" in text and "--read-write" in text
