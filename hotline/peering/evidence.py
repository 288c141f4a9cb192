"""What the peer sent that failed verification, kept for auditors, and the alarm it raises."""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections import OrderedDict

from ..admission import TokenBucket
from ..errors import Refusal
from ..feeds.record import Recorder
from ..store.base import EvidenceRecord, Store
from ..types import Clock

log = logging.getLogger("hotline.peering")
KEPT_DIGESTS = 1024  # refusals stored lately, by digest: a repeat of one is not stored again


class Evidence:
    """Refused input of the peer, kept for auditors: each record its first ``keep_bytes``, its
    size and SHA-256, at most ``per_hour`` records in any hour (a bucket that refills at that
    rate; a burst of as many). Beyond, a refusal is counted and raises its alarm all the same
    (``evidence`` 0), but nothing is stored: a peer refused again and again cannot fill the
    disk. The same bytes refused again for the same reason are stored once."""

    def __init__(
        self,
        store: Store,
        clock_ms: Clock,
        recorder: Recorder,
        keep_bytes: int = 64 * 1024,
        per_hour: int = 100,
    ) -> None:
        self._store = store
        self._keep = keep_bytes  # of refused input, its first bytes kept (and its size, digest)
        self._clock_ms = clock_ms
        self._recorder = recorder
        self.refusals: dict[str, int] = {}  # peer input refused since start, by reason
        self.not_kept = 0  # refusals not stored since start: over the budget
        self._budget = TokenBucket(per_hour / 3600, per_hour, clock_ms() / 1000)
        self._kept: OrderedDict[bytes, int] = OrderedDict()  # digest of (reason, raw) -> id
        self._lock = asyncio.Lock()

    async def refused(self, exc: Refusal) -> None:
        """Keep what the peer sent that failed verification (its first ``keep_bytes``, its
        size and SHA-256) if the budget allows, and raise the alarm. The same bytes refused again
        for the same reason (a peer retrying) are stored once (of the latest 1,024 stored)."""
        self.refusals[exc.reason] = self.refusals.get(exc.reason, 0) + 1
        record = EvidenceRecord.of(
            self._clock_ms(), "peer", exc.reason, exc.detail, exc.raw, self._keep
        )
        assert record.sha256 is not None
        digest = hashlib.sha256(exc.reason.encode() + b"\n" + record.sha256).digest()
        async with self._lock:
            ident = self._kept.get(digest)
            repeated = ident is not None
            if ident is not None:
                self._kept.move_to_end(digest)
            elif self._budget.wait(self._clock_ms() / 1000) > 0:
                self.not_kept += 1
                log.warning(
                    "peer input refused (%s), not kept: over the evidence budget", exc.reason
                )
                ident = 0
            else:
                self._budget.take()
                try:
                    ident = await self._store.add_evidence(record)
                    self._kept[digest] = ident
                    if len(self._kept) > KEPT_DIGESTS:
                        self._kept.popitem(last=False)
                except Exception:
                    log.exception("could not store evidence")
                    ident = 0
        self._recorder.alarm(
            "refused", code=exc.reason, detail=exc.detail[:500], evidence=ident, repeated=repeated
        )
