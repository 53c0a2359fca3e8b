"""Where a MySQL/MariaDB connection's parameters come from, resolved the way the ``mysql`` client does:
the URL first, then option files, then the environment, then the defaults.

- Option files: ``/etc/my.cnf``, ``/etc/mysql/my.cnf`` and ``~/.my.cnf`` (later files win), or only the
  file named by the URL option ``read_default_file``; groups ``[client]``, ``[client-server]``,
  ``[client-mariadb]``, ``[mysql]``, ``[mariadb-client]`` (later groups win); ``!include`` and
  ``!includedir`` are followed. Each file is opened with the limits of ``tui.core.files``: a regular
  file of at most 1 MiB (``read_default_file=/dev/zero`` or a FIFO is refused at once), world-writable
  files are ignored with a notice as the mysql client does, a line outside any ``[group]`` is an error
  as in the mysql client, and a file named by the URL is reported in ``MySQLParams.notices``.
- Environment: ``MYSQL_HOST``, ``MYSQL_TCP_PORT``, ``MYSQL_UNIX_PORT``, ``MYSQL_PWD`` (the client honours
  no ``MYSQL_USER``; on Unix the default user is the login name).
- ``localhost`` or no host means the unix socket (``socket`` option, ``MYSQL_UNIX_PORT``, else the first
  of the usual paths that exists), unless ``protocol=tcp``.
URL query options: unix_socket (or socket), charset, connect_timeout, protocol, read_default_file,
ssl_mode (DISABLED | PREFERRED | REQUIRED | VERIFY_CA | VERIFY_IDENTITY), ssl_ca, ssl_cert, ssl_key,
ssl_verify_cert, ssl_verify_identity.
"""

from __future__ import annotations

import getpass
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tui.core.connspec import ConnectionSpec
from tui.core.errors import UsageError
from tui.core.files import (
    OPTION_FILE_LIMIT,
    TLS_FILE_LIMIT,
    check_file,
    read_bounded,
    shown,
    world_writable,
)

DEFAULT_OPTION_FILES = ("/etc/my.cnf", "/etc/mysql/my.cnf", "~/.my.cnf")
OPTION_GROUPS = ("client", "client-server", "client-mariadb", "mysql", "mariadb-client")
SOCKET_CANDIDATES = (
    "/run/mysqld/mysqld.sock",
    "/var/run/mysqld/mysqld.sock",
    "/tmp/mysql.sock",
    "/var/lib/mysql/mysql.sock",
)
URL_OPTIONS = frozenset(
    {
        "unix_socket",
        "socket",
        "charset",
        "connect_timeout",
        "protocol",
        "read_default_file",
        "ssl_mode",
        "ssl_ca",
        "ssl_cert",
        "ssl_key",
        "ssl_verify_cert",
        "ssl_verify_identity",
    }
)
SSL_MODES = ("DISABLED", "PREFERRED", "REQUIRED", "VERIFY_CA", "VERIFY_IDENTITY")
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


@dataclass(slots=True)
class MySQLParams:
    """Resolved connection parameters. ``password`` never appears in ``repr`` or ``target``."""

    host: str | None
    port: int
    user: str
    password: str = field(default="", repr=False)
    database: str | None = None
    unix_socket: str | None = None
    charset: str = "utf8mb4"
    connect_timeout: int = 10
    ssl: dict[str, Any] | None = None
    ssl_disabled: bool = False
    sources: dict[str, str] = field(default_factory=dict)  # parameter → where it came from
    notices: list[str] = field(default_factory=list)  # option files read or ignored, for the user

    @property
    def target(self) -> str:
        """``host:port`` or ``socket /path`` for messages (no user, no password)."""
        if self.unix_socket:
            return f"socket {self.unix_socket}"
        return f"{self.host}:{self.port}"

    def pymysql_kwargs(self) -> dict[str, Any]:
        kwargs: dict[str, Any] = {
            "user": self.user,
            # Bytes: PyMySQL would encode a str as latin-1 and fail on "Ω"; the mysql client sends the
            # bytes as typed (UTF-8), and an argument that was not UTF-8 comes back as its own bytes.
            "password": self.password.encode("utf-8", "surrogateescape"),
            "database": self.database,
            "charset": self.charset,
            "connect_timeout": self.connect_timeout,
            "program_name": "dbscope",
            "local_infile": False,
        }
        if self.unix_socket:
            kwargs["unix_socket"] = self.unix_socket
        else:
            kwargs["host"] = self.host
            kwargs["port"] = self.port
        if self.ssl_disabled:
            kwargs["ssl_disabled"] = True
        elif self.ssl is not None:
            kwargs["ssl"] = dict(self.ssl)
        return kwargs


MAX_OPTION_FILES = 64  # files read for one connection, includes counted (a loop of !includedir)


@dataclass(slots=True)
class OptionFiles:
    """What the option files gave: merged values, the files read, and what to tell the user."""

    values: dict[str, str] = field(default_factory=dict)
    read: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)


