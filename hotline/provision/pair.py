"""Pairing: pin the other side's card as ``[peer]`` in the node's ``hotline.toml``.

Every change to the file is made in one rename (:func:`write_config_atomic`), so a crash leaves
the old configuration or the new one, never half of it.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

from ..settings import CONFIG_NAME, load_settings, read_config, write_config
from .card import PEER_KEYS, Card, peer_config
from .errors import PairingError


def pin_card(directory: Path, card: Card, *, replace: bool = False) -> str | bool | None:
    """Pin ``card`` as the node's [peer]. Returns False if it was pinned already (nothing
    written), the replaced peer's side name, or None for a first pairing. PairingError, and
    nothing written, when the card is this node's own or another card is pinned (without
    ``replace``)."""
    settings = load_settings(directory)
    if card.origin == settings.origin:
        raise PairingError(
            f"this is this node's own card (origin {card.origin!r}): pair with the "
            "other side's card"
        )
    if card.side == settings.side:
        raise PairingError(
            f"the card's side {card.side!r} is this node's own side name; the two "
            "sides need different names"
        )
    config = read_config(directory)
    pinned = config.get("peer")
    wanted = peer_config(card)
    if isinstance(pinned, dict) and {k: pinned.get(k) for k in PEER_KEYS} == {
        k: wanted.get(k) for k in PEER_KEYS
    }:
        return False
    if isinstance(pinned, dict) and not replace:
        raise PairingError(
            f"already paired with {pinned.get('side')!r} ({pinned.get('origin')!r}); "
            "pass --replace to pin this card instead"
        )
    kept = (
        {k: v for k, v in pinned.items() if k not in PEER_KEYS} if isinstance(pinned, dict) else {}
    )
    config["peer"] = {**kept, **wanted}  # dial, tls_ca, compress stay; the card's keys are new
    write_config_atomic(directory, config)
    return str(pinned.get("side")) if isinstance(pinned, dict) else None


def set_dial(directory: Path, dial: bool) -> None:
    """Whether the node dials its pinned peer's URL (``[peer] dial``); the other side may only
    listen. PairingError when no peer is pinned."""
    config = read_config(directory)
    peer = config.get("peer")
    if not isinstance(peer, dict):
        raise PairingError(f"{directory} is not paired: pin the other side's card first")
    peer["dial"] = dial
    write_config_atomic(directory, config)


def write_config_atomic(directory: Path, data: dict[str, Any]) -> None:
    """Replace ``DIR/hotline.toml`` in one rename, so a crash leaves the old or the new file."""
    tmp = Path(tempfile.mkdtemp(prefix=".hotline-", dir=directory))
    try:
        write_config(tmp, data)
        os.replace(tmp / CONFIG_NAME, directory / CONFIG_NAME)
    finally:
        for leftover in tmp.iterdir():
            leftover.unlink()
        tmp.rmdir()
