"""Shared fixtures: live PostgreSQL and MariaDB databases created per test session and dropped after.

PostgreSQL: ``DBSCOPE_TEST_PG_URL`` (an admin URL), else the local server over its unix socket, else
127.0.0.1:5432; when none answers, outside CI the embedded server of ``dbscope --demo`` starts instead,
so the suite really tests PostgreSQL on a machine without one. Under ``CI=true`` an unreachable server
fails the test instead of skipping it.
MariaDB/MySQL: ``DBSCOPE_TEST_MYSQL_URL``, else ``mysql://root@127.0.0.1:3306/test``.
MongoDB live tests are collected only when ``DBSCOPE_TEST_MONGO_URL`` is set (no server exists here).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.clusters import Cluster, MariaDB, make_cluster, make_mariadb
from tests.demo_fixture import demo_session  # noqa: F401 - the session-wide demo shop
from tests.live import LiveServer, find_mysql, find_postgres

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
SHARED_FIXTURES = Path(__file__).resolve().parent / "fixtures"

collect_ignore_glob: list[str] = []
if not os.environ.get("DBSCOPE_TEST_MONGO_URL"):
    collect_ignore_glob.append("adapters/test_mongo_live*.py")


def unavailable(reason: str) -> None:
    """Skip outside CI; fail under CI=true, where green must mean tested."""
    if IN_CI:
        pytest.fail(f"live server required in CI: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def pg_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    server = find_postgres(tmp_path_factory, allow_embedded=not IN_CI)
    if server is None:
        unavailable("no PostgreSQL server reachable")
    assert server is not None
    yield server
    server.stop()


@pytest.fixture(scope="session")
def pg_url(pg_server: LiveServer) -> Iterator[str]:
    """A fresh database for this test session (dropped at the end); returns its URL."""
    name = f"dbscope_test_{uuid.uuid4().hex[:8]}"
    yield from pg_server.scratch_database(name)


@pytest.fixture
def pg_scratch(pg_server: LiveServer) -> Iterator[str]:
    """A fresh database for one test."""
    name = f"dbscope_t_{uuid.uuid4().hex[:10]}"
    yield from pg_server.scratch_database(name)


@pytest.fixture(scope="session")
def pgss_cluster() -> Iterator[Cluster]:
    """A throwaway cluster of the Debian server binaries with pg_stat_statements preloaded (the shared
    service cannot be restarted with shared_preload_libraries for the tests)."""
    cluster = make_cluster({"shared_preload_libraries": "pg_stat_statements"})
    if cluster is None:
        unavailable("PostgreSQL server binaries (/usr/lib/postgresql/*/bin) are not installed")
    assert cluster is not None
    yield cluster
    cluster.destroy()


@pytest.fixture(scope="session")
def plain_cluster() -> Iterator[Cluster]:
    """A throwaway cluster that preloads nothing (``shared_preload_libraries`` set empty on purpose), for
    tests of what dbscope says when a library is missing: the shared service may preload anything."""
    cluster = make_cluster({"shared_preload_libraries": "''"})
    if cluster is None:
        unavailable("PostgreSQL server binaries (/usr/lib/postgresql/*/bin) are not installed")
    assert cluster is not None
    yield cluster
    cluster.destroy()


@pytest.fixture(scope="session")
def ps_mariadb() -> Iterator[MariaDB]:
    """A throwaway mariadbd with performance_schema=ON (statement digests) and the statement history
    consumers on (real samples of each digest): the shared service has performance_schema off and
    cannot be restarted for the tests."""
    server = make_mariadb(
        {
            "performance-schema": "ON",
            "performance-schema-consumer-events-statements-current": "ON",
            "performance-schema-consumer-events-statements-history-long": "ON",
        }
    )
    if server is None:
        unavailable("MariaDB server binaries (mariadb-install-db, mariadbd) are not installed")
    assert server is not None
    yield server
    server.destroy()


@pytest.fixture(scope="session")
def plain_mariadb() -> Iterator[LiveServer]:
    """A throwaway mariadbd with performance_schema and userstat off, said explicitly, for tests of what
    dbscope does without statement digests and index usage: the shared service may have either on."""
    server = make_mariadb({"performance-schema": "OFF", "userstat": "OFF"})
    if server is None:
        unavailable("MariaDB server binaries (mariadb-install-db, mariadbd) are not installed")
    assert server is not None
    yield LiveServer("mysql", server.url())
    server.destroy()


@pytest.fixture
def plain_mariadb_scratch(plain_mariadb: LiveServer) -> Iterator[str]:
    """A fresh database for one test on ``plain_mariadb``."""
    yield from plain_mariadb.scratch_database(f"dbscope_t_{uuid.uuid4().hex[:10]}")


@pytest.fixture(scope="session")
def mysql_server() -> LiveServer:
    server = find_mysql()
    if server is None:
        unavailable("no MariaDB/MySQL server reachable")
    assert server is not None
    return server


@pytest.fixture(scope="session")
def mysql_url(mysql_server: LiveServer) -> Iterator[str]:
    name = f"dbscope_test_{uuid.uuid4().hex[:8]}"
    yield from mysql_server.scratch_database(name)


@pytest.fixture
def mysql_scratch(mysql_server: LiveServer) -> Iterator[str]:
    name = f"dbscope_t_{uuid.uuid4().hex[:10]}"
    yield from mysql_server.scratch_database(name)


@pytest.fixture(autouse=True)
def _isolated_user_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Never read or write the developer's real config, history or data directories in tests."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.delenv("DBSCOPE_CONFIG", raising=False)
    monkeypatch.delenv("DBSCOPE_THEME", raising=False)
