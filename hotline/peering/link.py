"""One authenticated peer link: both feeds flow over it, one in each direction.

After the handshake each side sends ``status`` (its own feed's size, what it holds of the other's
and the size it last cosigned) and, if it has one, its latest receipt again. Each side's
:class:`~hotline.peering.sender.Sender` then pushes its feed from the size the other holds. One
outbox writes (:class:`~hotline.outbox.Outbox`: its writer task, and :meth:`Link.flush` from the
task that appended a FLASH entry): control messages (receipts, FLASH entries, status) go
before bulk replication, and the receive loop never waits on the socket, so two busy nodes
cannot block each other. Anything the authenticated peer sends that does not verify raises a
:class:`~hotline.errors.Refusal`: the manager keeps it as evidence, tells the peer and
closes the link. A ``status`` saying that the peer cosigned more of the own feed than this node
holds (it was restored from an older backup) starts a recovery first
(:mod:`hotline.peering.recovery`): the sender starts once it is complete.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from hotline_protocol import peer as m
from hotline_protocol.cosignature import CosignatureVerifier
from hotline_protocol.errors import MessageError

from ..errors import (
    LinkFailed,
    Refusal,
    StoreError,
)
from ..feeds.own import FeedReader
from ..feeds.pending import Pending
from ..feeds.record import Recorder
from ..feeds.replica import Replica
from ..outbox import Outbox
from ..types import Clock
from .recovery import OwnRecovery, RecoveryRun, serve
from .sender import MAX_MESSAGE_BYTES, MAX_RUN, Sender
from .tasks import cancel_all
from .transport import CLOSE_INTERNAL, Closed, Transport

log = logging.getLogger("hotline.peering")
TICK_SECONDS = 1.0  # how often the link looks at its lag
STATUS_SECONDS = 5.0  # a status message at least this often, so the peer knows its lag
HEALTHY_SECONDS = 10.0  # a link up this long counts as working (the dialer's backoff resets)
LAG_EVENT_SECONDS = 5.0  # a changed lag is published this often (reaching or leaving 0: at once)


def _bulk_sender(bulk: asyncio.Queue[str], outbox: Outbox[str]) -> Callable[[str], Awaitable[None]]:
    """Queue a bulk message (waiting for room) and wake the outbox's writer."""

    async def send_bulk(text: str) -> None:
        await bulk.put(text)
        outbox.wake()

    return send_bulk


@dataclass(frozen=True)
class LinkParts:
    """What every link of a node works with: the own feed's read port, the replica, the
    peer's pinned witness key (its receipts), the recorder (FLASH news and alarms), the clock
    and the pacing of replication runs."""

    feed: FeedReader
    replica: Replica
    witness: CosignatureVerifier
    recorder: Recorder
    clock_ms: Clock
    run_interval: float = 0.0
    heartbeat: float = 60.0
    max_early: int = 64  # FLASH entries pushed ahead of the last receipt, at most
    message_bytes: int = MAX_MESSAGE_BYTES  # entry bytes per replication message, at most
    max_run: int = MAX_RUN  # entries per checkpoint (one receipt), at most
    recovery: OwnRecovery | None = None  # takes back the own feed the peer holds beyond ours


