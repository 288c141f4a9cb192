"""A post's result is handed over by the commit that made it durable, not a turn later."""

from __future__ import annotations

import sqlite3
from typing import Any

import pytest

from hotline.errors import RuleError
from hotline.store.sqlite import SqliteStore

from .conftest import LIAISON, NodeApp


async def test_the_result_is_told_once_durable_before_the_post_returns(node_app: NodeApp) -> None:
    node = node_app.node
    await node_app.token("operator")
    user = await node.store.get_user("operator1")
    assert user is not None and isinstance(node.store, SqliteStore)
    service = node.notices
    told: list[tuple[str, Any]] = []

    def on_posted(result: dict[str, Any]) -> None:
        assert isinstance(node.store, SqliteStore)
        with sqlite3.connect(node.store.path) as plain:  # another connection: it is committed
            stored = plain.execute("SELECT COUNT(*) FROM entries").fetchone()[0]
        plain.close()
        told.append(("told", (result["index"], stored)))

    result, replayed = await service.post(user, {**LIAISON, "text": "one"}, "ref-1", on_posted)
    told.append(("returned", (result["index"], replayed)))
    assert told == [("told", (0, 1)), ("returned", (0, False))]

    # a retry with the same client_ref returns the first entry and is not told again
    again, replayed = await service.post(user, {**LIAISON, "text": "one"}, "ref-1", on_posted)
    assert (again["index"], again["leaf_hash"], replayed) == (0, result["leaf_hash"], True)
    assert len(told) == 2
    assert node.index.size(node.own.name) == 1


async def test_a_refused_post_is_not_told(node_app: NodeApp) -> None:
    node = node_app.node
    await node_app.token("operator")
    user = await node.store.get_user("operator1")
    assert user is not None
    told: list[dict[str, Any]] = []
    ref = {"origin": "bravo.example", "index": 7, "leaf_hash": "A" * 43 + "="}
    body = {"kind": "ack", "status": "exercise", "response": "WILCO", "ref": ref}
    with pytest.raises(RuleError) as refused:  # the ack names no entry of the other feed
        await node.notices.post(user, body, None, told.append)
    assert refused.value.code == "unknown_reference"
    assert told == []
    assert node.index.size(node.own.name) == 0
