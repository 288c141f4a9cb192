"""``python -m hotline_protocol.audit verify EXPORT``: the report on stdout, exit 0 when every
check passes, 1 when one fails, 2 on bad usage or a file that cannot be read."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from hotline_protocol.audit import verify_export
from hotline_protocol.audit.command import EXIT_FAILED, EXIT_PASSED, EXIT_USAGE, main
from tests.protocol.audit.builders import TwoSides, to_bytes


def test_a_valid_export_passes(
    two_sides: TwoSides, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = to_bytes(two_sides.export())
    path = tmp_path / "export.json"
    path.write_bytes(data)

    assert main(["verify", str(path)]) == EXIT_PASSED == 0

    out = capsys.readouterr().out
    assert out == verify_export(data).render() + "\n"
    assert "VERDICT: PASS" in out


def test_a_tampered_export_fails(
    two_sides: TwoSides, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = two_sides.export()
    doc["sides"][0]["checkpoints"][0]["size"] += 1  # not the size the log key signed
    path = tmp_path / "export.json"
    path.write_bytes(to_bytes(doc))

    assert main(["verify", str(path)]) == EXIT_FAILED == 1

    out = capsys.readouterr().out
    assert out.strip().splitlines()[-1] == "VERDICT: FAIL — 1 failed: checkpoints[alpha]"
    assert "the signed note says size" in out


def test_the_export_can_come_from_stdin(
    two_sides: TwoSides, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    data = to_bytes(two_sides.export())
    monkeypatch.setattr(sys, "stdin", SimpleNamespace(buffer=io.BytesIO(data)))

    assert main(["verify", "-"]) == EXIT_PASSED

    assert capsys.readouterr().out == verify_export(data).render() + "\n"


def test_a_missing_file_and_bad_usage_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["verify", str(tmp_path / "none.json")]) == EXIT_USAGE == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("python -m hotline_protocol.audit: error: cannot read ")
    for argv in ([], ["verify"], ["check", "x.json"]):
        with pytest.raises(SystemExit) as info:
            main(argv)
        assert info.value.code == EXIT_USAGE


def test_it_runs_as_a_module(tmp_path: Path) -> None:
    junk = tmp_path / "junk.json"
    junk.write_text("[]")
    r = subprocess.run(
        [sys.executable, "-m", "hotline_protocol.audit", "verify", str(junk)],
        capture_output=True,
        encoding="utf-8",
        timeout=60,
        cwd=tmp_path,
    )
    assert r.returncode == EXIT_FAILED, r.stderr
    assert r.stdout == verify_export(b"[]").render() + "\n"
