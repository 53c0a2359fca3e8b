"""Regenerate the README's screenshots: start the demo database, drive the real app headlessly and save
SVGs of the main screen, a plan with its hot node, the advisor with a finding and its DDL, and a
MySQL-family plan opened from a recorded file — each in two themes.

    python screenshots/make_screenshots.py                       # lcars + dbscope-light, 160x48
    python screenshots/make_screenshots.py --themes ssh-256 --colors 256 --out /tmp/shots
    python screenshots/make_screenshots.py --sizes 80x24,100x30,160x48,240x60 --out /tmp/shots

``--colors 256`` renders what a 256-colour terminal shows (every colour snapped to the xterm palette,
as Rich does over SSH without truecolor); ``--sizes`` renders every scene at each size (layout review).
The demo server and its data are removed at the end, whatever happens. Timings in the plan vary from
run to run (they are measured); everything else is fixed: sizes, focus, no cursor blink, no toasts.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from rich.color import ColorSystem
from rich.console import Console
from rich.segment import Segment
from rich.style import Style

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from textual.pilot import Pilot  # noqa: E402
from textual.widgets import Input, TextArea  # noqa: E402

from tui.app import DbscopeApp  # noqa: E402
from tui.config import Settings  # noqa: E402
from tui.core.connspec import parse_url  # noqa: E402

DEFAULT_THEMES = ("lcars", "dbscope-light")
SCENES = ("main", "plan", "advisor", "mysql-plan", "help")
PLAN_QUERY = 6  # tui.demo.shop.DEMO_QUERIES: the join whose sort spills, a tree with a clear hot node
MAIN_TABLE = "payments"  # its Indexes tab shows the duplicate index the advisor flags beside it
ADVISOR_QUERY = 0  # the e-mail search: a sequential scan and the index that fixes it, with DDL
MYSQL_PLAN = ROOT / "tests" / "fixtures" / "plans" / "mariadb-analyze-bnl.json"
BUSY = {"catalog", "detail", "advisor", "connect", "schema", "explain", "plan-open", "query"}


async def wait_until(
    pilot: Pilot[int], predicate: Callable[[], object], what: str, timeout: float = 60
) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out waiting for {what}")
        await pilot.pause(0.05)


async def settle(pilot: Pilot[int]) -> None:
    """Wait for every adapter worker, then freeze what moves: cursors, toasts, the work indicator."""
    app = pilot.app
    await wait_until(pilot, lambda: not any(w.is_running and w.group in BUSY for w in app.workers), "idle")
    await pilot.pause(0.3)
    # The footer mounts after the first frame and fills its keys a refresh later.
    await wait_until(pilot, lambda: bool(app.main_screen.query("FooterKey")), "the footer's keys")  # type: ignore[attr-defined]
    for widget in app.screen.query("*"):
        if isinstance(widget, TextArea | Input):
            widget.cursor_blink = False
    app.clear_notifications()
    main = app.main_screen  # type: ignore[attr-defined]
    main.status.work = ""
    await pilot.pause(0.1)


def export_svg(app: DbscopeApp, colors: str, title: str) -> str:
    """The screen as SVG; with ``colors == "256"`` every colour is snapped to the xterm-256 palette."""
    width, height = app.size
    console = Console(
        width=width,
        height=height,
        file=io.StringIO(),
        force_terminal=True,
        color_system="truecolor",
        record=True,
        legacy_windows=False,
        safe_box=False,
    )
    update = app.screen._compositor.render_update(full=True, screen_stack=app._background_screens)
    if colors == "256":
        segments = [_downgrade(segment) for segment in console.render(update)]
        console.print(_Segments(segments))
    else:
        console.print(update)
    return console.export_svg(title=title)


class _Segments:
    def __init__(self, segments: list[Segment]) -> None:
        self.segments = segments

    def __rich_console__(self, console: Console, options: object) -> list[Segment]:
        return self.segments


def _downgrade(segment: Segment) -> Segment:
    style = segment.style
    if style is None or segment.control:
        return segment
    color = style.color.downgrade(ColorSystem.EIGHT_BIT) if style.color else None
    bgcolor = style.bgcolor.downgrade(ColorSystem.EIGHT_BIT) if style.bgcolor else None
    return Segment(segment.text, style + Style(color=color, bgcolor=bgcolor), segment.control)


# -- scenes ----------------------------------------------------------------------------------------


async def scene_main(pilot: Pilot[int]) -> None:
    """The shop schema expanded, a table open on its Indexes tab with its findings, the tree focused."""
    from textual.widgets import TabbedContent

    from tui.widgets.detail_pane import DetailPane
    from tui.widgets.schema_tree import SchemaTree

    app = pilot.app
    main = app.main_screen  # type: ignore[attr-defined]
    tree = main.query_one(SchemaTree)
    await wait_until(pilot, lambda: tree.root.children and tree.root.children[0].data is not None, "roots")
    shop = next(n for n in tree.root.children if n.data is not None and n.data.name == "shop")
    if not shop.is_expanded:
        tree.move_cursor(shop)
        await pilot.press("space")
    await wait_until(pilot, lambda: shop.children and shop.children[0].data is not None, "shop's tables")
    table = next(n for n in shop.children if n.data is not None and n.data.name == MAIN_TABLE)
    tree.move_cursor(table)
    tree.focus()
    await pilot.press("enter")
    detail = main.query_one(DetailPane)
    await wait_until(pilot, lambda: detail.detail is not None, f"the detail of shop.{MAIN_TABLE}")
    detail.query_one("#detail-tabs", TabbedContent).active = "tab-indexes"
    tree.focus()
    await settle(pilot)


async def _explain(pilot: Pilot[int], sql: str) -> None:
    from tui.widgets.plan_view import PlanView
    from tui.widgets.query_editor import QueryEditor

    main = pilot.app.main_screen  # type: ignore[attr-defined]
    editor = main.query_one(QueryEditor)
    editor.load_text(sql + ";\n")
    editor.move_cursor((0, 0))
    view = main.query_one(PlanView)
    before = view.plan
    main.explain_statement(sql, analyze=True)
    await wait_until(pilot, lambda: view.plan is not None and view.plan is not before, "the plan", 120)
    await wait_until(
        pilot,
        lambda: not any(w.is_running and w.group == "explain" for w in pilot.app.workers),
        "advice",
        120,
    )


async def scene_plan(pilot: Pilot[int]) -> None:
    """EXPLAIN ANALYZE of a demo query, the cursor on the hottest node, the plan tree focused."""
    from tui.demo.shop import DEMO_QUERIES
    from tui.widgets.plan_view import PlanView

    await _explain(pilot, DEMO_QUERIES[PLAN_QUERY].sql)
    main = pilot.app.main_screen  # type: ignore[attr-defined]
    view = main.query_one(PlanView)
    view.jump_to_hottest()
    view.tree.focus()
    await settle(pilot)


async def scene_advisor(pilot: Pilot[int]) -> None:
    """The advisor on the plan of a demo query: the first finding with DDL selected, the panel focused."""
    from tui.demo.shop import DEMO_QUERIES
    from tui.widgets.advisor_panel import AdvisorPanel

    await _explain(pilot, DEMO_QUERIES[ADVISOR_QUERY].sql)
    main = pilot.app.main_screen  # type: ignore[attr-defined]
    if not main._advisor_visible():
        main.action_toggle_advisor()
    panel = main.query_one(AdvisorPanel)
    with_ddl = next((f for f in panel.findings if f.ddl), None)
    if with_ddl is not None:
        panel.select_finding(with_ddl)
    panel.focus()
    await settle(pilot)
    # The reasoning is long: scroll so that its end, the DDL and its rollback are in view.
    detail = panel.query_one("#advisor-detail")
    detail.scroll_to_widget(panel.query_one("#finding-rollback"), animate=False)
    await pilot.pause(0.1)


async def scene_mysql_plan(pilot: Pilot[int]) -> None:
    """A MariaDB ANALYZE FORMAT=JSON plan opened from a file with the plan view's `o` prompt."""
    from tui.widgets.plan_view import PlanView

    main = pilot.app.main_screen  # type: ignore[attr-defined]
    await pilot.press("3")
    view = main.query_one(PlanView)
    before = view.plan
    view.tree.focus()
    await pilot.press("o")
    field = view.query_one("#plan-open-input", Input)
    field.value = str(MYSQL_PLAN.relative_to(ROOT))
    await pilot.press("enter")
    await wait_until(pilot, lambda: view.plan is not None and view.plan is not before, "the MySQL plan")
    view.jump_to_hottest()
    view.tree.focus()
    await settle(pilot)