class Link:
    def __init__(
        self,
        parts: LinkParts,
        transport: Transport,
        dialer: str,
        on_lag: Callable[[], None] = lambda: None,
        on_first: Callable[[], None] | None = None,
    ) -> None:
        self.parts = parts
        self.feed = parts.feed
        self.replica = parts.replica
        self.t = transport
        self.dialer = dialer  # origin of the node that dialed
        self._on_lag = on_lag
        # told when the peer's first message after the handshake arrives: for the listener, the
        # proof that the dialer verified its welcome (before it, the link is not up)
        self._on_first = on_first
        self._bulk: asyncio.Queue[str] = asyncio.Queue(maxsize=4)
        self.outbox: Outbox[str] = Outbox(
            self._write,
            bulk=self._next_bulk,
            congested=lambda text: self.t.congested(len(text)),
            write_errors=(Closed,),
            room=self.t.room,
        )
        # the sender (and the recovery) get the outbox's callables, not the link's bound
        # methods: the link and its sender would hold each other (see :meth:`run`'s end)
        self._send_bulk = _bulk_sender(self._bulk, self.outbox)
        self.sender = Sender(
            parts.feed,
            parts.witness,
            self._send_bulk,
            self.outbox.put_urgent,
            parts.run_interval,
            parts.heartbeat,
            parts.max_early,
            parts.message_bytes,
            parts.max_run,
        )
        self.peer_size = 0  # the peer's own feed size, as it last said or sent
        self.since_ms = parts.clock_ms()
        self.started = time.monotonic()
        self.refused_by_peer = False  # the peer sent ``refused``: back off before dialing again
        self.receipts = 0  # valid receipts received on this link
        self.failure: str | None = None  # why this side closed it, if it did
        self.done = asyncio.Event()  # run() has returned
        self._pending: Pending | None = None
        self._busy: asyncio.Task[str] | None = None
        # checkpoint runs taken off the pending entries, waiting to be verified and stored
        self._runs: asyncio.Queue[tuple[int, list[bytes], bytes, int, list[bytes], bytes]] = (
            asyncio.Queue()
        )
        self._published: dict[str, int] | None = None
        self._published_at = 0.0
        self._recovering: RecoveryRun | None = None  # the own feed being taken back
        self._peer_status = (0, 0)  # the peer's have and cosigned, for the sender to start

    async def _write(self, text: str) -> None:
        await self.t.send(text)

    def _send_now(self, text: str) -> None:
        """Queue a control message: it goes before any bulk message still waiting."""
        self.outbox.put_urgent(text)

    async def _next_bulk(self) -> str | None:
        return None if self._bulk.empty() else self._bulk.get_nowait()

    async def flush(self) -> None:
        """Send the queued control messages from the caller's task unless the writer is in
        the middle of a send or the socket is congested (then the writer sends them, in
        order): a FLASH entry appended in this turn of the loop leaves in it, and the caller
        never waits for the peer to read."""
        await self.outbox.flush()

    @property
    def quiet(self) -> bool:
        """Nothing is being written to the peer, nor queued to go."""
        return not self.outbox.sending and not self.outbox.urgent and self._bulk.empty()

    def _status(self) -> str:
        replica = self.replica
        return m.encode(
            "status",
            size=self.feed.durable_size,
            have=replica.have,
            cosigned=replica.cosigned,
        )

    async def run(self) -> None:
        """Exchange feeds until the link breaks; raises LinkError/Closed with the reason."""
        replica = self.replica
        self._pending = replica.pending()
        self._send_now(self._status())
        if replica.last_line is not None:  # resend the latest receipt: it may have been lost
            self._send_now(m.encode("cosignature", size=replica.cosigned, line=replica.last_line))
        worker = asyncio.create_task(self._checkpoints(), name="peer-checkpoints")
        tasks = [
            asyncio.create_task(self.outbox.run(), name="peer-writer"),
            asyncio.create_task(self._ticker(), name="peer-ticker"),
            worker,
        ]
        reader = asyncio.create_task(self._read(tasks), name="peer-reader")
        try:
            await asyncio.wait({reader, worker}, return_when=asyncio.FIRST_COMPLETED)
            if not reader.done():  # a checkpoint was refused (or the store failed)
                await cancel_all([reader])
                worker.result()
                raise LinkFailed("checkpoint_worker_stopped")
            reader.result()
        except StoreError as exc:  # a receipt, run, FLASH or heartbeat could not be stored
            log.error("peer link: the store failed: %s", exc)
            raise LinkFailed("store_unavailable", str(exc)) from exc
        finally:
            busy = self._busy
            if busy is not None:  # let a run being stored finish before the link is done
                await asyncio.wait([busy])
            if not reader.done():  # run() itself was cancelled
                await cancel_all([reader])
            await cancel_all(tasks)
            # nothing of the ended link is left in reference cycles, freed only by the cyclic
            # collector: the outbox lets go of the link's bound methods, and this frame of its
            # tasks (the error raised from here holds the frame in its traceback, and a task
            # holds that error)
            self.outbox.close()
            tasks.clear()
            del reader, worker
            self.done.set()

    async def _read(self, tasks: list[asyncio.Task[None]]) -> None:
        """Take the peer's messages one by one until the link breaks (raises why)."""
        while True:
            raw = await self.t.recv()
            first, self._on_first = self._on_first, None
            if first is not None:
                first()
            await self._handle(raw, tasks)

    async def _checkpoints(self) -> None:
        """Verify, store and cosign runs in order, while the link goes on reading."""
        replica = self.replica
        while True:
            start, raws, note, old, proof, raw = await self._runs.get()
            # its own task: closing the link must not interrupt a durable write half done
            self._busy = asyncio.create_task(
                replica.checkpoint_run(start, raws, note, old, proof, raw)
            )
            line = await asyncio.shield(self._busy)
            self._busy = None
            self._send_now(m.encode("cosignature", size=replica.cosigned, line=line))

    async def _handle(self, text: str, tasks: list[asyncio.Task[None]]) -> None:
        replica, pending = self.replica, self._pending
        assert pending is not None
        raw = text.encode()
        raws: list[bytes] = []  # entry bytes of ``entries`` (or the one of ``flash``)
        proof: list[bytes] = []
        try:
            msg = m.decode(text)
            kind = msg["type"]
            if kind in ("entries", "recovered"):
                raws = [m.unb64(e, "entry") for e in msg["entries"]]
            elif kind == "flash":
                raws = [m.unb64(msg["entry"], "entry")]
            if kind in ("checkpoint", "flash"):
                proof = m.hashes(msg["proof"], "proof")
        except MessageError as exc:  # malformed input from the authenticated peer is evidence too
            raise Refusal(exc.code, str(exc.detail), raw) from exc
        if kind == "status":
            self.peer_size = msg["size"]
            own_size = self.feed.durable_size
            if msg["cosigned"] > msg["have"]:
                raise Refusal("bad_status", "cosigned size beyond the size held", raw)
            recovery = self.parts.recovery
            if self._recovering is None and not self.sender.started:
                if msg["cosigned"] > own_size and recovery is not None:
                    # restored from an older backup: take back what the peer cosigned first
                    self._recovering = recovery.begin(msg["cosigned"])
                    self._send_now(m.encode("recover", size=own_size))
                    self.parts.recorder.alarm(
                        "feed_behind",
                        detail=f"the peer holds {msg['cosigned']} entries of this node's feed, "
                        f"this node {own_size}: recovering them from the peer",
                    )
            if self._recovering is None and msg["have"] > own_size:
                raise Refusal("peer_ahead", f"peer claims {msg['have']} of our {own_size}", raw)
            self._peer_status = (msg["have"], msg["cosigned"])
            if not self.sender.started and self._recovering is None:
                self._start_sender(tasks)
        elif kind == "recovered":
            run = self._recovering
            if run is None:
                raise Refusal("bad_message", "recovered entries that were not asked for", raw)
            if await run.add(msg["start"], raws, msg["note"], raw):
                self._recovering = None
                self._start_sender(tasks)
        elif kind == "recover":
            if not msg["size"] < replica.cosigned:
                raise Refusal(
                    "bad_recover",
                    f"recover from {msg['size']}: {replica.cosigned} cosigned here",
                    raw,
                )
            tasks.append(
                asyncio.create_task(self._serve_recovery(msg["size"]), name="peer-recovery")
            )
        elif kind == "entries":
            pending.add(msg["start"], raws, raw)
            self.peer_size = max(self.peer_size, pending.end)
        elif kind == "checkpoint":
            start = pending.start
            self._runs.put_nowait(
                (start, pending.take(), msg["note"].encode(), msg["old"], proof, raw)
            )
        elif kind == "cosignature":
            if self._recovering is not None and msg["size"] > self.feed.durable_size:
                return  # the latest receipt, resent: the recovered runs carry it
            await self.sender.on_cosignature(msg["size"], msg["line"], raw)
            self.receipts += 1
        elif kind == "flash":
            entry = await replica.early.take(
                msg["index"], raws[0], msg["note"].encode(), proof, raw
            )
            self.peer_size = max(self.peer_size, msg["index"] + 1)
            if entry is not None:
                self.parts.recorder.early_flash(replica.side, entry)
            else:  # announced again, already held in order
                await self.parts.recorder.flash_repeated(replica.side, msg["index"])
        elif kind == "refused":
            self.refused_by_peer = True
            log.warning("the peer refused our input: %s: %s", msg["reason"], msg["detail"])
            self.parts.recorder.alarm(
                "refused_by_peer", code=msg["reason"], detail=msg["detail"][:500]
            )
        else:
            raise Refusal("bad_message", f"unexpected {kind} after the handshake", raw)

    def _start_sender(self, tasks: list[asyncio.Task[None]]) -> None:
        have, cosigned = self._peer_status
        if have > self.feed.durable_size:  # held by the peer, not yet cosigned: resent from there
            have = cosigned
        self.sender.start_from(have, cosigned)
        tasks.append(asyncio.create_task(self._sender_loop(), name="peer-sender"))

    async def _serve_recovery(self, size: int) -> None:
        """Send the peer its own feed back from ``size`` (it was restored from a backup)."""
        try:
            await serve(self.replica, size, self._send_bulk)
        except Closed:
            pass
        except Exception:
            log.exception("sending the peer its feed back failed")
            await self.t.close(CLOSE_INTERNAL, "recovery failed")

    async def _sender_loop(self) -> None:
        try:
            await self.sender.run()
        except Closed:
            pass
        except StoreError as exc:  # a checkpoint for the run could not be stored
            log.error("peer sender: the store failed: %s", exc)
            self.failure = "store_unavailable"
            await self.t.close(CLOSE_INTERNAL, "store_unavailable")
        except Exception:
            log.exception("peer sender failed")
            await self.t.close(CLOSE_INTERNAL, "sender failed")

    async def _ticker(self) -> None:
        last_status = time.monotonic()
        while True:
            await asyncio.sleep(TICK_SECONDS)
            now = time.monotonic()
            if now - last_status >= STATUS_SECONDS:
                last_status = now
                self._send_now(self._status())
            lag = self.lag()
            if lag != self._published and (
                now - self._published_at >= LAG_EVENT_SECONDS or self._caught_up_or_behind(lag)
            ):
                self._published, self._published_at = lag, now
                self._on_lag()

    def _caught_up_or_behind(self, lag: dict[str, int]) -> bool:
        """A direction reached 0 or left 0 since the last lag event: worth telling at once."""
        last = self._published or {}
        return any((lag[d] == 0) != (last.get(d, 0) == 0) for d in lag)

    async def refuse(self, exc: Refusal) -> None:
        """Tell the peer why its input was refused (best effort: the link closes next)."""
        try:
            async with asyncio.timeout(2.0):  # (not wait_for: see _expect)
                await self.t.send(m.encode("refused", reason=exc.reason, detail=exc.detail[:1000]))
        except (Closed, TimeoutError):
            pass

    def healthy(self) -> bool:
        """Did this link work: no refusal either way, and receipts or some time up?"""
        return (
            self.failure is None
            and not self.refused_by_peer
            and (self.receipts > 0 or time.monotonic() - self.started >= HEALTHY_SECONDS)
        )

    def lag(self) -> dict[str, int]:
        """Entries of the own feed the peer has not cosigned yet (``out``) and entries of the
        peer's feed it has and this node does not hold yet (``in``)."""
        replica = self.replica
        own_size = self.feed.durable_size
        return {
            "out": max(0, own_size - self.sender.peer_cosigned),
            "in": max(0, self.peer_size - replica.have),
        }
