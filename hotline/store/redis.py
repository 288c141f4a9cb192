"""Redis store: for production, a Redis with ``appendonly yes`` and ``appendfsync always``.

With ``appendfsync always`` Redis writes and fsyncs the append-only file before it replies, so an
awaited write is on disk. :meth:`RedisStore.open` checks both settings and refuses a Redis without
them unless ``allow_unsafe`` (then it logs a warning on every open). Every conditional or
multi-key write is one Lua script, which Redis runs atomically; the scripts do all their checks
before their first write, because Redis does not roll back a script that fails halfway.

Keys start with ``key_prefix`` so nodes can share one Redis. Commands are never retried: a write
whose reply was lost surfaces as StoreError and the caller re-reads (an append at a stale start
then fails with StoreConflict; it never doubles).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from hotline.errors import DuplicateIds, StoreConflict
from hotline.store.base import (
    CLOSING,
    CheckpointRecord,
    CosignatureRecord,
    NoticeFacts,
    NoticeKey,
    check_append,
    notice_facts,
)

from .redis_base import MAX_INDEX
from .redis_reads import RedisReads, _id_member, _member
from .redis_records import RedisRecords, _cosignature_field
from .redis_scripts import (
    _APPEND,
    _APPEND_COSIGNED,
    _INDEX_ONLY,
    _b,
    _s,
    redact,
)
from .treenodes import completed_nodes, edge_nodes

__all__ = ["RedisStore", "redact"]

# of the data's layout; 2: notice entries indexed, tree nodes stored; 3: notice state kept (ids,
# appended times, implausible flags, links, open notices); 4: until when each operation and
# emergency is live; 5: heartbeats indexed by timestamp
STORE_VERSION = 5
UPGRADE_CHUNK = 1000  # entries indexed at a time by an upgrade


class RedisStore(RedisReads, RedisRecords):
    """The :class:`~hotline.store.base.Store` on a Redis server: its connection
    (:mod:`.redis_base`), its reads of the feeds (:mod:`.redis_reads`), its other records
    (:mod:`.redis_records`); here, what writes the feeds, and the upgrade of older data."""

    # --- feeds ---

    async def append(
        self,
        origin: str,
        start: int,
        entries: Sequence[tuple[bytes, bytes]],
        checkpoint: CheckpointRecord | None = None,
        refs: Mapping[str, int] | None = None,
    ) -> None:
        check_append(origin, start, entries, checkpoint, refs)
        # ids held in this feed already: read before the script (the feed has one writer)
        ids = [f.id for e, _ in entries if (f := notice_facts(e)) is not None]
        found = await self.notice_ids(ids) if ids else {}
        held = sorted(i for i, keys in found.items() if any(o == origin for o, _ in keys))
        if held:
            raise DuplicateIds(f"notice ids already in {origin!r}: {held}", found=held)
        ref_args = [a for k, i in (refs or {}).items() for a in (k, f"{i}:{origin}")]
        await self._batch(origin, str(start), entries, checkpoint, ref_args)

    async def append_cosigned(
        self,
        origin: str,
        start: int,
        entries: Sequence[tuple[bytes, bytes]],
        checkpoint: CheckpointRecord,
        witness: tuple[tuple[int, bytes] | None, tuple[int, bytes]],
        cosignature: CosignatureRecord,
        implausible: Mapping[int, tuple[int, int]] | None = None,
    ) -> None:
        check_append(origin, start, entries, checkpoint, None)
        old, new = witness
        cp = checkpoint
        keys = [self._k(kind, origin) for kind in ("entries", "leaves", "cp", "cpdata", "witness")]
        keys += [self._k("cosig", origin), self._k("nx"), self._k("nx", origin)]
        keys += [self._k("tree", origin), self._k("notice", origin), self._k("nid")]
        keys.append(self._k("live", origin))
        leaves = [h for _, h in entries]
        facts = [notice_facts(e) for e, _ in entries]
        nodes = await self._new_nodes(origin, start, leaves)
        groups, state = self._state_args(
            origin, start, leaves, facts, cp.stored_ms, implausible or {}, len(keys) + 1, False
        )
        args: list[Any] = [start, len(entries), cp.size, cp.root, cp.note, cp.stored_ms]
        args += [0, 0, b""] if old is None else [1, old[0], old[1]]
        args += [*new, *_cosignature_field(cosignature), len(nodes) // 2, len(state)]
        args += [e for e, _ in entries] + leaves
        args += _facet_args(origin, start, facts) + nodes + state
        result = await self._eval(_APPEND_COSIGNED, keys + groups, args)
        _refuse(result, origin, start, cp, old)

    async def _batch(
        self,
        origin: str,
        start: str,
        entries: Sequence[tuple[bytes, bytes]],
        cp: CheckpointRecord | None,
        ref_args: list[str],
    ) -> None:
        """Entries (with their notice index, the tree nodes they complete and their notice
        state), checkpoint and refs in one script; StoreConflict as the script refuses."""
        keys = [self._k(kind, origin) for kind in ("entries", "leaves", "cp", "cpdata")]
        keys += [self._k("refs"), self._k("nx"), self._k("nx", origin), self._k("tree", origin)]
        keys += [self._k("notice", origin), self._k("nid"), self._k("live", origin)]
        first = 0 if start == "*" else int(start)
        leaves = [h for _, h in entries]
        facts = [notice_facts(e) for e, _ in entries]
        nodes = await self._new_nodes(origin, first, leaves)
        appended = None if cp is None else cp.stored_ms
        groups, state = self._state_args(origin, first, leaves, facts, appended, {}, len(keys) + 1)
        head: list[Any] = [start, len(entries)]
        head += [1, cp.size, cp.root, cp.note, cp.stored_ms] if cp else [0, 0, b"", b"", 0]
        head += [len(nodes) // 2, len(state)]
        args = head + [e for e, _ in entries] + leaves + _facet_args(origin, first, facts)
        args += nodes + state + ref_args
        result = await self._eval(_APPEND, keys + groups, args)
        _refuse(result, origin, int(start) if start != "*" else -1, cp)

    async def put_checkpoint(self, record: CheckpointRecord) -> None:
        await self._batch(record.origin, "*", [], record, [])

    async def _new_nodes(self, origin: str, start: int, leaves: Sequence[bytes]) -> list[Any]:
        """Field and hash of each tree node that appending ``leaves`` at ``start`` completes,
        from the tree's right edge read first. None of them if the edge is not all stored: the
        feed is not at ``start``, and the append script refuses."""
        if not leaves:
            return []
        edge = await self._read_nodes(origin, edge_nodes(start))
        if any(h is None for h in edge):
            return []
        nodes = completed_nodes(start, [_b(h) for h in edge], leaves)
        return [a for level, index, h in nodes for a in (f"{level}:{index}", h)]

    def _state_args(
        self,
        origin: str,
        start: int,
        leaves: Sequence[bytes],
        notices: Sequence[NoticeFacts | None],
        appended: int | Mapping[int, int] | None,
        flags: Mapping[int, tuple[int, int]],
        first_key: int,
        ids: bool = True,
    ) -> tuple[list[str], list[Any]]:
        """The link groups' keys (leaves, open set, links of each feed the entries refer to,
        this feed's first, its first at KEYS[``first_key``]) and the notice state arguments of
        the entries appended at ``start`` (see the append scripts). ``appended``: when they
        were appended (by index where it varies), None at their notice time."""
        group = {origin: first_key}
        keys = [self._k(kind, origin) for kind in ("leaves", "open", "links")]
        args: list[Any] = []
        for i, (leaf, facts) in enumerate(zip(leaves, notices, strict=True), start):
            if facts is None:
                continue
            if isinstance(appended, int):
                ms = appended
            else:
                ms = facts.time_ms if appended is None else appended.get(i, facts.time_ms)
            flag = flags.get(i)
            value = f"{ms}" + ("" if flag is None else f" {flag[0]} {flag[1]}")
            open_member = f"{i} {facts.time_ms} {facts.precedence}" if facts.needs_ack else ""
            member = _id_member(facts.id, origin, i) if ids else ""
            args += [i, f"{i:012d}", leaf.hex(), member, value]
            args += [open_member, len(facts.refs)]
            for how, t_origin, t_index, t_leaf in facts.refs:
                if t_origin not in group:
                    group[t_origin] = first_key + len(keys)
                    keys += [self._k(kind, t_origin) for kind in ("leaves", "open", "links")]
                # only an ack, cancel or update answers (and closes) what it names
                t = str(t_index) if 0 <= t_index < MAX_INDEX and how in CLOSING else ""
                member = f"{t_index:012d} {origin} {i:012d} {how} {t_leaf.hex()}"
                args += [group[t_origin], t, t_leaf, member]
        return keys, args

    async def _upgrade(self) -> None:
        """Bring data written by an earlier version up to this one: version 2 indexes notice
        entries and stores the trees' subtree hashes, version 3 keeps each notice entry's state,
        version 4 until when deconfliction looks at each operation and emergency, version 5
        indexes the heartbeats by timestamp (an older store's feeds are read once here, a chunk
        at a time; the version is set when done, and a run cut short is run again whole:
        adding twice is adding once)."""
        found = await self._do(self._r.get(self._k("version")))
        version = 1 if found is None else int(_s(found))
        if version >= STORE_VERSION:
            return
        head = self._k("entries") + ":"
        origins = await self._do(self._keys(_glob_escape(head) + "*"))
        for origin in sorted(origins):
            if version < 3:
                await self._index_stored(origin[len(head) :], version < 2)
            if 2 <= version < 4:  # from version 1 the whole index above holds it already
                await self._index_live(origin[len(head) :])
        beats = self._k("beat") + ":"
        for key in sorted(await self._do(self._keys(_glob_escape(beats) + "*"))):
            await self._index_beats(key[len(beats) :])
        await self._do(self._r.set(self._k("version"), STORE_VERSION))

    async def _index_beats(self, origin: str) -> None:
        """Index the heartbeats of ``origin`` by timestamp, a page of the hash at a time."""
        cursor = 0
        while True:
            cursor, found = await self._do(
                self._r.hscan(self._k("beat", origin), cursor, count=UPGRADE_CHUNK)
            )
            scores = {_s(f): int(_s(f).split(" ", 1)[0]) for f in found}
            if scores:
                await self._do(self._r.zadd(self._k("beatts", origin), scores))
            if cursor == 0:
                return

    async def _index_stored(self, origin: str, whole: bool) -> None:
        """Keep the state of the notice entries ``origin`` holds (an entry was appended when
        the first checkpoint beyond it was stored, or at its notice time if none is; no
        implausible flag is made again) and, if ``whole``, index them and store the tree's
        interior nodes, a chunk at a time."""
        size = await self.size(origin)
        keys = [self._k("nx"), self._k("nx", origin), self._k("tree", origin)]
        keys += [self._k("notice", origin), self._k("nid"), self._k("live", origin)]
        for start in range(0, size, UPGRADE_CHUNK):
            end = start + UPGRADE_CHUNK - 1
            raws = await self.entries(origin, start, end + 1)
            leaves = [
                _b(h) for h in await self._do(self._r.lrange(self._k("leaves", origin), start, end))
            ]
            facts = [notice_facts(raw) for raw in raws]
            facets = _facet_args(origin, start, facts) if whole else []
            nodes = await self._new_nodes(origin, start, leaves) if whole else []
            stored = await self._stored_ms(origin, start, len(raws))
            groups, state = self._state_args(
                origin, start, leaves, facts, stored, {}, len(keys) + 1
            )
            args = [len(facets) // 4, len(nodes) // 2, len(state), *facets, *nodes, *state]
            await self._eval(_INDEX_ONLY, keys + groups, args)

    async def _index_live(self, origin: str) -> None:
        """Keep until when deconfliction looks at each operation and emergency of a feed stored
        by version 3, a chunk of entries at a time."""
        size = await self.size(origin)
        for start in range(0, size, UPGRADE_CHUNK):
            raws = await self.entries(origin, start, start + UPGRADE_CHUNK)
            live = {}
            for i, raw in enumerate(raws, start):
                facts = notice_facts(raw)
                if facts is not None and facts.live_until is not None:
                    live[_member(NoticeKey(facts.time_ms, origin, i))] = facts.live_until
            if live:
                await self._do(self._r.zadd(self._k("live", origin), live))

    async def _stored_ms(self, origin: str, start: int, n: int) -> dict[int, int]:
        """The stored time of the checkpoint that first covered each of the ``n`` entries from
        ``start`` (none for an entry no checkpoint covers)."""
        key = self._k("cp", origin)
        found = await self._do(self._r.zrangebyscore(key, f"({start}", "+inf", start=0, num=n))
        sizes = [int(_s(s)) for s in found]
        if not sizes:
            return {}
        fields = [f"ms:{s}" for s in sizes]
        times = await self._do(self._r.hmget(self._k("cpdata", origin), fields))
        stored: dict[int, int] = {}
        at = 0
        for index in range(start, start + n):
            while at < len(sizes) and sizes[at] <= index:
                at += 1
            if at == len(sizes):
                break
            stored[index] = int(_s(times[at]))
        return stored


def _glob_escape(text: str) -> str:
    """``text`` matched literally by a SCAN pattern."""
    return "".join(f"\\{c}" if c in "*?[]\\" else c for c in text)


def _facet_args(origin: str, start: int, notices: Sequence[NoticeFacts | None]) -> list[str]:
    """Member, kind, precedence and ``live_until`` of each entry for the append scripts (""
    for bytes that are not a notice entry, and for the ``live_until`` of a kind that has none)."""
    args: list[str] = []
    for i, facts in enumerate(notices):
        if facts is None:
            args += ["", "", "", ""]
        else:
            key = NoticeKey(facts.time_ms, origin, start + i)
            live = "" if facts.live_until is None else str(facts.live_until)
            args += [_member(key), facts.kind, facts.precedence, live]
    return args


def _refuse(
    result: Any,
    origin: str,
    start: int,
    cp: CheckpointRecord | None = None,
    old: tuple[int, bytes] | None = None,
) -> None:
    """Raise the StoreConflict an append script answered with (nothing for ``ok``)."""
    kind = _s(result[0])
    if kind == "size":
        found = int(result[1])
        msg = f"append to {origin!r} at {start}, but its size is {found}"
        raise StoreConflict(msg, expected=start, found=found)
    if kind == "refs":
        taken = [_s(k) for k in result[1]]
        raise StoreConflict(f"idempotency keys already used: {taken}", found=taken)
    if kind == "witness":
        was = None if result[1] is None else (int(result[1]), bytes(result[2]))
        raise StoreConflict(f"witness state of {origin!r} changed", expected=old, found=was)
    if kind == "root" and cp is not None:
        raise StoreConflict(
            f"checkpoint of {origin!r} at size {cp.size} is stored with another root",
            expected=bytes(result[1]),
            found=cp.root,
        )
