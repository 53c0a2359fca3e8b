"""Bounded input (issue 15, B8 and Deliver 5): reading a PostgreSQL plan takes time linear in its size.
Each shape is parsed at two sizes, the second twice the first; the time may at most double, with a fixed
allowance for timer noise. The shapes are the ones that made regexes backtrack: long runs of spaces
inside and around node lines, properties, table rows, triggers, headers, and deep or wide trees."""

from __future__ import annotations

import contextlib
import gc
import time
from collections.abc import Callable

import pytest

from tui.core.errors import PlanInputError
from tui.plans.detect import parse_plan

ALLOWANCE_S = 0.05
NODE = "Nested Loop  (cost=0.00..1.00 rows=1 width=4) (actual time=0.100..0.200 rows=1 loops=1)"


def _spaces(template: str) -> Callable[[int], str]:
    return lambda n: template.replace("<S>", " " * n)


def _wide(n: int) -> str:
    child = "  ->  Seq Scan on t  (cost=0.00..1.00 rows=1 width=4) (actual time=0.1..0.2 rows=1 loops=1)\n"
    return "Append  (cost=0.00..1.00 rows=1 width=4)\n" + child * (n // len(child))


def _deep(n: int) -> str:
    """Levels grow the line length too: the number of levels is chosen so the size is n characters."""
    lines = [NODE]
    size = len(NODE)
    level = 1
    while size < n:
        line = "  " * level + "->  " + NODE
        lines.append(line)
        size += len(line) + 1
        level += 1
    return "\n".join(lines)


def _yaml(n: int) -> str:
    item = '      - Node Type: "Seq Scan"\n        Parent Relationship: "Member"\n        Total Cost: 1.00\n'
    return '- Plan: \n    Node Type: "Append"\n    Plans: \n' + item * (n // len(item))


SHAPES: dict[str, Callable[[int], str]] = {
    "spaces in a node name": _spaces("Seq Scan on t<S>x  (cost=0.00..1.00 rows=1 width=4)"),
    "spaces before the cost": _spaces("Seq Scan on t<S>(cost=0.00..1.00 rows=1 width=4)"),
    "spaces in a cut cost": _spaces("Seq Scan on t  (cost=0.00..<S>"),
    "spaces in a property": _spaces(NODE + "\n  Filter: (a<S>b)"),
    "spaces after a key": _spaces(NODE + "\n  Sort Key<S>: a"),
    "spaces in a trigger": _spaces(NODE + "\nTrigger<S>t: time=1.0 calls=1"),
    "spaces in a table row": _spaces("| " + NODE + "<S>x"),
    "spaces before a header": _spaces("<S>|<S>QUERY PLAN x\n" + NODE),
    "spaces in a record line": _spaces("-[<S>RECORD 1 ]\n" + NODE),
    "spaces in a statement": _spaces("explain select<S>1\n" + NODE),
    "a line of spaces": _spaces(NODE + "\n<S>x"),
    "open parentheses": lambda n: NODE + "\n  Filter: " + "(" * n,
    "wide tree": _wide,
    "deep tree": _deep,
    "yaml": _yaml,
}


def _seconds(text: str) -> float:
    """The best of five runs with the garbage collector paused: the parser's own cost, not the noise of
    a shared machine or of a collection that happens to fall into one run."""
    best = float("inf")
    gc.collect()
    gc.disable()
    try:
        for _ in range(5):
            start = time.perf_counter()
            with contextlib.suppress(PlanInputError):
                parse_plan(text)
            best = min(best, time.perf_counter() - start)
    finally:
        gc.enable()
    return best


@pytest.mark.parametrize("shape", list(SHAPES), ids=list(SHAPES))
def test_doubling_the_input_at_most_doubles_the_time(shape: str) -> None:
    make = SHAPES[shape]
    parse_plan(NODE)  # imports out of the measurement
    small, large = make(50_000), make(100_000)
    assert 1.8 < len(large) / len(small) < 2.2
    t_small, t_large = _seconds(small), _seconds(large)
    assert t_large <= 2 * t_small + ALLOWANCE_S, f"{shape}: {t_small:.4f} s → {t_large:.4f} s"
