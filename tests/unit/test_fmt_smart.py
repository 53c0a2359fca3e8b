"""fmt.smart: counts that float arithmetic left a hair off an integer print as integers (evidence rows
in the advisor panel read "199,999", not "199,999.0"); real fractions keep their decimals."""

from __future__ import annotations

from tui.core import fmt


def test_float_counts_print_as_integers() -> None:
    assert fmt.smart(0.1 * 3 * 1_000_000) == "300,000"  # 300000.00000000006
    assert fmt.smart(3271.0) == "3,271"
    assert fmt.smart(3271.0000000001) == "3,271"


def test_fractions_keep_their_decimals() -> None:
    assert fmt.smart(3271.5) == "3,271.5"
    assert fmt.smart(12.345) == "12.35"
    assert fmt.smart(0.75) == "0.75"
    assert fmt.smart(199999.4) == "199,999.4"
