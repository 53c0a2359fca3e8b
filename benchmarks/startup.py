"""Benchmark: start to first painted schema tree, dbscope vs harlequin, measured the same way in the
same run (target: dbscope ≤ one third of harlequin's time), plus dbscope's import time.

Each tool runs in a fresh tmux session (160×48, TERM=xterm-256color); the clock starts just before
tmux launches it and stops when capture-pane shows the known name in the tree (dbscope: the schema
``wide`` / ``public``; harlequin: the database entry ``<db> db`` of its catalog, its first tree level).
Harlequin (with harlequin-postgres) is installed by this script into its own venv
(benchmarks/.work/harlequin-venv); its catalog cache is cleared before every run so both start cold.

    python benchmarks/startup.py [--runs 5] [--skip-harlequin]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

from _common import ROOT, WORK, Sample, record
from big_catalog import build, database_url

HARLEQUIN_VENV = WORK / "harlequin-venv"


def ensure_harlequin() -> Path:
    exe = HARLEQUIN_VENV / "bin" / "harlequin"
    if not exe.exists():
        subprocess.run([sys.executable, "-m", "venv", str(HARLEQUIN_VENV)], check=True)
        subprocess.run(
            [str(HARLEQUIN_VENV / "bin" / "pip"), "install", "-q", "harlequin", "harlequin-postgres"],
            check=True,
        )
    return exe


def time_to_text(
    command: list[str], marker: str, timeout: float = 30.0, env: dict[str, str] | None = None
) -> float:
    """Seconds from launching ``command`` in tmux until ``marker`` is on screen."""
    name = "bench" + uuid.uuid4().hex[:8]
    shell = " ".join(_quote(part) for part in command)
    prefix = " ".join(f"{k}={_quote(v)}" for k, v in (env or {}).items())
    new_session = [
        "tmux",
        "new-session",
        "-d",
        "-s",
        name,
        "-x",
        "160",
        "-y",
        "48",
        f"{prefix} TERM=xterm-256color {shell}; sleep 60",
    ]
    for _attempt in range(3):
        started = time.perf_counter()
        # tmux refuses now and then while its server exits after the previous session: retry
        if subprocess.run(new_session, capture_output=True).returncode == 0:
            break
        time.sleep(0.3)
    else:
        raise RuntimeError("tmux could not start a session")
    try:
        pattern = re.compile(marker)
        while time.perf_counter() - started < timeout:
            screen = subprocess.run(
                ["tmux", "capture-pane", "-p", "-t", name], capture_output=True, text=True
            ).stdout
            if pattern.search(screen):
                return time.perf_counter() - started
            time.sleep(0.01)
        raise TimeoutError(f"{marker!r} did not appear within {timeout} s: {screen[-500:]}")
    finally:
        subprocess.run(["tmux", "kill-session", "-t", name], capture_output=True)


def _quote(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"


def import_time() -> tuple[float, list[str]]:
    """Total import time of the TUI's entry path and its five costliest modules."""
    out = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import tui.cli, tui.launch, tui.app"],
        capture_output=True,
        text=True,
        check=True,
    ).stderr
    rows = []
    for line in out.splitlines():
        match = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|(\s*)(\S+)", line)
        if match:
            rows.append((int(match.group(2)), len(match.group(3)), match.group(4)))
    top_level = [r for r in rows if r[1] <= 1]
    total = sum(r[0] for r in top_level) / 1e6
    costly = sorted(top_level, reverse=True)[:5]
    return total, [f"{name} {cum / 1000:.0f} ms" for cum, _, name in costly]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--dsn", default="postgresql:///postgres")
    parser.add_argument("--skip-harlequin", action="store_true")
    args = parser.parse_args()
    big = build(args.dsn, rebuild=False)
    # Byte-compile dbscope as pip does when it installs a wheel (harlequin's venv was pip-installed):
    # without it an editable checkout under PYTHONDONTWRITEBYTECODE compiles ~40 modules every start.
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "tui")], check=True)
    load = os.getloadavg()[0]
    small = database_url(args.dsn, "postgres")
    dbscope = [str(Path(sys.executable).with_name("dbscope"))]
    cases = [
        ("small (postgres db)", small, "postgres", r"▶ public"),
        ("10,000 tables", big, "dbscope_bench_big", r"▶ wide"),
    ]
    lines = []
    harlequin = None if args.skip_harlequin else ensure_harlequin()
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "harlequin"
    for label, url, db, marker in cases:
        ours = Sample([time_to_text([*dbscope, url], marker) for _ in range(args.runs)])
        line = f"- {label}: dbscope {ours.describe()}"
        print(line, flush=True)
        if harlequin is not None:
            theirs_times = []
            for _ in range(args.runs):
                shutil.rmtree(cache, ignore_errors=True)
                theirs_times.append(
                    time_to_text([str(harlequin), "-a", "postgres", url], rf"{re.escape(db)} db")
                )
            theirs = Sample(theirs_times)
            ratio = ours.median / theirs.median
            verdict = "met" if ratio <= 1 / 3 else "MISSED"
            line += f"; harlequin {theirs.describe()}; ratio {ratio:.2f} (target ≤ 0.33: **{verdict}**)"
            print(f"  harlequin {theirs.describe()} ratio {ratio:.2f} {verdict}", flush=True)
        lines.append(line)
    total, costly = import_time()
    lines.append(
        f"- Import of `tui.cli`, `tui.launch`, `tui.app` (`python -X importtime`): {total * 1000:.0f} ms; costliest: {', '.join(costly)}."
    )
    print(lines[-1])
    lines.append(
        "- Method: tmux 160×48, clock from launch until the tree's first level shows a known name; harlequin's catalog cache cleared before each run; both tools byte-compiled (pip's install step; `compileall` for the dbscope checkout)."
    )
    lines.insert(0, f"- 1-minute load average at the start: {load:.2f}.")
    record("startup", "Start to first painted schema tree", lines)


if __name__ == "__main__":
    os.chdir(ROOT)
    main()
