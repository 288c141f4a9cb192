"""Entries read and checked by worker processes: the same verdict, report and findings as one
process reaching them alone, and memory that does not grow with the feeds."""

from __future__ import annotations

import io
import json
import multiprocessing
import os
from pathlib import Path
from typing import Any

import pytest

from hotline_protocol.audit import audit_exports, notes, telling, verify_export
from hotline_protocol.audit.dispute import Dispute, Options
from hotline_protocol.audit.output import write_json, write_text
from hotline_protocol.audit.report import Report
from hotline_protocol.card import Card
from hotline_protocol.cosignature import CosignatureSigner
from hotline_protocol.entries import encode_entry
from hotline_protocol.entryblocks import BlockPool
from hotline_protocol.note import Signature, split_note
from hotline_protocol.spool import BLOCK

from .builders import T0, FeedBuilder, TwoSides, b64, cosign_note, liaison
from .test_streamed_verify import build, peak_verifying, write_export

N = 3 * BLOCK + 100  # entries per side: three whole blocks and a part


@pytest.fixture(autouse=True)
def workers_from_the_first_block(monkeypatch: pytest.MonkeyPatch) -> None:
    """Processes start with the first block (by default a small export is read inline)."""
    monkeypatch.setattr(BlockPool, "INLINE", 0)


@pytest.fixture(scope="module")
def two() -> TwoSides:
    return build(N)


def verified(path: Path, two: TwoSides, workers: int) -> Report:
    with path.open("rb") as file:
        return verify_export(file, two.cards(), workers=workers)


def reported(path: Path, two: TwoSides, workers: int) -> tuple[str, str]:
    """The text and the JSON report of the export."""
    with path.open("rb") as file:
        audit = audit_exports([(None, file)], two.cards(), workers=workers)
    text, data = io.StringIO(), io.StringIO()
    dispute = Dispute(audit)
    write_text(dispute, text)
    write_json(dispute, data)
    return text.getvalue(), data.getvalue()


def test_workers_reach_the_verdict_and_report_of_one_process(tmp_path: Path, two: TwoSides) -> None:
    path = write_export(two.export(), tmp_path / "export.json")

    alone, parallel = verified(path, two, 1), verified(path, two, 2)

    assert alone.ok, alone.render()
    assert parallel.render() == alone.render()
    assert reported(path, two, 2) == reported(path, two, 1)


def _tell_both_ways(path: Path, cards: list[Card], at: int | None, out: Path) -> None:
    """In a fresh process with one thread, as the auditor's command runs: the report told by
    this process alone, then by two workers forked from it, a block of entries at a time."""
    telling.CHUNK = BLOCK
    results: dict[str, Any] = {}
    for workers in (1, 2):
        with path.open("rb") as file:
            audit = audit_exports([(None, file)], cards, workers=1)
        dispute = Dispute(audit, Options(at=at))
        text, data = io.StringIO(), io.StringIO()
        write_text(dispute, text, workers)
        write_json(dispute, data, workers)
        results[str(workers)] = [text.getvalue(), data.getvalue(), dispute.tellers]
    out.write_text(json.dumps(results))


@pytest.mark.parametrize("at", [None, T0 + 2 * BLOCK * 60_000])
def test_forked_workers_tell_the_report_one_process_tells(
    tmp_path: Path, two: TwoSides, at: int | None
) -> None:
    """Each feed told a block at a time by two forked workers, merged in witnessed order: the
    same text and JSON, to the byte, as one process telling it all (``at``: with the entries
    not yet witnessed then left out)."""
    path = write_export(two.export(), tmp_path / "export.json")
    out = tmp_path / "told.json"
    child = multiprocessing.get_context("spawn").Process(
        target=_tell_both_ways, args=(path, two.cards(), at, out)
    )
    child.start()
    child.join(120)
    assert child.exitcode == 0
    told = json.loads(out.read_text())
    assert told["2"][2] == 2, "two workers told it"
    assert told["1"][2] == 1
    assert told["2"][:2] == told["1"][:2]
    report = json.loads(told["2"][1])
    assert len(report["notices"]) + report["left_out"] == 2 * N
    assert (report["left_out"] > 0) == (at is not None)
    # across the blocks' edges: every entry decoded, chained to the one before, and each of
    # alpha's notices with bravo's ack of it
    assert all(n["kind"] is not None for n in report["notices"])
    alpha = [n for n in report["notices"] if n["side"] == "alpha"]
    acked = [n for n in alpha if [a["index"] for a in n["acks"]] == [n["index"]]]
    assert len(acked) == len(alpha) == (N if at is None else len(alpha))


def test_an_entry_tampered_inside_a_block_is_found_at_its_index(
    tmp_path: Path, two: TwoSides
) -> None:
    doc = two.export()
    at = BLOCK + BLOCK // 2 + 7  # in the middle of the second block
    forged = encode_entry(
        two.alpha.origin,
        at,
        two.alpha.entries[at - 1].leaf_hash,
        liaison(two.alpha, at, "Nothing was said."),
    )
    doc["sides"][0]["entries"][at] = b64(forged.raw.replace(b'"v":1', b'"v":2'))
    path = write_export(doc, tmp_path / "tampered.json")

    alone, parallel = verified(path, two, 1), verified(path, two, 2)

    details = parallel.check("entries", "alpha").details
    assert details[0].startswith(f"entry at position {at}: bad_version: unknown entry version")
    assert details[1].startswith(f"entry at position {at + 1}: wrong_prev: entry does not chain")
    assert {"entries[alpha]", "checkpoints[alpha]", "references[bravo]"} <= set(parallel.failed)
    assert parallel.render() == alone.render()
    assert reported(path, two, 2) == reported(path, two, 1)


