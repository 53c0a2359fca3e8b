"""Benchmark: time to load and paint a 1,000 × 50 result page in the ResultsGrid (budget ≤ 200 ms).

Measures, in a headless 160×48 host app, from ``ResultsGrid.show_page(page)`` until the screen's
full update has been rendered to terminal segments (what a real driver writes), plus the cost of one
cursor move (down arrow) repainted. Prints median and spread over the runs.

    python benchmarks/grid_paint.py [--runs 7] [--rows 1000] [--cols 50]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import decimal
import os
import statistics
import time

from _common import record
from textual.app import App, ComposeResult

from tui.core.session import ResultPage
from tui.widgets.results_grid import ResultsGrid


def make_page(rows: int, cols: int) -> ResultPage:
    """Mixed realistic values: ints, decimals, text (some long), NULLs, timestamps, JSON, bytes."""
    base = dt.datetime(2026, 1, 1, 12, 0, 0)
    data = []
    for r in range(rows):
        row = []
        for c in range(cols):
            kind = c % 8
            if kind == 0:
                row.append(r * cols + c)
            elif kind == 1:
                row.append(decimal.Decimal(r) / 7)
            elif kind == 2:
                row.append(f"customer-{r}-{c}")
            elif kind == 3:
                row.append(None if r % 3 == 0 else "lorem ipsum dolor sit amet " * (1 + r % 5))
            elif kind == 4:
                row.append(base + dt.timedelta(minutes=r))
            elif kind == 5:
                row.append({"id": r, "tags": ["a", "b"], "ok": r % 2 == 0})
            elif kind == 6:
                row.append(bytes(range(r % 40)))
            else:
                row.append(r % 2 == 0)
        data.append(tuple(row))
    return ResultPage(
        columns=[f"column_{c}" for c in range(cols)], column_types=["text"] * cols, rows=data, truncated=True
    )


class Host(App[None]):
    def compose(self) -> ComposeResult:
        yield ResultsGrid(id="grid")


def _render(app: App[None]) -> None:
    update = app.screen._compositor.render_full_update()
    update.render_segments(app.console)


async def measure(runs: int, rows: int, cols: int) -> tuple[list[float], list[float], list[float]]:
    page = make_page(rows, cols)
    empty = ResultPage(columns=[], column_types=[], rows=[])
    app = Host()
    paints: list[float] = []
    moves: list[float] = []
    idle: list[float] = []
    async with app.run_test(size=(160, 48)) as pilot:
        grid = app.query_one(ResultsGrid)
        grid.focus()
        for _ in range(runs):
            grid.show_page(empty)
            await pilot.pause()
            start = time.perf_counter()
            grid.show_page(page)
            await pilot.pause()
            _render(app)
            paints.append((time.perf_counter() - start) * 1000)
            start = time.perf_counter()
            await pilot.press("down")
            _render(app)
            moves.append((time.perf_counter() - start) * 1000)
            start = time.perf_counter()
            await pilot.pause()
            idle.append((time.perf_counter() - start) * 1000)
    return paints, moves, idle


def report(name: str, values: list[float], budget: float | None = None) -> str:
    median = statistics.median(values)
    line = f"{name}: median {median:.1f} ms, min {min(values):.1f} ms, max {max(values):.1f} ms (n={len(values)})"
    if budget is not None:
        line += f" — budget {budget:.0f} ms: {'OK' if median <= budget else 'OVER'}"
    return line


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--cols", type=int, default=50)
    args = parser.parse_args()
    load = os.getloadavg()[0]
    paints, moves, idle = asyncio.run(measure(args.runs, args.rows, args.cols))
    lines = [
        report("load + paint", paints, 200),
        report("cursor move (key press) + repaint", moves),
        report("baseline: one idle Pilot pause (included in both above)", idle),
    ]
    print(f"ResultsGrid {args.rows:,} rows × {args.cols} columns, 160×48 headless")
    print("\n".join(lines))
    met = statistics.median(paints) <= 200
    record(
        "grid-paint",
        f"Results grid: {args.rows:,} capped rows × {args.cols} columns painted",
        [
            f"- 1-minute load average at the start: {load:.2f}. Mixed values (ints, decimals, text, NULLs, "
            "timestamps, JSON, bytes, booleans), 160×48 headless, rendered to terminal segments.",
            f"- Target ≤ 200 ms: **{'met' if met else 'MISSED'}**.",
            *[f"- {line}" for line in lines],
        ],
    )


if __name__ == "__main__":
    main()
