"""Reusable Textual widgets: the panes dbscope's screens compose (each module documents its API)."""
