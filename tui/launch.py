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
from tui.core.errors import DbscopeError, PasswordNeeded, UsageError
from tui.credentials import ask_password, can_prompt

if TYPE_CHECKING:
    from collections.abc import Callable

    from tui.core.connspec import ConnectionSpec
    from tui.prefetch import SessionPrefetch


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

    prefetch = _start_prefetch(spec)

    from tui.themes import load_themes, resolve_theme_name

    theme_set = load_themes()
    try:
        theme = resolve_theme_name(getattr(namespace, "theme", None) or settings.theme, theme_set)
    except UsageError:
        if prefetch is not None:
            prefetch.discard()
        raise

    from tui.app import DbscopeApp

    asked = False
    if spec is not None and prefetch is not None and not spec.password and can_prompt():
        # The common case of a missing password: the helper knows before the first frame, so the
        # question is asked on the plain terminal, as psql and mysql ask it.
        prefetch.wait(PASSWORD_CHECK_S)
        needed = prefetch.password_needed
        if needed is not None:
            prefetch.discard()
            if not _ask_into(spec):
                raise needed  # nothing typed (ctrl+c, ctrl+d, enter): the error and where passwords go
            prefetch = _start_prefetch(spec)
            asked = True
    kwargs: dict[str, Any] = {
        "settings": settings,
        "theme": theme,
        "prepare": prepare,
        "theme_set": theme_set,
    }
    try:
        app, code = _run_app(DbscopeApp, spec, prefetch, kwargs)
        if not asked and _password_retry(app, spec) and spec is not None and _ask_into(spec):
            # The server answered after the first frame: asked now, on the restored terminal.
            app, code = _run_app(DbscopeApp, spec, _start_prefetch(spec), kwargs)
    finally:
        _stop_demo(demo_sessions)
    if app.startup_error is not None:
        error = app.startup_error
        if isinstance(error, DbscopeError):
            raise error
        raise DbscopeError(f"{type(error).__name__}: {error}", title="Unexpected error")
    return int(code or app.return_code or 0)


def _run_app(
    app_class: Any, spec: ConnectionSpec | None, prefetch: SessionPrefetch | None, kwargs: dict[str, Any]
) -> tuple[Any, Any]:
    app = app_class(spec=spec, prefetch=prefetch, **kwargs)
    try:
        code = app.run()
    finally:
        if app.prefetch is not None:
            app.prefetch.discard()  # the app left before taking the session
        if app.adapter is not None:
            # Closing a dead connection must not hide the real outcome.
            with contextlib.suppress(Exception):
                app.adapter.close()
    return app, code


PASSWORD_CHECK_S = 0.3  # how long the start waits for the helper's verdict before the first frame


def _start_prefetch(spec: ConnectionSpec | None) -> SessionPrefetch | None:
    if spec is None:
        return None
    # Started before Textual is imported (theme validation imports its colours): the driver's
    # import, the connection and the first catalog query overlap Textual's import and first
    # frame (DESIGN §9 start-up budget).
    from tui.prefetch import SessionPrefetch

    return SessionPrefetch(spec).start()


def _password_retry(app: Any, spec: ConnectionSpec | None) -> bool:
    """The app stopped at start-up because the server wants a password nobody gave, and a person
    at the terminal can type one."""
    return (
        spec is not None
        and not spec.password
        and isinstance(app.startup_error, PasswordNeeded)
        and can_prompt()
    )


def _ask_into(spec: ConnectionSpec) -> bool:
    password = ask_password(spec)
    if password:
        spec.password = password
    return bool(password)


def _stop_demo(demo_sessions: list[Any]) -> None:
    for session in demo_sessions:
        try:
            session.stop()
        except Exception as exc:
            sys.stderr.write(f"dbscope: could not stop the demo server cleanly: {mask_secrets(str(exc))}\n")
    demo_sessions.clear()
