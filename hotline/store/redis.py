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

import json
import logging
from collections.abc import Awaitable, Mapping, Sequence
from typing import Any, TypeVar

from redis import exceptions as rexc
from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.commands.core import AsyncScript

from hotline.errors import DuplicateIds, StoreConflict, StoreError
from hotline.store.base import (
    CLOSING,
    CheckpointRecord,
    CosignatureRecord,
    EvidenceRecord,
    HeartbeatRecord,
    Link,
    NoticeFacts,
    NoticeKey,
    NoticeQuery,
    NoticeState,
    TimeRange,
    UserRecord,
    check_append,
    notice_facts,
)

from .redis_scripts import (
    _ADD_USER,
    _APPEND,
    _APPEND_COSIGNED,
    _COSIGN,
    _HEARTBEAT,
    _INDEX_ONLY,
    _REVOKE,
    _WITNESS_CAS,
    _b,
    _s,
    redact,
)
from .treenodes import completed_nodes, edge_nodes

__all__ = ["RedisStore", "redact"]

log = logging.getLogger("hotline.store")
T = TypeVar("T")
# of the data's layout; 2: notice entries indexed, tree nodes stored; 3: notice state kept (ids,
# appended times, implausible flags, links, open notices)
STORE_VERSION = 4
MAX_INDEX = 2**62  # no feed holds an entry at this index or beyond (Redis reads it as a number)
UPGRADE_CHUNK = 1000  # entries indexed at a time by an upgrade
PAGE = 10_000  # members of the open set read at a time


