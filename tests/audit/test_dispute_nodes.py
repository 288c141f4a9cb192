"""The report of a dispute from two real nodes' exports: both honest exports with both cards
PASS, and every witnessed bracket holds the time the entry was really appended.

Each notice is posted and waited for until the other side has cosigned it, so the time measured
around each post (the node answers 201 once the entry is durable) is the append time; the node
also records when it stored each checkpoint (``stored_ms``), which the other side can only have
cosigned after.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import httpx

from hotline_protocol.audit import audit_exports
from hotline_protocol.audit.command import main
from hotline_protocol.audit.dispute import Dispute
from tests.audit.conftest import PeeredNode
from tests.audit.test_peered_export import LIAISON, export, until
from tests.protocol.audit.builders import EXAMPLES


def operation() -> dict[str, Any]:
    body: dict[str, Any] = json.loads((EXAMPLES / "planned_operation.json").read_text())
    for key in ("id", "author", "time", "expires"):
        del body[key]
    return body


def now_ms() -> int:
    return time.time_ns() // 1_000_000


async def post_and_wait(
    c: httpx.AsyncClient, n: PeeredNode, path: str, body: dict[str, Any], delivered: int
) -> tuple[int, int, int]:
    """Post, then wait until the other side has cosigned the node's feed up to ``delivered``;
    the index of the entry and the times measured just before and just after the post."""
    before = now_ms()
    r = await c.post(n.url + path, json=body, headers=n.headers("operator"))
    after = now_ms()
    assert r.status_code == 201, r.text
    side = n.node.own.name
    await until(lambda: n.node.index.delivered_size(side) >= delivered, f"{side} delivered")
    index: int = r.json()["index"]
    return index, before, after


async def test_honest_exports_pass_and_the_brackets_hold_the_true_append_times(
    peered_nodes: dict[str, PeeredNode], tmp_path: Path
) -> None:
    alpha, bravo = peered_nodes["alpha"], peered_nodes["bravo"]
    measured: dict[tuple[str, int], tuple[int, int]] = {}
    async with httpx.AsyncClient() as c:
        i, t0, t1 = await post_and_wait(c, alpha, "/v1/notices", {**LIAISON, "text": "a"}, 1)
        measured["alpha", i] = (t0, t1)
        i, t0, t1 = await post_and_wait(c, alpha, "/v1/notices", operation(), 2)
        measured["alpha", i] = (t0, t1)
        i, t0, t1 = await post_and_wait(c, bravo, "/v1/notices", {**LIAISON, "text": "b"}, 1)
        measured["bravo", i] = (t0, t1)
        i, t0, t1 = await post_and_wait(
            c, bravo, "/v1/notices/alpha/1/ack", {"response": "WILCO"}, 2
        )
        measured["bravo", i] = (t0, t1)
        await until(lambda: alpha.node.index.size("bravo") == 2, "bravo's ack at alpha")
        docs = {side: await export(c, n) for side, n in peered_nodes.items()}
    stored = {
        side: await n.node.store.checkpoints(n.node.own.origin) for side, n in peered_nodes.items()
    }

    audit = audit_exports(
        [(f"{side}.json", data) for side, data in docs.items()], [alpha.card, bravo.card]
    )
    assert audit.ok, audit.render()
    notices = list(Dispute(audit).notices())

    assert sorted((n["side"], n["index"]) for n in notices) == sorted(measured)
    for n in notices:
        t0, t1 = measured[n["side"], n["index"]]
        after, before = n["appended"]["after"], n["appended"]["before"]
        assert after is None or after <= t1, (n["side"], n["index"], after, t1)
        assert before is not None and before >= t0, (n["side"], n["index"], before, t0)
        # the other side cosigned a checkpoint the log had stored before
        covering = min(cp.stored_ms for cp in stored[n["side"]] if cp.size > n["index"])
        assert before >= covering
        assert n["delivered"]["at"] <= before
        assert n["time"] <= t1  # the node stamps the claimed time at posting
    [op] = [n for n in notices if n["kind"] == "planned_operation"]
    [wilco] = op["acks"]
    assert (wilco["side"], wilco["response"], wilco["author"]) == ("bravo", "WILCO", "operator1")
    assert wilco["in_time"] is True  # within the ROUTINE 6 h, whatever the brackets
    assert op["ack_state"] == "in_time"


async def test_the_commands_verify_and_report_real_exports(
    peered_nodes: dict[str, PeeredNode], tmp_path: Path, capsys: Any
) -> None:
    alpha, bravo = peered_nodes["alpha"], peered_nodes["bravo"]
    async with httpx.AsyncClient() as c:
        await post_and_wait(c, alpha, "/v1/notices", operation(), 1)
        await post_and_wait(c, bravo, "/v1/notices/alpha/0/ack", {"response": "ROGER"}, 1)
        await until(lambda: alpha.node.index.size("bravo") == 1, "bravo's ack at alpha")
        files = []
        for side, n in peered_nodes.items():
            path = tmp_path / f"{side}-export.json"
            path.write_bytes(await export(c, n))
            files.append(str(path))
    cards = []
    for n in (alpha, bravo):
        path = tmp_path / f"{n.card.side}-card.txt"
        path.write_text(n.card.text())
        cards += ["--card", str(path)]

    assert main(["verify", *files, *cards]) == 0
    assert main(["verify", *files]) == 3
    capsys.readouterr()
    assert main(["report", *files, *cards]) == 0
    text = capsys.readouterr().out
    assert "alpha #0, a planned operation A-2026-0042" in text
    assert "acknowledged ROGER by bravo/operator1 (#0)" in text
    assert text.rstrip().splitlines()[-1].startswith("VERDICT: PASS")


async def test_real_exports_cut_short_or_altered_fail_naming_what(
    peered_nodes: dict[str, PeeredNode],
) -> None:
    """The tampering the crafted exports of tests/protocol/audit show in detail, on two real
    nodes' exports: bravo's feed cut short in alpha's export (the ack gone) fails ``truncated``
    with the sizes; an entry changed fails, naming its feed."""
    alpha, bravo = peered_nodes["alpha"], peered_nodes["bravo"]
    async with httpx.AsyncClient() as c:
        await post_and_wait(c, alpha, "/v1/notices", operation(), 1)
        await post_and_wait(c, bravo, "/v1/notices", {**LIAISON, "text": "line check"}, 1)
        await post_and_wait(c, bravo, "/v1/notices/alpha/0/ack", {"response": "WILCO"}, 2)
        await until(lambda: alpha.node.index.size("bravo") == 2, "bravo's ack at alpha")
        await until(lambda: alpha.node.index.delivered_size("alpha") >= 1, "alpha delivered")
        exports = {side: json.loads(await export(c, n)) for side, n in peered_nodes.items()}
    cards = [alpha.card, bravo.card]

    def check(alpha_doc: dict[str, Any]) -> list[str]:
        docs = [
            ("alpha", json.dumps(alpha_doc).encode()),
            ("bravo", json.dumps(exports["bravo"]).encode()),
        ]
        return audit_exports(docs, cards).failed

    assert check(exports["alpha"]) == []  # both honest: PASS
    cut = json.loads(json.dumps(exports["alpha"]))
    theirs = next(s for s in cut["sides"] if s["name"] == "bravo")
    theirs["entries"] = theirs["entries"][:1]  # the WILCO gone
    theirs["size"] = 1
    theirs["checkpoints"] = [cp for cp in theirs["checkpoints"] if cp["size"] <= 1]
    theirs["heartbeats"] = [hb for hb in theirs.get("heartbeats", []) if hb["size"] <= 1]
    assert "both:truncated[bravo]" in check(cut)

    changed = json.loads(json.dumps(exports["alpha"]))
    ours = next(s for s in changed["sides"] if s["name"] == "alpha")
    raw = ours["entries"][0]
    ours["entries"][0] = raw[:20] + ("A" if raw[20] != "A" else "B") + raw[21:]
    failed = check(changed)
    assert "alpha:entries[alpha]" in failed, failed
