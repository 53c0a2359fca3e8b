"""The lazy schema tree (left pane) and the in-memory name index its filter and the palette search.

Expanding a node shows a "loading…" placeholder and queues the node for a single loader worker that
serves on-demand requests before prefetches. The loader awaits a thread worker that calls the catalog
source (the adapter's ``roots``/``children`` on its catalog connection) and inserts the children in chunks
of ``CHUNK`` with ``await asyncio.sleep(0)`` between chunks, so 10,000 tables never freeze the UI.
Every inserted node goes into ``NameIndex``; filtering searches that index, never the widget tree.
"""

from __future__ import annotations

import asyncio
import gc
import heapq
import itertools
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Input, OptionList, Static, Tree
from textual.widgets.option_list import Option
from textual.widgets.tree import TreeNode
from textual.worker import WorkerCancelled, WorkerFailed

from tui.core.catalog import RELATION_KINDS, CatalogNode
from tui.widgets.safetext import safe_text

CHUNK = 500
# Kinds that `enter` opens in the detail pane (others expand or collapse).
OPENABLE_KINDS = RELATION_KINDS | {"sequence", "function"}
PRIORITY_ON_DEMAND = 0
PRIORITY_PREFETCH = 1
CatalogSource = Callable[[CatalogNode | None], list[CatalogNode]]

# Kinds shown in the tree's colours (CSS component classes would not reach Rich labels per node).
_KIND_STYLE = {
    "database": "bold",
    "schema": "bold",
    "folder": "italic",
    "message": "italic dim",
    "column": "",
    "index": "",
}


@dataclass(slots=True)
class IndexEntry:
    name: str  # lower-cased object name
    qualified: str  # lower-cased qualified name
    node: CatalogNode
    tree_node_id: int


@dataclass(slots=True)
class NameIndex:
    """Every catalog object loaded so far, searchable by name without touching the widget tree."""

    entries: list[IndexEntry] = field(default_factory=list)
    # (query, entry count when searched, matches): lets a longer query scan only the last matches.
    _last: tuple[str, int, list[IndexEntry]] | None = field(default=None, repr=False)

    def add(self, node: CatalogNode, tree_node_id: int) -> None:
        if node.kind in ("folder", "message"):
            return
        self.entries.append(IndexEntry(node.name.lower(), node.qualified_name.lower(), node, tree_node_id))

    def clear(self) -> None:
        self.entries.clear()
        self._last = None

    def remove(self, tree_node_ids: set[int]) -> None:
        self.entries = [e for e in self.entries if e.tree_node_id not in tree_node_ids]
        self._last = None

    def __len__(self) -> int:
        return len(self.entries)

    def search(self, query: str, limit: int = 200) -> tuple[list[IndexEntry], int]:
        """Matches for ``query`` (case-insensitive substring of the name or qualified name), best first:
        exact name, then name prefix, then name substring, then qualified-name substring; relations
        before their columns and indexes. Returns (first ``limit`` matches, total number of matches).

        Typing narrows: when ``query`` extends the previous query, only the previous matches are
        scanned again, so each keystroke costs less than the one before."""
        needle = query.strip().lower()
        if not needle:
            return [], 0
        pool: list[IndexEntry] = self.entries
        previous = self._last
        if previous is not None and needle.startswith(previous[0]) and previous[1] == len(self.entries):
            pool = previous[2]
        found: list[IndexEntry] = []
        keys: list[tuple[int, int, int]] = []
        for position, entry in enumerate(pool):
            name = entry.name
            if needle in name:
                rank = 0 if name == needle else 1 if name.startswith(needle) else 2
            elif needle in entry.qualified:
                rank = 3
            else:
                continue
            found.append(entry)
            keys.append((rank * 2 + (0 if entry.node.kind in RELATION_KINDS else 1), len(name), position))
        self._last = (needle, len(self.entries), found)
        best = heapq.nsmallest(limit, range(len(found)), key=keys.__getitem__)
        return [found[i] for i in best], len(found)


@dataclass(order=True, slots=True)
class _Request:
    priority: int
    sequence: int
    node: TreeNode[CatalogNode | None] = field(compare=False)
    generation: int = field(compare=False, default=0)


def node_label(node: CatalogNode) -> Text:
    """The tree label of a catalog node: its name, then its short type label dimmed."""
    text = safe_text(node.name, _KIND_STYLE.get(node.kind, ""), no_wrap=True, end="")
    if node.type_label:
        text.append(f" {node.type_label}", style="dim")
    return text


