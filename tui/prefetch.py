"""``SessionPrefetch``: open the session and read the schema tree's first level in a background thread
started by ``tui.launch`` before Textual is imported, so the driver's import, the connection and the
first catalog query overlap Textual's import and first frame instead of following them.

The app takes the result once (``take()``) in its connect worker; the roots go straight into the tree.
Nothing here imports Textual or a driver at module level (the adapter module is imported in the thread).
"""

from __future__ import annotations

import contextlib
import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tui.adapters.base import Adapter
    from tui.core.catalog import CatalogNode
    from tui.core.connspec import ConnectionSpec
    from tui.core.session import ServerInfo


class SessionPrefetch:
    """Connect to ``spec`` and fetch ``roots()`` in a daemon thread; ``take()`` waits and hands over."""

    def __init__(self, spec: ConnectionSpec) -> None:
        self.spec = spec
        self.adapter: Adapter | None = None
        self.server: ServerInfo | None = None
        self.roots: list[CatalogNode] | None = None
        self.error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="dbscope-prefetch", daemon=True)

    def start(self) -> SessionPrefetch:
        self._thread.start()
        return self

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

    @property
    def done(self) -> bool:
        return not self._thread.is_alive()

    def take(self, timeout: float | None = None) -> tuple[Adapter, ServerInfo]:
        """Wait for the thread; return the connected adapter and its server, or raise the error met."""
        self._thread.join(timeout)
        if self._thread.is_alive():
            raise TimeoutError("the session is still opening")
        if self.error is not None:
            if self.adapter is not None:
                with contextlib.suppress(Exception):
                    self.adapter.close()
            raise self.error
        assert self.adapter is not None and self.server is not None
        return self.adapter, self.server

    def take_roots(self) -> list[CatalogNode] | None:
        """The first tree level read with the session, once (later loads ask the adapter)."""
        roots, self.roots = self.roots, None
        return roots

    def discard(self) -> None:
        """Close whatever the thread opened (the app never took it, e.g. it exited first)."""
        self._thread.join(5.0)
        if self.adapter is not None:
            with contextlib.suppress(Exception):
                self.adapter.close()
