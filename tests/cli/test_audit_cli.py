"""``hotline audit export`` from a real node, then ``hotline audit verify`` and ``report``
offline against the node's card (and the protocol library's ``python -m hotline_protocol.audit``,
which prints the same)."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers.node_process import NodeProcess, run_cli

from .conftest import NodeDir

pytestmark = pytest.mark.integration


@pytest.fixture
def export_file(node_dir: NodeDir, running_node: NodeProcess, tmp_path: Path) -> Path:
    for text in ("one", "two"):
        r = run_cli(
            "send",
            node_dir.path,
            "--token",
            node_dir.tokens["operator"],
            "--kind",
            "liaison",
            "--text",
            text,
        )
        assert r.code == 0, r.err
    out = tmp_path / "export.json"
    r = run_cli("audit", "export", node_dir.path, "--token", node_dir.tokens["auditor"], "-o", out)
    assert r.code == 0, r.err
    assert r.out == ""
    assert f"bytes to {out}" in r.err
    return out


def test_audit_export_then_verify_passes(export_file: Path, node_dir: NodeDir) -> None:
    json.loads(export_file.read_bytes())
    r = run_cli("audit", "verify", export_file, "--card", node_dir.path / "card.txt")
    assert r.code == 0, r.out + r.err
    assert "Hotline audit report" in r.out
    assert r.out.strip().splitlines()[-1].startswith("VERDICT: PASS")


def test_audit_verify_without_the_card_is_unpinned(export_file: Path) -> None:
    r = run_cli("audit", "verify", export_file)
    assert r.code == 3, r.out + r.err
    assert r.out.strip().splitlines()[-1].startswith("VERDICT: UNPINNED")
    assert "--card" in r.out


def test_audit_report_tells_the_notices(export_file: Path, node_dir: NodeDir) -> None:
    card = node_dir.path / "card.txt"
    r = run_cli("audit", "report", export_file, "--card", card)
    assert r.code == 0, r.out + r.err
    assert 'alpha #0, a liaison message "one"' in r.out
    assert 'alpha #1, a liaison message "two"' in r.out

    r = run_cli("audit", "report", export_file, "--card", card, "--json")
    assert r.code == 0, r.err
    doc = json.loads(r.out)
    assert [n["fields"]["text"] for n in doc["notices"]] == ["one", "two"]
    assert doc["verdict"]["result"] == "PASS"
    assert doc["sides"][0]["deadlines"]["FLASH"] == 300


def tamper(export_file: Path, tmp_path: Path) -> Path:
    """A copy of the export with the first entry's text changed."""
    export = json.loads(export_file.read_bytes())
    entries = export["sides"][0]["entries"]
    entry = json.loads(base64.b64decode(entries[0]))
    entry["notice"]["text"] = "eno"
    entries[0] = base64.b64encode(json.dumps(entry).encode()).decode()
    tampered = tmp_path / "tampered.json"
    tampered.write_text(json.dumps(export))
    return tampered


def test_audit_verify_fails_a_tampered_export(
    export_file: Path, tmp_path: Path, node_dir: NodeDir
) -> None:
    tampered = tamper(export_file, tmp_path)
    r = run_cli("audit", "verify", tampered, "--card", node_dir.path / "card.txt")
    assert r.code == 1
    assert "FAIL" in r.out


def test_audit_verify_fails_what_is_not_an_export(tmp_path: Path) -> None:
    junk = tmp_path / "junk.json"
    junk.write_text("[]")
    r = run_cli("audit", "verify", junk)
    assert r.code == 1
    assert "FAIL" in r.out


def test_the_protocol_library_verifies_with_the_same_report_and_exit_code(
    export_file: Path, tmp_path: Path, node_dir: NodeDir
) -> None:
    junk = tmp_path / "junk.json"
    junk.write_text("[]")
    missing = tmp_path / "none.json"
    card = ["--card", str(node_dir.path / "card.txt")]
    cases = [
        (export_file, card, 0),
        (export_file, [], 3),
        (tamper(export_file, tmp_path), card, 1),
        (junk, card, 1),
        (missing, card, 2),
    ]
    for path, extra, code in cases:
        node = run_cli("audit", "verify", path, *extra)
        protocol = subprocess.run(
            [sys.executable, "-m", "hotline_protocol.audit", "verify", str(path), *extra],
            capture_output=True,
            encoding="utf-8",
            timeout=60,
        )
        assert (node.code, protocol.returncode) == (code, code), protocol.stderr
        assert protocol.stdout == node.out
        if code == 2:
            assert "cannot read" in node.err and "cannot read" in protocol.stderr
        else:
            assert "Hotline audit report" in protocol.stdout


def test_audit_export_needs_an_auditor(
    node_dir: NodeDir, running_node: NodeProcess, tmp_path: Path
) -> None:
    out = tmp_path / "export.json"
    r = run_cli("audit", "export", node_dir.path, "--token", node_dir.tokens["operator"], "-o", out)
    assert r.code == 2
    assert "403 forbidden" in r.err
    assert not out.exists()
    assert list(tmp_path.iterdir()) == [node_dir.path]


def test_audit_verify_a_missing_file(tmp_path: Path) -> None:
    r = run_cli("audit", "verify", tmp_path / "none.json")
    assert r.code == 2
    assert "cannot read" in r.err


def test_audit_verify_a_bad_card(export_file: Path, tmp_path: Path) -> None:
    card = tmp_path / "card.txt"
    card.write_text("hotline-card v1\nside alpha\n")
    r = run_cli("audit", "verify", export_file, "--card", card)
    assert r.code == 2
    assert (
        r.err == f"hotline: error: bad card {card}: the card lacks origin, log-vkey, "
        "witness-vkey, url\n"
    )
