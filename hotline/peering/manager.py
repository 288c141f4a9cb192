"""Keeps one peer link up: dials with backoff (when configured to), accepts the peer's dial,
and settles on one link. When both sides dial at once, the link dialed by the side whose origin
is smaller (byte-wise) is kept at both ends; a new link dialed by the same side as the current
one replaces it (the dialer knows its old link is gone, e.g. after a restart)."""

from __future__ import annotations

import asyncio
import logging
import random
import ssl
from collections.abc import Awaitable, Callable
from dataclasses import replace

from websockets.asyncio.client import ClientConnection, connect

from hotline_protocol.entries import Entry
from hotline_protocol.note import Signer, Verifier

from ..errors import LinkError, Refusal, TooManyHandshakes
from ..events import LinkEvent, LinkState, Publish
from ..settings import PeerSettings
from ..types import Side
from .handshake import HANDSHAKE_SECONDS, handshake_dialer, handshake_listener
from .link import Link, LinkParts
from .pacing import Pacing
from .tasks import cancel_all
from .transport import (
    CLOSE_GOING_AWAY,
    CLOSE_SUPERSEDED,
    ClientTransport,
    Closed,
    Transport,
    close_code,
)

log = logging.getLogger("hotline.peering")
MAX_FRAME = 2 * 1024 * 1024
BACKOFF_MIN, BACKOFF_MAX = 0.2, 15.0
REPLACE_SECONDS = 10.0  # for a replaced link to end before its successor starts
_JITTER = random.Random()  # a generator of its own: the global one's state is others'


