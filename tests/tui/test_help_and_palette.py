"""Discoverability: every binding has an id (so the config's [keys] table can remap it); `?` shows the
focused pane's keys with their ids and the remapped keys as remapped; the command palette finds and
runs each group of commands (tabs, plan, query, advisor, object, database, theme, help, connection)
on a live PostgreSQL database."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.binding import Binding, BindingsMap
from textual.command import CommandPalette
from textual.dom import DOMNode
from textual.widgets import Input

import tui
from tests.live import LiveServer
from tests.tui.app_support import SHOP_SQL, wait_until
from tui.app import DbscopeApp
from tui.config import Settings, load_settings
from tui.core.connspec import parse_url
from tui.core.errors import UsageError
from tui.keymap import LEGACY_BINDING_IDS, resolve_keymap
from tui.screens.help import HelpScreen, describe_focus, key_label
from tui.widgets.advisor_panel import AdvisorPanel
from tui.widgets.plan_view import PlanView
from tui.widgets.schema_tree import SchemaTree

PLANS = Path(__file__).resolve().parent.parent / "fixtures" / "plans"
TEXTUAL_PACKAGES = ("tui.app", "tui.commands", "tui.screens", "tui.widgets")
SCOPED_ID = re.compile(r"[a-z][a-z_]*\.[a-z][a-z_]*")


def _textual_modules() -> Iterator[object]:
    for name in TEXTUAL_PACKAGES:
        module = importlib.import_module(name)
        yield module
        if hasattr(module, "__path__"):
            for info in pkgutil.iter_modules(module.__path__, prefix=f"{name}."):
                yield importlib.import_module(info.name)


def _our_node_classes() -> list[type[DOMNode]]:
    classes: dict[str, type[DOMNode]] = {}
    for module in _textual_modules():
        for _, value in inspect.getmembers(module, inspect.isclass):
            if issubclass(value, DOMNode) and value.__module__.startswith(tui.__name__ + "."):
                classes[f"{value.__module__}.{value.__qualname__}"] = value
    return list(classes.values())


def _our_bindings() -> list[tuple[type[DOMNode], Binding]]:
    return [(cls, binding) for cls in _our_node_classes() for binding in cls.__dict__.get("BINDINGS", [])]


def test_every_binding_of_ours_has_a_unique_scoped_id() -> None:
    classes = _our_node_classes()
    assert len(classes) > 15  # the walk really found the app, its screens and widgets
    bindings = _our_bindings()
    assert len(bindings) > 90
    missing = [f"{cls.__qualname__}: {b!r}" for cls, b in bindings if not isinstance(b, Binding) or not b.id]
    assert missing == []
    # scope.action, lower case: what a user types into [keys] (TOML reads the dot as a nested table,
    # which the config loader joins back)
    badly_named = [
        f"{cls.__qualname__}: {b.id}" for cls, b in bindings if not SCOPED_ID.fullmatch(b.id or "")
    ]
    assert badly_named == []
    owners: dict[str, list[str]] = {}
    for cls, binding in bindings:
        owners.setdefault(binding.id or "", []).append(cls.__qualname__)
    assert {i: o for i, o in owners.items() if len(o) > 1} == {}  # one id, one binding
    # one scope per class; "app." is the keys that work everywhere (the App's and the main screen's)
    scopes: dict[str, set[str]] = {}
    for cls, binding in bindings:
        scopes.setdefault(cls.__qualname__, set()).add((binding.id or "").split(".")[0])
    assert {c: s for c, s in scopes.items() if len(s) > 1} == {}
    assert scopes["DbscopeApp"] == scopes["MainScreen"] == {"app"}
    assert all(s != {"app"} for c, s in scopes.items() if c not in ("DbscopeApp", "MainScreen")), scopes


def test_every_binding_id_is_remappable() -> None:
    """Textual's keymap moves each of our bindings to the key given for its id (what set_keymap does
    with the config's [keys] table), and no other binding of the same widget moves with it."""
    for cls, binding in _our_bindings():
        assert binding.id is not None
        bindings_map = BindingsMap(cls.__dict__["BINDINGS"])
        bindings_map.apply_keymap({binding.id: "f24"})
        moved = bindings_map.key_to_bindings.get("f24", [])
        assert {b.id for b in moved} == {binding.id}, (cls.__qualname__, binding.id)
        for key in binding.key.split(","):
            assert all(b.id != binding.id for b in bindings_map.key_to_bindings.get(key.strip(), []))


