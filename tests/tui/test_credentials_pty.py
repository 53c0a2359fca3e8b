"""Passwords outside the URL's text, live on throwaway servers with password authentication, each
case in a pseudo-terminal that is the program's controlling terminal (as over SSH):

- The server wants a password and none was given: with a terminal dbscope asks (no echo), once, and
  connects; a wrong answer fails as authentication does; without a terminal the one line says where a
  password goes safely. The CLI and the TUI; PostgreSQL (scram) and MariaDB (1045, password: NO).
- A password in the URL on the command line is not in ``/proc/PID/cmdline`` (what ``ps`` shows every
  user) once dbscope runs, and the session still logs in with it.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest

from tests.clusters import Cluster, MariaDB, app_cluster, make_mariadb
from tests.conftest import unavailable
from tests.pty_support import Session, spawn

PASSWORD = "Sw0rdfish-prompt-Ω"
DBSCOPE = str(Path(sys.executable).with_name("dbscope"))


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    made = app_cluster(PASSWORD, "CREATE TABLE t (id int PRIMARY KEY); ALTER TABLE t OWNER TO app")
    if made is None:
        unavailable("PostgreSQL server binaries are not installed")
    assert made is not None
    yield made
    made.destroy()


@pytest.fixture
def clean_env(tmp_path: Path) -> dict[str, str]:
    """No password from anywhere else: an empty home (no .pgpass, no .my.cnf), no PG*/MYSQL_* vars."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PG", "MYSQL_"))}
    env.update(
        HOME=str(tmp_path), XDG_CONFIG_HOME=str(tmp_path / "cfg"), XDG_DATA_HOME=str(tmp_path / "data")
    )
    env["PGPASSFILE"] = str(tmp_path / "no-pgpass")
    return env


def _no_password_url(cluster: Cluster) -> str:
    return f"postgresql://app@127.0.0.1:{cluster.port}/appdb"


def _finish(session: Session, seconds: float = 30) -> int:
    try:
        code = session.process.wait(timeout=seconds)
        session.settle(0.2, 2)
        return code
    finally:
        session.close()


def _seen(session: Session) -> str:
    return bytes(session.seen).decode("utf-8", "replace")


def test_cli_asks_for_the_password_once_and_connects(cluster: Cluster, clean_env: dict[str, str]) -> None:
    session = spawn(
        [DBSCOPE, "explain", _no_password_url(cluster), "SELECT id FROM t", "--plain"], env=clean_env
    )
    assert session.read_until(b"Password for app@127.0.0.1", 30), _seen(session)
    session.type(PASSWORD.encode() + b"\r")
    code = _finish(session)
    text = _seen(session)
    assert code == 0, text[-2000:]
    assert "Password for app@127.0.0.1" in text and text.count("Password for") == 1
    assert PASSWORD not in text  # getpass does not echo
    assert "Traceback" not in text


def test_cli_wrong_password_at_the_prompt_fails_as_authentication(
    cluster: Cluster, clean_env: dict[str, str]
) -> None:
    session = spawn([DBSCOPE, "explain", _no_password_url(cluster), "SELECT 1"], env=clean_env)
    assert session.read_until(b"Password for", 30), _seen(session)
    session.type(b"not-the-password\r")
    code = _finish(session)
    text = _seen(session)
    assert code == 3, text[-2000:]
    assert text.count("Password for") == 1  # asked once, not in a loop
    assert "Authentication failed" in text and "Traceback" not in text
    assert "not-the-password" not in text


def test_cli_without_a_terminal_says_where_a_password_goes(
    cluster: Cluster, clean_env: dict[str, str]
) -> None:
    done = subprocess.run(
        [DBSCOPE, "explain", _no_password_url(cluster), "SELECT 1"],
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
        env=clean_env,
    )
    assert done.returncode == 3, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in done.stderr
    assert ".pgpass" in lines[0] and "PGPASSWORD" in lines[0] and "terminal" in lines[0]
    assert "Password for" not in done.stderr + done.stdout


def test_tui_asks_for_the_password_and_shows_the_tree(cluster: Cluster, clean_env: dict[str, str]) -> None:
    session = spawn([sys.executable, "-m", "tui", _no_password_url(cluster)], env=clean_env)
    try:
        assert session.read_until(b"Password for app@127.0.0.1", 30), _seen(session)
        session.type(PASSWORD.encode() + b"\r")
        assert session.read_until(b"public", 30), _seen(session)[-2000:]
        session.settle()
        session.type(b"\x11")  # ctrl+q
        assert session.process.wait(timeout=20) == 0
    finally:
        session.close()
    text = _seen(session)
    assert text.count("Password for") == 1 and PASSWORD not in text


