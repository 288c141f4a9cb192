"""The SQLite store's records beside the feeds: checkpoints, cosignatures and heartbeats, the
witness state, idempotency keys, users, evidence and meta values.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any

from hotline.errors import StoreConflict, StoreError
from hotline.store.base import (
    CheckpointRecord,
    CosignatureRecord,
    EvidenceRecord,
    HeartbeatRecord,
    UserRecord,
)

from .sqlite_base import SqliteBase
from .sqlite_tx import (
    exists,
    write_checkpoint,
    write_cosignature,
    write_witness,
)

_CHECKPOINT_SELECT = "SELECT origin, size, root, note, stored_ms FROM checkpoints"
_USER_SELECT = "SELECT name, role, token_hash, created_ms, revoked_ms, nation, unit FROM users"
_EVIDENCE_SELECT = "SELECT time_ms, source, reason, detail, raw, id, size, sha256 FROM evidence"


class SqliteRecords(SqliteBase):
    """Checkpoints, cosignatures, heartbeats, witness state, users, evidence, meta."""

    # --- checkpoints and cosignatures ---

    async def put_checkpoint(self, record: CheckpointRecord) -> None:
        await self._write(lambda conn: write_checkpoint(conn, record))

    async def checkpoints(self, origin: str) -> list[CheckpointRecord]:
        sql = f"{_CHECKPOINT_SELECT} WHERE origin = ? ORDER BY size"
        return [_checkpoint(r) for r in await self._query(sql, origin)]

    async def latest_checkpoint(self, origin: str) -> CheckpointRecord | None:
        sql = f"{_CHECKPOINT_SELECT} WHERE origin = ? ORDER BY size DESC LIMIT 1"
        rows = await self._query(sql, origin)
        return _checkpoint(rows[0]) if rows else None

    async def checkpoints_from(
        self, origin: str, since: int, until: int, limit: int
    ) -> list[CheckpointRecord]:
        sql = (
            f"{_CHECKPOINT_SELECT} WHERE origin = ? AND size >= ? AND size <= ?"
            " ORDER BY size LIMIT ?"
        )
        return [_checkpoint(r) for r in await self._query(sql, origin, since, until, limit)]

    async def checkpoint_at_most(self, origin: str, size: int) -> CheckpointRecord | None:
        sql = f"{_CHECKPOINT_SELECT} WHERE origin = ? AND size <= ? ORDER BY size DESC LIMIT 1"
        rows = await self._query(sql, origin, size)
        return _checkpoint(rows[0]) if rows else None

    async def add_cosignature(self, record: CosignatureRecord, note: bytes) -> None:
        await self._write(lambda conn: write_cosignature(conn, record, note))

    async def cosignatures(self, origin: str) -> list[CosignatureRecord]:
        sql = (
            "SELECT origin, size, witness, timestamp, received_ms FROM cosignatures"
            " WHERE origin = ? ORDER BY size, witness"
        )
        return [CosignatureRecord(*r) for r in await self._query(sql, origin)]

    async def cosignatures_from(
        self, origin: str, witness: str, since: int, limit: int
    ) -> list[CosignatureRecord]:
        sql = (
            "SELECT origin, size, witness, timestamp, received_ms FROM cosignatures"
            " WHERE origin = ? AND size >= ? AND witness = ? ORDER BY size LIMIT ?"
        )
        rows = await self._query(sql, origin, since, witness, limit)
        return [CosignatureRecord(*r) for r in rows]

    async def add_heartbeat(self, record: HeartbeatRecord) -> None:
        def tx(conn: sqlite3.Connection) -> None:
            if not conn.execute(
                "SELECT 1 FROM checkpoints WHERE origin = ? AND size = ?",
                (record.origin, record.size),
            ).fetchone():
                raise StoreError(f"no checkpoint of {record.origin!r} at size {record.size}")
            conn.execute(
                "INSERT OR IGNORE INTO heartbeats"
                " (origin, size, witness, timestamp, line, received_ms)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (
                    record.origin,
                    record.size,
                    record.witness,
                    record.timestamp,
                    record.line,
                    record.received_ms,
                ),
            )

        await self._write(tx)

    async def heartbeats(self, origin: str) -> list[HeartbeatRecord]:
        sql = (
            "SELECT origin, size, witness, timestamp, line, received_ms FROM heartbeats"
            " WHERE origin = ? ORDER BY timestamp, witness"
        )
        return [HeartbeatRecord(*r) for r in await self._query(sql, origin)]

    async def heartbeats_from(
        self, origin: str, witness: str, since: int, until: int, limit: int
    ) -> list[HeartbeatRecord]:
        sql = (
            "SELECT origin, size, witness, timestamp, line, received_ms FROM heartbeats"
            " WHERE origin = ? AND witness = ? AND timestamp >= ? AND timestamp <= ?"
            " ORDER BY timestamp LIMIT ?"
        )
        rows = await self._query(sql, origin, witness, since, until, limit)
        return [HeartbeatRecord(*r) for r in rows]

    async def latest_receipts(
        self, origin: str, witness: str
    ) -> tuple[CosignatureRecord | None, HeartbeatRecord | None]:
        cos = await self._query(
            "SELECT origin, size, witness, timestamp, received_ms FROM cosignatures"
            " WHERE origin = ? AND witness = ? ORDER BY size DESC LIMIT 1",
            origin,
            witness,
        )
        beat = await self._query(
            "SELECT origin, size, witness, timestamp, line, received_ms FROM heartbeats"
            " WHERE origin = ? AND witness = ? ORDER BY timestamp DESC LIMIT 1",
            origin,
            witness,
        )
        return (
            CosignatureRecord(*cos[0]) if cos else None,
            HeartbeatRecord(*beat[0]) if beat else None,
        )

    # --- witness state ---

    async def witness_state(self, origin: str) -> tuple[int, bytes] | None:
        rows = await self._query("SELECT size, root FROM witness_state WHERE origin = ?", origin)
        return (int(rows[0][0]), bytes(rows[0][1])) if rows else None

    async def set_witness_state(
        self, origin: str, old: tuple[int, bytes] | None, new: tuple[int, bytes]
    ) -> None:
        await self._write(lambda conn: write_witness(conn, origin, old, new))

    async def lookup_ref(self, key: str) -> tuple[str, int] | None:
        rows = await self._query("SELECT origin, idx FROM refs WHERE key = ?", key)
        return (str(rows[0][0]), int(rows[0][1])) if rows else None

    # --- users ---

    async def add_user(self, user: UserRecord) -> None:
        def tx(conn: sqlite3.Connection) -> None:
            for column, value in (("name", user.name), ("token_hash", user.token_hash)):
                if exists(conn, "users", column, value):
                    raise StoreConflict(f"a user with this {column} exists", found=column)
            conn.execute(
                "INSERT INTO users (name, role, token_hash, created_ms, revoked_ms, nation, unit)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    user.name,
                    user.role,
                    user.token_hash,
                    user.created_ms,
                    user.revoked_ms,
                    user.nation,
                    user.unit,
                ),
            )

        await self._write(tx)

    async def get_user(self, name: str) -> UserRecord | None:
        rows = await self._query(f"{_USER_SELECT} WHERE name = ?", name)
        return UserRecord(*rows[0]) if rows else None

    async def user_by_token_hash(self, token_hash: str) -> UserRecord | None:
        rows = await self._query(f"{_USER_SELECT} WHERE token_hash = ?", token_hash)
        return UserRecord(*rows[0]) if rows else None

    async def list_users(self) -> list[UserRecord]:
        return [UserRecord(*r) for r in await self._query(f"{_USER_SELECT} ORDER BY name")]

    async def revoke_user(self, name: str, time_ms: int) -> bool:
        sql = "UPDATE users SET revoked_ms = ? WHERE name = ? AND revoked_ms IS NULL"
        return await self._exec(sql, time_ms, name) == 1

    # --- evidence and meta ---

    async def add_evidence(self, record: EvidenceRecord) -> int:
        def tx(conn: sqlite3.Connection) -> int:
            cur = conn.execute(
                "INSERT INTO evidence (time_ms, source, reason, detail, raw, size, sha256)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    record.time_ms,
                    record.source,
                    record.reason,
                    record.detail,
                    record.raw,
                    record.size,
                    record.sha256,
                ),
            )
            assert cur.lastrowid is not None
            return cur.lastrowid

        return await self._write(tx)

    async def list_evidence(self) -> list[EvidenceRecord]:
        return [_evidence(row) for row in await self._query(f"{_EVIDENCE_SELECT} ORDER BY id")]

    async def evidence_from(self, since: int, until: int, limit: int) -> list[EvidenceRecord]:
        sql = f"{_EVIDENCE_SELECT} WHERE id >= ? AND id <= ? ORDER BY id LIMIT ?"
        return [_evidence(row) for row in await self._query(sql, since, until, limit)]

    async def latest_evidence(self, limit: int) -> tuple[int, list[EvidenceRecord]]:
        # ids count from 1 with no gap: nothing kept is ever deleted
        (total,) = (await self._query("SELECT coalesce(max(id), 0) FROM evidence"))[0]
        sql = f"{_EVIDENCE_SELECT} ORDER BY id DESC LIMIT ?"
        return int(total), [_evidence(row) for row in await self._query(sql, limit)]

    async def get_meta(self, key: str) -> str | None:
        rows = await self._query("SELECT value FROM meta WHERE key = ?", key)
        return str(rows[0][0]) if rows else None

    async def set_meta(self, key: str, value: str) -> None:
        await self._exec("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", key, value)


def _checkpoint(row: Sequence[Any]) -> CheckpointRecord:
    origin, size, root, note, stored_ms = row
    return CheckpointRecord(origin, size, bytes(root), bytes(note), stored_ms)


def _evidence(row: Sequence[Any]) -> EvidenceRecord:
    t, s, r, d, raw, i, n, h = row
    return EvidenceRecord(t, s, r, d, bytes(raw), i, n, None if h is None else bytes(h))
