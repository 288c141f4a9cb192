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
from .tls import PEER_CA_NAME, TLS_DIR


def pin_card(
    directory: Path, card: Card, *, replace: bool = False, peer_ca: bytes | None = None
) -> str | bool | None:
    """Pin ``card`` as the node's [peer], and ``peer_ca`` (PEM certificates, when given) as the
    only CA the node trusts for the peer's TLS certificate: written to ``DIR/tls/peer-ca.pem``
    and named by ``[peer] tls_ca``. Returns False if both were pinned already (nothing
    written), the replaced peer's side name, or None for a first pairing (or a new CA for the
    same card). PairingError, and nothing written, when the card is this node's own or another
    card is pinned (without ``replace``)."""
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
    ca_path = directory / TLS_DIR / PEER_CA_NAME
    if peer_ca is not None:
        wanted["tls_ca"] = f"{TLS_DIR}/{PEER_CA_NAME}"
    same_card = isinstance(pinned, dict) and {k: pinned.get(k) for k in PEER_KEYS} == {
        k: wanted.get(k) for k in PEER_KEYS
    }
    same_ca = peer_ca is None or (
        isinstance(pinned, dict)
        and pinned.get("tls_ca") == wanted["tls_ca"]
        and ca_path.is_file()
        and ca_path.read_bytes() == peer_ca
    )
    if same_card and same_ca:
        return False
    if isinstance(pinned, dict) and not same_card and not replace:
        raise PairingError(
            f"already paired with {pinned.get('side')!r} ({pinned.get('origin')!r}); "
            "pass --replace to pin this card instead"
        )
    kept = (
        {k: v for k, v in pinned.items() if k not in PEER_KEYS} if isinstance(pinned, dict) else {}
    )
    config["peer"] = {**kept, **wanted}  # dial, tls_ca, compress stay; the card's keys are new
    if peer_ca is not None:
        _write_atomic(ca_path, peer_ca)
    write_config_atomic(directory, config)
    if same_card or not isinstance(pinned, dict):
        return None
    return str(pinned.get("side"))


def set_dial(directory: Path, dial: bool) -> None:
    """Whether the node dials its pinned peer's URL (``[peer] dial``); the other side may only
    listen. PairingError when no peer is pinned."""
    config = read_config(directory)
    peer = config.get("peer")
    if not isinstance(peer, dict):
        raise PairingError(f"{directory} is not paired: pin the other side's card first")
    peer["dial"] = dial
    write_config_atomic(directory, config)


def _write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(mode=0o700, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


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
