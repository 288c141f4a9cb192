"""The peer-link handshake over real sockets: each side proves its pinned log key on a fresh
challenge; anything else closes the link with a code and changes nothing."""

from __future__ import annotations

import base64
import json
import secrets

import pytest
from websockets.exceptions import ConnectionClosed

from hotline.settings import Limits
from hotline_protocol.note import Signer, Verifier
from tests.helpers.fake_peer import FakeLink, FakeListener, FakePeer, b64, transcript

from .conftest import Nodes, wait_until


async def test_fake_peer_authenticates_and_link_is_up(nodes: Nodes) -> None:
    fake = FakePeer()
    bravo = await nodes.facing(fake)
    events = nodes.events(bravo)
    link = await fake.connect(bravo.peer_ws, bravo.prepared.keys.log.vkey)
    status = await link.expect("status")
    assert status == {"type": "status", "size": 0, "have": 0, "cosigned": 0}
    await wait_until(bravo.connected, "link up at bravo")
    up = await events.wait_for("link", change="up")
    assert up["connected"] is True and up["dialed_by"] == fake.origin
    state = await bravo.get("/v1/link")
    assert state["connected"] is True and state["paired"] is True
    assert state["peer_origin"] == fake.origin and state["dialed_by"] == fake.origin
    assert isinstance(state["since"], int) and state["lag"] == {"out": 0, "in": 0}
    await link.close()
    await wait_until(lambda: not bravo.connected(), "link down at bravo")
    down = await events.wait_for("link", change="down")
    assert down["connected"] is False and down["lag"] is None


async def assert_refused_handshake(
    nodes: Nodes, link: FakeLink, code: int, reason: str, bravo_last_error: str
) -> None:
    assert await link.closed() == (code, reason)
    bravo = nodes.live[-1]
    assert not bravo.connected()
    state = await bravo.get("/v1/link")
    assert state["connected"] is False and state["connects"] == 0
    assert state["last_error"].startswith(bravo_last_error)
    assert await bravo.evidence() == []  # an unauthenticated caller leaves no evidence


async def test_wrong_key_is_refused(nodes: Nodes) -> None:
    fake = FakePeer()
    bravo = await nodes.facing(fake)
    impostor = Signer.generate(fake.origin)  # same origin, another key
    link = await FakeLink.open(bravo.peer_ws)
    with pytest.raises(ConnectionClosed):  # the node closes before any welcome
        await link.handshake(
            fake.origin, impostor, Verifier.from_vkey(bravo.prepared.keys.log.vkey)
        )
    await assert_refused_handshake(nodes, link, 4401, "bad_auth", "bad_auth")


async def test_wrong_origin_is_refused(nodes: Nodes) -> None:
    fake = FakePeer()
    bravo = await nodes.facing(fake)
    stranger = FakePeer(side="charlie", origin="charlie.hotline.example")
    link = await FakeLink.open(bravo.peer_ws)
    with pytest.raises(ConnectionClosed):
        await link.handshake(
            stranger.origin, stranger.log, Verifier.from_vkey(bravo.prepared.keys.log.vkey)
        )
    await assert_refused_handshake(nodes, link, 4403, "unknown_peer", "unknown_peer")


async def test_replayed_auth_is_refused(nodes: Nodes) -> None:
    """A valid auth message answers one challenge only: replayed on a new link it fails."""
    fake = FakePeer()
    bravo = await nodes.facing(fake)
    first = await FakeLink.open(bravo.peer_ws)
    hello = await first.recv()
    nonce = b64(secrets.token_bytes(32))
    sig = fake.log.sign(transcript("dialer", fake.origin, hello["origin"], hello["nonce"], nonce))
    auth = {"type": "auth", "origin": fake.origin, "nonce": nonce, "sig": b64(sig)}
    await first.send_raw(json.dumps(auth))
    assert (await first.recv())["type"] == "welcome"
    await first.close()
    await wait_until(lambda: not bravo.connected(), "first link down")

    second = await FakeLink.open(bravo.peer_ws)
    assert (await second.recv())["type"] == "hello"
    await second.send_raw(json.dumps(auth))
    assert await second.closed() == (4401, "bad_auth")


async def test_handshake_timeout(nodes: Nodes) -> None:
    fake = FakePeer()
    bravo = await nodes.facing(fake, limits=Limits(handshake_timeout_s=0.3))
    link = await FakeLink.open(bravo.peer_ws)
    assert (await link.recv())["type"] == "hello"
    await assert_refused_handshake(nodes, link, 4408, "handshake_timeout", "handshake_timeout")


