"""Pinned keys: the keys an export carries must be those of the sides' cards.

An export carries each side's log and witness vkeys, but whoever made it chose them: a side can
re-sign the other side's feed under fresh keys and cosign its own feed with a fresh "witness",
and the export is consistent. Only keys the auditor obtained from the sides themselves (their
cards, whose fingerprints the sides compared when they paired) make the export's signatures
evidence. The ``keys`` check of a side compares them; without a card for the side it WARNs,
and the verdict can be no better than UNPINNED.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..card import Card, fingerprint
from ..export import SideData
from .report import PIN_HINT, Check


def card_for(side: SideData, cards: Sequence[Card]) -> Card | None:
    """The card of the side's name or origin, if the auditor gave one."""
    return next((c for c in cards if c.side == side.name or c.origin == side.origin), None)


def check_keys(side: SideData, card: Card | None, position: int) -> Check:
    """The side's log and witness vkeys (and name and origin) against its card."""
    where = f"sides[{position}]"
    if card is None:
        return Check(
            "keys",
            side.name,
            "WARN",
            f"not pinned: no card for {side.name} was given, so the keys the export carries "
            f"(fingerprint {fingerprint(side.log_vkey, side.witness_vkey)}) were taken as they "
            "are",
            [PIN_HINT],
        )
    problems = []
    if card.side != side.name:
        problems.append(f"{where}.name is {side.name!r}; the card of its origin says {card.side!r}")
    if card.origin != side.origin:
        problems.append(
            f"{where}.origin is {side.origin!r}; {card.side}'s card says {card.origin!r}"
        )
    for label, found, pinned in (
        ("log_vkey", side.log_vkey, card.log_vkey),
        ("witness_vkey", side.witness_vkey, card.witness_vkey),
    ):
        if found != pinned:
            role = "log key" if label == "log_vkey" else "witness key"
            problems.append(
                f"{where}.{label}: the export's {side.name} {role} is {found}, but "
                f"{card.side}'s card pins {pinned}"
            )
    notes = _deadline_notes(side, card)
    if problems:
        return Check(
            "keys",
            side.name,
            "FAIL",
            f"the keys of {side.name} differ from its card (fingerprint {card.fingerprint()}): "
            "nothing this export shows as signed by them is evidence of what the side signed",
            [*problems, *notes],
        )
    return Check(
        "keys",
        side.name,
        "PASS",
        f"log key and witness key are those of {side.name}'s card "
        f"(fingerprint {card.fingerprint()})",
        notes,
    )


def check_cards(cards: Sequence[Card], sides: set[str]) -> Check:
    """No side has two cards; a card that matches no exported side is noted (unused)."""
    problems, notes = [], []
    seen: set[str] = set()
    for card in cards:
        if card.side in seen:
            problems.append(f"two cards for {card.side}: which one is pinned is ambiguous")
        seen.add(card.side)
        deadlines = card.deadlines.text() if card.deadlines is not None else "not stated"
        notes.append(
            f"{card.side}: origin {card.origin}, fingerprint {card.fingerprint()}, deadlines "
            f"{deadlines}" + ("" if card.side in sides else " — matches no exported side, unused")
        )
    if problems:
        return Check("cards", None, "FAIL", f"{len(problems)} problem(s) with the cards", problems)
    return Check("cards", None, "PASS", f"{len(cards)} card(s) pinned", notes)


def _deadline_notes(side: SideData, card: Card) -> list[str]:
    if side.deadlines is None or side.deadlines == card.ack_deadlines:
        return []
    return [
        f"the export states {side.name}'s deadlines as {side.deadlines.text()}, the card "
        f"{card.ack_deadlines.text()}: the report uses the card's"
    ]
