"""Two real nodes, real sockets, on SQLite and on Redis: a notice posted at alpha is delivered
(bravo's cosignature, verified with bravo's witness key), shown at bravo, acknowledged WILCO at
bravo and shown acknowledged at alpha; the link state is in the API, the stream and metrics."""

from __future__ import annotations

import json
import re
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from hotline_protocol.canonical import canonical_json
from hotline_protocol.checkpoint import open_checkpoint
from hotline_protocol.cosignature import CosignatureVerifier
from hotline_protocol.note import Verifier
from tests.helpers.feed_checks import check_cosignatures, check_feeds, wait
from tests.helpers.peer_pair import Pair, make_pair
from tests.helpers.stream_client import StreamWatch

pytestmark = [pytest.mark.integration]

EXAMPLES = Path(__file__).resolve().parent.parent / "protocol" / "examples"


def distress() -> dict[str, Any]:
    body: dict[str, Any] = json.loads((EXAMPLES / "aircraft_in_distress.json").read_text())
    for key in ("id", "author", "time"):
        body.pop(key)
    return body


async def test_post_delivered_visible_acknowledged(pairs: Callable[..., Pair]) -> None:
    pair = pairs()
    alpha, bravo = pair.alpha, pair.bravo
    wait(lambda: alpha.link()["connected"] and bravo.link()["connected"], "link up")
    a_stream = await StreamWatch.open(alpha.url, alpha.tokens["auditor"])
    b_stream = await StreamWatch.open(bravo.url, bravo.tokens["auditor"])
    try:
        posted = alpha.post(distress())
        index = posted["index"]

        delivered = await a_stream.wait_for("delivered", side="alpha", size=index + 1)
        assert delivered["by"] == f"{bravo.origin}/witness"
        state = alpha.get(f"/v1/notices/alpha/{index}")["state"]
        assert state["status"] == "delivered"
        assert state["delivered"]["by"] == f"{bravo.origin}/witness"
        assert isinstance(state["delivered"]["at"], int)
        note = alpha.get("/v1/logs/alpha/checkpoint")
        opened = open_checkpoint(
            note,
            origin=alpha.origin,
            log=Verifier.from_vkey(alpha.card()["log-vkey"]),
            witnesses=[CosignatureVerifier.from_vkey(bravo.card()["witness-vkey"])],
        )
        assert f"{bravo.origin}/witness" in opened.cosignatures
        assert opened.checkpoint.size == index + 1

        await b_stream.wait_for("appended", side="alpha", index=index)
        alarm = await b_stream.wait_for("alarm", reason="flash", index=index)
        assert alarm["kind"] == "aircraft_in_distress"
        seen = bravo.get(f"/v1/notices/alpha/{index}")
        assert seen["id"] == posted["id"] and seen["notice"]["phase"] == "DETRESFA"

        r = bravo.request("POST", f"/v1/notices/alpha/{index}/ack", {"response": "WILCO"})
        assert r.status_code == 201, r.text
        acked = await a_stream.wait_for("acknowledged", side="alpha", index=index)
        assert acked["response"] == "WILCO" and acked["by"] == "bravo/operator"
        shown = alpha.get(f"/v1/notices/alpha/{index}")["state"]
        assert shown["status"] == "acknowledged"
        ack = shown["acknowledged"]
        assert (ack["response"], ack["by"]) == ("WILCO", "bravo/operator")
        assert ack["at"] >= state["delivered"]["at"]

        # the ack is delivered too: alpha cosigned bravo's feed
        wait(lambda: bravo.link()["own_delivered_size"] == 1, "bravo's ack delivered")
        feeds = check_feeds(pair)
        check_cosignatures(alpha, bravo, feeds["alpha"])
        check_cosignatures(bravo, alpha, feeds["bravo"])
    finally:
        await a_stream.close()
        await b_stream.close()


async def test_link_state_in_api_and_metrics(pairs: Callable[..., Pair]) -> None:
    pair = pairs()
    alpha, bravo = pair.alpha, pair.bravo
    wait(lambda: alpha.link()["connected"] and bravo.link()["connected"], "link up")
    for i in range(3):
        alpha.post({"kind": "liaison", "status": "exercise", "text": f"n{i}", "language": "en"})
    wait(lambda: alpha.link()["own_delivered_size"] == 3, "delivered")
    state = alpha.link()
    assert state["connected"] is True and state["dialed_by"] == alpha.origin
    assert state["lag"] == {"out": 0, "in": 0} and state["since"] <= time.time() * 1000
    assert bravo.link()["peer_cosigned_size"] == 3
    metrics = alpha.get("/metrics", role="operator").decode()
    values = dict(re.findall(r"^(hotline_peer_\S+) (\S+)$", metrics, re.MULTILINE))
    assert values["hotline_peer_connected"] == "1.0"
    assert values['hotline_peer_cosigned_size{feed="own"}'] == "3.0"
    assert values['hotline_peer_lag_entries{direction="out"}'] == "0.0"


async def test_a_refusal_by_bravo_raises_refused_by_peer_at_alpha(tmp_path: Path) -> None:
    """alpha's store is tampered with while alpha is down (an undelivered entry rewritten):
    bravo refuses it with evidence, alpha hears of it as ``refused_by_peer``, and bravo's
    replica keeps what it had."""
    pair = make_pair(tmp_path)  # SQLite: the tampering edits the file
    alpha, bravo = pair.alpha, pair.bravo
    try:
        pair.start()
        alpha.post({"kind": "liaison", "status": "exercise", "text": "one", "language": "en"})
        wait(lambda: alpha.link()["own_delivered_size"] == 1, "first delivered")
        bravo.process.stop()
        alpha.post({"kind": "liaison", "status": "exercise", "text": "two", "language": "en"})
        alpha.process.stop()
        db = sqlite3.connect(alpha.directory / "hotline.db")
        (raw,) = db.execute(
            "SELECT entry FROM entries WHERE origin = ? AND idx = 1", (alpha.origin,)
        ).fetchone()
        entry = json.loads(raw)
        entry["notice"]["text"] = "TWO"  # still canonical, still chained: only the root differs
        db.execute(
            "UPDATE entries SET entry = ? WHERE origin = ? AND idx = 1",
            (canonical_json(entry), alpha.origin),
        )
        db.commit()
        db.close()

        bravo.process.start()
        alpha.process.start()
        a_stream = await StreamWatch.open(alpha.url, alpha.tokens["auditor"])
        try:
            wait(lambda: len(bravo.evidence()) >= 1, "evidence at bravo")
            evidence = bravo.evidence()[0]
            assert evidence["reason"] == "root_mismatch" and evidence["source"] == "peer"
            alarm = await a_stream.wait_for("alarm", reason="refused_by_peer")
            assert alarm["code"] == "root_mismatch"
            assert bravo.sizes()["alpha"] == 1
            assert alpha.link()["last_error"] is not None
        finally:
            await a_stream.close()
    finally:
        pair.stop()
