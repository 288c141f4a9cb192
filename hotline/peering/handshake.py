"""The peer link's handshake: each end proves it holds the pinned log key of its origin.

The listener sends ``hello`` (its origin and a nonce); the dialer answers ``auth`` (its origin,
a nonce, and its signature over both nonces and the listener's origin); the listener checks it
against the dialer's pinned key and answers ``welcome``, its own signature, which the dialer
checks against the listener's pinned key (PROTOCOL.md, *Handshake*). Each step has a deadline.
"""

from __future__ import annotations

import asyncio
from typing import Any

from hotline_protocol import peer as m
from hotline_protocol.note import Signer, Verifier

from ..errors import AuthFailed, HandshakeTimeout, UnknownPeer
from .errors import link_errors
from .transport import ServerTransport, Transport

HANDSHAKE_SECONDS = 10.0  # each step, unless the node's settings say otherwise


async def handshake_listener(
    t: Transport,
    key: Signer,
    peer: Verifier,
    peer_origin: str,
    timeout: float = HANDSHAKE_SECONDS,
) -> None:
    nonce = m.new_nonce()
    await t.send(m.encode("hello", origin=key.name, nonce=nonce))
    msg = await _expect(t, "auth", timeout)
    if msg["origin"] != peer_origin:
        raise UnknownPeer("unknown_peer", f"origin {msg['origin']!r} is not the pinned peer")
    with link_errors():
        m.check("dialer", peer, key.name, nonce, msg["nonce"], msg["sig"])
    if isinstance(t, ServerTransport):  # before welcome: the dialer's next frames are the link's
        t.authenticated()
    await t.send(m.encode("welcome", sig=m.sign("listener", key, peer_origin, msg["nonce"], nonce)))


async def handshake_dialer(t: Transport, key: Signer, peer: Verifier, peer_origin: str) -> None:
    hello = await _expect(t, "hello")
    if hello["origin"] != peer_origin:
        raise UnknownPeer("unknown_peer", f"origin {hello['origin']!r} is not the pinned peer")
    nonce = m.new_nonce()
    with link_errors():
        m.check_nonce(hello["nonce"])
    await t.send(
        m.encode(
            "auth",
            origin=key.name,
            nonce=nonce,
            sig=m.sign("dialer", key, peer_origin, hello["nonce"], nonce),
        )
    )
    welcome = await _expect(t, "welcome")
    with link_errors():
        m.check("listener", peer, key.name, nonce, hello["nonce"], welcome["sig"])


async def _expect(t: Transport, kind: str, timeout: float = HANDSHAKE_SECONDS) -> dict[str, Any]:
    # asyncio.timeout, not wait_for: Python 3.11's wait_for runs the read as a task whose error
    # (the dialer gone) holds wait_for's frame, which holds the task: a reference cycle
    try:
        async with asyncio.timeout(timeout):
            text = await t.recv()
    except TimeoutError as exc:
        raise HandshakeTimeout("handshake_timeout", f"no {kind} in {timeout:g} s") from exc
    with link_errors():
        msg = m.decode(text)
    if msg["type"] != kind:
        raise AuthFailed("bad_handshake", f"expected {kind}, got {msg['type']}")
    return msg
