"""The rule contract: a ``Rule`` names a pure check function with its stable id, engines and category.

A check takes one context object (``PlanContext``, ``SchemaContext`` or ``QueryContext`` from
``tui.advisor.context``) and returns Findings. Rules never touch a connection; everything they read is
in the context. The catalogue of rule modules lives in ``tui.advisor.rules`` (see its docstring).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from tui.core.finding import Finding

CATEGORIES = ("plan", "schema", "query")

Check = Callable[[Any], Iterable[Finding]]


@dataclass(frozen=True, slots=True)
class Rule:
    """One diagnostic.

    ``id`` is the stable public id (``pg.seq-scan-selective``) — a family module may emit several ids
    (``pg.misestimate``…); ``ids`` lists them all so tests and docs can enumerate every id.
    ``engines`` are ``Plan.engine`` / ``SchemaFacts.engine`` names the rule applies to.
    """

    id: str
    category: str
    engines: tuple[str, ...]
    check: Check
    summary: str
    ids: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.category not in CATEGORIES:
            raise ValueError(f"unknown rule category {self.category!r}")

    def applies_to(self, engine: str) -> bool:
        return engine in self.engines or "*" in self.engines

    @property
    def all_ids(self) -> tuple[str, ...]:
        return self.ids or (self.id,)
