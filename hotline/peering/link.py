"""One authenticated peer link: both feeds flow over it, one in each direction."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from hotline_protocol.note import Signer, Verifier

from . import auth
from . import messages as m
from .errors import LinkError, Refusal
from .sender import Sender
from .transport import Closed, Transport

if TYPE_CHECKING:
    from ..node import Node

log = logging.getLogger("hotline.peering")
HANDSHAKE_SECONDS = 10.0


async def handshake_listener(t: Transport, key: Signer, peer: Verifier, peer_origin: str) -> None:
    nonce = auth.new_nonce()
    await t.send(m.encode("hello", origin=key.name, nonce=nonce))
    msg = await _expect(t, "auth")
    if msg["origin"] != peer_origin:
        raise LinkError("unknown_peer", f"origin {msg['origin']!r} is not the pinned peer", 4403)
    auth.check("dialer", peer, key.name, nonce, msg["nonce"], msg["sig"])
    await t.send(
        m.encode("welcome", sig=auth.sign("listener", key, peer_origin, msg["nonce"], nonce))
    )


async def handshake_dialer(t: Transport, key: Signer, peer: Verifier, peer_origin: str) -> None:
    hello = await _expect(t, "hello")
    if hello["origin"] != peer_origin:
        raise LinkError("unknown_peer", f"origin {hello['origin']!r} is not the pinned peer", 4403)
    nonce = auth.new_nonce()
    await t.send(
        m.encode(
            "auth",
            origin=key.name,
            nonce=nonce,
            sig=auth.sign("dialer", key, peer_origin, hello["nonce"], nonce),
        )
    )
    welcome = await _expect(t, "welcome")
    auth.check("listener", peer, key.name, nonce, hello["nonce"], welcome["sig"])


async def _expect(t: Transport, kind: str) -> dict[str, Any]:
    try:
        text = await asyncio.wait_for(t.recv(), HANDSHAKE_SECONDS)
    except TimeoutError as exc:
        raise LinkError(
            "handshake_timeout", f"no {kind} in {HANDSHAKE_SECONDS:.0f} s", 4408
        ) from exc
    msg = m.decode(text)
    if msg["type"] != kind:
        raise LinkError("bad_handshake", f"expected {kind}, got {msg['type']}", 4401)
    return msg


class Link:
    def __init__(self, node: Node, transport: Transport, dialer: str) -> None:
        self.node = node
        self.t = transport
        self.dialer = dialer  # origin of the node that dialed
        self.sender = Sender(node, self._send_bulk, self._send)
        self.peer_size = 0
        self.since_ms = node.clock_ms()
        # control messages (receipts, FLASH, refusals) overtake bulk replication; the receive
        # loop never waits on the socket, so two busy nodes cannot block each other
        self._control: list[str] = []
        self._bulk: asyncio.Queue[str] = asyncio.Queue(maxsize=4)
        self._ready = asyncio.Event()

    async def _send(self, text: str) -> None:
        self._control.append(text)
        self._ready.set()

    async def _send_bulk(self, text: str) -> None:
        await self._bulk.put(text)
        self._ready.set()

    async def _writer(self) -> None:
        while True:
            if self._control:
                text = self._control.pop(0)
            elif not self._bulk.empty():
                text = self._bulk.get_nowait()
            else:
                self._ready.clear()
                await self._ready.wait()
                continue
            await self.t.send(text)

    async def run(self) -> None:
        """Exchange feeds until the link breaks; raises LinkError/Closed with the reason."""
        node = self.node
        replica = node.replica
        assert replica is not None
        replica.reset()
        await self._send(
            m.encode(
                "status",
                size=node.index.size(node.own.name),
                have=replica.have,
                cosigned=replica.cosigned,
            )
        )
        if replica.last_line is not None:  # resend the latest receipt: it may have been lost
            await self._send(m.encode("cosignature", size=replica.cosigned, line=replica.last_line))
        sender_task: asyncio.Task[None] | None = None
        writer_task = asyncio.create_task(self._writer())
        try:
            while True:
                text = await self.t.recv()
                msg = m.decode(text)
                kind = msg["type"]
                raw = text.encode()
                if kind == "status":
                    self.peer_size = msg["size"]
                    if msg["have"] > node.index.size(node.own.name):
                        raise Refusal(
                            "peer_ahead", f"peer claims {msg['have']} of our entries", raw
                        )
                    if sender_task is None:
                        self.sender.start_from(msg["have"], msg["cosigned"])
                        sender_task = asyncio.create_task(self._sender_loop())
                elif kind == "entries":
                    raws = [m.unb64(e, "entry") for e in msg["entries"]]
                    replica.add_entries(msg["start"], raws, raw)
                    self.peer_size = max(self.peer_size, msg["start"] + len(raws))
                elif kind == "checkpoint":
                    proof = m.hashes(msg["proof"], "proof")
                    line = await replica.checkpoint(msg["note"].encode(), msg["old"], proof, raw)
                    await self._send(m.encode("cosignature", size=replica.cosigned, line=line))
                elif kind == "cosignature":
                    await self.sender.on_cosignature(msg["size"], msg["line"], raw)
                elif kind == "flash":
                    entry = await replica.flash(
                        msg["index"],
                        m.unb64(msg["entry"], "entry"),
                        msg["note"].encode(),
                        m.hashes(msg["proof"], "proof"),
                        raw,
                    )
                    node.flash_received(msg["index"], entry)
                elif kind == "refused":
                    node.alarm("refused_by_peer", code=msg["reason"], detail=msg["detail"])
                else:
                    raise LinkError("bad_message", f"unexpected {kind} after the handshake")
        finally:
            for task in (sender_task, writer_task):
                if task is not None:
                    task.cancel()
                    try:
                        await task
                    except (asyncio.CancelledError, Closed, LinkError):
                        pass

    async def _sender_loop(self) -> None:
        try:
            await self.sender.run()
        except Closed:
            pass
        except Exception:
            log.exception("peer sender failed")
            await self.t.close(1011, "sender failed")

    async def refuse(self, exc: Refusal) -> None:
        """Tell the peer why its input was refused (best effort: the link closes next)."""
        try:
            await asyncio.wait_for(
                self.t.send(m.encode("refused", reason=exc.reason, detail=exc.detail[:1000])),
                2.0,
            )
        except (Closed, TimeoutError):
            pass

    def lag(self) -> dict[str, int]:
        node = self.node
        replica = node.replica
        assert replica is not None
        own_size = node.index.size(node.own.name)
        return {
            "out": own_size - self.sender.peer_cosigned,
            "in": max(0, self.peer_size - replica.have),
        }