def read_option_files(paths: list[Path], groups: tuple[str, ...] = OPTION_GROUPS) -> dict[str, str]:
    """Merge the client groups of ``paths``: as the mysql client does, a later line wins, whatever its
    group. Keys use ``-`` (``ssl_ca`` and ``ssl-ca`` are the same option)."""
    return load_option_files(paths, groups).values


def load_option_files(
    paths: list[Path], groups: tuple[str, ...] = OPTION_GROUPS, *, named: bool = False
) -> OptionFiles:
    """``read_option_files`` with the files read and the notices. ``named``: the files were named by
    the user (``read_default_file``): a file that is missing or refused is an error, as for
    ``mysql --defaults-file``, and the notices say which files were read. The default files that are
    missing are skipped; one refused (a directory, a device, too big, unreadable) is skipped with a
    notice. As the mysql client does, a world-writable file is ignored with a notice, and a line
    outside any ``[group]`` is an error (``/etc/shadow`` is not an option file)."""
    result = OptionFiles()
    for path in paths:
        for key, value in _read_file(path, frozenset(groups), 0, named, result):
            result.values[key] = value
    if named and result.read:
        result.notices.insert(0, "read MySQL options from " + ", ".join(shown(p) for p in result.read))
    return result


def _read_file(
    path: Path, groups: frozenset[str], depth: int, required: bool, result: OptionFiles
) -> list[tuple[str, str]]:
    if depth > 4 or len(result.read) >= MAX_OPTION_FILES:
        return []
    try:
        data, st = read_bounded(path, what="option file", limit=OPTION_FILE_LIMIT)
    except UsageError as exc:
        if required:
            raise
        if not path.exists() and not path.is_symlink():
            return []  # a default file that is not there: the normal case
        result.notices.append(f"{exc.message}: ignored")
        return []
    if world_writable(st):
        result.notices.append(
            f"option file {shown(path)} is world-writable: ignored, as the mysql client does "
            f"(chmod o-w {shown(path)})"
        )
        return []
    result.read.append(str(path))
    text = data.decode("utf-8", errors="replace")
    out: list[tuple[str, str]] = []
    group: str | None = None
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line[0] in "#;":
            continue
        if line.startswith("!includedir"):
            folder = Path(line[len("!includedir") :].strip())
            if folder.is_dir():
                for child in sorted(folder.glob("*.cnf"))[:MAX_OPTION_FILES]:
                    out.extend(_read_file(child, groups, depth + 1, False, result))
            continue
        if line.startswith("!include"):
            out.extend(_read_file(Path(line[len("!include") :].strip()), groups, depth + 1, False, result))
            continue
        if line.startswith("["):
            group = line[1 : line.find("]")].strip().lower() if "]" in line else None
            continue
        if group is None:
            # What the mysql client says too ("Found option without preceding group"): never read
            # on as if /etc/shadow were a my.cnf. The line itself is not shown (it may be a secret).
            raise UsageError(
                f"{shown(path)} is not an option file: line {number:,} has an option outside any [group]",
                hint="read_default_file must name a my.cnf-style file ([client] user=…)",
            )
        if group not in groups:
            continue
        key, _, value = line.partition("=")
        key = key.strip().lower().replace("_", "-")
        if key:
            out.append((key, _value(value)))
    return out


def _value(text: str) -> str:
    """An option value: quoted (``'a # b'``) or bare up to a ``#`` comment."""
    text = text.strip()
    if text[:1] in ("'", '"'):
        quote = text[0]
        close = text.find(quote, 1)
        return text[1:close] if close > 0 else text[1:]
    return text.split("#", 1)[0].strip()


def _flag(value: str, name: str) -> bool:
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE or lowered == "":
        return False
    raise UsageError(f"URL option {name}={value!r} must be true or false")


