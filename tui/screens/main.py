"""The main screen: schema tree (left), object detail / query / plan / results tabs (centre), advisor
(right), status bar and footer. It owns the thread workers that call the adapter; each posts a
message from ``tui.messages`` and the handlers here update the widgets."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, ClassVar

from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widget import AwaitMount, Widget
from textual.widgets import Static, TabbedContent, TabPane, Tabs

from tui.clipboard import copy_text, save_and_notify
from tui.core.catalog import CatalogNode
from tui.core.errors import DbscopeError, Disconnected
from tui.core.gate import Review
from tui.core.sqltext import short_statement
from tui.messages import (
    CancelFinished,
    Connected,
    DatabasesListed,
    DetailLoaded,
    FindingsReady,
    ObjectShown,
    OpenObject,
    PlanReady,
    ResultsReady,
    StatementReviewed,
    WorkFailed,
)
from tui.screens.error import error_parts
from tui.screens.workbench import WorkbenchMixin
from tui.widgets.detail_pane import DetailPane
from tui.widgets.footer import FittedFooter
from tui.widgets.safetext import safe_text
from tui.widgets.schema_tree import SchemaPane, SchemaTree
from tui.widgets.status_bar import StatusBar

if TYPE_CHECKING:
    from tui.app import DbscopeApp
    from tui.core.connspec import ConnectionSpec
    from tui.core.session import ServerInfo
    from tui.widgets.advisor_panel import AdvisorPanel
    from tui.widgets.plan_view import PlanView
    from tui.widgets.query_editor import QueryEditor
    from tui.widgets.results_grid import ResultsGrid

# Worker groups the cancel key stops (the tree's loader loop and the cancel request itself excluded).
CANCELLABLE_GROUPS = frozenset(
    {"catalog", "detail", "query", "explain", "advisor", "databases", "schema", "top", "profile", "plan-open"}
)
SESSION_WAIT_S = 15.0  # a catalog load waits this long for a session still opening at start-up
PREVIEW_WAIT_S = 1.0  # the start-up helper process gets this long before we connect without it
_UNTRACKED_GROUPS = frozenset({"tree-loader", "cancel", "default"})
CENTRE_TABS = ("object", "query", "plan", "results", "top", "history")
# From this width the advisor is a column of its own (48) beside the tree (34); below it, it opens over
# the centre with `a`. At 120 columns a column would leave the centre 36 cells, less than at 80.
WIDE_COLUMNS = 140


class AdvisorPane(Vertical, can_focus=True):
    """The right-hand container; focusable itself so `tab` reaches it even while it is empty."""

    PANE_TITLE = "Advisor"
    # Complements AdvisorPanel.HELP (shown first when the panel has the focus).
    HELP = (
        "The panel follows what is selected: a table's schema findings after you open it, a plan's "
        "findings after EXPLAIN or after opening a plan file. `a` shows or hides it (on narrow terminals "
        "it opens over the centre); `z` gives it the whole screen."
    )


class LateFooter(FittedFooter):
    """The footer, mounted after the first frame: it shows the current keys at once (a footer otherwise
    waits for the next change of bindings, which may not come until the user moves the focus)."""

    def on_mount(self) -> None:
        # Textual also runs Footer.on_mount (every class of the MRO gets the message).
        self.bindings_changed(self.screen)


class MainScreen(WorkbenchMixin, Screen[None]):
    """Panes and the workers that feed them."""

    HORIZONTAL_BREAKPOINTS: ClassVar[list[tuple[int, str]]] = [(0, "-narrow"), (WIDE_COLUMNS, "-wide")]
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("tab", "next_pane", "Next pane", show=False, id="app.next_pane"),
        Binding("shift+tab", "previous_pane", "Previous pane", show=False, id="app.previous_pane"),
        Binding(
            "slash",
            "filter",
            "Filter",
            key_display="/",
            id="app.filter",
            tooltip="Filter the schema tree by name",
        ),
        Binding(
            "e",
            "explain",
            "Explain",
            id="app.explain",
            tooltip="EXPLAIN the statement under the editor's cursor",
        ),
        Binding(
            "E",
            "explain_analyze",
            "Analyze",
            show=False,
            id="app.explain_analyze",
            tooltip="EXPLAIN ANALYZE it (asks first when it writes, then rolls back)",
        ),
        Binding("a", "toggle_advisor", "Advisor", id="app.advisor", tooltip="Show or hide the advisor panel"),
        Binding(
            "r",
            "refresh",
            "Refresh",
            show=False,
            id="app.refresh",
            tooltip="Reload the focused node or object",
        ),
        Binding(
            "d",
            "switch_database",
            "Database",
            show=False,
            id="app.database",
            tooltip="Switch to another database on this server",
        ),
        Binding(
            "z",
            "toggle_zoom",
            "Zoom",
            show=False,
            id="app.zoom",
            tooltip="Give the focused pane the whole screen (z or esc restores); for 80-column terminals",
        ),
        Binding("1", "centre_tab('object')", "Object tab", show=False, id="app.tab_object"),
        Binding("2", "centre_tab('query')", "Query tab", show=False, id="app.tab_query"),
        Binding("3", "centre_tab('plan')", "Plan tab", show=False, id="app.tab_plan"),
        Binding("4", "centre_tab('results')", "Results tab", show=False, id="app.tab_results"),
        Binding("t", "top", "Top", id="app.top"),
        Binding("h", "history", "History", show=False, id="app.history"),
        Binding("c", "switch_profile", "Connect", show=False, id="app.profile"),
        Binding("5", "top", "Top tab", show=False, id="app.tab_top"),
        Binding("6", "history", "History tab", show=False, id="app.tab_history"),
    ]

    def __init__(self) -> None:
        super().__init__(id="main")
        self.opened: CatalogNode | None = None
        self.advisor_open: bool | None = None  # None: follow the terminal width
        self._schema_facts: dict[str, object] = {}  # per schema, for the table advisor (reset on switch)
        self._panes_mounted: list[AwaitMount] = []  # ensure_panes() ran: awaitables of its mounts
        self._editor_engine = "postgresql"  # for the query editor when it is built
        self._engine = "postgresql"  # for the detail pane's quoting
        self._preview_shown = False  # the tree shows the start-up helper's catalog (tui.prefetch)
        self._preview_waited = 0.0  # seconds spent waiting for that helper

    @property
    def dbscope(self) -> DbscopeApp:
        return self.app  # type: ignore[return-value]

    # -- layout -----------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        with Horizontal(id="panes"):
            yield SchemaPane(self._catalog_source, id="schema-pane")
            with TabbedContent(id="centre", classes="pane") as centre:
                centre.border_title = "Detail"
                with TabPane("Object", id="object"):
                    yield DetailPane(id="detail")
                # Filled by ensure_panes() after the first frame (or on first use): start-up composes
                # only what the first frame shows.
                yield TabPane("Query", id="query")
                yield TabPane("Plan", id="plan")
                yield TabPane("Results", id="results")
                # Filled on first use (tui.screens.workbench): nothing extra on the start-up path.
                with TabPane("Top", id="top"), Vertical(id="top-host"):
                    yield Static("t reads the server's statement statistics.", id="top-placeholder")
                with TabPane("History", id="history"), Vertical(id="history-host"):
                    yield Static("h shows this connection's query history.", id="history-placeholder")
            with AdvisorPane(id="advisor", classes="pane") as advisor:
                advisor.border_title = "Advisor"
        yield StatusBar(id="status")
        # The footer's key widgets mount with the other panes; its line is kept so nothing moves.
        yield Static("", id="footer-slot")

    def on_mount(self) -> None:
        self.status.cancel_key = self._key_for("app.cancel", "ctrl+g")
        self.status.reconnect_key = self._key_for("app.reconnect", "ctrl+r")
        self.status.where = self.dbscope.spec.display if self.dbscope.spec is not None else ""
        self.status.read_write = bool(self.dbscope.spec and self.dbscope.spec.read_write)
        self.set_interval(0.25, self._poll_work)
        self.query_one(SchemaTree).focus()
        self._apply_advisor()
        self.dbscope.on_main_screen_ready()
        # Without a connection soon, the rest of the UI still appears (ensure_panes is idempotent).
        self.set_timer(1.0, self.ensure_panes)

    def _key_for(self, binding_id: str, default: str) -> str:
        return self.dbscope.keymap_value(binding_id) or default

    @property
    def status(self) -> StatusBar:
        return self.query_one(StatusBar)

    @property
    def schema_pane(self) -> SchemaPane:
        return self.query_one(SchemaPane)

    @property
    def detail(self) -> DetailPane:
        return self.query_one(DetailPane)

    @property
    def centre(self) -> TabbedContent:
        return self.query_one("#centre", TabbedContent)

    # -- panes built after the first frame -------------------------------------------------------
    def ensure_panes(self) -> None:
        """Mount what the first frame does not show: the detail tabs, query editor, plan view, results
        grid, advisor panel and footer (more than half the screen's widgets, and the costliest to style).
        Runs once: after the first frame (the tree in it when the session was prefetched in time), a
        second after start-up at the latest, or as soon as something needs one of them. Mounting
        registers them at once (queries find them); ``panes_ready()`` waits until they are mounted."""
        if self._panes_mounted:
            return
        details = self.query(DetailPane)
        if not details or not details.first().is_mounted:
            # The centre tabs are still being composed (a very fast connection): right after that.
            self.call_after_refresh(self.ensure_panes)
            return
        details.first().engine = self._engine
        from tui.widgets.advisor_panel import AdvisorPanel
        from tui.widgets.plan_view import PlanView
        from tui.widgets.query_editor import QueryEditor
        from tui.widgets.results_grid import ResultsGrid

        with self.app.batch_update():
            self._panes_mounted = [
                self.detail.build_tabs(self._detail_width_estimate()),
                self.query_one("#query", TabPane).mount(
                    QueryEditor(engine=self._editor_engine, id="query-editor")
                ),
                self.query_one("#plan", TabPane).mount(PlanView(id="plan-view")),
                self.query_one("#results", TabPane).mount(ResultsGrid(id="results-grid")),
                self.query_one("#advisor", AdvisorPane).mount(AdvisorPanel(id="advisor-panel")),
                self.mount(LateFooter(id="footer")),
            ]
            self.query("#footer-slot").remove()
        self.dbscope.check_keymap()

    def _set_engine(self, engine: str) -> None:
        """The engine whose quoting the detail pane uses (it may still be composing: kept here too)."""
        self._engine = engine
        self._editor_engine = "mysql" if engine == "mariadb" else engine
        for pane in self.query(DetailPane):
            pane.engine = engine

    def _detail_width_estimate(self) -> int:
        """The detail pane's width from the terminal's and app.tcss's pane widths (before layout)."""
        width = self.app.size.width
        wide = width >= WIDE_COLUMNS
        schema = 34 if wide else 26
        advisor = 48 if wide and self.advisor_open is not False else 0
        return width - schema - advisor - 2

    async def panes_ready(self) -> None:
        """Build the panes if needed and wait until they (and their parts) are mounted."""
        self.ensure_panes()
        for mounted in self._panes_mounted:
            await mounted

    @property
    def query_editor(self) -> QueryEditor:
        self.ensure_panes()
        return self.query_one("#query-editor")  # type: ignore[return-value]

    @property
    def plan_view(self) -> PlanView:
        self.ensure_panes()
        return self.query_one("#plan-view")  # type: ignore[return-value]

    @property
    def results_grid(self) -> ResultsGrid:
        self.ensure_panes()
        return self.query_one("#results-grid")  # type: ignore[return-value]

    @property
    def advisor_panel(self) -> AdvisorPanel:
        self.ensure_panes()
        return self.query_one("#advisor-panel")  # type: ignore[return-value]

    def _advisor_visible(self) -> bool:
        if self.advisor_open is None:
            return self.has_class("-wide")
        return self.advisor_open

    def _apply_advisor(self) -> None:
        self.query_one("#advisor").set_class(not self._advisor_visible(), "-hidden")
        # Zoomed (z), the advisor is laid out like any pane: the overlay layer ignores the footer.
        overlay = self.has_class("-narrow") and self._advisor_visible() and self.maximized is None
        self.set_class(overlay, "-advisor-overlay")

    def watch_maximized(self) -> None:
        self._apply_advisor()

    def on_resize(self) -> None:
        self.call_after_refresh(self._apply_advisor)

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        """Narrow terminals: the advisor drawn over the centre closes when the focus goes elsewhere
        (tab, t, 1–6, a result…), so the focused pane is never hidden under it."""
        if not self.has_class("-advisor-overlay"):
            return
        if self.query_one("#advisor") not in event.widget.ancestors_with_self:
            self.advisor_open = None  # closed here; a wide terminal shows it again
            self._apply_advisor()

    # -- catalog source (runs in the tree's thread worker) ------------------------------------------
    def _catalog_source(self, node: CatalogNode | None) -> list[CatalogNode]:
        app = self.dbscope
        if app.adapter is None and not app.session_started:
            # The tree may show the start-up preview before the session is open: wait for it.
            app.session_opened.wait(SESSION_WAIT_S)
        adapter = app.adapter
        if adapter is None or adapter.server is None:
            raise Disconnected("not connected", hint="wait for the connection, or press ctrl+r")
        return adapter.roots() if node is None else adapter.children(node)

    # -- connection -------------------------------------------------------------------------------
    def start_connect(self, reason: str = "connect") -> None:
        self.status.connected = False
        self.status.state = "connecting…" if reason == "connect" else "reconnecting…"
        app = self.dbscope
        prefetch = app.prefetch
        if reason == "connect" and prefetch is not None and prefetch.use_fork and not app.session_started:
            if not prefetch.done and self._preview_waited < PREVIEW_WAIT_S:
                # The helper process is still reading: the first frame goes out without the tree,
                # the tree follows as soon as the helper answers (checked every 10 ms, briefly).
                self._preview_waited += 0.01
                self.set_timer(0.01, lambda: self.start_connect(reason))
                return
            if prefetch.preview_ready:
                assert prefetch.server is not None
                self._show_preview(prefetch.server, app.take_prefetched_roots() or [])
                if not app.first_frame_shown:
                    app.connect_after_first_frame = True  # the app's Ready opens our own session
                    return
            app.prefetch = None  # whatever it read is shown (or it failed): our own session now
        elif reason == "connect" and prefetch is not None and prefetch.preview_ready:
            # A thread opened the session while Textual started: the first frame shows the tree.
            self.on_connected(Connected(app.open_session(reason), reason=reason))
            return
        self._connect(reason)

    def _show_preview(self, server: ServerInfo, roots: list[CatalogNode]) -> None:
        """What the start-up helper read: the server in the status bar, the first catalog level in the
        tree (its loads wait for the session, which the connect worker opens next)."""
        status = self.status
        status.engine = server.engine
        status.version = server.version
        if self.dbscope.spec is not None:
            status.where = _where(server.user, self.dbscope.spec, server.database)
        self._set_engine(server.engine)
        self._preview_shown = True
        self.schema_pane.tree.load_roots(self._catalog_source, roots=roots)

    @work(thread=True, exclusive=True, exit_on_error=False, group="connect", description="connecting")
    def _connect(self, reason: str) -> None:
        app = self.dbscope
        try:
            server = app.open_session(reason)
        except DbscopeError as exc:
            self.post_message(WorkFailed(exc, "connecting" if reason == "connect" else "reconnecting"))
            return
        except Exception as exc:  # a driver bug must not kill the UI thread silently
            self.post_message(WorkFailed(exc, "connecting"))
            return
        self.post_message(Connected(server, reason=reason))

    def on_connected(self, message: Connected) -> None:
        server = message.server
        app = self.dbscope
        status = self.status
        status.engine = server.engine
        status.version = server.version
        if app.spec is not None:
            status.where = _where(server.user, app.spec, server.database)
            status.read_write = app.spec.read_write and not server.read_only
        status.connected = True
        status.state = "ready"
        self._set_engine(server.engine)
        if self._panes_mounted and self.query_editor.engine != self._editor_engine:
            self.query_editor.set_engine(self._editor_engine)
        app.on_session_ready(message.reason)
        tree = self.schema_pane.tree
        roots = app.take_prefetched_roots() if message.reason == "connect" else None
        if roots is None:
            self.ensure_panes()
        elif app.first_frame_shown:
            self.call_after_refresh(self.ensure_panes)  # after the frame that shows the tree
        # else: the app's Ready (first frame, tree included) calls ensure_panes
        if message.reason == "reconnect" and tree.index.entries:
            tree.retry_failed()
        else:
            self._schema_facts.clear()
            if message.reason == "switch":
                self.opened = None
                self.detail.query_one("#detail-header", Static).update(
                    safe_text(f"Switched to database {server.database}. Open a table with enter.")
                )
            if not (message.reason == "connect" and self._preview_shown):
                tree.load_roots(self._catalog_source, roots=roots)
        if message.reason != "connect":
            self.notify(f"{server.engine} {server.version} · database {server.database}", title="Connected")

    # -- errors -----------------------------------------------------------------------------------
    def on_work_failed(self, message: WorkFailed) -> None:
        self._show_error(message.error, message.action)

    def on_schema_tree_load_failed(self, message: SchemaTree.LoadFailed) -> None:
        what = message.node.qualified_name if message.node is not None else "the catalog"
        self._show_error(message.error, f"loading {what}")

    def _show_error(self, error: BaseException, action: str) -> None:
        app = self.dbscope
        if action == "connecting" and not app.session_started:
            app.fail_startup(error)
            return
        if isinstance(error, Disconnected) or (action.startswith("reconnect")):
            self.status.connected = False
            self.status.state = "disconnected"
        title, message, hint = error_parts(error)
        text = f"While {action}: {message}"
        if hint:
            text += f"\nHint: {hint}"
        if isinstance(error, Disconnected):
            text += f"\nPress {self.status.reconnect_key} to reconnect."
        self.notify(text, title=title, severity="error", timeout=10, markup=False)  # server text: [mysqld]…

    # -- work shown in the status bar ----------------------------------------------------------
    def _poll_work(self) -> None:
        running = [
            worker
            for worker in self.app.workers
            if worker.is_running and worker.group not in _UNTRACKED_GROUPS and worker.group != "connect"
        ]
        text = ""
        if running:
            text = running[-1].description or running[-1].name or running[-1].group
            if len(running) > 1:
                text += f" (+{len(running) - 1} more)"
        if text != self.status.work:
            self.status.work = text

    def on_schema_tree_progress(self, message: SchemaTree.Progress) -> None:
        if message.done < message.total:
            self.status.work = f"adding {message.name}: {message.done:,} of {message.total:,}"
        else:
            self.status.work = ""

    # -- opening objects --------------------------------------------------------------------------
    def on_schema_tree_open_requested(self, message: SchemaTree.OpenRequested) -> None:
        self.open_object(message.node)

    def on_open_object(self, message: OpenObject) -> None:
        self.open_object(message.node)

    def open_object(self, node: CatalogNode) -> None:
        self.opened = node
        self.centre.active = "object"
        header = self.detail.query_one("#detail-header", Static)
        header.update(safe_text(f"loading {node.qualified_name}…"))
        self._load_detail(node)

    @work(thread=True, exclusive=True, exit_on_error=False, group="detail", description="loading detail")
    def _load_detail(self, node: CatalogNode) -> None:
        adapter = self.dbscope.adapter
        try:
            if adapter is None:
                raise Disconnected("not connected")
            detail = adapter.detail(node)
        except Exception as exc:
            self.post_message(WorkFailed(exc, f"opening {node.qualified_name}"))
            return
        self.post_message(DetailLoaded(detail))

    def on_detail_loaded(self, message: DetailLoaded) -> None:
        if self.opened is not None and message.detail.node.qualified_name != self.opened.qualified_name:
            return  # a newer open superseded this one
        self.detail.show_detail(message.detail)
        self.post_message(ObjectShown(message.detail))

    def on_detail_pane_copy_requested(self, message: DetailPane.CopyRequested) -> None:
        if message.save:
            name = self.opened.qualified_name if self.opened else "ddl"
            save_and_notify(self.app, message.text, name, message.what)
        else:
            copy_text(self.app, message.text, message.what)

    # -- panes and keys ---------------------------------------------------------------------------
    def _panes(self) -> list[Widget]:
        panes: list[Widget] = [self.schema_pane, self.centre]
        if self._advisor_visible():
            panes.append(self.query_one("#advisor"))
        return panes

    def _pane_of(self, widget: Widget | None) -> int:
        panes = self._panes()
        node = widget
        while node is not None:
            if node in panes:
                return panes.index(node)
            node = node.parent  # type: ignore[assignment]
        return -1

    def focus_pane(self, pane: Widget) -> None:
        if pane is self.schema_pane:
            if self.schema_pane.filtering:
                self.schema_pane.query_one("#tree-filter").focus()
            else:
                self.schema_pane.tree.focus()
            return
        inside = [w for w in self.focus_chain if pane in w.ancestors]
        chain = [w for w in inside if not isinstance(w, Tabs)]
        if chain:
            chain[0].focus()
        elif inside:
            inside[0].focus()
        elif pane.focusable:
            pane.focus()  # an empty pane (the advisor before any finding) still takes the focus

    def _cycle(self, delta: int) -> None:
        panes = self._panes()
        current = self._pane_of(self.focused)
        target = panes[(current + delta) % len(panes)] if current >= 0 else panes[0]
        self.focus_pane(target)

    def action_next_pane(self) -> None:
        self._cycle(1)

    def action_previous_pane(self) -> None:
        self._cycle(-1)

    def action_filter(self) -> None:
        self.schema_pane.open_filter()

    def action_toggle_advisor(self) -> None:
        self.advisor_open = not self._advisor_visible()
        self._apply_advisor()
        if self.advisor_open:
            self.focus_pane(self.query_one("#advisor"))
        elif self._pane_of(self.focused) < 0:
            self.schema_pane.tree.focus()

    def action_toggle_zoom(self) -> None:
        """Maximize the focused pane (the centre tabs, the tree or the advisor), or restore it."""
        if self.maximized is not None:
            self.minimize()
        else:
            self.action_maximize()

    def action_centre_tab(self, tab: str) -> None:
        self.ensure_panes()
        self.centre.active = tab
        # The focus chain still holds the previous tab's widgets until the switch is laid out.
        self.call_after_refresh(self.focus_pane, self.centre)

    def action_refresh(self) -> None:
        pane = self._pane_of(self.focused)
        if pane == 1 and self.centre.active == "object" and self.opened is not None:
            self.open_object(self.opened)
            return
        if pane == 0 or self.opened is None:
            self.schema_pane.tree.reload()
            return
        self.open_object(self.opened)

    def action_explain(self) -> None:
        self._explain(analyze=False)

    def action_explain_analyze(self) -> None:
        self._explain(analyze=True)

    def _explain(self, *, analyze: bool) -> None:
        query = self._current_statement()
        if query is None:
            self.notify(
                "Type a statement in the Query tab first (2), then press e.",
                title="EXPLAIN",
                severity="warning",
            )
            return
        self.explain_statement(query, analyze=analyze)

    def _current_statement(self) -> str | None:
        """The statement under the query editor's cursor (or its selection), if there is an editor."""
        statement = self.query_editor.current_statement()
        return statement if statement and statement.strip() else None

    def explain_statement(
        self,
        query: str,
        *,
        analyze: bool = False,
        calls: int | None = None,
        mean_time_ms: float | None = None,
    ) -> None:
        """EXPLAIN (ANALYZE) ``query``; a statement that writes needs a confirmation naming it.
        ``calls`` and ``mean_time_ms`` (a top statement's) let the advisor rank index suggestions by
        calls × time saved."""
        adapter = self.dbscope.adapter
        if adapter is None or not self.status.connected:
            self.notify("Not connected.", title="EXPLAIN", severity="warning")
            return
        options: dict[str, object] = {"calls": calls, "mean_time_ms": mean_time_ms}
        self._review(query, "analyze" if analyze else "explain", options)

    @work(
        thread=True, exclusive=True, exit_on_error=False, group="review", description="reading the statement"
    )
    def _review(self, query: str, action: str, options: dict[str, object]) -> None:
        """The gate's review (it may look functions up in the catalog: a driver call, so a worker)."""
        adapter = self.dbscope.adapter
        if adapter is None:
            return
        try:
            checked = adapter.review(query, "run" if action == "run" else action, many=action == "run")
        except Exception as exc:
            self.post_message(WorkFailed(exc, "reading the statement"))
            return
        self.post_message(StatementReviewed(checked, query, action, options))

    def on_statement_reviewed(self, message: StatementReviewed) -> None:
        """Refuse at once what the session cannot send; confirm every write, naming each; send the rest."""
        from tui.core.gate import Review

        checked = message.review if isinstance(message.review, Review) else None
        query, action, options = message.query, message.action, message.options
        calls = options.get("calls") if isinstance(options.get("calls"), int) else None
        mean = options.get("mean_time_ms")
        mean_ms = float(mean) if isinstance(mean, int | float) else None

        def send() -> None:
            if action == "run":
                self._run_query(query)
            else:
                self._run_explain(query, action == "analyze", True, calls, mean_ms)

        if checked is None:  # MongoDB: the adapter refuses a write before sending anything
            if action == "run":
                self._run_query(query)
            else:
                self._run_explain(query, action == "analyze", False, calls, mean_ms)
            return
        title = {"run": "Run", "explain": "EXPLAIN", "analyze": "EXPLAIN ANALYZE"}[action]
        read_write = bool(self.dbscope.spec and self.dbscope.spec.read_write)
        refusal = checked.refusal
        if refusal is None and checked.writes and not read_write and action == "analyze":
            refusal = "EXPLAIN ANALYZE executes the statement, and a read-only session does not run writes"
        if refusal is not None:
            # Refused before anything is sent, and before any question: written to the history like
            # every attempt, and shown where the outcome of the action would be.
            from tui.core.errors import ReadOnlyViolation, UsageError
            from tui.core.sideeffects import READ_ONLY_HINT

            error: Exception = (
                ReadOnlyViolation(f"{refusal}: {short_statement(query)}", hint=READ_ONLY_HINT)
                if not read_write and (checked.read_only_refusal or checked.refusal is None)
                else UsageError(refusal, hint="run the statements one by one")
            )
            self.record_statement(query, action, time.perf_counter(), error=error)
            return
        needs_confirmation = checked.writes and (action == "analyze" or (action == "run" and read_write))
        if not needs_confirmation:
            send()
            return
        from tui.screens.confirm import ConfirmModal

        message_text, label = _confirmation_text(checked, action)

        def confirmed(yes: bool | None) -> None:
            if yes:
                send()

        self.app.push_screen(
            ConfirmModal(
                f"{title} runs {'this statement' if len(checked.statements) == 1 else 'these statements'}",
                message_text,
                detail=_statements_detail(checked),
                confirm_label=label,
            ),
            confirmed,
        )

    @work(thread=True, exclusive=True, exit_on_error=False, group="explain", description="running EXPLAIN")
    def _run_explain(
        self,
        query: str,
        analyze: bool,
        allow_writes: bool,
        calls: int | None = None,
        mean_time_ms: float | None = None,
    ) -> None:
        from textual.worker import get_current_worker

        from tui.plans.detect import parse_plan

        adapter = self.dbscope.adapter
        worker = get_current_worker()
        kind = "analyze" if analyze else "explain"
        started = time.perf_counter()
        try:
            assert adapter is not None
            output = adapter.explain(query, analyze=analyze, allow_writes=allow_writes)
            plan = parse_plan(output.text)
            if plan.query is None:
                plan.query = output.query or query
        except Exception as exc:
            # History, and the reason shown (or "cancelled"), even when the cancel key stopped it.
            self.record_statement(query, kind, started, error=exc, cancelled=worker.is_cancelled)
            return
        self.record_statement(query, kind, started)
        if worker.is_cancelled:
            return
        self.post_message(PlanReady(plan, output.query or query))
        try:
            from tui.advisor.api import advise_plan

            findings = advise_plan(
                plan, query=output.query or query, adapter=adapter, calls=calls, mean_time_ms=mean_time_ms
            )
        except Exception as exc:
            self.post_message(WorkFailed(exc, "advising on the plan"))
            return
        if not worker.is_cancelled:
            self.post_message(
                FindingsReady(list(findings), f"plan of {short_statement(query, 40)}", for_plan=True)
            )

    # -- the query editor's requests --------------------------------------------------------------
    def on_query_editor_explain_requested(self, message: QueryEditor.ExplainRequested) -> None:
        self.explain_statement(message.query, analyze=message.analyze)

    def on_query_editor_run_requested(self, message: QueryEditor.RunRequested) -> None:
        self.run_statement(message.query)

    def run_statement(self, query: str) -> None:
        """Run ``query`` (capped) after the gate's review: refused at once when the session cannot run
        it, confirmed when it writes (--read-write), each statement of a selection sent on its own."""
        adapter = self.dbscope.adapter
        if adapter is None or not self.status.connected:
            self.notify("Not connected.", title="Run", severity="warning")
            return
        self._review(query, "run", {})

    @work(
        thread=True, exclusive=True, exit_on_error=False, group="query", description="running the statement"
    )
    def _run_query(self, query: str) -> None:
        from textual.worker import get_current_worker

        adapter = self.dbscope.adapter
        worker = get_current_worker()
        started = time.perf_counter()
        try:
            assert adapter is not None
            checked = adapter.review(query, many=True)
            statements = [s.text for s in checked.statements] if checked is not None else [query]
            for statement in statements:  # one statement per call; the last one's rows are shown
                page = adapter.run(statement, limit=self.dbscope.settings.result_limit)
                if worker.is_cancelled:
                    break
        except Exception as exc:
            # History, and the reason in the results footer (or "cancelled"), even after the cancel key.
            self.record_statement(query, "run", started, error=exc, cancelled=worker.is_cancelled)
            return
        rows = len(page.rows) if page.columns else page.rowcount
        self.record_statement(query, "run", started, rows=rows, duration_ms=page.elapsed_ms or None)
        # A statement that finished before the cancel reached the server still has its rows.
        self.post_message(ResultsReady(page, query))

    async def on_results_ready(self, message: ResultsReady) -> None:
        await self.panes_ready()
        self.results_grid.show_page(message.page)  # type: ignore[arg-type]
        self.centre.active = "results"
        # Focus follows the tab: a focused widget left in a hidden tab pulls its tab back to the front.
        self.results_grid.focus()

    async def on_plan_ready(self, message: PlanReady) -> None:
        await self.panes_ready()
        view = self.plan_view
        view.show_plan(message.plan)  # type: ignore[arg-type]
        self.centre.active = "plan"
        self.focus_pane(self.centre)

    async def on_findings_ready(self, message: FindingsReady) -> None:
        await self.panes_ready()
        self.advisor_panel.show_findings(message.findings, message.label)  # type: ignore[arg-type]
        if message.for_plan:
            self.plan_view.set_findings(message.findings)  # type: ignore[arg-type]
        if message.findings and not self._advisor_visible():
            self.notify(
                f"{len(message.findings)} finding(s) for the {message.label} — press a to see them.",
                title="Advisor",
                timeout=5,
            )

    def on_object_shown(self, message: ObjectShown) -> None:
        from tui.core.catalog import RELATION_KINDS

        node = message.detail.node
        if node.kind in RELATION_KINDS:
            self._advise_table(node)

    @work(
        thread=True, exclusive=True, exit_on_error=False, group="advisor", description="advising on the table"
    )
    def _advise_table(self, node: CatalogNode) -> None:
        adapter = self.dbscope.adapter
        try:
            assert adapter is not None
            facts = self._schema_facts.get(node.schema or "")
            if facts is None:
                facts = adapter.schema_facts(node.schema)
                self._schema_facts[node.schema or ""] = facts
            from tui.advisor.api import advise_schema

            findings = advise_schema(facts)
        except NotImplementedError:
            return
        except Exception as exc:
            self.post_message(WorkFailed(exc, f"advising on {node.qualified_name}"))
            return
        table = f"{node.schema}.{node.table or node.name}" if node.schema else (node.table or node.name)
        mine = [f for f in findings if f.object and (f.object == table or f.object.startswith(table + "."))]
        self.post_message(FindingsReady(mine, f"table {node.qualified_name}"))

    def on_plan_view_plan_opened(self, message: PlanView.PlanOpened) -> None:
        """A saved plan file was opened (`o`): advise on it like on a plan explained here."""
        self._advise_plan_file(message.plan, message.path.name)

    @work(
        thread=True, exclusive=True, exit_on_error=False, group="advisor", description="advising on the plan"
    )
    def _advise_plan_file(self, plan: object, name: str) -> None:
        from tui.advisor.api import advise_plan

        try:
            # No adapter: the file may come from another server, so nothing is verified on this one.
            findings = advise_plan(plan, query=getattr(plan, "query", None))  # type: ignore[arg-type]
        except Exception as exc:
            self.post_message(WorkFailed(exc, f"advising on {name}"))
            return
        self.post_message(FindingsReady(list(findings), f"plan file {name}", for_plan=True))

    def on_advisor_panel_finding_selected(self, message: AdvisorPanel.FindingSelected) -> None:
        """A plan finding selected in the advisor: the plan tree's cursor follows to its node."""
        from tui.widgets.plan_view import PlanView

        node_id = message.finding.node_id
        views = self.query(PlanView)
        plan = views.first().plan if views else None
        if node_id is None or plan is None:
            return
        node = next((n for n in plan.nodes() if n.node_id == node_id), None)
        if node is not None:
            views.first().select_node(node)

    def action_copy_finding(self) -> None:
        self.advisor_panel.copy_ddl()

    def action_export_report(self) -> None:
        """Write the advisor's markdown report of the whole database to a file (and say where)."""
        if self.dbscope.adapter is None or not self.status.connected:
            self.notify("Not connected.", title="Report", severity="warning")
            return
        self.notify("Reading the schema for the report…", title="Report", timeout=3)
        self._export_report()

    @work(thread=True, exclusive=True, exit_on_error=False, group="schema", description="writing the report")
    def _export_report(self) -> None:
        adapter = self.dbscope.adapter
        try:
            assert adapter is not None
            from tui.advisor.api import advise_schema
            from tui.advisor.report import render_report

            facts = adapter.schema_facts(None)
            text = render_report(facts, advise_schema(facts), server=adapter.server)
        except Exception as exc:
            self.post_message(WorkFailed(exc, "writing the advisor report"))
            return
        name = f"report-{facts.database or 'database'}"
        self.app.call_from_thread(save_and_notify, self.app, text, name, "the advisor report", ".md")

    def action_switch_database(self) -> None:
        if self.dbscope.adapter is None or not self.status.connected:
            self.notify("Not connected.", severity="warning")
            return
        self._list_databases()

    @work(
        thread=True, exclusive=True, exit_on_error=False, group="databases", description="listing databases"
    )
    def _list_databases(self) -> None:
        adapter = self.dbscope.adapter
        try:
            assert adapter is not None
            names = adapter.databases()
            current = adapter.server.database if adapter.server else ""
        except Exception as exc:
            self.post_message(WorkFailed(exc, "listing databases"))
            return
        self.post_message(DatabasesListed(names, current))

    def on_databases_listed(self, message: DatabasesListed) -> None:
        from tui.screens.picker import PickerModal

        if not message.names:
            self.notify("This server offers no other database to switch to.", title="Databases")
            return

        def chosen(name: str | None) -> None:
            if name and name != message.current:
                self.switch_database(name)

        self.app.push_screen(PickerModal("Switch database", message.names, message.current), chosen)

    def switch_database(self, name: str) -> None:
        self.status.connected = False
        self.status.state = f"switching to {name}…"
        self._switch(name)

    @work(thread=True, exclusive=True, exit_on_error=False, group="connect", description="switching database")
    def _switch(self, name: str) -> None:
        adapter = self.dbscope.adapter
        try:
            assert adapter is not None
            server = adapter.switch_database(name)
        except Exception as exc:
            self.post_message(WorkFailed(exc, f"switching to database {name}"))
            if adapter is not None and adapter.server is not None:
                # The adapter fell back to the previous database; show it as connected again.
                self.post_message(Connected(adapter.server, reason="reconnect"))
            return
        self.post_message(Connected(server, reason="switch"))

    # -- cancel -----------------------------------------------------------------------------------
    def cancel_work(self) -> int:
        """Cancel running adapter work: the workers, and the statement on the server."""
        cancelled = 0
        for worker in list(self.app.workers):
            if worker.is_running and worker.group in CANCELLABLE_GROUPS:
                worker.cancel()
                cancelled += 1
        if self.dbscope.adapter is not None:
            self._cancel_on_server()
        if not cancelled:
            self.notify("Nothing is running.", timeout=3)
        return cancelled

    @work(thread=True, exclusive=True, exit_on_error=False, group="cancel", description="cancelling")
    def _cancel_on_server(self) -> None:
        adapter = self.dbscope.adapter
        try:
            sent = bool(adapter and adapter.cancel())
        except Exception:
            sent = False
        self.post_message(CancelFinished(sent))

    def on_cancel_finished(self, message: CancelFinished) -> None:
        if message.sent:
            self.notify("Asked the server to cancel the running statement.", title="Cancel", timeout=4)

    @on(TabbedContent.TabActivated, "#centre")
    def _centre_tab_changed(self, event: TabbedContent.TabActivated) -> None:
        titles = {
            "object": "Detail",
            "query": "Query",
            "plan": "Plan",
            "results": "Results",
            "top": "Top statements",
            "history": "History",
        }
        self.centre.border_title = titles.get(event.pane.id or "", "Detail")


def _where(user: str, spec: ConnectionSpec, database: str) -> str:
    """``user@host:port/db`` from what the server reports, never with a password; unix sockets are
    shown as "local socket" (their directory says little and takes the status bar's width)."""
    host = spec.host or spec.params.get("host") or ""
    if not host or host.startswith("/"):
        host = "local socket"
    port = f":{spec.port}" if spec.port else ""
    who = f"{user}@" if user else ""
    return f"{who}{host}{port}/{database}" if database else f"{who}{host}{port}"


def _confirmation_text(checked: Review, action: str) -> tuple[str, str]:
    """The confirmation's message and button label: how many statements, how many write, and what a
    rollback does not undo."""
    count, writing = len(checked.statements), len(checked.writing)
    lead = f"{count} statement{'s' if count != 1 else ''}, {writing} of them writing. "
    if count == 1:
        lead = "This statement writes. "
    if action == "analyze":
        undone = sorted({n for s in checked.statements for n in s.not_undone})
        text = lead + "EXPLAIN ANALYZE executes it inside a transaction that is always rolled back."
        if undone:
            text += " What it does outside the transaction is not undone: " + "; ".join(undone) + "."
            return text, "Run it"
        return text, "Run and roll back"
    return lead + "This session is READ-WRITE: each runs on its own and is committed.", "Run it"


def _statements_detail(checked: Review) -> str:
    """Every statement in full (the modal scrolls), each write named with its reasons."""
    from tui.core.connspec import mask_secrets
    from tui.core.sqltext import mask_statement

    parts = []
    for i, stmt in enumerate(checked.statements, 1):
        mark = "WRITES: " + "; ".join(stmt.writes) if stmt.writes else "reads"
        parts.append(f"[{i}/{len(checked.statements)}] {mark}\n{mask_secrets(mask_statement(stmt.text))}")
    return "\n\n".join(parts)
