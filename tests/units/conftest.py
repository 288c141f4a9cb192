"""Parts of the node built from their collaborators alone: a real SQLite store in a temporary
file, real keys, a clock the test moves and a list that collects what is published. No node,
no server."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from hotline.events import Event
from hotline.feeds.feed_tree import FeedTree
from hotline.feeds.index import FeedIndex
from hotline.feeds.own import OwnFeed
from hotline.feeds.record import Recorder
from hotline.feeds.rules import Rules
from hotline.feeds.sequencer import Sequencer
from hotline.store.sqlite import SqliteStore
from hotline.types import Side
from hotline_protocol.cosignature import CosignatureSigner
from hotline_protocol.note import Signer
from tests.helpers.fake_peer import T0 as FAKE_PEER_T0

T0 = FAKE_PEER_T0  # the time of the first notice a FakePeer makes


@dataclass
class Clock:
    now: int = T0

    def __call__(self) -> int:
        return self.now


@dataclass
class Keys:
    """One side's log and witness keys, and the side as the other one pins it."""

    name: str
    origin: str
    log: Signer = field(init=False)
    witness: CosignatureSigner = field(init=False)

    def __post_init__(self) -> None:
        self.log = Signer.generate(self.origin)
        self.witness = CosignatureSigner.generate(f"{self.origin}/witness")

    @property
    def side(self) -> Side:
        return Side(self.name, self.origin, self.log.vkey, self.witness.vkey, self.witness.name)


@dataclass
class Parts:
    store: SqliteStore
    clock: Clock
    alpha: Keys
    bravo: Keys
    index: FeedIndex
    events: list[Event]
    recorder: Recorder


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SqliteStore]:
    """A real SQLite store in the test's directory, open."""
    store = SqliteStore(f"sqlite:///{tmp_path / 'node.db'}")
    await store.open()
    yield store
    await store.close()


@pytest.fixture
async def parts(tmp_path: Path) -> AsyncIterator[Parts]:
    """Alpha's collaborators: its store, clock, index and recorder (events into a list)."""
    store = SqliteStore(f"sqlite:///{tmp_path / 'alpha.db'}")
    await store.open()
    alpha = Keys("alpha", "alpha.hotline.example")
    bravo = Keys("bravo", "bravo.hotline.example")
    index = FeedIndex({"alpha": alpha.origin, "bravo": bravo.origin})
    events: list[Event] = []
    clock = Clock()
    yield Parts(
        store, clock, alpha, bravo, index, events, Recorder(index, events.append, "alpha", clock)
    )
    await store.close()


async def alpha_sequencer(parts: Parts) -> Sequencer:
    """Alpha's own feed, loaded from the store, and its sequencer (not started); the feed is
    ``sequencer.feed``."""
    feed = OwnFeed(
        parts.alpha.side,
        tree=FeedTree(parts.store, parts.alpha.origin),
        store=parts.store,
        signer=parts.alpha.log,
        index=parts.index,
        recorder=parts.recorder,
        clock_ms=parts.clock,
    )
    await feed.load_checkpoints()
    return Sequencer(
        feed=feed,
        signer=parts.alpha.log,
        store=parts.store,
        validate=Rules(parts.index, "alpha", "bravo"),
        committed=feed.committed,
        clock_ms=parts.clock,
    )