def test_keys_table_reads_dotted_and_legacy_ids(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[keys]\nplan.hottest = "H"\n"app.explain" = "x"\nfilter = "f"\n', encoding="utf-8")
    keys = load_settings(config).keys
    assert keys == {"plan.hottest": "H", "app.explain": "x", "filter": "f"}
    resolved, renamed = resolve_keymap(keys)
    assert resolved == {"plan.hottest": "H", "app.explain": "x", "app.filter": "f"}
    assert renamed == [("filter", "app.filter")]
    # every legacy id names a binding that exists now
    current = {b.id for _cls, b in _our_bindings()}
    assert set(LEGACY_BINDING_IDS.values()) <= current
    assert not set(LEGACY_BINDING_IDS) & current
    config.write_text("[keys]\nplan.hottest = 3\n", encoding="utf-8")
    with pytest.raises(UsageError, match=r"plan\.hottest must be a key string"):
        load_settings(config)


def test_key_labels_read_as_typed() -> None:
    assert key_label("question_mark") == "?"
    assert key_label("f1") == "F1"
    assert key_label("ctrl+q") == "ctrl+q"
    assert key_label("shift+tab") == "shift+tab"
    assert key_label("pagedown") == "pgdn"
    assert key_label("escape") == "esc"
    assert key_label("slash") == "/"


def test_describe_focus_joins_nested_help_innermost_first() -> None:
    class Outer(DOMNode):
        PANE_TITLE = "Outer pane"
        HELP = "outer text"

    class Inner(DOMNode):
        HELP = "inner text"

    class Contained(DOMNode):
        HELP = "outer"  # contained in the outer text: dropped

    screen, outer, inner, contained = DOMNode(), Outer(), Inner(), Contained()
    outer._attach(screen)
    inner._attach(outer)
    contained._attach(inner)
    title, text, nodes = describe_focus(screen, contained)
    assert title == "Outer pane"
    assert text == "inner text\n\nouter text"
    assert nodes == {id(contained), id(inner), id(outer)}


# -- live app --------------------------------------------------------------------------------------

pytestmark_live = pytest.mark.live_pg


@pytest.fixture(scope="module")
def shop_url(pg_server: LiveServer) -> Iterator[str]:
    name = f"dbscope_help_{uuid.uuid4().hex[:8]}"
    for url in pg_server.scratch_database(name):
        pg_server.execute(SHOP_SQL, name)
        yield url


def make_app(url: str, keys: dict[str, str] | None = None) -> DbscopeApp:
    return DbscopeApp(spec=parse_url(url), settings=Settings(keys=keys or {}), watch_terminal=False)


async def ready(pilot, app: DbscopeApp) -> None:  # type: ignore[no-untyped-def]
    tree = app.main_screen.query_one(SchemaTree)
    await wait_until(
        pilot,
        lambda: (
            app.main_screen.status.connected
            and bool(tree.root.children)
            and tree.root.children[0].data is not None
        ),
        "the roots",
    )
    await wait_until(pilot, lambda: bool(app.main_screen.query(PlanView)), "the centre panes")


async def palette(pilot, text: str, title: str, *, closes: bool = True) -> None:  # type: ignore[no-untyped-def]
    """Open ctrl+p, type ``text``, wait for the hit titled ``title`` and run it."""
    app = pilot.app
    await pilot.press("ctrl+p")
    await wait_until(pilot, lambda: isinstance(app.screen, CommandPalette), "the palette")
    palette_screen = app.screen
    palette_screen.query_one(Input).value = text

    def hit_index() -> int | None:
        options = palette_screen.query_one("CommandList").options  # type: ignore[attr-defined]
        for index, option in enumerate(options):
            if str(option.prompt).split("\n")[0].strip() == title:
                return index
        return None

    await wait_until(pilot, lambda: hit_index() is not None, f"the palette hit {title!r}")
    command_list = palette_screen.query_one("CommandList")
    command_list.highlighted = hit_index()  # type: ignore[attr-defined]
    await pilot.press("enter")
    if closes:
        await wait_until(pilot, lambda: not isinstance(app.screen, CommandPalette), "the palette to close")
    await pilot.pause()


async def open_plan_file(pilot, app: DbscopeApp, name: str) -> PlanView:  # type: ignore[no-untyped-def]
    await palette(pilot, "plan: open a saved", "plan: open a saved plan file")
    view = app.main_screen.query_one(PlanView)
    assert app.main_screen.centre.active == "plan"
    field = view.query_one("#plan-open-input", Input)
    assert app.focused is field
    field.value = str(PLANS / name)
    await pilot.press("enter")
    await wait_until(pilot, lambda: view.plan is not None, "the plan from the file")
    return view


@pytestmark_live
async def test_help_shows_the_focused_panes_keys_with_ids_and_remaps(shop_url: str) -> None:
    app = make_app(shop_url, keys={"plan.hottest": "H", "app.filter": "f", "app.quit": "ctrl+x"})
    async with app.run_test(size=(160, 48)) as pilot:
        await ready(pilot, app)
        from tui.widgets.status_bar import StatusBar

        assert app.main_screen.query_one(StatusBar).render().plain.endswith("?/F1 help  ctrl+x quit ")
        await pilot.press("f1")
        assert isinstance(app.screen, HelpScreen)
        content = app.screen.content
        assert content.pane == "Schema tree"
        assert "filter" in content.description.lower()  # the pane's own HELP text
        pane = {row.binding_id: row for row in content.pane_keys}
        assert pane["tree.open"].description == "Open" and "enter" in pane["tree.open"].keys.split()
        assert pane["tree.down"].keys.split() == ["j"]
        everywhere = {row.binding_id: row for row in content.global_keys}
        assert everywhere["app.filter"].keys == "f" and everywhere["app.filter"].remapped
        assert everywhere["app.help"].keys.split() == ["?", "F1"]
        assert everywhere["app.quit"].keys == "ctrl+x" and everywhere["app.quit"].remapped
        assert not everywhere["app.advisor"].remapped
        assert all(row.binding_id is None for row in content.standard_keys)
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)

        view = await open_plan_file(pilot, app, "postgres-nested-loop.json")
        view.tree.focus()
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        content = app.screen.content
        assert content.pane == "Plan view"
        assert "hottest" in content.description
        pane = {row.binding_id: row for row in content.pane_keys}
        assert pane["plan.hottest"].keys == "H" and pane["plan.hottest"].remapped
        assert pane["plan.metric"].keys == "m" and not pane["plan.metric"].remapped
        assert pane["plan.down"].keys.split() == ["↓", "j"]
        await pilot.press("escape")

        # The remapped keys work: H jumps to the hottest node, f opens the tree filter.
        view.tree.action_edge(-1)
        await pilot.press("H")
        assert view.selected_node is view.tree.hottest_node
        await pilot.press("f")
        assert app.focused is not None and app.focused.id == "tree-filter"


