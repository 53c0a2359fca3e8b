"""Live MariaDB/MySQL: a result cut at the cap keeps the user's session. The unbuffered result is
stopped with KILL QUERY from a side connection and the rows in flight are dropped, so user variables,
SET SESSION values and the connection itself survive, and the server stops producing rows."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.live import LiveServer
from tui.adapters.mysql import MySQLAdapter
from tui.core.connspec import parse_url

pytestmark = pytest.mark.live_mysql


@pytest.fixture
def adapter(mysql_scratch: str) -> Iterator[MySQLAdapter]:
    a = MySQLAdapter(parse_url(mysql_scratch))
    a.connect()
    yield a
    a.close()


def _session(adapter: MySQLAdapter) -> tuple[object, ...]:
    return adapter.run("SELECT @marker, @@SESSION.group_concat_max_len, CONNECTION_ID()").rows[0]


def test_a_capped_result_keeps_the_session(adapter: MySQLAdapter, mysql_server: LiveServer) -> None:
    adapter.run("SET @marker = 'kept'")
    adapter.run("SET SESSION group_concat_max_len = 12345")
    before = _session(adapter)
    assert before[:2] == ("kept", 12345)

    # Five million rows on offer: the first 1,000 are kept, the server is stopped, the session stays.
    page = adapter.run("SELECT seq, REPEAT('x', 200) AS pad FROM seq_1_to_5000000", limit=1000)
    assert page.truncated and len(page.rows) == 1000 and page.rows[-1][0] == 1000
    assert _session(adapter) == before
    thread_id = before[2]
    state = mysql_server.execute(
        f"SELECT COMMAND, INFO FROM information_schema.PROCESSLIST WHERE ID = {thread_id}"
    )
    assert state and state[0][0] == "Sleep" and state[0][1] is None, state  # nothing left running

    # A result that was already sent whole before the KILL arrived: the late KILL QUERY must not
    # interrupt the next statement (SLEEP returns 1 when it is killed).
    small = adapter.run("SELECT seq FROM seq_1_to_1500", limit=1000)
    assert small.truncated and len(small.rows) == 1000
    assert adapter.run("SELECT SLEEP(0.2)").rows == [(0,)]
    assert _session(adapter) == before
    assert adapter.run("SELECT COUNT(*) FROM seq_1_to_5000").rows == [(5000,)]
