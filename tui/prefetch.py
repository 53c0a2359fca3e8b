"""``SessionPrefetch``: read the server's description and the schema tree's first level while Textual is
still being imported, so the first frame can show the tree (DESIGN §9 start-up budget).

``tui.launch`` starts it before importing Textual. Two ways, same result for the app:

- On Linux a forked helper process imports the driver, connects, reads ``ServerInfo`` and
  ``roots()``, sends them back pickled through a pipe and exits. It runs on the other core: Python
  threads share one interpreter lock, so a thread's driver import and queries (~0.1 s of CPU) would
  delay Textual's import and first frame by as much. The app then opens its own session in its
  connect worker, after the first frame (``adapter`` stays None here).
- Elsewhere (no ``fork``, or macOS where forking a process that may load system frameworks is unsafe)
  a thread does the same in this process and hands its connected adapter over to the app.

The helper never writes to the terminal (its standard streams go to /dev/null) and never reports an
error itself: when it fails, the app's own connection attempt fails the same way and says why.
Nothing here imports Textual or a driver at module level.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
import sys
import threading
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tui.adapters.base import Adapter
    from tui.core.catalog import CatalogNode
    from tui.core.connspec import ConnectionSpec
    from tui.core.errors import PasswordNeeded
    from tui.core.session import ServerInfo


def fork_supported() -> bool:
    return hasattr(os, "fork") and sys.platform.startswith("linux")


class SessionPrefetch:
    """The server's description and first catalog level, read in a helper process (or thread)."""

    def __init__(self, spec: ConnectionSpec, *, use_fork: bool | None = None) -> None:
        self.spec = spec
        self.use_fork = fork_supported() if use_fork is None else use_fork
        self.adapter: Adapter | None = None  # thread mode only: the connected session itself
        self.server: ServerInfo | None = None
        self.roots: list[CatalogNode] | None = None
        self.error: BaseException | None = None
        self._password_needed: tuple[str, str | None] | None = None  # helper: (message, hint) of the error
        self.child_pid: int | None = None
        self._thread = threading.Thread(target=self._run, name="dbscope-prefetch", daemon=True)

    def start(self) -> SessionPrefetch:
        if self.use_fork:
            try:
                self._start_child()
                return self
            except OSError:
                self.use_fork = False  # no fork after all (limits, sandbox): the thread does it
        self._thread.start()
        return self

    # -- helper process -----------------------------------------------------------------------------
    def _start_child(self) -> None:
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:  # the helper: never returns
            try:
                os.close(read_end)
                _quiet_stdio()
                payload = _read_preview(self.spec)
                with os.fdopen(write_end, "wb") as out:
                    out.write(payload)
            finally:
                os._exit(0)
        os.close(write_end)
        self.child_pid = pid
        self._thread = threading.Thread(
            target=self._receive, args=(pid, read_end), name="dbscope-prefetch", daemon=True
        )
        self._thread.start()

    def _receive(self, pid: int, read_end: int) -> None:
        with os.fdopen(read_end, "rb") as source:
            payload = source.read()
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, 0)
        try:
            preview = pickle.loads(payload) if payload else {}
        except Exception:
            preview = {}
        self.server = preview.get("server")
        self.roots = preview.get("roots")
        needed = preview.get("password_needed")
        if isinstance(needed, tuple) and len(needed) == 2:
            self._password_needed = (str(needed[0]), None if needed[1] is None else str(needed[1]))

    # -- thread -------------------------------------------------------------------------------------
    def _run(self) -> None:
        try:
            from tui.adapters import open_adapter

            self.adapter = open_adapter(self.spec)
            self.server = self.adapter.connect()
        except BaseException as exc:  # handed to the app, which reports it like its own connect
            self.error = exc
            return
        try:
            self.roots = self.adapter.roots()
        except Exception:
            self.roots = None  # the tree loads them itself and reports the error in its own words

    # -- for the app --------------------------------------------------------------------------------
    @property
    def done(self) -> bool:
        return not self._thread.is_alive()

    @property
    def preview_ready(self) -> bool:
        """Done, with a server description and the first catalog level to show."""
        return self.done and self.error is None and self.server is not None and self.roots is not None

    @property
    def password_needed(self) -> PasswordNeeded | None:
        """Done, and the server asked for a password that nobody gave: that error (launch_tui then
        asks for the password, or reports it), else None."""
        from tui.core.errors import PasswordNeeded

        if not self.done:
            return None
        if isinstance(self.error, PasswordNeeded):
            return self.error
        if self._password_needed is not None:
            message, hint = self._password_needed
            return PasswordNeeded(message, hint=hint)
        return None

    def wait(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds for the outcome; whether it is there."""
        if self._thread.is_alive():
            self._thread.join(timeout)
        return self.done

    def take(self, timeout: float | None = None) -> tuple[Adapter, ServerInfo] | None:
        """Thread mode: wait and return the connected adapter and its server, or raise the error met.
        Helper-process mode: None at once (the app opens its own session)."""
        if self.use_fork:
            return None
        self._thread.join(timeout)
        if self._thread.is_alive():
            raise TimeoutError("the session is still opening")
        if self.error is not None:
            if self.adapter is not None:
                with contextlib.suppress(Exception):
                    self.adapter.close()
            raise self.error
        if self.adapter is None or self.server is None:
            return None
        adapter, self.adapter = self.adapter, None
        return adapter, self.server

    def take_roots(self) -> list[CatalogNode] | None:
        """The first tree level read at start-up, once (later loads ask the adapter)."""
        roots, self.roots = self.roots, None
        return roots

    def discard(self) -> None:
        """Close whatever was opened and not taken (the app exited first)."""
        if self.child_pid is not None and not self.done:
            with contextlib.suppress(OSError):
                os.kill(self.child_pid, signal.SIGKILL)  # e.g. still waiting for an unreachable host
        self._thread.join(5.0)
        if self.adapter is not None:
            with contextlib.suppress(Exception):
                self.adapter.close()


def _quiet_stdio() -> None:
    """The helper shares the terminal with the app: nothing it (or the driver) prints may reach it."""
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    os.close(null)


def _read_preview(spec: ConnectionSpec) -> bytes:
    """In the helper process: connect, describe the server, list the first level, close."""
    preview: dict[str, Any] = {}
    try:
        from tui.adapters import open_adapter

        adapter = open_adapter(spec)
        try:
            preview["server"] = adapter.connect()
            preview["roots"] = adapter.roots()
        finally:
            adapter.close()
        return pickle.dumps(preview)
    except BaseException as exc:
        from tui.core.errors import PasswordNeeded

        if isinstance(exc, PasswordNeeded):
            # launch_tui asks for it before the first frame (plain strings: nothing else to unpickle)
            return pickle.dumps({"password_needed": (exc.message, exc.hint)})
        return b""  # the app's own connection attempt reports what went wrong
