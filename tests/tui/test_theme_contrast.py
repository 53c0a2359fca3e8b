"""Legibility of the shipped themes, measured with WCAG contrast ratios on the colours Textual derives
from each theme file: body and muted text on surfaces and panels, the severity and plan-threshold
colours on the surface, the focused cursor row; and the plan tree's three threshold colours (yellow /
orange / red: > 10 / 50 / 90 % of the total) far enough apart to tell apart in every theme, also after
the 256-colour downgrade an SSH session without truecolor applies."""

from __future__ import annotations

import math

import pytest
from rich.color import Color as RichColor
from rich.color import ColorSystem
from textual.color import Color

from tui.themes import load_themes, shipped_theme_dir

THEMES = load_themes([shipped_theme_dir()]).themes
PLAN_LEVEL_2_DEFAULT = "#ff8700"  # tui.widgets.plan_tree's CSS, for themes without plan-level-2


def _variables(name: str) -> dict[str, str]:
    theme = THEMES[name].to_textual()
    variables = theme.to_color_system().generate()
    variables.update(theme.variables)
    return variables


def _color(variables: dict[str, str], key: str, on: Color) -> Color:
    """A variable as the colour seen on ``on`` (alpha blended; "auto N%" = Textual's contrast text)."""
    raw = variables[key]
    if raw.startswith("auto"):
        alpha = float(raw.split()[1].rstrip("%")) / 100 if len(raw.split()) > 1 else 1.0
        return on.blend(on.get_contrast_text(1.0), alpha)
    color = Color.parse(raw)
    return on.blend(color.with_alpha(1.0), color.a) if color.a < 1 else color


def _luminance(color: Color) -> float:
    def channel(value: int) -> float:
        v = value / 255
        return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(color.r) + 0.7152 * channel(color.g) + 0.0722 * channel(color.b)


def contrast(a: Color, b: Color) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def _distance(a: Color, b: Color) -> float:
    return math.dist((a.r, a.g, a.b), (b.r, b.g, b.b))


def _downgraded(color: Color) -> Color:
    rich = RichColor.from_rgb(color.r, color.g, color.b).downgrade(ColorSystem.EIGHT_BIT)
    triplet = rich.get_truecolor()
    return Color(triplet.red, triplet.green, triplet.blue)


def test_contrast_helper_matches_wcag() -> None:
    assert contrast(Color(0, 0, 0), Color(255, 255, 255)) == pytest.approx(21.0)
    assert contrast(Color(119, 119, 119), Color(255, 255, 255)) == pytest.approx(4.48, abs=0.01)


@pytest.mark.parametrize("name", sorted(THEMES))
def test_text_is_legible_on_surfaces_and_panels(name: str) -> None:
    variables = _variables(name)
    for background in ("surface", "panel", "background"):
        on = Color.parse(variables[background])
        assert contrast(_color(variables, "foreground", on), on) >= 7, (name, background)
        for muted in ("foreground-muted", "text-muted"):
            assert contrast(_color(variables, muted, on), on) >= 4.5, (name, muted, background)


@pytest.mark.parametrize("name", sorted(THEMES))
def test_severity_and_threshold_colours_are_legible(name: str) -> None:
    variables = _variables(name)
    surface = Color.parse(variables["surface"])
    for key in ("text-error", "text-warning", "text-primary", "text-success", "text-accent"):
        assert contrast(_color(variables, key, surface), surface) >= 4.5, (name, key)
    level_2 = Color.parse(variables.get("plan-level-2", PLAN_LEVEL_2_DEFAULT))
    assert contrast(level_2, surface) >= 4.5, (name, "plan-level-2")


@pytest.mark.parametrize("name", sorted(THEMES))
@pytest.mark.parametrize("colors", ["truecolor", "256"])
def test_plan_threshold_colours_stay_distinct(name: str, colors: str) -> None:
    variables = _variables(name)
    surface = Color.parse(variables["surface"])
    levels = [
        _color(variables, "text-warning", surface),
        Color.parse(variables.get("plan-level-2", PLAN_LEVEL_2_DEFAULT)),
        _color(variables, "text-error", surface),
    ]
    if colors == "256":
        levels = [_downgraded(color) for color in levels]
    for i in range(3):
        for j in range(i + 1, 3):
            assert _distance(levels[i], levels[j]) >= 40, (name, colors, i + 1, j + 1, levels)


@pytest.mark.parametrize("name", sorted(THEMES))
def test_focused_cursor_row_is_legible(name: str) -> None:
    variables = _variables(name)
    cursor = Color.parse(variables["block-cursor-background"])
    assert contrast(_color(variables, "block-cursor-foreground", cursor), cursor) >= 4.5, name