class PeerManager:
    """Built from: the own side and the pinned ``peer``, the peer settings (URL, whether to
    dial, CA file resolved by ``tls_ca``), this node's log key (the handshake), the parts every
    link works with, ``publish`` (link events) and ``refused`` (keeps refused input as
    evidence and raises the alarm)."""

    def __init__(
        self,
        own: Side,
        peer: Side,
        settings: PeerSettings,
        *,
        log_key: Signer,
        parts: LinkParts,
        publish: Publish,
        refused: Callable[[Refusal], Awaitable[None]],
        tls_ca: str | None = None,
        handshake_timeout: float = HANDSHAKE_SECONDS,
        max_handshakes: int = 8,
    ) -> None:
        self.own = own
        self.peer = peer
        self.settings = settings
        # what may wait ahead of a FLASH, from the line's stated rate (both ends of a link)
        self.pace = Pacing.for_line(settings.line_kbit_s)
        compress = settings.compress
        self._compress = settings.line_kbit_s > 0 if compress is None else compress
        self.parts = replace(
            parts, message_bytes=self.pace.message_bytes, max_run=self.pace.run_entries
        )
        self._log_key = log_key
        self._publish = publish
        self._refused = refused
        self._tls_ca = tls_ca
        self._handshake_timeout = handshake_timeout
        self._max_handshakes = max_handshakes
        self.handshakes = 0  # peer connections accepted and not yet authenticated
        self.handshakes_refused = 0  # closed because as many were in their handshake
        self.verifier = Verifier.from_vkey(self.peer.log_vkey)
        self.link: Link | None = None
        self.last_error: str | None = None
        self.connects = 0
        self._dial_task: asyncio.Task[None] | None = None
        self.refused = 0  # links closed because the peer's input was refused here
        self._settle = asyncio.Lock()  # one link is installed at a time
        self._stopping = False
        self.down_since: int | None = parts.clock_ms()  # no link yet

    def start(self) -> None:
        if self.settings.dial and self.settings.url:
            self._dial_task = asyncio.create_task(self._dial_loop(), name="peer-dialer")

    async def stop(self) -> None:
        self._stopping = True
        link = self.link
        if link is not None:  # closed first, so that the peer hears why (also a link dialed here)
            self.last_error = "this node is stopping"  # the reason "peer link down" gives
            await link.t.close(CLOSE_GOING_AWAY, "node stopping")
            try:
                await asyncio.wait_for(link.done.wait(), REPLACE_SECONDS)
            except TimeoutError:
                log.warning("peer link: did not end in time at stop")
        if self._dial_task is not None:
            await cancel_all([self._dial_task])

    def state(self) -> LinkState:
        link = self.link
        replica = self.parts.replica
        return LinkState(
            peer=self.peer.name,
            peer_origin=self.peer.origin,
            connected=link is not None,
            since=link.since_ms if link else None,
            down_since=None if link else self.down_since,
            dialed_by=link.dialer if link else None,
            lag=link.lag() if link else None,
            own_delivered_size=self.parts.feed.delivered_size,
            peer_size_held=replica.have,
            peer_cosigned_size=replica.cosigned,
            last_error=self.last_error,
            connects=self.connects,
            refused=self.refused,
            own_behind=self.behind,
        )

    @property
    def behind(self) -> int | None:
        """The size of the own feed the peer holds while this node holds less, else None."""
        feed = self.parts.feed
        return feed.behind if feed.behind > feed.durable_size else None

    def link_event(self, change: str) -> None:
        """Publish the link state: ``change`` is ``up``, ``down`` or ``lag`` (lag changed)."""
        self._publish(LinkEvent(change, self.parts.clock_ms(), self.state()))

    def committed(self, entries: list[Entry]) -> None:
        """The own feed made ``entries`` durable: a FLASH among them is pushed at once."""
        link = self.link
        if link is not None:
            link.sender.notify([e.index for e in entries if e.notice.precedence.value == "FLASH"])

    def announce(self, index: int) -> bool:
        """Push an own FLASH entry to the peer again (its acknowledgement is overdue); False
        while the link is down."""
        link = self.link
        if link is None:
            return False
        link.sender.announce(index)
        return True

    async def flush(self) -> None:
        """Send what a FLASH's commit queued for the peer, from the caller's task."""
        link = self.link
        if link is not None:
            await link.flush()

    async def accept(self, transport: Transport) -> None:
        """Serve a link the peer dialed (the listener end). Anyone may connect: at most
        ``max_handshakes`` connections wait in their handshake at once, and one more is closed
        (4429 ``too_many_connections``) before anything of it is read, without touching the
        link's state (its ``last_error`` names the peer's failures, not a stranger's)."""
        if self.handshakes >= self._max_handshakes:
            self.handshakes_refused += 1
            exc = TooManyHandshakes(
                "too_many_connections",
                f"{self.handshakes} peer connections in their handshake, at most "
                f"{self._max_handshakes}",
            )
            log.debug("peer connection refused: %s", exc.detail)
            await transport.close(close_code(exc), exc.reason)
            return
        self.handshakes += 1
        try:
            await handshake_listener(
                transport,
                self._log_key,
                self.verifier,
                self.peer.origin,
                self._handshake_timeout,
            )
        except LinkError as exc:
            await self._fail(transport, exc)
            return
        except Closed:
            return
        finally:
            self.handshakes -= 1
        await self._serve(transport, dialer=self.peer.origin)

    async def _dial_loop(self) -> None:
        delay = BACKOFF_MIN
        url = self.settings.url.rstrip("/").replace("http", "ws", 1) + "/v1/peer"
        while not self._stopping:
            if self.link is not None:  # the peer dialed us: wait until that link ends
                await self._wait_down()
                continue
            link: Link | None = None
            conn: ClientConnection | None = None
            try:
                async with connect(
                    url,
                    max_size=4 * MAX_FRAME,
                    ssl=self._ssl(url),
                    open_timeout=10,
                    compression="deflate" if self._compress else None,
                ) as conn:
                    transport = ClientTransport(conn, MAX_FRAME, self.pace)
                    try:
                        await handshake_dialer(
                            transport, self._log_key, self.verifier, self.peer.origin
                        )
                    except LinkError as exc:  # the listener hears why (not an internal error)
                        await transport.close(close_code(exc), exc.reason)
                        raise
                    link = await self._serve(transport, dialer=self.own.origin)
            except asyncio.CancelledError:
                raise
            except LinkError as exc:
                self._dial_failed(url, f"{exc.reason}: {exc.detail}")
            except Exception as exc:  # unreachable, refused, reset: retry with backoff
                self._dial_failed(url, f"{type(exc).__name__}: {exc}")
            finally:
                if conn is not None:  # closed: its parser is ended (see _release)
                    _release(conn)
            if link is not None and link.healthy():
                delay = BACKOFF_MIN  # it worked for a while: a fresh failure retries quickly
            await asyncio.sleep(delay * (0.5 + _JITTER.random()))
            delay = min(BACKOFF_MAX, delay * 2)

    def _dial_failed(self, url: str, reason: str) -> None:
        """A dial that gave no link: logged when the reason is new (a WARNING), so a peer that
        stays away does not fill the log at every retry."""
        if reason != self.last_error:
            log.warning("peer link: cannot dial %s: %s", url, reason)
        else:
            log.debug("peer link: cannot dial %s: %s", url, reason)
        self.last_error = reason

    async def _wait_down(self) -> None:
        while self.link is not None and not self._stopping:
            await asyncio.sleep(0.2)

    async def _serve(self, transport: Transport, dialer: str) -> Link | None:
        """Run a link over an authenticated transport until it ends; None if it was not kept."""
        async with self._settle:
            if self._stopping:
                await transport.close(CLOSE_GOING_AWAY, "node stopping")
                return None
            current = self.link
            if current is not None:
                if current.dialer < dialer:
                    await transport.close(
                        CLOSE_SUPERSEDED, "a link dialed by the smaller origin is up"
                    )
                    return None
                why = "redialed" if current.dialer == dialer else "the smaller origin dialed"
                await current.t.close(CLOSE_SUPERSEDED, f"replaced: {why}")
                try:
                    await asyncio.wait_for(current.done.wait(), REPLACE_SECONDS)
                except TimeoutError:
                    log.warning("peer link: the replaced link did not end in time")
            dialed = dialer == self.own.origin
            up = False

            def came_up() -> None:
                # the dialer is up once it verified the welcome; the listener once the dialer's
                # first message shows that it did (an impostor's welcome is refused before)
                nonlocal up
                up = True
                self.connects += 1
                self.last_error = None
                self.down_since = None
                self.link_event("up")
                by = self.own.name if dialed else self.peer.name
                log.info("peer link up with %s (dialed by %s)", self.peer.name, by)

            link = Link(
                self.parts,
                transport,
                dialer,
                on_lag=lambda: self.link_event("lag"),
                on_first=None if dialed else came_up,
            )
            self.link = link
            if dialed:
                came_up()
        try:
            await link.run()
        except Refusal as exc:
            self.refused += 1
            await self._refused(exc)  # evidence first: durable before the peer hears of it
            await link.refuse(exc)
            await self._fail(transport, exc, link)
        except LinkError as exc:
            await self._fail(transport, exc, link)
        except Closed as exc:
            if self.link is link and not self._stopping:  # not when a successor replaced it
                self.last_error = f"closed: {exc}"
        finally:
            if self.link is link:
                self.link = None
                if up:
                    self.down_since = self.parts.clock_ms()
                    self.link_event("down")
                    log.warning("peer link down: %s", self.last_error or "ended")
                else:
                    log.warning("peer link refused: %s", self.last_error or "ended")
        return link

    async def _fail(self, transport: Transport, exc: LinkError, link: Link | None = None) -> None:
        self.last_error = f"{exc.reason}: {exc.detail}"
        if link is not None:
            link.failure = exc.reason  # "peer link down" follows, with the reason
        else:
            log.warning("peer link refused: %s", self.last_error)
        try:
            await transport.close(close_code(exc), exc.reason)
        except Exception:
            pass

    def _ssl(self, url: str) -> ssl.SSLContext | None:
        if not url.startswith("wss:"):
            return None
        ctx = ssl.create_default_context()
        if self._tls_ca:
            ctx.load_verify_locations(self._tls_ca)
        return ctx


def _release(conn: ClientConnection) -> None:
    """End a closed connection's frame parser: a generator holding the connection's protocol,
    which holds it, still waiting for data when the listener closed first. Ended, it lets the
    connection be freed at once instead of being left in a reference cycle."""
    conn.protocol.parser.close()
