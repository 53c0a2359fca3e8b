"""QueryEditor: the SQL (or mongosh) editor whose statement under the cursor is what gets explained.

Two modes, like a modal editor, so the plain ``e``/``E`` keys of DESIGN §6 work here too:
- INSERT (the start): typing edits; ``ctrl+e`` EXPLAIN, ``f6`` (or ``ctrl+shift+e`` where the terminal
  sends it) EXPLAIN ANALYZE, ``ctrl+r``/``f5`` (or ``ctrl+enter``) runs the statement; ``escape``
  leaves for NORMAL.
- NORMAL (read-only, cursor still moves): ``e`` EXPLAIN, ``E`` EXPLAIN ANALYZE, the ctrl/F keys as
  above, ``i`` or ``enter`` back to INSERT; other keys (tab, ``a``, ``?``…) reach the screen.
The mode shows in the border subtitle; the footer shows the keys of the current mode.

What is explained/run: the selection when there is one, else the statement under the cursor
(``tui.core.sqltext.statement_at``), without its trailing ``;``. In MongoDB mode (``engine="mongodb"``)
the buffer is mongosh text: the statement is the blank-line separated block under the cursor (split
on ``;`` too), and there is no SQL highlighting.

Public API (for the screen that hosts it):
- ``QueryEditor(text="", *, engine="postgresql", highlight=True, id=None, classes=None)``
- ``current_statement() -> str | None``; ``request_explain(analyze=False)`` / ``request_run()`` (what
  the keys call; a host binds its own screen-level ``e``/``E`` to these for the other panes);
  ``set_engine(engine)``; ``insert_mode`` (bool) / ``set_insert_mode(on)``; ``highlighting`` (bool).
- Messages (each has ``editor`` and ``control``): ``QueryEditor.ExplainRequested(query, analyze,
  may_write)``, ``QueryEditor.RunRequested(query, may_write)`` — ``may_write`` is
  ``sqltext.statement_may_write`` (always False for MongoDB read commands is NOT assumed: True unless the
  text starts with a find/aggregate/count/explain call), so the host can ask for confirmation.
- Binding ids: ``editor.explain`` (ctrl+e), ``editor.explain_analyze`` (f6, ctrl+shift+e),
  ``editor.run`` (ctrl+r, f5, ctrl+enter), ``editor.normal_mode`` (escape, handled before TextArea's
  own escape), ``editor.explain_key`` (e), ``editor.explain_analyze_key`` (E),
  ``editor.insert_mode`` (i, enter).

Highlighting needs the ``textual[syntax]`` extra (tree-sitter + tree-sitter-sql); without it the
editor is plain text (``highlighting`` is False) — nothing else changes.
"""

from __future__ import annotations

import re
from typing import ClassVar

from textual import events
from textual.binding import Binding, BindingType
from textual.message import Message

from tui.core.sqllex import MYSQL, POSTGRES, LexSettings
from tui.core.sqltext import split_statements, statement_at, statement_may_write
from tui.widgets.safe_textarea import SafeTextArea

SQL_ENGINES = ("postgresql", "mysql", "mariadb")
_MONGO_READ = re.compile(
    r"^\s*(?:db\.[\w$.\[\]'\"-]+\.)?(find|findOne|aggregate|count|countDocuments|estimatedDocumentCount|"
    r"distinct|explain|getIndexes|stats)\b",
    re.I,
)


def language_available(name: str) -> bool:
    """Whether Textual can highlight ``name`` here (tree-sitter and the grammar are installed)."""
    try:
        from textual._tree_sitter import TREE_SITTER, get_language
    except ImportError:
        return False
    return bool(TREE_SITTER) and get_language(name) is not None


def mongo_statement_at(buffer: str, offset: int) -> str | None:
    """The mongosh statement under ``offset``: the ``;``-separated part of the blank-line separated
    block that contains it."""
    lines = buffer.split("\n")
    starts, position = [], 0
    for line in lines:
        starts.append(position)
        position += len(line) + 1
    row = max(i for i, start in enumerate(starts) if start <= max(offset, 0))
    if not lines[row].strip():  # on a blank line: the block above, else below
        above = next((i for i in range(row, -1, -1) if lines[i].strip()), None)
        row = (
            above if above is not None else next((i for i in range(row, len(lines)) if lines[i].strip()), row)
        )
    if not lines[row].strip():
        return None
    first = row
    while first > 0 and lines[first - 1].strip():
        first -= 1
    last = row
    while last + 1 < len(lines) and lines[last + 1].strip():
        last += 1
    block = "\n".join(lines[first : last + 1])
    block_offset = min(max(offset - starts[first], 0), len(block))
    parts = split_statements(block)
    for part in parts:
        if part.start <= block_offset <= part.end:
            return part.text.rstrip(";").strip() or None
    return parts[-1].text.rstrip(";").strip() if parts else None


