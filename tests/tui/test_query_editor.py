"""QueryEditor in a small host app: the statement under the cursor is explained, keys in both modes,
selection wins, write detection, MongoDB mode, and one SVG snapshot (highlighting off, so the picture
is the same with or without the syntax extra)."""

from __future__ import annotations

from typing import Any

from textual.app import App, ComposeResult

from tui.widgets.query_editor import QueryEditor, language_available, mongo_statement_at

BUFFER = "SELECT 1;\n\nSELECT *\nFROM orders\nWHERE id = 42;\n\nDELETE FROM log WHERE ts < now();\n"


class EditorHost(App[None]):
    def __init__(self, text: str = BUFFER, engine: str = "postgresql", highlight: bool = True) -> None:
        super().__init__()
        self._text = text
        self._engine = engine
        self._highlight = highlight
        self.messages: list[Any] = []

    def compose(self) -> ComposeResult:
        yield QueryEditor(self._text, engine=self._engine, highlight=self._highlight, id="editor")

    def on_mount(self) -> None:
        self.query_one(QueryEditor).focus()

    def on_query_editor_explain_requested(self, message: QueryEditor.ExplainRequested) -> None:
        self.messages.append(("explain", message.query, message.analyze, message.may_write))

    def on_query_editor_run_requested(self, message: QueryEditor.RunRequested) -> None:
        self.messages.append(("run", message.query, message.may_write))


async def test_ctrl_e_explains_the_statement_under_the_cursor() -> None:
    app = EditorHost()
    async with app.run_test(size=(80, 20)) as pilot:
        editor = app.query_one(QueryEditor)
        editor.cursor_location = (3, 3)  # inside "FROM orders"
        await pilot.press("ctrl+e")
        await pilot.pause()
        assert app.messages == [("explain", "SELECT *\nFROM orders\nWHERE id = 42", False, False)]
        editor.cursor_location = (0, 2)
        await pilot.press("f6")
        await pilot.pause()
        assert app.messages[-1] == ("explain", "SELECT 1", True, False)
        editor.cursor_location = (6, 5)
        await pilot.press("ctrl+r")
        await pilot.pause()
        assert app.messages[-1] == ("run", "DELETE FROM log WHERE ts < now()", True)
        # ctrl+e no longer jumps to the line end (TextArea's default): the buffer is unchanged.
        assert editor.text == BUFFER


async def test_typing_e_in_insert_mode_types() -> None:
    app = EditorHost(text="")
    async with app.run_test(size=(80, 20)) as pilot:
        editor = app.query_one(QueryEditor)
        assert editor.insert_mode
        await pilot.press("s", "e", "l", "e", "c", "t", "space", "E")
        assert editor.text == "select E"
        assert app.messages == []


async def test_normal_mode_plain_keys() -> None:
    app = EditorHost()
    async with app.run_test(size=(80, 20)) as pilot:
        editor = app.query_one(QueryEditor)
        editor.cursor_location = (6, 0)
        await pilot.press("escape")
        assert not editor.insert_mode and editor.read_only and editor.has_focus  # escape keeps focus
        assert editor.border_subtitle.startswith("NORMAL")
        await pilot.press("e")
        await pilot.press("E")
        await pilot.pause()
        delete = "DELETE FROM log WHERE ts < now()"
        assert app.messages == [("explain", delete, False, True), ("explain", delete, True, True)]
        assert editor.text == BUFFER  # nothing typed
        await pilot.press("up", "up", "up", "e")  # the cursor still moves in NORMAL mode
        await pilot.pause()
        assert app.messages[-1] == ("explain", "SELECT *\nFROM orders\nWHERE id = 42", False, False)
        await pilot.press("i")
        assert editor.insert_mode and editor.border_subtitle.startswith("INSERT")
        await pilot.press("x")
        assert editor.text != BUFFER


async def test_selection_is_explained_instead() -> None:
    app = EditorHost()
    async with app.run_test(size=(80, 20)) as pilot:
        editor = app.query_one(QueryEditor)
        editor.selection = editor.selection.__class__((2, 0), (3, 11))
        await pilot.press("ctrl+e")
        await pilot.pause()
        assert app.messages == [("explain", "SELECT *\nFROM orders", False, False)]


async def test_empty_buffer_says_so() -> None:
    app = EditorHost(text="  \n-- only a comment\n")
    async with app.run_test(size=(80, 20), notifications=True) as pilot:
        await pilot.press("ctrl+e")
        await pilot.pause()
        assert app.messages == []
        assert list(app._notifications)[-1].message == "Nothing to explain: type a statement first."


async def test_mongodb_mode_blocks_and_writes() -> None:
    text = 'db.orders.find({status: "open"})\n  .sort({ts: -1})\n\ndb.orders.deleteMany({old: true})\n'
    app = EditorHost(text=text, engine="mongodb")
    async with app.run_test(size=(80, 20)) as pilot:
        editor = app.query_one(QueryEditor)
        assert editor.language is None or editor.language == "javascript"
        editor.cursor_location = (1, 3)
        await pilot.press("ctrl+e")
        editor.cursor_location = (3, 3)
        await pilot.press("ctrl+r")
        await pilot.pause()
        assert app.messages == [
            ("explain", 'db.orders.find({status: "open"})\n  .sort({ts: -1})', False, False),
            ("run", "db.orders.deleteMany({old: true})", True),
        ]


def test_mongo_statement_at_blank_line_and_semicolons() -> None:
    text = "db.a.find();db.b.count()\n\n\ndb.c.find()"
    assert mongo_statement_at(text, 3) == "db.a.find()"
    assert mongo_statement_at(text, 15) == "db.b.count()"
    assert mongo_statement_at(text, len("db.a.find();db.b.count()\n")) == "db.a.find();db.b.count()"[12:]
    assert mongo_statement_at(text, len(text)) == "db.c.find()"


async def test_highlighting_follows_the_installed_grammar() -> None:
    app = EditorHost()
    async with app.run_test(size=(80, 20)):
        editor = app.query_one(QueryEditor)
        assert editor.highlighting == language_available("sql")
        plain = EditorHost(highlight=False)
    async with plain.run_test(size=(80, 20)):
        assert plain.query_one(QueryEditor).language is None


def test_snapshot_query_editor(snap_compare) -> None:
    async def run_before(pilot) -> None:
        editor = pilot.app.query_one(QueryEditor)
        editor.cursor_blink = False
        editor.cursor_location = (3, 0)
        await pilot.press("escape")
        await pilot.pause()

    assert snap_compare(EditorHost(highlight=False), terminal_size=(60, 12), run_before=run_before)