REQUIRED_COMMANDS = {
    "explain: the current query",
    "explain: analyze the current query",
    "query: run the current statement",
    "plan: open a saved plan file",
    "plan: jump to the hottest node",
    "advisor: toggle the panel",
    "advisor: copy the selected finding's DDL",
    "advisor: save the selected finding's DDL to a file",
    "advisor: save every finding as a migration script",
    "report: export the advisor report",
    "object: save DDL of the opened object",
    "theme: switch theme",
    "database: switch database",
    "connection: switch server profile",
    "connection: reconnect",
    "connection: cancel running work",
    "workbench: top statements",
    "workbench: query history",
    "help: keys of the focused pane",
    "view: zoom the focused pane",
    "tree: filter names",
}


@pytestmark_live
async def test_palette_runs_each_group_of_commands(shop_url: str, tmp_path: Path) -> None:
    app = make_app(shop_url)
    async with app.run_test(size=(160, 48)) as pilot:
        await ready(pilot, app)
        main = app.main_screen

        # every feature has a command (a new user finds it by typing what it does)
        from tui.commands import DbscopeCommands

        titles = {title for title, _, _ in DbscopeCommands(main)._commands()}
        assert titles >= REQUIRED_COMMANDS, sorted(REQUIRED_COMMANDS - titles)

        # tabs
        await palette(pilot, "query: open", "query: open the query editor")
        assert main.centre.active == "query"

        # plan: a saved file opens in the plan view and the advisor analyses it
        view = await open_plan_file(pilot, app, "mariadb-analyze-bnl.json")
        panel = main.query_one(AdvisorPanel)
        await wait_until(
            pilot, lambda: panel.context_label.startswith("plan file"), "the plan file's findings"
        )
        assert panel.context_label == "plan file mariadb-analyze-bnl.json"
        assert any(f.rule == "mysql.join-without-index" for f in panel.findings)
        # the selected finding's node is the plan tree's cursor (the panel leads, the tree follows)
        selected = panel.selected_finding
        assert selected is not None and selected.node_id is not None
        await wait_until(
            pilot,
            lambda: view.selected_node is not None and view.selected_node.node_id == selected.node_id,
            "the plan cursor on the finding's node",
        )
        await palette(pilot, "hottest", "plan: jump to the hottest node")
        assert view.selected_node is view.tree.hottest_node
        metric = view.metric
        await palette(pilot, "plan: switch", "plan: switch the metric")
        assert view.metric != metric
        await palette(pilot, "raw", "plan: show the raw EXPLAIN output")
        assert view.raw_visible

        # advisor: a migration script of every finding with DDL goes to a file
        await palette(pilot, "migration", "advisor: save every finding as a migration script")
        scripts = list(Path(tmp_path / "data").rglob("*.sql"))
        assert scripts, "no migration script written"
        text = scripts[0].read_text(encoding="utf-8")
        assert "ADD INDEX" in text and "DROP INDEX" in text

        # query: run the statement under the cursor
        from tui.widgets.query_editor import QueryEditor
        from tui.widgets.results_grid import ResultsGrid

        editor = main.query_one(QueryEditor)
        editor.load_text("SELECT 6 * 7 AS answer;")
        await palette(pilot, "query: run", "query: run the current statement")
        grid = main.query_one(ResultsGrid)
        await wait_until(pilot, lambda: main.centre.active == "results", "the results")
        await wait_until(pilot, lambda: bool(grid.page.rows), "the rows")
        assert [list(row) for row in grid.page.rows] == [[42]]

        # database, help, theme
        await palette(pilot, "database: switch", "database: switch database")
        from tui.screens.picker import PickerModal

        await wait_until(pilot, lambda: isinstance(app.screen, PickerModal), "the database picker")
        await pilot.press("escape")
        await palette(pilot, "help: keys", "help: keys of the focused pane")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        await palette(pilot, "theme: switch", "theme: switch theme", closes=False)
        picker = app.screen
        assert isinstance(picker, CommandPalette)  # Textual's theme picker is a palette of themes
        picker.query_one(Input).value = "lcars"
        await wait_until(
            pilot,
            lambda: any("lcars" in str(o.prompt) for o in picker.query_one("CommandList").options),  # type: ignore[attr-defined]
            "lcars in the theme picker",
        )
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.theme == "lcars", "the lcars theme")

        # connection: cancel when nothing runs says so
        await palette(pilot, "cancel", "connection: cancel running work")
        assert any("Nothing is running" in str(n.message) for n in app._notifications)


