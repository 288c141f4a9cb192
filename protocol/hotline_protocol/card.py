"""The card: one side's public identity and acknowledgement deadlines, handed over out of band.

A card is UTF-8 text, at most 4096 bytes: a header line, then one ``key value`` pair a line (one
space after the key). Blank lines and lines starting with ``#`` are ignored; each key appears at
most once and unknown keys are refused::

    hotline-card v1
    side alpha
    origin hotline.example/alpha
    log-vkey hotline.example/alpha+1c5b0a2e+AQ...
    witness-vkey hotline.example/alpha/witness+7e2d91b4+BA...
    url https://hotline-alpha.example:8400
    deadlines FLASH=300 IMMEDIATE=1800 PRIORITY=10800 ROUTINE=21600

``log-vkey`` is the signed-note verifier key of the side's feed (type 0x01, named by the origin);
``witness-vkey`` is its cosigning key (type 0x04, named ``<origin>/witness``). ``deadlines`` is
optional: how long, in seconds, the side gives the other side to acknowledge a notice of each
precedence (:data:`DEFAULT_DEADLINES` when absent). The fingerprint, which both sides read to
each other over a trusted line before pairing, is the first 80 bits of SHA-256 over
``<log-vkey>\\n<witness-vkey>\\n``, in hex groups of four.

Both nodes pin the other side's card; an auditor pins both (``python -m hotline_protocol.audit
verify EXPORT --card CARD --card CARD``), so that the keys and deadlines an export carries are
checked against what the sides exchanged, not taken on the exporter's word.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from .cosignature import CosignatureVerifier
from .errors import CardError, NoteError
from .note import Verifier, verifier_from_vkey

HEADER = "hotline-card v1"
REQUIRED = ("side", "origin", "log-vkey", "witness-vkey", "url")
OPTIONAL = ("deadlines",)
KEYS = REQUIRED + OPTIONAL
SIDE_RE = re.compile(r"^[a-z][a-z0-9-]{0,31}$")
ORIGIN_RE = re.compile(r"^[^\s+]{1,200}$")
URL_RE = re.compile(r"^https?://[^\s/]+(/\S*)?$")
MAX_CARD_BYTES = 4096

PRECEDENCES = ("FLASH", "IMMEDIATE", "PRIORITY", "ROUTINE")
SECONDS_RE = re.compile(r"^[0-9]{1,9}(\.[0-9]{1,3})?$")  # whole milliseconds at most
MAX_DEADLINE_MS = 366 * 86_400_000  # a year


def witness_name(origin: str) -> str:
    """The witness key's name for a side whose feed has ``origin``."""
    return f"{origin}/witness"


@dataclass(frozen=True, slots=True)
class Deadlines:
    """Acknowledgement deadlines by precedence, in milliseconds."""

    flash: int = 300_000
    immediate: int = 1_800_000
    priority: int = 10_800_000
    routine: int = 21_600_000

    def of(self, precedence: str) -> int:
        """The deadline for ``precedence`` (FLASH, IMMEDIATE, PRIORITY or ROUTINE), in ms."""
        value: int = getattr(self, precedence.lower())
        return value

    def seconds(self) -> dict[str, int | float]:
        """``{"FLASH": 300, ...}``: seconds, whole where they are whole (the export's form)."""
        return {p: _seconds(self.of(p)) for p in PRECEDENCES}

    def text(self) -> str:
        """The card's value: ``FLASH=300 IMMEDIATE=1800 PRIORITY=10800 ROUTINE=21600``."""
        return " ".join(f"{p}={_seconds(self.of(p))}" for p in PRECEDENCES)

    @classmethod
    def from_seconds(cls, values: Mapping[str, float]) -> Deadlines:
        """From seconds by precedence (each of the four, more than 0, up to a year), rounded to
        whole milliseconds. ValueError names what is wrong."""
        missing = [p for p in PRECEDENCES if p not in values]
        extra = sorted(set(values) - set(PRECEDENCES))
        if missing or extra:
            raise ValueError(
                f"deadlines name each of {', '.join(PRECEDENCES)} once"
                + (f"; missing {', '.join(missing)}" if missing else "")
                + (f"; unknown {', '.join(extra)}" if extra else "")
            )
        ms = {}
        for p in PRECEDENCES:
            value = values[p]
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ValueError(f"deadline {p}: expected a number of seconds")
            ms[p] = round(value * 1000)
            if not 0 < ms[p] <= MAX_DEADLINE_MS:
                raise ValueError(f"deadline {p}: {value} s is not in (0, 1 year]")
        return cls(ms["FLASH"], ms["IMMEDIATE"], ms["PRIORITY"], ms["ROUTINE"])