class QueryEditor(SafeTextArea):
    """A code editor for one buffer of statements, with INSERT and NORMAL modes."""

    HELP = """
**Query editor** — the statement under the cursor (or the selection) is what gets explained or run.

- INSERT mode (typing): `ctrl+e` EXPLAIN, `f6` EXPLAIN ANALYZE (asks first when the statement writes;
  runs in a transaction that is rolled back), `ctrl+r`/`f5` run, `esc` NORMAL mode.
- NORMAL mode (read-only): `e` EXPLAIN, `E` EXPLAIN ANALYZE, `i`/`enter` back to typing; `tab` moves on.
"""

    DEFAULT_CSS = """
    QueryEditor { height: 1fr; border-subtitle-color: $text-muted; }
    QueryEditor.-normal { border: tall $secondary 50%; }
    QueryEditor.-normal:focus { border: tall $secondary; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+e", "explain(False)", "Explain", id="editor.explain"),
        Binding("f6,ctrl+shift+e", "explain(True)", "Explain analyze", id="editor.explain_analyze"),
        Binding("ctrl+r,f5,ctrl+enter", "run", "Run", id="editor.run"),
        Binding("escape", "normal_mode", "Normal mode", id="editor.normal_mode"),
        # NORMAL mode only (in INSERT mode TextArea consumes printable keys first); shown in the
        # border subtitle instead of the footer.
        Binding("e", "explain(False)", "Explain", show=False, id="editor.explain_key"),
        Binding("E", "explain(True)", "Explain analyze", show=False, id="editor.explain_analyze_key"),
        Binding("i,enter", "insert_mode", "Edit", show=False, id="editor.insert_mode"),
    ]

    class ExplainRequested(Message):
        """Explain ``query`` (with ANALYZE when ``analyze``); ``may_write`` asks for confirmation."""

        def __init__(self, editor: QueryEditor, query: str, analyze: bool, may_write: bool) -> None:
            super().__init__()
            self.editor = editor
            self.query = query
            self.analyze = analyze
            self.may_write = may_write

        @property
        def control(self) -> QueryEditor:
            return self.editor

    class RunRequested(Message):
        """Run ``query`` and show its (capped) result."""

        def __init__(self, editor: QueryEditor, query: str, may_write: bool) -> None:
            super().__init__()
            self.editor = editor
            self.query = query
            self.may_write = may_write

        @property
        def control(self) -> QueryEditor:
            return self.editor

    def __init__(
        self,
        text: str = "",
        *,
        engine: str = "postgresql",
        highlight: bool = True,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        self._engine = engine
        self._want_highlight = highlight
        super().__init__(
            text,
            language=self._language_for(engine),
            theme="css",
            soft_wrap=False,
            tab_behavior="indent",
            show_line_numbers=True,
            id=id,
            classes=classes,
        )
        self.border_subtitle = "INSERT · esc: normal mode"

    def _language_for(self, engine: str) -> str | None:
        if not self._want_highlight:
            return None
        if engine in SQL_ENGINES:
            return "sql" if language_available("sql") else None
        return "javascript" if language_available("javascript") else None

    # -- public API ---------------------------------------------------------------------------------

    @property
    def engine(self) -> str:
        return self._engine

    @property
    def highlighting(self) -> bool:
        return self.language is not None

    @property
    def insert_mode(self) -> bool:
        return not self.read_only

    def set_engine(self, engine: str) -> None:
        """Switch between SQL and MongoDB (mongosh) text; the buffer is kept."""
        self._engine = engine
        self.language = self._language_for(engine)

    def set_insert_mode(self, on: bool) -> None:
        self.read_only = not on
        self.set_class(not on, "-normal")
        self.border_subtitle = (
            "INSERT · esc: normal mode" if on else "NORMAL · e explain · E analyze · i edit"
        )
        self.refresh_bindings()

    def current_statement(self) -> str | None:
        """The selection if any, else the statement under the cursor (no trailing ``;``)."""
        selected = self.selected_text.strip()
        if selected:
            return selected.rstrip(";").strip() or None
        offset = self.document.get_index_from_location(self.cursor_location)
        if self._engine not in SQL_ENGINES:
            return mongo_statement_at(self.text, offset)
        statement = statement_at(self.text, offset, self._lex_settings())
        if statement is None:
            return None
        return statement.text.rstrip(";").strip() or None

    def _lex_settings(self) -> LexSettings:
        """How the engine's server reads the buffer (where one statement ends)."""
        return LexSettings(family=MYSQL if self._engine in ("mysql", "mariadb") else POSTGRES)

    def _may_write(self, query: str) -> bool:
        if self._engine in SQL_ENGINES:
            dialect = "postgres" if self._engine == "postgresql" else "mysql"
            return statement_may_write(query, dialect)
        return not _MONGO_READ.match(query)

    def request_explain(self, analyze: bool = False) -> bool:
        """Post ExplainRequested for the current statement; False (and a notice) when there is none."""
        query = self.current_statement()
        if query is None:
            self.notify("Nothing to explain: type a statement first.", severity="warning")
            return False
        self.post_message(self.ExplainRequested(self, query, analyze, self._may_write(query)))
        return True

    def request_run(self) -> bool:
        query = self.current_statement()
        if query is None:
            self.notify("Nothing to run: type a statement first.", severity="warning")
            return False
        self.post_message(self.RunRequested(self, query, self._may_write(query)))
        return True

    # -- keys ---------------------------------------------------------------------------------------

    async def _on_key(self, event: events.Key) -> None:
        # Runs before TextArea's own handler, which would move focus away on escape.
        if event.key == "escape" and not self.read_only:
            event.stop()
            event.prevent_default()
            self.set_insert_mode(False)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        normal_only = {"insert_mode"}
        insert_only = {"normal_mode"}
        if action in normal_only and not self.read_only:
            return False
        if action in insert_only and self.read_only:
            return False
        return super().check_action(action, parameters)

    def action_explain(self, analyze: bool) -> None:
        self.request_explain(analyze)

    def action_run(self) -> None:
        self.request_run()

    def action_normal_mode(self) -> None:
        self.set_insert_mode(False)

    def action_insert_mode(self) -> None:
        self.set_insert_mode(True)
