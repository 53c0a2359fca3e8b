"""Copying text out of dbscope: OSC 52 through ``App.copy_to_clipboard`` (works over SSH when the
terminal allows it), a notification saying exactly what was sent, and a save-to-file fallback for
terminals and tmux setups that drop OSC 52."""

from __future__ import annotations

import os
import re
import time
from pathlib import Path
from typing import TYPE_CHECKING

from tui.config import data_dir
from tui.core.files import write_private_text

if TYPE_CHECKING:
    from textual.app import App


def copy_message(text: str) -> str:
    """What the notification says after sending ``text``; OSC 52 gives no acknowledgement."""
    message = f"Sent {len(text):,} characters to the clipboard via OSC 52 (your terminal must allow it)."
    if os.environ.get("TMUX"):
        message += " Inside tmux this needs `set -g set-clipboard on`."
    return message


def copy_text(app: App[object], text: str, what: str) -> str:
    """Send ``text`` via OSC 52 and notify; returns the notification text."""
    app.copy_to_clipboard(text)
    message = copy_message(text)
    app.notify(f"{message} If nothing arrived, `s` saves it to a file.", title=f"Copied {what}", timeout=6)
    return message


def export_dir() -> Path:
    """Where saved copies go: the user's data dir (``…/dbscope/exports``), else the current directory."""
    folder = data_dir() / "exports"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return Path.cwd()
    if not os.access(folder, os.W_OK):
        return Path.cwd()
    return folder


def safe_stem(name: str) -> str:
    """A file-name-safe version of an object name (``shop."Order Items"`` → ``shop.Order_Items``)."""
    stem = re.sub(r"[^\w.-]+", "_", name.replace('"', "")).strip("._")
    return stem[:80] or "dbscope"


def save_text(text: str, name: str, suffix: str = ".sql", folder: Path | None = None) -> Path:
    """Write ``text`` to a new file named after ``name`` and the time; returns the path written."""
    target_dir = folder or export_dir()
    stamp = time.strftime("%Y%m%d-%H%M%S")
    body = text if text.endswith("\n") else text + "\n"
    # DDL and reports name the schema's objects and may quote its data: readable by the user alone,
    # created exclusively so that a file (or a symlink) planted under the same name is never written.
    for counter in range(1, 1000):
        suffix_part = "" if counter == 1 else f"-{counter}"
        path = target_dir / f"{safe_stem(name)}-{stamp}{suffix_part}{suffix}"
        try:
            return write_private_text(path, body, exclusive=True)
        except FileExistsError:
            continue
    raise FileExistsError(f"{target_dir}: no free file name for {safe_stem(name)}")


def save_and_notify(app: App[object], text: str, name: str, what: str, suffix: str = ".sql") -> Path | None:
    """Save ``text`` and tell the user the path (or why it failed)."""
    try:
        path = save_text(text, name, suffix)
    except OSError as exc:
        app.notify(f"Could not save {what}: {exc.strerror}", title="Save failed", severity="error")
        return None
    app.notify(f"Saved {what} ({len(text):,} characters) to {path}", title="Saved", timeout=8)
    return path
