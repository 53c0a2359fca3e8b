"""Settings from the TOML config file (XDG config dir), environment and flags; connection profiles.

Precedence: command-line flag > environment (``DBSCOPE_*``) > config file > default. A profile is a
named URL without a password (passwords come from .pgpass, .my.cnf, the environment or a prompt).

Example ``~/.config/dbscope/config.toml``::

    theme = "lcars"
    statement_timeout = 30      # seconds
    result_limit = 1000

    [keys]                      # binding id = key(s); ? in the app shows each key's id
    app.explain = "x"
    plan.hottest = "H"

    [profiles.prod]
    url = "postgresql://dba@db1.internal/shop?sslmode=require"
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tui.core.connspec import ConnectionSpec, parse_url
from tui.core.errors import UsageError
from tui.keymap import flatten_keys


def config_dir() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "dbscope"


def data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "dbscope"


def default_config_path() -> Path:
    return Path(os.environ.get("DBSCOPE_CONFIG") or config_dir() / "config.toml")


@dataclass(slots=True)
class Profile:
    name: str
    url: str
    read_write: bool = False


@dataclass(slots=True)
class Settings:
    theme: str = "dbscope-dark"
    statement_timeout_s: float = 30.0
    lock_timeout_s: float = 5.0
    result_limit: int = 1000
    mongo_sample_size: int = 200
    keys: dict[str, str] = field(default_factory=dict)
    profiles: dict[str, Profile] = field(default_factory=dict)
    path: Path | None = None
    plain: bool = False

    def connection_spec(self, target: str, *, read_write: bool = False) -> ConnectionSpec:
        """A URL or a profile name → ConnectionSpec with this config's timeouts applied."""
        profile = self.profiles.get(target)
        if profile is not None:
            spec = parse_url(profile.url)
            spec.read_write = read_write or profile.read_write
        else:
            if "://" not in target:
                known = ", ".join(sorted(self.profiles)) or "none defined"
                raise UsageError(
                    f"{target!r} is neither a URL nor a saved profile (profiles: {known})",
                    hint="e.g. postgresql:///mydb, mysql://root@127.0.0.1/test, mongodb://host/db",
                )
            spec = parse_url(target)
            spec.read_write = read_write
        spec.statement_timeout_ms = int(self.statement_timeout_s * 1000)
        spec.lock_timeout_ms = int(self.lock_timeout_s * 1000)
        return spec


def _number(data: dict[str, Any], key: str, default: float, path: Path) -> float:
    value = data.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise UsageError(f"{path}: {key} must be a non-negative number, not {value!r}")
    return float(value)


def load_settings(path: str | Path | None = None, *, statement_timeout: float | None = None) -> Settings:
    """Read the config file (missing file = defaults) and apply env overrides and flags."""
    config_path = Path(path) if path else default_config_path()
    data: dict[str, Any] = {}
    if config_path.exists():
        try:
            data = tomllib.loads(config_path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise UsageError(f"{config_path} is not valid TOML: {exc}") from None
        except OSError as exc:
            raise UsageError(f"cannot read {config_path}: {exc.strerror}") from None
    elif path:
        raise UsageError(f"config file {config_path} does not exist")
    settings = Settings(path=config_path)
    if "theme" in data:
        settings.theme = str(data["theme"])
    settings.statement_timeout_s = _number(
        data, "statement_timeout", settings.statement_timeout_s, config_path
    )
    settings.lock_timeout_s = _number(data, "lock_timeout", settings.lock_timeout_s, config_path)
    settings.result_limit = int(_number(data, "result_limit", settings.result_limit, config_path)) or 1000
    settings.mongo_sample_size = int(
        _number(data, "mongo_sample_size", settings.mongo_sample_size, config_path)
    )
    keys = data.get("keys", {})
    if not isinstance(keys, dict):
        raise UsageError(f"{config_path}: [keys] must map binding ids to key strings")
    try:
        settings.keys = flatten_keys(keys)  # plan.hottest = "H" is a nested table to TOML
    except ValueError as exc:
        raise UsageError(f"{config_path}: [keys]: {exc}") from None
    profiles = data.get("profiles", {})
    if not isinstance(profiles, dict):
        raise UsageError(f"{config_path}: [profiles] must be a table of tables")
    for name, body in profiles.items():
        if not isinstance(body, dict) or "url" not in body:
            raise UsageError(f"{config_path}: profile {name!r} needs a url")
        spec = parse_url(str(body["url"]))
        if spec.password:
            raise UsageError(
                f"{config_path}: profile {name!r} contains a password",
                hint="keep passwords in ~/.pgpass, ~/.my.cnf or the environment",
            )
        settings.profiles[name] = Profile(name, str(body["url"]), bool(body.get("read_write", False)))
    env_timeout = os.environ.get("DBSCOPE_STATEMENT_TIMEOUT")
    if env_timeout:
        try:
            settings.statement_timeout_s = float(env_timeout)
        except ValueError:
            raise UsageError(f"DBSCOPE_STATEMENT_TIMEOUT={env_timeout!r} is not a number") from None
    if os.environ.get("DBSCOPE_THEME"):
        settings.theme = os.environ["DBSCOPE_THEME"]
    if statement_timeout is not None:
        settings.statement_timeout_s = statement_timeout
    return settings
