"""Import hygiene, checked in fresh interpreters: the core, adapters' contract, plans, advisor and
headless layers never import Textual (or Rich through it), and the TUI's import path never imports a
database driver, SQLAlchemy or sqlglot (they load in workers, after the first frame)."""

from __future__ import annotations

import json
import pkgutil
import subprocess
import sys
from pathlib import Path

import tui

ROOT = Path(tui.__file__).resolve().parent
TEXTUAL_FREE_PACKAGES = ("tui.core", "tui.plans", "tui.advisor", "tui.headless")
TEXTUAL_FREE_MODULES = (
    "tui",
    "tui.cli",
    "tui.config",
    "tui.launch",
    "tui.themes",
    "tui.clipboard",
    "tui.adapters",
    "tui.adapters.base",
)
HEAVY = ("psycopg", "pymysql", "pymongo", "sqlalchemy", "sqlglot")


def _modules(package: str) -> list[str]:
    path = ROOT.joinpath(*package.split(".")[1:])
    names = [package]
    for info in pkgutil.walk_packages([str(path)], prefix=f"{package}."):
        names.append(info.name)
    return names


def _loaded_after(imports: list[str]) -> set[str]:
    code = (
        "import importlib, json, sys\n"
        f"for name in {imports!r}:\n"
        "    importlib.import_module(name)\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(json.loads(out.stdout))


def test_core_plans_advisor_headless_import_without_textual() -> None:
    names = [*TEXTUAL_FREE_MODULES]
    for package in TEXTUAL_FREE_PACKAGES:
        names.extend(_modules(package))
    assert len(names) > 20  # the walk found the layers' modules
    loaded = _loaded_after(names)
    leaked = sorted(m for m in loaded if m == "textual" or m.startswith(("textual.", "rich")))
    assert leaked == [], f"Textual/Rich imported by the headless layers: {leaked[:10]}"


def test_tui_app_import_path_loads_no_driver_sqlalchemy_or_sqlglot() -> None:
    loaded = _loaded_after(["tui.app"])
    assert "textual" in loaded  # sanity: the app itself is Textual
    heavy = sorted(m for m in loaded if m.split(".")[0] in HEAVY)
    assert heavy == [], f"imported on the way to the first frame: {heavy[:10]}"