class SchemaTree(Tree[CatalogNode | None]):
    """Databases, schemas, relations and their parts, loaded lazily from a catalog source."""

    HELP = (
        "**Schema tree** — the server's objects, loaded as you expand them.\n\n"
        "`enter` opens a table or view in the detail pane (or expands a folder), `space` expands or "
        "collapses, `right`/`l` expands or steps in, `left`/`h` collapses or steps out, `j`/`k` move, "
        "`/` filters the names as you type, `r` reloads the node."
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open", "Open", id="tree.open"),
        Binding("j", "cursor_down", "Down", show=False, id="tree.down"),
        Binding("k", "cursor_up", "Up", show=False, id="tree.up"),
        Binding("right,l", "expand_or_child", "Expand / child", show=False, id="tree.expand"),
        Binding("left,h", "collapse_or_parent", "Collapse / parent", show=False, id="tree.collapse"),
    ]

    class ChildrenLoaded(Message):
        """Children of ``node`` (None for the roots) were inserted into the tree."""

        def __init__(self, node: CatalogNode | None, count: int) -> None:
            super().__init__()
            self.node = node
            self.count = count

    class LoadFailed(Message):
        """Loading the children of ``node`` failed with ``error`` (shown to the user by the screen)."""

        def __init__(self, node: CatalogNode | None, error: BaseException) -> None:
            super().__init__()
            self.node = node
            self.error = error

    class Progress(Message):
        """Chunked insertion progress: ``done`` of ``total`` children of ``name`` inserted."""

        def __init__(self, name: str, done: int, total: int) -> None:
            super().__init__()
            self.name = name
            self.done = done
            self.total = total

        def can_replace(self, message: Message) -> bool:
            return isinstance(message, SchemaTree.Progress)

    class OpenRequested(Message):
        """The user asked to open ``node`` (enter on a relation, or a filter/palette match)."""

        def __init__(self, node: CatalogNode) -> None:
            super().__init__()
            self.node = node

    def __init__(self, source: CatalogSource | None = None, *, id: str | None = None) -> None:
        self._widths: dict[int, int] = {}  # label widths by node id (Tree.__init__ already measures)
        super().__init__("catalog", None, id=id)
        self.show_root = False
        self.auto_expand = False
        self.guide_depth = 2
        self.source = source
        self.index = NameIndex()
        self._loaded: set[int] = set()
        self._pending: set[int] = set()
        self._failed: set[int] = set()
        self._queue: asyncio.PriorityQueue[_Request] = asyncio.PriorityQueue()
        self._sequence = itertools.count()
        self._generation = 0
        self.chunk_yields = 0  # times a chunked insertion gave the event loop back (tests count them)

    # -- loading ----------------------------------------------------------------------------------
    def on_mount(self) -> None:
        self._loader()

    def load_roots(
        self, source: CatalogSource | None = None, *, roots: list[CatalogNode] | None = None
    ) -> None:
        """(Re)start from the first level of the catalog, e.g. after connecting or switching database.
        ``roots``, when the caller already has the first level (read with the session at start-up), are
        inserted now, so the next frame shows them."""
        if source is not None:
            self.source = source
        self._generation += 1
        if len(self.index) >= 2 * CHUNK:
            gc.unfreeze()  # the old nodes (frozen after a big load, see _finish) may be collected now
        self.clear()
        self.index.clear()
        self._loaded.clear()
        self._pending.clear()
        self._failed.clear()
        self._widths.clear()
        self._queue = asyncio.PriorityQueue()
        self._loader()
        if roots is not None and len(roots) <= CHUNK:
            self._insert(self.root, roots)
            self._finish(self.root, len(roots), "catalog")
        else:
            self._request(self.root, PRIORITY_ON_DEMAND)

    def retry_failed(self) -> int:
        """Load again every node whose loading failed (after a reconnect); returns how many."""
        failed = list(self._failed)
        self._failed.clear()
        for node_id in failed:
            try:
                node = self.get_node_by_id(node_id)  # type: ignore[arg-type]
            except Exception:
                continue
            node.remove_children()
            self._request(node, PRIORITY_ON_DEMAND)
        return len(failed)

    def _request(self, node: TreeNode[CatalogNode | None], priority: int) -> None:
        if node.id in self._failed:
            self._failed.discard(node.id)
            node.remove_children()
        if node.id in self._loaded or node.id in self._pending:
            return
        self._pending.add(node.id)
        if priority == PRIORITY_ON_DEMAND and not node.children:
            node.add_leaf(Text("loading…", style="italic dim"), None)
        self._queue.put_nowait(_Request(priority, next(self._sequence), node, self._generation))

    def reload(self, node: TreeNode[CatalogNode | None] | None = None) -> None:
        """Forget the loaded children of ``node`` (default: the cursor's) and load them again."""
        target = node or self.cursor_node
        if target is None or target is self.root:
            self.load_roots()
            return
        if target.data is not None and not target.data.has_children and target.parent is not None:
            target = target.parent
        self._forget(target)
        target.remove_children()
        if target is self.root:
            self.load_roots()
            return
        target.expand()
        self._request(target, PRIORITY_ON_DEMAND)

    def _forget(self, node: TreeNode[CatalogNode | None]) -> None:
        stack = list(node.children)
        gone: set[int] = set()
        while stack:
            child = stack.pop()
            gone.add(child.id)
            self._loaded.discard(child.id)
            stack.extend(child.children)
        self.index.remove(gone)
        self._loaded.discard(node.id)
        if len(gone) >= 2 * CHUNK:
            gc.unfreeze()

    def prefetch(self, nodes: Iterable[TreeNode[CatalogNode | None]]) -> int:
        """Queue ``nodes`` for loading behind any on-demand request; returns how many were queued."""
        count = 0
        for node in nodes:
            data = node.data
            if data is not None and data.has_children and node.id not in self._loaded:
                if node.id not in self._pending:
                    count += 1
                self._request(node, PRIORITY_PREFETCH)
        return count

    def prefetch_containers(self) -> int:
        """Prefetch the children of every loaded database, schema and folder that is not loaded yet,
        so the palette and the filter can find objects the user has not expanded."""
        containers = [
            self.get_node_by_id(entry.tree_node_id)
            for entry in self.index.entries
            if entry.node.kind in ("database", "schema")
        ]
        stack = list(self.root.children)
        while stack:
            node = stack.pop()
            if node.data is not None and node.data.kind == "folder":
                containers.append(node)
            stack.extend(node.children)
        return self.prefetch(containers)

    def prefetch_user_schemas(self) -> int:
        """Prefetch the objects of every loaded database and user schema (not the system schemas'
        folder), so `/` finds a table its schema was never expanded for; returns how many were queued."""
        containers: list[TreeNode[CatalogNode | None]] = []
        for entry in self.index.entries:
            if entry.node.kind in ("database", "schema"):
                node = self.get_node_by_id(entry.tree_node_id)
                if not _under_system_folder(node):
                    containers.append(node)
        return self.prefetch(containers)

    @property
    def busy(self) -> bool:
        return bool(self._pending)

    @work(exclusive=True, group="tree-loader", exit_on_error=False)
    async def _loader(self) -> None:
        queue = self._queue
        while True:
            request = await queue.get()
            if request.generation != self._generation:
                continue
            node = request.node
            if node.id in self._loaded:
                self._pending.discard(node.id)
                continue
            data = node.data
            source = self.source
            if source is None:
                self._pending.discard(node.id)
                continue
            name = data.qualified_name if data is not None else "catalog"
            fetch = self.run_worker(
                lambda data=data, source=source: source(data),
                thread=True,
                exit_on_error=False,
                group="catalog",
                description=f"loading {name}",
            )
            try:
                children: list[CatalogNode] = await fetch.wait()
            except (WorkerFailed, WorkerCancelled) as exc:
                self._pending.discard(node.id)
                if request.generation != self._generation:
                    continue
                node.remove_children()
                self._failed.add(node.id)
                error = exc.error if isinstance(exc, WorkerFailed) else exc
                cancelled = isinstance(exc, WorkerCancelled)
                label = "cancelled — r retries" if cancelled else "could not load — r retries"
                node.add_leaf(Text(label, style="italic yellow" if cancelled else "italic red"), None)
                if not cancelled:
                    self.post_message(self.LoadFailed(data, error))
                continue
            if request.generation != self._generation:
                continue
            await self._populate(node, children, request.generation)

    async def _populate(
        self, node: TreeNode[CatalogNode | None], children: list[CatalogNode], generation: int
    ) -> None:
        node.remove_children()
        total = len(children)
        name = node.data.name if node.data is not None else "catalog"
        # Python's full collections scan every live object; while thousands of nodes go in, each one
        # stalls the loop for ~0.1 s. No automatic collection during a big load; the new nodes are then
        # frozen out of later ones (_finish).
        pause_gc = total >= 2 * CHUNK and gc.isenabled()
        if pause_gc:
            gc.disable()
        try:
            for start in range(0, total, CHUNK):
                self._insert(node, children[start : start + CHUNK])
                if start + CHUNK < total:
                    self.post_message(self.Progress(name, start + CHUNK, total))
                    self.chunk_yields += 1
                    await asyncio.sleep(0)
                    if generation != self._generation:
                        return
            self._finish(node, total, name)
        finally:
            if pause_gc:
                gc.enable()

    def _insert(self, node: TreeNode[CatalogNode | None], children: list[CatalogNode]) -> None:
        """Append ``children`` under ``node`` and invalidate the tree's lines once. ``TreeNode.add``
        does what this loop does per node, plus an invalidate and a layout refresh per node, which is
        most of a chunk's time at 500 nodes (Textual 8.2.8's TreeNode internals, pinned)."""
        add_node = self._add_node
        siblings = node._children
        for child in children:
            tree_node = add_node(node, self.process_label(node_label(child)), child)
            tree_node._expanded = False
            tree_node._allow_expand = child.has_children
            siblings.append(tree_node)
            self.index.add(child, tree_node.id)
        node._updates += 1
        self._invalidate()

    def process_label(self, label: str | Text) -> Text:
        # Tree splits every label at newlines (copying it twice per node); names rarely hold one.
        if isinstance(label, Text) and "\n" not in label.plain:
            return label
        return super().process_label(label)

    def _finish(self, node: TreeNode[CatalogNode | None], total: int, name: str) -> None:
        if total == 0 and node is not self.root:
            node.add_leaf(Text("(empty)", style="italic dim"), None)
        self._loaded.add(node.id)
        self._pending.discard(node.id)
        if total > CHUNK:
            self.post_message(self.Progress(name, total, total))
        if total >= 2 * CHUNK:
            # Thousands of new long-lived objects make every later full collection scan them (~90 ms
            # at 10,000 nodes, on a keystroke or a chunk of the next load). Frozen, the collector skips
            # them; load_roots/reload unfreeze before dropping a big subtree so it can be collected.
            gc.freeze()
        if node is self.root and self.cursor_line < 0 and total:
            self.cursor_line = 0
        self.post_message(self.ChildrenLoaded(node.data, total))

    # -- interaction ------------------------------------------------------------------------------
    def on_tree_node_expanded(self, event: Tree.NodeExpanded[CatalogNode | None]) -> None:
        if event.node.tree is self:
            self._request(event.node, PRIORITY_ON_DEMAND)

    def on_tree_node_selected(self, event: Tree.NodeSelected[CatalogNode | None]) -> None:
        # A mouse click selects; the keyboard's enter is bound to ``open`` directly.
        event.stop()
        self.action_open()

    def action_open(self) -> None:
        node = self.cursor_node
        if node is None or node.data is None:
            return
        if node.data.kind in OPENABLE_KINDS:
            self.post_message(self.OpenRequested(node.data))
        elif node.allow_expand:
            node.toggle()

    def action_expand_or_child(self) -> None:
        """Expand a closed node; on an open one, step to its first child."""
        node = self.cursor_node
        if node is None or not node.allow_expand:
            return
        if not node.is_expanded:
            node.expand()
        elif node.children:
            self.move_cursor(node.children[0])

    def action_collapse_or_parent(self) -> None:
        """Collapse an open node; on a closed one or a leaf, step to its parent."""
        node = self.cursor_node
        if node is None:
            return
        if node.is_expanded:
            node.collapse()
        elif node.parent is not None and node.parent is not self.root:
            self.move_cursor(node.parent)

    def reveal(self, tree_node_id: int) -> TreeNode[CatalogNode | None] | None:
        """Expand the ancestors of a node, move the cursor to it and scroll it into view."""
        try:
            node = self.get_node_by_id(tree_node_id)
        except Exception:
            return None
        parent = node.parent
        while parent is not None and parent is not self.root:
            parent.expand()
            parent = parent.parent
        self.move_cursor(node)
        # Expanded just now: the node has its line once the tree rebuilds them (after this refresh).
        self.call_after_refresh(self.move_cursor, node)
        self.call_after_refresh(self.scroll_to_node, node, animate=False)
        return node

    def get_label_width(self, node: TreeNode[CatalogNode | None]) -> int:
        # The default renders every label on each rebuild of the lines; with 10,000 nodes that dominates
        # a chunk, so widths are measured once per node.
        width = self._widths.get(node.id)
        if width is None:
            width = self._widths[node.id] = node.label.cell_len
        return width + (2 if node.allow_expand else 0)


