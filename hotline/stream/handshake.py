"""Who a stream connection is: the token of its ``Authorization`` header, checked before the
connection is accepted, or else its first message, ``auth``, within a deadline while frames are
held to the pre-authentication limit. A missing, malformed or unknown token closes the
connection 4401; a role that may not read, 4403.
"""

from __future__ import annotations

import asyncio

from starlette.websockets import WebSocket

from hotline_protocol import stream as m
from hotline_protocol.errors import MessageError

from ..auth import allowed
from ..auth.users import authenticate
from ..store.base import Store, UserRecord
from .errors import CLOSE_FORBIDDEN, CLOSE_UNAUTHENTICATED, Close
from .socket import StreamSocket


async def header_user(ws: WebSocket, store: Store) -> UserRecord | None:
    """The user of the Authorization header's token; None without the header."""
    header = ws.headers.get("authorization")
    if header is None:
        return None
    scheme, _, token = header.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise Close(CLOSE_UNAUTHENTICATED, "unauthenticated")
    return await token_user(store, token)


async def token_user(store: Store, token: str) -> UserRecord:
    user = await authenticate(store, token)
    if user is None:
        raise Close(CLOSE_UNAUTHENTICATED, "bad_token")
    if not allowed(user.role, "read"):
        raise Close(CLOSE_FORBIDDEN, "forbidden")
    return user


async def auth_message(
    sock: StreamSocket, store: Store, timeout: float
) -> tuple[UserRecord, m.Auth]:
    """The first message, ``auth``, within ``timeout`` seconds, and its user."""
    try:
        async with asyncio.timeout(timeout):
            text = await sock.receive()
    except TimeoutError:
        raise Close(CLOSE_UNAUTHENTICATED, "auth_timeout") from None
    if text is None:
        raise Close(CLOSE_UNAUTHENTICATED, "unauthenticated")
    try:
        first = m.parse_message(text)
    except MessageError:
        raise Close(CLOSE_UNAUTHENTICATED, "unauthenticated") from None
    if not isinstance(first, m.Auth):
        raise Close(CLOSE_UNAUTHENTICATED, "unauthenticated")
    return await token_user(store, first.token), first
