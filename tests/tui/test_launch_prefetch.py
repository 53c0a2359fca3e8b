"""Start-up prefetch (tui.prefetch) and the real ``dbscope URL`` start on a live PostgreSQL: the helper
process and the thread read the same server description and first catalog level as the adapter; a
failing helper stays silent (the app's own connection reports); and in a pseudo-terminal the TUI shows
the tree, expands a schema right away (the load waits for the session the app opens after the first
frame) and quits cleanly. How fast belongs to benchmarks/startup.py."""

from __future__ import annotations

import fcntl
import os
import pty
import select
import struct
import subprocess
import sys
import termios
import time
from collections.abc import Iterator

import pytest

from tests.conftest import unavailable
from tests.live import LiveServer, db_name
from tui.adapters import open_adapter
from tui.core.connspec import parse_url
from tui.prefetch import SessionPrefetch, fork_supported

pytestmark = pytest.mark.live_pg

SQL = "CREATE SCHEMA aaa_probe; CREATE TABLE aaa_probe.probe_table (id int PRIMARY KEY);"


@pytest.fixture
def probe_url(pg_scratch: str, pg_server: LiveServer) -> Iterator[str]:
    pg_server.execute(SQL, db_name(pg_scratch))
    yield pg_scratch


def _expected(url: str) -> tuple[str, list[str]]:
    adapter = open_adapter(parse_url(url))
    try:
        server = adapter.connect()
        return server.database, [node.qualified_name for node in adapter.roots()]
    finally:
        adapter.close()


@pytest.mark.parametrize("use_fork", [True, False], ids=["helper-process", "thread"])
def test_prefetch_reads_what_the_adapter_reads(probe_url: str, use_fork: bool) -> None:
    if use_fork and not fork_supported():
        unavailable("no fork here: the thread is used")
    prefetch = SessionPrefetch(parse_url(probe_url), use_fork=use_fork).start()
    deadline = time.monotonic() + 20
    while not prefetch.done and time.monotonic() < deadline:
        time.sleep(0.02)
    assert prefetch.preview_ready
    database, roots = _expected(probe_url)
    assert prefetch.server is not None and prefetch.server.database == database == db_name(probe_url)
    assert [node.qualified_name for node in prefetch.take_roots() or []] == roots
    assert "aaa_probe" in roots
    assert prefetch.take_roots() is None  # once
    taken = prefetch.take()
    if use_fork:
        assert taken is None and prefetch.child_pid is not None  # the app opens its own session
    else:
        assert taken is not None
        adapter, server = taken
        assert server.database == database and adapter.roots()  # a live, connected session
        adapter.close()
    prefetch.discard()


def test_failing_helper_is_silent(pg_server: LiveServer) -> None:
    spec = parse_url(pg_server.url_for("dbscope_no_such_database_here"))
    prefetch = SessionPrefetch(spec, use_fork=fork_supported()).start()
    deadline = time.monotonic() + 20
    while not prefetch.done and time.monotonic() < deadline:
        time.sleep(0.02)
    assert prefetch.done and not prefetch.preview_ready and prefetch.roots is None
    if prefetch.use_fork:
        assert prefetch.error is None and prefetch.take() is None  # the app's connect says why
    else:
        with pytest.raises(Exception, match="does not exist"):
            prefetch.take()
    prefetch.discard()


def _read_until(fd: int, needle: bytes, timeout: float, seen: bytearray) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.05)
        if ready:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                return needle in seen
            if not chunk:
                return needle in seen
            seen.extend(chunk)
            if needle in seen:
                return True
    return needle in seen


def test_dbscope_in_a_terminal_shows_the_tree_and_expands_at_once(probe_url: str) -> None:
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    env = {**os.environ, "TERM": "xterm-256color"}
    process = subprocess.Popen(
        [sys.executable, "-m", "tui", probe_url],
        stdin=follower,
        stdout=follower,
        stderr=follower,
        env=env,
        close_fds=True,
        start_new_session=True,
    )
    os.close(follower)
    seen = bytearray()
    try:
        assert _read_until(leader, b"aaa_probe", 30, seen), bytes(seen[-2000:])
        # The cursor is on the first schema; expand it at once: the load waits for the session.
        os.write(leader, b" ")
        assert _read_until(leader, b"probe_table", 30, seen), bytes(seen[-2000:])
        os.write(leader, b"\x11")  # ctrl+q
        # Keep reading while it exits: restoring the terminal writes, and a full pty would block it.
        deadline = time.monotonic() + 30
        while process.poll() is None and time.monotonic() < deadline:
            _read_until(leader, b"\x00never\x00", 0.2, seen)
        assert process.poll() == 0, (process.poll(), bytes(seen[-1500:]))
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        os.close(leader)
    assert b"could not load" not in seen
