"""What refers to what among the records the index caches: an ack to the notice it answers, a
cancel to the notice it cancels, an update to the notice it supersedes.

An entry added is linked to the entry it refers to, if that one's record is cached with the leaf
hash the reference names: the referring record gets ``target`` (or ``supersedes``), the referred
one its ack, ``cancelled_by`` or ``superseded_by``. A reference to an entry not held yet (an ack
of a FLASH shown ahead of its backlog) waits until that entry is added. A record not cached is
not changed: the store has the link, and a read makes the record with it; a read in flight is
told which records changed meanwhile, so that it does not cache them as they were.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from typing import Any

from .records import FIELD, Key, _Row, ack_of, b64, with_ack

log = logging.getLogger("hotline.feeds")
Ref = tuple[str, int, str]  # origin, index, leaf hash (base64)


class Links:
    """Links the records of ``rows`` (the index's cache, shared) as entries are added."""

    def __init__(
        self,
        rows: OrderedDict[Key, _Row],
        sizes: dict[str, int],
        origins: dict[str, str],
        reading: list[set[Key]],
    ) -> None:
        self._rows = rows
        self._sizes = sizes  # side -> entries held (shared with the index)
        self._origins = origins  # origin -> side
        self._reading = reading  # the keys changed while each read in flight
        # references to entries not held yet: (origin, index, leaf hash) -> [(key, how, row)]
        self._pending: dict[Ref, list[tuple[Key, str, _Row]]] = {}

    def link(self, key: Key, ref: Ref, how: str) -> None:
        """The entry at ``key`` (just added) refers to ``ref`` (``how``: target, supersedes)."""
        side = self._origins.get(ref[0])
        if side is None:
            return
        row = self._rows[key]
        if ref[1] >= self._sizes[side]:
            self._pending.setdefault(ref, []).append((key, how, row))
            return
        found = self._rows.get((side, ref[1]))
        if found is None:
            for changed in self._reading:  # a read in flight must not cache it as it was
                changed.add((side, ref[1]))
            log.error("%s #%d refers to %s #%d, which is not cached", *key, side, ref[1])
            return
        if b64(found[FIELD["leaf_hash"]]) == ref[2]:
            self._attach(key, (side, ref[1]), how, row)

    def arrived(self, key: Key, ref: Ref) -> None:
        """The entry at ``key``, which ``ref`` names, was added: attach what waited for it."""
        if self._pending:
            for waiting, how, referring in self._pending.pop(ref, []):
                self._attach(waiting, key, how, referring)

    def _attach(self, key: Key, found_key: Key, how: str, row: _Row) -> None:
        """Record that the entry at ``key`` (its ``row`` as added: it may no longer be cached)
        refers to the one at ``found_key`` (``how``)."""
        for changed in self._reading:
            changed.add(found_key)
        if how == "supersedes":
            self._set(key, supersedes=found_key)
            self._set(found_key, superseded_by=key)
            return
        self._set(key, target=found_key)
        if row[FIELD["kind"]] == "ack" and row[FIELD["response"]] is not None:
            found = self._rows.get(found_key)
            if found is not None:
                self._set(found_key, acks=with_ack(found[FIELD["acks"]], ack_of(row)))
        elif row[FIELD["kind"]] == "cancel":
            self._set(found_key, cancelled_by=key)

    def _set(self, key: Key, **changes: Any) -> None:
        found = self._rows.get(key)
        if found is None:
            return  # not cached: the store has it, and a read makes it with the change
        row = list(found)
        for name, value in changes.items():
            row[FIELD[name]] = value
        self._rows[key] = tuple(row)
