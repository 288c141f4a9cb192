"""A feed's entries read and checked a block at a time, on every core.

An export's entries are cut into blocks of :data:`~hotline_protocol.spool.BLOCK` as they stream
past. :func:`read_block` takes one block of base64 items and gives back what the spool keeps of
it (the bytes, each entry's record and leaf hash, the Merkle subtree hashes the roots need) and,
when the feed's origin is known, the ``entries`` check of each entry: ``decode_entry`` with its
index and its predecessor's leaf hash (the block's first entry chains to the last item of the
block before, which comes along), the notice's kind and the references it makes. A block is
independent of every other, so :class:`BlockPool` runs them in worker processes and hands the
results back in order, with a bounded number in flight: memory stays bounded, the verdict is the
one a single process reaches.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections import Counter, deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar

from .entries import entry_notice
from .errors import ProtocolError
from .notekeys import b64decode_strict
from .notices import Ack, Cancel, DownedPilot, Liaison, Notice
from .spill import Spill
from .spool import RECORD
from .tree import CompactRange, leaf_hash

LinkRecord = tuple[int, str, str, int, str, str | None, str | None, str | None, str | None]
"""A reference an entry's notice makes: (entry index, kind, origin, index, leaf hash, and for an
ack its response, author, reason and remark)."""
T = TypeVar("T")
WORKERS_ENV = "HOTLINE_AUDIT_WORKERS"  # processes that decode entries (1: none, all in one)


def link_records(index: int, notice: Notice) -> list[LinkRecord]:
    """The references ``notice`` (of entry ``index``) makes: what later checks need of it, so
    that no decoded notice has to be kept."""
    out: list[LinkRecord] = []
    if isinstance(notice, Ack):
        ref = notice.ref
        out.append(
            (
                index,
                "ack",
                ref.origin,
                ref.index,
                ref.leaf_hash,
                str(notice.response),
                notice.author.id,
                notice.reason,
                notice.remark,
            )
        )
    elif isinstance(notice, Cancel):
        ref = notice.ref
        out.append(_link(index, "cancel", ref.origin, ref.index, ref.leaf_hash))
    if notice.supersedes is not None:
        ref = notice.supersedes
        out.append(_link(index, "update", ref.origin, ref.index, ref.leaf_hash))
    if isinstance(notice, DownedPilot):
        if notice.distress_ref is not None:
            ref = notice.distress_ref
            out.append(_link(index, "distress", ref.origin, ref.index, ref.leaf_hash))
    elif isinstance(notice, Liaison):
        for ref in notice.regarding or ():
            out.append(_link(index, "regarding", ref.origin, ref.index, ref.leaf_hash))
    return out


def _link(index: int, kind: str, origin: str, at: int, leaf: str) -> LinkRecord:
    return (index, kind, origin, at, leaf, None, None, None, None)


@dataclass
class Checked:
    """The ``entries`` check of a run of entries: how many failed (the first problems, each
    with the entry's position), the notices' kinds, the references they make, and an
    unexpected exception if one stopped the check."""

    undecoded: int = 0
    problems: list[str] = field(default_factory=list)
    kinds: Counter[str] = field(default_factory=Counter)
    links: list[LinkRecord] = field(default_factory=list)
    error: BaseException | None = None


def check_block(
    origin: str,
    start: int,
    prev: bytes,
    raws: Sequence[bytes],
    leaves: Sequence[bytes],
    listed: int,
) -> Checked:
    """The checks of ``decode_entry`` on each entry (at ``start + k``, chained to ``prev`` then
    to each other's leaf hash, as exported); at most ``listed`` problems are written out."""
    out = Checked()
    index = start
    try:
        for raw, leaf in zip(raws, leaves, strict=True):
            try:
                notice = entry_notice(raw, origin=origin, index=index, prev=prev)
            except ProtocolError as exc:
                if len(out.problems) < listed:
                    out.problems.append(f"entry at position {index}: {exc}")
                out.undecoded += 1
            else:
                out.links += link_records(index, notice)
                out.kinds[str(notice.kind)] += 1
            prev = leaf  # the next entry must chain to these bytes, as exported
            index += 1
    except Exception as exc:  # reported as the check's failure, as a single process would
        out.error = exc
    return out


class EntryChecks:
    """The ``entries`` check of a whole feed, gathered block by block in order; the references
    spill to disk (:class:`~hotline_protocol.spill.Spill`)."""

    def __init__(self, listed: int) -> None:
        self.listed = listed
        self.undecoded = 0
        self.problems: list[str] = []
        self.kinds: Counter[str] = Counter()
        self.links = Spill()
        self.error: BaseException | None = None

    def add(self, checked: Checked) -> None:
        if self.error is not None:
            return  # the check stopped there, as a single process would have
        self.undecoded += checked.undecoded
        room = self.listed - len(self.problems)
        self.problems += checked.problems[: max(room, 0)]
        self.kinds.update(checked.kinds)
        for link in checked.links:
            self.links.append(link)
        self.error = checked.error


@dataclass
class Block:
    """One block of base64 items, read: ``data`` holds the bytes of the canonical ones in order,
    ``records`` a :data:`RECORD` for each (its start in ``data``, its leaf hash); ``bad`` the
    positions (in the block) of the items that are not canonical base64. ``subtree`` is the
    Merkle hash of the block's leaves when it is a whole, aligned block; ``watched`` the compact
    range of the block's first ``k`` leaves for each ``k`` asked for. ``checked`` is the
    entries check, when the origin was given."""

    start: int
    count: int
    data: bytes
    records: bytes
    bad: list[int]
    subtree: bytes | None
    watched: dict[int, list[bytes]]
    checked: Checked | None = None


def read_block(
    start: int,
    items: Sequence[Any],
    before: Any,
    watch: Sequence[int],
    origin: str | None,
    listed: int,
) -> Block:
    """Read the block of ``items`` whose first is the feed's entry ``start``; ``before`` is the
    item before it (None at the start), ``watch`` the sizes within the block (1..len) whose
    compact range is wanted. Runs in a worker process: plain values in, plain values out."""
    raws: list[bytes] = []
    leaves: list[bytes] = []
    records: list[bytes] = []
    bad: list[int] = []
    offset = 0
    for k, item in enumerate(items):
        raw = b64decode_strict(item) if isinstance(item, str) else None
        if raw is None:
            bad.append(k)
            continue
        leaf = leaf_hash(raw)
        raws.append(raw)
        leaves.append(leaf)
        records.append(RECORD.pack(offset, leaf))
        offset += len(raw)
    compact = CompactRange()
    wanted = set(watch)
    watched: dict[int, list[bytes]] = {}
    for leaf in leaves:
        compact.append(leaf)
        if compact.size in wanted:
            watched[compact.size] = compact.hashes
    aligned = not bad and len(leaves) & (len(leaves) - 1) == 0 and len(leaves) > 0
    block = Block(
        start,
        len(leaves),
        b"".join(raws),
        b"".join(records),
        bad,
        compact.root() if aligned else None,
        watched,
    )
    if origin is not None and not bad:
        prev = b""
        if before is not None:
            raw_before = b64decode_strict(before) if isinstance(before, str) else None
            prev = leaf_hash(raw_before) if raw_before is not None else b""
        block.checked = check_block(origin, start, prev, raws, leaves, listed)
    return block


class BlockPool:
    """Runs :func:`read_block` (or another function of this library, :meth:`call`) in
    ``workers`` processes, results in the order submitted, at most ``2 * workers`` in flight.
    The first :attr:`INLINE` calls run in this process (a small export is done before processes
    could start); with ``workers`` 1, all do. Use it with ``with``: the processes end with the
    pool."""

    INLINE = 16

    def __init__(self, workers: int | None = None) -> None:
        self.workers = default_workers() if workers is None else max(1, workers)
        self._executor: ProcessPoolExecutor | None = None
        self._pending: deque[tuple[Future[Any], Callable[[Any], None]]] = deque()
        self._inline = self.INLINE

    def __enter__(self) -> BlockPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def submit(self, done: Callable[[Block], None], *args: Any) -> None:
        """Read a block (``read_block(*args)``), then call ``done`` with it, in order."""
        self.call(done, read_block, *args)

    def call(self, done: Callable[[T], None], fn: Callable[..., T], *args: Any) -> None:
        """Run ``fn(*args)`` (a module-level function: it is pickled by name), then call
        ``done`` with its result, in the order of the calls."""
        if self.workers == 1 or self._inline > 0:
            self._inline -= 1
            self.drain()
            done(fn(*args))
            return
        if self._executor is None:
            self._executor = ProcessPoolExecutor(self.workers, mp_context=_context())
        self._pending.append((self._executor.submit(fn, *args), done))
        while len(self._pending) > 2 * self.workers:
            self._next()

    def drain(self) -> None:
        """Wait for every block submitted, handing each over in order."""
        while self._pending:
            self._next()

    def discard(self) -> None:
        """Forget the calls not handed over yet (their results are dropped): what a caller that
        stopped early leaves, so that the next caller gets its own results only."""
        for future, _ in self._pending:
            future.cancel()
        self._pending.clear()

    def _next(self) -> None:
        future, done = self._pending.popleft()
        done(future.result())

    def close(self) -> None:
        self.discard()
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None


def default_workers() -> int:
    """:data:`WORKERS_ENV` if set, else the cores this process may run on."""
    text = os.environ.get(WORKERS_ENV, "").strip()
    if text:
        try:
            return max(1, int(text))
        except ValueError:
            pass
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1)


def _context() -> multiprocessing.context.BaseContext:
    """``fork`` where a single-threaded process can use it (the workers start at once, with the
    modules loaded, whatever the main module is), else ``forkserver`` or ``spawn``."""
    methods = multiprocessing.get_all_start_methods()
    if "fork" in methods and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    if "forkserver" in methods:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload([__name__])
        return context
    return multiprocessing.get_context("spawn")
