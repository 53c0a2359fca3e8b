"""The Textual application: themes, keymap, global keys, the command palette, the session (adapter)
and the terminal watchdog. Panes live on ``tui.screens.main.MainScreen``.

Construct it directly in tests: ``DbscopeApp(spec=parse_url(url))`` or ``DbscopeApp(adapter=...)``.
Nothing on this module's import path imports a database driver, SQLAlchemy or sqlglot: the adapter
module is imported in the connect worker's thread, after the first frame is painted. ``dbscope URL``
also passes a ``tui.prefetch.SessionPrefetch`` started before Textual was imported: when it has read
the server and the first catalog level in time, the first frame shows them (see MainScreen.start_connect).
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual.app import App
from textual.binding import Binding, BindingType

from tui.commands import DbscopeCommands, ObjectProvider
from tui.config import Settings
from tui.core import termsafe
from tui.core.errors import ConnectError, DbscopeError
from tui.keymap import resolve_keymap
from tui.messages import StartupProgress
from tui.screens.main import MainScreen
from tui.themes import ThemeSet, load_themes, resolve_theme_name

if TYPE_CHECKING:
    from textual.notifications import SeverityLevel

    from tui.adapters.base import Adapter
    from tui.core.catalog import CatalogNode
    from tui.core.connspec import ConnectionSpec
    from tui.core.session import ServerInfo
    from tui.prefetch import SessionPrefetch

Prepare = Callable[[Callable[[str], None]], "ConnectionSpec"]
TTY_POLL_SECONDS = 0.5  # how soon a SIGHUP that came while the terminal still answers is seen


class DbscopeApp(App[int]):
    """dbscope's TUI. ``spec`` or ``adapter`` says what to connect to; ``prepare`` (the demo) produces
    the spec in the connect worker while reporting progress."""

    CSS_PATH = Path(__file__).parent / "styles" / "app.tcss"
    TITLE = "dbscope"
    COMMANDS = App.COMMANDS | {ObjectProvider, DbscopeCommands}
    BINDINGS: ClassVar[list[BindingType]] = [
        # Help and quit are always on the status bar's right (the footer is for the focused pane's keys).
        Binding("ctrl+q", "quit", "Quit", show=False, priority=True, id="app.quit", tooltip="Quit dbscope"),
        Binding(
            "question_mark,f1",
            "help",
            "Help",
            show=False,
            key_display="?",
            id="app.help",
            tooltip="What the focused pane does and its keys",
        ),
        Binding(
            "ctrl+g",
            "cancel_work",
            "Cancel",
            show=False,
            id="app.cancel",
            tooltip="Cancel the running work, here and on the server",
        ),
        Binding(
            "ctrl+r",
            "reconnect",
            "Reconnect",
            show=False,
            id="app.reconnect",
            tooltip="Reconnect to the server",
        ),
        Binding(
            "ctrl+t", "change_theme", "Theme", show=False, id="app.theme", tooltip="Switch the colour theme"
        ),
    ]

    def __init__(
        self,
        *,
        spec: ConnectionSpec | None = None,
        adapter: Adapter | None = None,
        settings: Settings | None = None,
        theme: str | None = None,
        prepare: Prepare | None = None,
        watch_terminal: bool = True,
        theme_set: ThemeSet | None = None,
        prefetch: SessionPrefetch | None = None,
    ) -> None:
        super().__init__()
        self.settings = settings or Settings()
        self.adapter = adapter
        self.spec = spec if spec is not None else (adapter.spec if adapter is not None else None)
        self.prepare = prepare
        self.prefetch = prefetch  # a session opening since before Textual was imported (tui.launch)
        self.watch_terminal = watch_terminal
        self.session_started = False
        self.startup_error: BaseException | None = None
        self.themes = theme_set if theme_set is not None else load_themes()
        for spec_ in self.themes.themes.values():
            self.register_theme(spec_.to_textual())
        self.theme = resolve_theme_name(theme or self.settings.theme, self.themes)
        # [keys] by binding id; ids from before the scope.action naming still work (tui.keymap).
        self.keymap_ids, self.renamed_key_ids = resolve_keymap(self.settings.keys)
        if self.keymap_ids:
            self.set_keymap(self.keymap_ids)
        self._had_tty = False
        self.first_frame_shown = False  # Textual's Ready: the first layout is on screen
        self.connect_after_first_frame = False  # set when the first frame shows a prefetched preview
        self.session_opened = threading.Event()  # set by open_session (catalog loads may wait for it)

    # -- lifecycle --------------------------------------------------------------------------------
    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """Every toast (widgets' and screens' ``notify`` land here) passes the terminal sanitizer and is
        never read as markup: messages carry names, paths and server errors (``[mysqld]``, ``[red]``)."""
        del markup
        super().notify(
            termsafe.block(message),
            title=termsafe.line(title),
            severity=severity,
            timeout=timeout,
            markup=False,
        )

    def on_mount(self) -> None:
        self.push_screen(MainScreen())
        if self.prepare is not None:
            from tui.screens.startup import StartupScreen

            self.push_screen(StartupScreen("Starting the demo database"))
        for error in self.themes.errors:
            self.notify(error.one_line(), title="Theme file skipped", severity="warning", timeout=10)
        if self.watch_terminal and not self.is_headless:
            self._had_tty = sys.stdin.isatty()
            if self._had_tty:
                hangup = threading.Event()
                # SIGHUP (the SSH drop's signal) would kill dbscope before it could stop its statement on
                # the server: let the watcher do that, then exit.
                with contextlib.suppress(ValueError):  # only the main thread may set a handler
                    signal.signal(signal.SIGHUP, lambda _signum, _frame: hangup.set())
                watch = threading.Thread(
                    target=self._watch_terminal, args=(hangup,), name="dbscope-tty-watch", daemon=True
                )
                watch.start()

    def on_ready(self) -> None:
        self.first_frame_shown = True
        main = self.main_screen
        if self.connect_after_first_frame:
            # The first frame showed the catalog the helper process read; now open our own session
            # (its driver import would have delayed that frame).
            self.connect_after_first_frame = False
            main.start_connect("connect")
            return  # the panes mount once the session is open (Connected): the session goes first
        if self.prefetch is None or self.prefetch.done:
            # The first frame is out (with the tree when the prefetch was ready in time): now mount
            # the panes it did not need. A pending prefetch does this when it arrives.
            main.call_after_refresh(main.ensure_panes)

    @property
    def main_screen(self) -> MainScreen:
        for screen in self.screen_stack:
            if isinstance(screen, MainScreen):
                return screen
        raise LookupError("main screen not mounted")

    def _watch_terminal(self, hangup: threading.Event) -> None:
        """Exit when the terminal goes away (an SSH drop hangs it up, and sends SIGHUP unless that is
        ignored: nohup, ``trap '' HUP``). Once the terminal is gone Textual's input thread spins on the
        dead descriptor and its output thread can block the event loop, so this runs in its own thread
        and does not rely on that loop: poll() reports the hang-up (POLLHUP/POLLERR/POLLNVAL come
        whatever is asked for), the statement running on the server is cancelled and the sessions
        closed (bounded), and the process exits. A SIGHUP while the terminal still answers (kill -HUP)
        leaves the normal way, which restores the terminal."""
        import select

        gone = True
        try:
            poller = select.poll()
            poller.register(sys.stdin.fileno(), 0)
            while not hangup.is_set() and not poller.poll(TTY_POLL_SECONDS * 1000):
                pass
            gone = bool(poller.poll(200))
        except (OSError, ValueError):
            pass  # no descriptor to watch any more: gone as well
        adapter = self.adapter
        if adapter is not None:
            closing = threading.Thread(target=_stop_session, args=(adapter,), daemon=True)
            closing.start()
            closing.join(timeout=3.0)
        if not gone:
            message = "dbscope: hang-up signal; exiting"
            leaving = threading.Thread(target=self.call_from_thread, args=(self.exit, None, 1, message))
            leaving.daemon = True
            leaving.start()
            time.sleep(5.0)  # the process ends with the app (this thread too); if its loop is stuck, below
        with contextlib.suppress(OSError):
            os.write(2, b"dbscope: the terminal went away; exiting\n")
        os._exit(1)  # nothing can be drawn or restored on a terminal that is gone

    def on_main_screen_ready(self) -> None:
        """Called by the main screen once its first-frame panes are mounted: connect."""
        self.main_screen.start_connect()

    def check_keymap(self) -> None:
        """Warn about [keys] ids no binding has; called once every pane is mounted (ensure_panes)."""
        self._warn_unknown_keys()

    def _warn_unknown_keys(self) -> None:
        if self.renamed_key_ids:
            pairs = ", ".join(f"{old} → {new}" for old, new in self.renamed_key_ids)
            self.notify(f"Renamed binding id(s) in [keys]: {pairs}.", title="Config", timeout=10)
        if not self.keymap_ids:
            return
        known = self.binding_ids()
        unknown = sorted(set(self.keymap_ids) - known)
        if unknown:
            self.notify(
                f"Unknown binding id(s) in [keys]: {', '.join(unknown)}. Known: {', '.join(sorted(known))}",
                title="Config",
                severity="warning",
                timeout=10,
            )

    def binding_ids(self) -> set[str]:
        """Every binding id of the app, its screens and the widgets mounted now (for config checks)."""
        ids: set[str] = set()
        nodes = [self, *self.screen_stack]
        for screen in self.screen_stack:
            nodes.extend(screen.query("*"))
        for node in nodes:
            for bindings in node._bindings.key_to_bindings.values():
                ids.update(b.id for b in bindings if b.id)
        for cls in (MainScreen,):
            ids.update(b.id for b in cls.BINDINGS if isinstance(b, Binding) and b.id)
        return ids

    def keymap_value(self, binding_id: str) -> str | None:
        return self.keymap_ids.get(binding_id)

    # -- session (called from the connect worker's thread) ---------------------------------------
    def open_session(self, reason: str) -> ServerInfo:
        """Connect, reconnect or prepare-then-connect. Blocking: call only from a thread worker."""
        if reason == "reconnect" and self.adapter is not None:
            return self.adapter.reconnect()
        if self.prefetch is not None and self.adapter is None:
            prefetch = self.prefetch
            try:
                taken = prefetch.take()  # a thread's session; None after a helper process
            except BaseException:
                self.prefetch = None
                raise
            if taken is not None:
                self.adapter, server = taken
                self.session_opened.set()
                return server
        if self.spec is None and self.prepare is not None:
            self.spec = self.prepare(self.report_progress)
            self.report_progress(f"connecting to {self.spec.display}")
        if self.adapter is None:
            if self.spec is None:
                raise ConnectError("nothing to connect to", hint="give a URL, a profile name or --demo")
            from tui.adapters import open_adapter

            self.adapter = open_adapter(self.spec, mongo_sample_size=self.settings.mongo_sample_size)
        server = self.adapter.connect()
        self.session_opened.set()
        return server

    def take_prefetched_roots(self) -> list[CatalogNode] | None:
        """The tree's first level read at start-up (once, when it is there by now), else None."""
        prefetch = self.prefetch
        if prefetch is None or not prefetch.done:
            return None
        self.prefetch = None
        return prefetch.take_roots()

    def report_progress(self, text: str) -> None:
        """Thread-safe: a start-up step for the start-up screen."""
        self.post_message(StartupProgress(text))

    def on_startup_progress(self, message: StartupProgress) -> None:
        from tui.screens.startup import StartupScreen

        if isinstance(self.screen, StartupScreen):
            self.screen.add_line(message.text)

    def on_session_ready(self, reason: str) -> None:
        from tui.screens.startup import StartupScreen

        self.session_started = True
        if isinstance(self.screen, StartupScreen):
            self.screen.dismiss(None)
        if reason == "connect" and self.prepare is not None:
            self.call_after_refresh(self._offer_demo_queries)

    def _offer_demo_queries(self) -> None:
        """The demo opens with its slow queries in the query editor (tab 2), ready to explain."""
        from tui.demo.shop import demo_editor_text
        from tui.widgets.query_editor import QueryEditor

        main = self.main_screen
        ensure = getattr(main, "ensure_panes", None)
        if callable(ensure):
            ensure()
        editors = main.query(QueryEditor)
        if editors and not editors.first().text.strip():
            editors.first().load_text(demo_editor_text())

    def fail_startup(self, error: BaseException) -> None:
        """The first connection failed: leave the UI so the CLI prints the one-line error."""
        self.startup_error = error
        code = error.exit_code if isinstance(error, DbscopeError) else 3
        self.exit(return_code=code)

    # -- actions ----------------------------------------------------------------------------------
    def action_help(self) -> None:
        from tui.screens.help import HelpScreen, collect_help

        if isinstance(self.screen, HelpScreen):
            self.screen.dismiss(None)
            return
        self.push_screen(HelpScreen(collect_help(self.screen)))

    def action_cancel_work(self) -> None:
        self.main_screen.cancel_work()

    def action_reconnect(self) -> None:
        if self.adapter is None:
            self.notify("Nothing to reconnect yet.", severity="warning")
            return
        self.main_screen.start_connect("reconnect")


def _stop_session(adapter: Adapter) -> None:
    """Ask the server to stop the running statement and close the connections, ignoring every error."""
    for step in (adapter.cancel, adapter.close):
        with contextlib.suppress(Exception):
            step()
