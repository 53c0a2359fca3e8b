"""The real ``dbscope`` TUI with a recorder attached, for benchmarks/tree_scale.py (run inside tmux).

    python benchmarks/_tree_driver.py OUT.json URL

Runs ``tui.cli.main([URL])`` unchanged, wrapping a few methods as their modules get imported (so the
start-up order is the app's own) to record, with
``time.perf_counter()`` stamps: a 10 ms timer's ticks on the app's event loop (a gap between two ticks
is how long the loop could not run: a frame stall), the tree's expansions and finished loads, each
filter search (the text and ``SchemaPane.last_search_ms``). On exit the record goes to OUT.json; the
process id goes to OUT.json.pid at start (for ``ps -o rss``). Nothing here changes what the app does.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import json
import os
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

HERE = Path(__file__).resolve().parent
RECORD: dict[str, Any] = {"ticks": [], "expanded": [], "loaded": [], "searches": [], "started": 0.0}


def _patch_app(module: ModuleType) -> None:
    DbscopeApp = module.DbscopeApp
    original_mount = DbscopeApp.on_mount

    def on_mount(self: Any) -> None:
        original_mount(self)
        self.set_interval(0.01, lambda: RECORD["ticks"].append(time.perf_counter()))

    DbscopeApp.on_mount = on_mount


def _patch_tree(module: ModuleType) -> None:
    SchemaPane, SchemaTree = module.SchemaPane, module.SchemaTree
    original_expanded = SchemaTree.on_tree_node_expanded

    def on_tree_node_expanded(self: SchemaTree, event: Any) -> None:
        data = event.node.data
        RECORD["expanded"].append((time.perf_counter(), data.name if data is not None else None))
        original_expanded(self, event)

    SchemaTree.on_tree_node_expanded = on_tree_node_expanded  # type: ignore[method-assign]

    original_finish = SchemaTree._finish

    def _finish(self: SchemaTree, node: Any, total: int, name: str) -> None:
        original_finish(self, node, total, name)
        RECORD["loaded"].append((time.perf_counter(), name, total))

    SchemaTree._finish = _finish  # type: ignore[method-assign]

    original_search = SchemaPane._search

    def _search(self: SchemaPane, text: str) -> None:
        original_search(self, text)
        RECORD["searches"].append((time.perf_counter(), text, self.last_search_ms))

    SchemaPane._search = _search  # type: ignore[method-assign]


PATCHES: dict[str, Callable[[ModuleType], None]] = {
    "tui.app": _patch_app,
    "tui.widgets.schema_tree": _patch_tree,
}


class _AfterImport(importlib.abc.MetaPathFinder):
    """Patch a module right after it is executed, wherever the app imports it."""

    def find_spec(
        self, name: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if name not in PATCHES:
            return None
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is None or spec.loader is None:
            return None
        loader = spec.loader
        execute = loader.exec_module

        def exec_module(module: ModuleType) -> None:
            execute(module)
            PATCHES[name](module)

        loader.exec_module = exec_module  # type: ignore[method-assign]
        return spec


def main() -> int:
    out, url = Path(sys.argv[1]), sys.argv[2]
    Path(f"{out}.pid").write_text(str(os.getpid()))
    RECORD["started"] = time.perf_counter()
    sys.path.insert(0, str(HERE.parent))
    sys.meta_path.insert(0, _AfterImport())
    import tui.cli

    try:
        return tui.cli.main([url])
    finally:
        out.write_text(json.dumps(RECORD))


if __name__ == "__main__":
    raise SystemExit(main())
