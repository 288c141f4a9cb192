"""The node's private keys: the log key (signs the own feed's checkpoints) and the witness key
(cosigns the peer's checkpoints). Stored as signed-note private key text (``PRIVATE+KEY+…``) in
files readable by the owner only; a node refuses key files that others can read.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

from hotline_protocol.cosignature import CosignatureSigner
from hotline_protocol.errors import NoteError
from hotline_protocol.note import Signer

from .errors import ConfigError
from .settings import Settings


def witness_name(origin: str) -> str:
    """The witness key's name for a node whose feed has ``origin``."""
    return f"{origin}/witness"


@dataclass(frozen=True)
class NodeKeys:
    log: Signer
    witness: CosignatureSigner


def generate_keys(settings: Settings) -> NodeKeys:
    """Create both key files (mode 0600); refuses to overwrite existing ones."""
    keys = NodeKeys(
        Signer.generate(settings.origin), CosignatureSigner.generate(witness_name(settings.origin))
    )
    _write_secret(settings.path(settings.log_key), keys.log.skey)
    _write_secret(settings.path(settings.witness_key), keys.witness.skey)
    return keys


def load_keys(settings: Settings) -> NodeKeys:
    """Load both keys; ConfigError naming the file and the problem."""
    log_path = settings.path(settings.log_key)
    wit_path = settings.path(settings.witness_key)
    log_signer = Signer.from_skey(_read_secret(log_path))
    if log_signer.name != settings.origin:
        raise ConfigError(
            f"{log_path}: log key is named {log_signer.name!r}, expected the origin "
            f"{settings.origin!r}"
        )
    try:
        witness = CosignatureSigner.from_skey(_read_secret(wit_path))
    except NoteError as exc:
        raise ConfigError(f"{wit_path}: not a witness key: {exc}") from exc
    return NodeKeys(log_signer, witness)


def _write_secret(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(text + "\n")


def _read_secret(path: Path) -> str:
    try:
        mode = path.stat().st_mode
    except FileNotFoundError as exc:
        raise ConfigError(f"key file {path} is missing") from exc
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise ConfigError(
            f"key file {path} is readable by others (mode {stat.S_IMODE(mode):o}); "
            "run: chmod 600 " + str(path)
        )
    text = path.read_text().strip()
    if not text.startswith("PRIVATE+KEY+"):
        raise ConfigError(f"key file {path} does not hold a private key")
    return text
