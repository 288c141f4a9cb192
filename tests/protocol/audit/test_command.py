"""``python -m hotline_protocol.audit verify|report EXPORT [EXPORT] --card CARD ...``: the report on
stdout; exit 0 PASS, 1 FAIL, 2 bad usage or unreadable input, 3 UNPINNED (no card for a side)."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from hotline_protocol.audit import audit_exports
from hotline_protocol.audit.command import (
    EXIT_FAILED,
    EXIT_PASSED,
    EXIT_UNPINNED,
    EXIT_USAGE,
    main,
    parse_time,
)
from tests.protocol.audit.builders import TwoSides, to_bytes


@pytest.fixture
def files(two_sides: TwoSides, tmp_path: Path) -> dict[str, Path]:
    """Each side's export and card, as files."""
    out = {}
    for side in ("alpha", "bravo"):
        out[side] = tmp_path / f"{side}-export.json"
        out[side].write_bytes(to_bytes(two_sides.export_of(side)))
    for card in two_sides.cards():
        out[f"{card.side}-card"] = tmp_path / f"{card.side}-card.txt"
        out[f"{card.side}-card"].write_text(card.text())
    return out


def cards(files: dict[str, Path]) -> list[str]:
    return ["--card", str(files["alpha-card"]), "--card", str(files["bravo-card"])]


def test_a_valid_export_with_both_cards_passes(
    two_sides: TwoSides, files: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["verify", str(files["alpha"]), *cards(files)]) == EXIT_PASSED == 0

    out = capsys.readouterr().out
    expected = audit_exports(
        [(str(files["alpha"]), files["alpha"].read_bytes())], two_sides.cards()
    )
    assert out == expected.render() + "\n"
    assert out.strip().splitlines()[-1].startswith("VERDICT: PASS")
    assert "PASS  keys[alpha]" in out and "PASS  keys[bravo]" in out


def test_without_cards_the_verdict_is_unpinned_never_pass(
    files: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["verify", str(files["alpha"])]) == EXIT_UNPINNED == 3

    out = capsys.readouterr().out
    assert "PASS" not in out.strip().splitlines()[-1]
    assert out.strip().splitlines()[-1].startswith("VERDICT: UNPINNED")
    assert "WARN  keys[alpha]" in out and "--card" in out


def test_one_card_leaves_the_other_side_unpinned(
    files: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["verify", str(files["alpha"]), "--card", str(files["alpha-card"])])

    assert code == EXIT_UNPINNED
    verdict = capsys.readouterr().out.strip().splitlines()[-1]
    assert verdict.startswith("VERDICT: UNPINNED — no check failed, but the keys of bravo")


