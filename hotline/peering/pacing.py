"""How much ROUTINE the peer link lets wait ahead of a FLASH.

A FLASH pushed to the peer waits behind every byte already handed to the socket and behind the
rest of the message being sent (frames of two messages cannot interleave). On a thin line
(satellite: tens of kbit/s) a few tens of kilobytes are seconds. So the link bounds both:

- the socket holds at most ``unsent_bytes`` not yet sent (``TCP_NOTSENT_LOWAT``, set on the
  peer link's socket at both ends, dialing and accepting), and the writer hands it the next
  replication message only when what it holds is below that and nothing waits in the node's own
  buffers (:func:`room`; FLASH entries, receipts and status go in any case);
- replication messages carry at most ``message_bytes`` of entries (at least one entry).

Both follow from the line's rate when the operator states it (``[peer] line_kbit_s``): about a
tenth of a second of the line each. A fast or unknown line keeps large messages and a generous
unsent limit, which cost nothing there.
"""

from __future__ import annotations

import asyncio
import fcntl
import logging
import socket
import struct
from dataclasses import dataclass
from typing import Any

log = logging.getLogger("hotline.peering")

SIOCOUTQNSD = 0x894B  # Linux: bytes in a TCP socket's send queue not yet sent
LINE_SECONDS = 0.1  # of a thin line's rate, queued ahead of a FLASH by each bound
MIN_BYTES = 512
FAST_UNSENT = 128 * 1024  # a fast or unknown line
FAST_MESSAGE = 1024 * 1024
POLL_SECONDS = 0.005  # how often a writer held back looks at the socket again


@dataclass(frozen=True)
class Pacing:
    unsent_bytes: int = FAST_UNSENT
    message_bytes: int = FAST_MESSAGE

    @classmethod
    def for_line(cls, kbit_s: float) -> Pacing:
        """The bounds for a line of ``kbit_s`` (0: fast or unknown)."""
        if kbit_s <= 0:
            return cls()
        share = max(MIN_BYTES, int(kbit_s * 1000 / 8 * LINE_SECONDS))
        return cls(unsent_bytes=share, message_bytes=share)


def _socket(transport: asyncio.BaseTransport) -> Any:
    """The transport's socket (also under TLS, and uvloop's stand-in), or None."""
    return transport.get_extra_info("socket")


def tune(transport: asyncio.BaseTransport, unsent_bytes: int) -> None:
    """Bound what the transport's TCP socket may hold unsent (best effort: not TCP, not Linux)."""
    sock = _socket(transport)
    if sock is None or sock.family not in (socket.AF_INET, socket.AF_INET6):
        return
    try:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NOTSENT_LOWAT, unsent_bytes)
    except (OSError, AttributeError) as exc:
        log.warning("peer link: cannot bound the socket's unsent bytes: %s", exc)


def unsent(transport: asyncio.BaseTransport) -> int:
    """Bytes the transport's socket holds and has not sent yet (0 if it cannot be told)."""
    sock = _socket(transport)
    if sock is None:
        return 0
    try:
        raw = fcntl.ioctl(sock.fileno(), SIOCOUTQNSD, b"\0\0\0\0")
    except (OSError, ValueError):
        return 0
    value: int = struct.unpack("i", raw)[0]
    return value


def room(transport: asyncio.WriteTransport, unsent_bytes: int) -> bool:
    """May the next replication message go: nothing waits in the node's buffers and the
    socket holds less than ``unsent_bytes`` unsent? (Under TLS the record layer's own
    transport can hold bytes the outer one does not count; it writes them as soon as the
    socket takes them, so a socket below its limit means that buffer is empty too.)"""
    if transport.is_closing():
        return True  # the write fails and ends the link
    return transport.get_write_buffer_size() == 0 and unsent(transport) < unsent_bytes
