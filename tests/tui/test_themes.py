"""Theme files: every shipped theme loads, broken files name the file and the field, the ssh-256 theme
uses exact xterm-256 colours whose surfaces stay distinct after Rich's 256-colour downgrade."""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.color import Color as RichColor
from rich.color import ColorSystem, ColorType
from textual.color import Color

from tui.core.errors import UsageError
from tui.themes import (
    ThemeError,
    load_theme_file,
    load_themes,
    resolve_theme_name,
    shipped_theme_dir,
)

SHIPPED = ("dbscope-dark", "dbscope-light", "lcars", "ssh-256")
CUBE = (0x00, 0x5F, 0x87, 0xAF, 0xD7, 0xFF)
GREYS = tuple(8 + 10 * k for k in range(24))


def test_every_shipped_theme_loads_and_converts() -> None:
    themes = load_themes([shipped_theme_dir()])
    assert themes.errors == []
    assert set(SHIPPED) <= set(themes.themes)
    for spec in themes.themes.values():
        theme = spec.to_textual()
        assert theme.name == spec.name
        theme.to_color_system().generate()  # every derived variable computes


def test_lcars_is_black_with_orange_peach_lavender_blue() -> None:
    spec = load_themes([shipped_theme_dir()]).themes["lcars"]
    assert spec.colors["background"] == "#000000"
    assert spec.colors["primary"] == "#FF9900"  # orange band
    assert spec.colors["foreground"] == "#FFCC99"  # peach
    assert spec.colors["accent"] == "#CC99CC"  # lavender
    assert spec.colors["secondary"] == "#9999FF"  # blue


def _in_xterm_256(hex_color: str) -> bool:
    color = Color.parse(hex_color)
    rgb = (color.r, color.g, color.b)
    return all(c in CUBE for c in rgb) or (rgb[0] == rgb[1] == rgb[2] and rgb[0] in GREYS)


def _downgraded(hex_color: str) -> int:
    color = Color.parse(hex_color)
    rich = RichColor.from_rgb(color.r, color.g, color.b).downgrade(ColorSystem.EIGHT_BIT)
    assert rich.type in (ColorType.EIGHT_BIT, ColorType.STANDARD)
    assert rich.number is not None
    return rich.number


def test_ssh_256_uses_only_exact_xterm_256_colours() -> None:
    spec = load_themes([shipped_theme_dir()]).themes["ssh-256"]
    values = list(spec.colors.values()) + [v for v in spec.variables.values() if v.startswith("#")]
    assert len(values) >= 15
    for value in values:
        assert _in_xterm_256(value), value


def test_ssh_256_surfaces_stay_distinct_after_the_256_colour_downgrade() -> None:
    spec = load_themes([shipped_theme_dir()]).themes["ssh-256"]
    generated = spec.to_textual().to_color_system().generate()
    surfaces = ("background", "surface", "panel")
    numbers = {name: _downgraded(generated[name]) for name in surfaces}
    assert len(set(numbers.values())) == 3, numbers
    assert numbers == {"background": 233, "surface": 235, "panel": 237}
    # The focused and blurred pane borders, the footer and the text stay apart from the ground too.
    for name in ("border", "border-blurred", "foreground", "primary"):
        assert _downgraded(generated[name]) not in numbers.values(), name
    assert _downgraded(generated["border"]) != _downgraded(generated["border-blurred"])


def test_dbscope_dark_surfaces_collapse_in_256_colours_which_is_why_ssh_256_exists() -> None:
    """Documents the problem ssh-256 solves: a truecolor palette's close surfaces merge after downgrade."""
    spec = load_themes([shipped_theme_dir()]).themes["dbscope-dark"]
    generated = spec.to_textual().to_color_system().generate()
    numbers = [_downgraded(generated[name]) for name in ("background", "surface", "panel")]
    assert len(set(numbers)) < 3, numbers


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        ('name = "x"\nprimary = "#12345"\n', "field 'primary'"),
        ('name = "x"\nprimary = "#112233"\nbackground = "notacolour"\n', "field 'background'"),
        ('name = "x"\nsecondary = "#112233"\n', "field 'primary' is required"),
        ('name = "x"\nprimary = "#112233"\nshiny = true\n', "unknown field 'shiny'"),
        ('name = "X Y"\nprimary = "#112233"\n', "field 'name'"),
        ('name = "x"\nprimary = "#112233"\ndark = "yes"\n', "field 'dark'"),
        ('name = "x"\nprimary = "#112233"\nluminosity_spread = 3\n', "field 'luminosity_spread'"),
        ('name = "x"\nprimary = "#112233"\n[variables]\nborder = "#GGHHII"\n', "field 'variables.border'"),
        ('name = "x"\nprimary = "#112233"\n[variables]\nborder = "#112233 lots"\n', "alpha percentage"),
        ('name = "x"\nprimary = "#112233\n', "not valid TOML"),
    ],
)
def test_broken_theme_file_names_the_file_and_the_field(tmp_path: Path, content: str, needle: str) -> None:
    path = tmp_path / "broken.toml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ThemeError) as info:
        load_theme_file(path)
    text = info.value.one_line()
    assert str(path) in text
    assert needle in text
    assert info.value.exit_code == 2


def test_not_utf8_theme_file(tmp_path: Path) -> None:
    path = tmp_path / "latin.toml"
    path.write_bytes(b'name = "caf\xe9"\nprimary = "#112233"\n')
    with pytest.raises(ThemeError, match="not UTF-8"):
        load_theme_file(path)


def test_a_broken_user_theme_is_skipped_and_reported_not_fatal(tmp_path: Path) -> None:
    (tmp_path / "good.toml").write_text('primary = "#336699"\n', encoding="utf-8")
    (tmp_path / "bad.toml").write_text('primary = "blurple-ish"\n', encoding="utf-8")
    themes = load_themes([shipped_theme_dir(), tmp_path])
    assert "good" in themes.themes  # name defaults to the file name
    assert "lcars" in themes.themes
    assert len(themes.errors) == 1 and "bad.toml" in themes.errors[0].message
    # Asking for the broken theme by name raises its own error, naming file and field.
    with pytest.raises(ThemeError, match=r"bad\.toml: field 'primary'"):
        resolve_theme_name("bad", themes)


def test_resolve_theme_name_accepts_builtins_and_lists_choices(tmp_path: Path) -> None:
    themes = load_themes([shipped_theme_dir()])
    assert resolve_theme_name("nord", themes) == "nord"
    assert resolve_theme_name("ssh-256", themes) == "ssh-256"
    with pytest.raises(UsageError) as info:
        resolve_theme_name("no-such-theme", themes)
    assert "lcars" in (info.value.hint or "") and "textual-dark" in (info.value.hint or "")


def test_user_theme_dir_overrides_and_is_loaded_by_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    folder = tmp_path / "dbscope" / "themes"
    folder.mkdir(parents=True)
    (folder / "mine.toml").write_text('name = "mine"\nprimary = "#AA5500"\ndark = false\n', encoding="utf-8")
    themes = load_themes()
    assert themes.themes["mine"].dark is False
    assert "lcars" in themes.themes