class RedisStore:
    """The :class:`~hotline.store.base.Store` on a Redis server."""

    def __init__(self, url: str, allow_unsafe: bool = False, key_prefix: str = "hotline:") -> None:
        self.url = url
        self.allow_unsafe = allow_unsafe
        self.key_prefix = key_prefix
        self._where = redact(url)
        self._redis: Redis | None = None
        self._scripts: dict[str, AsyncScript] = {}
        self._durability: dict[str, str] = {}

    def _k(self, kind: str, name: str = "") -> str:
        return f"{self.key_prefix}{kind}:{name}" if name else f"{self.key_prefix}{kind}"

    async def _do(self, op: Awaitable[T]) -> T:
        try:
            return await op
        except (rexc.ConnectionError, rexc.TimeoutError) as exc:
            raise StoreError(f"Redis at {self._where} is unreachable: {exc}") from exc
        except rexc.RedisError as exc:
            raise StoreError(f"Redis at {self._where} refused a command: {exc}") from exc

    @property
    def _r(self) -> Redis:
        if self._redis is None:
            raise StoreError(f"Redis store at {self._where} is not open")
        return self._redis

    async def _eval(self, script: str, keys: list[str], args: list[Any]) -> Any:
        if script not in self._scripts:
            self._scripts[script] = self._r.register_script(script)
        return await self._do(self._scripts[script](keys=keys, args=args))

    # --- lifecycle ---

    async def open(self) -> None:
        if self._redis is not None:
            return
        try:
            self._redis = Redis.from_url(
                self.url,
                protocol=2,
                retry=Retry(NoBackoff(), 0),
                socket_connect_timeout=5,
                socket_timeout=30,
            )
        except ValueError as exc:
            raise StoreError(f"bad Redis URL {self._where}: {exc}") from exc
        try:
            await self._check_durability()
            await self._upgrade()
        except BaseException:
            await self.close()
            raise

    async def close(self) -> None:
        if self._redis is not None:
            redis, self._redis = self._redis, None
            self._scripts.clear()
            await redis.aclose()

    async def durability(self) -> dict[str, str]:
        """The durability settings found at open (``unknown`` where Redis would not say)."""
        return dict(self._durability)

    async def _check_durability(self) -> None:
        try:
            appendonly = _s((await self._r.config_get("appendonly")).get("appendonly"))
            appendfsync = _s((await self._r.config_get("appendfsync")).get("appendfsync"))
        except rexc.ResponseError as exc:  # CONFIG renamed or not permitted
            info = await self._do(self._r.info("persistence"))
            appendonly = "yes" if int(info.get("aof_enabled", 0)) == 1 else "no"
            appendfsync = "unknown"
            log.warning(
                "Redis at %s refused CONFIG GET (%s); INFO persistence says aof_enabled=%s. "
                "appendfsync cannot be checked: make sure it is 'always'",
                self._where,
                exc,
                info.get("aof_enabled"),
            )
        except (rexc.ConnectionError, rexc.TimeoutError) as exc:
            raise StoreError(f"Redis at {self._where} is unreachable: {exc}") from exc
        self._durability = {"appendonly": appendonly, "appendfsync": appendfsync}
        problems = []
        if appendonly != "yes":
            problems.append(f"appendonly is {appendonly!r}, needs 'yes'")
        if appendfsync not in ("always", "unknown"):
            problems.append(f"appendfsync is {appendfsync!r}, needs 'always'")
        if not problems:
            return
        msg = f"Redis at {self._where} is not durable: {'; '.join(problems)}"
        if not self.allow_unsafe:
            raise StoreError(f"{msg} (acknowledged writes could be lost in a crash)")
        log.warning("%s; running anyway because unsafe mode is allowed", msg)

    async def _upgrade(self) -> None:
        """Bring data written by an earlier version up to this one: version 2 indexes notice
        entries and stores the trees' subtree hashes, version 3 keeps each notice entry's state,
        version 4 until when deconfliction looks at each operation and emergency (an older
        store's feeds are read once here, a chunk at a time; the version is set when done, and
        a run cut short is run again whole: adding twice is adding once)."""
        found = await self._do(self._r.get(self._k("version")))
        version = 1 if found is None else int(_s(found))
        if version >= STORE_VERSION:
            return
        head = self._k("entries") + ":"
        origins = await self._do(self._keys(_glob_escape(head) + "*"))
        for origin in sorted(origins):
            if version < 3:
                await self._index_stored(origin[len(head) :], version < 2)
            if version >= 2:  # from version 1 the whole index above holds it already
                await self._index_live(origin[len(head) :])
        await self._do(self._r.set(self._k("version"), STORE_VERSION))

    async def _keys(self, pattern: str) -> list[str]:
        return [_s(key) async for key in self._r.scan_iter(match=pattern, count=1000)]

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

    async def _read_nodes(self, origin: str, nodes: Sequence[tuple[int, int]]) -> list[Any]:
        """The hashes of tree nodes (level 0: leaf hashes), None for one not stored."""
        pipe = self._r.pipeline(transaction=False)
        for level, index in nodes:
            if level == 0:
                pipe.lindex(self._k("leaves", origin), index)
            else:
                pipe.hget(self._k("tree", origin), f"{level}:{index}")
        return list(await self._do(pipe.execute())) if nodes else []

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

    async def tree_hashes(self, origin: str, nodes: Sequence[tuple[int, int]]) -> list[bytes]:
        found = await self._read_nodes(origin, nodes)
        for (level, index), h in zip(nodes, found, strict=True):
            if h is None:
                raise StoreError(f"no node ({level}, {index}) of the tree of {origin!r} is stored")
        return [_b(h) for h in found]

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

    async def size(self, origin: str) -> int:
        return await self._do(self._r.llen(self._k("entries", origin)))

    async def entries(self, origin: str, start: int, end: int) -> list[bytes]:
        if start < 0:
            raise ValueError(f"entries start must be >= 0, got {start}")
        if end <= start:
            return []
        items = await self._do(self._r.lrange(self._k("entries", origin), start, end - 1))
        return [_b(x) for x in items]

    async def entries_at(self, origin: str, indexes: Sequence[int]) -> list[bytes]:
        if not indexes:
            return []
        pipe = self._r.pipeline(transaction=False)
        for index in indexes:  # a negative index would count from the end: none is stored
            pipe.lindex(self._k("entries", origin), index if index >= 0 else 2**62)
        found = await self._do(pipe.execute())
        for index, entry in zip(indexes, found, strict=True):
            if entry is None:
                raise StoreError(f"no entry {index} of {origin!r} is stored")
        return [_b(e) for e in found]

    async def leaf_hashes(self, origin: str) -> list[bytes]:
        items = await self._do(self._r.lrange(self._k("leaves", origin), 0, -1))
        return [_b(x) for x in items]

    async def notice_keys(self, query: NoticeQuery, limit: int) -> list[NoticeKey]:
        key = self._k("nx") if query.origin is None else self._k("nx", query.origin)
        key += "" if query.kind is None else f"|k|{query.kind}"
        key += "" if query.precedence is None else f"|p|{query.precedence}"
        top = "+" if query.before is None else "(" + _member(query.before)
        bottom = "-" if query.since is None else f"[{query.since:015d}"
        found = await self._do(self._r.zrevrangebylex(key, top, bottom, 0, limit))
        return [_notice_key(_s(m)) for m in found]

    async def notice_states(self, origin: str, indexes: Sequence[int]) -> list[NoticeState | None]:
        wanted = sorted({i for i in indexes if 0 <= i < MAX_INDEX})
        if not wanted:
            return [None] * len(indexes)
        pipe = self._r.pipeline(transaction=False)
        for i in wanted:
            pipe.hget(self._k("notice", origin), str(i))
            pipe.lindex(self._k("entries", origin), i)
            pipe.lindex(self._k("leaves", origin), i)
            pipe.zrangebylex(self._k("links", origin), f"[{i:012d} ", f"({i:012d}!")
        found = await self._do(pipe.execute())
        states: dict[int, NoticeState] = {}
        for at, i in enumerate(wanted):
            value, raw, leaf, links = found[4 * at : 4 * at + 4]
            if value is None or raw is None or leaf is None:
                continue
            appended, *bracket = (int(v) for v in _s(value).split(" "))
            flag = (bracket[0], bracket[1]) if bracket else None
            states[i] = NoticeState(
                origin, i, _b(raw), _b(leaf), appended, flag, tuple(_link(_s(m)) for m in links)
            )
        return [states.get(i) for i in indexes]

    async def notice_ids(self, notice_ids: Sequence[str]) -> dict[str, list[tuple[str, int]]]:
        wanted = list(dict.fromkeys(notice_ids))
        if not wanted:
            return {}
        pipe = self._r.pipeline(transaction=False)
        for notice_id in wanted:
            head = notice_id.encode().hex()
            pipe.zrangebylex(self._k("nid"), f"[{head} ", f"({head}!")
        out: dict[str, list[tuple[str, int]]] = {}
        for notice_id, found in zip(wanted, await self._do(pipe.execute()), strict=True):
            for member in found:
                _, origin, index = _s(member).split(" ")
                out.setdefault(notice_id, []).append((origin, int(index)))
        return out

    async def live_notices(self, origin: str, now_ms: int) -> list[int]:
        found = await self._do(self._r.zrangebyscore(self._k("live", origin), f"({now_ms}", "+inf"))
        return sorted(int(_s(member).rsplit(" ", 1)[1]) for member in found)

    async def open_notices(
        self, origin: str, times: Mapping[str, TimeRange] | None = None, limit: int | None = None
    ) -> list[tuple[int, int, str]]:
        notices = []
        if times is None:  # the open set, all of it
            key, start = self._k("open", origin), 0
            while found := await self._do(self._r.zrange(key, start, start + PAGE - 1)):
                start += len(found)
                for member in found:
                    index, time_ms, precedence = _s(member).split(" ", 2)
                    notices.append((int(index), int(time_ms), precedence))
        for precedence, (after, until) in (times or {}).items():
            notices += await self._open_between(origin, precedence, after, until, limit)
        return sorted(notices)

    async def _open_between(
        self, origin: str, precedence: str, after: int, until: int, limit: int | None
    ) -> list[tuple[int, int, str]]:
        """Open notices of one precedence with a time in (after, until], the earliest
        ``limit``: a lex range of the precedence's listing set, a page at a time, each looked
        up in the open set."""
        if until <= after:
            return []
        low, high = f"[{max(after + 1, 0):015d}", f"({until + 1:015d}"
        key = self._k("nx", origin) + f"|p|{precedence}"
        found: list[tuple[int, int, str]] = []
        start = 0
        while limit is None or len(found) < limit:
            page = await self._do(self._r.zrangebylex(key, low, high, start, PAGE))
            if not page:
                break
            start += len(page)
            keys = [_notice_key(_s(m)) for m in page]
            members = [f"{k.index} {k.time_ms} {precedence}" for k in keys]
            scores = await self._do(self._r.zmscore(self._k("open", origin), members))
            found += [
                (k.index, k.time_ms, precedence)
                for k, score in zip(keys, scores, strict=True)
                if score is not None
            ]
        return found if limit is None else found[:limit]

    # --- checkpoints and cosignatures ---

    async def put_checkpoint(self, record: CheckpointRecord) -> None:
        await self._batch(record.origin, "*", [], record, [])

    async def _checkpoints(self, origin: str, first: int, last: int) -> list[CheckpointRecord]:
        found = await self._do(self._r.zrange(self._k("cp", origin), first, last))
        return await self._checkpoint_records(origin, [int(_s(s)) for s in found])

    async def _checkpoint_records(self, origin: str, sizes: list[int]) -> list[CheckpointRecord]:
        if not sizes:
            return []
        fields = [f"{f}:{s}" for s in sizes for f in ("root", "note", "ms")]
        values = await self._do(self._r.hmget(self._k("cpdata", origin), fields))
        return [
            CheckpointRecord(origin, s, _b(r), _b(n), int(_s(ms)))
            for s, r, n, ms in zip(sizes, values[0::3], values[1::3], values[2::3], strict=True)
        ]

    async def checkpoints(self, origin: str) -> list[CheckpointRecord]:
        return await self._checkpoints(origin, 0, -1)

    async def latest_checkpoint(self, origin: str) -> CheckpointRecord | None:
        found = await self._checkpoints(origin, -1, -1)
        return found[0] if found else None

    async def checkpoints_from(
        self, origin: str, since: int, until: int, limit: int
    ) -> list[CheckpointRecord]:
        if limit <= 0 or until < since:
            return []
        key = self._k("cp", origin)
        found = await self._do(self._r.zrangebyscore(key, since, until, start=0, num=limit))
        return await self._checkpoint_records(origin, [int(_s(s)) for s in found])

    async def checkpoint_at_most(self, origin: str, size: int) -> CheckpointRecord | None:
        if size < 0:
            return None
        key = self._k("cp", origin)
        found = await self._do(self._r.zrevrangebyscore(key, size, "-inf", start=0, num=1))
        if not found:
            return None
        s = int(_s(found[0]))
        fields = [f"{f}:{s}" for f in ("root", "note", "ms")]
        r, n, ms = await self._do(self._r.hmget(self._k("cpdata", origin), fields))
        return CheckpointRecord(origin, s, _b(r), _b(n), int(_s(ms)))

    async def add_cosignature(self, record: CosignatureRecord, note: bytes) -> None:
        keys = [self._k("cpdata", record.origin), self._k("cosig", record.origin)]
        field, value = _cosignature_field(record)
        if not await self._eval(_COSIGN, keys, [record.size, note, field, value]):
            raise StoreError(f"no checkpoint of {record.origin!r} at size {record.size}")

    async def cosignatures(self, origin: str) -> list[CosignatureRecord]:
        found = await self._do(self._r.hgetall(self._k("cosig", origin)))
        records = []
        for field, value in found.items():
            size, witness = _s(field).split(" ", 1)
            timestamp, received = _s(value).split(" ")
            records.append(
                CosignatureRecord(origin, int(size), witness, int(timestamp), int(received))
            )
        return sorted(records, key=lambda c: (c.size, c.witness))

    async def add_heartbeat(self, record: HeartbeatRecord) -> None:
        keys = [self._k("cp", record.origin), self._k("beat", record.origin)]
        field = f"{record.timestamp} {record.witness}"
        value = f"{record.size} {record.received_ms} {record.line}"
        if not await self._eval(_HEARTBEAT, keys, [record.size, field, value]):
            raise StoreError(f"no checkpoint of {record.origin!r} at size {record.size}")

    async def heartbeats(self, origin: str) -> list[HeartbeatRecord]:
        found = await self._do(self._r.hgetall(self._k("beat", origin)))
        records = []
        for field, value in found.items():
            timestamp, witness = _s(field).split(" ", 1)
            size, received, line = _s(value).split(" ", 2)
            records.append(
                HeartbeatRecord(origin, int(size), witness, int(timestamp), line, int(received))
            )
        return sorted(records, key=lambda h: (h.timestamp, h.witness))

    # --- witness state ---

    async def witness_state(self, origin: str) -> tuple[int, bytes] | None:
        size, root = await self._do(self._r.hmget(self._k("witness", origin), ["size", "root"]))
        return None if size is None else (int(_s(size)), _b(root))

    async def set_witness_state(
        self, origin: str, old: tuple[int, bytes] | None, new: tuple[int, bytes]
    ) -> None:
        args = [0, 0, b""] if old is None else [1, old[0], old[1]]
        result = await self._eval(_WITNESS_CAS, [self._k("witness", origin)], [*args, *new])
        if int(result[0]) != 1:
            found = None if result[1] is None else (int(result[1]), bytes(result[2]))
            raise StoreConflict(f"witness state of {origin!r} changed", expected=old, found=found)

    async def lookup_ref(self, key: str) -> tuple[str, int] | None:
        value = await self._do(self._r.hget(self._k("refs"), key))
        if value is None:
            return None
        index, origin = _s(value).split(":", 1)
        return origin, int(index)

    # --- users ---

    async def add_user(self, user: UserRecord) -> None:
        keys = [self._k("user", user.name), self._k("users"), self._k("tokens")]
        revoked = "" if user.revoked_ms is None else user.revoked_ms
        args = [
            user.name,
            user.role,
            user.token_hash,
            user.created_ms,
            revoked,
            user.nation or "",
            user.unit or "",
        ]
        taken = _s(await self._eval(_ADD_USER, keys, args))
        if taken != "ok":
            raise StoreConflict(f"a user with this {taken} exists", found=taken)

    async def get_user(self, name: str) -> UserRecord | None:
        found = await self._do(self._r.hgetall(self._k("user", name)))
        if not found:
            return None
        f = {_s(k): _s(v) for k, v in found.items()}
        revoked = int(f["revoked_ms"]) if "revoked_ms" in f else None
        return UserRecord(
            name,
            f["role"],
            f["token_hash"],
            int(f["created_ms"]),
            revoked,
            f.get("nation") or None,
            f.get("unit") or None,
        )

    async def user_by_token_hash(self, token_hash: str) -> UserRecord | None:
        name = await self._do(self._r.hget(self._k("tokens"), token_hash))
        return None if name is None else await self.get_user(_s(name))

    async def list_users(self) -> list[UserRecord]:
        names = sorted(_s(n) for n in await self._do(self._r.smembers(self._k("users"))))
        users = [await self.get_user(name) for name in names]
        return [u for u in users if u is not None]

    async def revoke_user(self, name: str, time_ms: int) -> bool:
        return bool(await self._eval(_REVOKE, [self._k("user", name)], [time_ms]))

    # --- evidence and meta ---

    async def add_evidence(self, record: EvidenceRecord) -> int:
        head: list[object] = [record.time_ms, record.source, record.reason, record.detail]
        if record.size is not None and record.sha256 is not None:
            head += [record.size, record.sha256.hex()]
        item = json.dumps(head).encode() + b"\n" + record.raw
        return await self._do(self._r.rpush(self._k("evidence"), item))

    async def list_evidence(self) -> list[EvidenceRecord]:
        items = await self._do(self._r.lrange(self._k("evidence"), 0, -1))
        records = []
        for i, item in enumerate(items, start=1):
            head, _, raw = _b(item).partition(b"\n")
            # [time, source, reason, detail] (kept whole), then [size, sha256 hex] when cut
            time_ms, source, reason, detail, *whole = json.loads(head)
            size, digest = (whole[0], bytes.fromhex(whole[1])) if whole else (None, None)
            records.append(EvidenceRecord(time_ms, source, reason, detail, raw, i, size, digest))
        return records

    async def get_meta(self, key: str) -> str | None:
        value = await self._do(self._r.hget(self._k("meta"), key))
        return None if value is None else _s(value)

    async def set_meta(self, key: str, value: str) -> None:
        await self._do(self._r.hset(self._k("meta"), key, value))


