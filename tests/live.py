"""Finding the live servers the tests use, and creating/dropping scratch databases on them.

Tests may import drivers (the application code outside ``tui/adapters`` may not)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import psycopg
import pymysql
import pytest


@dataclass
class LiveServer:
    engine: str  # "postgresql" | "mysql"
    admin_url: str
    embedded: Any = field(default=None, repr=False)

    def url_for(self, database: str) -> str:
        parts = urlsplit(self.admin_url)
        query = f"?{parts.query}" if parts.query else ""
        # urlunsplit drops the '//' of an empty authority (unix-socket URLs), so build it by hand.
        return f"{parts.scheme}://{parts.netloc}/{database}{query}"

    def execute(self, sql: str, database: str | None = None) -> list[tuple[Any, ...]]:
        """Run ``sql`` (several statements allowed) with autocommit; return the last result's rows."""
        if self.engine == "postgresql":
            url = self.url_for(database) if database else self.admin_url
            with psycopg.connect(url, autocommit=True) as conn:
                cur = conn.execute(sql)  # type: ignore[arg-type]
                rows = cur.fetchall() if cur.description else []
                while cur.nextset():
                    rows = cur.fetchall() if cur.description else rows
                return rows
        conn = pymysql.connect(**self.mysql_kwargs(database), autocommit=True, client_flag=1 << 16)
        try:
            with conn.cursor() as cur:
                cur.execute(sql)
                rows = list(cur.fetchall())
                while cur.nextset():
                    if cur.description:
                        rows = list(cur.fetchall())
                return rows
        finally:
            conn.close()

    def mysql_kwargs(self, database: str | None = None) -> dict[str, Any]:
        parts = urlsplit(self.admin_url)
        kwargs: dict[str, Any] = {
            "host": parts.hostname or "127.0.0.1",
            "port": parts.port or 3306,
            "user": parts.username or "root",
            "password": parts.password or "",
        }
        if database:
            kwargs["database"] = database
        return kwargs

    def scratch_database(self, name: str) -> Iterator[str]:
        quoted = f'"{name}"' if self.engine == "postgresql" else f"`{name}`"
        self.execute(f"CREATE DATABASE {quoted}")
        if self.engine == "postgresql":
            # A new database's stats_reset is NULL, so the usage-statistics window the advisor judges
            # (unused indexes) would be the server's uptime: days on a long-running service, minutes on
            # a fresh one. Start every test database's window at its creation.
            self.execute("SELECT pg_stat_reset()", name)
        try:
            yield self.url_for(name)
        finally:
            if self.engine == "postgresql":
                self.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    f"WHERE datname = '{name}' AND pid <> pg_backend_pid()"
                )
                self.execute(f"DROP DATABASE IF EXISTS {quoted}")
            else:
                self.execute(f"DROP DATABASE IF EXISTS {quoted}")

    def stop(self) -> None:
        if self.embedded is not None:
            self.embedded.stop()


def db_name(url: str) -> str:
    """The database part of a URL (socket URLs carry ``?host=`` after it)."""
    return urlsplit(url).path.lstrip("/")


def _pg_answers(url: str) -> bool:
    try:
        with psycopg.connect(url, connect_timeout=3) as conn:
            conn.execute("SELECT 1")
        return True
    except psycopg.Error:
        return False


def find_postgres(tmp_path_factory: pytest.TempPathFactory, *, allow_embedded: bool) -> LiveServer | None:
    candidates = (
        [os.environ["DBSCOPE_TEST_PG_URL"]]
        if os.environ.get("DBSCOPE_TEST_PG_URL")
        else [
            "postgresql:///postgres",
            "postgresql://postgres@127.0.0.1:5432/postgres",
        ]
    )
    for url in candidates:
        if _pg_answers(url):
            return LiveServer("postgresql", url)
    if not allow_embedded:
        return None
    from tui.demo.embedded import start_embedded

    embedded = start_embedded()
    return LiveServer("postgresql", embedded.url, embedded)


def find_mysql() -> LiveServer | None:
    url = os.environ.get("DBSCOPE_TEST_MYSQL_URL", "mysql://root@127.0.0.1:3306/test")
    server = LiveServer("mysql", url)
    try:
        pymysql.connect(**server.mysql_kwargs(), connect_timeout=3).close()
    except pymysql.Error:
        return None
    return server
