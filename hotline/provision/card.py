"""A node's card: made from its keys and settings, read from its directory, pinned as [peer].

The card format, its checks and its fingerprint are the protocol library's
(:mod:`hotline_protocol.card`), so that an auditor needs nothing else to pin both sides' cards.
This module adds what needs the node: the own card from the keys and settings (its
acknowledgement deadlines included), the card ``hotline init`` wrote in a node directory, and
the ``[peer]`` table that pins another side's card. Card errors are raised as this package's
:class:`~.errors.CardError`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hotline_protocol.card import (
    HEADER,
    MAX_CARD_BYTES,
    PRECEDENCES,
    Card,
    Deadlines,
)
from hotline_protocol.card import parse_card as parse_protocol_card
from hotline_protocol.errors import CardError as ProtocolCardError

from ..keys import NodeKeys
from ..settings import Deadlines as DeadlineSettings
from ..settings import Settings
from .errors import CardError

CARD_NAME = "card.txt"  # a node directory's own card
PEER_KEYS = ("side", "origin", "log_vkey", "witness_vkey", "url", "deadlines")  # from the card


def own_card(settings: Settings, keys: NodeKeys) -> Card:
    """This node's card: its side, origin, both vkeys, URL and acknowledgement deadlines."""
    url = settings.url or f"http://{settings.server.host}:{settings.server.port}"
    return Card(
        settings.side,
        settings.origin,
        keys.log.vkey,
        keys.witness.vkey,
        url,
        card_deadlines(settings.deadlines),
    )


def card_deadlines(deadlines: DeadlineSettings) -> Deadlines:
    """The settings' deadlines as a card states them (whole milliseconds, at least 1 ms)."""
    return Deadlines.from_seconds({p: max(getattr(deadlines, p), 0.001) for p in PRECEDENCES})


def node_card(directory: Path) -> Card:
    """The card ``hotline init`` wrote in the node directory, parsed and checked."""
    return parse_card((directory / CARD_NAME).read_bytes())


def parse_card(data: bytes) -> Card:
    """Parse and check a card (:func:`hotline_protocol.card.parse_card`); CardError if bad."""
    try:
        return parse_protocol_card(data)
    except ProtocolCardError as exc:
        raise CardError(exc.message) from exc


def peer_config(card: Card) -> dict[str, Any]:
    """The ``[peer]`` table of ``hotline.toml`` that pins this card (deadlines when it has
    them)."""
    table: dict[str, Any] = {
        "side": card.side,
        "origin": card.origin,
        "log_vkey": card.log_vkey,
        "witness_vkey": card.witness_vkey,
        "url": card.url,
    }
    if card.deadlines is not None:
        table["deadlines"] = card.deadlines.seconds()
    return table


__all__ = [
    "CARD_NAME",
    "HEADER",
    "MAX_CARD_BYTES",
    "PEER_KEYS",
    "Card",
    "card_deadlines",
    "node_card",
    "own_card",
    "parse_card",
    "peer_config",
]
