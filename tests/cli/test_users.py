"""``hotline users add|list|revoke``: straight on the store, while the node runs or not."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.helpers.node_process import NodeProcess, make_node_dir, run_cli
from tests.helpers.redis_server import RedisServer

from .conftest import NodeDir


def test_users_add_prints_only_the_token(node_dir: NodeDir) -> None:
    r = run_cli("users", "add", node_dir.path, "duty-officer", "--role", "operator")
    assert (r.code, r.err) == (0, "")
    token = r.out.strip()
    assert r.out == token + "\n"
    assert token.startswith("hl_") and " " not in token


def test_users_list_shows_every_user_with_role_created_and_revoked(node_dir: NodeDir) -> None:
    assert run_cli("users", "revoke", node_dir.path, "automation").code == 0
    r = run_cli("users", "list", node_dir.path)
    assert r.code == 0
    header, *rows = r.out.splitlines()
    assert header.split() == ["NAME", "ROLE", "CREATED", "REVOKED"]
    table = {row.split()[0]: row.split() for row in rows}
    assert set(table) == {"admin", "auditor", "automation", "operator"}
    assert table["operator"][1] == "operator"
    assert table["operator"][2].endswith("Z")
    assert table["operator"][3] == "-"
    assert table["automation"][3].endswith("Z")


def test_users_add_refuses_a_taken_name(node_dir: NodeDir) -> None:
    r = run_cli("users", "add", node_dir.path, "operator", "--role", "auditor")
    assert r.code == 2
    assert r.err == "hotline: error: user_exists: user 'operator' exists\n"


def test_users_add_refuses_a_bad_name_and_a_bad_role(node_dir: NodeDir) -> None:
    r = run_cli("users", "add", node_dir.path, "Bad Name", "--role", "operator")
    assert r.code == 2
    assert r.err.startswith("hotline: error: bad_name: ")
    r = run_cli("users", "add", node_dir.path, "x", "--role", "root")
    assert r.code == 2
    assert "hotline: error: argument --role: invalid choice: 'root'" in r.err


def test_users_revoke_twice_keeps_the_first_time(node_dir: NodeDir) -> None:
    assert run_cli("users", "revoke", node_dir.path, "operator").out.startswith("revoked")
    first = run_cli("users", "list", node_dir.path).out
    r = run_cli("users", "revoke", node_dir.path, "operator")
    assert r.code == 0
    assert "already revoked" in r.out
    assert run_cli("users", "list", node_dir.path).out == first


def test_users_revoke_an_unknown_user_is_an_error(node_dir: NodeDir) -> None:
    r = run_cli("users", "revoke", node_dir.path, "nobody")
    assert (r.code, r.err) == (2, "hotline: error: no user 'nobody'\n")


@pytest.mark.integration
def test_users_added_and_revoked_while_the_node_runs(
    node_dir: NodeDir, running_node: NodeProcess
) -> None:
    token = run_cli("users", "add", node_dir.path, "watch", "--role", "operator").out.strip()
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=running_node.url, headers=headers) as client:
        assert client.get("/v1/notices").status_code == 200
        assert run_cli("users", "revoke", node_dir.path, "watch").code == 0
        refused = client.get("/v1/notices")
        assert refused.status_code == 401
        assert refused.json()["error"] == "bad_token"


@pytest.mark.integration
def test_users_on_a_redis_store_while_the_node_runs(
    tmp_path: Path, redis_server: RedisServer
) -> None:
    directory, tokens = make_node_dir(tmp_path, "alpha", "hotline.example/alpha", redis_server.url)
    with NodeProcess(directory) as node:
        token = run_cli("users", "add", directory, "watch", "--role", "operator").out.strip()
        headers = {"Authorization": f"Bearer {token}"}
        assert httpx.get(f"{node.url}/v1/notices", headers=headers).status_code == 200
        assert run_cli("users", "revoke", directory, "watch").code == 0
        assert httpx.get(f"{node.url}/v1/notices", headers=headers).status_code == 401
        listed = run_cli("users", "list", directory).out
        assert {line.split()[0] for line in listed.splitlines()[1:]} == {*tokens, "watch"}
