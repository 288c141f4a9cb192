"""Two sides on two hosts joined by a thin line: network namespaces, TLS, the relay.

:class:`ThinLine` makes two network namespaces (``ip netns``; it needs root), each joined to the
root namespace by a veth pair on a /30 of its own in 198.18.0.0/15 (the range set aside for
benchmarks), with no route between them. The :class:`~.relay.Relay` runs in the root
namespace: each side's URL names the relay's address on the *other* side's veth, so each side
reaches the other only across the line, while the caller reaches both directly. Each side is
made as an operator would: ``hotline tls ca``, ``tls cert`` (for both addresses), ``init
--url https://… --tls-cert --tls-key``, ``users add``, ``pair --peer-ca``; its node runs with
``ip netns exec``. Everything is undone by :meth:`ThinLine.close`, on failure too.
"""

from __future__ import annotations

import contextlib
import io
import random
import secrets
import shutil
import ssl
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from hotline.cli.main import main as hotline
from hotline.provision.runner import NodeRunner, free_port
from hotline.settings import read_config, write_config

from .relay import LineSpec, Relay

NETWORK = 0xC6120000  # 198.18.0.0/15: 32,768 /30 subnets
PORT = 8400


class NetnsUnavailableError(RuntimeError):
    """``ip netns`` cannot be used here (not root, no ``ip``, no namespaces)."""


def ip(*args: str) -> str:
    try:
        done = subprocess.run(["ip", *args], capture_output=True, text=True, check=False)
    except FileNotFoundError as exc:
        raise NetnsUnavailableError("the ip command (iproute2) is not installed") from exc
    if done.returncode != 0:
        raise NetnsUnavailableError(f"ip {' '.join(args)}: {done.stderr.strip()}")
    return done.stdout


