"""The Redis store's records beside the feeds: checkpoints, cosignatures and heartbeats, the
witness state, idempotency keys, users, evidence and meta values.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

from hotline.errors import StoreConflict, StoreError
from hotline.store.base import (
    CheckpointRecord,
    CosignatureRecord,
    EvidenceRecord,
    HeartbeatRecord,
    UserRecord,
)

from .redis_base import RedisBase
from .redis_scripts import (
    _ADD_USER,
    _COSIGN,
    _HEARTBEAT,
    _REVOKE,
    _WITNESS_CAS,
    _b,
    _s,
)

PAGE = 1_000  # checkpoints' sizes read at a time


class RedisRecords(RedisBase):
    """Checkpoints, cosignatures, heartbeats, witness state, users, evidence, meta."""

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
        records = [_cosignature(origin, _s(f), _s(v)) for f, v in found.items()]
        return sorted(records, key=lambda c: (c.size, c.witness))

    async def cosignatures_from(
        self, origin: str, witness: str, since: int, limit: int
    ) -> list[CosignatureRecord]:
        """The checkpoints' sizes from ``since`` up, a page at a time, each looked up in the
        cosignatures."""
        found: list[CosignatureRecord] = []
        key, start, num = self._k("cp", origin), 0, min(PAGE, max(limit, 8))
        while len(found) < limit:
            sizes = await self._do(
                self._r.zrangebyscore(key, max(since, 0), "+inf", start=start, num=num)
            )
            if not sizes:
                break
            start, num = start + len(sizes), PAGE  # a small read first: a delivery is one
            fields = [f"{int(_s(size))} {witness}" for size in sizes]
            values = await self._do(self._r.hmget(self._k("cosig", origin), fields))
            found += [
                _cosignature(origin, f, _s(v))
                for f, v in zip(fields, values, strict=True)
                if v is not None
            ]
        return found[:limit]

    async def add_heartbeat(self, record: HeartbeatRecord) -> None:
        keys = [self._k(kind, record.origin) for kind in ("cp", "beat", "beatts")]
        field = f"{record.timestamp} {record.witness}"
        value = f"{record.size} {record.received_ms} {record.line}"
        args = [record.size, field, value, record.timestamp]
        if not await self._eval(_HEARTBEAT, keys, args):
            raise StoreError(f"no checkpoint of {record.origin!r} at size {record.size}")

    async def heartbeats(self, origin: str) -> list[HeartbeatRecord]:
        found = await self._do(self._r.hgetall(self._k("beat", origin)))
        records = [_heartbeat(origin, _s(f), _s(v)) for f, v in found.items()]
        return sorted(records, key=lambda h: (h.timestamp, h.witness))

    async def heartbeats_from(
        self, origin: str, witness: str, since: int, until: int, limit: int
    ) -> list[HeartbeatRecord]:
        """The heartbeats' index by timestamp, a page at a time, those of ``witness`` looked
        up in the heartbeats."""
        found: list[HeartbeatRecord] = []
        key, start = self._k("beatts", origin), 0
        while len(found) < limit:
            page = await self._do(self._r.zrangebyscore(key, since, until, start=start, num=PAGE))
            if not page:
                break
            start += len(page)
            mine = [_s(m) for m in page if _s(m).split(" ", 1)[1] == witness]
            if mine:
                values = await self._do(self._r.hmget(self._k("beat", origin), mine))
                found += [_heartbeat(origin, f, _s(v)) for f, v in zip(mine, values, strict=True)]
        return found[:limit]

    async def latest_receipts(
        self, origin: str, witness: str
    ) -> tuple[CosignatureRecord | None, HeartbeatRecord | None]:
        """From the newest down, a page at a time: the checkpoints' sizes (each looked up in
        the cosignatures) and the heartbeats' index by timestamp (its members are the
        heartbeats' fields)."""
        cosignature = None
        async for sizes in self._pages(self._k("cp", origin)):
            fields = [f"{int(_s(size))} {witness}" for size in sizes]
            values = await self._do(self._r.hmget(self._k("cosig", origin), fields))
            found = next(((f, v) for f, v in zip(fields, values, strict=True) if v), None)
            if found is not None:
                cosignature = _cosignature(origin, found[0], _s(found[1]))
                break
        heartbeat = None
        async for members in self._pages(self._k("beatts", origin)):
            mine = [_s(m) for m in members if _s(m).split(" ", 1)[1] == witness]
            if mine:
                value = await self._do(self._r.hget(self._k("beat", origin), mine[0]))
                heartbeat = _heartbeat(origin, mine[0], _s(value))
                break
        return cosignature, heartbeat

    async def _pages(self, key: str, page: int = 64) -> AsyncIterator[list[Any]]:
        """The members of a sorted set, the highest scores first, a page at a time."""
        start = 0
        while found := await self._do(self._r.zrevrange(key, start, start + page - 1)):
            yield found
            start += len(found)

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
        return [_evidence(i, item) for i, item in enumerate(items, start=1)]

    async def evidence_from(self, since: int, until: int, limit: int) -> list[EvidenceRecord]:
        first, last = max(since, 1), min(until, since + limit - 1)  # ids: places from 1
        if limit <= 0 or last < first:
            return []
        items = await self._do(self._r.lrange(self._k("evidence"), first - 1, last - 1))
        return [_evidence(i, item) for i, item in enumerate(items, start=first)]

    async def latest_evidence(self, limit: int) -> tuple[int, list[EvidenceRecord]]:
        key = self._k("evidence")
        total = await self._do(self._r.llen(key))
        first = max(total - limit, 0)  # a record's id is its place in the list, from 1
        items = await self._do(self._r.lrange(key, first, total - 1)) if limit > 0 else []
        found = [_evidence(i, item) for i, item in enumerate(items, start=first + 1)]
        return total, found[::-1]

    async def get_meta(self, key: str) -> str | None:
        value = await self._do(self._r.hget(self._k("meta"), key))
        return None if value is None else _s(value)

    async def set_meta(self, key: str, value: str) -> None:
        await self._do(self._r.hset(self._k("meta"), key, value))


def _cosignature_field(record: CosignatureRecord) -> tuple[str, str]:
    """A cosignature as its field and value in the cosignatures hash."""
    return f"{record.size} {record.witness}", f"{record.timestamp} {record.received_ms}"


def _cosignature(origin: str, field: str, value: str) -> CosignatureRecord:
    """A cosignature from its field (``size witness``) and value (``timestamp received_ms``) in
    the cosignatures hash (see :func:`_cosignature_field`)."""
    size, witness = field.split(" ", 1)
    timestamp, received = value.split(" ")
    return CosignatureRecord(origin, int(size), witness, int(timestamp), int(received))


def _heartbeat(origin: str, field: str, value: str) -> HeartbeatRecord:
    """A heartbeat from its field (``timestamp witness``) and value in the heartbeats hash."""
    timestamp, witness = field.split(" ", 1)
    size, received, line = value.split(" ", 2)
    return HeartbeatRecord(origin, int(size), witness, int(timestamp), line, int(received))


def _evidence(index: int, item: Any) -> EvidenceRecord:
    """An evidence record from its item in the list: its head (JSON: time, source, reason,
    detail, kept whole; then size and sha256 hex when cut), a newline, the bytes kept."""
    head, _, raw = _b(item).partition(b"\n")
    time_ms, source, reason, detail, *whole = json.loads(head)
    size, digest = (whole[0], bytes.fromhex(whole[1])) if whole else (None, None)
    return EvidenceRecord(time_ms, source, reason, detail, raw, index, size, digest)
