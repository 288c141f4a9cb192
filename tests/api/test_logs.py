"""The feeds as logs: checkpoints, entries, proofs and C2SP tlog-tiles, read over the API.

The tile reader at the top is written from the tlog-tiles text alone (hashlib, no project code
but checkpoint verification), so the tiles are checked the way a standard client reads them.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import itertools
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from hotline.api.errors import status_of
from hotline.errors import BadRequest, Broken
from hotline.feeds.logs import bundle, encode_tile_index, parse_tile_path, tile_path
from hotline.keys import generate_keys
from hotline.settings import Settings
from hotline.store.base import CheckpointRecord, CosignatureRecord
from hotline_protocol.checkpoint import Checkpoint, open_checkpoint, sign_checkpoint
from hotline_protocol.cosignature import CosignatureSigner, cosign
from hotline_protocol.entries import encode_entry
from hotline_protocol.merkle import leaf_hash, verify_consistency, verify_inclusion
from hotline_protocol.note import Verifier, add_signatures
from hotline_protocol.notices import parse_notice
from tests.api.conftest import LIAISON, NodeApp

OWN = "/v1/logs/alpha"
ORIGIN = "alpha.hotline.example"


def b64(text: str) -> bytes:
    return base64.b64decode(text, validate=True)


async def get(na: NodeApp, path: str, role: str = "auditor", **params: Any) -> httpx.Response:
    return await na.client.get(path, params=params or None, headers=await na.headers(role))


async def signed_checkpoint(na: NodeApp, prefix: str = OWN, vkey: str = "") -> Checkpoint:
    r = await get(na, f"{prefix}/checkpoint")
    assert r.status_code == 200, r.text
    vkey = vkey or na.node.own.log_vkey
    verifier = Verifier.from_vkey(vkey)
    return open_checkpoint(r.content, origin=verifier.name, log=verifier).checkpoint


async def all_entries(na: NodeApp, prefix: str = OWN, size: int | None = None) -> list[bytes]:
    out: list[bytes] = []
    while size is None or len(out) < size:
        params: dict[str, Any] = (
            {"start": len(out)} if size is None else {"start": len(out), "end": size}
        )
        r = await get(na, f"{prefix}/entries", **params)
        if r.status_code == 416:
            break
        assert r.status_code == 200, r.text
        assert r.json()["start"] == len(out)
        out += [b64(e) for e in r.json()["entries"]]
    return out


# an independent tlog-tiles reader ------------------------------------------------------------


def sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def mth(leaves: list[bytes]) -> bytes:
    """RFC 6962 Merkle Tree Hash over leaf hashes, written out from the RFC."""
    if not leaves:
        return sha256(b"")
    if len(leaves) == 1:
        return leaves[0]
    k = 1 << ((len(leaves) - 1).bit_length() - 1)
    return sha256(b"\x01" + mth(leaves[:k]) + mth(leaves[k:]))


def n_path(n: int) -> str:
    digits = str(n).zfill(3 * max(1, -(-len(str(n)) // 3)))
    groups = [digits[i : i + 3] for i in range(0, len(digits), 3)]
    return "/".join(["x" + g for g in groups[:-1]] + groups[-1:])


def hashes(data: bytes) -> list[bytes]:
    assert len(data) % 32 == 0
    return [data[i : i + 32] for i in range(0, len(data), 32)]


def unbundle(data: bytes) -> list[bytes]:
    out, pos = [], 0
    while pos < len(data):
        length = int.from_bytes(data[pos : pos + 2], "big")
        out.append(data[pos + 2 : pos + 2 + length])
        pos += 2 + length
    assert pos == len(data), "trailing bytes in the entry bundle"
    return out


@dataclass
class TileReader:
    client: httpx.AsyncClient
    prefix: str
    headers: dict[str, str]
    fetched: list[str] = field(default_factory=list)

    async def fetch(self, path: str) -> bytes:
        r = await self.client.get(f"{self.prefix}/{path}", headers=self.headers)
        assert r.status_code == 200, (path, r.text)
        assert r.headers["content-type"] == "application/octet-stream"
        assert "immutable" in r.headers["cache-control"]
        self.fetched.append(path)
        return r.content

    async def tile(self, level: int | str, n: int, width: int) -> bytes:
        suffix = "" if width == 256 else f".p/{width}"
        return await self.fetch(f"tile/{level}/{n_path(n)}{suffix}")

    async def level0(self, size: int) -> tuple[list[bytes], list[bytes]]:
        """All leaf hashes and entries of a tree of ``size``; each entry checked against its
        level-0 hash."""
        leaves: list[bytes] = []
        entries: list[bytes] = []
        for n in range(-(-size // 256)):
            width = min(256, size - 256 * n)
            tile = hashes(await self.tile(0, n, width))
            bundled = unbundle(await self.tile("entries", n, width))
            assert len(tile) == len(bundled) == width
            for h, entry in zip(tile, bundled, strict=True):
                assert sha256(b"\x00" + entry) == h
            leaves += tile
            entries += bundled
        return leaves, entries

    async def root(self, size: int) -> bytes:
        """The root of ``size`` from the fewest tiles: each aligned subtree of 256**L leaves
        is read from level L, as a tlog client does."""
        cache: dict[tuple[int, int], list[bytes]] = {}

        async def hash_at(level: int, index: int) -> bytes:
            n, i = divmod(index, 256)
            width = min(256, (size >> (8 * level)) - 256 * n)
            if (level, n) not in cache:
                cache[level, n] = hashes(await self.tile(level, n, width))
            return cache[level, n][i]

        async def sub(lo: int, hi: int) -> bytes:
            count = hi - lo
            for level in range(7, -1, -1):
                if count == 256**level and lo % count == 0:
                    return await hash_at(level, lo // count)
            k = 1 << ((count - 1).bit_length() - 1)
            return sha256(b"\x01" + await sub(lo, lo + k) + await sub(lo + k, hi))

        return await sub(0, size) if size else sha256(b"")


async def tile_reader(na: NodeApp, prefix: str = OWN) -> TileReader:
    return TileReader(na.client, prefix, await na.headers("auditor"))


# checkpoint and entries ----------------------------------------------------------------------


async def test_checkpoint_is_signed_and_commits_to_the_entries(node_app: NodeApp) -> None:
    posted = await node_app.post_liaisons(5)
    r = await get(node_app, f"{OWN}/checkpoint")
    assert r.headers["content-type"] == "text/plain; charset=utf-8"
    assert r.headers["cache-control"] == "no-store"
    cp = await signed_checkpoint(node_app)
    assert (cp.origin, cp.size) == (ORIGIN, 5)
    entries = await all_entries(node_app)
    assert [base64.b64encode(leaf_hash(e)).decode() for e in entries] == [
        p["leaf_hash"] for p in posted
    ]
    assert mth([leaf_hash(e) for e in entries]) == cp.root
    assert cp.root == node_app.node.trees["alpha"].root()


async def test_checkpoint_carries_cosignatures_added_later(node_app: NodeApp) -> None:
    await node_app.post_liaisons(3)
    store = node_app.node.store
    latest = await store.latest_checkpoint(ORIGIN)
    assert latest is not None
    witness = CosignatureSigner.generate("bravo.hotline.example/witness")
    body = Checkpoint(ORIGIN, latest.size, latest.root).body()
    note = add_signatures(latest.note, [cosign(body, witness, 1_700_000_000)])
    await store.add_cosignature(
        CosignatureRecord(ORIGIN, latest.size, witness.name, 1_700_000_000, 1), note
    )
    r = await get(node_app, f"{OWN}/checkpoint")
    log = Verifier.from_vkey(node_app.node.own.log_vkey)
    opened = open_checkpoint(r.content, origin=ORIGIN, log=log, witnesses=[witness.verifier()])
    assert opened.cosignatures == {witness.name: 1_700_000_000}
    assert opened.checkpoint.size == 3


async def test_empty_feed_has_a_signed_checkpoint_of_size_zero(node_app: NodeApp) -> None:
    cp = await signed_checkpoint(node_app)
    assert cp.size == 0 and cp.root == sha256(b"")
    assert (await get(node_app, f"{OWN}/entries")).json()["error"] == "beyond_size"
    assert (await get(node_app, f"{OWN}/tile/0/000.p/1")).status_code == 404
    r = await get(node_app, f"{OWN}/proof/inclusion", index=0)
    assert (r.status_code, r.json()["error"]) == (400, "bad_range")


@pytest.mark.parametrize("node_app_settings", [{"limits": {"page_max": 40}}], indirect=True)
async def test_entries_page_is_capped(node_app: NodeApp) -> None:
    await node_app.post_liaisons(100)
    r = await get(node_app, f"{OWN}/entries", start=10, end=90)
    body = r.json()
    assert (body["start"], len(body["entries"]), body["size"]) == (10, 40, 100)
    entries = await all_entries(node_app)
    assert len(entries) == 100
    assert [leaf_hash(e) for e in entries] == [
        await node_app.node.trees["alpha"].leaf(i) for i in range(100)
    ]
    tail = (await get(node_app, f"{OWN}/entries", start=95)).json()["entries"]
    assert [b64(e) for e in tail] == entries[95:]


async def test_checkpoints_listing(node_app: NodeApp) -> None:
    for _ in range(4):
        await node_app.post_liaisons(2, chunk=1)  # one notice, one checkpoint
    body = (await get(node_app, f"{OWN}/checkpoints")).json()
    sizes = [c["size"] for c in body["checkpoints"]]
    assert sizes == list(range(9)) and body["next"] is None and body["size"] == 8
    log = Verifier.from_vkey(node_app.node.own.log_vkey)
    for c in body["checkpoints"]:
        cp = open_checkpoint(c["note"].encode(), origin=ORIGIN, log=log).checkpoint
        assert (cp.size, cp.root) == (c["size"], b64(c["root"]))
    later = (await get(node_app, f"{OWN}/checkpoints", since=5)).json()["checkpoints"]
    assert [c["size"] for c in later] == [5, 6, 7, 8]


# proofs --------------------------------------------------------------------------------------


async def test_inclusion_proofs_for_every_index_verify(node_app: NodeApp) -> None:
    await node_app.post_liaisons(300)
    cp = await signed_checkpoint(node_app)
    assert cp.size == 300
    entries = await all_entries(node_app)
    for index, entry in enumerate(entries):
        r = await get(node_app, f"{OWN}/proof/inclusion", index=index, size=cp.size)
        body = r.json()
        assert (body["index"], body["size"], b64(body["root"])) == (index, 300, cp.root)
        assert b64(body["leaf_hash"]) == leaf_hash(entry)
        verify_inclusion(leaf_hash(entry), index, cp.size, [b64(h) for h in body["proof"]], cp.root)
    # size defaults to the published size; older signed sizes work too
    body = (await get(node_app, f"{OWN}/proof/inclusion", index=7)).json()
    assert body["size"] == 300
    log = Verifier.from_vkey(node_app.node.own.log_vkey)
    for record in await node_app.node.store.checkpoints(ORIGIN):
        old = open_checkpoint(record.note, origin=ORIGIN, log=log).checkpoint
        for index in {0, old.size // 2, old.size - 1} if old.size else set():
            r = await get(node_app, f"{OWN}/proof/inclusion", index=index, size=old.size)
            proof = [b64(h) for h in r.json()["proof"]]
            verify_inclusion(leaf_hash(entries[index]), index, old.size, proof, old.root)


async def test_consistency_proofs_between_signed_sizes_verify(node_app: NodeApp) -> None:
    for n in (1, 2, 5, 60, 100, 132):  # sizes 1, 3, 8, 68, 168, 300 among the checkpoints
        await node_app.post_liaisons(n)
    log = Verifier.from_vkey(node_app.node.own.log_vkey)
    signed = [
        open_checkpoint(r.note, origin=ORIGIN, log=log).checkpoint
        for r in await node_app.node.store.checkpoints(ORIGIN)
        if r.size
    ]
    assert {1, 3, 8, 68, 168, 300} <= {c.size for c in signed}
    for old, new in itertools.combinations_with_replacement(signed, 2):
        r = await get(node_app, f"{OWN}/proof/consistency", old=old.size, size=new.size)
        body = r.json()
        assert (b64(body["old_root"]), b64(body["root"])) == (old.root, new.root)
        verify_consistency(old.size, new.size, [b64(h) for h in body["proof"]], old.root, new.root)
    body = (await get(node_app, f"{OWN}/proof/consistency", old=3)).json()
    assert body["size"] == 300


async def test_a_write_in_flight_is_not_published(
    node_app: NodeApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    await node_app.post_liaisons(3)
    store, tree = node_app.node.store, node_app.node.trees["alpha"]
    gate = asyncio.Event()
    append = store.append

    async def held_append(*args: Any, **kwargs: Any) -> None:
        await gate.wait()
        await append(*args, **kwargs)

    monkeypatch.setattr(store, "append", held_append)
    headers = await node_app.headers("operator")
    post = asyncio.create_task(
        node_app.client.post("/v1/notices", json={**LIAISON, "text": "late"}, headers=headers)
    )
    while tree.size < 4:  # the sequencer has put the leaf in the tree, the write waits
        await asyncio.sleep(0.001)
    assert (await signed_checkpoint(node_app)).size == 3
    assert (await get(node_app, f"{OWN}/entries", start=3)).status_code == 416
    assert (await get(node_app, f"{OWN}/tile/0/000.p/4")).status_code == 404
    assert (await get(node_app, f"{OWN}/tile/0/000.p/3")).status_code == 200
    r = await get(node_app, f"{OWN}/proof/inclusion", index=3, size=4)
    assert (r.status_code, r.json()["error"]) == (400, "beyond_size")
    gate.set()
    assert (await post).status_code == 201
    assert (await signed_checkpoint(node_app)).size == 4
    assert (await get(node_app, f"{OWN}/tile/0/000.p/4")).status_code == 200


BAD: list[tuple[str, dict[str, Any], int, str]] = [
    ("entries", {"start": -1}, 400, "bad_range"),
    ("entries", {"start": 5, "end": 5}, 400, "bad_range"),
    ("entries", {"start": 5, "end": 2}, 400, "bad_range"),
    ("entries", {"start": 10}, 416, "beyond_size"),
    ("entries", {"start": 0, "end": 11}, 416, "beyond_size"),
    ("entries", {"start": "x"}, 422, "invalid_request"),
    ("proof/inclusion", {"index": 10}, 400, "bad_range"),
    ("proof/inclusion", {"index": -1}, 400, "bad_range"),
    ("proof/inclusion", {"index": 4, "size": 4}, 400, "bad_range"),
    ("proof/inclusion", {"index": 0, "size": 11}, 400, "beyond_size"),
    ("proof/inclusion", {"index": 0, "size": 0}, 400, "bad_range"),
    ("proof/inclusion", {}, 422, "invalid_request"),
    ("proof/consistency", {"old": 6, "size": 5}, 400, "bad_range"),
    ("proof/consistency", {"old": 0, "size": 5}, 400, "bad_range"),
    ("proof/consistency", {"old": 11}, 400, "bad_range"),
    ("proof/consistency", {"old": 2, "size": 11}, 400, "beyond_size"),
    ("proof/consistency", {"old": 2, "size": 10**30}, 400, "beyond_size"),
    ("checkpoints", {"since": -1}, 400, "bad_range"),
]


async def test_bad_ranges_are_refused_and_change_nothing(node_app: NodeApp) -> None:
    await node_app.post_liaisons(10)
    before = (await get(node_app, f"{OWN}/checkpoint")).content
    for path, params, status, code in BAD:
        r = await get(node_app, f"{OWN}/{path}", **params)
        assert (r.status_code, r.json()["error"]) == (status, code), (path, params, r.text)
        assert r.json()["detail"]
    assert (await get(node_app, f"{OWN}/checkpoint")).content == before
    assert await node_app.node.store.size(ORIGIN) == node_app.node.trees["alpha"].size == 10
    assert len(await all_entries(node_app)) == 10


@pytest.mark.parametrize(
    "path",
    [
        "checkpoint",
        "checkpoints",
        "entries",
        "proof/inclusion?index=0",
        "proof/consistency?old=1",
        "tile/0/000.p/1",
        "tile/entries/000.p/1",
    ],
)
async def test_unknown_side(node_app: NodeApp, path: str) -> None:
    await node_app.post_liaisons(1)
    r = await get(node_app, f"/v1/logs/charlie/{path}")
    assert (r.status_code, r.json()["error"]) == (404, "unknown_side")


# tiles ---------------------------------------------------------------------------------------


def test_tile_paths() -> None:
    assert encode_tile_index(1234067) == "x001/x234/067"
    assert [encode_tile_index(n) for n in (0, 5, 999, 1000)] == ["000", "005", "999", "x001/000"]
    assert tile_path(0, 1) == "tile/0/001"
    assert tile_path(None, 1234067, 17) == "tile/entries/x001/x234/067.p/17"
    for n in (0, 7, 999, 1000, 1234067, 10**12):
        assert n_path(n) == encode_tile_index(n)
        for level, width in ((0, 256), (3, 1), (None, 255)):
            ref = parse_tile_path(tile_path(level, n, width))
            assert (ref.level, ref.index, ref.width) == (level, n, width)


def test_entry_bundles_hold_entries_up_to_65535_bytes() -> None:
    assert unbundle(bundle([b"", b"a" * 65535, b"b"])) == [b"", b"a" * 65535, b"b"]
    with pytest.raises(Broken) as info:
        bundle([b"a" * 65536])
    assert info.value.code == "entry_too_large_for_bundle"


@pytest.mark.parametrize(
    "path",
    [
        "tile/0/1",
        "tile/0/0000",
        "tile/0/x000/001",
        "tile/0/x1/000",
        "tile/0/001/x002",
        "tile/64/000",
        "tile/00/000",
        "tile/0/000.p/0",
        "tile/0/000.p/256",
        "tile/0/000.p/01",
        "tile/0/000.p/",
        "tile/data/000",
        "tile/entries/000.p/1/",
        "tile/0/-01",
        "tile/0",
    ],
)
def test_bad_tile_paths_are_refused(path: str) -> None:
    with pytest.raises(BadRequest) as info:
        parse_tile_path(path)
    assert (status_of(info.value), info.value.code) == (400, "bad_tile_path")


async def test_full_and_partial_tiles(node_app: NodeApp) -> None:
    await node_app.post_liaisons(300)
    tree = node_app.node.trees["alpha"]
    leaves = [await tree.leaf(i) for i in range(300)]
    entries = await all_entries(node_app)

    r = await get(node_app, f"{OWN}/tile/0/000")
    assert r.status_code == 200 and len(r.content) == 8192
    assert r.headers["content-type"] == "application/octet-stream"
    assert r.headers["cache-control"] == "max-age=31536000, immutable"
    assert r.content == b"".join(leaves[:256])
    r = await get(node_app, f"{OWN}/tile/0/001.p/44")
    assert r.content == b"".join(leaves[256:])
    r = await get(node_app, f"{OWN}/tile/1/000.p/1")
    assert r.content == mth(leaves[:256])
    r = await get(node_app, f"{OWN}/tile/entries/000")
    assert unbundle(r.content) == entries[:256]
    assert r.content[:2] == len(entries[0]).to_bytes(2, "big")
    r = await get(node_app, f"{OWN}/tile/entries/001.p/44")
    assert unbundle(r.content) == entries[256:]
    # narrower partial tiles (what a client holding an older checkpoint asks for)
    r = await get(node_app, f"{OWN}/tile/0/001.p/10")
    assert r.content == b"".join(leaves[256:266])
    assert unbundle((await get(node_app, f"{OWN}/tile/entries/000.p/3")).content) == entries[:3]
    for missing in [
        "tile/0/001",
        "tile/0/001.p/45",
        "tile/0/002.p/1",
        "tile/1/000",
        "tile/1/000.p/2",
        "tile/2/000.p/1",
        "tile/entries/001",
        "tile/63/000.p/1",
        "tile/entries/x001/000",
    ]:
        r = await get(node_app, f"{OWN}/{missing}")
        assert (r.status_code, r.json()["error"]) == (404, "no_such_tile"), missing
    r = await get(node_app, f"{OWN}/tile/0/x000/001")
    assert (r.status_code, r.json()["error"]) == (400, "bad_tile_path")


async def test_tile_reader_reconstructs_the_checkpoint(node_app: NodeApp) -> None:
    await node_app.post_liaisons(256)
    reader = await tile_reader(node_app)
    cp = await signed_checkpoint(node_app)
    assert cp.size == 256
    leaves, entries = await reader.level0(cp.size)
    assert reader.fetched == ["tile/0/000", "tile/entries/000"]
    assert mth(leaves) == cp.root
    reader.fetched.clear()
    assert await reader.root(cp.size) == cp.root
    assert reader.fetched == ["tile/1/000.p/1"]  # a tree of 256: one hash at level 1
    full = await reader.fetch("tile/0/000")

    await node_app.post_liaisons(44)
    cp2 = await signed_checkpoint(node_app)
    assert cp2.size == 300
    leaves2, entries2 = await reader.level0(cp2.size)
    assert mth(leaves2) == cp2.root and entries2[:256] == entries
    assert await reader.root(cp2.size) == cp2.root
    assert await reader.fetch("tile/0/000") == full  # full tiles never change
    assert await reader.root(cp.size) == cp.root  # the older checkpoint still reads
    texts = [json.loads(entry)["notice"]["text"] for entry in entries2[256:]]
    assert sorted(texts) == sorted(f"notice {i}" for i in range(44))


# the peer's replica --------------------------------------------------------------------------


class TestPeerReplica:
    @pytest.fixture
    def bravo(self, tmp_path: Path) -> Any:
        directory = tmp_path / "bravo"
        directory.mkdir()
        return generate_keys(Settings(dir=directory, side="bravo", origin="bravo.hotline.example"))

    @pytest.fixture
    def node_app_settings(self, bravo: Any) -> dict[str, Any]:
        return {
            "peer": {
                "side": "bravo",
                "origin": "bravo.hotline.example",
                "log_vkey": bravo.log.vkey,
                "witness_vkey": bravo.witness.vkey,
            }
        }

    async def replicate(self, na: NodeApp, bravo: Any, n: int) -> list[bytes]:
        """Append ``n`` bravo entries with their checkpoint, as the replica does."""
        origin = "bravo.hotline.example"
        tree = na.node.trees["bravo"]
        start = tree.size
        prev = tree.last_leaf
        raws = []
        for i in range(start, start + n):
            body = {
                **LIAISON,
                "text": f"bravo {i}",
                "id": f"00000000-0000-4000-8000-{i:012d}",
                "time": 1_700_000_000_000,
                "author": {"id": "op9", "unit": "RCC", "nation": "XBB"},
            }
            entry = encode_entry(origin, i, prev, parse_notice(body))
            prev = entry.leaf_hash
            raws.append(entry.raw)
        leaves = [leaf_hash(r) for r in raws]
        tree.extend(leaves)
        cp = Checkpoint(origin, tree.size, tree.root())
        note = sign_checkpoint(cp, bravo.log)
        await na.node.store.append(
            origin,
            start,
            list(zip(raws, leaves, strict=True)),
            CheckpointRecord(origin, cp.size, cp.root, note, 1),
        )
        tree.commit()
        return raws

    async def test_replica_reads_like_the_own_feed(self, node_app: NodeApp, bravo: Any) -> None:
        prefix = "/v1/logs/bravo"
        r = await get(node_app, f"{prefix}/checkpoint")
        assert (r.status_code, r.json()["error"]) == (404, "no_checkpoint")
        assert (await get(node_app, f"{prefix}/tile/0/000.p/1")).status_code == 404

        raws = await self.replicate(node_app, bravo, 260)
        cp = await signed_checkpoint(node_app, prefix, bravo.log.vkey)
        assert cp.size == 260
        assert await all_entries(node_app, prefix) == raws
        reader = await tile_reader(node_app, prefix)
        leaves, entries = await reader.level0(cp.size)
        assert entries == raws and mth(leaves) == cp.root
        assert await reader.root(cp.size) == cp.root
        r = await get(node_app, f"{prefix}/proof/inclusion", index=259)
        verify_inclusion(
            leaf_hash(raws[259]), 259, 260, [b64(h) for h in r.json()["proof"]], cp.root
        )

    async def test_a_checkpoint_ahead_of_the_tree_is_not_served(
        self, node_app: NodeApp, bravo: Any
    ) -> None:
        await self.replicate(node_app, bravo, 5)
        # a checkpoint stored before the tree caught up (size 9, tree at 5)
        cp9 = Checkpoint("bravo.hotline.example", 9, b"\x09" * 32)
        await node_app.node.store.put_checkpoint(
            CheckpointRecord(
                cp9.origin,
                9,
                cp9.root,
                sign_checkpoint(cp9, bravo.log),
                2,
            )
        )
        cp = await signed_checkpoint(node_app, "/v1/logs/bravo", bravo.log.vkey)
        assert cp.size == 5
        body = (await get(node_app, "/v1/logs/bravo/checkpoints")).json()
        assert [c["size"] for c in body["checkpoints"]] == [5]
        r = await get(node_app, "/v1/logs/bravo/entries", start=0, end=6)
        assert r.status_code == 416


# who may read --------------------------------------------------------------------------------

READS = [
    "checkpoint",
    "checkpoints",
    "entries",
    "proof/inclusion?index=0",
    "proof/consistency?old=1",
    "tile/0/000.p/2",
    "tile/entries/000.p/2",
]


async def test_readers_may_read_others_may_not(node_app: NodeApp) -> None:
    await node_app.post_liaisons(2)
    for path in READS:
        for role in ("auditor", "operator", "automation"):
            r = await get(node_app, f"{OWN}/{path}", role=role)
            assert r.status_code == 200, (path, role, r.text)
        r = await node_app.client.get(f"{OWN}/{path}")
        assert (r.status_code, r.json()["error"]) == (401, "unauthenticated")
        assert r.headers["www-authenticate"] == "Bearer"
        r = await node_app.client.get(f"{OWN}/{path}", headers={"Authorization": "Bearer hl_x"})
        assert (r.status_code, r.json()["error"]) == (401, "bad_token")
        r = await get(node_app, f"{OWN}/{path}", role="admin")
        assert (r.status_code, r.json()["error"]) == (403, "forbidden")


@pytest.mark.parametrize("node_app_settings", [{"limits": {"page_max": 3}}], indirect=True)
async def test_checkpoints_listing_pages(node_app: NodeApp) -> None:
    await node_app.post_liaisons(7, chunk=1)
    sizes: list[int] = []
    since: int | None = 0
    while since is not None:
        body = (await get(node_app, f"{OWN}/checkpoints", since=since)).json()
        assert len(body["checkpoints"]) <= 3
        sizes += [c["size"] for c in body["checkpoints"]]
        since = body["next"]
    assert sizes == list(range(8))