def test_tui_without_an_answer_leaves_with_the_error(cluster: Cluster, clean_env: dict[str, str]) -> None:
    session = spawn([sys.executable, "-m", "tui", _no_password_url(cluster)], env=clean_env)
    assert session.read_until(b"Password for", 30), _seen(session)
    session.type(b"\r")  # nothing typed
    code = _finish(session)
    text = _seen(session)
    assert code == 3, text[-2000:]
    assert "Authentication failed" in text and ".pgpass" in text and "Traceback" not in text


# -- argv -------------------------------------------------------------------------------------------------
def _cmdline(pid: int) -> bytes:
    with open(f"/proc/{pid}/cmdline", "rb") as handle:
        return handle.read()


def _environ(pid: int) -> bytes:
    with open(f"/proc/{pid}/environ", "rb") as handle:
        return handle.read()


def test_tui_url_password_is_not_in_the_process_arguments(
    cluster: Cluster, clean_env: dict[str, str]
) -> None:
    url = cluster.tcp_url("app", quote(PASSWORD), "appdb")
    session = spawn([DBSCOPE, url], env=clean_env)
    try:
        assert session.read_until(b"public", 30), _seen(session)[-2000:]  # logged in: the password arrived
        pid = session.process.pid
        arguments = _cmdline(pid)
        assert quote(PASSWORD).encode() not in arguments and PASSWORD.encode() not in arguments
        assert b"app:***@127.0.0.1" in arguments
        assert quote(PASSWORD).encode() not in _environ(pid)
        assert (Path(f"/proc/{pid}/comm").read_text().strip()) == "dbscope"  # pgrep dbscope still works
        session.settle()
        session.type(b"\x11")
        assert session.process.wait(timeout=20) == 0
    finally:
        session.close()
    assert "Password for" not in _seen(session)


def test_headless_url_password_is_scrubbed_within_the_start_up_window() -> None:
    """A server that accepts the TCP connection and never answers holds ``dbscope explain`` in its
    connect for seconds: long enough to watch its arguments from the first moment."""
    secret = "Hunter2-argv-probe"
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        port = listener.getsockname()[1]
        url = f"postgresql://app:{secret}@127.0.0.1:{port}/db?connect_timeout=4"
        started = time.monotonic()
        process = subprocess.Popen(
            [DBSCOPE, "explain", url, "SELECT 1"], stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        last_seen = 0.0
        clean_for = 0
        try:
            while process.poll() is None and clean_for < 40:
                try:
                    arguments = _cmdline(process.pid)
                except OSError:
                    break
                now = time.monotonic() - started
                if secret.encode() in arguments:
                    last_seen, clean_for = now, 0
                elif b"***@127.0.0.1" in arguments:
                    clean_for += 1
                time.sleep(0.005)
            assert clean_for >= 40, "the arguments never lost the password"
            assert secret.encode() not in _environ(process.pid)
        finally:
            out, err = process.communicate(timeout=30)
    assert last_seen < 1.0, f"the password stayed in argv for {last_seen:.3f} s"
    assert process.returncode == 3 and secret.encode() not in out + err
    assert b"Traceback" not in err


# -- MariaDB ----------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def mariadb() -> Iterator[MariaDB]:
    import pymysql

    made = make_mariadb()
    if made is None:
        unavailable("MariaDB server binaries are not installed")
    assert made is not None
    conn = pymysql.connect(**made.connect_kwargs(), autocommit=True)  # type: ignore[arg-type]
    try:
        with conn.cursor() as cur:
            cur.execute("CREATE USER 'app'@'%%' IDENTIFIED BY %s", (PASSWORD,))
            cur.execute("CREATE USER 'app'@'localhost' IDENTIFIED BY %s", (PASSWORD,))
            cur.execute("CREATE DATABASE appdb")
            cur.execute("GRANT SELECT ON appdb.* TO 'app'@'%', 'app'@'localhost'")
    finally:
        conn.close()
    yield made
    made.destroy()


def test_mariadb_cli_asks_for_the_password_and_connects(mariadb: MariaDB, clean_env: dict[str, str]) -> None:
    url = f"mysql://app@127.0.0.1:{mariadb.port}/appdb"
    session = spawn([DBSCOPE, "explain", url, "SELECT 1", "--plain"], env=clean_env)
    assert session.read_until(b"Password for app@127.0.0.1", 30), _seen(session)
    session.type(PASSWORD.encode() + b"\r")  # non-latin-1 (Ω): sent as the UTF-8 bytes typed
    code = _finish(session)
    text = _seen(session)
    assert code == 0, text[-2000:]
    assert text.count("Password for") == 1 and PASSWORD not in text


def test_mariadb_without_a_terminal_says_where_a_password_goes(
    mariadb: MariaDB, clean_env: dict[str, str]
) -> None:
    done = subprocess.run(
        [DBSCOPE, "explain", f"mysql://app@127.0.0.1:{mariadb.port}/appdb", "SELECT 1"],
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
        env=clean_env,
    )
    assert done.returncode == 3, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in done.stderr
    assert "~/.my.cnf" in lines[0] and "MYSQL_PWD" in lines[0]
