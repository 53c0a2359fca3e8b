"""When the terminal goes away (an SSH drop hangs up the pseudo-terminal), dbscope exits instead of
spinning, and the statement it was running stops on the server (checked in pg_stat_activity), whether
SIGHUP reaches it or is ignored (nohup, ``trap '' HUP``). A SIGHUP while the terminal still answers
(kill -HUP) leaves the normal way and restores the terminal.

Each case runs ``python -m tui URL`` in a pseudo-terminal that is its controlling terminal, as sshd
sets it up, and closes the terminal's master side as sshd does when the connection drops."""

from __future__ import annotations

import os
import signal
import sys
import time
from collections.abc import Iterator

import pytest

from tests.live import LiveServer, db_name
from tests.pty_support import Session, spawn

pytestmark = pytest.mark.live_pg


def _start(url: str, *, ignore_hup: bool) -> Session:
    return spawn([sys.executable, "-m", "tui", url], ignore_hup=ignore_hup)


@pytest.fixture
def url(pg_server: LiveServer, pg_scratch: str) -> Iterator[str]:
    pg_server.execute("CREATE TABLE tty_probe_table (id int)", db_name(pg_scratch))
    yield pg_scratch


def _backends(server: LiveServer, database: str, sleeping: bool = False) -> int:
    extra = " AND wait_event = 'PgSleep'" if sleeping else ""
    return int(
        server.execute(
            f"SELECT count(*) FROM pg_stat_activity WHERE datname = '{database}' AND pid <> pg_backend_pid()"
            + extra
        )[0][0]
    )


def _wait(condition, seconds: float) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


@pytest.mark.parametrize("ignore_hup", [False, True], ids=["sighup", "sighup-ignored"])
def test_terminal_drop_mid_statement_exits_and_stops_the_statement(
    url: str, pg_server: LiveServer, ignore_hup: bool
) -> None:
    database = db_name(url)
    session = _start(url, ignore_hup=ignore_hup)
    try:
        assert session.read_until(b"public", 30), bytes(session.seen[-2000:])
        session.settle()
        session.type(b"2")  # the Query tab: the empty editor takes the focus in INSERT mode
        assert session.read_until(b"INSERT", 20), bytes(session.seen[-2000:])
        session.settle()
        session.type(b"SELECT pg_sleep(120)")
        session.type(b"\x12")  # ctrl+r: run
        assert _wait(lambda: _backends(pg_server, database, sleeping=True) == 1, 20), bytes(
            session.seen[-2000:]
        )
        os.close(session.leader)  # the SSH connection drops
        session.leader = -1
        assert session.process.wait(timeout=20) == 1
        # The statement was cancelled and the sessions closed, not left to run out their timeout.
        assert _wait(lambda: _backends(pg_server, database) == 0, 10)
    finally:
        if session.process.poll() is None:
            session.process.kill()
            session.process.wait()
        if session.leader >= 0:
            os.close(session.leader)


def test_kill_hup_with_the_terminal_alive_restores_it(url: str) -> None:
    session = _start(url, ignore_hup=False)
    try:
        assert session.read_until(b"public", 30), bytes(session.seen[-2000:])
        mark = len(session.seen)
        session.process.send_signal(signal.SIGHUP)
        assert session.read_until(b"hang-up signal", 20), bytes(session.seen[-1000:])
        assert session.process.wait(timeout=20) == 1
        assert b"\x1b[?1049l" in session.seen[mark:]  # the alternate screen was left: terminal restored
    finally:
        if session.process.poll() is None:
            session.process.kill()
            session.process.wait()
        os.close(session.leader)
