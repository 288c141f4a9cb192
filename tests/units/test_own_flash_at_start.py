"""Start-up reads the own FLASH entries the peer has not cosigned (those it may be sent ahead of
their run), from the store's index of notice times, not every FLASH entry of the history; and the
index lets go of those the peer cosigns."""

from __future__ import annotations

from pathlib import Path

from hotline.feeds.index import Delivery, FeedIndex
from hotline.feeds.load import load_index
from hotline.feeds.recall import StoreRecall
from hotline.store import CheckpointRecord, CosignatureRecord, SqliteStore
from hotline.store.base import NoticeKey, NoticeQuery
from hotline.types import Side, Sides
from tests.helpers.fake_peer import T0, FakePeer

HOUR_MS = 3_600_000
BRAVO_WITNESS = "bravo.hotline.example/witness"  # cosigns alpha's feed


async def test_start_up_reads_the_own_flash_entries_from_a_day_before_the_oldest_not_cosigned(
    tmp_path: Path,
) -> None:
    alpha = FakePeer(side="alpha", origin="alpha.hotline.example", nation="XAA")
    bravo = FakePeer(side="bravo", origin="bravo.hotline.example", nation="XBB")
    for i in range(60):  # FLASH notices an hour apart
        alpha.append(alpha.distress(time=T0 + i * HOUR_MS))
    bravo.append(bravo.distress())  # the peer's FLASH: not the own feed's
    store = SqliteStore(f"sqlite:///{tmp_path / 'node.db'}")
    await store.open()
    try:
        rows = [(e.raw, e.leaf_hash) for e in alpha.entries]
        await store.append(
            alpha.origin, 0, rows[:50], CheckpointRecord(alpha.origin, 50, b"r" * 32, b"n", T0)
        )
        await store.append(
            alpha.origin, 50, rows[50:], CheckpointRecord(alpha.origin, 60, b"s" * 32, b"n", T0)
        )
        await store.append(
            bravo.origin,
            0,
            [(bravo.entries[0].raw, bravo.entries[0].leaf_hash)],
            CheckpointRecord(bravo.origin, 1, b"t" * 32, b"n", T0),
        )
        # bravo cosigned alpha's first fifty entries
        await store.add_cosignature(
            CosignatureRecord(alpha.origin, 50, BRAVO_WITNESS, T0 // 1000, T0), b"n"
        )
        read: list[int] = []
        notice_keys = store.notice_keys

        async def counted(query: NoticeQuery, limit: int) -> list[NoticeKey]:
            found = await notice_keys(query, limit)
            read.extend(key.index for key in found)
            return found

        store.notice_keys = counted  # type: ignore[method-assign]
        origins = {"alpha": alpha.origin, "bravo": bravo.origin}
        index = FeedIndex(origins, StoreRecall(store, {o: s for s, o in origins.items()}), 16)
        sides = Sides(
            Side("alpha", alpha.origin, "", "", "alpha.hotline.example/witness"),
            Side("bravo", bravo.origin, "", "", BRAVO_WITNESS),
        )
        await load_index(store, index, sides, tolerance_ms=300_000)
    finally:
        await store.close()
    assert (index.size("alpha"), index.size("bravo")) == (60, 1)
    assert index.flash_indexes("alpha", 0, 60) == list(range(50, 60))
    # entry 50 claims T0 + 50 h: from T0 + 26 h on, not the history before
    assert sorted(read) == list(range(26, 60))
    assert index.flash_indexes("bravo", 0, 1) == []
    # cosigned, they are let go: never sent ahead again
    index.add_delivery("alpha", Delivery(55, T0, BRAVO_WITNESS))
    assert index.flash_indexes("alpha", 0, 60) == list(range(55, 60))
