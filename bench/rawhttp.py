"""A lean HTTP/1.1 keep-alive GET client for load: the request's bytes are built once, the
answer's status line and ``Content-Length`` are parsed and its body read whole, nothing more.

``httpx`` costs about a millisecond of CPU a request; 30 of its clients in one process on a
two-core machine measure their own event loop as much as the node. This client costs tens of
microseconds a request, so the latencies it reports are the node's.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass


@dataclass
class Answer:
    status: int
    body: bytes


class Connection:
    """One keep-alive connection to ``host:port``; requests on it are sequential."""

    def __init__(self, host: str, port: int, headers: dict[str, str] | None = None) -> None:
        self.host, self.port = host, port
        lines = [f"Host: {host}:{port}"] + [f"{k}: {v}" for k, v in (headers or {}).items()]
        self._headers = ("\r\n".join(lines) + "\r\n\r\n").encode()
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def get(self, target: str) -> Answer:
        if self._writer is None:
            self._reader, self._writer = await asyncio.open_connection(self.host, self.port)
        reader, writer = self._reader, self._writer
        assert reader is not None
        writer.write(f"GET {target} HTTP/1.1\r\n".encode() + self._headers)
        head = await reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        body = await reader.readexactly(length) if length else b""
        return Answer(status, body)

    async def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            try:
                await self._writer.wait_closed()
            except OSError:
                pass
            self._writer = self._reader = None
