"""Limits a peer hits before the node does: evidence of refused input is cut to its first bytes
(with the length and SHA-256 of the whole), and early FLASH entries held per peer are bounded.
A fake peer, authenticated with the pinned key, sends the input over a real socket."""

from __future__ import annotations

import base64
import hashlib
import json

from hotline.settings import Limits
from tests.helpers.fake_peer import FakeLink, FakePeer, b64

from .conftest import LiveNode, Nodes
from .test_refusals import BASE, deliver, snapshot


async def facing(nodes: Nodes, **limits: int) -> tuple[FakePeer, LiveNode, FakeLink]:
    fake = FakePeer()
    bravo = await nodes.facing(fake, limits=Limits(**limits))
    fake.append_many(BASE)
    link = await fake.connect(bravo.peer_ws, bravo.prepared.keys.log.vkey)
    assert (await deliver(link, fake, 0, 0))["size"] == BASE
    return fake, bravo, link


async def test_evidence_of_a_large_run_keeps_its_first_bytes_size_and_digest(
    nodes: Nodes,
) -> None:
    """A refused run of entries is kept as its first ``limits.evidence_bytes``, the length and
    the SHA-256 of the whole (the checkpoint message, then every entry it covered)."""
    fake, bravo, link = await facing(nodes, evidence_bytes=1024)
    before = await snapshot(bravo)
    fake.append_many(20)
    raws = [e.raw for e in fake.entries[BASE:]]
    await link.send_entries(BASE, raws)
    message = json.dumps(
        {
            "type": "checkpoint",
            "note": fake.sign(root=bytes(32)).decode(),
            "old": BASE,
            "proof": [b64(bytes(32))],
        },
        separators=(",", ":"),
    )
    await link.send_raw(message)
    assert (await link.expect("refused"))["reason"] == "root_mismatch"

    whole = message.encode() + b"\n" + b"\n".join(raws)
    assert len(whole) > 4 * 1024
    [record] = await bravo.evidence()
    assert base64.b64decode(record["raw"]) == whole[:1024]
    assert record["size"] == len(whole)
    assert record["sha256"] == base64.b64encode(hashlib.sha256(whole).digest()).decode()
    [listed] = (await bravo.get("/v1/audit/evidence"))["evidence"]
    assert (listed["size"], listed["sha256"]) == (record["size"], record["sha256"])
    assert await snapshot(bravo) == before