def test_a_tampered_export_fails(
    two_sides: TwoSides, files: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    doc = two_sides.export()
    doc["sides"][0]["checkpoints"][0]["size"] += 1  # not the size the log key signed
    files["alpha"].write_bytes(to_bytes(doc))

    assert main(["verify", str(files["alpha"]), *cards(files)]) == EXIT_FAILED == 1

    out = capsys.readouterr().out
    assert out.strip().splitlines()[-1] == "VERDICT: FAIL — 1 failed: checkpoints[alpha]"
    assert "the signed note says size" in out


def test_a_failure_without_cards_is_still_a_failure(
    two_sides: TwoSides, files: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    doc = two_sides.export()
    doc["sides"][0]["checkpoints"][0]["size"] += 1
    files["alpha"].write_bytes(to_bytes(doc))

    assert main(["verify", str(files["alpha"])]) == EXIT_FAILED
    verdict = capsys.readouterr().out.strip().splitlines()[-1]
    assert verdict.startswith("VERDICT: FAIL — 1 failed: checkpoints[alpha]")
    assert "keys not pinned: alpha, bravo" in verdict


def test_both_exports_together(files: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["verify", str(files["alpha"]), str(files["bravo"]), *cards(files)])

    assert code == EXIT_PASSED
    out = capsys.readouterr().out
    assert "=== export 1: alpha's export" in out and "=== export 2: bravo's export" in out
    assert "PASS  both:truncated[bravo]" in out
    assert "PASS  both:agreement[alpha]" in out


def test_the_export_can_come_from_stdin(
    files: dict[str, Path],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    data = files["alpha"].read_bytes()
    monkeypatch.setattr(sys, "stdin", SimpleNamespace(buffer=io.BytesIO(data)))

    assert main(["verify", "-", *cards(files)]) == EXIT_PASSED

    assert "VERDICT: PASS" in capsys.readouterr().out


def test_report_writes_json_with_the_verdict(
    files: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["report", str(files["alpha"]), str(files["bravo"]), *cards(files), "--json"]

    assert main(args) == EXIT_PASSED

    doc = json.loads(capsys.readouterr().out)
    assert list(doc) == [
        "as_of",
        "options",
        "sides",
        "notices",
        "left_out",
        "outages",
        "implausible",
        "evidence",
        "disagreements",
        "verdict",
    ]
    assert doc["verdict"]["result"] == "PASS"
    assert len(doc["notices"]) == 9
    assert doc["options"] == {"at": None, "outage_seconds": 120, "tolerance_seconds": 300}


def test_report_without_cards_exits_unpinned(
    files: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["report", str(files["alpha"])]) == EXIT_UNPINNED
    out = capsys.readouterr().out
    assert out.startswith("Hotline dispute report")
    assert out.strip().splitlines()[-1].startswith("VERDICT: UNPINNED")


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--at", "yesterday"], "--at 'yesterday': an ISO 8601 time"),
        (["--outage", "0"], "--outage must be above 0"),
    ],
)
def test_report_refuses_bad_options(
    files: dict[str, Path], capsys: pytest.CaptureFixture[str], extra: list[str], message: str
) -> None:
    assert main(["report", str(files["alpha"]), *extra]) == EXIT_USAGE
    captured = capsys.readouterr()
    assert captured.out == ""
    assert message in captured.err


def test_unreadable_inputs_and_bad_usage_exit_2(
    files: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["verify", str(tmp_path / "none.json")]) == EXIT_USAGE == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("python -m hotline_protocol.audit: error: cannot read ")

    assert main(["verify", str(files["alpha"]), "--card", str(tmp_path / "none.txt")]) == 2
    assert "cannot read the card" in capsys.readouterr().err

    three = [str(files["alpha"])] * 3
    assert main(["verify", *three]) == EXIT_USAGE
    assert "one from each side: 3 given" in capsys.readouterr().err

    for argv in ([], ["verify"], ["check", "x.json"]):
        with pytest.raises(SystemExit) as info:
            main(argv)
        assert info.value.code == EXIT_USAGE


def test_a_bad_card_is_named(
    files: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad-card.txt"
    bad.write_text("hotline-card v1\nside bravo\n")

    assert main(["verify", str(files["alpha"]), "--card", str(bad)]) == EXIT_USAGE

    err = capsys.readouterr().err
    assert f"bad card {bad}: the card lacks origin" in err


def test_times_are_iso_8601_or_unix_ms() -> None:
    assert parse_time("2026-01-01T10:00:00Z") == 1_767_261_600_000
    assert parse_time("2026-01-01T11:00:00+01:00") == 1_767_261_600_000
    assert parse_time("2026-01-01 10:00:00") == 1_767_261_600_000  # UTC unless told
    assert parse_time("1767261600000") == 1_767_261_600_000


def test_it_runs_as_a_module(tmp_path: Path) -> None:
    junk = tmp_path / "junk.json"
    junk.write_text("[]")
    r = subprocess.run(
        [sys.executable, "-m", "hotline_protocol.audit", "verify", "junk.json"],
        capture_output=True,
        encoding="utf-8",
        timeout=60,
        cwd=tmp_path,
    )
    assert r.returncode == EXIT_FAILED, r.stderr
    assert r.stdout == audit_exports([("junk.json", b"[]")]).render() + "\n"
