"""A new node directory: both private keys, ``hotline.toml`` and the public card.

:func:`init_node` checks everything before it writes, and removes what it created when a step
fails, so a refused or failed ``init`` leaves nothing behind.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ..keys import generate_keys
from ..settings import CONFIG_NAME, Settings, write_config
from .card import CARD_NAME, Card, own_card
from .errors import InvalidSettingsError, NodeExistsError
from .tls import check_server_files

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8400
DEFAULT_STORE = "sqlite:///hotline.db"


def init_node(
    directory: Path,
    *,
    side: str,
    origin: str,
    url: str | None = None,
    unit: str = "",
    nation: str = "",
    store: str = DEFAULT_STORE,
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    tls_cert: Path | None = None,
    tls_key: Path | None = None,
) -> tuple[Settings, Card]:
    """Create the node directory (mode 0700) with its keys, configuration and card; the node's
    settings and card. ``tls_cert`` and ``tls_key`` (both or neither) are the node's TLS
    certificate and key, checked and written into ``[server]`` (relative to the directory when
    inside it). NodeExistsError, InvalidSettingsError or TlsError, and nothing written, when it
    cannot."""
    for name in (CONFIG_NAME, "keys", CARD_NAME):
        if (directory / name).exists():
            raise NodeExistsError(
                f"{directory} already holds a node ({name} exists); not overwriting it"
            )
    if directory.exists() and not directory.is_dir():
        raise NodeExistsError(f"{directory} exists and is not a directory")
    url = url or f"http://{host}:{port}"
    data: dict[str, Any] = {
        "side": side,
        "origin": origin,
        "url": url,
        "store": store,
        "server": {"host": host, "port": port, **_tls(directory, url, tls_cert, tls_key)},
    }
    if unit:
        data["unit"] = unit
    if nation:
        data["nation"] = nation
    settings = _settings(directory, data)
    created = not directory.exists()
    try:
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        keys = generate_keys(settings)
        write_config(directory, data)
        card = own_card(settings, keys)
        (directory / CARD_NAME).write_text(card.text())
    except BaseException:
        if created:
            shutil.rmtree(directory, ignore_errors=True)
        raise
    return settings, card


def _tls(directory: Path, url: str, cert: Path | None, key: Path | None) -> dict[str, str]:
    """The ``[server]`` keys for the node's certificate and key, once checked."""
    if cert is None and key is None:
        return {}
    if cert is None or key is None:
        raise InvalidSettingsError(
            "TLS needs both a certificate and its key (--tls-cert, --tls-key)"
        )
    check_server_files(cert, key, url)
    return {"tls_cert": _config_path(directory, cert), "tls_key": _config_path(directory, key)}


def _config_path(directory: Path, path: Path) -> str:
    """``path`` as the configuration holds it: relative to the node directory when inside it,
    else absolute."""
    full = path.resolve()
    try:
        return str(full.relative_to(directory.resolve()))
    except ValueError:
        return str(full)


def _settings(directory: Path, data: dict[str, Any]) -> Settings:
    try:
        return Settings(dir=directory.resolve(), **data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or '<root>'}: {err['msg']}"
            for err in exc.errors()
        )
        raise InvalidSettingsError(f"invalid node settings: {problems}") from exc
