"""The node's AsyncAPI 3.0 document (``GET /asyncapi.json``): the stream (``/v1/stream``) and the
peer link (``/v1/peer``), every message both ways with its JSON Schema, and the close codes.

The document speaks for the node: ``send`` operations are what the node sends, ``receive`` what
it takes. Its schemas come from the code's own sources: the client's stream messages are the
protocol library's models (:data:`hotline_protocol.stream.MODELS`), the node's are
:mod:`hotline.api.messages`, the peer link's are built from the fields the link's decoder checks
(:data:`hotline_protocol.peer.FIELDS`), the notices are the protocol library's schemas. The
close codes are the constants the stream and the link close with.
"""

from __future__ import annotations

from functools import cache
from typing import Any, get_args

from fastapi import APIRouter

from hotline_protocol import peer
from hotline_protocol import stream as client

from ..peering.transport import (
    CLOSE_CODES,
    CLOSE_GOING_AWAY,
    CLOSE_NOT_PAIRED,
    TOO_BIG_REASON,
)
from ..stream.errors import (
    CLOSE_FORBIDDEN,
    CLOSE_INTERNAL,
    CLOSE_NORMAL,
    CLOSE_SLOW_CONSUMER,
    CLOSE_TOO_BIG,
    CLOSE_TOO_MANY,
    CLOSE_UNAUTHENTICATED,
)
from .messages import EVENTS, REPLIES
from .models import ApiError, AsyncApiDocument
from .openapi import answers
from .schemas import (
    COMPONENTS,
    merge,
    model_components,
    notice_components,
    plain_discriminators,
)

VERSION = "3.0.0"
CLIENT = "Client"  # the prefix of the client's stream messages' schema names
PEER = "Peer"  # and of the peer link's

router = APIRouter(tags=["system"])

STREAM_CLOSES: list[tuple[int, str, str]] = [
    (CLOSE_NORMAL, "", "the client closed the connection"),
    (
        CLOSE_TOO_BIG,
        "frame_too_large",
        "a frame exceeded `limits.max_request_bytes` (before authentication, "
        "`limits.preauth_bytes`)",
    ),
    (CLOSE_INTERNAL, "internal_error, store_unavailable", "a fault in the node; reconnect"),
    (1012, "", "the node is restarting or stopping; reconnect"),
    (
        CLOSE_SLOW_CONSUMER,
        "slow_consumer",
        "the subscription's queue overflowed; resume with the last cursor",
    ),
    (CLOSE_UNAUTHENTICATED, "unauthenticated", "no bearer token and no `auth` first message"),
    (
        CLOSE_UNAUTHENTICATED,
        "auth_timeout",
        "no `auth` message within `limits.auth_timeout_s` (5 s by default)",
    ),
    (CLOSE_UNAUTHENTICATED, "bad_token", "the token is unknown or revoked"),
    (CLOSE_FORBIDDEN, "forbidden", "the token's role may not read"),
    (
        CLOSE_TOO_MANY,
        "too_many_connections, too_many_user_connections",
        "the node, or the user, has as many connections open as it allows",
    ),
]
_LINK = {cls.__name__: code for cls, code in CLOSE_CODES.items()}
PEER_CLOSES: list[tuple[int, str, str]] = [
    (CLOSE_GOING_AWAY, "node stopping", "the node shuts down"),
    (
        CLOSE_TOO_BIG,
        TOO_BIG_REASON,
        "a frame over `limits.preauth_bytes` before the handshake verified, or over four "
        "times the message limit after it: not read",
    ),
    (_LINK["LinkError"], "sender failed", "an internal error of the sender"),
    (
        _LINK["LinkFailed"],
        "store_unavailable",
        "the node's store failed to keep what the link carried; nothing of it was kept",
    ),
    (
        _LINK["LinkFailed"],
        "feed_moved",
        "a post went into the own feed while it was being recovered from the peer",
    ),
    (_LINK["BadMessage"], "bad_message", "a malformed message"),
    (
        _LINK["AuthFailed"],
        "bad_auth, bad_handshake",
        "a signature or nonce that does not verify; an unexpected message in the handshake",
    ),
    (_LINK["UnknownPeer"], "unknown_peer", "an origin that is not the pinned peer's"),
    (CLOSE_NOT_PAIRED, "this node is not paired", "no peer is pinned"),
    (
        _LINK["HandshakeTimeout"],
        "handshake_timeout",
        "no handshake message within `limits.handshake_timeout_s` (10 s by default)",
    ),
    (_LINK["Superseded"], "superseded, replaced: …", "one link at a time: another is kept"),
    (
        _LINK["TooManyHandshakes"],
        "too_many_connections",
        "as many connections as `limits.peer_handshakes` allows (8 by default) are in their "
        "handshake: closed before anything of it is read",
    ),
    (_LINK["Refusal"], "the refusal code", "input that does not verify; kept as evidence"),
]

