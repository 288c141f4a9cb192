"""The card: one side's public identity, handed to the other side out of band.

A card is UTF-8 text, one ``key value`` pair a line (one space after the key), after a header
line. Blank lines and lines starting with ``#`` are ignored; every key appears exactly once and
unknown keys are refused::

    hotline-card v1
    side alpha
    origin hotline.example/alpha
    log-vkey hotline.example/alpha+1c5b0a2e+AQ...
    witness-vkey hotline.example/alpha/witness+7e2d91b4+BA...
    url https://hotline-alpha.example:8400

``log-vkey`` is the signed-note verifier key of the side's feed (type 0x01, named by the origin);
``witness-vkey`` is its cosigning key (type 0x04, named ``<origin>/witness``). The fingerprint,
which both sides read to each other over a trusted line before pairing, is the first 80 bits of
SHA-256 over ``<log-vkey>\\n<witness-vkey>\\n``, in hex groups of four.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hotline_protocol.cosignature import CosignatureVerifier
from hotline_protocol.errors import NoteError
from hotline_protocol.note import Verifier, verifier_from_vkey

from ..keys import NodeKeys, witness_name
from ..settings import Settings
from .errors import CardError

CARD_NAME = "card.txt"  # a node directory's own card
HEADER = "hotline-card v1"
KEYS = ("side", "origin", "log-vkey", "witness-vkey", "url")
SIDE_RE = re.compile(r"^[a-z][a-z0-9-]{0,31}$")  # as Settings.side
ORIGIN_RE = re.compile(r"^[^\s+]{1,200}$")  # as Settings.origin
URL_RE = re.compile(r"^https?://[^\s/]+(/\S*)?$")
MAX_CARD_BYTES = 4096


@dataclass(frozen=True)
class Card:
    side: str
    origin: str
    log_vkey: str
    witness_vkey: str
    url: str

    def text(self) -> str:
        return (
            f"{HEADER}\nside {self.side}\norigin {self.origin}\nlog-vkey {self.log_vkey}\n"
            f"witness-vkey {self.witness_vkey}\nurl {self.url}\n"
        )

    def fingerprint(self) -> str:
        digest = hashlib.sha256(f"{self.log_vkey}\n{self.witness_vkey}\n".encode()).hexdigest()
        return "-".join(digest[i : i + 4] for i in range(0, 20, 4))

    def peer_config(self) -> dict[str, Any]:
        """The ``[peer]`` table of ``hotline.toml`` that pins this card."""
        return {
            "side": self.side,
            "origin": self.origin,
            "log_vkey": self.log_vkey,
            "witness_vkey": self.witness_vkey,
            "url": self.url,
        }


def own_card(settings: Settings, keys: NodeKeys) -> Card:
    url = settings.url or f"http://{settings.server.host}:{settings.server.port}"
    return Card(settings.side, settings.origin, keys.log.vkey, keys.witness.vkey, url)


def node_card(directory: Path) -> Card:
    """The card ``hotline init`` wrote in the node directory, parsed and checked."""
    return parse_card((directory / CARD_NAME).read_bytes())


def parse_card(data: bytes) -> Card:
    """Parse and check a card: format, names, both vkeys (type, key ID, names), URL."""
    if len(data) > MAX_CARD_BYTES:
        raise CardError(f"a card is at most {MAX_CARD_BYTES} bytes, this one has {len(data)}")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CardError("a card is UTF-8 text") from exc
    lines = [
        (n, line.strip())
        for n, line in enumerate(text.splitlines(), 1)
        if line.strip() and not line.lstrip().startswith("#")
    ]
    if not lines or lines[0][1] != HEADER:
        raise CardError(f"not a card: the first line must be {HEADER!r}")
    fields: dict[str, str] = {}
    for n, line in lines[1:]:
        key, _, value = line.partition(" ")
        value = value.strip()
        if key not in KEYS:
            raise CardError(f"line {n}: unknown key {key!r} (a v1 card has {', '.join(KEYS)})")
        if key in fields:
            raise CardError(f"line {n}: {key} appears twice")
        if not value:
            raise CardError(f"line {n}: {key} has no value")
        fields[key] = value
    missing = [k for k in KEYS if k not in fields]
    if missing:
        raise CardError(f"the card lacks {', '.join(missing)}")
    card = Card(
        fields["side"], fields["origin"], fields["log-vkey"], fields["witness-vkey"], fields["url"]
    )
    check_card(card)
    return card


def check_card(card: Card) -> None:
    if not SIDE_RE.match(card.side):
        raise CardError(f"side {card.side!r}: 1-32 of a-z 0-9 -, starting with a letter")
    if not ORIGIN_RE.match(card.origin):
        raise CardError(f"origin {card.origin!r}: 1-200 characters, no spaces and no '+'")
    if not URL_RE.match(card.url):
        raise CardError(f"url {card.url!r}: an http:// or https:// URL")
    log = _vkey("log-vkey", card.log_vkey)
    if isinstance(log, CosignatureVerifier):
        raise CardError("log-vkey is a witness (cosignature) key, not a log key")
    if log.name != card.origin:
        raise CardError(f"log-vkey is named {log.name!r} but the card's origin is {card.origin!r}")
    witness = _vkey("witness-vkey", card.witness_vkey)
    if not isinstance(witness, CosignatureVerifier):
        raise CardError("witness-vkey is not a witness (cosignature, type 0x04) key")
    if witness.name != witness_name(card.origin):
        raise CardError(
            f"witness-vkey is named {witness.name!r}, expected {witness_name(card.origin)!r}"
        )


def _vkey(label: str, text: str) -> Verifier:
    try:
        return verifier_from_vkey(text)
    except NoteError as exc:
        raise CardError(f"{label} is not a valid verifier key: {exc}") from exc