DEFAULT_DEADLINES = Deadlines()
"""What a card without ``deadlines`` means: FLASH 5 min, IMMEDIATE 30 min, PRIORITY 3 h,
ROUTINE 6 h (the nodes' defaults)."""


def parse_deadlines(text: str) -> Deadlines:
    """The value of a card's ``deadlines`` line: ``PRECEDENCE=SECONDS`` for each of the four
    precedences, separated by spaces; seconds are decimal with at most three decimals."""
    values: dict[str, float] = {}
    for item in text.split():
        name, eq, number = item.partition("=")
        if not eq or name not in PRECEDENCES:
            raise CardError(f"deadlines: {item!r} is not PRECEDENCE=SECONDS")
        if name in values:
            raise CardError(f"deadlines: {name} appears twice")
        if not SECONDS_RE.match(number):
            raise CardError(f"deadlines: {name}={number}: seconds, at most three decimals")
        values[name] = float(Decimal(number))
    try:
        return Deadlines.from_seconds(values)
    except ValueError as exc:
        raise CardError(str(exc)) from exc


@dataclass(frozen=True)
class Card:
    side: str
    origin: str
    log_vkey: str
    witness_vkey: str
    url: str
    deadlines: Deadlines | None = None  # None: the card states none (DEFAULT_DEADLINES apply)

    def text(self) -> str:
        text = (
            f"{HEADER}\nside {self.side}\norigin {self.origin}\nlog-vkey {self.log_vkey}\n"
            f"witness-vkey {self.witness_vkey}\nurl {self.url}\n"
        )
        if self.deadlines is not None:
            text += f"deadlines {self.deadlines.text()}\n"
        return text

    def fingerprint(self) -> str:
        return fingerprint(self.log_vkey, self.witness_vkey)

    @property
    def ack_deadlines(self) -> Deadlines:
        """The deadlines the card states, or the defaults."""
        return self.deadlines if self.deadlines is not None else DEFAULT_DEADLINES


def fingerprint(log_vkey: str, witness_vkey: str) -> str:
    """Five groups of four hex digits: the first 80 bits of SHA-256 over both vkeys."""
    digest = hashlib.sha256(f"{log_vkey}\n{witness_vkey}\n".encode()).hexdigest()
    return "-".join(digest[i : i + 4] for i in range(0, 20, 4))


def parse_card(data: bytes) -> Card:
    """Parse and check a card: format, names, both vkeys (type, key ID, names), URL, deadlines.
    CardError says what is wrong."""
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
            raise CardError(
                f"line {n}: unknown key {key!r} (a v1 card has {', '.join(REQUIRED)} "
                f"and optionally {', '.join(OPTIONAL)})"
            )
        if key in fields:
            raise CardError(f"line {n}: {key} appears twice")
        if not value:
            raise CardError(f"line {n}: {key} has no value")
        fields[key] = value
    missing = [k for k in REQUIRED if k not in fields]
    if missing:
        raise CardError(f"the card lacks {', '.join(missing)}")
    deadlines = parse_deadlines(fields["deadlines"]) if "deadlines" in fields else None
    card = Card(
        fields["side"],
        fields["origin"],
        fields["log-vkey"],
        fields["witness-vkey"],
        fields["url"],
        deadlines,
    )
    check_card(card)
    return card


def check_card(card: Card) -> None:
    """Check a card's values: names, URL, both vkeys and their names. CardError if wrong."""
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


def _seconds(ms: int) -> int | float:
    return ms // 1000 if ms % 1000 == 0 else ms / 1000


__all__ = [
    "DEFAULT_DEADLINES",
    "HEADER",
    "MAX_CARD_BYTES",
    "PRECEDENCES",
    "Card",
    "Deadlines",
    "check_card",
    "fingerprint",
    "parse_card",
    "parse_deadlines",
    "witness_name",
]
