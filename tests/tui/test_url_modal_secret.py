"""The connect dialog never shows a password: a password typed or pasted into the URL field moves to
a masked field at once, the screen (as exported) never holds it, and the URL handed back carries it
percent-encoded so the connection still gets it. No server needed: the dialog is the unit."""

from __future__ import annotations

from textual.app import App
from textual.widgets import Input

from tui.core.connspec import parse_url
from tui.screens.prompts import UrlModal

SECRET = "Tr0ub4dor&3:@x"


class _Host(App[None]):
    def __init__(self) -> None:
        super().__init__()
        self.result: list[str | None] = []

    def on_mount(self) -> None:
        self.push_screen(UrlModal(), self.result.append)


async def test_a_password_pasted_into_the_url_is_never_on_screen() -> None:
    app = _Host()
    async with app.run_test(size=(100, 20)) as pilot:
        await pilot.pause()
        url_input = app.screen.query_one("#url-input", Input)
        url_input.insert_text_at_cursor(f"postgresql://bob:{SECRET}@db.example:5432/sales")
        await pilot.pause()
        assert SECRET not in url_input.value
        assert url_input.value == "postgresql://bob@db.example:5432/sales"
        password = app.screen.query_one("#url-password", Input)
        assert password.password and password.value == SECRET
        assert SECRET not in app.export_screenshot() and "Tr0ub" not in app.export_screenshot()
        await pilot.press("enter")
        await pilot.pause()
    [url] = app.result
    assert url is not None
    spec = parse_url(url)
    assert (spec.user, spec.password, spec.host, spec.port, spec.database) == (
        "bob",
        SECRET,
        "db.example",
        5432,
        "sales",
    )


async def test_a_password_typed_key_by_key_goes_to_the_masked_field() -> None:
    app = _Host()
    async with app.run_test(size=(100, 20)) as pilot:
        await pilot.pause()
        await pilot.press(*"mysql://root:hunter2@127.0.0.1/test")
        await pilot.pause()
        assert "hunter2" not in app.screen.query_one("#url-input", Input).value
        assert "hunter2" not in app.export_screenshot()
        await pilot.press("enter")
        await pilot.pause()
    [url] = app.result
    assert url is not None and parse_url(url).password == "hunter2"
