"""What the peer sent that failed verification, kept for auditors, and the alarm it raises."""

from __future__ import annotations

import asyncio
import hashlib
import logging

from ..errors import Refusal
from ..feeds.record import Recorder
from ..store.base import EvidenceRecord, Store
from ..types import Clock

log = logging.getLogger("hotline.peering")


class Evidence:
    def __init__(
        self, store: Store, clock_ms: Clock, recorder: Recorder, keep_bytes: int = 64 * 1024
    ) -> None:
        self._store = store
        self._keep = keep_bytes  # of refused input, its first bytes kept (and its size, digest)
        self._clock_ms = clock_ms
        self._recorder = recorder
        self.refusals: dict[str, int] = {}  # peer input refused since start, by reason
        self._kept: dict[bytes, int] = {}  # digest of (reason, raw) -> evidence id
        self._lock = asyncio.Lock()

    async def refused(self, exc: Refusal) -> None:
        """Keep what the peer sent that failed verification (its first ``keep_bytes``, its
        size and SHA-256), and raise the alarm. The same bytes refused again for the same reason
        (a peer retrying) are stored once."""
        self.refusals[exc.reason] = self.refusals.get(exc.reason, 0) + 1
        record = EvidenceRecord.of(
            self._clock_ms(), "peer", exc.reason, exc.detail, exc.raw, self._keep
        )
        assert record.sha256 is not None
        digest = hashlib.sha256(exc.reason.encode() + b"\n" + record.sha256).digest()
        async with self._lock:
            ident = self._kept.get(digest)
            repeated = ident is not None
            if ident is None:
                try:
                    ident = await self._store.add_evidence(record)
                    self._kept[digest] = ident
                except Exception:
                    log.exception("could not store evidence")
                    ident = 0
        self._recorder.alarm(
            "refused", code=exc.reason, detail=exc.detail[:500], evidence=ident, repeated=repeated
        )
