"""The Redis store's connection: opened with its durability checked, every command's failure
turned into :class:`~hotline.errors.StoreError`, scripts registered once.

With ``appendfsync always`` Redis writes and fsyncs the append-only file before it replies, so an
awaited write is on disk. :meth:`RedisBase.open` checks both settings and refuses a Redis without
them unless ``allow_unsafe`` (then it logs a warning on every open), then brings data written by
an earlier version up to this one (:meth:`RedisBase._upgrade`, the store's).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable
from typing import Any, TypeVar

from redis import exceptions as rexc
from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.commands.core import AsyncScript

from hotline.errors import StoreError

from .redis_scripts import (
    _s,
    redact,
)

log = logging.getLogger("hotline.store")
T = TypeVar("T")
MAX_INDEX = 2**62  # no feed holds an entry at this index or beyond (Redis reads it as a number)


class RedisBase:
    """A connection to a Redis server and what every part of the store does with it."""

    def __init__(self, url: str, allow_unsafe: bool = False, key_prefix: str = "hotline:") -> None:
        self.url = url
        self.allow_unsafe = allow_unsafe
        self.key_prefix = key_prefix
        self._where = redact(url)
        self._redis: Redis | None = None
        self._scripts: dict[str, AsyncScript] = {}
        self._durability: dict[str, str] = {}

    def _k(self, kind: str, name: str = "") -> str:
        return f"{self.key_prefix}{kind}:{name}" if name else f"{self.key_prefix}{kind}"

    async def _do(self, op: Awaitable[T]) -> T:
        try:
            return await op
        except (rexc.ConnectionError, rexc.TimeoutError) as exc:
            raise StoreError(f"Redis at {self._where} is unreachable: {exc}") from exc
        except rexc.RedisError as exc:
            raise StoreError(f"Redis at {self._where} refused a command: {exc}") from exc

    @property
    def _r(self) -> Redis:
        if self._redis is None:
            raise StoreError(f"Redis store at {self._where} is not open")
        return self._redis

    async def _eval(self, script: str, keys: list[str], args: list[Any]) -> Any:
        if script not in self._scripts:
            self._scripts[script] = self._r.register_script(script)
        return await self._do(self._scripts[script](keys=keys, args=args))

    # --- lifecycle ---

    async def open(self) -> None:
        if self._redis is not None:
            return
        try:
            self._redis = Redis.from_url(
                self.url,
                protocol=2,
                retry=Retry(NoBackoff(), 0),
                socket_connect_timeout=5,
                socket_timeout=30,
            )
        except ValueError as exc:
            raise StoreError(f"bad Redis URL {self._where}: {exc}") from exc
        try:
            await self._check_durability()
            await self._upgrade()
        except BaseException:
            await self.close()
            raise

    async def close(self) -> None:
        if self._redis is not None:
            redis, self._redis = self._redis, None
            self._scripts.clear()
            await redis.aclose()

    async def durability(self) -> dict[str, str]:
        """The durability settings found at open (``unknown`` where Redis would not say)."""
        return dict(self._durability)

    async def _check_durability(self) -> None:
        try:
            appendonly = _s((await self._r.config_get("appendonly")).get("appendonly"))
            appendfsync = _s((await self._r.config_get("appendfsync")).get("appendfsync"))
        except rexc.ResponseError as exc:  # CONFIG renamed or not permitted
            info = await self._do(self._r.info("persistence"))
            appendonly = "yes" if int(info.get("aof_enabled", 0)) == 1 else "no"
            appendfsync = "unknown"
            log.warning(
                "Redis at %s refused CONFIG GET (%s); INFO persistence says aof_enabled=%s. "
                "appendfsync cannot be checked: make sure it is 'always'",
                self._where,
                exc,
                info.get("aof_enabled"),
            )
        except (rexc.ConnectionError, rexc.TimeoutError) as exc:
            raise StoreError(f"Redis at {self._where} is unreachable: {exc}") from exc
        self._durability = {"appendonly": appendonly, "appendfsync": appendfsync}
        problems = []
        if appendonly != "yes":
            problems.append(f"appendonly is {appendonly!r}, needs 'yes'")
        if appendfsync not in ("always", "unknown"):
            problems.append(f"appendfsync is {appendfsync!r}, needs 'always'")
        if not problems:
            return
        msg = f"Redis at {self._where} is not durable: {'; '.join(problems)}"
        if not self.allow_unsafe:
            raise StoreError(f"{msg} (acknowledged writes could be lost in a crash)")
        log.warning("%s; running anyway because unsafe mode is allowed", msg)

    async def _upgrade(self) -> None:
        """Bring data written by an earlier version up to this one (the store's)."""

    async def _keys(self, pattern: str) -> list[str]:
        return [_s(key) async for key in self._r.scan_iter(match=pattern, count=1000)]
