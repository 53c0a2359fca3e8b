"""A known password never reaches the screen, a screenshot, the history or any file dbscope writes,
whether the login works or fails (live, on a throwaway cluster with password authentication)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest

from tests.clusters import Cluster, app_cluster
from tests.conftest import unavailable
from tests.tui.app_support import wait_until
from tui.app import DbscopeApp
from tui.config import data_dir
from tui.core.connspec import parse_url
from tui.widgets.plan_view import PlanView
from tui.widgets.schema_tree import SchemaTree

PASSWORD = "Sw0rdfish-dbscope-Ω"


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    made = app_cluster(
        PASSWORD,
        "CREATE TABLE t (id int PRIMARY KEY, v text); ALTER TABLE t OWNER TO app; "
        "INSERT INTO t SELECT g, 'x' FROM generate_series(1, 500) g",
    )
    if made is None:
        unavailable("PostgreSQL server binaries are not installed")
    assert made is not None
    yield made
    made.destroy()


def _all_files_text(root: Path) -> str:
    if not root.exists():
        return ""
    return "\n".join(p.read_text(errors="replace") for p in root.rglob("*") if p.is_file())


async def test_password_absent_from_screen_screenshot_history_and_files(cluster: Cluster) -> None:
    url = cluster.tcp_url("app", quote(PASSWORD), "appdb")
    app = DbscopeApp(spec=parse_url(url), watch_terminal=False)
    screens: list[str] = []
    async with app.run_test(size=(160, 48)) as pilot:
        tree = app.main_screen.query_one(SchemaTree)
        await wait_until(
            pilot, lambda: app.main_screen.status.connected and bool(tree.root.children), "roots"
        )
        screens.append(app.export_screenshot())
        view = app.main_screen.query_one(PlanView)
        app.main_screen.explain_statement("SELECT * FROM t WHERE id = 7")
        await wait_until(pilot, lambda: view.plan is not None, "the plan")
        screens.append(app.export_screenshot())
        app.main_screen.run_statement("SELECT * FROM no_such_table")  # an error message on screen
        await pilot.pause(0.5)
        screens.append(app.export_screenshot())
        await pilot.press("question_mark")  # help
        await pilot.pause()
        screens.append(app.export_screenshot())
    for svg in screens:
        assert PASSWORD not in svg and quote(PASSWORD) not in svg
        assert "app@127.0.0.1" in svg  # the masked target is shown, the password is not
    written = _all_files_text(data_dir())
    assert PASSWORD not in written and quote(PASSWORD) not in written


def test_failed_login_in_the_tui_prints_one_masked_line(cluster: Cluster) -> None:
    url = cluster.tcp_url("app", quote(PASSWORD + "-wrong"), "appdb")
    done = subprocess.run(
        [sys.executable, "-m", "tui", url],
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 3, (done.stdout[-500:], done.stderr[-500:])
    for stream in (done.stdout, done.stderr):
        assert PASSWORD not in stream and quote(PASSWORD) not in stream
        assert "Traceback" not in stream
    assert "Authentication failed" in done.stderr
