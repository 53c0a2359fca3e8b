"""Saved DDL, reports and exported rows are readable by the user alone, whatever the umask, and a
file or symlink planted under the name dbscope is about to use is never written through."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from tui.clipboard import save_text
from tui.core.connspec import parse_url
from tui.credentials import join_url_password, split_url_password


def test_saved_ddl_is_0600_under_a_permissive_umask(tmp_path: Path) -> None:
    old = os.umask(0o000)
    try:
        path = save_text("CREATE INDEX ...;", "shop.orders", folder=tmp_path / "exports")
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_text() == "CREATE INDEX ...;\n"


def test_a_planted_symlink_is_not_written_through(tmp_path: Path) -> None:
    victim = tmp_path / "victim"
    victim.write_text("untouched")
    first = save_text("one", "x", folder=tmp_path)
    # Plant a symlink under every name the next few saves could take in this second.
    stem = first.name.rsplit(".", 1)[0]
    for n in range(2, 6):
        (tmp_path / f"{stem}-{n}.sql").symlink_to(victim)
    second = save_text("two", "x", folder=tmp_path)
    assert victim.read_text() == "untouched"
    assert not second.is_symlink() and second.read_text() == "two\n"


_passwords = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=30)


@given(
    password=_passwords,
    user=st.sampled_from(["", "bob", "a.b-c"]),
    scheme=st.sampled_from(["postgresql", "mysql"]),
)
def test_password_moves_out_of_the_url_and_back(password: str, user: str, scheme: str) -> None:
    joined = join_url_password(f"{scheme}://{user}@db.example:5432/sales", password)
    without, found = split_url_password(joined)
    assert found == password
    assert password not in without or password in f"{scheme}://{user}@db.example:5432/sales"
    spec = parse_url(join_url_password(without, found))
    assert spec.password == password and spec.host == "db.example" and spec.database == "sales"
