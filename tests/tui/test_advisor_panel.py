"""AdvisorPanel in a small host app: grouping and counts, navigation, copy (OSC 52 text in
``app.clipboard``), save to the data dir, migration script, empty state, plan diff, snapshot."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from textual.app import App, ComposeResult
from textual.widgets import OptionList, Static, TextArea

from tui.core.finding import Finding, Verification
from tui.plans.detect import parse_plan
from tui.widgets.advisor_panel import AdvisorPanel, ddl_text
from tui.widgets.plan_diff_view import PlanDiffScreen, PlanDiffView

IDX = 'CREATE INDEX CONCURRENTLY "orders_customer_id_idx" ON "shop"."orders" ("customer_id");'
DROP = 'DROP INDEX CONCURRENTLY "shop"."orders_customer_id_idx";'


def pg_plan(node: dict[str, Any]) -> str:
    return json.dumps([{"Plan": node, "Planning Time": 0.1}])


BEFORE = pg_plan(
    {
        "Node Type": "Seq Scan",
        "Relation Name": "orders",
        "Schema": "shop",
        "Alias": "orders",
        "Startup Cost": 0.0,
        "Total Cost": 1693.0,
        "Plan Rows": 10,
        "Plan Width": 40,
        "Filter": "(customer_id = 42)",
    }
)
AFTER = pg_plan(
    {
        "Node Type": "Index Scan",
        "Relation Name": "orders",
        "Schema": "shop",
        "Alias": "orders",
        "Index Name": "<13950>btree_orders_customer_id",
        "Scan Direction": "Forward",
        "Startup Cost": 0.04,
        "Total Cost": 8.2,
        "Plan Rows": 10,
        "Plan Width": 40,
        "Index Cond": "(customer_id = 42)",
    }
)


def findings() -> list[Finding]:
    verified = Finding(
        rule="pg.index-suggestion",
        severity="critical",
        object="shop.orders",
        title="Sequential scan filters 99.9 % of rows",
        message="The scan read 100,000 rows and kept 10.",
        evidence={"rows_read": 100000, "rows_returned": 10, "cost_before": 1693.0, "time_ms": 12.5},
        ddl=[IDX],
        rollback=[DROP],
        verification=Verification(
            method="hypopg",
            before=1693.0,
            after=8.2,
            detail={"plan_before": parse_plan(BEFORE), "plan_after": parse_plan(AFTER)},
        ),
        impact=1000,
        category="index",
    )
    return [
        Finding(
            rule="pg.unused-index",
            severity="info",
            object="shop.orders_note_idx",
            title="Unused index",
            message="Never scanned since the statistics reset 30 days ago.",
            evidence={"size_bytes": 8192 * 1000, "idx_scan": 0},
            ddl=['DROP INDEX CONCURRENTLY "shop"."orders_note_idx";'],
            rollback=['CREATE INDEX CONCURRENTLY "orders_note_idx" ON "shop"."orders" ("note");'],
            category="schema",
        ),
        Finding(
            rule="pg.misestimate",
            severity="warning",
            object="shop.items",
            title="Row estimate off by 120×",
            message="Planned 10 rows, got 1,200.",
            evidence={"estimate_factor": 120.0},
            ddl=['ANALYZE "shop"."items";'],
            category="plan",
        ),
        verified,
        Finding(
            rule="pg.no-primary-key",
            severity="warning",
            object="shop.log",
            title="Table without a primary key",
            message="shop.log has no primary key.",
            category="schema",
        ),
    ]


class PanelHost(App[None]):
    def __init__(self, items: list[Finding] | None = None, label: str = "plan of SELECT 1") -> None:
        super().__init__()
        self._items = items
        self._label = label
        self.messages: list[Any] = []

    def compose(self) -> ComposeResult:
        yield AdvisorPanel(id="advisor")

    def on_mount(self) -> None:
        panel = self.query_one(AdvisorPanel)
        if self._items is not None:
            panel.show_findings(self._items, self._label)
        panel.focus()

    def on_advisor_panel_finding_selected(self, message: AdvisorPanel.FindingSelected) -> None:
        self.messages.append(message)

    def on_advisor_panel_ddl_copied(self, message: AdvisorPanel.DdlCopied) -> None:
        self.messages.append(message)

    def on_advisor_panel_ddl_saved(self, message: AdvisorPanel.DdlSaved) -> None:
        self.messages.append(message)


def rendered(widget: Static) -> str:
    """The text a Static shows on screen (works for Rich tables too)."""
    return "\n".join(strip.text.rstrip() for strip in widget.render_lines(widget.region.reset_offset))


@pytest.fixture(autouse=True)
def data_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    return tmp_path / "dbscope" / "exports"


async def test_grouped_by_severity_with_counts() -> None:
    app = PanelHost(findings())
    async with app.run_test(size=(90, 40)) as pilot:
        await pilot.pause()
        panel = app.query_one(AdvisorPanel)
        summary = str(app.query_one("#advisor-summary", Static).render())
        assert "plan of SELECT 1" in summary
        assert "1 critical  2 warning  1 info" in summary
        options = app.query_one(OptionList)
        prompts = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        assert prompts == [
            "CRITICAL (1)",
            "● Sequential scan filters 99.9 % of rows — shop.orders",
            "WARNING (2)",
            "▲ Row estimate off by 120× — shop.items",
            "▲ Table without a primary key — shop.log",
            "INFO (1)",
            "○ Unused index — shop.orders_note_idx",
        ]
        disabled = [options.get_option_at_index(i).disabled for i in range(options.option_count)]
        assert disabled == [True, False, True, False, False, True, False]
        assert panel.selected_finding is not None and panel.selected_finding.rule == "pg.index-suggestion"
        evidence = rendered(app.query_one("#finding-evidence", Static))
        assert "100,000" in evidence and "12.5 ms" in evidence
        reasoning = str(app.query_one("#finding-reasoning", Static).render())
        assert reasoning.startswith("The optimal indexing strategy for shop.orders is the index below.")
        assert "1,693.00 to 8.20" in reasoning
        ddl = app.query_one("#finding-ddl", TextArea)
        assert ddl.text == IDX and ddl.read_only
        assert "DROP INDEX CONCURRENTLY" in str(app.query_one("#finding-rollback", Static).render())


async def test_j_and_k_move_between_findings_skipping_headers() -> None:
    app = PanelHost(findings())
    async with app.run_test(size=(90, 40)) as pilot:
        await pilot.pause()
        panel = app.query_one(AdvisorPanel)
        await pilot.press("j")
        assert panel.selected_finding.rule == "pg.misestimate"  # type: ignore[union-attr]
        await pilot.press("j", "j")
        assert panel.selected_finding.rule == "pg.unused-index"  # type: ignore[union-attr]
        await pilot.press("j")  # stays on the last one
        assert panel.selected_finding.rule == "pg.unused-index"  # type: ignore[union-attr]
        await pilot.press("k")
        assert panel.selected_finding.rule == "pg.no-primary-key"  # type: ignore[union-attr]
        await pilot.press("up")  # the list's own keys work too
        await pilot.pause()
        assert panel.selected_finding.rule == "pg.misestimate"  # type: ignore[union-attr]
        assert app.query_one("#finding-ddl", TextArea).text == 'ANALYZE "shop"."items";'
        selected = [m.finding.rule for m in app.messages if isinstance(m, AdvisorPanel.FindingSelected)]
        assert selected == [
            "pg.index-suggestion",
            "pg.misestimate",
            "pg.no-primary-key",
            "pg.unused-index",
            "pg.no-primary-key",
            "pg.misestimate",
        ]


async def test_y_copies_the_ddl_and_says_what_was_sent() -> None:
    app = PanelHost(findings())
    async with app.run_test(size=(90, 40), notifications=True) as pilot:
        await pilot.pause()
        await pilot.press("y")
        assert app.clipboard == IDX
        note = list(app._notifications)[-1]
        assert note.title == "Copied DDL"
        assert f"{len(IDX)} characters" in note.message
        assert "first line: CREATE INDEX CONCURRENTLY" in note.message
        copied = [m for m in app.messages if isinstance(m, AdvisorPanel.DdlCopied)]
        assert copied[-1].text == IDX and copied[-1].finding.rule == "pg.index-suggestion"
        # A selection inside the DDL area is what gets copied.
        area = app.query_one("#finding-ddl", TextArea)
        area.focus()
        area.select_all()
        area.selection = area.selection.__class__((0, 0), (0, 12))
        await pilot.press("y")
        assert app.clipboard == "CREATE INDEX"


async def test_finding_without_ddl_copies_nothing() -> None:
    app = PanelHost(findings())
    async with app.run_test(size=(90, 40), notifications=True) as pilot:
        await pilot.pause()
        await pilot.press("j", "j", "y")  # the table without a primary key: no DDL
        assert app.clipboard == ""
        assert list(app._notifications)[-1].message == "The selected finding has no DDL to copy."


async def test_s_saves_the_ddl_and_S_a_migration_script(data_home: Path) -> None:
    app = PanelHost(findings())
    async with app.run_test(size=(90, 40), notifications=True) as pilot:
        await pilot.pause()
        await pilot.press("s")
        saved = [m for m in app.messages if isinstance(m, AdvisorPanel.DdlSaved)]
        path = saved[-1].path
        assert path.parent == data_home and path.suffix == ".sql"
        text = path.read_text(encoding="utf-8")
        assert IDX in text
        assert "--   " + DROP in text  # rollback commented out
        assert str(path) in list(app._notifications)[-1].message
        await pilot.press("S")
        saved = [m for m in app.messages if isinstance(m, AdvisorPanel.DdlSaved)]
        script_path = saved[-1].path
        assert script_path != path and script_path.parent == data_home
        assert [f.rule for f in saved[-1].findings] == [
            "pg.index-suggestion",
            "pg.misestimate",
            "pg.unused-index",
        ]
        script = script_path.read_text(encoding="utf-8")
        assert IDX in script and 'ANALYZE "shop"."items";' in script
        assert 'DROP INDEX CONCURRENTLY "shop"."orders_note_idx";' in script
        # Drops come in the last phase, after the additive statements.
        assert script.index(IDX) < script.index('DROP INDEX CONCURRENTLY "shop"."orders_note_idx";')


async def test_empty_state_names_what_was_analysed() -> None:
    app = PanelHost([], label="table shop.customers")
    async with app.run_test(size=(90, 30)) as pilot:
        await pilot.pause()
        panel = app.query_one(AdvisorPanel)
        assert panel.has_class("-empty")
        empty = str(app.query_one("#advisor-empty", Static).render())
        assert empty == "Based on my analysis of table shop.customers, I have identified no problems."
        assert "0 critical  0 warning  0 info" in str(app.query_one("#advisor-summary", Static).render())
        panel.show_findings(findings()[:1], "table shop.orders")
        await pilot.pause()
        assert not panel.has_class("-empty")
        assert app.query_one(OptionList).option_count == 2


async def test_d_shows_the_plan_diff_of_a_verified_finding() -> None:
    app = PanelHost(findings())
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await pilot.pause()
        await pilot.press("d")
        await pilot.pause()
        assert isinstance(app.screen, PlanDiffScreen)
        view = app.screen.query_one(PlanDiffView)
        diff = view.diff
        assert diff.cost_before == 1693.0 and diff.cost_after == 8.2
        assert [c.status for c in diff.nodes] == ["changed"]
        headline = str(app.screen.query_one("#diff-headline", Static).render())
        assert "1,693.00 → 8.20" in headline and "206×" in headline  # 1,693 / 8.2 = 206.5
        table = rendered(app.screen.query_one("#diff-table", Static))
        assert "Seq Scan on shop.orders" in table and "Index Scan on shop.orders" in table
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, PlanDiffScreen)
        await pilot.press("j", "d")  # not verified: says so
        assert "not verified" in list(app._notifications)[-1].message
        assert not isinstance(app.screen, PlanDiffScreen)


def test_ddl_text_joins_statements() -> None:
    finding = findings()[3]
    finding.ddl = [IDX, 'ANALYZE "shop"."orders";']
    assert ddl_text(finding) == IDX + '\n\nANALYZE "shop"."orders";'


def test_snapshot_advisor_panel(snap_compare) -> None:
    assert snap_compare(PanelHost(findings()), terminal_size=(80, 40))