# the peer link's messages: who sends each, and what it says (PROTOCOL.md, *Peer link*)
PEER_MESSAGES: dict[str, tuple[str, str]] = {
    "hello": ("listener → dialer", "opens the handshake with a fresh nonce"),
    "auth": ("dialer → listener", "the dialer's nonce and its signature of the transcript"),
    "welcome": ("listener → dialer", "the listener's signature of the mirrored transcript"),
    "status": ("both", "the sender's feed size, what it holds of the other's, what it cosigned"),
    "entries": ("sender → receiver", "entry bytes from `start` on"),
    "checkpoint": ("sender → receiver", "a checkpoint and its consistency proof from `old`"),
    "cosignature": ("receiver → sender", "the receiver's cosignature of a checkpoint"),
    "flash": ("sender → receiver", "a FLASH entry ahead of its backlog, with its proof"),
    "refused": ("either", "why input was refused (the link then closes with 4422)"),
    "recover": (
        "recovering → holder",
        "a node restored from an older backup asks for its own feed back from `size`",
    ),
    "recovered": (
        "holder → recovering",
        "the recovering node's own entries from `start`; the last of a run carries in `note` "
        "its checkpoint as the holder stores it, with the holder's cosignature (else empty)",
    ),
}
B64 = {"type": "string", "contentEncoding": "base64"}
PEER_FIELDS: dict[str, dict[str, Any]] = {
    "origin": {"type": "string", "description": "the node's origin line"},
    "nonce": {**B64, "description": f"{peer.NONCE_BYTES} random bytes"},
    "sig": {**B64, "description": "an Ed25519 signature of the handshake transcript"},
    "entries": {"type": "array", "items": B64, "maxItems": peer.MAX_ENTRIES_PER_MESSAGE},
    "proof": {"type": "array", "items": B64, "maxItems": peer.MAX_PROOF},
    "entry": {**B64, "description": "entry bytes"},
    "note": {"type": "string", "description": "a checkpoint (C2SP signed note)"},
    "line": {"type": "string", "description": "a cosignature line of the checkpoint's note"},
}
JSON_TYPES = {str: {"type": "string"}, int: {"type": "integer", "minimum": 0}}


def _closes(rows: list[tuple[int, str, str]]) -> tuple[str, list[dict[str, Any]]]:
    table = "| code | reason | when |\n| --- | --- | --- |\n" + "".join(
        f"| {code} | {reason} | {when} |\n" for code, reason, when in rows
    )
    return table, [{"code": c, "reason": r, "meaning": w} for c, r, w in rows]


def _peer_schemas() -> dict[str, Any]:
    out: dict[str, Any] = {}
    for kind, fields in peer.FIELDS.items():
        props: dict[str, Any] = {"type": {"const": kind}}
        for name, typ in fields.items():
            props[name] = PEER_FIELDS.get(name) or JSON_TYPES[typ]  # type: ignore[index]
        who, what = PEER_MESSAGES[kind]
        out[PEER + kind.capitalize()] = {
            "title": f"{PEER}{kind.capitalize()}",
            "description": f"{who}: {what}",
            "type": "object",
            "properties": props,
            "required": ["type", *fields],
            "additionalProperties": False,
        }
    return out


def _client_schemas() -> dict[str, Any]:
    out = model_components(client.MODELS.values(), mode="validation", prefix=CLIENT)
    out[CLIENT + "Post"]["properties"]["notice"] = {
        "$ref": COMPONENTS + "NoticeDraft",
        "description": "the notice; `id`, `time` and `author` may be left out",
    }
    return out


def _message(name: str, schema: str, summary: str) -> dict[str, Any]:
    return {
        "name": name,
        "title": name,
        "summary": summary,
        "contentType": "application/json",
        "payload": {"$ref": COMPONENTS + schema},
    }


