"""Client stream messages: each frame is one JSON object of a known type with exactly its fields;
anything else is a MessageError with the code and detail the stream answers."""

from __future__ import annotations

import json
from typing import Any

import pytest

from hotline_protocol import stream as m
from hotline_protocol.errors import MessageError, ProtocolError


def test_every_client_message_parses() -> None:
    texts: dict[str, dict[str, Any]] = {
        "auth": {"token": "t"},
        "post": {"id": 1, "notice": {"kind": "liaison"}, "client_ref": "r-1"},
        "ack": {"id": "a", "side": "alpha", "index": 3, "response": "UNABLE", "reason": "x"},
        "cancel": {"id": 2, "side": "bravo", "index": 0, "reason": "done"},
        "subscribe": {"id": 3, "filters": {"kind": "liaison", "since": 5}, "cursor": "c"},
        "unsubscribe": {"id": 4},
        "ping": {"id": 5},
    }
    for kind, fields in texts.items():
        msg = m.parse_message(json.dumps({"type": kind, **fields}))
        assert isinstance(msg, m.MODELS[kind])
        assert msg.type == kind


def _problem(path: str, reason: str) -> dict[str, str]:
    return {"path": path, "reason": reason}


@pytest.mark.parametrize(
    ("text", "code", "mid", "detail"),
    [
        ("{not json", "malformed_json", None, "the message is not JSON"),
        ('{"type": "ping", "id": 1, "id": 2}', "malformed_json", None, "the message is not JSON"),
        ("[1]", "invalid_request", None, [_problem("", "a message must be a JSON object")]),
        ('{"id": 7}', "invalid_request", 7, [_problem("type", "a message type is required")]),
        ('{"type": "gossip", "id": "g"}', "unknown_type", "g", "unknown message type 'gossip'"),
        ('{"type": "ping", "id": true}', "invalid_request", None, None),
        ('{"type": "ack", "id": 9, "side": "a", "index": -1}', "invalid_request", 9, None),
    ],
)
def test_malformed_messages_are_refused(text: str, code: str, mid: Any, detail: Any) -> None:
    with pytest.raises(MessageError) as info:
        m.parse_message(text)
    exc = info.value
    assert isinstance(exc, ProtocolError)
    assert (exc.code, exc.id) == (code, mid)
    if isinstance(detail, str):
        assert exc.detail.startswith(detail)
    elif detail is not None:
        assert exc.detail == detail
    else:
        assert isinstance(exc.detail, list) and exc.detail
        assert all(set(p) == {"path", "reason"} for p in exc.detail)


def test_problems_name_their_paths() -> None:
    with pytest.raises(MessageError) as info:
        m.parse_message('{"type": "subscribe", "id": 1, "filters": {"colour": "red"}}')
    assert info.value.code == "invalid_request"
    assert [p["path"] for p in info.value.detail] == ["filters.colour"]
    assert "filters.colour" in info.value.message


def test_outgoing_messages() -> None:
    assert m.error(3, "forbidden", "no") == {
        "type": "error",
        "id": 3,
        "error": "forbidden",
        "detail": "no",
    }
    assert m.posted("p", {"index": 0}, True) == {
        "type": "posted",
        "id": "p",
        "entry": {"index": 0},
        "replayed": True,
    }
    assert m.event({"kind": "appended"}) == {"type": "event", "event": {"kind": "appended"}}
