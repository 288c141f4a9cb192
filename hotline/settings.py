"""Node settings: ``DIR/hotline.toml`` with ``HOTLINE_*`` environment overrides.

Precedence, highest first: explicit overrides (CLI flags) > environment (``HOTLINE_STORE``,
``HOTLINE_SERVER__PORT``, ...) > ``hotline.toml``. Relative paths are relative to the node
directory.
"""

from __future__ import annotations

import contextvars
import tomllib
from pathlib import Path
from typing import Any, Literal

import tomli_w
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from .errors import ConfigError

CONFIG_NAME = "hotline.toml"
_toml_path: contextvars.ContextVar[Path | None] = contextvars.ContextVar("toml", default=None)


class ServerSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")
    host: str = "127.0.0.1"
    port: int = Field(default=8400, ge=0, le=65535)
    tls_cert: str = ""  # path to a PEM certificate chain; TLS is on when set
    tls_key: str = ""


class PinnedDeadlines(BaseModel):
    """The acknowledgement deadlines (seconds, by precedence) the other side's card states."""

    model_config = ConfigDict(extra="forbid")
    FLASH: float = Field(gt=0)
    IMMEDIATE: float = Field(gt=0)
    PRIORITY: float = Field(gt=0)
    ROUTINE: float = Field(gt=0)


class PeerSettings(BaseModel):
    """The other side's card, pinned by ``hotline pair``."""

    model_config = ConfigDict(extra="forbid")
    side: str
    origin: str
    log_vkey: str
    witness_vkey: str
    url: str = ""
    deadlines: PinnedDeadlines | None = None  # from the card, when it states them
    dial: bool = True  # this node dials the peer's URL (either or both sides may)
    tls_ca: str = ""  # CA bundle to verify the peer's certificate (wss://), else system CAs
    # permessage-deflate on links this node dials (the listener takes what the dialer offers):
    # on a thin line about a quarter of the bytes (and a FLASH sooner), more CPU at both ends.
    # Unset: on when line_kbit_s states a thin line, else off.
    compress: bool | None = None
    # The line to the peer when it is thin, in kbit/s (0: fast or unknown). The link then keeps
    # about a twentieth of a second of it unsent in its socket and sends replication in
    # messages of about that size, so that a FLASH overtakes all but that much ROUTINE, and a
    # checkpoint covers about ten seconds of it (hotline/peering/pacing.py).
    line_kbit_s: float = Field(default=0, ge=0, le=10_000_000)


class Deadlines(BaseModel):
    """Acknowledgement deadlines in seconds, by precedence."""

    model_config = ConfigDict(extra="forbid")
    FLASH: float = Field(default=300, gt=0)
    IMMEDIATE: float = Field(default=1800, gt=0)
    PRIORITY: float = Field(default=3 * 3600, gt=0)
    ROUTINE: float = Field(default=6 * 3600, gt=0)
    flash_repeat: float = Field(default=60, gt=0)  # re-announce an overdue FLASH this often


class Deconfliction(BaseModel):
    """The deconfliction rule's settings (PROTOCOL.md, *Deconfliction*). Both sides must use
    the same: different settings find different conflicts."""

    model_config = ConfigDict(extra="forbid")
    pressure_margin_m: float = Field(default=300, ge=0, le=3000)
    terrain_min_m: float = Field(default=0, ge=-500, le=9000)
    terrain_max_m: float = Field(default=8850, ge=-500, le=9000)
    emergency_margin_nm: float = Field(default=5, ge=0, le=500)


