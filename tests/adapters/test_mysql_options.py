"""Where MySQL connection parameters come from (URL > option files > environment > defaults), the
socket default, TLS options, and the error mapping — no server needed."""

from __future__ import annotations

import getpass
from pathlib import Path

import pymysql
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tui.adapters.mysql_errors import map_error
from tui.adapters.mysql_options import read_option_files, resolve
from tui.core.connspec import parse_url
from tui.core.errors import (
    Cancelled,
    ConnectError,
    DbscopeError,
    Disconnected,
    PermissionError_,
    ReadOnlyViolation,
    UsageError,
)


def cnf(tmp_path: Path, text: str, name: str = "my.cnf") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_url_wins_over_option_file_and_environment(tmp_path: Path) -> None:
    files = [cnf(tmp_path, "[client]\nuser = filer\npassword = 'from file'\nhost = db.file\nport = 3307\n")]
    env = {"MYSQL_HOST": "db.env", "MYSQL_TCP_PORT": "3308", "MYSQL_PWD": "from env"}
    params = resolve(parse_url("mysql://urluser:urlpw@db.url:3309/shop"), env=env, option_files=files)
    assert (params.host, params.port, params.user, params.password, params.database) == (
        "db.url",
        3309,
        "urluser",
        "urlpw",
        "shop",
    )
    assert params.sources["password"] == "url"
    assert "urlpw" not in repr(params) and "urlpw" not in params.target


def test_option_file_wins_over_environment(tmp_path: Path) -> None:
    files = [
        cnf(tmp_path, '[client]\nuser = filer\npassword = "pw with # hash"\nhost = db.file\nport = 3307\n')
    ]
    env = {"MYSQL_HOST": "db.env", "MYSQL_TCP_PORT": "3308", "MYSQL_PWD": "from env"}
    params = resolve(parse_url("mysql:///shop"), env=env, option_files=files)
    assert (params.host, params.port, params.user, params.password) == (
        "db.file",
        3307,
        "filer",
        "pw with # hash",
    )
    assert params.sources == {
        "host": "option file",
        "port": "option file",
        "user": "option file",
        "password": "option file",
        "database": "url",
    }


def test_environment_then_defaults(tmp_path: Path) -> None:
    env = {"MYSQL_HOST": "db.env", "MYSQL_TCP_PORT": "3308", "MYSQL_PWD": "from env"}
    params = resolve(parse_url("mysql://"), env=env, option_files=[])
    assert (params.host, params.port, params.password) == ("db.env", 3308, "from env")
    assert params.user == getpass.getuser()  # the mysql client's Unix default: the login name
    bare = resolve(parse_url("mysql://127.0.0.1"), env={}, option_files=[])
    assert (bare.port, bare.password, bare.database, bare.unix_socket) == (3306, "", None, None)


def test_an_empty_url_password_is_explicit(tmp_path: Path) -> None:
    files = [cnf(tmp_path, "[client]\npassword = filepw\n")]
    params = resolve(parse_url("mysql://root:@127.0.0.1/x"), env={"MYSQL_PWD": "envpw"}, option_files=files)
    assert params.password == ""


def test_localhost_means_the_socket(tmp_path: Path) -> None:
    sock = tmp_path / "mysqld.sock"
    sock.write_text("")
    files = [cnf(tmp_path, f"[client-server]\nsocket = {sock}\n")]
    params = resolve(parse_url("mysql://root@localhost/x"), env={}, option_files=files)
    assert params.unix_socket == str(sock) and params.target == f"socket {sock}"
    assert "host" not in params.pymysql_kwargs() and params.pymysql_kwargs()["unix_socket"] == str(sock)
    env_socket = resolve(parse_url("mysql:///x"), env={"MYSQL_UNIX_PORT": "/tmp/env.sock"}, option_files=[])
    assert env_socket.unix_socket == "/tmp/env.sock"
    url_socket = resolve(
        parse_url("mysql://root@localhost/x?unix_socket=/tmp/u.sock"), env={}, option_files=files
    )
    assert url_socket.unix_socket == "/tmp/u.sock"
    tcp = resolve(parse_url("mysql://root@localhost/x?protocol=tcp"), env={}, option_files=files)
    assert (tcp.unix_socket, tcp.host) == (None, "localhost")
    remote = resolve(parse_url("mysql://root@10.0.0.5/x"), env={}, option_files=files)
    assert remote.unix_socket is None and remote.target == "10.0.0.5:3306"


def test_option_files_merge_groups_and_includes(tmp_path: Path) -> None:
    extra = tmp_path / "conf.d"
    extra.mkdir()
    (extra / "50-client.cnf").write_text("[client]\nport = 3310\n[mysqld]\nport = 9999\n")
    main = cnf(tmp_path, f"[client]\nuser = a\nport = 3301\n[mysql]\nuser = b\n!includedir {extra}\n")
    home = cnf(tmp_path, "[client]\nhost = 'quoted.host'\n", name="home.cnf")
    merged = read_option_files([main, home, tmp_path / "missing.cnf"])
    assert merged["user"] == "b"  # [mysql] is read after [client]
    assert merged["port"] == "3310"  # the included file comes after the including one
    assert merged["host"] == "quoted.host"
    assert "datadir" not in merged
    # An option before any [group] is an error, as in the mysql client ("Found option without
    # preceding group"): a file that is not an option file is not read on as one.
    with pytest.raises(UsageError, match="not an option file: line 1"):
        read_option_files([cnf(tmp_path, "garbage [[[\n= =\n", name="bad.cnf")])
    assert read_option_files([cnf(tmp_path, "# only comments\n\n; and this\n", name="empty.cnf")]) == {}


