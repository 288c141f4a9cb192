"""``hotline serve DIR``: run the node (uvicorn), stopping cleanly on SIGTERM or SIGINT.

Start-up checks everything that can be wrong before the node listens, and fails with one line
(exit 2): the configuration, both key files, the TLS files, the listen address, and the store
(opened by the node's start before uvicorn serves; a Redis that is unreachable or not durable
is refused there). Two set-ups the other side could not use have exit codes of their own: an
https URL without a certificate (4), and a node listening on loopback only while its URL names
another host (5; ``--allow-loopback`` when a proxy on the machine forwards to it).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import ipaddress
import logging
import signal
import socket
import ssl
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from typing import Any
from urllib.parse import urlsplit

import uvicorn
from fastapi import FastAPI

from hotline_protocol.errors import ProtocolError

from .. import gc_tuning
from ..app import create_app
from ..keys import load_keys
from ..peering.manager import MAX_FRAME as PEER_MAX_FRAME
from ..settings import Settings, load_settings
from ..store import open_store
from ..wsserver import CoalescingWebSocketProtocol
from .common import EXIT_LOOPBACK, EXIT_NO_CERTIFICATE, CliError, add_command, add_dir
from .init import port_number

log = logging.getLogger("hotline.serve")
LOG_FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"
GRACEFUL_SECONDS = 10

DESCRIPTION = """\
Run the node: REST and WebSocket API (and the console) on the configured address, with TLS when
server.tls_cert and server.tls_key are set. SIGTERM or Ctrl-C stops it cleanly.

It refuses to start (one line on stderr) when something is wrong: exit 2 for the configuration,
keys, TLS files, address or store; 4 when its url is https but it has no certificate; 5 when it
listens on loopback only (127.0.0.1, ::1, localhost) while its url names another host, which the
other side could then not reach (--allow-loopback: a proxy on this machine forwards to it).

example:
  hotline serve alpha --port 8400
