"""A fake peer node for tests: it plays one side of the peer link with keys of its own and sends
whatever a test crafts, valid or not.

:class:`FakePeer` holds a generated log key and witness key and a feed built with the protocol
library. Pin it at the node under test (``card()`` for in-process settings, ``card_text()`` for
``hotline pair``), then :meth:`FakePeer.connect` dials the node's ``/v1/peer``, performs the
dialer's half of the handshake (built here from the documented transcript, not from the node's
code) and returns a :class:`FakeLink` to send crafted messages on and read the node's answers.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed

from hotline.settings import PeerSettings
from hotline_protocol.canonical import canonical_json
from hotline_protocol.checkpoint import Checkpoint, sign_checkpoint
from hotline_protocol.cosignature import CosignatureSigner
from hotline_protocol.entries import Entry, encode_entry
from hotline_protocol.merkle import Tree
from hotline_protocol.note import Signer, Verifier
from hotline_protocol.notices import Notice, notice_to_json, parse_notice

TIMEOUT = 15.0
EXAMPLES = Path(__file__).resolve().parent.parent / "protocol" / "examples"
T0 = 1_767_261_600_000  # 2026-01-01T10:00:00Z


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def transcript(role: str, signer: str, verifier: str, their_nonce: str, my_nonce: str) -> bytes:
    """The bytes a node signs to prove its log key (PROTOCOL.md, *Peer link*, handshake)."""
    return (
        f"hotline-peer-auth/v1\n{role}\n{signer}\n{verifier}\n{their_nonce}\n{my_nonce}\n"
    ).encode()


@dataclass
class FakePeer:
    """One side's keys and feed, under the test's full control."""

    side: str = "alpha"
    origin: str = "alpha.hotline.example"
    nation: str = "XAA"
    log: Signer = field(init=False)
    witness: CosignatureSigner = field(init=False)
    entries: list[Entry] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.log = Signer.generate(self.origin)
        self.witness = CosignatureSigner.generate(f"{self.origin}/witness")

    # what the node under test pins ---------------------------------------------------------
    def card(self, url: str = "", dial: bool = False) -> PeerSettings:
        return PeerSettings(
            side=self.side,
            origin=self.origin,
            log_vkey=self.log.vkey,
            witness_vkey=self.witness.vkey,
            url=url,
            dial=dial,
        )

    def card_text(self, url: str) -> str:
        return (
            f"hotline-card v1\nside {self.side}\norigin {self.origin}\nlog-vkey {self.log.vkey}\n"
            f"witness-vkey {self.witness.vkey}\nurl {url}\n"
        )

    # the feed ------------------------------------------------------------------------------
    @property
    def size(self) -> int:
        return len(self.entries)

    def notice(self, text: str = "Line check.", **extra: Any) -> Notice:
        body: dict[str, Any] = {
            "id": str(uuid.uuid4()),
            "kind": "liaison",
            "status": "exercise",
            "author": {"id": f"ops-{self.side}", "unit": f"HQ {self.side}", "nation": self.nation},
            "time": T0 + self.size * 1000,
            "text": text,
            "language": "en",
            **extra,
        }
        return parse_notice(body)

    def distress(self, **extra: Any) -> Notice:
        """An aircraft_in_distress notice (FLASH, needs an ack), from the protocol examples."""
        body = json.loads((EXAMPLES / "aircraft_in_distress.json").read_text())
        body.update(
            id=str(uuid.uuid4()),
            time=T0 + self.size * 1000,
            author={"id": f"rcc-{self.side}", "unit": f"RCC {self.side}", "nation": self.nation},
        )
        body.update(extra)  # may set the time
        body["aircraft"]["nationality"] = self.nation
        return parse_notice(body)

    def append(self, notice: Notice | None = None, **extra: Any) -> Entry:
        prev = self.entries[-1].leaf_hash if self.entries else b""
        entry = encode_entry(self.origin, self.size, prev, notice or self.notice(**extra))
        self.entries.append(entry)
        return entry

    def append_many(self, n: int) -> list[Entry]:
        return [self.append(text=f"notice {self.size}") for _ in range(n)]

    def tree(self) -> Tree:
        return Tree(e.leaf_hash for e in self.entries)

    def sign(
        self, size: int | None = None, root: bytes | None = None, key: Signer | None = None
    ) -> bytes:
        """A checkpoint note of the feed (or of any size and root) signed by the log key (or
        ``key``)."""
        size = self.size if size is None else size
        root = self.tree().root(size) if root is None else root
        return sign_checkpoint(Checkpoint(self.origin, size, root), key or self.log)

    def raw_entry(self, index: int, notice: dict[str, Any], origin: str | None = None) -> bytes:
        """Canonical entry bytes around any notice object (valid or not), chained to the feed."""
        prev = self.entries[index - 1].leaf_hash if index else b""
        return canonical_json(
            {
                "v": 1,
                "origin": origin or self.origin,
                "index": index,
                "prev": b64(prev) if prev else "",
                "notice": notice,
            }
        )

    def notice_json(self, **extra: Any) -> dict[str, Any]:
        """A valid notice's JSON object with ``extra`` fields replaced (possibly invalid)."""
        return {**notice_to_json(self.notice()), **extra}

    # the link ------------------------------------------------------------------------------
    async def connect(
        self,
        url: str,
        listener_vkey: str,
        *,
        origin: str | None = None,
        key: Signer | None = None,
        status: dict[str, int] | None = None,
    ) -> FakeLink:
        """Dial ``url`` (``ws://host:port/v1/peer``), authenticate as ``origin`` with ``key``
        (this peer's own by default), and send ``status`` (default: this feed's size, nothing
        held of the node's feed)."""
        link = await FakeLink.open(url)
        await link.handshake(
            origin or self.origin, key or self.log, Verifier.from_vkey(listener_vkey)
        )
        await link.send("status", **(status or {"size": self.size, "have": 0, "cosigned": 0}))
        return link


