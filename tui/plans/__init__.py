"""EXPLAIN outputs of every engine → the neutral Plan/PlanNode tree (``tui.core.plan``).

``parse_plan(text)`` detects the engine and format; each engine's parser lives in its own module.
``parse_plan`` is resolved lazily (PEP 562) so importing ``tui.plans`` stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tui.plans.detect import parse_plan

__all__ = ["parse_plan"]


def __getattr__(name: str) -> Any:
    if name == "parse_plan":
        from tui.plans.detect import parse_plan

        return parse_plan
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