@pytestmark_live
async def test_palette_goes_to_an_object_explains_copies_ddl_and_switches(shop_url: str) -> None:
    """The palette commands the issue names, each run end to end: go to an object by name, explain
    the editor's statement, copy the selected finding's DDL, switch the theme, switch the database."""
    app = make_app(shop_url)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await ready(pilot, app)
        main = app.main_screen
        tree = main.query_one(SchemaTree)

        # object: the shop schema's objects are not loaded yet; the palette offers to load every name
        await palette(pilot, "big_orders", "object: load all names for searching")
        await wait_until(pilot, lambda: tree.index.search("big_orders", 5)[1] > 0, "the names of shop")
        await palette(pilot, "big_orders", "object: shop.big_orders")
        from tui.widgets.detail_pane import DetailPane

        detail = main.query_one(DetailPane)
        await wait_until(
            pilot,
            lambda: detail.detail is not None and detail.detail.node.qualified_name == "shop.big_orders",
            "shop.big_orders opened",
        )
        assert tree.cursor_node is not None and tree.cursor_node.data.name == "big_orders"  # type: ignore[union-attr]

        # explain: the statement under the editor's cursor
        from tui.widgets.query_editor import QueryEditor

        main.query_one(QueryEditor).load_text("SELECT * FROM shop.orders WHERE status = 'new';")
        view = main.query_one(PlanView)
        await palette(pilot, "explain: the", "explain: the current query")
        await wait_until(pilot, lambda: view.plan is not None, "the plan")
        assert main.centre.active == "plan"
        assert "shop.orders" in {n.object for n in view.plan.nodes() if n.object}  # type: ignore[union-attr]

        # advisor: the selected finding's DDL goes to the clipboard (OSC 52) and the user is told
        await open_plan_file(pilot, app, "mariadb-analyze-bnl.json")
        panel = main.query_one(AdvisorPanel)
        await wait_until(pilot, lambda: panel.context_label.startswith("plan file"), "the file's findings")
        with_ddl = next(i for i, f in enumerate(panel.findings) if f.ddl)
        while panel.findings.index(panel.selected_finding) != with_ddl:  # type: ignore[arg-type]
            panel.action_move(1)
            await pilot.pause()
        await palette(pilot, "copy the selected", "advisor: copy the selected finding's DDL")
        finding = panel.selected_finding
        assert finding is not None and finding.ddl
        assert all(statement.strip().rstrip(";") in app.clipboard for statement in finding.ddl)
        assert any(n.title == "Copied DDL" for n in app._notifications)

        # theme: the palette's theme picker lists dbscope's files and Textual's themes
        await palette(pilot, "theme: switch", "theme: switch theme", closes=False)
        picker = app.screen
        assert isinstance(picker, CommandPalette)
        picker.query_one(Input).value = "ssh-256"
        await wait_until(
            pilot,
            lambda: any("ssh-256" in str(o.prompt) for o in picker.query_one("CommandList").options),  # type: ignore[attr-defined]
            "ssh-256 in the theme picker",
        )
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.theme == "ssh-256", "the ssh-256 theme")

        # database: the picker lists the server's databases; the session moves to the one chosen
        from tui.screens.picker import PickerModal

        await palette(pilot, "database: switch", "database: switch database")
        await wait_until(pilot, lambda: isinstance(app.screen, PickerModal), "the database picker")
        await pilot.press(*"postgres")
        await pilot.press("enter")
        await wait_until(
            pilot,
            lambda: main.status.connected and main.status.where.endswith("/postgres"),
            "the session on the postgres database",
        )
        assert app.adapter is not None and app.adapter.server.database == "postgres"  # type: ignore[union-attr]
