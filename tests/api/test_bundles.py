"""A single notice's proof bundle (``/v1/notices/{side}/{index}/proof``) and the evidence list."""

from __future__ import annotations

import base64

import pytest

from hotline.store.base import EvidenceRecord
from hotline_protocol.errors import ProofError
from hotline_protocol.merkle import leaf_hash
from hotline_protocol.note import Verifier
from hotline_protocol.proof import parse_bundle, verify_bundle

from .conftest import NodeApp


async def test_proof_bundle_verifies_offline(node_app: NodeApp) -> None:
    posted = await node_app.post_liaisons(5)
    headers = await node_app.headers("auditor")
    node = node_app.node
    log = Verifier.from_vkey(node.own.log_vkey)
    for result in posted:
        r = await node_app.client.get(f"/v1/notices/alpha/{result['index']}/proof", headers=headers)
        assert r.status_code == 200, r.text
        body = r.json()
        entry = base64.b64decode(body["entry"])
        assert (
            body["leaf_hash"] == result["leaf_hash"] == base64.b64encode(leaf_hash(entry)).decode()
        )
        assert body["origin"] == node.own.origin and body["index"] == result["index"]
        assert body["cosigned"] is False  # no peer: nobody cosigned
        verified = verify_bundle(body["bundle"].encode(), entry, origin=node.own.origin, log=log)
        assert verified.index == result["index"]
        assert verified.checkpoint.size == body["size"] > result["index"]
        assert "Content-Disposition" not in r.headers


async def test_a_bundle_does_not_verify_another_entry(node_app: NodeApp) -> None:
    await node_app.post_liaisons(3)
    headers = await node_app.headers()
    first = (await node_app.client.get("/v1/notices/alpha/0/proof", headers=headers)).json()
    second = (await node_app.client.get("/v1/notices/alpha/1/proof", headers=headers)).json()
    log = Verifier.from_vkey(node_app.node.own.log_vkey)
    with pytest.raises(ProofError):
        verify_bundle(
            first["bundle"].encode(),
            base64.b64decode(second["entry"]),
            origin=node_app.node.own.origin,
            log=log,
        )
    assert parse_bundle(first["bundle"].encode()).index == 0


async def test_download_is_an_attachment(node_app: NodeApp) -> None:
    await node_app.post_liaisons(1)
    r = await node_app.client.get(
        "/v1/notices/alpha/0/proof", params={"download": "1"}, headers=await node_app.headers()
    )
    assert r.status_code == 200
    assert r.headers["Content-Disposition"] == 'attachment; filename="hotline-proof-alpha-0.json"'
    assert r.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize(
    ("path", "status", "code"),
    [
        ("/v1/notices/nobody/0/proof", 404, "unknown_side"),
        ("/v1/notices/alpha/7/proof", 404, "unknown_entry"),
        ("/v1/notices/alpha/-1/proof", 404, "unknown_entry"),
    ],
)
async def test_proof_of_what_is_not_there(
    node_app: NodeApp, path: str, status: int, code: str
) -> None:
    await node_app.post_liaisons(1)
    r = await node_app.client.get(path, headers=await node_app.headers())
    assert (r.status_code, r.json()["error"]) == (status, code)


async def test_proof_needs_a_token(node_app: NodeApp) -> None:
    await node_app.post_liaisons(1)
    r = await node_app.client.get("/v1/notices/alpha/0/proof")
    assert r.status_code == 401


async def test_evidence_is_listed_for_auditors_only(
    node_app: NodeApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = node_app.node.store
    raw = b'{"type":"entries","forged":true}' * 100
    first = await store.add_evidence(EvidenceRecord(1000, "peer", "bad_signature", "no", raw))
    second = await store.add_evidence(EvidenceRecord(2000, "peer", "fork", "size 3", b"x"))
    denied = await node_app.client.get("/v1/audit/evidence", headers=await node_app.headers())
    assert denied.status_code == 403

    async def whole() -> object:
        raise AssertionError("a page of evidence read every record kept")

    monkeypatch.setattr(store, "list_evidence", whole)
    r = await node_app.client.get("/v1/audit/evidence", headers=await node_app.headers("auditor"))
    assert r.status_code == 200
    body = r.json()
    assert body["total"] == 2
    newest, oldest = body["evidence"]
    assert (newest["id"], newest["reason"], newest["size"]) == (second, "fork", 1)
    assert (oldest["id"], oldest["time"], oldest["source"]) == (first, 1000, "peer")
    assert oldest["size"] == len(raw)
    assert base64.b64decode(oldest["head"]) == raw[:1024]
    limited = await node_app.client.get(
        "/v1/audit/evidence", params={"limit": 1}, headers=await node_app.headers("auditor")
    )
    assert [e["id"] for e in limited.json()["evidence"]] == [second]
