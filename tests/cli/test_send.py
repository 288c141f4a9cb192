"""``hotline send`` against a real ``hotline serve`` process."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from tests.helpers.node_process import NodeProcess, run_cli
from tests.helpers.redis_server import free_port

from .conftest import NodeDir

pytestmark = pytest.mark.integration


def liaison(text: str = "Daily line check at 08:00Z.") -> dict[str, object]:
    return {"kind": "liaison", "status": "exercise", "text": text, "language": "en-GB"}


def test_send_posts_a_file_and_prints_the_entry(
    node_dir: NodeDir, running_node: NodeProcess, tmp_path: Path
) -> None:
    notice = tmp_path / "notice.json"
    notice.write_text(json.dumps(liaison()))
    r = run_cli("send", node_dir.path, "--token", node_dir.tokens["operator"], notice)
    assert (r.code, r.err) == (0, "")
    entry = json.loads(r.out)
    assert (entry["side"], entry["origin"], entry["index"]) == ("alpha", "hotline.example/alpha", 0)
    assert entry["notice"]["text"] == "Daily line check at 08:00Z."
    assert entry["notice"]["author"] == {"id": "operator", "unit": "HQ alpha", "nation": "XAB"}

    headers = {"Authorization": f"Bearer {node_dir.tokens['auditor']}"}
    listed = httpx.get(f"{running_node.url}/v1/notices", headers=headers).json()["notices"]
    assert [(n["index"], n["id"]) for n in listed] == [(0, entry["id"])]


def test_send_file_may_follow_the_options(
    node_dir: NodeDir, running_node: NodeProcess, tmp_path: Path
) -> None:
    notice = tmp_path / "notice.json"
    notice.write_text(json.dumps(liaison("after the options")))
    r = run_cli("send", node_dir.path, notice, "--token", node_dir.tokens["automation"])
    assert r.code == 0, r.err
    assert json.loads(r.out)["notice"]["author"]["id"] == "automation"


def test_send_quick_liaison(node_dir: NodeDir, running_node: NodeProcess) -> None:
    r = run_cli(
        "send",
        node_dir.path,
        "--token",
        node_dir.tokens["operator"],
        "--kind",
        "liaison",
        "--text",
        "Radio check",
        "--language",
        "fr",
        "--precedence",
        "PRIORITY",
    )
    assert r.code == 0, r.err
    notice = json.loads(r.out)["notice"]
    assert (notice["kind"], notice["text"], notice["language"]) == ("liaison", "Radio check", "fr")
    assert (notice["status"], notice["precedence"]) == ("exercise", "PRIORITY")


def test_send_quick_distress(node_dir: NodeDir, running_node: NodeProcess) -> None:
    r = run_cli(
        "send",
        node_dir.path,
        "--token",
        node_dir.tokens["operator"],
        "--kind",
        "distress",
        "--callsign",
        "VIPER 12",
        "--lat",
        "46.912",
        "--lon",
        "-30.418",
        "--nature",
        "engine,fuel",
        "--fix-source",
        "radar",
    )
    assert r.code == 0, r.err
    notice = json.loads(r.out)["notice"]
    assert notice["kind"] == "aircraft_in_distress"
    assert notice["precedence"] == "FLASH"
    assert notice["aircraft"] == {"callsign": "VIPER 12", "nationality": "XAB"}
    assert notice["nature"] == ["engine", "fuel"]
    assert notice["last_position"]["source"] == "radar"


def test_send_with_an_idempotency_key_is_not_doubled(
    node_dir: NodeDir, running_node: NodeProcess
) -> None:
    args: list[str | Path] = [
        "send",
        node_dir.path,
        "--token",
        node_dir.tokens["operator"],
        "--kind",
        "liaison",
        "--text",
        "once",
        "--idempotency-key",
        "retry-1",
    ]
    first, second = run_cli(*args), run_cli(*args)
    assert first.code == second.code == 0
    assert json.loads(first.out)["index"] == json.loads(second.out)["index"] == 0


def test_send_a_bad_notice_exits_2_with_the_error_code(
    node_dir: NodeDir, running_node: NodeProcess, tmp_path: Path
) -> None:
    notice = tmp_path / "bad.json"
    notice.write_text(json.dumps({"kind": "liaison", "status": "exercise", "text": "no tag"}))
    r = run_cli("send", node_dir.path, "--token", node_dir.tokens["operator"], notice)
    assert r.code == 2
    assert r.out == ""
    assert r.err == (
        "hotline: error: the node refused: 422 invalid_notice: language: Field required\n"
    )


def test_send_with_a_revoked_or_wrong_role_token_is_refused(
    node_dir: NodeDir, running_node: NodeProcess
) -> None:
    quick = ["--kind", "liaison", "--text", "x"]
    r = run_cli("send", node_dir.path, "--token", node_dir.tokens["auditor"], *quick)
    assert r.code == 2
    assert "403 forbidden" in r.err
    r = run_cli("send", node_dir.path, "--token", "hl_unknown", *quick)
    assert r.code == 2
    assert "401 bad_token" in r.err


def test_send_to_an_unreachable_node_exits_1(node_dir: NodeDir) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    r = run_cli(
        "send",
        node_dir.path,
        "--token",
        "hl_x",
        "--url",
        url,
        "--kind",
        "liaison",
        "--text",
        "anyone?",
    )
    assert r.code == 1
    assert r.err.startswith(f"hotline: error: cannot reach the node at {url}")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "give the notice"),
        (["--kind", "liaison"], "--kind liaison needs --text"),
        (["--kind", "distress", "--callsign", "X 1"], "needs --lat, --lon, --nature"),
    ],
)
def test_send_usage_errors(node_dir: NodeDir, args: list[str], message: str) -> None:
    r = run_cli("send", node_dir.path, "--token", "hl_x", *args)
    assert r.code == 2
    assert r.err.startswith("hotline: error: ")
    assert message in r.err


def test_send_needs_a_token(node_dir: NodeDir, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HOTLINE_TOKEN", raising=False)
    r = run_cli("send", node_dir.path, "--kind", "liaison", "--text", "x")
    assert r.code == 2
    assert "a token is required" in r.err


def test_send_refuses_a_file_that_is_not_json(node_dir: NodeDir, tmp_path: Path) -> None:
    bad = tmp_path / "x.json"
    bad.write_text("{nope")
    r = run_cli("send", node_dir.path, "--token", "hl_x", bad)
    assert r.code == 2
    assert f"{bad} is not JSON" in r.err
