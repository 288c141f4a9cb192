"""The OpenAPI document holds for a real node: schemathesis, every phase, as each role and with
no token, against ``hotline serve`` on a real socket.

Every answer must be documented: no 5xx, no status code, content type or header the operation
does not declare, no body that breaks the declared schema. The examples per operation are
bounded (``MAX_EXAMPLES``) and the seed fixed. Path parameters name the node's own side, so the
operations reach entries that exist as well as ones that do not.

The coverage phase tries every boundary of every field: for the two operations that take a
notice (``NOTICE_BODIES``), thousands of cases each. Each of them runs that phase as one role
that may post (``COVERED_BY``): for a caller who may not post, every such case would be the same
refusal before the body is read. Every other phase runs every operation as every role.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.helpers.node_process import NodeProcess, make_node_dir

pytestmark = [pytest.mark.integration, pytest.mark.slow]

NOTICE_BODIES = ("POST /v1/notices", "POST /v1/conflicts/check")
COVERED_BY = {"POST /v1/notices": "operator", "POST /v1/conflicts/check": "automation"}
MAX_EXAMPLES = 10
CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
)
PHASES = "examples,coverage,fuzzing,stateful"
LIAISON = {"kind": "liaison", "status": "exercise", "text": "Line check.", "language": "en"}


def config(directory: Path, role: str | None) -> Path:
    """A schemathesis configuration file for ``role``: the path parameter ``side`` is the
    node's; the notice bodies' coverage phase runs for the role that covers each."""
    text = '[parameters]\n"path.side" = "alpha"\n'
    skipped = [name for name in NOTICE_BODIES if COVERED_BY[name] != role]
    if skipped:
        names = ", ".join(f'"{name}"' for name in skipped)
        text += f"\n[[operations]]\ninclude-name = [{names}]\nphases.coverage.enabled = false\n"
    path = directory / "schemathesis.toml"
    path.write_text(text)
    return path


def schemathesis(url: str, conf: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``schemathesis run`` against ``url`` (its exit code is 0 when no check failed), in the
    configuration's directory (where it keeps its cache of failures to replay)."""
    command = [sys.executable, "-m", "schemathesis.cli", "--config-file", str(conf), "run"]
    command += [url, "--checks", ",".join(CHECKS), "--seed", "21", "--no-shrink", "--workers", "1"]
    command += ["--request-timeout", "30", "--continue-on-failure", *args]
    return subprocess.run(
        command, cwd=conf.parent, capture_output=True, text=True, timeout=900, check=False
    )


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, str]]]:
    """A running node with a few notices of its own; its URL and a token per role."""
    directory, tokens = make_node_dir(tmp_path_factory.mktemp("schemathesis"), "alpha", "a.ex")
    with NodeProcess(directory) as process:
        headers = {"Authorization": f"Bearer {tokens['operator']}"}
        for i in range(3):
            posted = httpx.post(
                f"{process.url}/v1/notices", json={**LIAISON, "text": f"n{i}"}, headers=headers
            )
            assert posted.status_code == 201, posted.text
        yield process.url, tokens


# the admin last: it may revoke users the others need
ROLES = [None, "auditor", "automation", "operator", "admin"]


@pytest.mark.parametrize("role", ROLES, ids=[r or "no-token" for r in ROLES])
def test_every_answer_is_documented(
    node: tuple[str, dict[str, str]], role: str | None, tmp_path: Path
) -> None:
    url, tokens = node
    auth = [] if role is None else ["-H", f"Authorization: Bearer {tokens[role]}"]
    conf = config(tmp_path, role)
    args = ["--phases", PHASES, "-n", str(MAX_EXAMPLES), *auth]
    run = schemathesis(f"{url}/openapi.json", conf, *args)
    assert run.returncode == 0, run.stdout[-20000:] + run.stderr[-5000:]
    assert " generated" in run.stdout


def test_an_undocumented_status_fails_the_check(
    node: tuple[str, dict[str, str]], tmp_path: Path
) -> None:
    """The checks bite: the same document without the 401 of ``GET /v1/keys`` fails."""
    url, _ = node
    doc: dict[str, Any] = httpx.get(f"{url}/openapi.json").json()
    del doc["paths"]["/v1/keys"]["get"]["responses"]["401"]
    path = tmp_path / "openapi.json"
    path.write_text(json.dumps(doc))
    conf = config(tmp_path, None)
    run = schemathesis(str(path), conf, "--url", url, "--include-path", "/v1/keys", "-n", "5")
    assert run.returncode != 0
    assert "Undocumented status code" in run.stdout