"""


def add_parser(subparsers: Any) -> None:
    p = add_command(subparsers, "serve", "run the node", DESCRIPTION)
    add_dir(p)
    p.add_argument("--host", help="listen address (default: server.host, 127.0.0.1)")
    p.add_argument("--port", type=port_number, help="listen port (default: server.port)")
    p.add_argument(
        "--allow-loopback",
        action="store_true",
        help="listen on loopback even though the url names another host (behind a local proxy)",
    )
    p.set_defaults(func=run)


class _UtcFormatter(logging.Formatter):
    """``2026-01-01T08:00:00.123Z INFO    hotline.node: message``."""

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:  # noqa: N802
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
        return f"{stamp}.{int(record.msecs):03d}Z"


def configure_logging(level: str) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(_UtcFormatter(LOG_FORMAT))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True


class _Server(uvicorn.Server):
    """uvicorn's server without its own signal capture: :func:`run` handles SIGTERM and SIGINT
    for the whole run (node start-up included) and does not re-raise them afterwards.

    Before it shuts its connections down (a WebSocket is closed with 1012, service restart), it
    runs ``before_shutdown``: the node closes its peer link itself first, so that the peer
    hears why (1001, node stopping) whichever side dialed the link."""

    before_shutdown: Callable[[], Awaitable[None]] | None = None

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        if self.before_shutdown is not None:
            try:
                await self.before_shutdown()
            except Exception:
                log.exception("closing the peer link before the shutdown failed")
        await super().shutdown(sockets=sockets)


def run(args: argparse.Namespace) -> int:
    server_overrides: dict[str, Any] = {}
    if args.host is not None:
        server_overrides["host"] = args.host
    if args.port is not None:
        server_overrides["port"] = args.port
    overrides = {"server": server_overrides} if server_overrides else {}
    settings = load_settings(args.dir, **overrides)
    check_reachable(settings, allow_loopback=args.allow_loopback)
    configure_logging(settings.log_level)
    keys = load_keys(settings)
    store = open_store(
        settings.store_url, allow_unsafe=settings.store_unsafe, key_prefix=settings.store_prefix
    )
    try:
        app = create_app(settings, store=store, node_keys=keys)
    except ProtocolError as exc:  # e.g. a [peer] vkey that does not parse
        raise CliError(f"invalid configuration in {args.dir}: {exc}") from exc
    config = _uvicorn_config(app, settings)
    sock = _listen(settings.server.host, settings.server.port)
    server = _Server(config)
    # the loop uvicorn would pick (uvloop when installed, as uvicorn.run does)
    with sock, _handle_signals(server), asyncio.Runner(loop_factory=config.get_loop_factory()) as r:
        r.run(_serve(app, server, sock, settings))
    log.info("node %s stopped", settings.side)
    return 0


def check_reachable(settings: Settings, *, allow_loopback: bool = False) -> None:
    """Refuse a node the other side could not use as its url says: https without a certificate
    (exit 4), or listening on loopback while the url names another host (exit 5, unless
    ``allow_loopback``)."""
    if not settings.url:
        return
    url = urlsplit(settings.url)
    if url.scheme == "https" and not settings.server.tls_cert:
        raise CliError(
            f"the node's url {settings.url} is https but it has no certificate: set "
            "[server] tls_cert and tls_key (hotline tls cert; hotline init --tls-cert --tls-key)",
            EXIT_NO_CERTIFICATE,
        )
    listen = settings.server.host
    if url.hostname and is_loopback(listen) and not is_loopback(url.hostname):
        if allow_loopback:
            return
        raise CliError(
            f"the node listens on {listen} (loopback only) but its url {settings.url} names "
            f"{url.hostname}, which the other side cannot reach there: listen on its address "
            "(--host or [server] host), or pass --allow-loopback if a proxy on this machine "
            "forwards to it",
            EXIT_LOOPBACK,
        )


def is_loopback(host: str) -> bool:
    """Whether ``host`` (a name or an IP address) is this machine's loopback: ``localhost``,
    a name under it, or a loopback address. Other names are not resolved."""
    host = host.strip("[]").lower().rstrip(".")
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _uvicorn_config(app: FastAPI, settings: Settings) -> uvicorn.Config:
    tls = settings.server.tls_cert, settings.server.tls_key
    if any(tls) and not all(tls):
        raise CliError("TLS needs both server.tls_cert and server.tls_key")
    config = uvicorn.Config(
        app,
        host=settings.server.host,
        port=settings.server.port,
        lifespan="off",  # _serve runs the app's lifespan itself, so start-up errors surface here
        log_config=None,
        ws=CoalescingWebSocketProtocol,  # frames of one turn of the loop in one write
        # each WebSocket route sets its connection's frame limit before accepting it (the
        # pre-authentication one, then the stream's or the peer link's); this is the ceiling of
        # a route that would not
        ws_max_size=max(settings.limits.max_request_bytes, PEER_MAX_FRAME),
        timeout_graceful_shutdown=GRACEFUL_SECONDS,
        server_header=False,
        ssl_certfile=str(settings.path(tls[0])) if tls[0] else None,
        ssl_keyfile=str(settings.path(tls[1])) if tls[1] else None,
    )
    try:
        config.load()
    except (OSError, ssl.SSLError) as exc:
        raise CliError(f"cannot load the TLS certificate or key: {exc}") from exc
    return config


def _listen(host: str, port: int) -> socket.socket:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
        family, kind, proto, _, address = infos[0]
        sock = socket.socket(family, kind, proto)
    except OSError as exc:
        raise CliError(f"cannot listen on {host}:{port}: {exc}") from exc
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(2048)
    except OSError as exc:
        sock.close()
        raise CliError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from exc
    sock.set_inheritable(False)
    return sock


@contextlib.contextmanager
def _handle_signals(server: uvicorn.Server) -> Iterator[None]:
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    signals = (signal.SIGINT, signal.SIGTERM)
    previous = {sig: signal.signal(sig, server.handle_exit) for sig in signals}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


async def _serve(app: FastAPI, server: _Server, sock: socket.socket, settings: Settings) -> None:
    async with app.router.lifespan_context(app):  # the node starts: store, feeds, sequencer
        peering = app.state.node.peering
        if peering is not None:
            server.before_shutdown = peering.stop
        gc_tuning.tune()  # what start-up built is frozen, once
        trimmer = asyncio.create_task(gc_tuning.keep_trimmed(), name="heap-trim")
        host, port = sock.getsockname()[:2]
        scheme = "https" if settings.server.tls_cert else "http"
        log.info(
            "node %s (%s) serving on %s://%s:%d", settings.side, settings.origin, scheme, host, port
        )
        try:
            await server.serve(sockets=[sock])
        finally:
            trimmer.cancel()
        log.info("node %s stopping", settings.side)