def test_tls_modes(tmp_path: Path) -> None:
    def ssl(query: str) -> tuple:
        p = resolve(parse_url(f"mysql://db.example/x?{query}"), env={}, option_files=[])
        kwargs = p.pymysql_kwargs()
        return kwargs.get("ssl"), kwargs.get("ssl_disabled", False)

    assert ssl("ssl_mode=DISABLED") == (None, True)
    assert ssl("ssl_mode=preferred") == (None, False)
    assert ssl("ssl_mode=REQUIRED") == ({"verify_mode": False, "check_hostname": False}, False)
    assert ssl("ssl_mode=VERIFY_IDENTITY&ssl_ca=/ca.pem") == (
        {"ca": "/ca.pem", "verify_mode": True, "check_hostname": True},
        False,
    )
    assert ssl("ssl_ca=/ca.pem&ssl_cert=/c.pem&ssl_key=/k.pem&ssl_verify_cert=true") == (
        {"ca": "/ca.pem", "cert": "/c.pem", "key": "/k.pem", "verify_mode": True},
        False,
    )
    with pytest.raises(UsageError):
        ssl("ssl_mode=VERIFY_CA")
    with pytest.raises(UsageError):
        ssl("ssl_mode=sometimes")
    with pytest.raises(UsageError):
        ssl("ssl_verify_cert=perhaps")


def test_bad_options(tmp_path: Path) -> None:
    for url in (
        "mysql://h/x?sslmode=require",
        "mysql://h/x?connect_timeout=soon",
        "mysql://h/x?connect_timeout=0",
        "mysql://h/x?protocol=pipe",
    ):
        with pytest.raises(UsageError):
            resolve(parse_url(url), env={}, option_files=[])
    with pytest.raises(UsageError):
        resolve(parse_url("mysql:///x"), env={"MYSQL_TCP_PORT": "many"}, option_files=[])


@pytest.mark.parametrize(
    ("number", "kind", "title"),
    [
        (1045, ConnectError, "Authentication failed"),
        (1698, ConnectError, "Authentication failed"),
        (1049, ConnectError, "Database missing"),
        (1142, PermissionError_, "Permission denied"),
        (1227, PermissionError_, "Permission denied"),
        (1792, ReadOnlyViolation, "Read-only session"),
        (3024, Cancelled, "Statement timeout"),
        (1969, Cancelled, "Statement timeout"),
        (1317, Cancelled, "Cancelled"),
        (1205, Cancelled, "Lock timeout"),
        (2013, Disconnected, "Disconnected"),
        (2006, Disconnected, "Disconnected"),
        (2003, ConnectError, "Host unreachable"),
    ],
)
def test_error_numbers(number: int, kind: type, title: str) -> None:
    error = map_error(
        pymysql.err.OperationalError(number, "something about user 'u' with pw hunter2"),
        target="db:3306",
        password="hunter2",
    )
    assert isinstance(error, kind) and error.title == title
    assert "hunter2" not in error.one_line()


def test_unreachable_host_messages() -> None:
    refused = map_error(
        pymysql.err.OperationalError(
            2003, "Can't connect to MySQL server on '127.0.0.1' ([Errno 111] Connection refused)"
        ),
        target="127.0.0.1:1",
    )
    assert refused.message == "cannot reach 127.0.0.1:1: Connection refused"
    unknown = map_error(
        pymysql.err.OperationalError(
            2003, "Can't connect to MySQL server on 'x.invalid' ([Errno -2] Name or service not known)"
        ),
        target="x.invalid:3306",
    )
    assert "unknown host" in unknown.message and "host name" in (unknown.hint or "")
    no_socket = map_error(
        pymysql.err.OperationalError(
            2003, "Can't connect to MySQL server on 'localhost' ([Errno 2] No such file or directory)"
        ),
        target="socket /run/mysqld/mysqld.sock",
    )
    assert "socket /run/mysqld/mysqld.sock" in no_socket.message and "unix_socket" in (no_socket.hint or "")


@settings(max_examples=300)
@given(
    st.dictionaries(
        st.sampled_from(
            sorted(
                [
                    "unix_socket",
                    "charset",
                    "connect_timeout",
                    "protocol",
                    "ssl_mode",
                    "ssl_ca",
                    "ssl_verify_cert",
                    "ssl_verify_identity",
                    "bogus",
                ]
            )
        ),
        st.text(max_size=12),
        max_size=4,
    ),
)
def test_any_url_options_resolve_or_raise_usage_errors(options: dict[str, str]) -> None:
    secret = "Zq8!vX2#a-long-secret"  # longer than any generated value, so never echoed by chance
    spec = parse_url(f"mysql://u:{secret.replace('#', '%23')}@db.example:3307/x")
    spec.params = dict(options)
    try:
        params = resolve(spec, env={}, option_files=[])
    except DbscopeError as exc:
        assert isinstance(exc, UsageError) and secret not in exc.one_line()
        return
    assert params.password == secret and params.port == 3307
