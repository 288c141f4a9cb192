"""Notice operations shared by the REST API, the stream and the CLI: post, ack, cancel, read."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

from hotline_protocol.entries import Entry, entry_notice_text
from hotline_protocol.notices import Notice, notice_to_json

from ..errors import BadRequest, Forbidden, Invalid, NotFound
from ..jsontext import JsonText, dumps
from ..settings import Deadlines, Settings
from ..store.base import NoticeKey, NoticeQuery, Store, UserRecord
from ..types import Clock, Sides
from .index import FeedIndex, NoticeRecord
from .pages import PageCache, PageKey
from .posting import ack_body, cancel_body, complete_posting, same_posting
from .postqueue import Appended
from .replica import Replica
from .sequencer import Sequencer
from .views import Filters, due_unanswered, notice_view, state_of


def entry_result(entry: Entry, side: str) -> dict[str, Any]:
    """What a post answers (the notice as its entry holds it)."""
    return {
        "side": side,
        "origin": entry.origin,
        "index": entry.index,
        "leaf_hash": base64.b64encode(entry.leaf_hash).decode(),
        "id": str(entry.notice.id),
        "notice": JsonText(entry.notice_json),
    }


STATE_BATCH = 256  # index keys read at a time when a listing also filters by state

# Told of the result of a post, ack or cancel at once (before the post's coroutine resumes).
OnPosted = Callable[[dict[str, Any]], None]


class NoticeService:
    """Built from the sides, the index, the store (entry bytes), the settings (default
    author, deadlines), the clock, the sequencer (appends) and the replica (early FLASH
    entries of the peer, if paired)."""

    def __init__(
        self,
        sides: Sides,
        *,
        index: FeedIndex,
        store: Store,
        settings: Settings,
        clock_ms: Clock,
        sequencer: Sequencer,
        replica: Replica | None,
    ) -> None:
        self._sides = sides
        self._index = index
        self._store = store
        self._settings = settings
        self._clock_ms = clock_ms
        self._sequencer = sequencer
        self._replica = replica
        self.pages = PageCache()

    async def post(
        self,
        user: UserRecord,
        body: Mapping[str, Any],
        client_ref: str | None,
        on_posted: OnPosted | None = None,
        *,
        no_null: bool = False,
    ) -> tuple[dict[str, Any], bool]:
        """Append a notice for the own side; (result, replayed). ``on_posted`` gets the result
        as soon as the entry is durable (not for a replay, which only returns). ``no_null``: the
        caller knows that ``body`` holds no ``null`` (see :func:`complete_posting`)."""
        notice, text = complete_posting(
            body, user, self._settings, self._clock_ms(), no_null=no_null
        )
        ref_key = f"{user.name}:{client_ref}" if client_ref else None
        side = self._sides.own.name
        told: dict[str, Any] | None = None

        def tell(appended: Appended) -> None:
            nonlocal told
            told = entry_result(appended.entry, side)
            assert on_posted is not None
            on_posted(told)

        appended = await self._sequencer.append(notice, ref_key, tell if on_posted else None, text)
        if appended.replayed and not same_posting(
            body, user, self._settings, appended.entry.notice, appended.entry.notice_json
        ):
            raise Invalid(
                "idempotency_key_reused",
                f"Idempotency-Key {client_ref!r} was used for another notice "
                f"({side} #{appended.entry.index})",
            )
        result = told if told is not None else entry_result(appended.entry, side)
        return result, appended.replayed

    def submit(
        self, user: UserRecord, body: Mapping[str, Any], on_posted: OnPosted, *, no_null: bool
    ) -> asyncio.Future[Appended]:
        """A post without an idempotency key, for a caller that does not wait (the stream):
        the notice is completed and validated now (NoticeError, Invalid or Forbidden raised
        here, and Unavailable ``feed_behind`` while the own feed is being recovered) and
        queued; ``on_posted`` gets the result once the entry is durable, and the returned
        future the entry or why it was refused. Not for FLASH notices: :meth:`post` writes
        them at once."""
        notice, text = complete_posting(
            body, user, self._settings, self._clock_ms(), no_null=no_null
        )
        side = self._sides.own.name

        def tell(appended: Appended) -> None:
            on_posted(entry_result(appended.entry, side))

        return self._sequencer.enqueue(notice, tell, text)

    async def ack(
        self,
        user: UserRecord,
        side: str,
        index: int,
        response: str,
        reason: str | None,
        remark: str | None,
        precedence: str | None,
        client_ref: str | None,
        on_posted: OnPosted | None = None,
        reason_code: str | None = None,
    ) -> tuple[dict[str, Any], bool]:
        target = self._early(side, index) or await self._record(side, index)
        if side == self._sides.own.name:
            raise Forbidden("wrong_side", "acknowledge the other side's notices, not your own")
        body = ack_body(target, response, reason, remark, precedence, reason_code)
        return await self.post(user, body, client_ref, on_posted, no_null=True)

    async def cancel(
        self,
        user: UserRecord,
        side: str,
        index: int,
        reason: str,
        remark: str | None,
        precedence: str | None,
        client_ref: str | None,
        on_posted: OnPosted | None = None,
    ) -> tuple[dict[str, Any], bool]:
        target = await self._record(side, index)
        if side != self._sides.own.name:
            raise Forbidden("wrong_side", "only the own side's notices can be cancelled")
        body = cancel_body(target, reason, remark, precedence)
        return await self.post(user, body, client_ref, on_posted, no_null=True)

    def draft(self, user: UserRecord, body: Mapping[str, Any]) -> Notice:
        """A notice as :meth:`post` would append it (completed and validated), not appended."""
        return complete_posting(body, user, self._settings, self._clock_ms())[0]

    def size(self, side: str) -> int:
        """The number of durable entries of ``side`` held here."""
        return self._index.size(side)

    def delivered_size(self, side: str) -> int:
        """The size of ``side``'s feed the other side cosigned last (0: none yet)."""
        return self._index.delivered_size(side)

    async def get(self, side: str, index: int) -> dict[str, Any]:
        early = self._early(side, index)
        if early is not None:  # a FLASH shown ahead of its backlog: state "early"
            replica = self._replica
            assert replica is not None
            notice = notice_to_json(replica.early.held[index].entry.notice)
            state = state_of(early, self._index, self._settings.deadlines, self._clock_ms())
            return notice_view(early, notice, {**state, "status": "early", "early": True})
        rec = await self._record(side, index)
        return (await self._views([rec], self._clock_ms()))[0]

    async def listing(self, filters: Filters, cursor: str | None, limit: int) -> bytes:
        """A page of notices of both feeds as the JSON sent (``{"notices": [...], "next"}``):
        newest first (by notice time, then origin, then index), read from the store's notice
        index; ``cursor`` continues where a page ended (entries that arrive meanwhile are
        newer: they never shift a page). Pages are kept while what they show holds (see
        :mod:`.pages`)."""
        if filters.state is not None:  # a page by state can change without the index changing
            return await self._build(filters, cursor, limit)
        key = (filters, cursor, limit)
        version = self._index.version
        if (body := self.pages.get(key, version, self._clock_ms())) is not None:
            return body
        return await self.pages.shared(
            key, version, lambda: self._build(filters, cursor, limit, (key, version))
        )

    async def _build(
        self,
        filters: Filters,
        cursor: str | None,
        limit: int,
        keep: tuple[PageKey, int] | None = None,
    ) -> bytes:
        """A listing's page as JSON; with ``keep`` (its key and the index's version), kept if
        the version held throughout."""
        page, next_cursor = await self._page(filters, cursor, limit)
        now = self._clock_ms()
        body = dumps({"notices": await self._views(page, now), "next": next_cursor})
        if keep is not None and self._index.version == keep[1]:
            until = _first_deadline(page, self._settings.deadlines, now)
            self.pages.put(keep[0], keep[1], until, body)
        return body

    async def _page(
        self, filters: Filters, cursor: str | None, limit: int
    ) -> tuple[list[NoticeRecord], str | None]:
        index = self._index
        origin = None
        if filters.side is not None:
            info = self._sides.info(filters.side)
            if info is None:
                raise NotFound("unknown_side", f"no side {filters.side!r}")
            origin = info.origin
        query = NoticeQuery(
            origin, filters.kind, filters.precedence, filters.since, self._decode_cursor(cursor)
        )
        now = self._clock_ms()
        deadlines = self._settings.deadlines
        # a state is derived, not indexed: read on in batches until the page is full
        batch = limit + 1 if filters.state is None else max(limit + 1, STATE_BATCH)
        page: list[NoticeRecord] = []
        while len(page) <= limit:
            keys = await self._store.notice_keys(query, batch)
            wanted = [(index.origins.get(k.origin, ""), k.index) for k in keys]
            for rec in await index.records(wanted):
                if rec is None:  # stored, not yet recorded: it shows once it is
                    continue
                if filters.state is None or (
                    state_of(rec, index, deadlines, now)["status"] == filters.state
                ):
                    page.append(rec)
                    if len(page) > limit:
                        break
            if len(keys) < batch:
                break
            query = replace(query, before=keys[-1])
        more = len(page) > limit
        page = page[:limit]
        last = page[-1] if page else None
        next_cursor = f"{last.time_ms}.{last.side}.{last.index}" if more and last else None
        return page, next_cursor

    def _decode_cursor(self, cursor: str | None) -> NoticeKey | None:
        """Where a page ended: ``time.side.index`` of its last notice."""
        if not cursor:
            return None
        try:
            t, side, i = cursor.split(".")
            info = self._sides.info(side)
            if info is None:
                raise ValueError(side)
            return NoticeKey(int(t), info.origin, int(i))
        except ValueError as exc:
            raise BadRequest("bad_cursor", "cursor is not one this node issued") from exc

    def _early(self, side: str, index: int) -> NoticeRecord | None:
        """An early FLASH of the peer (verified, not yet in the replica) as a detached record."""
        replica = self._replica
        if replica is None or side != replica.side:
            return None
        return replica.early.record(index)

    async def _record(self, side: str, index: int) -> NoticeRecord:
        if self._sides.info(side) is None:
            raise NotFound("unknown_side", f"no side {side!r}")
        (rec,) = await self._index.records([(side, index)])
        if rec is None:
            raise NotFound("unknown_entry", f"{side} has no entry {index}")
        return rec

    async def _views(self, recs: list[NoticeRecord], now: int) -> list[dict[str, Any]]:
        """The records' views (each notice as its canonical text), their entries read at once
        per feed."""
        deadlines = self._settings.deadlines
        raws: dict[tuple[str, int], bytes] = {}
        for origin in {rec.origin for rec in recs}:
            indexes = [rec.index for rec in recs if rec.origin == origin]
            found = await self._store.entries_at(origin, indexes)
            raws.update(((origin, i), raw) for i, raw in zip(indexes, found, strict=True))
        return [
            notice_view(
                rec,
                JsonText(entry_notice_text(raws[rec.origin, rec.index], rec.index)),
                state_of(rec, self._index, deadlines, now),
            )
            for rec in recs
        ]


def _first_deadline(recs: list[NoticeRecord], deadlines: Deadlines, now: int) -> int | None:
    """The first deadline ahead among records not answered: when one of them turns overdue."""
    dues = (due_unanswered(rec, deadlines) for rec in recs)
    return min((due for due in dues if due is not None and due > now), default=None)
