"""Headless CLI commands and their text / JSON / markdown renderers (no Textual here)."""
