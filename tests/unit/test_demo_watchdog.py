"""The demo's watchdog with stand-in processes: it leaves everything alone while the owner lives and
cleans up (signal, then delete the folder) once the owner is gone."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from tui.demo import watchdog


def _sleeper(seconds: int = 60) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-c", f"import time; time.sleep({seconds})"])


def test_the_server_stopping_first_ends_the_guard_without_cleanup(tmp_path: Path) -> None:
    server = _sleeper()
    server.kill()
    server.wait()
    assert watchdog.guard(owner=os.getpid(), postmaster=server.pid, data_dir=tmp_path, poll=0.01) is False
    assert tmp_path.exists()


def test_the_owner_dying_first_stops_the_server_and_removes_its_folder(tmp_path: Path) -> None:
    owner = _sleeper()
    owner.kill()
    owner.wait()  # reaped: the pid no longer exists
    server = _sleeper()
    (tmp_path / "PG_VERSION").write_text("18\n")
    assert watchdog.guard(owner=owner.pid, postmaster=server.pid, data_dir=tmp_path, poll=0.01) is True
    assert server.wait(timeout=5) != 0  # ended by SIGINT (KeyboardInterrupt in the stand-in)
    assert not tmp_path.exists()


def test_a_zombie_counts_as_gone() -> None:
    child = _sleeper()
    child.kill()
    time.sleep(0.2)  # dead but not reaped yet: a zombie until wait()
    assert watchdog.alive(child.pid) is False
    child.wait()
    assert watchdog.alive(child.pid) is False


def test_usage_error_without_arguments() -> None:
    assert watchdog.main(["watchdog"]) == 2
