"""Acknowledgements across the link, and their deadlines: overdue events, the FLASH announced
again until acknowledged, the webhook; acks never carry over to an update."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Any

import httpx

from hotline.settings import Deadlines

from .conftest import TIMEOUT, EventLog, LiveNode, Nodes, wait_until

EXAMPLES = Path(__file__).resolve().parent.parent / "protocol" / "examples"


def example(kind: str, **extra: Any) -> dict[str, Any]:
    """A protocol example without id, author and time (the node fills them) nor a reference to
    an entry held nowhere here, its other times moved to now."""
    body: dict[str, Any] = json.loads((EXAMPLES / f"{kind}.json").read_text())
    shift = time.time_ns() // 1_000_000 - body.pop("time")
    for key in ("id", "author", "distress_ref"):
        body.pop(key, None)
    if "expires" in body:
        body["expires"] += shift
    if "window" in body:
        body["window"] = {k: v + shift for k, v in body["window"].items()}
    body.update(extra)
    return body


async def request(
    live: LiveNode, method: str, path: str, body: dict[str, Any] | None = None
) -> httpx.Response:
    async with httpx.AsyncClient(timeout=TIMEOUT) as client:
        return await client.request(method, f"{live.http}{path}", json=body, headers=live.headers())


async def state(live: LiveNode, side: str, index: int) -> dict[str, Any]:
    result: dict[str, Any] = (await live.get(f"/v1/notices/{side}/{index}"))["state"]
    return result


async def ack(live: LiveNode, side: str, index: int, response: str = "WILCO") -> httpx.Response:
    return await request(live, "POST", f"/v1/notices/{side}/{index}/ack", {"response": response})


async def test_post_deliver_acknowledge(nodes: Nodes) -> None:
    alpha, bravo = await nodes.pair()
    a_events = nodes.events(alpha)
    posted = await alpha.post(example("aircraft_in_distress"))
    index = posted["index"]
    await a_events.wait_for("delivered", side="alpha", size=index + 1)
    delivered = await state(alpha, "alpha", index)
    assert delivered["status"] == "delivered"
    assert delivered["delivered"]["by"] == "bravo.hotline.example/witness"
    await wait_until(lambda: bravo.size("alpha") == index + 1, "the notice at bravo")
    seen = await bravo.get(f"/v1/notices/alpha/{index}")
    assert seen["id"] == posted["id"] and seen["state"]["needs_ack"] is True

    r = await ack(bravo, "alpha", index)
    assert r.status_code == 201, r.text
    acknowledged = await a_events.wait_for("acknowledged", side="alpha", index=index)
    assert acknowledged["response"] == "WILCO" and acknowledged["by"] == "bravo/operator-1"
    shown = await state(alpha, "alpha", index)
    assert shown["status"] == "acknowledged"
    assert shown["acknowledged"]["response"] == "WILCO"
    assert shown["acknowledged"]["by"] == "bravo/operator-1"
    assert isinstance(shown["acknowledged"]["at"], int)


async def test_overdue_flash_is_announced_again_until_acknowledged(nodes: Nodes) -> None:
    deadlines = Deadlines(FLASH=0.5, flash_repeat=0.5)
    alpha, bravo = await nodes.pair(deadlines=deadlines)
    a_events, b_events = nodes.events(alpha), nodes.events(bravo)
    posted = await alpha.post(example("aircraft_in_distress"))
    index = posted["index"]

    overdue = await a_events.wait_for("overdue", side="alpha", index=index)
    assert overdue["precedence"] == "FLASH" and overdue["kind"] == "aircraft_in_distress"
    assert overdue["deadline"] == (await state(alpha, "alpha", index))["deadline"]
    await b_events.wait_for("overdue", side="alpha", index=index)  # bravo owes the ack
    await wait_until(
        lambda: len(b_events.of("alarm", reason="flash_repeated", index=index)) >= 2,
        "two repeated announcements at bravo",
    )
    assert len(a_events.of("announced", index=index)) >= 2
    assert (await state(alpha, "alpha", index))["status"] == "overdue"

    assert (await ack(bravo, "alpha", index)).status_code == 201
    await a_events.wait_for("acknowledged", side="alpha", index=index)
    count = len(a_events.of("announced", index=index))
    await asyncio.sleep(1.5)  # three repeat periods: nothing more is announced
    assert len(a_events.of("announced", index=index)) == count
    assert (await state(alpha, "alpha", index))["status"] == "acknowledged"


async def test_overdue_webhook(nodes: Nodes) -> None:
    received: asyncio.Queue[dict[str, Any]] = asyncio.Queue()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        length = int(
            next(
                line.split(b":")[1]
                for line in head.split(b"\r\n")
                if line.lower().startswith(b"content-length")
            )
        )
        received.put_nowait(json.loads(await reader.readexactly(length)))
        writer.write(b"HTTP/1.1 204 No Content\r\ncontent-length: 0\r\n\r\n")
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        alpha, _bravo = await nodes.pair(
            deadlines=Deadlines(IMMEDIATE=0.3), webhook=f"http://127.0.0.1:{port}/hook"
        )
        posted = await alpha.post(example("downed_pilot", precedence="IMMEDIATE"))
        async with asyncio.timeout(TIMEOUT):
            while True:
                call = await received.get()
                if call["node"] == "alpha" and call["side"] == "alpha":
                    break
        assert call["event"] == "overdue" and call["index"] == posted["index"]
        assert call["precedence"] == "IMMEDIATE" and call["kind"] == "downed_pilot"
    finally:
        server.close()


async def test_an_ack_does_not_carry_over_to_an_update(nodes: Nodes) -> None:
    alpha, bravo = await nodes.pair()
    a_events = nodes.events(alpha)
    first = await alpha.post(example("planned_operation"))
    await wait_until(lambda: bravo.size("alpha") == 1, "the operation at bravo")
    assert (await ack(bravo, "alpha", 0)).status_code == 201
    await a_events.wait_for("acknowledged", side="alpha", index=0)

    update = example("planned_operation", aircraft_count=2)
    update["supersedes"] = {"origin": first["origin"], "index": 0, "leaf_hash": first["leaf_hash"]}
    second = await alpha.post(update)
    assert (await state(alpha, "alpha", 0))["status"] == "acknowledged"
    new = await state(alpha, "alpha", second["index"])
    assert new["status"] in ("appended", "delivered") and new["acknowledged"] is None
    assert new["supersedes"] == {"side": "alpha", "index": 0}
    await wait_until(lambda: bravo.size("alpha") == 2, "the update at bravo")
    assert (await ack(bravo, "alpha", second["index"], "UNABLE")).status_code == 422  # reason
    r = await request(
        bravo,
        "POST",
        f"/v1/notices/alpha/{second['index']}/ack",
        {"response": "UNABLE", "reason": "airspace_unavailable"},
    )
    assert r.status_code == 201, r.text
    acked = await a_events.wait_for("acknowledged", side="alpha", index=second["index"])
    assert acked["response"] == "UNABLE"


async def test_an_unable_carries_a_reason_code_and_a_bad_code_is_refused(nodes: Nodes) -> None:
    alpha, bravo = await nodes.pair()
    op = await alpha.post(example("planned_operation"))
    await wait_until(lambda: bravo.size("alpha") == 1, "the operation at bravo")
    path = f"/v1/notices/alpha/{op['index']}/ack"
    before = bravo.size("bravo")

    bad = {"response": "UNABLE", "reason": "tanker track", "reason_code": "tired"}
    r = await request(bravo, "POST", path, bad)
    assert (r.status_code, r.json()["error"]) == (422, "invalid_notice"), r.text
    assert "reason_code" in json.dumps(r.json()["detail"])
    assert bravo.size("bravo") == before
    assert (await state(bravo, "alpha", op["index"]))["acknowledged"] is None

    a_events = nodes.events(alpha)
    good = {"response": "UNABLE", "reason": "tanker track", "reason_code": "airspace_conflict"}
    r = await request(bravo, "POST", path, good)
    assert r.status_code == 201, r.text
    assert r.json()["notice"]["reason_code"] == "airspace_conflict"
    await a_events.wait_for("acknowledged", side="alpha", index=op["index"])
    seen = await state(alpha, "alpha", op["index"])
    assert seen["acknowledged"]["response"] == "UNABLE"
    assert seen["acknowledged"]["reason_code"] == "airspace_conflict"


async def test_ack_and_cancel_rules(nodes: Nodes) -> None:
    alpha, bravo = await nodes.pair()
    op = await alpha.post(example("planned_operation"))
    own = await bravo.post({"kind": "liaison", "status": "exercise", "text": "x", "language": "en"})
    await wait_until(lambda: bravo.size("alpha") == 1, "the operation at bravo")

    r = await ack(bravo, "alpha", 5)  # no such entry in the other feed
    assert r.status_code == 404, r.text
    r = await ack(bravo, "bravo", own["index"])  # its own feed
    assert (r.status_code, r.json()["error"]) == (403, "wrong_side")

    path = f"/v1/notices/alpha/{op['index']}/cancel"
    r = await request(alpha, "POST", path, {"reason": "operation_called_off"})
    assert r.status_code == 201, r.text
    r = await request(alpha, "POST", path, {"reason": "operation_called_off"})
    assert (r.status_code, r.json()["error"]) == (409, "already_cancelled")
    update = example("planned_operation")
    update["supersedes"] = {
        "origin": op["origin"],
        "index": op["index"],
        "leaf_hash": op["leaf_hash"],
    }
    r = await request(alpha, "POST", "/v1/notices", update)
    assert (r.status_code, r.json()["error"]) == (409, "already_cancelled")
    r = await request(bravo, "POST", path, {"reason": "operation_called_off"})
    assert (r.status_code, r.json()["error"]) == (403, "wrong_side")


async def test_a_webhook_that_hangs_does_not_hold_up_the_flash_repeats(nodes: Nodes) -> None:
    """The webhook never answers (5 s timeout); the FLASH is announced again meanwhile."""
    accepted: list[asyncio.StreamWriter] = []

    async def hang(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        accepted.append(writer)  # read nothing, answer nothing

    server = await asyncio.start_server(hang, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        alpha, bravo = await nodes.pair(
            deadlines=Deadlines(FLASH=0.3, flash_repeat=0.3),
            webhook=f"http://127.0.0.1:{port}/hook",
        )
        a_events, b_events = nodes.events(alpha), nodes.events(bravo)
        posted = await alpha.post(example("aircraft_in_distress"))
        await a_events.wait_for("overdue", side="alpha", index=posted["index"])
        await wait_until(
            lambda: len(b_events.of("alarm", reason="flash_repeated")) >= 3,
            "three repeats while the webhook hangs",
            timeout=4.5,
        )
        assert accepted, "the webhook was called"
    finally:
        for writer in accepted:
            writer.close()
        server.close()


async def test_deadlines_of_many_new_notices_are_each_announced_once(nodes: Nodes) -> None:
    """The watcher takes in each record's deadline as it is added, and misses none: every
    notice past its deadline is announced once, whatever the batches it came in."""
    alpha, _bravo = await nodes.pair(deadlines=Deadlines(IMMEDIATE=0.3))
    log = EventLog(alpha.node)
    try:
        posted = await asyncio.gather(
            *(alpha.post(example("downed_pilot", precedence="IMMEDIATE")) for _ in range(10))
        )
        indexes = sorted(p["index"] for p in posted)
        await wait_until(
            lambda: len(log.of("overdue", side="alpha")) >= 10, "10 overdue events", TIMEOUT
        )
        await asyncio.sleep(1.5)  # another tick or more: nothing is announced twice
        assert sorted(e["index"] for e in log.of("overdue", side="alpha")) == indexes
    finally:
        log.close()
