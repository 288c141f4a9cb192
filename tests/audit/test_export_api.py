"""GET /v1/audit/export on an in-process node: who may download it, and that it verifies."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from typing import Any

import pytest

from hotline.audit.export import snapshot
from hotline.store.base import EvidenceRecord, HeartbeatRecord
from hotline_protocol.audit import verify_export
from tests.audit.conftest import AuditNode
from tests.protocol.audit.builders import EXAMPLES

LIAISON: dict[str, Any] = {"kind": "liaison", "status": "exercise", "language": "en"}


def operation() -> dict[str, Any]:
    body: dict[str, Any] = json.loads((EXAMPLES / "planned_operation.json").read_text())
    for key in ("id", "author", "time", "expires"):
        del body[key]
    return body


async def post_story(n: AuditNode) -> None:
    """An operation, a liaison, an update of the operation and a cancel of the update."""
    first = await n.post(operation())
    await n.post({**LIAISON, "text": "Line check at 08:00Z."})
    ref = {"origin": n.node.own.origin, "index": first["index"], "leaf_hash": first["leaf_hash"]}
    update = await n.post({**operation(), "supersedes": ref})
    r = await n.client.post(
        f"/v1/notices/alpha/{update['index']}/cancel",
        json={"reason": "operation_called_off"},
        headers=await n.headers("operator"),
    )
    assert r.status_code == 201, r.text


async def download(n: AuditNode) -> bytes:
    r = await n.client.get("/v1/audit/export", headers=await n.headers("auditor"))
    assert r.status_code == 200, r.text
    return r.content


async def test_an_export_from_a_running_node_verifies(lone_node: AuditNode) -> None:
    await post_story(lone_node)

    report = verify_export(await download(lone_node), lone_node.cards())

    assert report.ok, report.render()
    assert [(s.name, s.entries) for s in report.sides] == [("alpha", 4)]
    assert "1 cancel and 1 update" in report.check("references", "alpha").summary
    assert report.check("cosignatures", "alpha").status == "INFO"  # no other side to cosign
    assert report.render().splitlines()[-1].startswith("VERDICT: PASS")
    # without the card the export vouches for its own keys: never a PASS
    assert verify_export(await download(lone_node)).result == "UNPINNED"


async def test_an_export_with_the_peer_pinned_holds_both_sides(audit_node: AuditNode) -> None:
    await post_story(audit_node)

    report = verify_export(await download(audit_node), audit_node.cards())

    assert report.ok, report.render()
    assert [(s.name, s.entries) for s in report.sides] == [("alpha", 4), ("bravo", 0)]
    # nothing is delivered yet: alpha's checkpoints carry no cosignature by bravo's witness
    cosignatures = report.check("cosignatures", "alpha").summary
    assert cosignatures.startswith("0 of ") and "bravo.hotline.example/witness+" in cosignatures
    assert report.sides[0].latest_cosigned is None


async def test_the_export_holds_every_entry_checkpoint_and_evidence(
    audit_node: AuditNode,
) -> None:
    await post_story(audit_node)
    store = audit_node.node.store
    await store.add_evidence(
        EvidenceRecord(1_767_261_600_000, "peer", "bad_signature", "checkpoint 7", b"\x00raw\xff")
    )

    doc = json.loads(await download(audit_node))

    origin = audit_node.node.own.origin
    alpha, bravo = doc["sides"]
    assert doc["format"] == "hotline-audit-export/v1"
    assert doc["exported_by"] == "alpha"
    assert (alpha["name"], alpha["origin"], alpha["size"]) == ("alpha", origin, 4)
    assert alpha["log_vkey"] == audit_node.node.own.log_vkey
    assert alpha["witness_vkey"] == audit_node.node.own.witness_vkey
    # the own side's deadlines, as its card states them; bravo's card pinned none
    assert alpha["deadlines"] == {
        "FLASH": 300,
        "IMMEDIATE": 1800,
        "PRIORITY": 10800,
        "ROUTINE": 21600,
    }
    assert "deadlines" not in bravo
    assert audit_node.node.peer is not None
    assert bravo["log_vkey"] == audit_node.node.peer.log_vkey
    assert [base64.b64decode(e) for e in alpha["entries"]] == await store.entries(origin, 0, 4)
    stored = await store.checkpoints(origin)
    assert alpha["checkpoints"] == [{"size": c.size, "note": c.note.decode()} for c in stored]
    assert doc["evidence"] == [
        {
            "id": 1,
            "time": 1_767_261_600_000,
            "source": "peer",
            "reason": "bad_signature",
            "detail": "checkpoint 7",
            "raw": base64.b64encode(b"\x00raw\xff").decode(),
            "size": 5,  # kept whole: its own size and digest
            "sha256": base64.b64encode(hashlib.sha256(b"\x00raw\xff").digest()).decode(),
        }
    ]
    report = verify_export(json.dumps(doc).encode(), audit_node.cards())
    assert report.ok
    assert report.check("evidence").summary == "1 refused input: 1 bad_signature"


async def test_small_store_reads_stream_the_same_document(audit_node: AuditNode) -> None:
    for i in range(7):
        await audit_node.post({**LIAISON, "text": f"notice {i}"})
    node = audit_node.node
    assert node.peer is not None
    sides = [node.own, node.peer]

    whole = await (await snapshot(node.store, sides, "alpha", 1_000, chunk=1000)).read()
    small = await snapshot(node.store, sides, "alpha", 1_000, chunk=2)
    pieces = [piece async for piece in small.chunks()]

    assert b"".join(pieces) == whole
    assert len(pieces) > 6
    assert verify_export(whole, audit_node.cards()).ok


async def test_checkpoints_are_read_a_page_at_a_time_up_to_the_snapshot(
    audit_node: AuditNode,
) -> None:
    for i in range(5):
        await audit_node.post({**LIAISON, "text": f"notice {i}"})
    node = audit_node.node
    assert node.peer is not None
    sides = [node.own, node.peer]
    signed = await node.store.checkpoints(node.own.origin)
    assert len(signed) > 4

    whole = await (await snapshot(node.store, sides, "alpha", 1_000)).read()
    paged = await snapshot(node.store, sides, "alpha", 1_000, page=2)
    await audit_node.post({**LIAISON, "text": "after the snapshot"})  # a checkpoint more
    written = await paged.read()

    assert written == whole
    exported = json.loads(written)["sides"][0]["checkpoints"]
    assert [cp["size"] for cp in exported] == [cp.size for cp in signed]
    assert verify_export(written, audit_node.cards()).ok


async def test_evidence_is_read_a_page_at_a_time_up_to_the_snapshot(
    audit_node: AuditNode, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Five evidence records written two at a time, in order; one kept after the snapshot is
    not in it; the list of every record is never read."""
    node = audit_node.node
    assert node.peer is not None
    sides = [node.own, node.peer]
    for i in range(5):
        record = EvidenceRecord(1_000 + i, "peer", "bad_signature", f"#{i}", bytes([i]) * 10)
        await node.store.add_evidence(record)

    async def whole() -> object:
        raise AssertionError("the export read every evidence record at once")

    monkeypatch.setattr(node.store, "list_evidence", whole)
    paged = await snapshot(node.store, sides, "alpha", 1_000, page=2)
    await node.store.add_evidence(EvidenceRecord(2_000, "peer", "fork", "later", b"x"))
    written = await paged.read()

    assert [e["detail"] for e in json.loads(written)["evidence"]] == [f"#{i}" for i in range(5)]
    assert verify_export(written, audit_node.cards()).ok