def cli(*args: str | Path) -> str:
    """``hotline ARGS`` in this process; its stdout (RuntimeError with stderr on failure)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = hotline([str(a) for a in args])
    if code != 0:
        raise RuntimeError(f"hotline {args[0]} failed ({code}): {err.getvalue()}")
    return out.getvalue()


def _quad(value: int) -> str:
    return ".".join(str(value >> s & 255) for s in (24, 16, 8, 0))


class NetnsNode(NodeRunner):
    """``hotline serve`` inside a network namespace."""

    def __init__(self, netns: str, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.netns = netns

    def command(self) -> list[str]:
        return ["ip", "netns", "exec", self.netns, *super().command()]


@dataclass
class Side:
    name: str
    netns: str
    address: str  # in its namespace (the caller reaches it here)
    gateway: str  # the root namespace's end of its veth (the relay listens here for it)
    dialed_at: tuple[str, int] = ("", 0)  # where the other side reaches it: the relay
    dir: Path = Path()
    ca: Path = Path()
    token: str = ""
    node: NetnsNode | None = None

    @property
    def url(self) -> str:
        return f"https://{self.address}:{PORT}"

    def verify(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=self.ca / "ca.pem")

    def client(self, timeout: float = 30.0) -> httpx.Client:
        return httpx.Client(
            base_url=self.url,
            verify=self.verify(),
            timeout=timeout,
            headers={"Authorization": f"Bearer {self.token}"},
        )


@dataclass
class ThinLine:
    """``with ThinLine(workdir, spec) as line:`` two sides, ``line.alpha`` and ``line.bravo``,
    paired over TLS across the relay (``line.relay``); ``peer`` settings go into both."""

    workdir: Path
    spec: LineSpec = field(default_factory=LineSpec)
    peer: dict[str, Any] = field(default_factory=dict)
    relay: Relay | None = None
    sides: list[Side] = field(default_factory=list)
    _made: list[str] = field(default_factory=list)

    def __enter__(self) -> ThinLine:
        try:
            self.open()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def alpha(self) -> Side:
        return self.sides[0]

    @property
    def bravo(self) -> Side:
        return self.sides[1]

    def open(self) -> None:
        tag = secrets.token_hex(3)
        taken = ip("-o", "-4", "addr", "show")
        for name in ("alpha", "bravo"):
            while True:
                base = NETWORK + random.randrange(32768) * 4
                if f" {_quad(base + 1)}/" not in taken and f" {_quad(base + 2)}/" not in taken:
                    break
            netns, host_if, ns_if = f"hl-{tag}-{name}", f"hl{tag}{name[0]}0", f"hl{tag}{name[0]}1"
            ip("netns", "add", netns)
            self._made.append(netns)
            ip("link", "add", host_if, "type", "veth", "peer", "name", ns_if, "netns", netns)
            self._made.append(f"link:{host_if}")
            ip("addr", "add", f"{_quad(base + 1)}/30", "dev", host_if)
            ip("link", "set", host_if, "up")
            ip("-n", netns, "addr", "add", f"{_quad(base + 2)}/30", "dev", ns_if)
            ip("-n", netns, "link", "set", ns_if, "up")
            ip("-n", netns, "link", "set", "lo", "up")
            self.sides.append(Side(name, netns, _quad(base + 2), _quad(base + 1)))
        self.relay = Relay(self.spec).start()
        alpha, bravo = self.alpha, self.bravo
        # each side's service, reached by the other at the relay's address on its own veth (on
        # a port free in the root namespace, where the relay listens)
        for side, other in ((alpha, bravo), (bravo, alpha)):
            side.dialed_at = (other.gateway, free_port())
            self.relay.forward(side.dialed_at, (side.address, PORT), from_a=side is bravo)
            self._provision(side)
        for side, other in ((alpha, bravo), (bravo, alpha)):
            cli("pair", side.dir, other.dir / "card.txt", "--peer-ca", other.ca / "ca.pem")
            config = read_config(side.dir)
            config["peer"].update(self.peer)
            write_config(side.dir, config)

    def _provision(self, side: Side) -> None:
        host, port = side.dialed_at
        side.ca, side.dir = self.workdir / f"{side.name}-ca", self.workdir / side.name
        cli("tls", "ca", side.ca, "--name", f"{side.name} CA")
        cli("tls", "cert", side.dir, "--ca", side.ca, "--host", host, "--host", side.address)
        tls = side.dir / "tls"
        cli(
            "init", side.dir, "--side", side.name, "--origin", f"hotline.example/{side.name}",
            "--port", str(PORT), "--unit", f"HQ {side.name}", "--nation", "XAB",
            "--url", f"https://{host}:{port}",
            "--tls-cert", tls / "cert.pem", "--tls-key", tls / "key.pem",
        )  # fmt: skip
        side.token = cli("users", "add", side.dir, "ops", "--role", "operator").strip()

    def start(self, side: Side) -> NetnsNode:
        """Run the side's node in its namespace (again, if it was stopped)."""
        if side.node is None:
            side.node = NetnsNode(
                side.netns,
                side.dir,
                PORT,
                log_path=side.dir / "serve.log",
                host=side.address,
                scheme="https",
                verify=side.verify(),
            )
        return side.node.start()

    def close(self) -> None:
        for side in self.sides:
            if side.node is not None:
                side.node.stop()
        if self.relay is not None:
            self.relay.close()
            self.relay = None
        for made in reversed(self._made):  # a namespace's end of a veth goes with it
            with contextlib.suppress(NetnsUnavailableError):
                if made.startswith("link:"):
                    ip("link", "del", made[5:])
                else:
                    ip("netns", "del", made)
        self._made.clear()


def require_netns() -> None:
    """Raise :class:`NetnsUnavailableError` with the reason unless namespaces can be made here."""
    if shutil.which("ip") is None:
        raise NetnsUnavailableError("the ip command (iproute2) is not installed")
    probe = f"hl-probe-{secrets.token_hex(3)}"
    ip("netns", "add", probe)
    ip("netns", "del", probe)
