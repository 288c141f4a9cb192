"""One client's stream connection: authentication, then a reader and a writer.

The reader takes frames as they come and answers each message; posts (and acks, cancels) run
concurrently, each waiting for its own durable append, so one client can keep up to
``MAX_IN_FLIGHT`` of them in flight and the sequencer can commit them together. A post without
``client_ref`` (the common case) is validated and queued by the reader itself, with no task of
its own: a callback on its future answers it; one with ``client_ref`` (whose idempotency check
may read the store), an ack or a cancel runs as a task. A FLASH one is
handled by the reader itself, so it reaches the sequencer in the turn of the event loop that read
its frame (the connection's next frame waits for its append). The ``posted`` reply is queued by
the sequencer's commit itself, not a turn later when the post's coroutine resumes, and after a
FLASH the reader flushes the queued replies itself unless the writer is in the middle of a send.
Otherwise the writer is the only task that writes to the socket: replies first, then the
subscription's events (one :class:`~hotline.outbox.Outbox`, as the peer link has). A slow socket
therefore only ever slows its own connection: the hub never waits, and a subscription
(:mod:`.subscription`) whose bounded queue overflows is dropped by the hub; the writer then
sends what it still has and closes with 4008 ``slow_consumer``. The client resumes from the
last cursor it received. Who the client is comes from :mod:`.handshake`; its socket's frame
limit and write deadlines are :mod:`.socket`'s.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from functools import partial
from typing import Any

from starlette.websockets import WebSocket

from hotline_protocol import stream as m
from hotline_protocol.errors import MessageError

from ..admission import Admission, notice_is_flash
from ..auth import allowed
from ..errors import RateLimited, StoreError, StreamError, TooManyConnections, explain
from ..feeds.index import FeedIndex
from ..feeds.postqueue import Appended
from ..feeds.service import NoticeService
from ..hub import EventHub
from ..outbox import Outbox
from ..store.base import Store, UserRecord
from ..types import Clock, Sides
from .errors import (
    CLOSE_INTERNAL,
    CLOSE_SLOW_CONSUMER,
    CLOSE_TOO_MANY,
    Close,
)
from .handshake import auth_message, header_user
from .socket import CLOSE_TIMEOUT, Gone, StreamSocket
from .subscription import Subscription

log = logging.getLogger("hotline.stream")

MAX_IN_FLIGHT = 256  # posts per connection handled concurrently; the next frame waits for a slot
REPLY_BACKLOG = 256  # replies waiting for the socket before the node stops reading frames


def _flash(msg: m.Post | m.Ack | m.Cancel) -> bool:
    if isinstance(msg, m.Post):
        return notice_is_flash(msg.notice)
    return msg.precedence == "FLASH"


@dataclass(frozen=True)
class StreamParts:
    """What every stream session works with."""

    sides: Sides
    service: NoticeService
    hub: EventHub
    index: FeedIndex  # the replay's records
    store: Store  # tokens, and the replay's entry bytes
    clock_ms: Clock
    max_bytes: int  # frame limit
    queue_size: int  # a subscription's live events waiting, at most
    admission: Admission  # post rate limits, connection caps
    preauth_bytes: int = 4096  # frame limit until the connection is authenticated
    auth_timeout: float = 5.0  # seconds for the auth message (without an Authorization header)


class StreamSession:
    def __init__(self, parts: StreamParts, ws: WebSocket) -> None:
        self.parts = parts
        self.ws = ws
        self.user: UserRecord | None = None
        self._admission = parts.admission
        self._bucket = parts.admission.connection_bucket()
        self._counted_user: str | None = None  # counted in the user's connections
        self._sock = StreamSocket(ws, parts.preauth_bytes)  # its limit: until authenticated
        self._service = parts.service
        self._outbox: Outbox[m.Outgoing] = Outbox(
            self._sock.send,
            bulk=self._next_event,
            halted=lambda: self._close is not None,
            write_errors=(Gone,),
        )
        self._slots = asyncio.Semaphore(MAX_IN_FLIGHT)
        self._tasks: set[asyncio.Task[None]] = set()
        self._subscription = Subscription(
            parts.sides, parts.hub, parts.index, parts.store, parts.queue_size, self._outbox
        )
        self._close: Close | None = None  # requested by the reader

    # lifecycle -----------------------------------------------------------------------------
    async def run(self) -> None:
        watchdog = asyncio.create_task(self._sock.watch(), name="stream-watchdog")
        try:
            await self._run()
        finally:
            watchdog.cancel()
            await asyncio.gather(watchdog, return_exceptions=True)
            # the session and its outbox hold each other (its bound methods): let go, so that
            # the connection is freed when it ends, not by the cyclic collector later
            self._outbox.close()
            self._sock.release()

    async def _run(self) -> None:
        try:
            self._admission.open()
        except TooManyConnections as exc:
            await self.ws.accept()
            await self._sock.send_close(Close(CLOSE_TOO_MANY, exc.code))
            return
        try:
            await self._serve()
        finally:
            self._admission.closed(self._counted_user)

    async def _serve(self) -> None:
        try:
            # a token in the header is checked before the connection is accepted: the client
            # can send no frame before the limit is the authenticated one
            user = await header_user(self.ws, self.parts.store)
            self._sock.set_limit(self.parts.max_bytes if user is not None else self._sock.max_bytes)
            await self.ws.accept()
            self.user = user if user is not None else await self._authenticate()
            self._admission.authenticated(self.user.name)
            self._counted_user = self.user.name
        except Gone:
            return
        except TooManyConnections as exc:
            await self._sock.send_close(Close(CLOSE_TOO_MANY, exc.code))
            return
        except (Close, StoreError) as exc:
            if isinstance(exc, StoreError):
                log.warning("stream authentication failed: %s", exc)
            # a fresh Close, not the one raised: that one's traceback holds this frame, which
            # would hold it (a reference cycle outliving the connection)
            close = (
                Close(exc.close_code, exc.reason)
                if isinstance(exc, Close)
                else Close(CLOSE_INTERNAL, "store_unavailable")
            )
            if self.ws.client_state.name == "CONNECTING":
                await self.ws.accept()
            await self._sock.send_close(close)
            return
        log.info("stream opened for %s (%s)", self.user.name, self.user.role)
        reader = asyncio.create_task(self._read_loop(), name="stream-reader")
        writer = asyncio.create_task(self._write_loop(), name="stream-writer")
        try:
            await asyncio.wait({reader, writer}, return_when=asyncio.FIRST_COMPLETED)
            if reader.done() and self._close is not None:
                await asyncio.wait({writer}, timeout=CLOSE_TIMEOUT)
        finally:
            # posts in flight are left to finish: each is appended or refused as if the client
            # had stayed (a retry with the same client_ref finds it); only their replies are lost
            for task in (reader, writer):
                task.cancel()
            await asyncio.gather(reader, writer, return_exceptions=True)
            self._subscription.end()
        if self.user is not None:
            log.info("stream closed for %s", self.user.name)

    async def _authenticate(self) -> UserRecord:
        """The first message, ``auth`` (:func:`.handshake.auth_message`), answered."""
        user, first = await auth_message(self._sock, self.parts.store, self.parts.auth_timeout)
        self._sock.set_limit(self.parts.max_bytes)
        self._reply({"type": "authenticated", "id": first.id, "user": user.name, "role": user.role})
        return user

    # reading -------------------------------------------------------------------------------
    async def _read_loop(self) -> None:
        outbox = self._outbox
        while True:
            while len(outbox.urgent) >= REPLY_BACKLOG:
                outbox.room.clear()
                await outbox.room.wait()
            try:
                text = await self._sock.receive()
            except Gone:
                return
            except Close as close:
                self._close = Close(close.close_code, close.reason)  # without its traceback
                outbox.wake()
                return
            if text is None:
                self._reply(m.error(None, "malformed_json", "messages are JSON in text frames"))
                continue
            try:
                msg = m.parse_message(text)
            except MessageError as exc:
                self._reply(m.error(exc.id, exc.code, exc.detail))
                continue
            try:
                await self._dispatch(msg, "null" not in text)
            except StreamError as exc:
                self._reply(m.error(msg.id, exc.code, exc.detail))
            except RateLimited as exc:
                refused = m.error(msg.id, exc.code, exc.detail)
                refused["retry_after_ms"] = exc.retry_after_ms
                self._reply(refused)
            except Exception:
                log.exception("stream reader failed")
                self._close = Close(CLOSE_INTERNAL, "internal_error")
                outbox.wake()
                return

    async def _dispatch(self, msg: m.ClientMessage, no_null: bool = False) -> None:
        """Act on one message; ``no_null``: its text holds no ``null`` (nor then its notice)."""
        assert self.user is not None
        if isinstance(msg, m.Post | m.Ack | m.Cancel):
            if not allowed(self.user.role, "post"):
                raise StreamError("forbidden", f"role {self.user.role} may not post")
            flash = _flash(msg)
            self._admission.post(self.user.name, flash, self._bucket)
            await self._slots.acquire()
            if flash:  # at once: no turn of the loop between the frame and its answer
                await self._append(msg, no_null)
                await self._outbox.flush()
                return
            if isinstance(msg, m.Post) and msg.client_ref is None:
                self._submit(msg, no_null)
                return
            task = asyncio.create_task(self._append(msg, no_null))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        elif isinstance(msg, m.Subscribe):
            self._subscription.subscribe(msg)
        elif isinstance(msg, m.Unsubscribe):
            self._subscription.unsubscribe(msg)
        elif isinstance(msg, m.Ping):
            self._reply({"type": "pong", "id": msg.id, "time": self.parts.clock_ms()})
        else:
            raise StreamError("already_authenticated", "this connection is authenticated")

    async def _append(self, msg: m.Post | m.Ack | m.Cancel, no_null: bool) -> None:
        """Post, ack or cancel; the ``posted`` reply goes out in the turn of the loop that made
        the entry durable (``on_posted``), an error or a replay when the call returns."""
        assert self.user is not None
        user, service = self.user, self._service
        replied = False

        def on_posted(result: dict[str, Any]) -> None:
            nonlocal replied
            replied = True
            self._reply(m.posted(msg.id, result, False))

        try:
            if isinstance(msg, m.Post):
                result, replayed = await service.post(
                    user, msg.notice, msg.client_ref, on_posted, no_null=no_null
                )
            elif isinstance(msg, m.Ack):
                result, replayed = await service.ack(
                    user,
                    msg.side,
                    msg.index,
                    msg.response,
                    msg.reason,
                    msg.remark,
                    msg.precedence,
                    msg.client_ref,
                    on_posted,
                    reason_code=msg.reason_code,
                )
            else:
                result, replayed = await service.cancel(
                    user,
                    msg.side,
                    msg.index,
                    msg.reason,
                    msg.remark,
                    msg.precedence,
                    msg.client_ref,
                    on_posted,
                )
        except Exception as exc:
            self._reply(self._error_reply(msg.id, exc))
        else:
            if not replied:
                self._reply(m.posted(msg.id, result, replayed))
        finally:
            self._slots.release()

    def _submit(self, msg: m.Post, no_null: bool) -> None:
        """A post without ``client_ref``: validated and queued in the reader's turn, with no
        task of its own. The ``posted`` reply is queued by the sequencer's commit, an error
        here or by the future's callback; either frees the post's slot."""
        assert self.user is not None
        mid = msg.id

        def on_posted(result: dict[str, Any]) -> None:
            self._reply(m.posted(mid, result, False))

        try:
            fut = self._service.submit(self.user, msg.notice, on_posted, no_null=no_null)
        except Exception as exc:
            self._slots.release()
            self._reply(self._error_reply(mid, exc))
            return
        fut.add_done_callback(partial(self._submitted, mid))

    def _submitted(self, mid: str | int | None, fut: asyncio.Future[Appended]) -> None:
        self._slots.release()
        if fut.cancelled():
            self._reply(m.error(mid, "store_unavailable", "the write was interrupted"))
            return
        exc = fut.exception()
        if exc is not None:
            self._reply(self._error_reply(mid, exc))

    def _error_reply(self, mid: str | int | None, exc: BaseException) -> m.Outgoing:
        described = explain(exc)
        if described is None:
            log.error("stream message %r failed", mid, exc_info=exc)
            return m.error(mid, "internal_error", "the node failed to handle the message")
        return m.error(mid, *described)

    # writing -------------------------------------------------------------------------------
    def _reply(self, message: m.Outgoing) -> None:
        self._outbox.put_urgent(message)

    async def _next_event(self) -> m.Outgoing | None:
        """The subscription's next event for the outbox; None if there is none now (a
        subscription the hub dropped for being slow asks for the close)."""
        subscription = self._subscription
        event = await subscription.next_event(self.user.name if self.user else "?")
        if subscription.dropped and self._close is None:
            self._close = Close(CLOSE_SLOW_CONSUMER, "slow_consumer")
        return event

    async def _write_loop(self) -> None:
        try:
            await self._outbox.run()
        except Gone:
            return
        except Exception:
            log.exception("stream writer failed")
            await self._sock.send_close(Close(CLOSE_INTERNAL, "internal_error"))
            return
        if self._close is not None:
            await self._sock.send_close(self._close)
