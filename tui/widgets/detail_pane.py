"""The object detail pane (centre): one opened object's columns, indexes, constraints, foreign keys in
both directions, triggers, partitions, statistics and DDL, one tab each.

It only renders an ``ObjectDetail`` it is given; loading happens in the screen's thread worker.
The tabs (7 tables and the DDL editor, a third of the main screen's widgets) are not on the start-up
path: the pane composes only its header and ``build_tabs()`` mounts the rest after the first frame
(``MainScreen.ensure_panes``) or when the first object arrives, whichever comes first.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, ClassVar

from rich.cells import cell_len
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.css.query import NoMatches
from textual.message import Message
from textual.widget import AwaitMount
from textual.widgets import DataTable, Static, TabbedContent, TabPane

from tui.advisor.indexes import key_parts
from tui.core import fmt
from tui.core.catalog import Index, ObjectDetail, Stat
from tui.widgets.safetext import append_safe, safe_text

if TYPE_CHECKING:
    from textual.widgets import TextArea

# Narrow panes (an 80-column terminal) get short tab titles so every tab stays visible.
_SHORT = {
    "columns": "Cols",
    "indexes": "Idx",
    "constraints": "Cons",
    "fks": "FKs",
    "triggers": "Trig",
    "partitions": "Parts",
    "stats": "Stats",
    "ddl": "DDL",
}
SHORT_TITLES_BELOW = 74
TABS = ("columns", "indexes", "constraints", "fks", "triggers", "partitions", "stats", "ddl")
_TITLES = {
    "columns": "Columns",
    "indexes": "Indexes",
    "constraints": "Constraints",
    "fks": "FKs",
    "triggers": "Triggers",
    "partitions": "Partitions",
    "stats": "Stats",
    "ddl": "DDL",
}


class KeyTable(DataTable[Any]):
    """A read-only table with vi-style `j`/`k` as well as the arrows."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j", "cursor_down", "Down", show=False, id="detail.down"),
        Binding("k", "cursor_up", "Up", show=False, id="detail.up"),
    ]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, zebra_stripes=True, cursor_type="row")


# Size and scans before method and flags in "indexes": they are what a DBA reads, and stay in view.
_HEADS: dict[str, tuple[str, ...]] = {
    "columns": ("#", "name", "type", "null", "default", "identity / generated", "distinct", "comment"),
    "indexes": ("name", "columns", "size", "scans", "method", "flags", "definition"),
    "constraints": ("name", "kind", "columns", "definition"),
    "fks": ("", "name", "columns", "other table", "other columns", "on delete", "on update"),
    "triggers": ("name", "timing", "events", "enabled", "definition"),
    "partitions": ("partition",),
    "stats": ("statistic", "value"),
}


def _index_flags(index: Index) -> str:
    return " ".join(
        name
        for name, on in (
            ("primary", index.primary),
            ("unique", index.unique and not index.primary),
            ("partial", bool(index.predicate)),
            ("expression", index.is_expression),
            ("INVALID", not index.valid),
            ("invisible", not index.visible),
        )
        if on
    )


def format_stat(stat: Stat) -> str:
    value = stat.value
    if value is None:
        return "–"
    if stat.label == "Row estimate" and isinstance(value, int | float) and value < 0:
        return "– (not analyzed yet)"
    if stat.unit == "bytes":
        return fmt.size(value)
    if stat.unit in ("rows", "count"):
        return fmt.num(value) if isinstance(value, int | float) else str(value)
    if stat.unit == "ms":
        return fmt.ms(value)
    if stat.unit == "%":
        return fmt.pct(value) if isinstance(value, int | float) else str(value)
    return str(value)


_PLAIN_IDENT = re.compile(r"^[a-z_][a-z0-9_$]*$")


def display_ident(name: str, engine: str = "postgresql") -> str:
    """An identifier as the engine would need it typed: quoted when it is not a plain lower-case name."""
    if engine == "mongodb" or _PLAIN_IDENT.match(name):
        return name
    if engine == "mysql":
        return "`" + name.replace("`", "``") + "`"
    return '"' + name.replace('"', '""') + '"'


def display_table(schema: str | None, table: str, engine: str = "postgresql") -> str:
    name = display_ident(table, engine)
    return f"{display_ident(schema, engine)}.{name}" if schema else name


def _yes(flag: bool) -> str:
    return "yes" if flag else ""


