"""AdvisorPanel: the analytical officer's findings for whatever is selected (a table's schema, a plan).

Findings are grouped by severity (critical, warning, info — with counts) in a list; the selected
finding shows its title, an evidence table (numbers with units, ``tui.advisor.voice.evidence_rows``),
the officer's reasoning (``voice.officer_text``) and its DDL in a read-only, selectable text area,
with the rollback beneath.

Public API (for the screen that hosts it):

- ``AdvisorPanel(*, id=None, classes=None)`` — starts empty.
- ``show_findings(findings, context_label)`` replaces the content; ``context_label`` says what was
  analysed ("plan of SELECT …", "table shop.orders") and appears in the summary and the empty state.
- ``select_finding(finding) -> bool``; properties ``findings`` (ranked), ``selected_finding``,
  ``context_label``.
- ``copy_ddl()``, ``save_ddl() -> Path | None``, ``save_all() -> Path | None``, ``show_diff()``.
- Messages (each has ``panel`` and ``control``): ``AdvisorPanel.FindingSelected(finding)`` when the
  selection changes (a plan view can ``select_node`` the finding's node); ``AdvisorPanel.DdlCopied(
  finding, text)`` after ``y``; ``AdvisorPanel.DdlSaved(path, findings)`` after ``s``/``S``.
- Bindings (ids for ``App.set_keymap``): ``advisor.next`` ``j``, ``advisor.previous`` ``k``,
  ``advisor.copy_ddl`` ``y``, ``advisor.save_ddl`` ``s``, ``advisor.save_all`` ``S``,
  ``advisor.plan_diff`` ``d``.

Copy goes through ``App.copy_to_clipboard`` (OSC 52) and the notification says exactly what was sent
(characters and first line) — OSC 52 has no acknowledgement, and tmux or some terminals drop it, so
``s``/``S`` write the DDL (or every finding as a migration script with its rollback) to a file in
``tui.config.data_dir()/exports`` and say where. When text is selected in the DDL area, ``y`` copies
the selection.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import ClassVar

from rich.table import Table
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.widgets import OptionList, Static, TextArea
from textual.widgets.option_list import Option

from tui.core import fmt, termsafe
from tui.core.finding import SEVERITIES, Finding, sort_findings
from tui.widgets.plan_diff_view import PlanDiffScreen, diff_from_verification
from tui.widgets.safe_textarea import SafeTextArea
from tui.widgets.safetext import safe_text

# Theme variables, not ANSI names: "yellow" on a light theme's white panel is unreadable.
_SEVERITY_STYLE = {
    "critical": "bold $text-error",
    "warning": "bold $text-warning",
    "info": "bold $text-primary",
}
_SEVERITY_MARK = {"critical": "●", "warning": "▲", "info": "○"}


def sent_summary(text: str) -> str:
    """How a notification describes text sent over OSC 52: characters, lines and the first line."""
    first = text.split("\n", 1)[0]
    if len(first) > 60:
        first = first[:59] + "…"
    lines = text.count("\n") + 1 if text else 0
    size = f"{fmt.num(len(text))} characters" + (f", {fmt.num(lines)} lines" if lines > 1 else "")
    return f"{size}; first line: {first}"


def ddl_text(finding: Finding) -> str:
    """The statements that run as printed, one per paragraph."""
    return "\n\n".join(stmt.strip() for stmt in finding.ddl)


def ddl_file_text(finding: Finding) -> str:
    """DDL for a file: a header naming the finding, the statements, the rollback commented out."""
    lines = [f"-- {finding.severity}: {finding.title}"]
    if finding.object:
        lines.append(f"-- object: {finding.object}")
    lines.append(f"-- rule: {finding.rule}")
    lines += ["", ddl_text(finding)]
    if finding.rollback:
        lines += ["", "-- Rollback:"]
        lines += [f"--   {line}" for stmt in finding.rollback for line in stmt.splitlines()]
    return "\n".join(lines) + "\n"


class AdvisorPanel(Vertical):
    """Findings list (grouped by severity) above the selected finding's detail."""

    HELP = """
**Advisor** — findings about what is selected, grouped by severity, each with its evidence, the
reasoning and DDL that runs as printed.

`j`/`k` next / previous finding · `y` copy the DDL (OSC 52; the selection inside the DDL box if any) ·
`s` save the DDL to a file · `S` save every finding as a migration script with its rollback ·
`d` plan before/after a hypothetical index (verified findings).
"""

    DEFAULT_CSS = """
    AdvisorPanel { width: 1fr; height: 1fr; background: $surface; }
    AdvisorPanel > #advisor-summary { height: auto; padding: 0 1; background: $panel; }
    AdvisorPanel > #advisor-list { height: auto; max-height: 40%; border: none; }
    AdvisorPanel > #advisor-empty { height: auto; padding: 1; color: $text-muted; }
    AdvisorPanel > #advisor-detail { height: 1fr; padding: 0 1; border-top: hkey $panel-lighten-2; }
    AdvisorPanel #finding-title { height: auto; text-style: bold; }
    AdvisorPanel #finding-evidence { height: auto; margin-top: 1; }
    AdvisorPanel #finding-reasoning { height: auto; margin-top: 1; }
    AdvisorPanel #finding-ddl { height: auto; max-height: 16; margin-top: 1; }
    AdvisorPanel #finding-rollback { height: auto; color: $text-muted; }
    AdvisorPanel #finding-keys { height: auto; color: $text-muted; margin-top: 1; }
    AdvisorPanel.-empty > #advisor-list, AdvisorPanel.-empty > #advisor-detail { display: none; }
    AdvisorPanel > #advisor-empty { display: none; }
    AdvisorPanel.-empty > #advisor-empty { display: block; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j", "move(1)", "Next finding", show=False, id="advisor.next"),
        Binding("k", "move(-1)", "Previous finding", show=False, id="advisor.previous"),
        Binding("y", "copy_ddl", "Copy DDL", id="advisor.copy_ddl"),
        Binding("s", "save_ddl", "Save DDL", id="advisor.save_ddl"),
        # In the help, the palette and the panel's own key line; the footer keeps to the frequent ones.
        Binding("S", "save_all", "Save all", show=False, id="advisor.save_all"),
        Binding("d", "show_diff", "Plan diff", show=False, id="advisor.plan_diff"),
    ]

    class FindingSelected(Message):
        def __init__(self, panel: AdvisorPanel, finding: Finding) -> None:
            super().__init__()
            self.panel = panel
            self.finding = finding

        @property
        def control(self) -> AdvisorPanel:
            return self.panel

    class DdlCopied(Message):
        def __init__(self, panel: AdvisorPanel, finding: Finding, text: str) -> None:
            super().__init__()
            self.panel = panel
            self.finding = finding
            self.text = text

        @property
        def control(self) -> AdvisorPanel:
            return self.panel

    class DdlSaved(Message):
        def __init__(self, panel: AdvisorPanel, path: Path, findings: list[Finding]) -> None:
            super().__init__()
            self.panel = panel
            self.path = path
            self.findings = findings

        @property
        def control(self) -> AdvisorPanel:
            return self.panel

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._findings: list[Finding] = []
        self._context_label = ""
        self._selected: Finding | None = None
        self._option_of: dict[int, int] = {}  # id(finding) → option index

    def compose(self) -> ComposeResult:
        yield Static("Advisor", id="advisor-summary")
        yield OptionList(id="advisor-list")
        yield Static("Nothing analysed yet.", id="advisor-empty")
        with VerticalScroll(id="advisor-detail"):
            yield Static("", id="finding-title")
            yield Static("", id="finding-evidence")
            yield Static("", id="finding-reasoning")
            yield SafeTextArea("", read_only=True, soft_wrap=True, id="finding-ddl", show_line_numbers=False)
            yield Static("", id="finding-rollback", markup=False)
            yield Static(
                "y copy DDL · s save to a file · S save all as a migration · d plan diff", id="finding-keys"
            )

    def on_mount(self) -> None:
        self.add_class("-empty")

    # -- public API ---------------------------------------------------------------------------------

    @property
    def findings(self) -> list[Finding]:
        return list(self._findings)

    @property
    def selected_finding(self) -> Finding | None:
        return self._selected

    @property
    def context_label(self) -> str:
        return self._context_label

    def focus(self, scroll_visible: bool = True) -> AdvisorPanel:
        self.query_one("#advisor-list", OptionList).focus(scroll_visible)
        return self

    def show_findings(self, findings: Iterable[Finding], context_label: str) -> None:
        """Replace the content with ``findings`` about ``context_label`` (ranked, grouped)."""
        self._findings = sort_findings(list(findings))
        self._context_label = context_label
        self._selected = None
        self._render_summary()
        options = self.query_one("#advisor-list", OptionList)
        options.clear_options()
        self._option_of = {}
        if not self._findings:
            self.add_class("-empty")
            self.query_one("#advisor-empty", Static).update(
                safe_text(f"Based on my analysis of {context_label}, I have identified no problems.")
            )
            return
        self.remove_class("-empty")
        items: list[Option] = []
        for severity in SEVERITIES:
            group = [f for f in self._findings if f.severity == severity]
            if not group:
                continue
            header = Content.styled(f"{severity.upper()} ({fmt.num(len(group))})", _SEVERITY_STYLE[severity])
            items.append(Option(header, disabled=True))
            for finding in group:
                self._option_of[id(finding)] = len(items)
                items.append(Option(self._prompt(finding)))
        options.add_options(items)
        options.highlighted = self._option_of[id(self._findings[0])]
        self._show(self._findings[0])

    def clear(self, text: str = "Nothing analysed yet.") -> None:
        """Back to the empty state (after a switch of database or server)."""
        self._findings = []
        self._context_label = ""
        self._selected = None
        self._option_of = {}
        self.query_one("#advisor-list", OptionList).clear_options()
        self.query_one("#advisor-summary", Static).update("Advisor")
        self.query_one("#advisor-empty", Static).update(safe_text(text, multiline=True))
        self.add_class("-empty")

    def select_finding(self, finding: Finding) -> bool:
        index = self._option_of.get(id(finding))
        if index is None:
            return False
        self.query_one("#advisor-list", OptionList).highlighted = index
        self._show(finding)
        return True

    # -- rendering ----------------------------------------------------------------------------------

    def _render_summary(self) -> None:
        counts = {sev: sum(1 for f in self._findings if f.severity == sev) for sev in SEVERITIES}
        # The pane's border already says "Advisor": the summary names what was analysed.
        parts: list[str | tuple[str, str]] = [(termsafe.line(self._context_label) or "Advisor", "bold"), "\n"]
        for i, severity in enumerate(SEVERITIES):
            if i:
                parts.append("  ")
            style = _SEVERITY_STYLE[severity] if counts[severity] else "dim"
            parts.append((f"{fmt.num(counts[severity])} {severity}", style))
        self.query_one("#advisor-summary", Static).update(Content.assemble(*parts))

    @staticmethod
    def _prompt(finding: Finding) -> Content:
        parts: list[str | tuple[str, str]] = [
            (_SEVERITY_MARK[finding.severity] + " ", _SEVERITY_STYLE[finding.severity]),
            termsafe.line(finding.title),
        ]
        if finding.object:
            parts.append((f" — {termsafe.line(finding.object)}", "dim"))
        return Content.assemble(*parts)

    def _show(self, finding: Finding) -> None:
        from tui.advisor.voice import evidence_rows, officer_text

        changed = finding is not self._selected
        self._selected = finding
        parts: list[str | tuple[str, str]] = [
            (f"{finding.severity.upper()} ", _SEVERITY_STYLE[finding.severity]),
            termsafe.line(finding.title),
        ]
        if finding.object:
            parts.append((f"\n{termsafe.line(finding.object)}", "dim"))
        parts.append((f"  [{termsafe.line(finding.rule)}]", "dim"))
        self.query_one("#finding-title", Static).update(Content.assemble(*parts))
        rows = evidence_rows(finding)
        evidence = self.query_one("#finding-evidence", Static)
        if rows:
            table = Table(box=None, padding=(0, 1), show_header=True, header_style="bold", expand=False)
            table.add_column("Evidence", style="dim")
            table.add_column("Value", justify="right")
            for label, value in rows:
                table.add_row(safe_text(label), safe_text(value))  # a str cell would be read as markup
            evidence.update(table)
        else:
            evidence.update("")
        self.query_one("#finding-reasoning", Static).update(safe_text(officer_text(finding), multiline=True))
        ddl = self.query_one("#finding-ddl", TextArea)
        ddl.load_text(
            ddl_text(finding) if finding.ddl else "-- No DDL: this finding needs a decision, not a statement."
        )
        rollback = "\n".join(finding.rollback)
        self.query_one("#finding-rollback", Static).update(
            safe_text(f"Rollback:\n{rollback}", multiline=True) if rollback else ""
        )
        self.query_one("#advisor-detail", VerticalScroll).scroll_home(animate=False)
        if changed:
            self.post_message(self.FindingSelected(self, finding))

    @on(OptionList.OptionHighlighted, "#advisor-list")
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        event.stop()
        for finding in self._findings:
            if self._option_of.get(id(finding)) == event.option_index:
                if finding is not self._selected:
                    self._show(finding)
                return

    # -- actions ------------------------------------------------------------------------------------

    def action_move(self, delta: int) -> None:
        if not self._findings:
            return
        current = next((i for i, f in enumerate(self._findings) if f is self._selected), -1)
        target = max(0, min(current + delta, len(self._findings) - 1))
        self.select_finding(self._findings[target])

    def copy_ddl(self) -> str | None:
        """Send the selected finding's DDL (or the selected part of it) via OSC 52; returns the text."""
        finding = self._selected
        if finding is None or not finding.ddl:
            self.notify("The selected finding has no DDL to copy.", severity="warning")
            return None
        area = self.query_one("#finding-ddl", TextArea)
        text = area.selected_text or ddl_text(finding)
        self.app.copy_to_clipboard(text)
        self.notify(
            f"Sent via OSC 52: {sent_summary(text)}. If it did not arrive, press s to save it to a file.",
            title="Copied DDL",
            timeout=8,
        )
        self.post_message(self.DdlCopied(self, finding, text))
        return text

    def save_ddl(self) -> Path | None:
        finding = self._selected
        if finding is None or not finding.ddl:
            self.notify("The selected finding has no DDL to save.", severity="warning")
            return None
        return self._save(ddl_file_text(finding), finding.rule, [finding], "the DDL")

    def save_all(self) -> Path | None:
        with_ddl = [f for f in self._findings if f.ddl]
        if not with_ddl:
            self.notify("No finding here has DDL to save.", severity="warning")
            return None
        from tui.advisor.ddl import migration_script

        script = migration_script(
            with_ddl,
            title=f"dbscope migration — {self._context_label}"
            if self._context_label
            else "dbscope migration",
        )
        return self._save(
            script, "migration", with_ddl, f"a migration script of {fmt.num(len(with_ddl))} findings"
        )

    def _save(self, text: str, name: str, findings: list[Finding], what: str) -> Path | None:
        from tui.clipboard import save_text

        try:
            path = save_text(text, name, ".sql")
        except OSError as exc:
            self.notify(
                f"Could not save {what}: {exc.strerror or exc}", title="Save failed", severity="error"
            )
            return None
        self.notify(f"Saved {what} ({fmt.num(len(text))} characters) to {path}", title="Saved", timeout=10)
        self.post_message(self.DdlSaved(self, path, findings))
        return path

    def show_diff(self) -> bool:
        finding = self._selected
        diff = diff_from_verification(finding.verification) if finding is not None else None
        if finding is None or diff is None:
            self.notify(
                "No plan comparison for this finding: it was not verified against a hypothetical index.",
                severity="warning",
            )
            return False
        self.app.push_screen(PlanDiffScreen(diff, title=f"{finding.title} — plan before → after"))
        return True

    def action_copy_ddl(self) -> None:
        self.copy_ddl()

    def action_save_ddl(self) -> None:
        self.save_ddl()

    def action_save_all(self) -> None:
        self.save_all()

    def action_show_diff(self) -> None:
        self.show_diff()
