"""Throwaway servers for tests that need what the shared services cannot give them.

- ``make_cluster``: a PostgreSQL cluster from the Debian server binaries, for ``shared_preload_libraries``
  (pg_stat_statements) or a server that the test stops and restarts mid-session. initdb refuses to run
  as root, so as root the cluster runs as the ``postgres`` system user.
- ``make_mariadb``: a mariadbd on its own datadir, socket and port (mariadb-install-db, then the server
  with ``--user=root`` as root), for ``performance_schema=ON`` and its statement digests, which the
  shared MariaDB service has off and cannot be restarted for.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path


def _bin_dir() -> Path | None:
    base = Path("/usr/lib/postgresql")
    if not base.exists():
        return None
    versions = sorted((p for p in base.iterdir() if (p / "bin" / "initdb").exists()), key=lambda p: p.name)
    return versions[-1] / "bin" if versions else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Cluster:
    bin_dir: Path
    root: Path
    port: int
    settings: dict[str, str] = field(default_factory=dict)
    tcp: bool = False  # listen on 127.0.0.1 with scram-sha-256 password auth for TCP logins

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def socket_dir(self) -> Path:
        return self.root / "sock"

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@/{database}?host={self.socket_dir}&port={self.port}"

    def _run(self, *args: str) -> subprocess.CompletedProcess[str]:
        cmd = list(args)
        if os.geteuid() == 0:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        return subprocess.run(cmd, capture_output=True, text=True, check=True, timeout=120)

    def tcp_url(self, user: str, password: str, database: str = "postgres") -> str:
        return f"postgresql://{user}:{password}@127.0.0.1:{self.port}/{database}"

    def init(self) -> None:
        auth = ["--auth-local=trust", "--auth-host=scram-sha-256"] if self.tcp else ["--auth=trust"]
        self._run(str(self.bin_dir / "initdb"), "-D", str(self.data), "-U", "postgres", *auth, "-E", "UTF8")

    def start(self) -> None:
        listen = "127.0.0.1" if self.tcp else "''"
        opts = [f"-p {self.port}", f"-k {self.socket_dir}", f"-c listen_addresses={listen}", "-c fsync=off"]
        opts += [f"-c {key}={value}" for key, value in self.settings.items()]
        self._run(
            str(self.bin_dir / "pg_ctl"),
            "-D",
            str(self.data),
            "-l",
            str(self.root / "log"),
            "-o",
            " ".join(opts),
            "-w",
            "start",
        )

    def stop(self, mode: str = "fast") -> None:
        subprocess.run(
            (["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else [])
            + [str(self.bin_dir / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop"],
            capture_output=True,
            timeout=60,
        )

    def destroy(self) -> None:
        self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)


def make_cluster(settings: dict[str, str] | None = None, *, tcp: bool = False) -> Cluster | None:
    """Create and start a cluster; None when the server binaries are not installed."""
    bin_dir = _bin_dir()
    if bin_dir is None:
        return None
    root = Path(tempfile.mkdtemp(prefix="dbscope-cluster-"))
    (root / "sock").mkdir()
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
        shutil.chown(root / "sock", "postgres", "postgres")
        root.chmod(0o755)
    cluster = Cluster(bin_dir, root, _free_port(), settings or {}, tcp)
    cluster.init()
    cluster.start()
    return cluster


def app_cluster(password: str, setup_sql: str = "") -> Cluster | None:
    """A TCP cluster with password authentication: role ``app`` (``password``) owning database
    ``appdb``, where ``setup_sql`` then runs as the superuser. None without server binaries."""
    import psycopg

    cluster = make_cluster(tcp=True)
    if cluster is None:
        return None
    escaped = password.replace("'", "''")
    with psycopg.connect(cluster.url(), autocommit=True) as conn:
        conn.execute(f"CREATE ROLE app LOGIN PASSWORD '{escaped}'")  # type: ignore[arg-type]
        conn.execute("CREATE DATABASE appdb OWNER app")
    if setup_sql:
        with psycopg.connect(cluster.url("appdb"), autocommit=True) as conn:
            conn.execute(setup_sql)  # type: ignore[arg-type]
    return cluster


# -- MariaDB ---------------------------------------------------------------------------------------------
@dataclass
class MariaDB:
    """A throwaway mariadbd on a temporary datadir, socket and TCP port (root, no password), for tests
    that need server options the shared service does not have (``performance_schema=ON``)."""

    root: Path
    port: int
    process: subprocess.Popen[bytes]

    @property
    def socket_path(self) -> Path:
        return self.root / "sock"

    def url(self, database: str = "") -> str:
        return f"mysql://root@127.0.0.1:{self.port}/{database}"

    def connect_kwargs(self, database: str | None = None) -> dict[str, object]:
        kwargs: dict[str, object] = {"host": "127.0.0.1", "port": self.port, "user": "root", "password": ""}
        if database:
            kwargs["database"] = database
        return kwargs

    def destroy(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=30)
        shutil.rmtree(self.root, ignore_errors=True)


def _mariadb_binaries() -> tuple[str, str] | None:
    search = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/usr/local/sbin"])
    install = shutil.which("mariadb-install-db", path=search) or shutil.which("mysql_install_db", path=search)
    server = shutil.which("mariadbd", path=search)
    return (install, server) if install and server else None


def make_mariadb(settings: dict[str, str] | None = None, *, timeout: float = 90.0) -> MariaDB | None:
    """Initialise a datadir and start mariadbd with ``settings`` (option name → value, e.g.
    ``{"performance-schema": "ON"}``) listening on 127.0.0.1 only; None when the server binaries are
    not installed. As root the server runs as root (``--user=root``): the datadir is the test's own."""
    import time

    import pymysql

    binaries = _mariadb_binaries()
    if binaries is None:
        return None
    install, server = binaries
    root = Path(tempfile.mkdtemp(prefix="dbscope-mariadb-"))
    user = ["--user=root"] if os.geteuid() == 0 else []
    data = root / "data"
    subprocess.run(
        [
            install,
            "--no-defaults",
            f"--datadir={data}",
            *user,
            "--auth-root-authentication-method=normal",
            "--skip-test-db",
        ],
        capture_output=True,
        check=True,
        timeout=180,
    )
    port = _free_port()
    options = [
        "--no-defaults",
        f"--datadir={data}",
        *user,
        f"--socket={root / 'sock'}",
        f"--port={port}",
        "--bind-address=127.0.0.1",
        f"--pid-file={root / 'pid'}",
        f"--log-error={root / 'error.log'}",
        "--skip-log-bin",
        "--innodb-buffer-pool-size=32M",
        *(f"--{key}={value}" for key, value in (settings or {}).items()),
    ]
    process = subprocess.Popen([server, *options], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    instance = MariaDB(root, port, process)
    deadline = time.monotonic() + timeout
    while True:
        try:
            pymysql.connect(**instance.connect_kwargs(), connect_timeout=2).close()  # type: ignore[arg-type]
            return instance
        except pymysql.Error:
            pass
        log = root / "error.log"
        if process.poll() is not None or time.monotonic() > deadline:
            text = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            instance.destroy()
            raise RuntimeError(f"mariadbd did not start: {text}")
        time.sleep(0.2)
