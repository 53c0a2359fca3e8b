"""Command palette providers (ctrl+p): go to any catalog object by name, and dbscope's own commands
(explain, run, open a plan file, copy or save DDL, migration script, export the report, switch theme
or database, reconnect, cancel…), namespaced as "object: …", "explain: …", "plan: …", "theme: …" so
they are easy to find by typing. Every feature of the app is reachable from here (tests check it)."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.markup import escape

from tui.core import termsafe

if TYPE_CHECKING:
    from tui.screens.main import MainScreen

MAX_OBJECT_HITS = 40


def _main_screen(provider: Provider) -> MainScreen | None:
    from tui.screens.main import MainScreen

    for screen in provider.app.screen_stack:
        if isinstance(screen, MainScreen):
            return screen
    return None


class ObjectProvider(Provider):
    """Objects of the loaded catalog by name; one more hit loads every name from the server."""

    async def discover(self) -> Hits:
        main = _main_screen(self)
        if main is not None:
            yield DiscoveryHit(
                "object: load all names for searching",
                partial(_load_all_names, main),
                help="Fetch the objects of every schema not expanded yet, so the palette and `/` find them",
            )

    async def search(self, query: str) -> Hits:
        main = _main_screen(self)
        if main is None or not query.strip():
            return
        tree = main.schema_pane.tree
        matches, total = tree.index.search(query, MAX_OBJECT_HITS)
        matcher = self.matcher(query)
        for rank, entry in enumerate(matches):
            name = entry.node.qualified_name
            score = max(matcher.match(name), 0.5) - rank * 0.001
            yield Hit(
                score,
                # highlight() reads markup: a name is sanitized and escaped first.
                matcher.highlight(escape(f"object: {termsafe.line(name)}")),
                partial(main.schema_pane.jump_to, entry.tree_node_id),
                text=name,
                help=f"{entry.node.kind.replace('_', ' ')} — open it"
                + (f" ({total:,} matches, {len(matches)} shown)" if total > len(matches) else ""),
            )
        name = "object: load all names for searching"
        if (score := matcher.match(name)) > 0 or not matches:
            yield Hit(
                score or 0.1,
                name,
                partial(_load_all_names, main),
                help=f"Nothing loaded matches {query!r}? Fetch every schema's objects, then search again",
            )


def _load_all_names(main: MainScreen) -> None:
    count = main.schema_pane.tree.prefetch_containers()
    if count:
        main.notify(
            f"Loading the objects of {count:,} schema(s) and folder(s) in the background; "
            "search again with ctrl+p or / when the status bar is idle.",
            title="Loading names",
        )
    else:
        main.notify("Every loaded schema's objects are already known.", title="Loading names")


def _pane(main: MainScreen, widget_type: type[Any]) -> Any:
    """A centre or advisor widget; panes built after the first frame are built now if needed."""
    ensure = getattr(main, "ensure_panes", None)
    if callable(ensure):
        ensure()
    return main.query_one(widget_type)


def _in_tab(main: MainScreen, tab: str, widget_type: type[Any], action: str, *args: object) -> None:
    """Show the centre tab ``tab``, then run ``action`` on its widget (e.g. the plan view's)."""
    widget = _pane(main, widget_type)
    main.centre.active = tab
    getattr(widget, action)(*args)


def _advisor(main: MainScreen, action: str) -> None:
    from tui.widgets.advisor_panel import AdvisorPanel

    getattr(_pane(main, AdvisorPanel), action)()


def _run_current(main: MainScreen) -> None:
    from tui.widgets.query_editor import QueryEditor

    _pane(main, QueryEditor).request_run()


class DbscopeCommands(Provider):
    """dbscope's own commands."""

    def _commands(self) -> list[tuple[str, str, Callable[[], object]]]:
        main = _main_screen(self)
        app = self.app
        commands: list[tuple[str, str, Callable[[], object]]] = [
            (
                "theme: switch theme",
                "Pick a colour theme (dbscope's files or Textual's built-ins)",
                app.action_change_theme,
            ),
            (
                "help: keys of the focused pane",
                "What this pane does and its keys",
                partial(app.run_action, "help"),
            ),
        ]
        if main is None:
            return commands
        from tui.widgets.plan_view import PlanView
        from tui.widgets.results_grid import ResultsGrid

        commands += [
            (
                "explain: the current query",
                "EXPLAIN the statement under the cursor in the query editor",
                main.action_explain,
            ),
            (
                "explain: analyze the current query",
                "EXPLAIN ANALYZE (asks first when the statement writes; rolled back)",
                main.action_explain_analyze,
            ),
            (
                "query: run the current statement",
                "Run the statement under the cursor in the query editor; rows appear in Results",
                partial(_run_current, main),
            ),
            ("query: open the query editor", "Show the Query tab", partial(main.action_centre_tab, "query")),
            (
                "object: show the object tab",
                "Show the opened object's detail",
                partial(main.action_centre_tab, "object"),
            ),
            (
                "plan: show the plan tab",
                "Show the EXPLAIN plan view",
                partial(main.action_centre_tab, "plan"),
            ),
            (
                "results: show the results tab",
                "Show the last statement's rows",
                partial(main.action_centre_tab, "results"),
            ),
            (
                "plan: open a saved plan file",
                "Read an EXPLAIN output of any engine (JSON or text) from a file and show it with findings",
                partial(_in_tab, main, "plan", PlanView, "prompt_open"),
            ),
            (
                "plan: jump to the hottest node",
                "Put the cursor on the node where most of the time (or cost) goes",
                partial(_in_tab, main, "plan", PlanView, "action_hottest"),
            ),
            (
                "plan: switch the metric",
                "Bars show self time, rows, cost, buffers or the estimate error (cycles)",
                partial(_in_tab, main, "plan", PlanView, "action_cycle_metric"),
            ),
            (
                "plan: show the raw EXPLAIN output",
                "What the engine printed, pretty-printed (again to go back to the tree)",
                partial(_in_tab, main, "plan", PlanView, "action_toggle_raw"),
            ),
            (
                "results: export as CSV",
                "Write the result rows to a CSV file and show its path",
                partial(_in_tab, main, "results", ResultsGrid, "action_export", "csv"),
            ),
            (
                "results: export as JSON",
                "Write the result rows to a JSON file and show its path",
                partial(_in_tab, main, "results", ResultsGrid, "action_export", "json"),
            ),
            (
                "database: switch database",
                "Pick another database on this server",
                main.action_switch_database,
            ),
            (
                "connection: switch server profile",
                "Connect to another [profiles] entry or a URL; the current session stays if it fails",
                main.action_switch_profile,
            ),
            (
                "workbench: top statements",
                "The server's slowest statements (pg_stat_statements, digests, profiler); e explains one",
                partial(main.run_action, "top"),
            ),
            (
                "workbench: query history",
                "Statements run on this connection: search, enter opens, ctrl+r runs again",
                partial(main.run_action, "history"),
            ),
            (
                "connection: reconnect",
                "Close and reopen the connection",
                partial(app.run_action, "reconnect"),
            ),
            (
                "connection: cancel running work",
                "Stop the running work here and on the server",
                main.cancel_work,
            ),
            ("tree: filter names", "Filter the schema tree by name as you type", main.action_filter),
            (
                "view: zoom the focused pane",
                "Give the focused pane the whole screen (z or esc restores it)",
                main.action_toggle_zoom,
            ),
            ("tree: refresh", "Reload the focused node or object", main.action_refresh),
            ("advisor: toggle the panel", "Show or hide the advisor side panel", main.action_toggle_advisor),
            (
                "advisor: copy the selected finding's DDL",
                "Send the finding's DDL via OSC 52",
                main.action_copy_finding,
            ),
            (
                "advisor: save the selected finding's DDL to a file",
                "Write the DDL (with its rollback as comments) to a file; the fallback when OSC 52 fails",
                partial(_advisor, main, "save_ddl"),
            ),
            (
                "advisor: save every finding as a migration script",
                "One SQL file with every finding's DDL and the rollback of each",
                partial(_advisor, main, "save_all"),
            ),
            (
                "advisor: plan before and after the suggested index",
                "The plan diff of a finding verified with a hypothetical index (HypoPG)",
                partial(_advisor, main, "show_diff"),
            ),
            (
                "report: export the advisor report",
                "Write the advisor's markdown report to a file",
                main.action_export_report,
            ),
            ("object: copy DDL of the opened object", "Send the DDL via OSC 52", main.detail.action_copy_ddl),
            (
                "object: save DDL of the opened object",
                "Write the DDL to a file and show its path",
                main.detail.action_save_ddl,
            ),
        ]
        return commands

    async def discover(self) -> Hits:
        for title, help_text, callback in self._commands():
            yield DiscoveryHit(title, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help_text, callback in self._commands():
            if (score := matcher.match(title)) > 0:
                yield Hit(score, matcher.highlight(title), callback, text=title, help=help_text)
