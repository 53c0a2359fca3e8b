"""The workbench half of the main screen: top statements one key from EXPLAIN, the query history, the
outcome of every statement run or explained (history entry, results footer, cancellation), and
switching to another server profile without restarting.

``WorkbenchMixin`` is mixed into ``tui.screens.main.MainScreen`` (``class MainScreen(WorkbenchMixin,
Screen)``) and uses its panes and workers. Textual dispatches a message to every class of the MRO that
defines a handler for it, so ``on_connected`` here runs after MainScreen's own: it resets the
workbench panes after a database or profile switch.

The Top and History tabs are empty until first shown; their widgets are mounted then, so start-up
composes nothing for them.
"""

from __future__ import annotations

import contextlib
import re
import time
from dataclasses import replace
from functools import partial
from typing import TYPE_CHECKING, Any

from textual import work
from textual.widgets import DataTable, Input, Static

from tui.core.errors import Cancelled, DbscopeError, Disconnected
from tui.core.session import ResultPage, StatementStat
from tui.core.sqltext import short_statement
from tui.core.topstat import MYSQL_SAMPLES_HINT, statement_to_explain
from tui.messages import (
    Connected,
    HistoryRecorded,
    ProfileConnected,
    ProfileFailed,
    StatementFailed,
    TopLoaded,
    TopUnavailable,
)
from tui.widgets.safetext import safe_text

if TYPE_CHECKING:
    from tui.adapters.base import Adapter
    from tui.app import DbscopeApp
    from tui.history import HistoryEntry, QueryHistory
    from tui.widgets.history_view import HistoryView
    from tui.widgets.top_statements import TopStatements

TOP_LIMIT = 50
# Sorts every adapter's top_statements() accepts; other columns are sorted in the loaded rows.
SERVER_SORTS = ("total", "mean", "calls")
ENTER_URL = "enter a URL…"
# Workers that use the adapter and are cancelled when another session replaces it.
ADAPTER_GROUPS = frozenset({"catalog", "detail", "query", "explain", "advisor", "databases", "schema", "top"})
# A generic plan that still failed on a parameter: the user gives the values instead.
_PARAMETER_ERROR = re.compile(r"parameter \$\d+")
PG_VALUES_HELP = (
    "No generic plan could be made of this normalized statement ({reason}). Replace each $1, $2… with "
    "a representative value (a typical customer id, a real status…). ctrl+e explains it, escape cancels."
)


def _status_of(error: BaseException | None, cancelled: bool) -> str:
    if error is None:
        return "ok"
    if cancelled or isinstance(error, Cancelled):
        return "cancelled"
    if isinstance(error, DbscopeError):
        return f"error: {error.title}: {error.message}"
    return f"error: {type(error).__name__}: {error}"


