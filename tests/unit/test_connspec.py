"""URL parsing and secret masking: examples and properties."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tui.core.connspec import mask_secrets, parse_url
from tui.core.errors import UsageError


@pytest.mark.parametrize(
    ("url", "engine", "host", "port", "user", "database"),
    [
        ("postgresql:///test", "postgresql", None, None, None, "test"),
        ("postgres://dba@db1:6432/shop?sslmode=require", "postgresql", "db1", 6432, "dba", "shop"),
        ("postgresql://u:p%40ss@[::1]:5432/d", "postgresql", "::1", 5432, "u", "d"),
        ("mysql://root@127.0.0.1/test", "mysql", "127.0.0.1", None, "root", "test"),
        ("mariadb://root:pw@localhost:3307/", "mysql", "localhost", 3307, "root", None),
        ("mongodb://a:b@h1:27017,h2:27018/shop?replicaSet=rs0", "mongodb", "h1", 27017, "a", "shop"),
        ("mongodb+srv://cluster0.example.net/db", "mongodb", "cluster0.example.net", None, None, "db"),
    ],
)
def test_examples(
    url: str, engine: str, host: str | None, port: int | None, user: str | None, database: str | None
) -> None:
    spec = parse_url(url)
    assert (spec.engine, spec.host, spec.port, spec.user, spec.database) == (
        engine,
        host,
        port,
        user,
        database,
    )


def test_password_is_decoded_but_never_shown() -> None:
    spec = parse_url("postgresql://u:p%40ss@h/d")
    assert spec.password == "p@ss"
    assert "p%40ss" not in spec.masked and "p@ss" not in repr(spec)
    assert spec.display == "u@h/d"
    assert parse_url("postgresql:///d?host=/var/run/postgresql").display == "socket /var/run/postgresql/d"


@pytest.mark.parametrize(
    ("url", "fragment"),
    [
        ("", "empty"),
        ("oracle://x/y", "unknown scheme 'oracle'"),
        ("just-a-name", "is not a URL"),
        ("postgresql://u:secret@h:99999/d", "malformed"),
        ("mongodb://u:secret@/db", "no host"),
        ("mysql://h/a/b", "may not contain"),
    ],
)
def test_errors_are_usage_errors_with_masked_text(url: str, fragment: str) -> None:
    with pytest.raises(UsageError) as err:
        parse_url(url)
    assert fragment in err.value.one_line()
    assert "secret" not in err.value.one_line()
    assert err.value.exit_code == 2


def test_mask_secrets_forms() -> None:
    assert mask_secrets("postgresql://u:pw@h/d") == "postgresql://u:***@h/d"
    assert mask_secrets("host=h password=s3cret user=u") == "host=h password=*** user=u"
    assert mask_secrets("password = 'a b c' x") == "password = *** x"
    assert mask_secrets("mysql://root@h/d") == "mysql://root@h/d"


@settings(max_examples=400, deadline=None)
@given(st.text())
def test_any_text_parses_or_raises_usage_error(text: str) -> None:
    with contextlib.suppress(UsageError):
        parse_url(text)


@settings(max_examples=300, deadline=None)
@given(
    scheme=st.sampled_from(["postgresql", "postgres", "mysql", "mariadb", "mongodb"]),
    user=st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True),
    password=st.text(
        alphabet=st.characters(blacklist_characters="@/:?#[]%\\", blacklist_categories=("Cs", "Cc")),
        min_size=4,
        max_size=20,
    ),
    host=st.from_regex(r"[a-z][a-z0-9-]{0,10}", fullmatch=True),
)
def test_password_never_survives_masking(scheme: str, user: str, password: str, host: str) -> None:
    password = "Zq9" + password  # a marker that appears nowhere else in the URL
    url = f"{scheme}://{user}:{password}@{host}/db"
    try:
        spec = parse_url(url)
    except UsageError as err:
        assert "Zq9" not in err.value.one_line()
        return
    assert spec.password == password
    assert "Zq9" not in spec.masked and "Zq9" not in repr(spec) and "Zq9" not in spec.display
