"""Benchmark: time to show and paint a 5,000-node plan in the PlanView (budget ≤ 300 ms), and the cost
of navigation (cursor moves must not re-render the tree; while a key is held the node detail waits for
the keys to stop, so a move costs the cursor only).

A cursor move is measured two ways: wall time (key press through Pilot, until the screen is rendered to
terminal segments — includes Pilot's own waiting, shown by a no-op key) and the process's CPU time for
the same (what the move really costs the machine). "single" moves come 0.3 s apart (the node detail is
drawn each time); "held" moves follow each other at once like a held key's repeats.

The plan is PostgreSQL ``EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON)`` of an aggregate over an Append of
N partitions (one Seq Scan each), built in the exact shape PostgreSQL prints so the real parser reads
it (``tui.plans.detect.parse_plan``). Parsing is timed separately from painting.

    python benchmarks/plan_paint.py [--runs 7] [--nodes 5000]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import time

from _common import record
from textual.app import App, ComposeResult

from tui.core.plan import Plan
from tui.plans.detect import parse_plan
from tui.widgets.plan_tree import PlanTree
from tui.widgets.plan_view import PlanView


def scan(i: int) -> dict:
    rows = 1000 + (i * 37) % 900
    return {
        "Node Type": "Seq Scan",
        "Parent Relationship": "Member",
        "Parallel Aware": False,
        "Async Capable": False,
        "Relation Name": f"events_p{i:05d}",
        "Schema": "public",
        "Alias": f"events_{i + 1}",
        "Startup Cost": 0.0,
        "Total Cost": 35.5 + i % 7,
        "Plan Rows": 2550,
        "Plan Width": 12,
        "Actual Startup Time": 0.004,
        "Actual Total Time": 0.1 + (i % 13) / 100,
        "Actual Rows": rows,
        "Actual Loops": 1,
        "Filter": "(kind = 3)",
        "Rows Removed by Filter": 12,
        "Shared Hit Blocks": 9,
        "Shared Read Blocks": i % 3,
        "Shared Dirtied Blocks": 0,
        "Shared Written Blocks": 0,
        "Local Hit Blocks": 0,
        "Local Read Blocks": 0,
        "Local Dirtied Blocks": 0,
        "Local Written Blocks": 0,
        "Temp Read Blocks": 0,
        "Temp Written Blocks": 0,
    }


def make_plan_json(nodes: int) -> str:
    """Aggregate → Append → (nodes - 2) Seq Scans: ``nodes`` plan nodes in all."""
    members = [scan(i) for i in range(nodes - 2)]
    append_time = sum(m["Actual Total Time"] for m in members) + 5.0
    rows = sum(m["Actual Rows"] for m in members)
    append = {
        "Node Type": "Append",
        "Parent Relationship": "Outer",
        "Parallel Aware": False,
        "Async Capable": False,
        "Startup Cost": 0.0,
        "Total Cost": sum(m["Total Cost"] for m in members),
        "Plan Rows": 2550 * len(members),
        "Plan Width": 12,
        "Actual Startup Time": 0.01,
        "Actual Total Time": append_time,
        "Actual Rows": rows,
        "Actual Loops": 1,
        "Subplans Removed": 0,
        "Plans": members,
    }
    root = {
        "Node Type": "Aggregate",
        "Strategy": "Plain",
        "Partial Mode": "Simple",
        "Parallel Aware": False,
        "Async Capable": False,
        "Startup Cost": append["Total Cost"] + 10,
        "Total Cost": append["Total Cost"] + 10.01,
        "Plan Rows": 1,
        "Plan Width": 8,
        "Actual Startup Time": append_time + 40,
        "Actual Total Time": append_time + 40.5,
        "Actual Rows": 1,
        "Actual Loops": 1,
        "Plans": [append],
    }
    return json.dumps(
        [{"Plan": root, "Planning Time": 80.0, "Triggers": [], "Execution Time": append_time + 41}]
    )


class Host(App[None]):
    def compose(self) -> ComposeResult:
        yield PlanView(id="plan")


def _render(app: App[None]) -> None:
    app.screen._compositor.render_full_update().render_segments(app.console)


async def measure(plan: Plan, runs: int) -> dict[str, list[float]]:
    results: dict[str, list[float]] = {
        "paint": [],
        "move": [],
        "move_cpu": [],
        "held": [],
        "held_cpu": [],
        "noop": [],
        "noop_cpu": [],
        "collapse_expand": [],
        "metric": [],
        "idle": [],
    }
    app = Host()
    async with app.run_test(size=(160, 48)) as pilot:
        view = app.query_one(PlanView)
        tree = app.query_one(PlanTree)
        for _ in range(runs):
            view.clear()
            await pilot.pause()
            start = time.perf_counter()
            view.show_plan(plan)
            tree.focus()
            await pilot.pause()
            _render(app)
            results["paint"].append((time.perf_counter() - start) * 1000)

            await pilot.pause(0.3)
            for name, key, gap in (("noop", "x", 0.3), ("move", "down", 0.3), ("held", "down", 0.0)):
                if name == "held":
                    await pilot.press(key)  # the first of a burst still draws the detail
                for _ in range(5):
                    start, cpu = time.perf_counter(), time.process_time()
                    await pilot.press(key)
                    _render(app)
                    results[name].append((time.perf_counter() - start) * 1000)
                    results[f"{name}_cpu"].append((time.process_time() - cpu) * 1000)
                    if gap:
                        await pilot.pause(gap)
            await pilot.pause(0.3)  # the detail of the last held move is drawn

            start = time.perf_counter()
            view.collapse_all()
            view.expand_all()
            await pilot.pause()
            _render(app)
            results["collapse_expand"].append((time.perf_counter() - start) * 1000)

            start = time.perf_counter()
            view.cycle_metric()
            await pilot.pause()
            _render(app)
            results["metric"].append((time.perf_counter() - start) * 1000)

            start = time.perf_counter()
            await pilot.pause()
            results["idle"].append((time.perf_counter() - start) * 1000)
    return results


def report(name: str, values: list[float], budget: float | None = None) -> str:
    median = statistics.median(values)
    line = f"{name}: median {median:.1f} ms, min {min(values):.1f} ms, max {max(values):.1f} ms (n={len(values)})"
    if budget is not None:
        line += f" — budget {budget:.0f} ms: {'OK' if median <= budget else 'OVER'}"
    return line


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--nodes", type=int, default=5000)
    args = parser.parse_args()
    load = os.getloadavg()[0]
    text = make_plan_json(args.nodes)
    parse_times = []
    plan = None
    for _ in range(args.runs):
        start = time.perf_counter()
        plan = parse_plan(text)
        parse_times.append((time.perf_counter() - start) * 1000)
    assert plan is not None
    count = sum(1 for _ in plan.nodes())
    results = asyncio.run(measure(plan, args.runs))
    print(f"PlanView, {count:,}-node PostgreSQL plan (Append over partitions), 160×48 headless")
    print(report("parse (tui.plans, not the widget)", parse_times))
    lines = [
        report("show_plan + paint", results["paint"], 300),
        report("single cursor move, detail drawn: wall (Pilot)", results["move"]),
        report("single cursor move, detail drawn: CPU", results["move_cpu"]),
        report("held key, cursor only: wall (Pilot)", results["held"]),
        report("held key, cursor only: CPU", results["held_cpu"]),
        report("baseline: a key nothing is bound to: wall (Pilot)", results["noop"]),
        report("baseline: a key nothing is bound to: CPU", results["noop_cpu"]),
        report("collapse all + expand all + repaint", results["collapse_expand"]),
        report("metric switch + repaint", results["metric"]),
        report("baseline: one idle Pilot pause (included above)", results["idle"]),
    ]
    print("\n".join(lines))
    paint = statistics.median(results["paint"])
    record(
        "plan-paint",
        "Plan view: 5,000-node plan painted and navigated",
        [
            f"- 1-minute load average at the start: {load:.2f}. Plan: {count:,} nodes (Aggregate → Append "
            f"→ {count - 2:,} Seq Scans), 160×48 headless; parse (not the widget) "
            f"{statistics.median(parse_times):.0f} ms median.",
            f"- Target: painted ≤ 300 ms: **{'met' if paint <= 300 else 'MISSED'}**; navigable without a "
            "full re-render per key press.",
            *[f"- {line}" for line in lines],
        ],
    )


if __name__ == "__main__":
    main()
