"""Hostile inputs end to end: huge, binary, deeply nested and truncated plan files through the CLI and
the app's open-plan path, and identifiers with newlines/quotes through the live adapter. Every case
must end in a clear one-line message or a correct view — never a traceback."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.live import LiveServer, db_name
from tui.adapters.postgres import PostgresAdapter
from tui.core.connspec import parse_url

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "plans"


def _hostile_files(tmp: Path) -> dict[str, Path]:
    real = (FIXTURES / "postgres-nested-loop.json").read_text()
    files = {
        "empty": b"",
        "binary": bytes(range(256)) * 64,
        "nul-heavy": b"\x00" * 10_000,
        "utf16": real.encode("utf-16"),
        "deep-brackets": b"[" * 200_000 + b"]" * 200_000,
        "deep-plans": (
            '[{"Plan": '
            + '{"Node Type": "Result", "Plans": [' * 3000
            + '{"Node Type": "Result"}'
            + "]}" * 3000
            + "}]"
        ).encode(),
        "truncated": real[: len(real) // 2].encode(),
        "not-a-plan": json.dumps({"hello": ["world", 1, None]}).encode(),
        "huge-string": ('[{"Plan": {"Node Type": "' + "x" * 5_000_000 + '"}}]').encode(),
        "numbers-nan": b'[{"Plan": {"Node Type": "Seq Scan", "Actual Rows": NaN, "Plan Rows": 1e999}}]',
    }
    out = {}
    for name, data in files.items():
        path = tmp / f"{name}.json"
        path.write_bytes(data)
        out[name] = path
    big = tmp / "100mb.json"
    with big.open("wb") as handle:
        handle.write(b"[" + b'{"Plan": {"Node Type": "Result"}},' * 3_000_000 + b"{}]")
    out["100mb"] = big
    return out


def test_cli_never_tracebacks_on_hostile_plan_files(tmp_path: Path) -> None:
    results = {}
    for name, path in _hostile_files(tmp_path).items():
        done = subprocess.run(
            [sys.executable, "-m", "tui", "plan", str(path), "--format", "json"],
            capture_output=True,
            text=True,
            timeout=120,
        )
        results[name] = done.returncode
        assert "Traceback" not in done.stderr, (name, done.stderr[-1500:])
        if done.returncode != 0:
            assert done.returncode == 2, (name, done.returncode, done.stderr)
            assert done.stderr.count("\n") == 1 and done.stderr.startswith("dbscope: "), (name, done.stderr)
    assert results["empty"] == 2 and results["binary"] == 2
    assert results["100mb"] in (0, 2)  # under the 256 MB cap: parsed (first of many plans) or refused
    assert results["truncated"] == 2 and results["not-a-plan"] == 2
    assert len(results) == 11


async def test_app_open_plan_path_survives_hostile_files(tmp_path: Path) -> None:
    from textual.app import App, ComposeResult

    from tui.widgets.plan_view import PlanView

    class Host(App[None]):
        def compose(self) -> ComposeResult:
            yield PlanView(id="pv")

    # The outcomes of each file, by its path. A bubbling message reaches the hook once per node, so it
    # is seen more than once; it cannot be keyed by id(): once handled it is freed, and the next file's
    # message may get the same address (that made this test lose one file in about 4 runs out of 10).
    outcomes: dict[str, set[str]] = {}

    def hook(message: object) -> None:
        if isinstance(message, PlanView.OpenFailed):
            outcomes.setdefault(str(message.path), set()).add("failed")
        elif isinstance(message, PlanView.PlanOpened):
            outcomes.setdefault(str(message.path), set()).add("opened")

    app = Host()
    async with app.run_test(size=(120, 40), message_hook=hook) as pilot:
        view = app.query_one(PlanView)
        files = _hostile_files(tmp_path)
        del files["100mb"]  # the size cap and the parser's cost are covered by the CLI test
        for path in files.values():
            view.open_path(str(path))
            await app.workers.wait_for_complete()
            await pilot.pause()
        view.open_path(str(FIXTURES / "postgres-nested-loop.json"))
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert view.plan is not None and view.plan.engine == "postgresql"
    assert all(len(kinds) == 1 for kinds in outcomes.values()), outcomes  # one answer per file
    results = [kinds.pop() for kinds in outcomes.values()]
    assert len(results) == len(files) + 1  # every file answered, none crashed the app
    assert results[-1] == "opened" and results.count("failed") >= 8


def test_identifiers_with_newlines_quotes_and_unicode(pg_server: LiveServer, pg_scratch: str) -> None:
    db = db_name(pg_scratch)
    pg_server.execute(
        'CREATE SCHEMA "we""ird\nschema"; '
        'CREATE TABLE "we""ird\nschema"."tab\tle ☃" ("col\nwith newline" int PRIMARY KEY, "Ünï ""q""" text); '
        'CREATE INDEX "idx\nnl" ON "we""ird\nschema"."tab\tle ☃" ("Ünï ""q""")',
        db,
    )
    adapter = PostgresAdapter(parse_url(pg_scratch))
    adapter.connect()
    try:
        schema = next(n for n in adapter.roots() if n.name == 'we"ird\nschema')
        assert schema.qualified_name == '"we""ird\nschema"'
        table = next(n for n in adapter.children(schema) if n.kind == "table")
        detail = adapter.detail(table)
        assert [c.name for c in detail.columns] == ["col\nwith newline", 'Ünï "q"']
        assert any(ix.name == "idx\nnl" for ix in detail.indexes)
        page = adapter.run(f"SELECT * FROM {table.qualified_name}")
        assert page.columns == ["col\nwith newline", 'Ünï "q"']
        pg_server.execute(
            f'DROP SCHEMA "we""ird\nschema" CASCADE; {detail.ddl}'.replace(
                "CREATE TABLE", 'CREATE SCHEMA "we""ird\nschema"; CREATE TABLE', 1
            ),
            db,
        )
    finally:
        adapter.close()


@pytest.mark.parametrize("value", [None, b"\x00\xff" * 1000, "x" * 1_000_000, {"deep": [[[[1]]]]}])
def test_results_grid_cells_render_any_value(value: object) -> None:
    from tui.widgets.result_cells import cell_text

    text, _style = cell_text(value)
    assert isinstance(text, str) and len(text) < 2000
