"""How much ROUTINE the peer link lets wait ahead of a FLASH.

A FLASH pushed to the peer waits behind every byte already handed to the socket and behind the
rest of the message being sent (frames of two messages cannot interleave). On a thin line
(satellite: tens of kbit/s) a few tens of kilobytes are seconds. So the link bounds both:

- the socket holds at most ``unsent_bytes`` not yet sent (``TCP_NOTSENT_LOWAT``, set on the
  peer link's socket at both ends, dialing and accepting), and the writer hands it the next
  replication message only when what it holds is below that and nothing waits in the node's own
  buffers (:func:`room`; FLASH entries, receipts and status go in any case);
- replication messages carry at most ``message_bytes`` of entries (at least one entry);
- on a line of known rate the socket sends no faster than ``rate_bytes`` a second (a little
  under the line's: ``SO_MAX_PACING_RATE``), so no queue builds up in the line's own buffers
  (a satellite modem's), where the node could no longer put a FLASH first: the backlog waits in
  the node instead.

Both follow from the line's rate when the operator states it (``[peer] line_kbit_s``): about a
twentieth of a second of the line each. A checkpoint then covers at most ``run_entries``
entries, about ten seconds of the line, so that a backlog is received (and receipted, which
frees room for FLASH entries pushed ahead of it) piece by piece rather than all at its end. A
fast or unknown line keeps large messages and runs and a generous unsent limit, which cost
nothing there.
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
SO_MAX_PACING_RATE = getattr(socket, "SO_MAX_PACING_RATE", 47)  # Linux, bytes a second
RATE_SHARE = 0.8  # of a stated line rate, the socket's pace (headers, bursts the kernel allows)
LINE_SECONDS = 0.05  # of a thin line's rate, queued ahead of a FLASH by each bound
MIN_BYTES = 256
RUN_SECONDS = 10.0  # of a thin line's rate, per checkpoint
ENTRY_BYTES = 1024  # an entry on the line, about (a ~600-byte notice, signed, base64)
MIN_RUN = 16
FAST_UNSENT = 128 * 1024  # a fast or unknown line
FAST_MESSAGE = 1024 * 1024
FAST_RUN = 4096
POLL_SECONDS = 0.005  # how often a writer held back looks at the socket again


@dataclass(frozen=True)
class Pacing:
    unsent_bytes: int = FAST_UNSENT
    message_bytes: int = FAST_MESSAGE
    run_entries: int = FAST_RUN
    rate_bytes: int = 0  # the socket's pace, bytes a second (0: unpaced)

    @classmethod
    def for_line(cls, kbit_s: float) -> Pacing:
        """The bounds for a line of ``kbit_s`` (0: fast or unknown)."""
        if kbit_s <= 0:
            return cls()
        rate = kbit_s * 1000 / 8  # bytes a second
        share = max(MIN_BYTES, int(rate * LINE_SECONDS))
        run = min(FAST_RUN, max(MIN_RUN, int(rate * RUN_SECONDS / ENTRY_BYTES)))
        return cls(share, share, run, rate_bytes=int(rate * RATE_SHARE))


def _socket(transport: asyncio.BaseTransport) -> Any:
    """The transport's socket (also under TLS, and uvloop's stand-in), or None."""
    return transport.get_extra_info("socket")


def tune(transport: asyncio.BaseTransport, pace: Pacing) -> None:
    """Bound what the transport's TCP socket may hold unsent, and pace it (best effort: not
    TCP, not Linux)."""
    sock = _socket(transport)
    if sock is None or sock.family not in (socket.AF_INET, socket.AF_INET6):
        return
    try:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NOTSENT_LOWAT, pace.unsent_bytes)
        if pace.rate_bytes:
            sock.setsockopt(socket.SOL_SOCKET, SO_MAX_PACING_RATE, pace.rate_bytes)
    except (OSError, AttributeError) as exc:
        log.warning("peer link: cannot bound or pace the socket: %s", exc)


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
