"""The node runner: ``hotline serve DIR`` as a child process, started and waited for until it
answers ``/healthz``, then stopped (SIGTERM) or killed (SIGKILL, as in a crash).

Used by the two-node demo, the test harness and the benchmarks: each node is a real process, so
stopping or crashing one is what it would be in production.
"""

from __future__ import annotations

import os
import random
import signal
import socket
import ssl
import subprocess
import sys
import time
from pathlib import Path
from typing import Self

import httpx

from ..settings import read_config
from .errors import NodeStartError

START_TIMEOUT = 30.0
STOP_TIMEOUT = 15.0
_GIVEN: set[int] = set()  # ports handed out by free_port in this process: never twice
_LOWEST = 10000  # below: well-known and registered services a machine may run


def ephemeral_range() -> tuple[int, int]:
    """The kernel's range for the source ports of outgoing connections (Linux: 32768-60999)."""
    try:
        low, high = Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()
        return int(low), int(high)
    except (OSError, ValueError):
        return 32768, 60999


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing was bound to a moment ago, that this process has not
    handed out before, and that lies outside the kernel's ephemeral range.

    A port the kernel hands out for ``bind(0)`` is an ephemeral one, and until its taker listens
    any outgoing connection on the machine may get it as its source port; a node dialing a peer
    that is not up yet may even connect to itself on it. Ports below the range are never given
    away like that.
    """
    low, high = ephemeral_range()
    ranges = [(a, b) for a, b in ((_LOWEST, low - 1), (high + 1, 65535)) if a <= b]
    rng = random.SystemRandom()
    for _ in range(1000):
        a, b = rng.choice(ranges)
        port = rng.randint(a, b)
        if port in _GIVEN:
            continue
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
        _GIVEN.add(port)
        return port
    raise OSError("no free TCP port outside the ephemeral range on 127.0.0.1")


class NodeRunner:
    """One ``hotline serve`` child; :meth:`start` again reuses the directory, port and log."""

    def __init__(
        self,
        directory: Path,
        port: int,
        *,
        log_path: Path,
        host: str = "127.0.0.1",
        env: dict[str, str] | None = None,
        scheme: str = "http",
        verify: ssl.SSLContext | bool = True,
    ) -> None:
        self.directory = directory
        self.host = host
        self.scheme = scheme
        self.verify = verify  # for https: a context trusting the node's CA, or the system's
        self.port = port
        self.log_path = log_path
        self.env = env
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"{self.scheme}://{self.host}:{self.port}"

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def command(self) -> list[str]:
        return [
            sys.executable,
            "-m",
            "hotline",
            "serve",
            str(self.directory),
            "--host",
            self.host,
            "--port",
            str(self.port),
        ]

    def start(self, timeout: float = START_TIMEOUT) -> Self:
        """Start the node (unless it runs) and wait until ``/healthz`` answers 200."""
        if self.running:
            return self
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        env = dict(os.environ if self.env is None else self.env)
        env.setdefault("PYTHONUNBUFFERED", "1")
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                self.command(),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
            )
        self.wait_healthy(timeout)
        return self

    def wait_healthy(self, timeout: float = START_TIMEOUT) -> None:
        """Wait until this node answers ``/healthz``: an answer from another node on the port
        (one whose origin is not in this directory's configuration) does not count, and this
        node then exits, unable to listen."""
        origin = self._origin()
        deadline = time.monotonic() + timeout
        with httpx.Client(timeout=2.0, verify=self.verify) as client:
            while time.monotonic() < deadline:
                if self.process is None or self.process.poll() is not None:
                    code = None if self.process is None else self.process.returncode
                    self.process = None
                    raise NodeStartError(
                        f"hotline serve {self.directory} exited ({code}):\n{self.log_tail()}"
                    )
                try:
                    answer = client.get(f"{self.url}/healthz")
                    if answer.status_code == 200 and (
                        origin is None or answer.json().get("origin") == origin
                    ):
                        return
                except (httpx.HTTPError, ValueError):
                    pass
                time.sleep(0.05)
        self.kill()
        raise NodeStartError(
            f"hotline serve {self.directory} did not answer /healthz in {timeout}s:\n"
            f"{self.log_tail()}"
        )

    def _origin(self) -> str | None:
        """The origin the node reports in ``/healthz``: ``HOTLINE_ORIGIN`` in its environment,
        else its configuration's; None if neither can be read (then any answer counts)."""
        env = os.environ if self.env is None else self.env
        if env.get("HOTLINE_ORIGIN"):
            return env["HOTLINE_ORIGIN"]
        try:
            origin = read_config(self.directory).get("origin")
        except (OSError, ValueError):
            return None
        return origin if isinstance(origin, str) else None

    def log_tail(self, lines: int = 30) -> str:
        if not self.log_path.exists():
            return "(no log)"
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def _end(self, sig: signal.Signals, timeout: float) -> int | None:
        process, self.process = self.process, None
        if process is None:
            return None
        if process.poll() is None:
            process.send_signal(sig)
            try:
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        return process.returncode

    def stop(self, timeout: float = STOP_TIMEOUT) -> int | None:
        """Stop cleanly (SIGTERM) and wait; SIGKILL after ``timeout``. The exit code, if any."""
        return self._end(signal.SIGTERM, timeout)

    def kill(self) -> int | None:
        """Die at once (SIGKILL), as in a crash."""
        return self._end(signal.SIGKILL, STOP_TIMEOUT)
