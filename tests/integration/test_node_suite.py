"""One suite, two stores: ``hotline serve`` as a real process on SQLite and on a real Redis.

For each store, node alpha runs on it (Redis: a ``redis-server`` of its own on a free port, AOF
on), paired with node bravo (SQLite), both real processes. The tests share that pair, in order:
every example notice kind is posted; listed, filtered, paged and read back; retried with an
idempotency key; the log is checked against the card's vkey with inclusion and consistency
proofs; the audit export verifies offline; users come and go through the CLI while the node
runs; the metrics show the feed; and last, a restart (SIGTERM) keeps everything, the new
checkpoint consistent with the old one.
"""

from __future__ import annotations

import base64
import json
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest

from hotline.provision.card import Card, parse_card
from hotline.settings import load_settings
from hotline_protocol.audit import verify_export
from hotline_protocol.checkpoint import open_checkpoint
from hotline_protocol.cosignature import CosignatureVerifier
from hotline_protocol.merkle import leaf_hash, verify_consistency, verify_inclusion
from hotline_protocol.note import Verifier
from tests.helpers.node_process import NodeProcess, make_node_dir, run_cli
from tests.helpers.redis_server import RedisServer

pytestmark = [pytest.mark.integration, pytest.mark.slow]

STORES = ["sqlite", "redis"]
ALPHA, BRAVO = "hotline.example/alpha", "hotline.example/bravo"
EXAMPLES = Path(__file__).parents[1] / "protocol" / "examples"
TIMEOUT = 30.0
T = TypeVar("T")


