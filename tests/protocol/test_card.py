"""The card in the protocol library: an auditor parses and checks it without the node, and its
optional acknowledgement deadlines."""

from __future__ import annotations

import subprocess
import sys

import pytest

from hotline_protocol.card import (
    DEFAULT_DEADLINES,
    Card,
    Deadlines,
    fingerprint,
    parse_card,
    parse_deadlines,
    witness_name,
)
from hotline_protocol.cosignature import CosignatureSigner
from hotline_protocol.errors import CardError, ProtocolError
from hotline_protocol.note import Signer

ORIGIN = "hotline.example/bravo"


def make_card(deadlines: Deadlines | None = None) -> Card:
    return Card(
        "bravo",
        ORIGIN,
        Signer.generate(ORIGIN).vkey,
        CosignatureSigner.generate(witness_name(ORIGIN)).vkey,
        "https://bravo.example:8400",
        deadlines,
    )


def test_a_card_without_deadlines_round_trips_and_means_the_defaults() -> None:
    card = make_card()
    assert "deadlines" not in card.text()
    parsed = parse_card(card.text().encode())
    assert parsed == card
    assert parsed.deadlines is None
    assert parsed.ack_deadlines == DEFAULT_DEADLINES
    assert DEFAULT_DEADLINES.seconds() == {
        "FLASH": 300,
        "IMMEDIATE": 1800,
        "PRIORITY": 10800,
        "ROUTINE": 21600,
    }


def test_a_card_with_deadlines_round_trips() -> None:
    card = make_card(
        Deadlines.from_seconds(
            {"FLASH": 120, "IMMEDIATE": 0.5, "PRIORITY": 3600, "ROUTINE": 7200.25}
        )
    )
    text = card.text()
    assert text.endswith("\ndeadlines FLASH=120 IMMEDIATE=0.5 PRIORITY=3600 ROUTINE=7200.25\n")
    parsed = parse_card(text.encode())
    assert parsed == card
    assert parsed.ack_deadlines.of("IMMEDIATE") == 500
    assert parsed.ack_deadlines.of("ROUTINE") == 7_200_250


def test_the_fingerprint_is_over_the_keys_only() -> None:
    card = make_card()
    other = make_card(DEFAULT_DEADLINES)
    assert card.fingerprint() == fingerprint(card.log_vkey, card.witness_vkey)
    assert len(card.fingerprint()) == 24
    same_keys = Card(
        card.side, card.origin, card.log_vkey, card.witness_vkey, card.url, DEFAULT_DEADLINES
    )
    assert same_keys.fingerprint() == card.fingerprint() != other.fingerprint()


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("FLASH=300 IMMEDIATE=1800 PRIORITY=10800", "missing ROUTINE"),
        ("FLASH=300 FLASH=300 PRIORITY=1 ROUTINE=1", "FLASH appears twice"),
        ("FLASH=300 IMMEDIATE=1800 PRIORITY=10800 ROUTINE=21600 URGENT=1", "'URGENT=1'"),
        ("FLASH=5m IMMEDIATE=1800 PRIORITY=10800 ROUTINE=21600", "FLASH=5m: seconds"),
        ("FLASH=0.0001 IMMEDIATE=1 PRIORITY=1 ROUTINE=1", "at most three decimals"),
        ("FLASH=0 IMMEDIATE=1800 PRIORITY=10800 ROUTINE=21600", "not in (0, 1 year]"),
        ("FLASH=-1 IMMEDIATE=1800 PRIORITY=10800 ROUTINE=21600", "FLASH=-1: seconds"),
        ("flash=300", "'flash=300' is not PRECEDENCE=SECONDS"),
    ],
)
def test_bad_deadlines_are_refused(value: str, message: str) -> None:
    with pytest.raises(CardError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_deadlines(value)
    card_text = make_card().text() + f"deadlines {value}\n"
    with pytest.raises(CardError):
        parse_card(card_text.encode())


def test_a_card_error_is_a_protocol_error_with_a_stable_code() -> None:
    with pytest.raises(ProtocolError) as info:
        parse_card(b"hotline-card v1\nside bravo\n")
    assert isinstance(info.value, CardError)
    assert info.value.code == "invalid_card"
    assert "lacks origin, log-vkey, witness-vkey, url" in str(info.value)


def test_unknown_keys_name_the_optional_ones_too() -> None:
    with pytest.raises(CardError, match="and optionally deadlines"):
        parse_card(make_card().text().encode() + b"colour red\n")


def test_the_card_module_loads_nothing_of_the_node() -> None:
    code = (
        "import sys, hotline_protocol.card\n"
        "print(','.join(m for m in sys.modules if m.split('.')[0] == 'hotline'))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
