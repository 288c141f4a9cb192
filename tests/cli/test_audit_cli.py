"""``hotline audit export`` from a real node, then ``hotline audit verify`` offline (and the
protocol library's ``python -m hotline_protocol.audit verify``, which prints the same)."""

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


def test_audit_export_then_verify_passes(export_file: Path) -> None:
    json.loads(export_file.read_bytes())
    r = run_cli("audit", "verify", export_file)
    assert r.code == 0, r.out + r.err
    assert "Hotline audit report" in r.out


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


def test_audit_verify_fails_a_tampered_export(export_file: Path, tmp_path: Path) -> None:
    tampered = tamper(export_file, tmp_path)
    r = run_cli("audit", "verify", tampered)
    assert r.code == 1
    assert "FAIL" in r.out


def test_audit_verify_fails_what_is_not_an_export(tmp_path: Path) -> None:
    junk = tmp_path / "junk.json"
    junk.write_text("[]")
    r = run_cli("audit", "verify", junk)
    assert r.code == 1
    assert "FAIL" in r.out


def test_the_protocol_library_verifies_with_the_same_report_and_exit_code(
    export_file: Path, tmp_path: Path
) -> None:
    junk = tmp_path / "junk.json"
    junk.write_text("[]")
    missing = tmp_path / "none.json"
    cases = [(export_file, 0), (tamper(export_file, tmp_path), 1), (junk, 1), (missing, 2)]
    for path, code in cases:
        node = run_cli("audit", "verify", path)
        protocol = subprocess.run(
            [sys.executable, "-m", "hotline_protocol.audit", "verify", str(path)],
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
