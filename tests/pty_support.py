"""A program in a pseudo-terminal that is its controlling terminal, as sshd sets one up: what the
terminal shows (``read_until``, ``settle``), what is typed (``type``), and closing it (``leader``)."""

from __future__ import annotations

import fcntl
import os
import pty
import select
import signal
import struct
import subprocess
import termios
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field


@dataclass
class Session:
    process: subprocess.Popen[bytes]
    leader: int
    seen: bytearray = field(default_factory=bytearray)

    def read_until(self, needle: bytes, seconds: float) -> bool:
        deadline = time.monotonic() + seconds
        while needle not in self.seen and time.monotonic() < deadline:
            ready, _, _ = select.select([self.leader], [], [], 0.1)
            if ready:
                try:
                    chunk = os.read(self.leader, 65536)
                except OSError:
                    return needle in self.seen
                if not chunk:
                    break
                self.seen.extend(chunk)
        return needle in self.seen

    def settle(self, quiet: float = 0.5, seconds: float = 20) -> None:
        """Read until the app has drawn nothing for ``quiet`` seconds (its panes mounted, focus set)."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            ready, _, _ = select.select([self.leader], [], [], quiet)
            if not ready:
                return
            try:
                chunk = os.read(self.leader, 65536)
            except OSError:
                return
            if not chunk:
                return
            self.seen.extend(chunk)

    def type(self, text: bytes) -> None:
        for byte in text:
            os.write(self.leader, bytes([byte]))
            time.sleep(0.01)

    def close(self) -> None:
        """Kill the program if it still runs and close the terminal."""
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        if self.leader >= 0:
            os.close(self.leader)
            self.leader = -1


def spawn(
    command: Sequence[str],
    *,
    env: Mapping[str, str] | None = None,
    ignore_hup: bool = False,
    size: tuple[int, int] = (40, 120),
) -> Session:
    """Start ``command`` with a new pseudo-terminal (``size`` rows, columns) as its standard streams
    and controlling terminal."""
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", size[0], size[1], 0, 0))

    def controlling_terminal() -> None:  # runs in the child, after setsid: the pty becomes its terminal
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)
        if ignore_hup:
            signal.signal(signal.SIGHUP, signal.SIG_IGN)

    process = subprocess.Popen(
        list(command),
        stdin=follower,
        stdout=follower,
        stderr=follower,
        env={**(os.environ if env is None else env), "TERM": "xterm-256color"},
        close_fds=True,
        start_new_session=True,
        preexec_fn=controlling_terminal,
    )
    os.close(follower)
    return Session(process, leader)
