"""A real node for tests: ``hotline serve DIR`` as a subprocess (``sys.executable -m hotline``).

:class:`NodeProcess` starts it on the port in the node's configuration (or one given), waits for
``/healthz`` and offers :meth:`~NodeProcess.stop` (SIGTERM), :meth:`~NodeProcess.kill` (SIGKILL,
a crash) and :meth:`~NodeProcess.start` again on the same directory and port. The process's
stdout and stderr go to ``DIR/serve.log`` (or ``log_path``), shown when it fails to start.

:func:`make_node_dir` builds a node directory with the CLI, in process, and a user per role.
"""

from __future__ import annotations

import contextlib
import io
import ssl
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from hotline.auth import ROLES
from hotline.cli.main import main
from hotline.provision.runner import NodeRunner
from hotline.settings import load_settings
from tests.helpers.redis_server import free_port


@dataclass(frozen=True)
class CliResult:
    code: int
    out: str
    err: str


def run_cli(*args: str | Path) -> CliResult:
    """Run ``hotline ARGS`` in this process; its exit code, stdout and stderr."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([str(a) for a in args])
    return CliResult(code, out.getvalue(), err.getvalue())


def make_node_dir(
    tmp_path: Path,
    side: str,
    origin: str,
    store_url: str | None = None,
    *,
    port: int | None = None,
    extra: Sequence[str] = (),
) -> tuple[Path, dict[str, str]]:
    """``hotline init`` a node in ``tmp_path/side`` (on a free port) and add one user per role,
    named after the role; the directory and each role's token."""
    directory = tmp_path / side
    args: list[str | Path] = ["init", directory, "--side", side, "--origin", origin]
    args += ["--port", str(port or free_port()), "--unit", f"HQ {side}", "--nation", "XAB"]
    if store_url is not None:
        args += ["--store", store_url]
    result = run_cli(*args, *extra)
    if result.code != 0:
        raise RuntimeError(f"hotline init failed ({result.code}): {result.err}")
    tokens: dict[str, str] = {}
    for role in ROLES:
        added = run_cli("users", "add", directory, role, "--role", role)
        if added.code != 0:
            raise RuntimeError(f"hotline users add failed ({added.code}): {added.err}")
        tokens[role] = added.out.strip()
    return directory, tokens


class NodeProcess(NodeRunner):
    """``hotline serve DIR`` as a real process; a context manager that stops it on exit."""

    def __init__(
        self,
        directory: Path,
        port: int | None = None,
        *,
        log_path: Path | None = None,
        env: dict[str, str] | None = None,
        cafile: Path | None = None,
    ) -> None:
        """``cafile``: the CA that signed the node's certificate (default: the certificate
        itself, self-signed)."""
        server = load_settings(directory).server
        tls = server.tls_cert
        super().__init__(
            directory,
            server.port if port is None else port,
            log_path=log_path or directory / "serve.log",
            env=env,
            scheme="https" if tls else "http",
            verify=ssl.create_default_context(cafile=cafile or directory / tls) if tls else True,
        )

    def __enter__(self) -> NodeProcess:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