async def test_heartbeats_are_read_a_page_at_a_time_up_to_the_snapshot(
    audit_node: AuditNode, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The other side's heartbeats of the own feed, written two at a time, oldest first; one
    kept after the snapshot is not in it; the list of every one is never read."""
    await audit_node.post({**LIAISON, "text": "a checkpoint to beat on"})
    node = audit_node.node
    assert node.peer is not None
    own, witness = node.own.origin, node.peer.witness_name
    latest = await node.store.latest_checkpoint(own)
    assert latest is not None
    for t in (30, 10, 20, 40, 50):
        beat = HeartbeatRecord(own, latest.size, witness, 1_767_261_600 + t, f"— beat {t}", t)
        await node.store.add_heartbeat(beat)

    async def whole(origin: str) -> object:
        raise AssertionError("the export read every heartbeat at once")

    monkeypatch.setattr(node.store, "heartbeats", whole)
    paged = await snapshot(node.store, [node.own, node.peer], "alpha", 1_000, page=2)
    later = HeartbeatRecord(own, latest.size, witness, 1_767_261_700, "— later", 99)
    await node.store.add_heartbeat(later)
    written = await paged.read()

    exported = json.loads(written)["sides"][0]["heartbeats"]
    assert [h["line"] for h in exported] == [f"— beat {t}" for t in (10, 20, 30, 40, 50)]
    assert all(h["size"] == latest.size for h in exported)


async def test_an_auditor_downloads_the_export_as_a_json_file(audit_node: AuditNode) -> None:
    r = await audit_node.client.get("/v1/audit/export", headers=await audit_node.headers("auditor"))

    assert r.status_code == 200
    assert r.headers["content-type"] == "application/json"
    disposition = r.headers["content-disposition"]
    assert re.fullmatch(
        r'attachment; filename="hotline-audit-alpha-\d{8}T\d{6}Z\.json"', disposition
    )
    assert verify_export(r.content, audit_node.cards()).ok


@pytest.mark.parametrize("role", ["operator", "automation", "admin"])
async def test_other_roles_may_not_export(audit_node: AuditNode, role: str) -> None:
    r = await audit_node.client.get("/v1/audit/export", headers=await audit_node.headers(role))

    assert r.status_code == 403
    assert r.json()["error"] == "forbidden"


@pytest.mark.parametrize(
    "headers", [{}, {"Authorization": "Bearer hl_not-a-token"}, {"Authorization": "Basic x"}]
)
async def test_the_export_needs_a_valid_token(
    audit_node: AuditNode, headers: dict[str, str]
) -> None:
    r = await audit_node.client.get("/v1/audit/export", headers=headers)

    assert r.status_code == 401
    assert r.headers["www-authenticate"] == "Bearer"