def resolve(
    spec: ConnectionSpec,
    *,
    env: Mapping[str, str] | None = None,
    option_files: list[Path] | None = None,
) -> MySQLParams:
    """The parameters PyMySQL gets, from URL > option files > environment > defaults."""
    env = os.environ if env is None else env
    params = {key.lower(): value for key, value in spec.params.items()}
    unknown = sorted(set(params) - URL_OPTIONS)
    if unknown:
        raise UsageError(
            f"unknown MySQL URL option(s): {', '.join(unknown)}",
            hint="accepted: " + ", ".join(sorted(URL_OPTIONS)),
        )
    named = False
    if option_files is None:
        if params.get("read_default_file"):
            option_files, named = [Path(params["read_default_file"]).expanduser()], True
        else:
            option_files = [Path(p).expanduser() for p in DEFAULT_OPTION_FILES]
    loaded = load_option_files(option_files, named=named)
    cnf = loaded.values
    sources: dict[str, str] = {}

    def pick(name: str, url_value: Any, cnf_key: str | None, env_key: str | None) -> Any:
        if url_value not in (None, ""):
            sources[name] = "url"
            return url_value
        if cnf_key and cnf.get(cnf_key) not in (None, ""):
            sources[name] = "option file"
            return cnf[cnf_key]
        if env_key and env.get(env_key):
            sources[name] = env_key
            return env[env_key]
        return None

    host = pick("host", spec.host, "host", "MYSQL_HOST")
    port_text = pick("port", spec.port, "port", "MYSQL_TCP_PORT")
    try:
        port = int(port_text) if port_text is not None else 3306
    except ValueError:
        raise UsageError(f"port {port_text!r} is not a number") from None
    if not 0 < port < 65536:
        raise UsageError(f"port {port} is out of range")
    user = pick("user", spec.user, "user", None) or getpass.getuser()
    if spec.password is not None:  # an explicit empty password in the URL counts
        password, sources["password"] = spec.password, "url"
    else:
        password = pick("password", None, "password", "MYSQL_PWD") or ""
    database = pick("database", spec.database, "database", None)
    socket_value = pick(
        "unix_socket", params.get("unix_socket") or params.get("socket"), "socket", "MYSQL_UNIX_PORT"
    )
    protocol = str(params.get("protocol") or cnf.get("protocol") or "").lower()
    if protocol and protocol not in ("tcp", "socket"):
        raise UsageError(f"protocol={protocol!r}: use tcp or socket")
    unix_socket: str | None = None
    if host and str(host).startswith("/"):
        unix_socket, host = str(host), None
    elif protocol != "tcp" and (host in (None, "", "localhost") or protocol == "socket"):
        unix_socket = str(socket_value) if socket_value else _first_existing(SOCKET_CANDIDATES)
        if unix_socket is None:
            host = "localhost"  # no socket file: the server may still listen on TCP
    charset = str(params.get("charset") or cnf.get("default-character-set") or "utf8mb4")
    try:
        connect_timeout = int(params.get("connect_timeout") or cnf.get("connect-timeout") or 10)
    except ValueError:
        raise UsageError("connect_timeout must be a whole number of seconds") from None
    if not 0 < connect_timeout <= 3600:
        raise UsageError("connect_timeout must be between 1 and 3600 seconds")
    ssl, ssl_disabled = _ssl(params, cnf)
    return MySQLParams(
        host=str(host) if host else None,
        port=port,
        user=str(user),
        password=str(password),
        database=str(database) if database else None,
        unix_socket=unix_socket,
        charset=charset,
        connect_timeout=connect_timeout,
        ssl=ssl,
        ssl_disabled=ssl_disabled,
        sources=sources,
        notices=loaded.notices,
    )


def _first_existing(paths: tuple[str, ...]) -> str | None:
    for path in paths:
        if os.path.exists(path):
            return path
    return None


def _ssl(params: dict[str, str], cnf: dict[str, str]) -> tuple[dict[str, Any] | None, bool]:
    """(PyMySQL ``ssl`` dict or None for PREFERRED, ssl_disabled)."""
    mode = str(params.get("ssl_mode") or cnf.get("ssl-mode") or "").upper().replace("-", "_")
    if mode and mode not in SSL_MODES:
        raise UsageError(f"ssl_mode={mode!r}: use one of {', '.join(SSL_MODES)}")
    ca = params.get("ssl_ca") or cnf.get("ssl-ca")
    cert = params.get("ssl_cert") or cnf.get("ssl-cert")
    key = params.get("ssl_key") or cnf.get("ssl-key")
    if mode != "DISABLED":
        for name, value in (("ssl_ca", ca), ("ssl_cert", cert), ("ssl_key", key)):
            if value:  # read by Python's ssl module later: checked here, before anything blocks on it
                check_file(
                    Path(value).expanduser(), what=f"{name} file", limit=TLS_FILE_LIMIT, missing_ok=True
                )
    verify_cert = params.get("ssl_verify_cert")
    verify_identity = params.get("ssl_verify_identity")
    if verify_cert is None and cnf.get("ssl-verify-server-cert") is not None:
        verify_cert = cnf.get("ssl-verify-server-cert") or "1"  # bare flag in an option file means on
    if mode == "DISABLED":
        return None, True
    if mode == "VERIFY_CA" and not ca:
        raise UsageError("ssl_mode=VERIFY_CA needs ssl_ca (the CA certificate file)")
    ssl: dict[str, Any] = {}
    if ca:
        ssl["ca"] = ca
    if cert:
        ssl["cert"] = cert
    if key:
        ssl["key"] = key
    if mode in ("VERIFY_CA", "VERIFY_IDENTITY"):
        ssl["verify_mode"] = True
        ssl["check_hostname"] = mode == "VERIFY_IDENTITY"
    elif mode == "REQUIRED":
        ssl["verify_mode"] = False
        ssl["check_hostname"] = False
    else:
        if verify_cert is not None:
            ssl["verify_mode"] = _flag(str(verify_cert), "ssl_verify_cert")
        if verify_identity is not None:
            ssl["check_hostname"] = _flag(str(verify_identity), "ssl_verify_identity")
            if ssl["check_hostname"]:
                ssl["verify_mode"] = True
    if not ssl and mode in ("", "PREFERRED"):
        return None, False
    return ssl, False
