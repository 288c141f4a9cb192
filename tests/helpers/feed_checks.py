"""What two paired nodes must agree on, checked from their APIs with the protocol library only:
both copies of each feed byte for byte, each chain decoding, roots matching signed checkpoints,
and every cosignature verifying and lying on one consistent history."""

from __future__ import annotations

import base64
import itertools
import time
from collections.abc import Callable

from hotline_protocol.checkpoint import open_checkpoint
from hotline_protocol.cosignature import CosignatureVerifier
from hotline_protocol.entries import Entry, decode_chain
from hotline_protocol.merkle import Tree, verify_consistency
from hotline_protocol.note import Verifier

from .peer_pair import Pair, Side


def wait(cond: Callable[[], bool], what: str, timeout: float = 60.0) -> None:
    """Poll ``cond`` (a blocking check) until true; AssertionError naming ``what``."""
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.05)


def caught_up(pair: Pair) -> bool:
    a, b = pair.alpha.sizes(), pair.bravo.sizes()
    if not a or not b:
        return False
    a_link, b_link = pair.alpha.link(), pair.bravo.link()
    return bool(
        a["alpha"] == b["alpha"] == a_link["own_delivered_size"]
        and b["bravo"] == a["bravo"] == b_link["own_delivered_size"]
        and a_link["connected"]
        and b_link["connected"]
    )


def decoded(raws: list[bytes], origin: str) -> list[Entry]:
    return decode_chain(raws, origin=origin, start=0, prev=b"")


def check_feeds(pair: Pair) -> dict[str, list[Entry]]:
    """Each feed is the same bytes at both nodes, decodes as one chain, and its root is the
    root of its latest checkpoint, signed by its log key, at both nodes. The decoded feeds."""
    out: dict[str, list[Entry]] = {}
    for owner, holder in ((pair.alpha, pair.bravo), (pair.bravo, pair.alpha)):
        own, held = owner.entries(owner.name), holder.entries(owner.name)
        assert own == held, f"{owner.name}'s feed differs at {holder.name}"
        entries = decoded(own, owner.origin)
        ids = [str(e.notice.id) for e in entries]
        assert len(ids) == len(set(ids)), f"a notice twice in {owner.name}'s feed"
        tree = Tree(e.leaf_hash for e in entries)
        log = Verifier.from_vkey(owner.card()["log-vkey"])
        for side in (owner, holder) if entries else ():
            note = side.get(f"/v1/logs/{owner.name}/checkpoint")
            cp = open_checkpoint(note, origin=owner.origin, log=log).checkpoint
            assert (cp.size, cp.root) == (tree.size, tree.root()), f"{owner.name} at {side.name}"
        out[owner.name] = entries
    return out


def check_cosignatures(owner: Side, witness_side: Side, entries: list[Entry]) -> int:
    """Every checkpoint of ``owner``'s feed cosigned by ``witness_side`` verifies with its
    witness key, is a prefix of the feed, and each is consistent with the one before (by the
    node's consistency proof). The number of cosigned checkpoints."""
    log = Verifier.from_vkey(owner.card()["log-vkey"])
    witness = CosignatureVerifier.from_vkey(witness_side.card()["witness-vkey"])
    tree = Tree(e.leaf_hash for e in entries)
    cosigned: list[tuple[int, bytes]] = []
    for record in owner.checkpoints(owner.name):
        opened = open_checkpoint(
            record["note"].encode(), origin=owner.origin, log=log, witnesses=[witness]
        )
        if witness.name not in opened.cosignatures:
            continue
        cp = opened.checkpoint
        assert cp.root == tree.root(cp.size), f"cosigned checkpoint {cp.size} is not the feed"
        cosigned.append((cp.size, cp.root))
    for (old, old_root), (size, root) in itertools.pairwise(cosigned):
        proof = owner.get(f"/v1/logs/{owner.name}/proof/consistency", old=old, size=size)
        hashes = [base64.b64decode(h) for h in proof["proof"]]
        verify_consistency(old, size, hashes, old_root, root)
    assert cosigned, f"no checkpoint of {owner.name} cosigned by {witness_side.name}"
    assert cosigned[-1][0] == len(entries), "the latest checkpoint is not cosigned"
    return len(cosigned)