class WorkbenchMixin:
    """Top statements, history, statement outcomes and profile switching for the main screen."""

    # Provided by MainScreen / Screen (declared for type checkers only).
    if TYPE_CHECKING:
        dbscope: DbscopeApp
        centre: Any
        status: Any
        detail: Any
        schema_pane: Any
        app: Any

        def query_one(self, *args: Any, **kwargs: Any) -> Any: ...
        def notify(self, *args: Any, **kwargs: Any) -> None: ...
        def post_message(self, message: Any) -> bool: ...
        def focus_pane(self, pane: Any) -> None: ...
        def explain_statement(
            self,
            query: str,
            *,
            analyze: bool = False,
            calls: int | None = None,
            mean_time_ms: float | None = None,
        ) -> None: ...
        def run_statement(self, query: str) -> None: ...
        def _show_error(self, error: BaseException, action: str) -> None: ...
        async def panes_ready(self) -> None: ...

        query_editor: Any
        plan_view: Any
        results_grid: Any
        advisor_panel: Any

    _top_widget: TopStatements | None = None
    _history_widget: HistoryView | None = None
    _explaining_top: tuple[str, StatementStat] | None = None  # (text sent to EXPLAIN, its statement)

    # -- history ----------------------------------------------------------------------------------
    def current_history(self) -> QueryHistory | None:
        """The history file of the connection in use (its current database); None before connecting."""
        from tui.config import data_dir
        from tui.history import QueryHistory

        app = self.dbscope
        spec = app.spec
        if spec is None:
            return None
        server = app.adapter.server if app.adapter is not None else None
        if server is not None and server.database and server.database != spec.database:
            spec = replace(spec, database=server.database)
        return QueryHistory.for_connection(spec, data_dir())

    def record_statement(
        self,
        query: str,
        kind: str,
        started: float,
        *,
        rows: int | None = None,
        duration_ms: float | None = None,
        error: BaseException | None = None,
        cancelled: bool = False,
    ) -> None:
        """Write the history entry of a statement (from a worker thread) and, when it failed, post
        StatementFailed so the screen shows why. Never raises: history must not break a run."""
        elapsed = duration_ms if duration_ms is not None else (time.perf_counter() - started) * 1000
        adapter = self.dbscope.adapter
        database = adapter.server.database if adapter is not None and adapter.server is not None else ""
        try:
            history = self.current_history()
            if history is not None:
                history.record(
                    query,
                    duration_ms=round(elapsed, 3),
                    rows=rows,
                    status=_status_of(error, cancelled),
                    database=database,
                    kind=kind,
                )
                self.post_message(HistoryRecorded())
        except OSError as exc:
            self.post_message(StatementFailed(exc, "writing the query history", "history"))
        if error is not None:
            if cancelled and not isinstance(error, Cancelled):
                error = Cancelled(
                    f"{short_statement(query, 80)} was cancelled", hint="the server was asked to stop it"
                )
            self.post_message(StatementFailed(error, query, kind))

    async def on_statement_failed(self, message: StatementFailed) -> None:
        error, kind = message.error, message.kind
        if kind == "history":
            self.notify(
                f"Could not write the query history: {error}", severity="warning", timeout=6, markup=False
            )
            return
        if kind == "top":
            if self._top_widget is not None:
                self._top_widget.show_unavailable(str(getattr(error, "message", error)))
            self._show_error(error, "reading statement statistics")
            return
        if kind == "run":
            await self.panes_ready()
            if isinstance(error, Cancelled):
                text = f"cancelled — {error.message}"
            elif isinstance(error, DbscopeError):
                text = f"{error.title}: {error.message}"
            else:
                text = f"{type(error).__name__}: {error}"
            self.results_grid.show_page(ResultPage([], [], [], status=" ".join(text.split())))
            self.centre.active = "results"
            self.results_grid.focus()  # a focus left in a hidden tab would bring that tab back
        if kind == "explain" and self._values_after_failure(message.query, error):
            return
        verb = {"run": "running", "explain": "explaining", "analyze": "analyzing"}.get(kind, kind)
        if isinstance(error, Cancelled):
            hint = f" ({error.hint})" if error.hint else ""
            self.notify(
                f"{error.message}{hint}",
                title=f"Cancelled: {short_statement(message.query, 40)}",
                severity="warning",
                markup=False,
            )
            return
        self._show_error(error, f"{verb} {short_statement(message.query, 40)!r}")

    def on_history_recorded(self, message: HistoryRecorded) -> None:
        view = self._history_widget
        if view is not None and view.is_mounted:
            view.reload(view.query_one(Input).value)

    # -- the Top and History tabs ----------------------------------------------------------------
    async def _ensure_top(self) -> TopStatements:
        if self._top_widget is None:
            from tui.widgets.top_statements import TopStatements

            self._top_widget = TopStatements(id="top-statements")
            host = self.query_one("#top-host")
            await host.query("#top-placeholder").remove()
            await host.mount(self._top_widget)
        return self._top_widget

    async def _ensure_history(self) -> HistoryView | None:
        if self._history_widget is None:
            history = self.current_history()
            if history is None:
                return None
            from tui.widgets.history_view import HistoryView

            self._history_widget = HistoryView(history, id="history-view")
            host = self.query_one("#history-host")
            await host.query("#history-placeholder").remove()
            await host.mount(self._history_widget)
        return self._history_widget

    async def on_tabbed_content_tab_activated(self, event: Any) -> None:
        """A click on the Top or History tab fills it like `t` / `h` do."""
        if getattr(event.tabbed_content, "id", None) != "centre":
            return
        pane = event.pane.id
        if pane == "top" and self._top_widget is None:
            await self.action_top()
        elif pane == "history" and self._history_widget is None:
            await self.action_history()

    async def action_top(self) -> None:
        """Show the Top tab and (re)load the server's statement statistics."""
        widget = await self._ensure_top()
        self.centre.active = "top"
        widget.query_one(DataTable).focus()
        self.load_top()

    def load_top(self) -> None:
        adapter = self.dbscope.adapter
        widget = self._top_widget
        if widget is None:
            return
        if adapter is None or not self.status.connected:
            self.notify("Not connected.", title="Top statements", severity="warning")
            return
        sort = widget.sort_key if widget.sort_key in SERVER_SORTS else "total"
        engine = adapter.server.engine if adapter.server is not None else adapter.engine
        if widget.sort_key == "no_index" and engine in ("mysql", "mariadb"):
            sort = "no_index"  # the digest table sorts by it: the statements that use no index at all
        widget.query_one("#top-summary", Static).update("Reading the server's statement statistics…")
        self._load_top(sort)

    @work(thread=True, exclusive=True, exit_on_error=False, group="top", description="reading top statements")
    def _load_top(self, sort: str) -> None:
        adapter = self.dbscope.adapter
        if adapter is None:
            return
        cap = adapter.capabilities.statement_stats
        # MongoDB's profiler may hold operations while profiling is off: its adapter says which.
        if not cap.available and adapter.engine != "mongodb":
            self.post_message(TopUnavailable(cap.reason or "this server keeps no statement statistics"))
            return
        try:
            stats = adapter.top_statements(limit=TOP_LIMIT, sort=sort)
        except NotImplementedError as exc:
            self.post_message(TopUnavailable(str(exc)))
            return
        except Disconnected as exc:
            self.post_message(StatementFailed(exc, "reading statement statistics", "top"))
            return
        except DbscopeError as exc:
            reason = exc.message if not exc.hint or exc.hint == exc.message else f"{exc.message} — {exc.hint}"
            self.post_message(TopUnavailable(reason))
            return
        except Exception as exc:
            self.post_message(TopUnavailable(f"{type(exc).__name__}: {exc}"))
            return
        engine = adapter.server.engine if adapter.server is not None else adapter.engine
        self.post_message(TopLoaded(list(stats), engine))

    def on_top_loaded(self, message: TopLoaded) -> None:
        if self._top_widget is not None:
            self._top_widget.show_statements(message.stats, message.engine)  # type: ignore[arg-type]

    def on_top_unavailable(self, message: TopUnavailable) -> None:
        if self._top_widget is not None:
            self._top_widget.show_unavailable(message.reason)

    async def on_top_statements_open(self, message: Any) -> None:
        await self.open_in_editor(message.stat.query)

    def on_top_statements_refresh(self, message: Any) -> None:
        self.load_top()

    def on_top_statements_explain(self, message: Any) -> None:
        self.explain_top(message.stat, analyze=message.analyze)

    def explain_top(self, stat: StatementStat, *, analyze: bool = False) -> None:
        """EXPLAIN a top statement; the advisor ranks its index suggestions by calls × time saved (the
        statement's calls and mean time). PostgreSQL's ``$1`` statements get a generic plan from the
        adapter (values are asked only if that fails on a parameter); a MySQL/MariaDB digest's ``?``
        need values: the sample text when the server kept one, else the user types them. A statement
        without a plan (COMMIT, SET, DDL) is named as such instead of failing on the server."""
        adapter = self.dbscope.adapter
        engine = adapter.server.engine if adapter is not None and adapter.server is not None else ""
        choice = statement_to_explain(stat, engine)
        if choice.query is not None:
            self._explaining_top = (choice.query, stat)
            self.explain_statement(
                choice.query, analyze=analyze, calls=stat.calls, mean_time_ms=stat.mean_time_ms
            )
            return
        if not choice.needs_values:
            self.notify(
                f"{short_statement(stat.query, 60)}: {choice.reason}.",
                title="Nothing to explain",
                severity="warning",
                markup=False,
            )
            return
        sample = str(stat.extra.get("sample") or "")
        help_text = (
            "The server keeps this statement normalized: replace each ? (and each (...) list) with "
            "representative values (a typical customer id, a real status…). ctrl+e explains it, escape "
            f"cancels. To skip this next time, {MYSQL_SAMPLES_HINT}."
        )
        self._ask_values(stat, sample or stat.query, help_text, analyze)

    def _ask_values(self, stat: StatementStat, text: str, help_text: str, analyze: bool) -> None:
        from tui.screens.prompts import ValuesModal

        def explain_with(typed: str | None) -> None:
            if typed:
                self._explaining_top = None
                self.explain_statement(
                    typed, analyze=analyze, calls=stat.calls, mean_time_ms=stat.mean_time_ms
                )

        self.app.push_screen(ValuesModal(text, help=help_text), explain_with)

    def _values_after_failure(self, query: str, error: BaseException) -> bool:
        """The generic plan of a top ``$n`` statement failed on a parameter: ask the user for values.
        True when the prompt is shown."""
        pending, self._explaining_top = self._explaining_top, None
        if pending is None or pending[0] != query or not isinstance(error, DbscopeError):
            return False
        if isinstance(error, Cancelled | Disconnected) or not _PARAMETER_ERROR.search(error.message):
            return False
        reason = " ".join(error.message.split())
        self._ask_values(pending[1], query, PG_VALUES_HELP.format(reason=reason), False)
        return True

    async def action_history(self) -> None:
        view = await self._ensure_history()
        self.centre.active = "history"
        if view is None:
            self.notify("No connection yet, so no history.", title="History", severity="warning")
            return
        view.reload(view.query_one(Input).value)
        view.query_one(DataTable).focus()

    async def on_history_view_open(self, message: Any) -> None:
        await self.open_in_editor(message.entry.query)

    def on_history_view_rerun(self, message: Any) -> None:
        self.rerun(message.entry)

    def rerun(self, entry: HistoryEntry) -> None:
        """Run (or explain, or analyze) a history entry again, through the same checks as the editor."""
        adapter = self.dbscope.adapter
        if adapter is None or not self.status.connected:
            self.notify("Not connected.", title="History", severity="warning")
            return
        if entry.kind in ("explain", "analyze"):
            self.explain_statement(entry.query, analyze=entry.kind == "analyze")
            return
        self.run_statement(entry.query)  # the gate reviews it in a worker, as any run

    async def open_in_editor(self, statement: str) -> None:
        """Append ``statement`` to the query editor's buffer, cursor on it, and show the Query tab."""
        await self.panes_ready()
        editor = self.query_editor
        kept = editor.text.rstrip()
        # The user's buffer stays (undo works); the statement follows after one blank line, and the
        # previous last statement gets its ';' so the two are not read as one.
        separator = ("" if kept.endswith(";") else ";") + "\n\n" if kept else ""
        start = editor.document.get_location_from_index(len(kept))
        editor.replace(separator + statement.strip(), start, editor.document.end)
        editor.move_cursor(editor.document.end)
        self.centre.active = "query"
        editor.focus()

    # -- switching server profile -----------------------------------------------------------------
    def action_switch_profile(self) -> None:
        from tui.screens.picker import PickerModal

        settings = self.dbscope.settings
        names = sorted(settings.profiles)
        current = None
        spec = self.dbscope.spec
        if spec is not None:
            current = next((n for n in names if settings.profiles[n].url == spec.url), None)

        def chosen(name: str | None) -> None:
            if not name:
                return
            if name == ENTER_URL:
                self._ask_url()
            elif name != current:
                self.switch_profile(name)

        self.app.push_screen(PickerModal("Switch server profile", [*names, ENTER_URL], current), chosen)

    def _ask_url(self) -> None:
        from tui.screens.prompts import UrlModal

        def entered(url: str | None) -> None:
            if url:
                self.switch_profile(url)

        self.app.push_screen(UrlModal(), entered)

    def switch_profile(self, target: str) -> None:
        """Connect to ``target`` (a profile name or a URL) in a worker; on success it replaces the
        session, on failure the current one stays."""
        from tui.core.connspec import mask_secrets

        label = mask_secrets(target)
        # The status bar shows it as running work (with the cancel key) while the old session serves on.
        self.run_worker(
            partial(self._connect_profile, target, label),
            thread=True,
            exclusive=True,
            exit_on_error=False,
            group="profile",
            description=f"connecting to {label}",
        )

    def _connect_profile(self, target: str, label: str) -> None:
        """Thread worker: open and connect the new adapter; the UI thread swaps it in."""
        from textual.worker import get_current_worker

        from tui.adapters import open_adapter

        settings = self.dbscope.settings
        adapter: Adapter | None = None
        try:
            # A switched-to session is read-only unless its profile says read_write = true.
            spec = settings.connection_spec(target)
            try:
                adapter = open_adapter(spec, mongo_sample_size=settings.mongo_sample_size)
            except ValueError as exc:
                from tui.core.errors import UsageError

                raise UsageError(str(exc)) from None
            server = adapter.connect()
        except Exception as exc:
            if adapter is not None:
                # Closing a half-open session must not hide why it failed.
                with contextlib.suppress(Exception):
                    adapter.close()
            self.post_message(ProfileFailed(exc, label))
            return
        if get_current_worker().is_cancelled:  # the cancel key: keep the current session
            with contextlib.suppress(Exception):
                adapter.close()
            self.post_message(ProfileFailed(Cancelled(f"connecting to {label} was cancelled"), label))
            return
        self.post_message(ProfileConnected(adapter, spec, server, label))

    def on_profile_failed(self, message: ProfileFailed) -> None:
        if isinstance(message.error, Cancelled):
            self.notify(
                f"{message.error.message}; the current session stays.", title="Cancelled", markup=False
            )
            return
        self._show_error(message.error, f"connecting to {message.label} (the current session stays)")

    def on_profile_connected(self, message: ProfileConnected) -> None:
        app = self.dbscope
        old = app.adapter
        for worker in list(self.app.workers):
            if worker.is_running and worker.group in ADAPTER_GROUPS:
                worker.cancel()
        app.adapter = message.adapter  # type: ignore[assignment]
        app.spec = message.spec  # type: ignore[assignment]
        if old is not None and old is not message.adapter:
            self._close_adapter(old)
        self.post_message(Connected(message.server, reason="switch"))

    @work(thread=True, exit_on_error=False, group="close", description="closing the old session")
    def _close_adapter(self, adapter: Adapter) -> None:
        with contextlib.suppress(Exception):  # the old session may already be gone; nothing to tell
            adapter.close()

    async def on_connected(self, message: Connected) -> None:
        """After MainScreen's own handler: a switch (database or profile) starts the workbench over."""
        if message.reason != "switch":
            return
        await self.panes_ready()
        self.plan_view.clear()
        self.advisor_panel.clear()
        self.results_grid.clear()
        detail = self.detail
        detail.detail = None
        for table in detail.query(DataTable):
            table.clear()
        if self._top_widget is not None:
            self._top_widget.show_statements([], message.server.engine)
            self._top_widget.query_one("#top-summary", Static).update(
                safe_text(
                    f"Connected to {message.server.database or message.server.engine}: press r to read its "
                    "statement statistics."
                )
            )
        if self._history_widget is not None:
            history = self.current_history()
            if history is not None:
                self._history_widget.history = history
                self._history_widget.reload(self._history_widget.query_one(Input).value)
