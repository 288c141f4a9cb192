"""The Redis store's reads of the feeds: entries, tree nodes, and the notices' index and state
(a page of a listing, a notice's state, the notices deconfliction and the deadlines look at).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from hotline.errors import StoreError
from hotline.store.base import (
    Link,
    NoticeKey,
    NoticeQuery,
    NoticeState,
    TimeRange,
)

from .redis_base import MAX_INDEX, RedisBase
from .redis_scripts import (
    _b,
    _s,
)

PAGE = 10_000  # members of a sorted set read at a time


class RedisReads(RedisBase):
    """What the store reads of the feeds and their notices."""

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

    async def _read_nodes(self, origin: str, nodes: Sequence[tuple[int, int]]) -> list[Any]:
        """The hashes of tree nodes (level 0: leaf hashes), None for one not stored."""
        pipe = self._r.pipeline(transaction=False)
        for level, index in nodes:
            if level == 0:
                pipe.lindex(self._k("leaves", origin), index)
            else:
                pipe.hget(self._k("tree", origin), f"{level}:{index}")
        return list(await self._do(pipe.execute())) if nodes else []

    async def tree_hashes(self, origin: str, nodes: Sequence[tuple[int, int]]) -> list[bytes]:
        found = await self._read_nodes(origin, nodes)
        for (level, index), h in zip(nodes, found, strict=True):
            if h is None:
                raise StoreError(f"no node ({level}, {index}) of the tree of {origin!r} is stored")
        return [_b(h) for h in found]

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