class DetailPane(Vertical):
    """Tabs describing the opened object; `y` copies its DDL, `[`/`]` switch tabs."""

    PANE_TITLE = "Object detail"
    HELP = (
        "**Object detail** — the opened table, view or other object.\n\n"
        "Tabs: Columns, Indexes (size and scans since the statistics were reset), Constraints, FKs "
        "(outgoing → and incoming ←), Triggers, Partitions, Stats and DDL. `[`/`]` switch tabs, `y` copies "
        "the DDL via OSC 52, `s` saves it to a file, `r` reloads the object."
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "copy_ddl", "Copy DDL", id="detail.copy_ddl"),
        Binding("s", "save_ddl", "Save DDL", show=False, id="detail.save_ddl"),
        Binding("right_square_bracket", "next_tab", "Next tab", show=False, id="detail.next_tab"),
        Binding("left_square_bracket", "previous_tab", "Previous tab", show=False, id="detail.previous_tab"),
    ]

    class CopyRequested(Message):
        """The user asked to copy (or save) ``text`` — the screen routes it to the clipboard module."""

        def __init__(self, text: str, what: str, save: bool = False) -> None:
            super().__init__()
            self.text = text
            self.what = what
            self.save = save

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.detail: ObjectDetail | None = None
        self.engine = "postgresql"  # for quoting names the way the engine needs them
        self._tabs_mounted: AwaitMount | None = None
        # The tab bodies by tab name, filled through these references even before they are mounted.
        self._tables: dict[str, KeyTable] = {}
        self._ddl: TextArea | None = None

    def compose(self) -> ComposeResult:
        yield Static(
            "Open a table or view: select it in the schema tree and press enter.", id="detail-header"
        )

    @property
    def tabs_built(self) -> bool:
        return self._tabs_mounted is not None

    def build_tabs(self, width_hint: int = 0) -> AwaitMount:
        """Mount the tabs (once); the returned awaitable completes when every table is mounted.
        ``width_hint``: this pane's width when it has not been laid out yet, for the tab titles (a
        relabelled tab animates its underline, which a screenshot may catch half-way)."""
        if self._tabs_mounted is None:
            from tui.widgets.safe_textarea import SafeTextArea

            tabbed = TabbedContent(id="detail-tabs")
            for tab in TABS:
                body: DataTable[Any] | TextArea
                if tab == "ddl":
                    # The SQL grammar loads when the first DDL is shown, not on the start-up path.
                    body = self._ddl = SafeTextArea(
                        "", read_only=True, show_line_numbers=False, soft_wrap=False, id="ddl"
                    )
                else:
                    body = self._tables[tab] = KeyTable(id=f"table-{tab}")
                short = 0 < (self.size.width or width_hint) < SHORT_TITLES_BELOW
                title = _SHORT[tab] if short else _TITLES[tab]
                tabbed.compose_add_child(TabPane(title, body, id=f"tab-{tab}"))
            self._tabs_mounted = self.mount(tabbed)
            self._set_columns()
            self.call_later(self._titles_when_mounted)
        return self._tabs_mounted

    def _set_columns(self, rows: dict[str, list[tuple[str, ...]]] | None = None) -> None:
        """Headers, and ``rows`` under them. Each column is given the width of its widest cell up
        front: DataTable otherwise measures new rows on its next idle, and a frame painted before
        that (a busy start-up) leaves its cells cut to the headers' widths."""
        for tab, heads in _HEADS.items():
            # Text cells: DataTable reads a str as markup, and names and comments come from the server.
            body = [tuple(safe_text(cell, end="") for cell in row) for row in (rows or {}).get(tab, [])]
            table = self._tables[tab]
            table.clear(columns=True)
            for position, head in enumerate(heads):
                width = max([cell_len(head), *(row[position].cell_len for row in body)])
                table.add_column(head, width=width)
            table.add_rows(body)

    @property
    def active_tab(self) -> str:
        if not self.tabs_built:
            return TABS[0]
        return self.query_one(TabbedContent).active.removeprefix("tab-")

    def show_tab(self, tab: str) -> None:
        if self.tabs_built:
            self.query_one(TabbedContent).active = f"tab-{tab}"

    def show_detail(self, detail: ObjectDetail) -> None:
        """Render ``detail`` into every tab (tab counts appear in the titles)."""
        self.build_tabs()
        self.detail = detail
        node = detail.node
        header = append_safe(Text(), node.qualified_name, "bold")
        header.append(f"  {node.kind.replace('_', ' ')}", style="dim")
        facts = []
        parts = [
            (len(detail.columns), "column"),
            (len(detail.indexes), "index"),
            (len(detail.constraints), "constraint"),
            (len(detail.foreign_keys) + len(detail.referenced_by), "FK"),
            (len(detail.triggers), "trigger"),
            (len(detail.partitions), "partition"),
        ]
        counted = ", ".join(
            f"{n:,} {word}{'es' if n != 1 and word == 'index' else 's' if n != 1 else ''}"
            for n, word in parts
            if n
        )
        if detail.row_estimate is not None:
            facts.append(f"≈{fmt.num(detail.row_estimate)} rows")
        if detail.total_bytes is not None:
            facts.append(f"{fmt.size(detail.total_bytes)} total")
        if counted:
            facts.append(counted)
        if facts:
            header.append("  " + " · ".join(facts))
        for note in detail.notes:
            header.append("\n⚠ ", style="italic")
            append_safe(header, note, "italic")
        self.query_one("#detail-header", Static).update(header)
        with self.app.batch_update():
            self._fill(detail)
        ddl = self._ddl
        assert ddl is not None
        if ddl.language is None and "sql" in ddl.available_languages:
            ddl.language = "sql"
        ddl.load_text(detail.ddl or "-- no DDL available for this object\n")

    def on_resize(self) -> None:
        self._apply_titles()

    async def _titles_when_mounted(self) -> None:
        # The tabs may be built before this pane has its size (the titles then guessed long): set them
        # once mounted, so a later resize finds them right and changes nothing.
        if self._tabs_mounted is not None:
            await self._tabs_mounted
        self._apply_titles()

    def _apply_titles(self) -> None:
        if not self.tabs_built or not self.size.width:
            return  # build_tabs() picks the titles for the width
        tabbed = self.query_one(TabbedContent)
        if not tabbed.is_mounted:
            return
        short = self.size.width < SHORT_TITLES_BELOW
        for tab in TABS:
            title = _SHORT[tab] if short else _TITLES[tab]
            try:
                widget = tabbed.get_tab(f"tab-{tab}")
            except NoMatches:
                return  # still composing: _titles_when_mounted or the next resize sets them
            if widget.label.plain != title:
                widget.label = title

    def _fill(self, detail: ObjectDetail) -> None:
        engine = self.engine
        columns = [
            (
                str(column.position or ""),
                column.name,
                column.data_type,
                "" if column.nullable else "not null",
                column.default or "",
                f"generated: {column.generated}" if column.generated else (column.identity or ""),
                "" if column.n_distinct is None else fmt.smart(column.n_distinct),
                column.comment or "",
            )
            for column in detail.columns
        ]
        indexes = [
            (
                index.name,
                ", ".join(key_parts(index))
                + (f" INCLUDE ({', '.join(index.include)})" if index.include else ""),
                fmt.size(index.size_bytes),
                fmt.num(index.scans),
                index.method,
                _index_flags(index),
                index.definition,
            )
            for index in detail.indexes
        ]
        fks = [
            (
                "→",
                fk.name,
                ", ".join(fk.columns),
                display_table(fk.referred_schema, fk.referred_table, engine),
                ", ".join(fk.referred_columns),
                fk.on_delete,
                fk.on_update,
            )
            for fk in detail.foreign_keys
        ] + [
            (
                "←",
                fk.name,
                ", ".join(fk.referred_columns),
                display_table(fk.schema, fk.table, engine),
                ", ".join(fk.columns),
                fk.on_delete,
                fk.on_update,
            )
            for fk in detail.referenced_by
        ]
        self._set_columns(
            {
                "columns": columns,
                "indexes": indexes,
                "constraints": [
                    (c.name, c.kind, ", ".join(c.columns), c.definition) for c in detail.constraints
                ],
                "fks": fks,
                "triggers": [
                    (t.name, t.timing, " OR ".join(t.events), _yes(t.enabled), t.definition)
                    for t in detail.triggers
                ],
                "partitions": [(partition,) for partition in detail.partitions],
                "stats": [(stat.label, format_stat(stat)) for stat in detail.stats],
            }
        )

    # -- actions ----------------------------------------------------------------------------------
    def action_copy_ddl(self) -> None:
        if self.detail is not None:
            self.post_message(
                self.CopyRequested(self._ddl_text(), f"the DDL of {self.detail.node.qualified_name}")
            )

    def action_save_ddl(self) -> None:
        if self.detail is not None:
            self.post_message(
                self.CopyRequested(
                    self._ddl_text(), f"the DDL of {self.detail.node.qualified_name}", save=True
                )
            )

    def _ddl_text(self) -> str:
        area = self._ddl
        if area is None:
            return ""
        # A selection in the DDL tab narrows the copy to what the user selected.
        return area.selected_text or area.text

    def action_next_tab(self) -> None:
        self._step(1)

    def action_previous_tab(self) -> None:
        self._step(-1)

    def _step(self, delta: int) -> None:
        position = TABS.index(self.active_tab) if self.active_tab in TABS else 0
        tab = TABS[(position + delta) % len(TABS)]
        focused = self.app.focused
        self.show_tab(tab)
        if focused is not None and self in focused.ancestors:
            # The focused table was in the tab now hidden: Textual drops the focus, and the next
            # `]` would reach no pane. The new tab's body takes it once the switch is laid out.
            self.call_after_refresh(self._focus_body, tab)

    def _focus_body(self, tab: str) -> None:
        body = self._ddl if tab == "ddl" else self._tables.get(tab)
        if body is not None:
            body.focus()