@dataclass
class FakeLink:
    """The fake peer's end of one connection: send crafted messages, read the node's."""

    ws: ClientConnection
    listener_origin: str = ""
    status: dict[str, Any] | None = None  # the node's status message
    received: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    async def open(cls, url: str) -> FakeLink:
        ws = await connect(url, max_size=4 * 1024 * 1024, open_timeout=TIMEOUT)
        return cls(ws)

    async def handshake(self, origin: str, key: Signer, listener: Verifier) -> None:
        hello = await self.recv()
        assert hello["type"] == "hello", hello
        self.listener_origin = hello["origin"]
        nonce = b64(secrets.token_bytes(32))
        sig = key.sign(transcript("dialer", origin, hello["origin"], hello["nonce"], nonce))
        await self.send("auth", origin=origin, nonce=nonce, sig=b64(sig))
        welcome = await self.recv()
        assert welcome["type"] == "welcome", welcome
        expected = transcript("listener", hello["origin"], origin, nonce, hello["nonce"])
        assert listener.verify(expected, base64.b64decode(welcome["sig"])), "bad welcome"

    async def send(self, kind: str, **fields: Any) -> None:
        await self.ws.send(json.dumps({"type": kind, **fields}, separators=(",", ":")))

    async def send_raw(self, text: str) -> None:
        await self.ws.send(text)

    async def send_entries(self, start: int, raws: Sequence[bytes]) -> None:
        await self.send("entries", start=start, entries=[b64(r) for r in raws])

    async def send_checkpoint(self, note: bytes, old: int = 0, proof: Sequence[bytes] = ()) -> None:
        await self.send("checkpoint", note=note.decode(), old=old, proof=[b64(h) for h in proof])

    async def recv(self, timeout: float = TIMEOUT) -> dict[str, Any]:
        async with asyncio.timeout(timeout):
            text = await self.ws.recv()
        msg: dict[str, Any] = json.loads(text)
        self.received.append(msg)
        if msg.get("type") == "status" and self.status is None:
            self.status = msg
        return msg

    async def expect(self, kind: str, timeout: float = TIMEOUT) -> dict[str, Any]:
        """The next message of type ``kind``, skipping others (the node's own replication)."""
        async with asyncio.timeout(timeout):
            while True:
                msg = await self.recv(timeout)
                if msg["type"] == kind:
                    return msg

    async def closed(self, timeout: float = TIMEOUT) -> tuple[int, str]:
        """Read until the node closes the link; its close code and reason."""
        try:
            async with asyncio.timeout(timeout):
                while True:
                    await self.recv(timeout)
        except ConnectionClosed as exc:
            rcvd = exc.rcvd
            assert rcvd is not None, "closed without a close frame"
            return rcvd.code, rcvd.reason
        raise AssertionError("unreachable")

    async def close(self) -> None:
        await self.ws.close()

    def stop_reading(self) -> None:
        """Take nothing more off the socket: what the node sends backs up in its buffers."""
        self.ws.transport.pause_reading()

    def resume_reading(self) -> None:
        self.ws.transport.resume_reading()

    async def abort(self) -> None:
        """Drop the connection without a closing handshake (which a backed-up link would only
        finish after every byte queued before it)."""
        self.ws.transport.abort()
        await self.ws.wait_closed()


class FakeListener:
    """A fake peer that a node dials: it answers the handshake as the listener, optionally with
    a wrong origin or key, and counts the connections it got."""

    def __init__(
        self,
        peer: FakePeer,
        dialer_vkey: str,
        *,
        origin: str | None = None,
        key: Signer | None = None,
    ) -> None:
        self.peer = peer
        self.dialer = Verifier.from_vkey(dialer_vkey)
        self.origin = origin or peer.origin
        self.key = key or peer.log
        self.connections = 0
        self.authenticated = 0
        self.closes: list[tuple[int | None, str | None]] = []  # of authenticated connections
        self._server: Server | None = None

    @property
    def url(self) -> str:
        assert self._server is not None
        port = self._server.sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}"

    async def start(self) -> FakeListener:
        self._server = await serve(self._handle, "127.0.0.1", 0)
        return self

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def _handle(self, ws: ServerConnection) -> None:
        self.connections += 1
        nonce = b64(secrets.token_bytes(32))
        hello = {"type": "hello", "origin": self.origin, "nonce": nonce}
        await ws.send(json.dumps(hello))
        try:
            msg = json.loads(await ws.recv())
        except ConnectionClosed:
            return
        if msg.get("type") != "auth" or not self.dialer.verify(
            transcript("dialer", msg["origin"], self.origin, nonce, msg["nonce"]),
            base64.b64decode(msg["sig"]),
        ):
            await ws.close(4401, "bad_auth")
            return
        self.authenticated += 1
        sig = self.key.sign(transcript("listener", self.origin, msg["origin"], msg["nonce"], nonce))
        await ws.send(json.dumps({"type": "welcome", "sig": b64(sig)}))
        with contextlib.suppress(ConnectionClosed):
            async for _ in ws:
                continue  # drain until the other end closes
        self.closes.append((ws.close_code, ws.close_reason))