async def scene_help(pilot: Pilot[int]) -> None:
    """`?` on the plan tree: its description and keys, then the keys that work everywhere."""
    await scene_mysql_plan(pilot)  # settles (no toasts) before the modal covers the screen
    await pilot.press("question_mark")
    await pilot.pause(0.3)
    await settle(pilot)


SCENE_RUNNERS: dict[str, Callable[[Pilot[int]], Awaitable[None]]] = {
    "main": scene_main,
    "plan": scene_plan,
    "advisor": scene_advisor,
    "mysql-plan": scene_mysql_plan,
    "help": scene_help,
}


async def shoot(url: str, theme: str, scene: str, size: tuple[int, int], colors: str, out: Path) -> Path:
    app = DbscopeApp(spec=parse_url(url), settings=Settings(), theme=theme, watch_terminal=False)
    async with app.run_test(size=size) as pilot:
        await scene_main(pilot)
        if scene != "main":
            await SCENE_RUNNERS[scene](pilot)
        suffix = "" if size == DEFAULT_SIZE else f"-{size[0]}x{size[1]}"
        suffix += "-256colors" if colors == "256" else ""
        path = out / f"{scene}-{theme}{suffix}.svg"
        path.write_text(export_svg(app, colors, f"dbscope — {scene} ({theme})"), encoding="utf-8")
    return path


DEFAULT_SIZE = (160, 48)


def _size(text: str) -> tuple[int, int]:
    width, _, height = text.lower().partition("x")
    return int(width), int(height)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--themes", default=",".join(DEFAULT_THEMES), help="comma-separated theme names")
    parser.add_argument("--scenes", default=",".join(SCENES[:4]), help=f"any of {', '.join(SCENES)}")
    parser.add_argument("--sizes", default="160x48", help="comma-separated WIDTHxHEIGHT")
    parser.add_argument("--colors", choices=("truecolor", "256"), default="truecolor")
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent)
    parser.add_argument("--url", help="an already loaded demo database instead of starting one")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    themes = [t for t in args.themes.split(",") if t]
    scenes = [s for s in args.scenes.split(",") if s]
    sizes = [_size(s) for s in args.sizes.split(",") if s]
    unknown = sorted(set(scenes) - set(SCENES))
    if unknown:
        parser.error(f"unknown scene(s): {', '.join(unknown)}")

    session = None
    url = args.url
    if url is None:
        from tui.demo.shop import start_demo

        session = start_demo(lambda step: print(f"demo: {step}", file=sys.stderr))
        url = session.url
    try:
        for theme in themes:
            for scene in scenes:
                for size in sizes:
                    path = asyncio.run(shoot(url, theme, scene, size, args.colors, args.out))
                    print(path)
    finally:
        if session is not None:
            session.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