def _under_system_folder(node: TreeNode[CatalogNode | None]) -> bool:
    """The node is or lies under a node the adapter marked ``meta["system"]`` (the server's own)."""
    current: TreeNode[CatalogNode | None] | None = node
    while current is not None:
        if current.data is not None and current.data.meta.get("system"):
            return True
        current = current.parent
    return False


class SchemaPane(Vertical):
    """The left pane: the schema tree and, after `/`, a filter input with the matching names."""

    PANE_TITLE = "Schema tree"
    HELP = SchemaTree.HELP + (
        "\n\nWhile filtering: type to narrow, `up`/`down` pick a match, `enter` jumps to it and opens it, "
        "`escape` goes back to the tree. Opening the filter loads every user schema's objects in the "
        'background (the matches grow as they arrive); ctrl+p → "object: load all names" also '
        "fetches the system schemas' and the loaded tables' folders."
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close_filter", "Close filter", show=False, id="tree.filter_close"),
        Binding("down", "match(1)", "Next match", show=False, id="tree.filter_next"),
        Binding("up", "match(-1)", "Previous match", show=False, id="tree.filter_previous"),
    ]
    MATCH_LIMIT = 100

    def __init__(self, source: CatalogSource | None = None, *, id: str | None = None) -> None:
        super().__init__(id=id, classes="pane")
        self._source = source
        self.filtering = False
        self.last_search_ms = 0.0

    def compose(self) -> ComposeResult:
        yield Input(placeholder="filter names…", id="tree-filter")
        yield Static("", id="filter-info")
        yield OptionList(id="filter-matches")
        yield SchemaTree(self._source, id="schema-tree")

    def on_mount(self) -> None:
        self.border_title = "Schema"
        self._show_filter(False)

    @property
    def tree(self) -> SchemaTree:
        return self.query_one(SchemaTree)

    def _show_filter(self, on: bool) -> None:
        self.filtering = on
        self.set_class(on, "-filtering")
        for selector in ("#tree-filter", "#filter-info", "#filter-matches"):
            self.query_one(selector).display = on
        self.tree.display = not on

    def open_filter(self) -> None:
        self._show_filter(True)
        field_ = self.query_one("#tree-filter", Input)
        field_.focus()
        self.tree.prefetch_user_schemas()
        self._search(field_.value)

    def on_schema_tree_children_loaded(self, message: SchemaTree.ChildrenLoaded) -> None:
        # Not stopped: the screen counts loads too. New databases bring schemas to prefetch in turn.
        if self.filtering:
            self.tree.prefetch_user_schemas()
            self._search(self.query_one("#tree-filter", Input).value)

    def action_close_filter(self) -> None:
        if self.filtering:
            self._show_filter(False)
            self.tree.focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("close_filter", "match"):
            return self.filtering
        return True

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "tree-filter":
            event.stop()
            self._search(event.value)

    def _search(self, text: str) -> None:
        started = time.perf_counter()
        matches, total = self.tree.index.search(text, self.MATCH_LIMIT)
        options = self.query_one("#filter-matches", OptionList)
        options.clear_options()
        options.add_options(
            [
                Option(
                    safe_text(entry.node.qualified_name).append(f"  {entry.node.kind}", "dim"),
                    id=str(entry.tree_node_id),
                )
                for entry in matches
            ]
        )
        if matches:
            options.highlighted = 0
        loaded = len(self.tree.index)
        if not text.strip():
            info = f"type to search {loaded:,} loaded names"
        elif total > len(matches):
            info = f"{total:,} of {loaded:,} names match (first {len(matches)} shown)"
        else:
            info = f"{total:,} of {loaded:,} names match"
        if self.tree.busy:
            info += " · loading more names…"
        self.query_one("#filter-info", Static).update(Text(info, style="dim"))
        self.last_search_ms = (time.perf_counter() - started) * 1000

    def action_match(self, delta: int) -> None:
        options = self.query_one("#filter-matches", OptionList)
        if options.option_count:
            current = options.highlighted if options.highlighted is not None else -1
            options.highlighted = max(0, min(options.option_count - 1, current + delta))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id != "tree-filter":
            return
        event.stop()
        options = self.query_one("#filter-matches", OptionList)
        if options.highlighted is not None and options.option_count:
            self.jump_to(int(options.get_option_at_index(options.highlighted).id or 0))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        if event.option_list.id == "filter-matches":
            event.stop()
            self.jump_to(int(event.option.id or 0))

    def jump_to(self, tree_node_id: int, *, open_object: bool = True) -> None:
        """Leave the filter, reveal the node in the tree and open it when it is a relation."""
        self._show_filter(False)
        tree = self.tree
        node = tree.reveal(tree_node_id)
        tree.focus()
        if node is not None and node.data is not None and open_object and node.data.kind in OPENABLE_KINDS:
            # Posted from the pane, not the tree: a message whose sender is the tree's parent stops there.
            self.post_message(SchemaTree.OpenRequested(node.data))
