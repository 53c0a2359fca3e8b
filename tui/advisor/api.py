"""The advisor's entry points used by the CLI and the UI.

(Being filled in by the advisor work: until then these return no findings.)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tui.adapters.base import Adapter
    from tui.core.finding import Finding
    from tui.core.plan import Plan
    from tui.core.session import SchemaFacts


def advise_plan(
    plan: Plan,
    *,
    query: str | None = None,
    adapter: Adapter | None = None,
    facts: SchemaFacts | None = None,
    verify: bool = True,
    calls: int | None = None,
) -> list[Finding]:
    """Findings for one plan (plan rules, query rules on ``query``, verified index suggestions when an
    adapter is given), ranked."""
    return []


def advise_schema(facts: SchemaFacts) -> list[Finding]:
    """Schema findings (FK without index, duplicate/unused/invalid indexes, no PK, bloat, sequences)."""
    return []