def _glob_escape(text: str) -> str:
    """``text`` matched literally by a SCAN pattern."""
    return "".join(f"\\{c}" if c in "*?[]\\" else c for c in text)


def _member(key: NoticeKey) -> str:
    """A notice entry in the index's sorted sets: members of equal scores sort by their bytes,
    so time and index are zero-padded (origins hold no spaces nor control characters)."""
    return f"{key.time_ms:015d} {key.origin} {key.index:012d}"


def _notice_key(member: str) -> NoticeKey:
    return NoticeKey(int(member[:15]), member[16:-13], int(member[-12:]))


def _id_member(notice_id: str, origin: str, index: int) -> str:
    """A notice entry in the ids' sorted set: the id in hex (no spaces, so that one id's
    members are a lex range), then origin and zero-padded index (the order they are read in)."""
    return f"{notice_id.encode().hex()} {origin} {index:012d}"


def _link(member: str) -> Link:
    """A link as its member of the target feed's links (see the append scripts)."""
    _, origin, index, how, leaf = member.split(" ")
    return Link(how, origin, int(index), bytes.fromhex(leaf))


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


def _cosignature_field(record: CosignatureRecord) -> tuple[str, str]:
    """A cosignature as its field and value in the cosignatures hash."""
    return f"{record.size} {record.witness}", f"{record.timestamp} {record.received_ms}"


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
