"""``launch_tui(namespace) -> int``: what ``dbscope [URL|PROFILE|--demo]`` does before, around and after
the Textual app: load settings, resolve the target and theme, start the demo (stopped on exit, always),
run the app, and turn errors into one line on stderr with exit status 2 (usage) or 3 (connection)."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from typing import TYPE_CHECKING, Any

from tui.config import load_settings
from tui.core.connspec import mask_secrets, parse_url
from tui.core.errors import DbscopeError, UsageError

if TYPE_CHECKING:
    from collections.abc import Callable

    from tui.core.connspec import ConnectionSpec


def _default_target() -> str | None:
    """Without a target, libpq's environment (PGDATABASE/PGHOST/PGSERVICE) still names a server."""
    if any(os.environ.get(name) for name in ("PGDATABASE", "PGHOST", "PGSERVICE")):
        return "postgresql://"
    return None


def launch_tui(namespace: argparse.Namespace) -> int:
    settings = load_settings(
        getattr(namespace, "config", None), statement_timeout=getattr(namespace, "statement_timeout", None)
    )
    read_write = bool(getattr(namespace, "read_write", False))
    spec: ConnectionSpec | None = None
    prepare: Callable[[Callable[[str], None]], ConnectionSpec] | None = None
    demo_sessions: list[Any] = []
    target = getattr(namespace, "target", None)
    if getattr(namespace, "demo", False):
        if target:
            raise UsageError("give either a target or --demo, not both")

        def prepare(progress: Callable[[str], None]) -> ConnectionSpec:
            from tui.demo.shop import start_demo

            session = start_demo(progress)
            demo_sessions.append(session)
            demo_spec = parse_url(session.url)
            demo_spec.read_write = read_write
            demo_spec.statement_timeout_ms = int(settings.statement_timeout_s * 1000)
            demo_spec.lock_timeout_ms = int(settings.lock_timeout_s * 1000)
            return demo_spec

    else:
        target = target or _default_target()
        if not target:
            profiles = ", ".join(sorted(settings.profiles)) or "none saved"
            raise UsageError(
                "no database given",
                hint=f"dbscope postgresql:///mydb, dbscope PROFILE ({profiles}), or dbscope --demo",
            )
        spec = settings.connection_spec(target, read_write=read_write)

    prefetch = None
    if spec is not None:
        # Started before Textual is imported (theme validation imports its colours): the driver's
        # import, the connection and the first catalog query overlap Textual's import and first
        # frame (DESIGN §9 start-up budget).
        from tui.prefetch import SessionPrefetch

        prefetch = SessionPrefetch(spec).start()

    from tui.themes import load_themes, resolve_theme_name

    theme_set = load_themes()
    try:
        theme = resolve_theme_name(getattr(namespace, "theme", None) or settings.theme, theme_set)
    except UsageError:
        if prefetch is not None:
            prefetch.discard()
        raise

    from tui.app import DbscopeApp

    app = DbscopeApp(
        spec=spec, settings=settings, theme=theme, prepare=prepare, theme_set=theme_set, prefetch=prefetch
    )
    try:
        code = app.run()
    finally:
        if app.prefetch is not None:
            app.prefetch.discard()  # the app left before taking the session
        if app.adapter is not None:
            # Closing a dead connection must not hide the real outcome.
            with contextlib.suppress(Exception):
                app.adapter.close()
        for session in demo_sessions:
            try:
                session.stop()
            except Exception as exc:
                sys.stderr.write(
                    f"dbscope: could not stop the demo server cleanly: {mask_secrets(str(exc))}\n"
                )
    if app.startup_error is not None:
        error = app.startup_error
        if isinstance(error, DbscopeError):
            raise error
        raise DbscopeError(f"{type(error).__name__}: {error}", title="Unexpected error")
    return int(code or app.return_code or 0)
