"""Theme files: load ``themes/*.toml`` (shipped) and ``<config dir>/themes/*.toml`` (the user's),
validate every field, and convert them to Textual themes on demand.

Parsing and validation never import Textual at module level (``dbscope doctor`` validates themes
without the UI); colour checks and ``to_textual`` import Textual's colour and theme modules lazily.
A broken file yields a ``ThemeError`` that names the file and the field.

File format (every key but ``primary`` optional; ``name`` defaults to the file name)::

    name = "lcars"
    dark = true
    primary = "#FF9900"
    background = "#000000"
    luminosity_spread = 0.15
    [variables]                 # Textual component variables, e.g. footer-key-foreground
    border = "#FF9900"
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tui.core.errors import UsageError

if TYPE_CHECKING:
    from textual.theme import Theme

COLOR_FIELDS = (
    "primary",
    "secondary",
    "warning",
    "error",
    "success",
    "accent",
    "foreground",
    "background",
    "surface",
    "panel",
    "boost",
)
FLOAT_FIELDS = ("luminosity_spread", "text_alpha")
BOOL_FIELDS = ("dark", "ansi")
KNOWN_FIELDS = frozenset({"name", "variables", "description", *COLOR_FIELDS, *FLOAT_FIELDS, *BOOL_FIELDS})
_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
# Variables may hold colours ("#FF9900", "#ff990080", "ansi_red 50%") or styles ("bold", "none").
_VARIABLE_NAME = re.compile(r"^[a-z][a-z0-9-]*$")


class ThemeError(UsageError):
    """A theme file is unreadable or a field in it is invalid (names the file and the field)."""

    default_title = "Theme file invalid"


@dataclass(slots=True)
class ThemeSpec:
    """A validated theme file: its colours as written, ready for ``to_textual()``."""

    name: str
    path: Path
    colors: dict[str, str] = field(default_factory=dict)
    dark: bool = True
    ansi: bool = False
    luminosity_spread: float | None = None
    text_alpha: float | None = None
    variables: dict[str, str] = field(default_factory=dict)
    description: str = ""

    def to_textual(self) -> Theme:
        from textual.theme import Theme

        kwargs: dict[str, Any] = dict(self.colors)
        if self.luminosity_spread is not None:
            kwargs["luminosity_spread"] = self.luminosity_spread
        if self.text_alpha is not None:
            kwargs["text_alpha"] = self.text_alpha
        return Theme(name=self.name, dark=self.dark, ansi=self.ansi, variables=dict(self.variables), **kwargs)


def shipped_theme_dir() -> Path:
    """The themes shipped with dbscope (``tui/themes`` links to the repository's ``themes/``)."""
    return Path(__file__).resolve().parent / "themes"


def user_theme_dir() -> Path:
    from tui.config import config_dir

    return config_dir() / "themes"


def _check_color(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ThemeError(f'{where} must be a colour string such as "#FF9900", not {value!r}')
    from textual.color import Color, ColorParseError

    try:
        Color.parse(value.strip())
    except ColorParseError:
        raise ThemeError(
            f"{where}: {value!r} is not a colour",
            hint='use "#RRGGBB", "#RRGGBBAA", "rgb(r, g, b)" or a colour name',
        ) from None
    return value.strip()


def _check_variable(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ThemeError(f"{where} must be a non-empty string, not {value!r}")
    text = value.strip()
    words = text.split()
    if words[0].startswith(("#", "rgb", "hsl", "ansi_")) or len(words) > 1:
        _check_color(words[0], where)
        if len(words) == 2 and not re.fullmatch(r"\d{1,3}%", words[1]):
            raise ThemeError(f"{where}: {words[1]!r} is not an alpha percentage such as 35%")
    return text


def parse_theme(data: dict[str, Any], path: Path) -> ThemeSpec:
    """Validate the decoded TOML of one theme file."""
    where = str(path)
    unknown = sorted(set(data) - KNOWN_FIELDS)
    if unknown:
        raise ThemeError(
            f"{where}: unknown field {unknown[0]!r}",
            hint=f"known fields: {', '.join(sorted(KNOWN_FIELDS))}",
        )
    name = data.get("name", path.stem)
    if not isinstance(name, str) or not _NAME.match(name):
        raise ThemeError(f"{where}: field 'name' must be lowercase letters, digits, '-' or '_', not {name!r}")
    if "primary" not in data:
        raise ThemeError(f"{where}: field 'primary' is required")
    spec = ThemeSpec(name=name, path=path)
    for key in COLOR_FIELDS:
        if key in data:
            spec.colors[key] = _check_color(data[key], f"{where}: field {key!r}")
    for key in BOOL_FIELDS:
        if key in data:
            if not isinstance(data[key], bool):
                raise ThemeError(f"{where}: field {key!r} must be true or false, not {data[key]!r}")
            setattr(spec, key, data[key])
    for key in FLOAT_FIELDS:
        if key in data:
            value = data[key]
            if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
                raise ThemeError(f"{where}: field {key!r} must be a number from 0 to 1, not {value!r}")
            setattr(spec, key, float(value))
    description = data.get("description", "")
    if not isinstance(description, str):
        raise ThemeError(f"{where}: field 'description' must be a string")
    spec.description = description
    variables = data.get("variables", {})
    if not isinstance(variables, dict):
        raise ThemeError(f"{where}: field 'variables' must be a table of name = value")
    for key, value in variables.items():
        if not _VARIABLE_NAME.match(key):
            raise ThemeError(f"{where}: variables.{key} is not a valid variable name")
        spec.variables[key] = _check_variable(value, f"{where}: field 'variables.{key}'")
    return spec


def load_theme_file(path: Path) -> ThemeSpec:
    """Read and validate one theme file, or raise ThemeError naming the file (and field)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ThemeError(f"cannot read theme file {path}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise ThemeError(f"{path} is not UTF-8 text") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ThemeError(f"{path} is not valid TOML: {exc}") from None
    return parse_theme(data, path)


@dataclass(slots=True)
class ThemeSet:
    """Every theme file found: the valid ones by name, and the errors of the broken ones."""

    themes: dict[str, ThemeSpec] = field(default_factory=dict)
    errors: list[ThemeError] = field(default_factory=list)


def load_themes(directories: list[Path] | None = None) -> ThemeSet:
    """Load every ``*.toml`` of the shipped and user theme folders (later folders override names)."""
    folders = directories if directories is not None else [shipped_theme_dir(), user_theme_dir()]
    result = ThemeSet()
    for folder in folders:
        if not folder.is_dir():
            continue
        for path in sorted(folder.glob("*.toml")):
            try:
                spec = load_theme_file(path)
            except ThemeError as exc:
                result.errors.append(exc)
                continue
            result.themes[spec.name] = spec
    return result


def builtin_theme_names() -> list[str]:
    from textual.theme import BUILTIN_THEMES

    return sorted(BUILTIN_THEMES)


def resolve_theme_name(name: str, themes: ThemeSet) -> str:
    """Check that ``name`` is a dbscope theme file or a Textual built-in; raise a helpful error if not.

    When the requested theme's file exists but is broken, the file's own error is raised."""
    if name in themes.themes or name in builtin_theme_names():
        return name
    for error in themes.errors:
        if Path(str(error.message).split(":", 1)[0]).stem == name or f"/{name}.toml" in error.message:
            raise error
    available = ", ".join([*sorted(themes.themes), *builtin_theme_names()])
    raise UsageError(f"unknown theme {name!r}", hint=f"available: {available}")
