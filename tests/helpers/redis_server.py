"""A real ``redis-server`` for tests: a subprocess on a free 127.0.0.1 port with its own directory.

By default it runs as production should (``appendonly yes``, ``appendfsync always``, no RDB
snapshots), so data survives :meth:`RedisServer.stop` and :meth:`RedisServer.kill` through the
append-only file. Pass other settings (or ``extra_args`` such as ``--rename-command``) to see a
store refuse them, or ``config`` to run it with a ``redis.conf`` (the shipped one) instead.
"""

from __future__ import annotations

import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType

from hotline.provision.runner import free_port as free_port  # re-exported: the tests take it here

START_TIMEOUT = 10.0


def redis_server_binary() -> str:
    """The path of ``redis-server``, or a RuntimeError that says how to get it."""
    found = shutil.which("redis-server")
    if found is None:
        raise RuntimeError(
            "redis-server is not on PATH; the Redis store tests run a real one. "
            "Install Redis 7 (e.g. apt-get install redis-server) and run the tests again."
        )
    return found


class RedisServer:
    """One ``redis-server`` process; :meth:`start` again reuses its port and directory."""

    def __init__(
        self,
        directory: Path,
        *,
        appendonly: str = "yes",
        appendfsync: str = "always",
        extra_args: Sequence[str] = (),
        config: str | Path | None = None,
    ) -> None:
        self.directory = directory
        self.appendonly = appendonly
        self.appendfsync = appendfsync
        self.extra_args = list(extra_args)
        self.config = config  # a redis.conf to run with instead of the settings above
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    @property
    def log_file(self) -> Path:
        return self.directory / "redis.log"

    def start(self) -> RedisServer:
        """Start the server (if it is not running) and wait until it answers PING."""
        if self.process is not None and self.process.poll() is None:
            return self
        self.directory.mkdir(parents=True, exist_ok=True)
        args = [redis_server_binary()] + ([str(self.config)] if self.config else [])
        args += ["--port", str(self.port), "--bind", "127.0.0.1"]
        args += ["--dir", str(self.directory), "--logfile", str(self.log_file)]
        if self.config is None:
            args += ["--appendonly", self.appendonly, "--appendfsync", self.appendfsync]
            args += ["--save", ""]
        args += ["--daemonize", "no", *self.extra_args]
        self.process = subprocess.Popen(
            args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        self._wait_ready()
        return self

    def _wait_ready(self) -> None:
        assert self.process is not None
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self.process = None
                raise RuntimeError(f"redis-server exited at start:\n{self._log_tail()}")
            if self._ping():
                return
            time.sleep(0.01)
        self.kill()
        raise RuntimeError(f"redis-server did not answer PING in {START_TIMEOUT}s")

    def _ping(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(64).startswith(b"+PONG")
        except OSError:
            return False

    def _log_tail(self) -> str:
        if not self.log_file.exists():
            return "(no log)"
        return "\n".join(self.log_file.read_text(errors="replace").splitlines()[-20:])

    def _end(self, sig: signal.Signals) -> None:
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(sig)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def stop(self) -> None:
        """Shut down cleanly (SIGTERM): Redis flushes the append-only file and exits."""
        self._end(signal.SIGTERM)

    def kill(self) -> None:
        """Die at once (SIGKILL), as in a crash."""
        self._end(signal.SIGKILL)

    def restart(self) -> RedisServer:
        self.stop()
        return self.start()

    def __enter__(self) -> RedisServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