def wait_for(get: Callable[[], T | None], what: str, timeout: float = TIMEOUT) -> T:
    """Poll ``get`` until it returns something other than None; fail naming ``what``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = get()
        if value is not None:
            return value
        time.sleep(0.02)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def b64(text: str) -> bytes:
    return base64.b64decode(text, validate=True)


def example(kind: str) -> dict[str, Any]:
    """An example notice without what the node fills in (id, time, author) or ``expires``."""
    body: dict[str, Any] = json.loads((EXAMPLES / f"{kind}.json").read_text())
    for key in ("id", "time", "author", "expires"):
        body.pop(key, None)
    return body


def ref(result: dict[str, Any]) -> dict[str, Any]:
    return {k: result[k] for k in ("origin", "index", "leaf_hash")}


@dataclass
class Side:
    node: NodeProcess
    directory: Path
    tokens: dict[str, str]  # role -> token of the user named after it
    card: Card

    def headers(self, role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[role]}"}

    def get(self, path: str, role: str = "auditor", **params: Any) -> httpx.Response:
        return httpx.get(
            self.node.url + path, params=params, headers=self.headers(role), timeout=TIMEOUT
        )

    def ok(self, path: str, role: str = "auditor", **params: Any) -> Any:
        r = self.get(path, role, **params)
        assert r.status_code == 200, f"{path}: {r.status_code} {r.text}"
        return r.json()

    def post(
        self, path: str, body: dict[str, Any], role: str = "operator", **headers: str
    ) -> httpx.Response:
        return httpx.post(
            self.node.url + path,
            json=body,
            headers={**self.headers(role), **headers},
            timeout=TIMEOUT,
        )

    def sizes(self) -> dict[str, int]:
        health = httpx.get(self.node.url + "/healthz", timeout=TIMEOUT)
        assert health.status_code == 200, health.text
        sizes: dict[str, int] = health.json()["sizes"]
        return sizes


@dataclass
class Pair:
    store: str
    alpha: Side
    bravo: Side


@pytest.fixture(scope="module", params=STORES)
def pair(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Pair]:
    store: str = request.param
    tmp = tmp_path_factory.mktemp(store)
    redis = RedisServer(tmp / "redis") if store == "redis" else None
    nodes: list[NodeProcess] = []
    try:
        url = redis.start().url if redis is not None else None
        sides = {}
        for name, origin, store_url in (("alpha", ALPHA, url), ("bravo", BRAVO, None)):
            directory, tokens = make_node_dir(tmp, name, origin, store_url)
            card = parse_card((directory / "card.txt").read_bytes())
            sides[name] = Side(NodeProcess(directory), directory, tokens, card)
        assert load_settings(sides["alpha"].directory).store.startswith(f"{store}:")
        for own, other in (("alpha", "bravo"), ("bravo", "alpha")):
            paired = run_cli("pair", sides[own].directory, sides[other].directory / "card.txt")
            assert paired.code == 0, paired.err
        for side in sides.values():
            nodes.append(side.node)
            side.node.start()
        yield Pair(store, sides["alpha"], sides["bravo"])
    finally:
        for node in nodes:
            node.stop()
        if redis is not None:
            redis.stop()


@pytest.fixture(scope="module")
def posted(pair: Pair) -> dict[str, dict[str, Any]]:
    """Every example kind posted at alpha (the ack answers a liaison of bravo's), plus an update
    of the planned operation: name -> the 201 answer."""
    alpha, bravo = pair.alpha, pair.bravo
    out: dict[str, dict[str, Any]] = {}

    def post(name: str, body: dict[str, Any], side: Side = alpha) -> None:
        r = side.post("/v1/notices", body)
        assert r.status_code == 201, f"{name}: {r.status_code} {r.text}"
        out[name] = r.json()

    post("bravo liaison", example("liaison"), bravo)
    wait_for(lambda: alpha.sizes().get("bravo") or None, "bravo's liaison at alpha")
    post("liaison", example("liaison"))
    post("planned_operation", example("planned_operation"))
    post("aircraft_in_distress", example("aircraft_in_distress"))
    post(
        "downed_pilot",
        {**example("downed_pilot"), "distress_ref": ref(out["aircraft_in_distress"])},
    )
    post("ack", {**example("ack"), "ref": ref(out["bravo liaison"])})
    post("cancel", {**example("cancel"), "ref": ref(out["downed_pilot"])})
    update = {**example("planned_operation"), "supersedes": ref(out["planned_operation"])}
    post("update", {**update, "remarks": "Corridor moved 20 NM east."})
    return out


# posting and reading -------------------------------------------------------------------------


def test_every_example_kind_is_appended(pair: Pair, posted: dict[str, dict[str, Any]]) -> None:
    own = {name: r for name, r in posted.items() if name != "bravo liaison"}
    assert [r["index"] for r in own.values()] == list(range(len(own)))
    for name, result in own.items():
        kind = "planned_operation" if name == "update" else name
        assert (result["side"], result["origin"]) == ("alpha", ALPHA)
        assert result["notice"]["kind"] == kind
        assert result["notice"]["author"] == {"id": "operator", "unit": "HQ alpha", "nation": "XAB"}
    assert pair.alpha.sizes() == {"alpha": len(own), "bravo": 1}


def test_list_filter_and_page(pair: Pair, posted: dict[str, dict[str, Any]]) -> None:
    alpha = pair.alpha
    everything = alpha.ok("/v1/notices")["notices"]
    assert len(everything) == len(posted)
    keys = [(n["side"], n["index"]) for n in everything]
    assert set(keys) == {(r["side"], r["index"]) for r in posted.values()}
    times = [n["notice"]["time"] for n in everything]
    assert times == sorted(times, reverse=True), "newest first"

    def kinds(**params: Any) -> list[str]:
        return sorted(n["kind"] for n in alpha.ok("/v1/notices", **params)["notices"])

    assert kinds(kind="liaison") == ["liaison", "liaison"]
    assert kinds(side="bravo") == ["liaison"]
    assert kinds(precedence="FLASH") == ["aircraft_in_distress", "downed_pilot"]
    assert kinds(kind="planned_operation", side="alpha") == ["planned_operation"] * 2

    pages: list[tuple[str, int]] = []
    cursor: str | None = None
    while True:
        params: dict[str, Any] = {"limit": 3} | ({"cursor": cursor} if cursor else {})
        page = alpha.ok("/v1/notices", **params)
        assert len(page["notices"]) <= 3
        pages += [(n["side"], n["index"]) for n in page["notices"]]
        cursor = page["next"]
        if cursor is None:
            break
    assert pages == keys, "the pages are the listing, in order, nothing twice"


def test_get_by_side_and_index_with_state(pair: Pair, posted: dict[str, dict[str, Any]]) -> None:
    alpha = pair.alpha
    for name, result in posted.items():
        got = alpha.ok(f"/v1/notices/{result['side']}/{result['index']}")
        for key in ("origin", "index", "leaf_hash", "id", "notice"):
            assert got[key] == result[key], (name, key)
    state = alpha.ok("/v1/notices/bravo/0")["state"]
    assert state["status"] == "acknowledged"
    assert state["acknowledged"]["response"] == "UNABLE"
    assert state["acknowledged"]["entry"] == {"side": "alpha", "index": posted["ack"]["index"]}
    pilot = alpha.ok(f"/v1/notices/alpha/{posted['downed_pilot']['index']}")["state"]
    assert pilot["cancelled_by"] == {"side": "alpha", "index": posted["cancel"]["index"]}
    op = alpha.ok(f"/v1/notices/alpha/{posted['planned_operation']['index']}")["state"]
    assert op["superseded_by"] == {"side": "alpha", "index": posted["update"]["index"]}
    # bravo holds alpha's feed as alpha wrote it
    size = len(posted) - 1
    wait_for(lambda: pair.bravo.sizes().get("alpha") == size or None, "alpha's feed at bravo")
    at_bravo = pair.bravo.ok(f"/v1/notices/alpha/{posted['ack']['index']}")
    assert at_bravo["leaf_hash"] == posted["ack"]["leaf_hash"]


def test_a_retried_post_is_appended_once(pair: Pair, posted: dict[str, dict[str, Any]]) -> None:
    alpha = pair.alpha
    before = alpha.sizes()["alpha"]
    body = {**example("liaison"), "text": "Retry me."}
    first = alpha.post("/v1/notices", body, **{"Idempotency-Key": f"retry-{pair.store}"})
    again = alpha.post("/v1/notices", body, **{"Idempotency-Key": f"retry-{pair.store}"})
    assert first.status_code == 201, first.text
    assert again.status_code == 200 and again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert first.json()["index"] == before
    assert alpha.sizes()["alpha"] == before + 1


# logs and audit ------------------------------------------------------------------------------


def test_log_verifies_with_the_cards_keys(pair: Pair, posted: dict[str, dict[str, Any]]) -> None:
    alpha, bravo = pair.alpha, pair.bravo
    size = alpha.sizes()["alpha"]
    witness = CosignatureVerifier.from_vkey(bravo.card.witness_vkey)

    def cosigned_note() -> bytes | None:
        r = alpha.get("/v1/logs/alpha/checkpoint")
        assert r.status_code == 200, r.text
        signed = open_checkpoint(
            r.content,
            origin=ALPHA,
            log=Verifier.from_vkey(alpha.card.log_vkey),
            witnesses=[witness],
        )
        if signed.checkpoint.size == size and witness.name in signed.cosignatures:
            return r.content
        return None

    note = wait_for(cosigned_note, "bravo's cosignature on alpha's checkpoint (delivery)")
    checkpoint = open_checkpoint(
        note, origin=ALPHA, log=Verifier.from_vkey(alpha.card.log_vkey)
    ).checkpoint

    entries: list[bytes] = []
    while len(entries) < size:
        page = alpha.ok("/v1/logs/alpha/entries", start=len(entries))
        entries += [b64(e) for e in page["entries"]]
    assert len(entries) == size
    for index, raw in enumerate(entries):
        proof = alpha.ok("/v1/logs/alpha/proof/inclusion", index=index, size=size)
        assert b64(proof["leaf_hash"]) == leaf_hash(raw)
        hashes = [b64(h) for h in proof["proof"]]
        verify_inclusion(leaf_hash(raw), index, size, hashes, checkpoint.root)
    for old in range(1, size):
        proof = alpha.ok("/v1/logs/alpha/proof/consistency", old=old, size=size)
        hashes = [b64(h) for h in proof["proof"]]
        verify_consistency(old, size, hashes, b64(proof["old_root"]), checkpoint.root)


def test_audit_export_verifies_offline(pair: Pair, posted: dict[str, dict[str, Any]]) -> None:
    r = pair.alpha.get("/v1/audit/export")
    assert r.status_code == 200, r.text
    report = verify_export(r.content, [pair.alpha.card, pair.bravo.card])
    assert report.ok, report.render()
    sides = {s["name"]: len(s["entries"]) for s in json.loads(r.content)["sides"]}
    assert sides == pair.alpha.sizes()


# users, metrics, restart -------------------------------------------------------------------


def test_users_added_and_revoked_by_the_cli_while_running(pair: Pair) -> None:
    alpha = pair.alpha
    name = f"duty-{pair.store}"
    added = run_cli("users", "add", alpha.directory, name, "--role", "automation")
    assert added.code == 0, added.err
    headers = {"Authorization": f"Bearer {added.out.strip()}"}
    body = {**example("liaison"), "text": "From a new system."}
    r = httpx.post(f"{alpha.node.url}/v1/notices", json=body, headers=headers)
    assert r.status_code == 201, r.text
    assert r.json()["notice"]["author"]["id"] == name

    revoked = run_cli("users", "revoke", alpha.directory, name)
    assert revoked.code == 0, revoked.err
    r = httpx.post(f"{alpha.node.url}/v1/notices", json=body, headers=headers)
    assert (r.status_code, r.json()["error"]) == (401, "bad_token")
    listed = run_cli("users", "list", alpha.directory)
    assert listed.code == 0 and name in listed.out


def test_metrics_expose_the_feed_sizes(pair: Pair) -> None:
    alpha = pair.alpha
    r = alpha.get("/metrics", role="admin")
    assert r.status_code == 200, r.text
    for side, size in alpha.sizes().items():
        line = re.search(rf'^hotline_feed_size{{side="{side}"}} (\S+)$', r.text, re.MULTILINE)
        assert line is not None, f"no hotline_feed_size for {side}"
        assert float(line[1]) == size


def test_restart_keeps_everything(pair: Pair, posted: dict[str, dict[str, Any]]) -> None:
    alpha = pair.alpha
    verifier = Verifier.from_vkey(alpha.card.log_vkey)

    def snapshot() -> tuple[dict[str, int], list[Any], list[str]]:
        sizes = alpha.sizes()
        notices = alpha.ok("/v1/notices", limit=500)["notices"]  # appended times included
        entries = alpha.ok("/v1/logs/alpha/entries")["entries"]
        return sizes, notices, entries

    before = snapshot()
    old_note = alpha.get("/v1/logs/alpha/checkpoint").content
    old = open_checkpoint(old_note, origin=ALPHA, log=verifier).checkpoint

    assert alpha.node.stop() == 0, alpha.node.log_tail()
    alpha.node.start()

    after = snapshot()
    assert after == before
    new = open_checkpoint(
        alpha.get("/v1/logs/alpha/checkpoint").content, origin=ALPHA, log=verifier
    ).checkpoint
    assert new.size >= old.size
    if new.size == old.size:
        assert new.root == old.root
    else:
        proof = alpha.ok("/v1/logs/alpha/proof/consistency", old=old.size, size=new.size)
        hashes = [b64(h) for h in proof["proof"]]
        verify_consistency(old.size, new.size, hashes, old.root, new.root)

    r = alpha.post("/v1/notices", {**example("liaison"), "text": "After the restart."})
    assert r.status_code == 201, r.text
    assert r.json()["index"] == before[0]["alpha"]
    retry = alpha.post(
        "/v1/notices",
        {**example("liaison"), "text": "Retry me."},
        **{"Idempotency-Key": f"retry-{pair.store}"},
    )
    assert retry.status_code == 200, "idempotency keys survive a restart"
