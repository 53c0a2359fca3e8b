"""Number formatting shared by the voice, the headless renderers and the UI: thousands separators,
units, sizes and durations, so every surface says the same number the same way."""

from __future__ import annotations

import math


def num(value: float | int | None, digits: int = 0) -> str:
    """``1234567.891`` → ``1,234,567`` (or with ``digits`` decimals). None → ``–``."""
    if value is None:
        return "–"
    if isinstance(value, float) and (math.isinf(value) or math.isnan(value)):
        return "∞" if math.isinf(value) else "–"
    if digits == 0:
        return f"{round(value):,}"
    return f"{value:,.{digits}f}"


def smart(value: float | int | None) -> str:
    """Integers without decimals, small floats with up to 2 significant decimals."""
    if value is None:
        return "–"
    if isinstance(value, int) or float(value).is_integer():
        return num(value)
    if abs(value) >= 100 and abs(value - round(value)) <= 1e-9 * abs(value):
        return num(round(value))  # a count that float arithmetic left at 199,998.99999999997
    if abs(value) >= 100:
        return num(value, 1)
    if abs(value) >= 1:
        return num(value, 2)
    return f"{value:.3g}"


def ms(value: float | None) -> str:
    """Milliseconds with a unit that reads well: ``0.042 ms``, ``12.3 ms``, ``4.21 s``, ``3 min 2 s``."""
    if value is None:
        return "–"
    if value < 1:
        return f"{value:.3f} ms"
    if value < 1000:
        return f"{value:,.1f} ms"
    seconds = value / 1000
    if seconds < 120:
        return f"{seconds:,.2f} s"
    minutes, sec = divmod(seconds, 60)
    if minutes < 120:
        return f"{int(minutes)} min {int(sec)} s"
    hours, minutes = divmod(minutes, 60)
    return f"{int(hours)} h {int(minutes)} min"


def age(days: float | None) -> str:
    """An age in days that reads well when short: ``12 min 5 s``, ``5 h 2 min``, ``3.5 days``."""
    if days is None:
        return "–"
    if days < 1:
        return ms(days * 86_400_000)
    return f"{days:,.1f} days"


def size(value: float | int | None) -> str:
    """Bytes in binary units: ``8.0 kB``, ``1.4 MB``, ``3.2 GB`` (1 kB = 1,024 bytes, as PostgreSQL)."""
    if value is None:
        return "–"
    amount = float(value)
    for unit in ("bytes", "kB", "MB", "GB", "TB"):
        if abs(amount) < 1024 or unit == "TB":
            return f"{int(amount):,} bytes" if unit == "bytes" else f"{amount:,.1f} {unit}"
        amount /= 1024
    return f"{amount:,.1f} PB"


def pct(fraction: float | None, digits: int = 1) -> str:
    """A 0..1 fraction as a percentage, keeping tiny shares visible (``0.0045 %``)."""
    if fraction is None:
        return "–"
    value = fraction * 100
    if value != 0 and abs(value) < 0.1:
        return f"{value:.2g} %"
    return f"{value:,.{digits}f} %"


def factor(value: float | None) -> str:
    if value is None:
        return "–"
    if math.isinf(value):
        return "∞×"
    return f"{value:,.0f}×" if value >= 10 else f"{value:,.1f}×"
