"""The PostgreSQL adapter when the world misbehaves: the server stops mid-session, a role has no
privileges, a password must never surface. Each test owns a throwaway cluster."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from tests.clusters import Cluster, app_cluster
from tests.conftest import unavailable
from tui.adapters.postgres import PostgresAdapter
from tui.core.connspec import parse_url
from tui.core.errors import ConnectError, Disconnected, PermissionError_

PASSWORD = "Tr0ub4dor&3-dbscope"


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    made = app_cluster(
        PASSWORD,
        "CREATE ROLE nopriv LOGIN PASSWORD 'x'; "
        "CREATE TABLE public.secret_stuff (id int PRIMARY KEY, v text); "
        "REVOKE ALL ON public.secret_stuff FROM PUBLIC",
    )
    if made is None:
        unavailable("PostgreSQL server binaries are not installed")
    assert made is not None
    yield made
    made.destroy()


def test_server_stop_mid_session_then_reconnect(cluster: Cluster) -> None:
    adapter = PostgresAdapter(parse_url(cluster.url("appdb")))
    adapter.connect()
    assert adapter.run("SELECT 1").rows == [(1,)]
    errors: list[BaseException] = []

    def long_query() -> None:
        try:
            adapter.run("SELECT pg_sleep(30)")
        except BaseException as exc:
            errors.append(exc)

    worker = threading.Thread(target=long_query)
    worker.start()
    time.sleep(0.3)
    started = time.monotonic()
    cluster.stop("fast")
    worker.join(10)
    assert not worker.is_alive(), "work in flight must fail, not hang"
    assert time.monotonic() - started < 10
    assert errors and isinstance(errors[0], Disconnected | ConnectError)
    assert errors[0].one_line()  # a message, not a traceback
    assert adapter.ping() is False
    with pytest.raises(Disconnected):
        adapter.roots()
    cluster.start()
    info = adapter.reconnect()
    assert info.database == "appdb"
    assert adapter.run("SELECT 2").rows == [(2,)]
    adapter.close()


def test_password_never_in_errors_or_repr(cluster: Cluster) -> None:
    good = PostgresAdapter(parse_url(cluster.tcp_url("app", PASSWORD, "appdb")))
    info = good.connect()
    assert info.user == "app"
    assert PASSWORD not in repr(good.spec) and PASSWORD not in good.spec.masked
    assert PASSWORD not in good.spec.display
    good.close()
    wrong = PostgresAdapter(parse_url(cluster.tcp_url("app", PASSWORD + "x", "appdb")))
    with pytest.raises(ConnectError) as err:
        wrong.connect()
    assert err.value.title == "Authentication failed"
    text = err.value.one_line() + repr(err.value)
    assert PASSWORD not in text


def test_role_without_privileges_gets_typed_errors_and_a_partial_view(cluster: Cluster) -> None:
    adapter = PostgresAdapter(parse_url(cluster.tcp_url("nopriv", "x", "appdb")))
    adapter.connect()
    try:
        schemas = adapter.roots()
        public = next(n for n in schemas if n.name == "public")
        table = next(n for n in adapter.children(public) if n.name == "secret_stuff")
        detail = adapter.detail(table)  # the catalog is readable even when the data is not
        assert [c.name for c in detail.columns] == ["id", "v"]
        with pytest.raises(PermissionError_) as err:
            adapter.run("SELECT * FROM public.secret_stuff")
        assert "permission denied" in err.value.message
        assert not adapter.capabilities.statement_stats.available
    finally:
        adapter.close()