class Limits(BaseModel):
    model_config = ConfigDict(extra="forbid")
    max_request_bytes: int = Field(default=96 * 1024, ge=1024)  # REST bodies and WS frames
    stream_queue: int = Field(default=1024, ge=1)  # per-connection bounded queue
    batch_max: int = Field(default=512, ge=1)  # group-commit batch size
    # Under load, a batch without FLASH is written at most this often (ms after the previous
    # write began; 0: as soon as it is done): fewer, larger writes leave the node's CPU and
    # store free for a FLASH, which is written at once.
    commit_interval_ms: float = Field(default=10, ge=0, le=1000)
    # Under load, a replication run (entries + a checkpoint for the peer to cosign) goes at
    # most this often; FLASH entries are pushed at once in any case.
    run_interval_ms: float = Field(default=50, ge=0, le=10_000)
    page_max: int = Field(default=500, ge=1)
    # A posted notice's claimed ``time`` may differ from the node's clock by this much at most
    # (seconds); a peer entry whose claimed time lies further outside its witnessed bracket is
    # flagged.
    time_tolerance_s: float = Field(default=300, ge=1, le=86_400)
    # An idle link still has the peer cosign the own feed's latest checkpoint this often
    # (seconds): the cosignatures' timestamps then bracket when every entry was appended and
    # show every outage of the line.
    heartbeat_s: float = Field(default=60, ge=0.05, le=3600)
    # Of input refused from the peer, evidence keeps this many first bytes, with the length
    # and SHA-256 of the whole.
    evidence_bytes: int = Field(default=64 * 1024, ge=1024, le=16 * 1024 * 1024)
    # Evidence records stored in any hour at most (a bucket refilled at that rate): beyond, a
    # refusal is counted and alarmed but not stored, so that a peer refused again and again
    # cannot fill the disk (at most this many times ``evidence_bytes`` an hour).
    evidence_per_hour: int = Field(default=100, ge=1, le=100_000)
    # FLASH entries of the peer held ahead of its backlog (verified by inclusion proof), at
    # most; one more is refused. The own FLASH entries pushed ahead of the peer's last receipt,
    # at most (beyond, they go in order): both sides should use the same.
    early_flash_max: int = Field(default=64, ge=1, le=10_000)
    # Before authentication (the stream's token, the peer link's handshake) a frame may hold
    # this many bytes at most, and the client has this long to authenticate: a client that has
    # not authenticated holds no more of the node than that.
    preauth_bytes: int = Field(default=4096, ge=512, le=1024 * 1024)
    auth_timeout_s: float = Field(default=5, gt=0, le=300)  # the stream's auth message
    handshake_timeout_s: float = Field(default=10, gt=0, le=300)  # each peer handshake step
    # peer link connections in their handshake at once (unauthenticated: anyone may dial)
    peer_handshakes: int = Field(default=8, ge=1, le=1024)
    # Posts (notices, acks, cancels over REST and the stream) a second, and a burst: a token
    # bucket per user and one per stream connection; 0 turns a bucket off. FLASH ones draw on a
    # bucket of their own per user, and on no other.
    user_post_rate: float = Field(default=5000, ge=0)
    user_post_burst: int = Field(default=20_000, ge=1)
    connection_post_rate: float = Field(default=2500, ge=0)
    connection_post_burst: int = Field(default=5000, ge=1)
    flash_post_rate: float = Field(default=100, ge=0)
    flash_post_burst: int = Field(default=1000, ge=1)
    # Stream connections open at once: per user (authenticated), and in all (before
    # authentication too).
    user_connections: int = Field(default=256, ge=1)
    max_connections: int = Field(default=4096, ge=1)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="HOTLINE_", env_nested_delimiter="__", extra="forbid", validate_default=True
    )

    dir: Path
    side: str = Field(pattern=r"^[a-z][a-z0-9-]{0,31}$")
    origin: str = Field(min_length=1, max_length=200, pattern=r"^[^\s+]+$")
    url: str = ""
    store: str = "sqlite:///hotline.db"
    store_unsafe: bool = False  # allow a Redis without appendfsync always (logs a warning)
    store_prefix: str = "hotline:"
    log_key: str = "keys/log.skey"
    witness_key: str = "keys/witness.skey"
    server: ServerSettings = ServerSettings()
    peer: PeerSettings | None = None
    deadlines: Deadlines = Deadlines()
    limits: Limits = Limits()
    deconfliction: Deconfliction = Deconfliction()
    unit: str = ""  # default author unit for notices posted without an author
    nation: str = Field(default="", pattern=r"^([A-Z]{3})?$")  # default author nation
    # the voice fallback the console names while the peer link is down (a phone, a frequency)
    fallback: str = Field(default="", max_length=300)
    # "exercise": the console shows an EXERCISE banner at all times and its forms default to
    # status "exercise" (notices still say their own status; the node accepts either)
    mode: Literal["operational", "exercise"] = "operational"
    webhook: str = ""  # optional URL called when an acknowledgement deadline passes
    log_level: Literal["debug", "info", "warning", "error"] = "info"

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        path = _toml_path.get()
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        if path is not None:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=path))
        return tuple(sources)

    def path(self, value: str) -> Path:
        """A configured path, resolved against the node directory."""
        p = Path(value)
        return p if p.is_absolute() else self.dir / p

    @property
    def store_url(self) -> str:
        """The store URL with a relative SQLite path resolved against the node directory."""
        prefix = "sqlite:///"
        if self.store.startswith(prefix) and not self.store.startswith("sqlite:////"):
            return prefix + str(self.path(self.store[len(prefix) :]).resolve())
        return self.store


def load_settings(directory: Path | str, **overrides: Any) -> Settings:
    """Read ``DIR/hotline.toml`` plus environment overrides; ConfigError with the reason."""
    directory = Path(directory)
    path = directory / CONFIG_NAME
    if not path.is_file():
        raise ConfigError(f"no {CONFIG_NAME} in {directory} (run 'hotline init {directory}')")
    try:
        with path.open("rb") as fh:
            tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}") from exc
    token = _toml_path.set(path)
    try:
        return Settings(dir=directory.resolve(), **overrides)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or '<root>'}: {err['msg']}"
            for err in exc.errors()
        )
        raise ConfigError(f"invalid configuration in {path}: {problems}") from exc
    finally:
        _toml_path.reset(token)


def write_config(directory: Path, data: dict[str, Any]) -> None:
    """Write ``hotline.toml`` (without the ``dir`` key, which is implied)."""
    clean = {k: v for k, v in data.items() if k != "dir" and v is not None}
    (directory / CONFIG_NAME).write_text(tomli_w.dumps(clean))


def read_config(directory: Path) -> dict[str, Any]:
    with (directory / CONFIG_NAME).open("rb") as fh:
        return tomllib.load(fh)
