"""EXPLAIN outputs of every engine → the neutral Plan/PlanNode tree (``tui.core.plan``).

``parse_plan(text)`` detects the engine and format; each engine's parser lives in its own module.
"""
