"""Every event the node tells its subscribers, as typed values with one JSON encoding.

=============== ================================================================================
``appended``     an entry in either feed (live, and replayed from a cursor)
``acknowledged`` an ack entry refers to a notice (live and replayed)
``delivered``    the other side cosigned a checkpoint: entries below ``size`` are delivered
``overdue``      an acknowledgement deadline passed (live only)
``announced``    an overdue own FLASH was pushed to the peer again (live only)
``flash``        a FLASH entry of the peer arrived ahead of its backlog (live only)
``link``         the peer link came up, went down or its lag changed (live only)
``alarm``        refused input, a FLASH from the other side, ... (live only)
``conflict``     a conflict between the two sides' notices opened, changed, cleared or was
                 handled (live only)
=============== ================================================================================

The live hub (:mod:`.hub`) and the replay build the same classes, and :func:`encode_event` is
the only encoding, so a replayed event is byte for byte the live one. Each published event
carries a ``cursor``: the positions (feed sizes and delivered sizes per side) after it. A
subscriber that reconnects with a cursor gets everything after it replayed from the feeds, so a
slow consumer can be cut off without losing anything.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

from .jsontext import JsonText

Notice = JsonText | dict[str, Any]  # a notice as its canonical text, or parsed


@dataclass(frozen=True, slots=True)
class AppendedEvent:
    TYPE: ClassVar[str] = "appended"
    side: str
    origin: str
    index: int
    leaf_hash: str  # base64
    id: str
    kind: str
    precedence: str
    notice: Notice
    time: int  # the notice's claimed time (not encoded twice: it is inside the notice)

    def fields(self) -> dict[str, Any]:
        return {
            "side": self.side,
            "origin": self.origin,
            "index": self.index,
            "leaf_hash": self.leaf_hash,
            "id": self.id,
            "kind": self.kind,
            "precedence": self.precedence,
            "notice": self.notice,
        }


@dataclass(frozen=True, slots=True)
class AcknowledgedEvent:
    TYPE: ClassVar[str] = "acknowledged"
    side: str  # the acknowledged notice
    index: int
    response: str | None
    by: str  # side/author of the ack
    at: int
    ack_side: str
    ack_index: int

    def fields(self) -> dict[str, Any]:
        return {
            "side": self.side,
            "index": self.index,
            "response": self.response,
            "by": self.by,
            "at": self.at,
            "ack": {"side": self.ack_side, "index": self.ack_index},
        }


@dataclass(frozen=True, slots=True)
class DeliveredEvent:
    TYPE: ClassVar[str] = "delivered"
    side: str
    size: int
    by: str  # the witness key's name
    at: int

    def fields(self) -> dict[str, Any]:
        return {"side": self.side, "size": self.size, "by": self.by, "at": self.at}


@dataclass(frozen=True, slots=True)
class OverdueEvent:
    TYPE: ClassVar[str] = "overdue"
    side: str
    index: int
    kind: str
    precedence: str
    deadline: int | None
    at: int

    def fields(self) -> dict[str, Any]:
        return {
            "side": self.side,
            "index": self.index,
            "kind": self.kind,
            "precedence": self.precedence,
            "deadline": self.deadline,
            "at": self.at,
        }


@dataclass(frozen=True, slots=True)
class AnnouncedEvent:
    TYPE: ClassVar[str] = "announced"
    side: str
    index: int
    at: int

    def fields(self) -> dict[str, Any]:
        return {"side": self.side, "index": self.index, "at": self.at}


@dataclass(frozen=True, slots=True)
class FlashEvent:
    TYPE: ClassVar[str] = "flash"
    side: str
    index: int
    origin: str
    kind: str
    id: str
    notice: Notice

    def fields(self) -> dict[str, Any]:
        return {
            "side": self.side,
            "index": self.index,
            "early": True,
            "origin": self.origin,
            "kind": self.kind,
            "id": self.id,
            "notice": self.notice,
        }


@dataclass(frozen=True, slots=True)
class LinkState:
    """The peer link as ``GET /v1/link`` and the ``link`` event show it."""

    peer: str
    peer_origin: str
    connected: bool
    since: int | None
    down_since: int | None  # ms: when the link went down (or the node started), None while up
    dialed_by: str | None
    lag: dict[str, int] | None
    own_delivered_size: int
    peer_size_held: int
    peer_cosigned_size: int
    last_error: str | None
    connects: int
    refused: int
    # the size of the own feed the peer holds while this node holds less (restored from an
    # older backup): posts are refused until it is recovered from the peer; None otherwise
    own_behind: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


@dataclass(frozen=True, slots=True)
class LinkEvent:
    TYPE: ClassVar[str] = "link"
    change: str  # up, down or lag
    at: int
    state: LinkState

    def fields(self) -> dict[str, Any]:
        return {
            "change": self.change,
            "state": "up" if self.state.connected else "down",
            "at": self.at,
            **self.state.as_dict(),
        }


@dataclass(frozen=True, slots=True)
class ConflictEvent:
    """``change``: opened, changed, cleared or handled; ``conflict``: the conflict as
    ``GET /v1/conflicts`` shows it (its state after the change)."""

    TYPE: ClassVar[str] = "conflict"
    change: str
    conflict: dict[str, Any]

    def fields(self) -> dict[str, Any]:
        return {"change": self.change, "conflict": self.conflict}


_ALARM_FIELDS = ("side", "index", "kind", "early", "code", "detail", "evidence", "repeated")


@dataclass(frozen=True, slots=True)
class AlarmEvent:
    """``reason``: ``flash`` and ``flash_repeated`` (side, index, kind, early), ``refused``
    (code, detail, evidence, repeated), ``refused_by_peer`` (code, detail), ``feed_behind``
    (detail: the peer holds more of the own feed than this node, which recovers it)."""

    TYPE: ClassVar[str] = "alarm"
    reason: str
    at: int
    side: str | None = None
    index: int | None = None
    kind: str | None = None
    early: bool | None = None
    code: str | None = None
    detail: str | None = None
    evidence: int | None = None
    repeated: bool | None = None

    def fields(self) -> dict[str, Any]:
        out: dict[str, Any] = {"reason": self.reason, "at": self.at}
        for name in _ALARM_FIELDS:
            value = getattr(self, name)
            if value is not None:
                out[name] = value
        return out


Event = (
    AppendedEvent
    | AcknowledgedEvent
    | DeliveredEvent
    | OverdueEvent
    | AnnouncedEvent
    | FlashEvent
    | LinkEvent
    | AlarmEvent
    | ConflictEvent
)
Publish = Callable[[Event], None]


def encode_event(event: Event, cursor: str | None = None) -> dict[str, Any]:
    """The one JSON form of an event (``notice`` values stay JsonText: see :mod:`.jsontext`)."""
    out: dict[str, Any] = {"type": event.TYPE, **event.fields()}
    if cursor is not None:
        out["cursor"] = cursor
    return out
