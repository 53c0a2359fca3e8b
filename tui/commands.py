"""Command palette providers (ctrl+p): go to any catalog object by name, and dbscope's own commands
(explain, copy DDL, switch theme or database, export the report, reconnect…), namespaced as
"object: …", "explain: …", "theme: …" so they are easy to find by typing."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from textual.command import DiscoveryHit, Hit, Hits, Provider

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
                matcher.highlight(f"object: {name}"),
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
                "database: switch database",
                "Pick another database on this server",
                main.action_switch_database,
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
            ("tree: refresh", "Reload the focused node or object", main.action_refresh),
            ("advisor: toggle the panel", "Show or hide the advisor side panel", main.action_toggle_advisor),
            (
                "advisor: copy the selected finding's DDL",
                "Send the finding's DDL via OSC 52",
                main.action_copy_finding,
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