@pytest.mark.parametrize(
    ("message", "code", "reason"),
    [
        ({"type": "status", "size": 0, "have": 0, "cosigned": 0}, 4401, "bad_handshake"),
        (
            {"type": "auth", "origin": "alpha.hotline.example", "nonce": "AA==", "sig": "AA=="},
            4401,
            "bad_auth",
        ),
        ({"type": "auth", "origin": "alpha.hotline.example"}, 4400, "bad_message"),
        ({"type": "nonsense"}, 4400, "bad_message"),
    ],
)
async def test_bad_first_message(
    nodes: Nodes, message: dict[str, object], code: int, reason: str
) -> None:
    fake = FakePeer()
    bravo = await nodes.facing(fake)
    link = await FakeLink.open(bravo.peer_ws)
    await link.recv()
    await link.send_raw(json.dumps(message))
    await assert_refused_handshake(nodes, link, code, reason, reason)


async def test_not_json_before_auth(nodes: Nodes) -> None:
    fake = FakePeer()
    bravo = await nodes.facing(fake)
    link = await FakeLink.open(bravo.peer_ws)
    await link.recv()
    await link.send_raw("{not json")
    await assert_refused_handshake(nodes, link, 4400, "bad_message", "bad_message")


async def test_unpaired_node_closes_4404(nodes: Nodes) -> None:
    lone = await nodes.start(nodes.prepare("bravo"))
    link = await FakeLink.open(lone.peer_ws)
    assert await link.closed() == (4404, "this node is not paired")


@pytest.mark.parametrize("wrong", ["key", "origin"])
async def test_dialer_refuses_a_listener_that_cannot_prove_the_pinned_key(
    nodes: Nodes, wrong: str
) -> None:
    """The node that dials checks the listener too: an impostor at the peer's URL gets no link,
    and the dialer keeps retrying with backoff."""
    fake = FakePeer(side="bravo", origin="bravo.hotline.example", nation="XBB")
    a = nodes.prepare("alpha")
    kwargs: dict[str, object] = (
        {"key": Signer.generate(fake.origin)} if wrong == "key" else {"origin": "mallory.example"}
    )
    listener = await FakeListener(fake, a.keys.log.vkey, **kwargs).start()  # type: ignore[arg-type]
    try:
        alpha = await nodes.start(a, fake.card(url=listener.url, dial=True))
        await wait_until(lambda: listener.connections >= 2, "the dialer retries")
        assert not alpha.connected()
        state = await alpha.get("/v1/link")
        expected = "bad_auth" if wrong == "key" else "unknown_peer"
        assert state["last_error"].startswith(expected), state
        assert state["connects"] == 0
        if wrong == "key":  # the welcome is refused: the listener hears why, not 1011
            await wait_until(lambda: bool(listener.closes), "a refused welcome")
            assert set(listener.closes) == {(4401, "bad_auth")}, listener.closes
    finally:
        await listener.stop()


async def test_dialer_and_listener_transcripts_differ() -> None:
    """A signature made as dialer never verifies as listener (the role line differs)."""
    key = Signer.generate("alpha.hotline.example")
    n1, n2 = b64(b"1" * 32), b64(b"2" * 32)
    sig = key.sign(transcript("dialer", key.name, "bravo.hotline.example", n1, n2))
    as_listener = transcript("listener", key.name, "bravo.hotline.example", n1, n2)
    assert not key.verifier().verify(as_listener, sig)
    assert transcript("dialer", "a", "b", n1, n2) == (
        b"hotline-peer-auth/v1\ndialer\na\nb\n" + n1.encode() + b"\n" + n2.encode() + b"\n"
    )
    assert base64.b64decode(n1) == b"1" * 32


async def test_peer_connections_beyond_the_handshake_cap_are_closed_4429_and_change_nothing(
    nodes: Nodes,
) -> None:
    fake = FakePeer()
    prepared = nodes.prepare("bravo")
    limits = prepared.settings.limits.model_copy(update={"peer_handshakes": 2})
    bravo = await nodes.start(prepared, fake.card(), limits=limits)
    waiting = [await FakeLink.open(bravo.peer_ws) for _ in range(2)]
    for link in waiting:  # in their handshake: greeted, and silent since
        assert (await link.recv())["type"] == "hello"
    extra = await FakeLink.open(bravo.peer_ws)
    assert await extra.closed() == (4429, "too_many_connections")
    peering = bravo.node.peering
    assert peering is not None
    assert peering.handshakes == 2 and peering.handshakes_refused == 1
    state = await bravo.get("/v1/link")
    assert state["connected"] is False and state["connects"] == 0
    assert state["last_error"] is None  # a stranger's connection is not the peer's failure
    assert await bravo.evidence() == []
    # one of the waiting ones goes away: the pinned peer gets its place and links
    await waiting[0].abort()
    await wait_until(lambda: peering.handshakes == 1, "the aborted handshake let go")
    link = await fake.connect(bravo.peer_ws, bravo.prepared.keys.log.vkey)
    await link.expect("status")
    await wait_until(bravo.connected, "link up at bravo")
    await link.close()
    await waiting[1].close()
