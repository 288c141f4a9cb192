"""``hotline pair``: pins a checked card as [peer]; anything wrong changes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from hotline.settings import load_settings
from tests.helpers.node_process import run_cli

from .conftest import NodeDir


@pytest.fixture
def bravo(tmp_path: Path) -> Path:
    d = tmp_path / "bravo"
    r = run_cli("init", d, "--side", "bravo", "--origin", "hotline.example/bravo", "--port", "9402")
    assert r.code == 0, r.err
    return d


def card_lines(directory: Path) -> list[str]:
    return (directory / "card.txt").read_text().splitlines()


def write_card(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n")
    return path


def test_pair_pins_the_card_as_peer(node_dir: NodeDir, bravo: Path) -> None:
    r = run_cli("pair", node_dir.path, bravo / "card.txt")
    assert (r.code, r.err) == (0, "")
    peer = load_settings(node_dir.path).peer
    assert peer is not None
    own = load_settings(bravo)
    card = dict(line.split(" ", 1) for line in card_lines(bravo)[1:])
    assert (peer.side, peer.origin, peer.url) == ("bravo", own.origin, "http://127.0.0.1:9402")
    assert (peer.log_vkey, peer.witness_vkey) == (card["log-vkey"], card["witness-vkey"])
    assert peer.deadlines is not None  # pinned with the keys
    assert (peer.deadlines.FLASH, peer.deadlines.ROUTINE) == (300, 21600)
    assert "fingerprint" in r.out


def test_pair_pins_the_deadlines_the_card_states_or_none(
    node_dir: NodeDir, bravo: Path, tmp_path: Path
) -> None:
    lines = [line for line in card_lines(bravo) if not line.startswith("deadlines ")]
    card = write_card(
        tmp_path / "card.txt",
        [*lines, "deadlines FLASH=120 IMMEDIATE=900.5 PRIORITY=3600 ROUTINE=7200"],
    )
    assert run_cli("pair", node_dir.path, card).code == 0
    peer = load_settings(node_dir.path).peer
    assert peer is not None and peer.deadlines is not None
    assert (peer.deadlines.FLASH, peer.deadlines.IMMEDIATE) == (120, 900.5)

    bare = write_card(tmp_path / "bare.txt", lines)
    r = run_cli("pair", node_dir.path, bare, "--replace")
    assert r.code == 0, r.err
    peer = load_settings(node_dir.path).peer
    assert peer is not None and peer.deadlines is None  # the old card's deadlines are gone


def test_pair_again_with_the_same_card_changes_nothing(node_dir: NodeDir, bravo: Path) -> None:
    assert run_cli("pair", node_dir.path, bravo / "card.txt").code == 0
    before = (node_dir.path / "hotline.toml").read_bytes()
    r = run_cli("pair", node_dir.path, bravo / "card.txt")
    assert r.code == 0
    assert "already paired" in r.out
    assert (node_dir.path / "hotline.toml").read_bytes() == before


def test_pair_with_another_card_needs_replace(
    node_dir: NodeDir, bravo: Path, tmp_path: Path
) -> None:
    assert run_cli("pair", node_dir.path, bravo / "card.txt").code == 0
    other = tmp_path / "charlie"
    assert run_cli("init", other, "--side", "charlie", "--origin", "hotline.example/c").code == 0
    before = (node_dir.path / "hotline.toml").read_bytes()

    r = run_cli("pair", node_dir.path, other / "card.txt")
    assert r.code == 2
    assert "already paired with 'bravo'" in r.err and "--replace" in r.err
    assert (node_dir.path / "hotline.toml").read_bytes() == before

    r = run_cli("pair", node_dir.path, other / "card.txt", "--replace")
    assert r.code == 0, r.err
    peer = load_settings(node_dir.path).peer
    assert peer is not None and peer.origin == "hotline.example/c"


def bad_vkey(lines: list[str]) -> list[str]:
    return [line[:-6] + "AAAAAA" if line.startswith("log-vkey ") else line for line in lines]


def other_origin(lines: list[str]) -> list[str]:
    return [
        "origin hotline.example/elsewhere" if line.startswith("origin ") else line for line in lines
    ]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (bad_vkey, "log-vkey is not a valid verifier key"),
        (other_origin, "log-vkey is named 'hotline.example/bravo' but the card's origin is"),
    ],
    ids=["bad-vkey", "mismatched-origin"],
)
def test_pair_refuses_a_bad_card_and_leaves_the_config_unchanged(
    node_dir: NodeDir, bravo: Path, tmp_path: Path, change: object, message: str
) -> None:
    assert callable(change)
    card = write_card(tmp_path / "card.txt", change(card_lines(bravo)))
    before = (node_dir.path / "hotline.toml").read_bytes()
    r = run_cli("pair", node_dir.path, card)
    assert r.code == 2
    assert r.err.startswith(f"hotline: error: bad card {card}: ")
    assert message in r.err
    assert r.err.count("\n") == 1
    assert (node_dir.path / "hotline.toml").read_bytes() == before


def test_pair_refuses_the_own_card(node_dir: NodeDir) -> None:
    before = (node_dir.path / "hotline.toml").read_bytes()
    r = run_cli("pair", node_dir.path, node_dir.path / "card.txt")
    assert r.code == 2
    assert "this node's own card" in r.err
    assert (node_dir.path / "hotline.toml").read_bytes() == before


def test_pair_refuses_a_card_with_the_own_side_name(node_dir: NodeDir, tmp_path: Path) -> None:
    other = tmp_path / "other"
    assert run_cli("init", other, "--side", "alpha", "--origin", "hotline.example/x").code == 0
    before = (node_dir.path / "hotline.toml").read_bytes()
    r = run_cli("pair", node_dir.path, other / "card.txt")
    assert r.code == 2
    assert "own side name" in r.err
    assert (node_dir.path / "hotline.toml").read_bytes() == before


def test_pair_refuses_a_missing_card_file(node_dir: NodeDir, tmp_path: Path) -> None:
    r = run_cli("pair", node_dir.path, tmp_path / "nope.txt")
    assert r.code == 2
    assert "cannot read the card" in r.err
