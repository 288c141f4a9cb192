"""The entry spool: a feed's entries on disk, read back by index."""

from __future__ import annotations

import random

from hotline_protocol.spool import BLOCK, EntrySpool
from hotline_protocol.tree import leaf_hash


def test_leaf_hashes_read_in_any_order_are_those_of_the_entries_appended() -> None:
    raws = [f"entry {i}".encode() for i in range(2 * BLOCK + 7)]
    spool = EntrySpool.of(raws)
    order = list(range(len(raws)))
    random.Random(7).shuffle(order)
    for i in [*order, 0, len(raws) - 1, BLOCK - 1, BLOCK, -1]:
        assert spool.leaf(i) == leaf_hash(raws[i])


def test_a_leaf_appended_after_its_block_was_read_is_read_too() -> None:
    spool = EntrySpool()
    raws = [f"entry {i}".encode() for i in range(BLOCK + 3)]
    for n, raw in enumerate(raws):
        spool.append(raw)
        assert spool.leaf(n) == leaf_hash(raw)  # the block just read is one entry short now
        assert spool.leaf(n // 2) == leaf_hash(raws[n // 2])
    assert [spool.leaf(i) for i in range(len(raws))] == [leaf_hash(r) for r in raws]
