"""A posted notice is logged in its JSON form (``notice_to_json``), whatever form the client
wrote it in: defaults written out, the id as a UUID is written, numbers as RFC 8785 writes them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from uuid import uuid4

from hotline_protocol.entries import notice_text
from hotline_protocol.notices import notice_to_json, parse_notice
from tests.api.conftest import LIAISON, NodeApp

EXAMPLES = Path(__file__).parents[1] / "protocol" / "examples"


async def _logged(node_app: NodeApp, body: dict[str, Any]) -> bytes:
    """Post ``body`` and return the notice's text in the stored entry."""
    r = await node_app.client.post("/v1/notices", json=body, headers=await node_app.headers())
    assert r.status_code == 201, r.text
    index = r.json()["index"]
    node = node_app.node
    raw = (await node.store.entries(node.own.origin, index, index + 1))[0]
    head = b'{"index":%d,"notice":' % index
    assert raw.startswith(head)
    return raw[len(head) : raw.index(b',"origin":')]


async def test_a_notice_written_otherwise_is_logged_in_its_json_form(node_app: NodeApp) -> None:
    given = str(uuid4())
    body = {**LIAISON, "text": "Radio check", "id": given.upper()}  # no precedence
    text = await _logged(node_app, body)
    notice = json.loads(text)
    assert notice["id"] == given and notice["precedence"] == "ROUTINE"
    assert text == notice_text(parse_notice(notice))


async def test_a_notice_in_its_json_form_is_logged_as_posted(node_app: NodeApp) -> None:
    body = notice_to_json(parse_notice(json.loads((EXAMPLES / "liaison.json").read_text())))
    body.pop("author")  # the node fills it in for the posting user
    body["id"] = str(uuid4())
    body["time"] = node_app.node.clock_ms()  # a claimed time the node accepts: about now
    text = await _logged(node_app, body)
    notice = json.loads(text)
    assert {k: v for k, v in notice.items() if k != "author"} == body
    assert text == notice_text(parse_notice(notice))