@cache
def document() -> dict[str, Any]:
    schemas: dict[str, Any] = {}
    merge(schemas, notice_components())
    merge(schemas, model_components([*REPLIES, *EVENTS, ApiError]))
    merge(schemas, _client_schemas())
    merge(schemas, _peer_schemas())
    messages: dict[str, Any] = {}
    stream_in, stream_out, peer_all = [], [], []
    for kind, model in client.MODELS.items():
        key = f"client_{kind}"
        doc = (model.__doc__ or "").strip().split("\n")[0]
        messages[key] = _message(key, CLIENT + model.__name__, doc or f"`{kind}` (client)")
        stream_in.append(key)
    for reply in REPLIES:
        key = f"node_{get_args(reply.model_fields['type'].annotation)[0]}"
        doc = (reply.__doc__ or "").strip().split("\n")[0]
        messages[key] = _message(key, reply.__name__, doc or key)
        stream_out.append(key)
    for kind in peer.FIELDS:
        key = f"peer_{kind}"
        messages[key] = _message(key, PEER + kind.capitalize(), " ".join(PEER_MESSAGES[kind]))
        peer_all.append(key)
    stream_table, stream_codes = _closes(STREAM_CLOSES)
    peer_table, peer_codes = _closes(PEER_CLOSES)

    def refs(channel: str, keys: list[str]) -> list[dict[str, str]]:
        return [{"$ref": f"#/channels/{channel}/messages/{k}"} for k in keys]

    return {
        "asyncapi": VERSION,
        "info": {
            "title": "Hotline node: stream and peer link",
            "version": "0.1.0",
            "description": "The WebSocket APIs of a Hotline node (PROTOCOL.md, *Stream* and "
            "*Peer link*). Every message is one JSON object in one text frame. Operations are "
            "the node's: `send` is what the node sends, `receive` what it takes.",
        },
        "defaultContentType": "application/json",
        "servers": {
            "node": {
                "host": "{host}",
                "protocol": "ws",
                "description": "a node (`wss` when it serves TLS)",
                "variables": {"host": {"default": "127.0.0.1:8443"}},
            }
        },
        "channels": {
            "stream": {
                "address": "/v1/stream",
                "title": "Stream",
                "description": "Post, acknowledge, cancel; subscribe to events, resumable by "
                "cursor. Close codes:\n\n" + stream_table,
                "messages": {
                    k: {"$ref": f"#/components/messages/{k}"} for k in [*stream_in, *stream_out]
                },
                "bindings": {
                    "ws": {
                        "method": "GET",
                        "headers": {
                            "type": "object",
                            "properties": {
                                "Authorization": {
                                    "type": "string",
                                    "description": "`Bearer <token>`; or an `auth` first message",
                                }
                            },
                        },
                        "bindingVersion": "0.1.0",
                    }
                },
                "x-close-codes": stream_codes,
            },
            "peer": {
                "address": "/v1/peer",
                "title": "Peer link",
                "description": "The other node's link, authenticated by log keys in a "
                "handshake (`hello`, `auth`, `welcome`), then both feeds both ways. Close "
                "codes:\n\n" + peer_table,
                "messages": {k: {"$ref": f"#/components/messages/{k}"} for k in peer_all},
                "x-close-codes": peer_codes,
            },
        },
        "operations": {
            "streamReceive": {
                "action": "receive",
                "channel": {"$ref": "#/channels/stream"},
                "summary": "What a client sends",
                "security": [{"$ref": "#/components/securitySchemes/bearer"}],
                "messages": refs("stream", stream_in),
            },
            "streamSend": {
                "action": "send",
                "channel": {"$ref": "#/channels/stream"},
                "summary": "What the node answers and the subscription's events",
                "messages": refs("stream", stream_out),
            },
            "peerReceive": {
                "action": "receive",
                "channel": {"$ref": "#/channels/peer"},
                "summary": "What the other node sends",
                "messages": refs("peer", peer_all),
            },
            "peerSend": {
                "action": "send",
                "channel": {"$ref": "#/channels/peer"},
                "summary": "What the node sends the other node",
                "messages": refs("peer", peer_all),
            },
        },
        "components": {
            "schemas": plain_discriminators(schemas),
            "messages": messages,
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "a user's token, as for the REST API",
                }
            },
        },
    }


@router.get(
    "/asyncapi.json",
    summary="The AsyncAPI 3.0 document of the stream and the peer link (no token needed)",
    responses=answers(AsyncApiDocument),
)
async def asyncapi() -> dict[str, Any]:
    return document()