def test_an_entry_that_is_not_base64_is_named_by_its_position(
    tmp_path: Path, two: TwoSides
) -> None:
    doc = two.export()
    doc["sides"][1]["entries"][2 * BLOCK + 3] = "not base64!"
    path = write_export(doc, tmp_path / "garbled.json")

    alone, parallel = verified(path, two, 1), verified(path, two, 2)

    assert f"sides[1].entries[{2 * BLOCK + 3}]: expected canonical base64 entry bytes" in (
        parallel.check("format").details
    )
    assert parallel.render() == alone.render()


def test_with_workers_four_times_the_entries_take_no_more_memory(tmp_path: Path) -> None:
    n = 8 * BLOCK + 100  # enough blocks that the workers have as many in flight as they may
    small, large = build(n), build(4 * n)
    small_file = write_export(small.export(), tmp_path / "small.json")
    large_file = write_export(large.export(), tmp_path / "large.json")
    peak_verifying(small_file, small, workers=2)  # first use: imports, caches

    small_peak = peak_verifying(small_file, small, workers=2)
    large_peak = peak_verifying(large_file, large, workers=2)

    added = sum(len(e.raw) for f in (large.alpha, large.bravo) for e in f.entries[n:])
    assert added > 9_000_000  # what holding the added entries alone would cost
    # what is in flight (at most two blocks of some 300 KB per worker, read and not yet taken
    # back) varies with timing: a bound well under the entries added, not the exact figure
    assert large_peak - small_peak < 1024 * 1024, (small_peak, large_peak)


PIDS: dict[str, Path] = {}  # "dir": where _open_notes_noting notes the processes it ran in
_OPEN_NOTES = notes.open_notes


def _open_notes_noting(*args: Any) -> Any:
    """``open_notes`` that also notes the process it ran in (pickled by name to the workers,
    forked with :data:`PIDS` set)."""
    (PIDS["dir"] / str(os.getpid())).touch()
    return _OPEN_NOTES(*args)


def test_checkpoint_notes_verified_by_workers_give_the_report_of_one_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A quiet line (a checkpoint and a cosignature per entry): the notes' signatures are
    verified a chunk at a time by two workers, with the same findings, in the same order, as
    one process verifying them all: a log signature forged, a cosignature forged, a line by a
    key nobody pinned."""
    two = build(90, every=1)
    doc = two.export()
    alpha = doc["sides"][0]["checkpoints"]
    forger = FeedBuilder.create("alpha", "alpha.hotline.example", "XAA")  # the same names
    alpha[17]["note"] = forger.sign(18, two.alpha.tree().root(18)).decode()  # other keys
    body, lines = split_note(alpha[41]["note"].encode())
    other = CosignatureSigner.generate(two.bravo.witness.name)  # bravo's witness name, not key
    forged = Signature(lines[1].name, lines[1].key_id, other.cosign(body, T0 // 1000))
    alpha[41]["note"] = (body + b"\n" + lines[0].line().encode() + forged.line().encode()).decode()
    stranger = CosignatureSigner.generate("observer.example/witness")
    alpha[63]["note"] = cosign_note(alpha[63]["note"].encode(), stranger, T0 // 1000).decode()
    path = write_export(doc, tmp_path / "quiet.json")
    pids = tmp_path / "pids"
    pids.mkdir()
    monkeypatch.setattr(notes, "CHUNK", 8)
    monkeypatch.setattr(notes, "open_notes", _open_notes_noting)
    monkeypatch.setitem(PIDS, "dir", pids)

    alone = verified(path, two, 1)
    ran_alone = {p.name for p in pids.iterdir()}
    parallel = verified(path, two, 2)

    assert ran_alone == {str(os.getpid())}
    assert {p.name for p in pids.iterdir()} - ran_alone, "workers verified notes"
    assert parallel.render() == alone.render()
    assert parallel.failed == ["checkpoints[alpha]", "cosignatures[alpha]"]
    checkpoints = parallel.check("checkpoints", "alpha").details
    assert checkpoints[0].startswith("checkpoint 17 (stated size 18): no_verified_signature")
    cosignatures = parallel.check("cosignatures", "alpha").details
    assert cosignatures[0].startswith("checkpoint 41 (size 42): cosignature by ")
    assert "bad_signature: cosignature does not verify" in cosignatures[0]
    assert cosignatures[1].startswith("checkpoint 63 (size 64): signature by observer.example")
    assert parallel.check("cosignatures", "bravo").status == "PASS"


def _open_notes_failing_for_alpha(origin: str, *args: Any) -> Any:
    if origin.startswith("alpha"):
        raise RuntimeError("a fault nobody foresaw")
    return _OPEN_NOTES(origin, *args)


def test_a_fault_verifying_one_sides_notes_leaves_the_other_sides_checks_their_own(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The workers' calls a failed check left in flight are dropped: the next side's check gets
    its own notes' outcomes, not the failure (nor the notes) of the side before."""
    two = build(90, every=1)
    path = write_export(two.export(), tmp_path / "quiet.json")
    monkeypatch.setattr(notes, "CHUNK", 8)
    monkeypatch.setattr(notes, "open_notes", _open_notes_failing_for_alpha)

    report = verified(path, two, 2)

    alpha = report.check("checkpoints", "alpha")
    assert alpha.status == "FAIL" and "a fault nobody foresaw" in alpha.summary
    assert report.check("checkpoints", "bravo").status == "PASS"
    bravo = report.check("cosignatures", "bravo")
    assert bravo.status == "PASS" and bravo.summary.startswith("90 of 90 signed checkpoints")
