"""The card format: what parses, what is refused and why."""

from __future__ import annotations

from pathlib import Path

import pytest

from hotline.keys import generate_keys, witness_name
from hotline.provision.card import Card, own_card, parse_card
from hotline.provision.errors import CardError
from hotline.settings import Deadlines, Settings
from hotline_protocol import card as protocol_card
from hotline_protocol.cosignature import CosignatureSigner
from hotline_protocol.note import Signer

ORIGIN = "hotline.example/bravo"


def make_card(origin: str = ORIGIN, side: str = "bravo") -> Card:
    return Card(
        side,
        origin,
        Signer.generate(origin).vkey,
        CosignatureSigner.generate(witness_name(origin)).vkey,
        "http://127.0.0.1:8401",
    )


def test_card_text_round_trips() -> None:
    card = make_card()
    assert parse_card(card.text().encode()) == card


def test_card_ignores_comments_and_blank_lines() -> None:
    card = make_card()
    text = "# from bravo, 2026-01-01\n\n" + card.text().replace("\nside", "\n\n# who\nside")
    assert parse_card(text.encode()) == card


def test_card_fingerprint_depends_on_the_keys_only() -> None:
    card = make_card()
    moved = Card(card.side, card.origin, card.log_vkey, card.witness_vkey, "https://b.example")
    assert card.fingerprint() == moved.fingerprint()
    assert card.fingerprint() != make_card().fingerprint()
    assert len(card.fingerprint()) == 24


def replace_line(card: Card, key: str, value: str) -> bytes:
    lines = [
        f"{key} {value}" if line.startswith(f"{key} ") else line
        for line in card.text().splitlines()
    ]
    return ("\n".join(lines) + "\n").encode()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "first line must be 'hotline-card v1'"),
        (b"hotline-card v2\n", "first line must be 'hotline-card v1'"),
        (b"hotline-card v1\nside bravo\n", "lacks origin, log-vkey, witness-vkey, url"),
        (b"hotline-card v1\ncolour red\n", "unknown key 'colour'"),
        (b"hotline-card v1\nside bravo\nside charlie\n", "side appears twice"),
        (b"\xff\xfe", "UTF-8"),
        (b"x" * 5000, "at most 4096 bytes"),
    ],
)
def test_card_format_errors(data: bytes, message: str) -> None:
    with pytest.raises(CardError, match=message):
        parse_card(data)


def test_card_refuses_a_bad_vkey() -> None:
    card = make_card()
    with pytest.raises(CardError, match="log-vkey is not a valid verifier key"):
        parse_card(replace_line(card, "log-vkey", card.log_vkey[:-4] + "AAAA"))


def test_card_refuses_a_log_key_named_otherwise_than_the_origin() -> None:
    card = make_card()
    with pytest.raises(CardError, match=r"log-vkey is named 'hotline\.example/bravo' but the card"):
        parse_card(replace_line(card, "origin", "hotline.example/charlie"))


def test_card_refuses_keys_in_each_others_place() -> None:
    card = make_card()
    swapped = Card(card.side, card.origin, card.witness_vkey, card.log_vkey, card.url)
    with pytest.raises(CardError, match="log-vkey is a witness"):
        parse_card(swapped.text().encode())


def test_card_refuses_a_witness_key_of_another_origin() -> None:
    card = make_card()
    other = CosignatureSigner.generate(witness_name("hotline.example/charlie")).vkey
    with pytest.raises(CardError, match="witness-vkey is named"):
        parse_card(replace_line(card, "witness-vkey", other))


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("side", "Bravo", "side 'Bravo'"),
        ("url", "ftp://b.example", "url 'ftp://b.example'"),
    ],
)
def test_card_refuses_bad_values(key: str, value: str, message: str) -> None:
    with pytest.raises(CardError, match=message):
        parse_card(replace_line(make_card(), key, value))


def test_the_own_card_states_the_nodes_deadlines(tmp_path: Path) -> None:
    settings = Settings(
        dir=tmp_path,
        side="alpha",
        origin="hotline.example/alpha",
        deadlines=Deadlines(FLASH=120, IMMEDIATE=0.3),
    )
    card = own_card(settings, generate_keys(settings))

    assert card.deadlines is not None
    assert card.deadlines.seconds() == {
        "FLASH": 120,
        "IMMEDIATE": 0.3,
        "PRIORITY": 10800,
        "ROUTINE": 21600,
    }
    assert card.text().endswith("deadlines FLASH=120 IMMEDIATE=0.3 PRIORITY=10800 ROUTINE=21600\n")
    assert parse_card(card.text().encode()) == card


def test_the_node_reads_cards_with_the_protocol_librarys_parser() -> None:
    card = make_card()
    assert protocol_card.parse_card(card.text().encode()) == parse_card(card.text().encode())
    with pytest.raises(CardError, match="first line must be") as info:
        parse_card(b"not a card\n")
    assert str(info.value) == "not a card: the first line must be 'hotline-card v1'"
