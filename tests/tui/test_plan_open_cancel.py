"""Issue 15 (Deliver 5): a 4 MB plan is read in a worker — the UI keeps answering keys while it is read
(no gap over 100 ms between ticks of a 20 ms timer) and ctrl+g stops the reading."""

from __future__ import annotations

import itertools
import time
from pathlib import Path
from typing import ClassVar

import pytest
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Input

from tui.screens.main import CANCELLABLE_GROUPS
from tui.widgets.plan_view import PlanView

LINE = "  ->  Seq Scan on t  (cost=0.00..1.00 rows=1 width=4) (actual time=0.010..0.020 rows=1 loops=1)\n"


def big_plan(path: Path) -> Path:
    path.write_text(
        "Append  (cost=0.00..1.00 rows=1 width=4)\n" + LINE * (4_000_000 // len(LINE)), encoding="utf-8"
    )
    return path


class Host(App[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("x", "count", "count"),
        Binding("ctrl+g", "cancel", "cancel"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.keys = 0
        self.ticks: list[float] = []

    def compose(self) -> ComposeResult:
        yield PlanView(id="plan")

    def on_mount(self) -> None:
        self.query_one(PlanView).tree.focus()
        self.set_interval(0.02, lambda: self.ticks.append(time.perf_counter()))

    def action_count(self) -> None:
        self.keys += 1

    def action_cancel(self) -> None:
        # What MainScreen.cancel_work does for the groups it cancels.
        for worker in list(self.workers):
            if worker.is_running and worker.group in CANCELLABLE_GROUPS:
                worker.cancel()

    def reading(self) -> bool:
        return any(not w.is_finished and w.group == "plan-open" for w in self.workers)


async def _open(app: Host, pilot: object, path: Path) -> None:
    """What `o` + the path + enter do (Pilot's enter would wait for the whole read before returning)."""
    await pilot.press("o")  # type: ignore[attr-defined]
    app.query_one("#plan-open-input", Input).value = str(path)
    view = app.query_one(PlanView)
    view.open_path(path)
    view.tree.focus()
    await pilot.pause(0.05)  # type: ignore[attr-defined]


async def test_keys_are_handled_while_a_4mb_plan_is_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = big_plan(tmp_path / "big.txt")
    shown: list[float] = []
    opened = PlanView._opened

    def timed(self: PlanView, path: Path, plan: object) -> None:
        shown.append(time.perf_counter())  # reading is over: the tree is built on the UI thread now
        opened(self, path, plan)  # type: ignore[arg-type]

    monkeypatch.setattr(PlanView, "_opened", timed)
    assert path.stat().st_size > 3_900_000
    app = Host()
    async with app.run_test(size=(120, 30)) as pilot:
        await _open(app, pilot, path)
        assert app.reading()
        app.ticks.clear()
        pressed_while_reading = 0
        while app.reading() and pressed_while_reading < 5:
            await pilot.press("x")
            pressed_while_reading += 1
        assert app.keys == pressed_while_reading >= 1
        while app.reading():
            await pilot.pause(0.02)
        ticks = [t for t in app.ticks if t < shown[0]]  # while the plan was read, before it is shown
        gaps = [b - a for a, b in itertools.pairwise(ticks)]
        assert len(gaps) >= 10 and max(gaps) <= 0.1, f"longest stall {max(gaps):.3f} s"
        await pilot.pause(0.2)
        view = app.query_one(PlanView)
        assert view.plan is not None and len(view.plan.root.children) == 4_000_000 // len(LINE)


async def test_ctrl_g_stops_reading(tmp_path: Path) -> None:
    assert "plan-open" in CANCELLABLE_GROUPS
    path = big_plan(tmp_path / "big.txt")
    app = Host()
    async with app.run_test(size=(120, 30)) as pilot:
        await _open(app, pilot, path)
        assert app.reading()
        await pilot.press("ctrl+g")
        await app.workers.wait_for_complete()
        await pilot.pause(0.1)
        assert app.query_one(PlanView).plan is None
        assert any("Stopped reading" in str(n.message) for n in app._notifications)
