"""Verifying an export read as a stream from its file: memory that does not grow with the
feeds (measured with the allocator's own counts), and tampering still found."""

from __future__ import annotations

import gc
import json
import re
import tracemalloc
from pathlib import Path
from typing import Any

import pytest

from hotline_protocol import spool
from hotline_protocol.audit import audit_exports, telling, verify_export
from hotline_protocol.audit.dispute import Dispute
from hotline_protocol.audit.output import write_json
from hotline_protocol.audit.report import Report
from hotline_protocol.entries import encode_entry
from hotline_protocol.spill import SortedSpill

from .builders import T0, FeedBuilder, TwoSides, ack, b64, liaison

EVERY = 250  # entries between checkpoints


def build(n: int, every: int = EVERY) -> TwoSides:
    """alpha says n things, bravo acknowledges each; both checkpoint every ``every`` entries,
    cosigned by the other."""
    a = FeedBuilder.create("alpha", "alpha.hotline.example", "XAA")
    b = FeedBuilder.create("bravo", "bravo.hotline.example", "XBB")
    for i in range(n):
        a.append(liaison(a, i, f"Line check {i}."))
        b.append(ack(b, i, a.ref(i)))
        if (i + 1) % every == 0:
            a.checkpoint(b, timestamp=T0 // 1000 + i * 60 + 30)  # notice i came at minute i
            b.checkpoint(a, timestamp=T0 // 1000 + i * 60 + 30)
    return TwoSides(a, b)


def write_export(doc: dict[str, Any], path: Path, entries_first: bool = False) -> Path:
    """The export as a node writes it (each side's entries last, one per line), or with the
    entries before the checkpoints."""
    with path.open("w") as out:
        head = {k: doc[k] for k in ("format", "exported_at", "exported_by")}
        out.write(json.dumps(head)[:-1] + ', "sides": [')
        for n, side in enumerate(doc["sides"]):
            order = ["entries", "checkpoints"] if entries_first else ["checkpoints", "entries"]
            rest = {k: v for k, v in side.items() if k not in order}
            out.write(("," if n else "") + "\n" + json.dumps(rest)[:-1])
            for key in order:
                out.write(f', "{key}": [')
                out.write(",\n".join(json.dumps(item) for item in side[key]) + "]")
            out.write("}")
        out.write('], "evidence": []}\n')
    return path


def verify_file(path: Path, two: TwoSides, workers: int | None = None) -> Report:
    with path.open("rb") as file:
        return verify_export(file, two.cards(), workers=workers)


def peak_verifying(path: Path, two: TwoSides, workers: int | None = None) -> int:
    """The most memory this process's allocator held at once while verifying the file (with
    ``workers`` processes reading the entries: the default, one per core)."""
    gc.collect()
    tracemalloc.start()
    try:
        report = verify_file(path, two, workers)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert report.ok, report.render()
    return peak


def test_verifying_four_times_the_entries_takes_no_more_memory(tmp_path: Path) -> None:
    n = 650
    small, large = build(n), build(4 * n)
    small_file = write_export(small.export(), tmp_path / "small.json")
    large_file = write_export(large.export(), tmp_path / "large.json")
    peak_verifying(small_file, small)  # first use: imports, caches

    small_peak = peak_verifying(small_file, small)
    large_peak = peak_verifying(large_file, large)

    added = sum(len(e.raw) for f in (large.alpha, large.bravo) for e in f.entries[n:])
    assert added > 1_000_000  # what holding the added entries alone would cost
    assert large_peak - small_peak < 256 * 1024, (small_peak, large_peak)


def test_a_checkpoint_an_entry_costs_a_few_hundred_bytes_each(tmp_path: Path) -> None:
    """On a quiet line every entry has its checkpoint and cosignature: their notes stay on disk,
    what the checks learn of each is packed (it took about 2 KB a checkpoint)."""
    n = 500
    small, large = build(n, every=1), build(4 * n, every=1)
    small_file = write_export(small.export(), tmp_path / "small.json")
    large_file = write_export(large.export(), tmp_path / "large.json")
    peak_verifying(small_file, small)  # first use: imports, caches

    small_peak = peak_verifying(small_file, small)
    large_peak = peak_verifying(large_file, large)

    added = 2 * 3 * n  # checkpoints, both sides
    assert (large_peak - small_peak) / added < 400, (small_peak, large_peak, added)


ACKS = re.compile(r'"acks":\s*\[\{')  # a notice's list of acks, not empty
IMPLAUSIBLE = re.compile(r'"implausible":\s*\[\{')


class Counted:
    """A text sink that keeps only how much was written and how many notices."""

    def __init__(self) -> None:
        self.chars = 0
        self.acks = 0
        self.implausible = 0

    def write(self, text: str) -> int:
        self.chars += len(text)
        self.acks += len(ACKS.findall(text))
        self.implausible += len(IMPLAUSIBLE.findall(text))
        return len(text)

    def flush(self) -> None:
        """Nothing is held back to flush."""


def peak_reporting(path: Path, two: TwoSides) -> tuple[int, Counted]:
    """The most memory held at once while verifying the file and writing its report."""
    out = Counted()
    gc.collect()
    tracemalloc.start()
    try:
        with path.open("rb") as file:
            audit = audit_exports([(None, file)], two.cards())
        write_json(Dispute(audit), out)  # type: ignore[arg-type]
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert audit.ok, audit.render()
    return peak, out


def test_reporting_four_times_the_entries_takes_no_more_memory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # small buffers, so that both sizes fill them: entries read back and told 64 at a time,
    # what refers to what sorted 100 at a time, 4 sorted runs merged at once, 16 records of each
    # read back
    monkeypatch.setattr(spool, "BLOCK", 64)
    monkeypatch.setattr(telling, "CHUNK", 64)
    for name, value in (("RUN", 100), ("FANIN", 4), ("CHUNK", 16)):
        monkeypatch.setattr(SortedSpill, name, value)
    n = 650
    small, large = build(n), build(4 * n)
    small_file = write_export(small.export(), tmp_path / "small.json")
    large_file = write_export(large.export(), tmp_path / "large.json")
    peak_reporting(small_file, small)  # first use: imports, caches

    small_peak, _ = peak_reporting(small_file, small)
    large_peak, written = peak_reporting(large_file, large)

    assert written.acks == 4 * n  # every alpha entry was told with bravo's ack of it
    assert written.implausible == 0
    assert written.chars > 4_000_000  # what holding the report would cost
    assert large_peak - small_peak < 256 * 1024, (small_peak, large_peak)


def test_a_streamed_export_with_an_entry_changed_fails_entries_and_checkpoints(
    tmp_path: Path,
) -> None:
    two = build(600)
    doc = two.export()
    forged = liaison(two.alpha, 300, "Nothing was said.")
    entry = encode_entry(two.alpha.origin, 300, two.alpha.entries[299].leaf_hash, forged)
    doc["sides"][0]["entries"][300] = b64(entry.raw)

    report = verify_file(write_export(doc, tmp_path / "changed.json"), two)

    assert "entries[alpha]" in report.failed
    assert "checkpoints[alpha]" in report.failed
    assert "entry at position 301" in "\n".join(report.check("entries", "alpha").details)
    assert "references[bravo]" in report.failed  # bravo's ack of entry 300 names other bytes


def test_checkpoints_listed_after_the_entries_are_still_checked(tmp_path: Path) -> None:
    two = build(600)
    doc = two.export()
    report = verify_file(write_export(doc, tmp_path / "late.json", entries_first=True), two)
    assert report.ok, report.render()

    doc["sides"][1]["checkpoints"][0]["note"] = two.bravo.sign(250, b"\x01" * 32).decode()
    report = verify_file(write_export(doc, tmp_path / "forged.json", entries_first=True), two)

    assert report.failed == ["checkpoints[bravo]", "consistency[bravo]"]
    details = "\n".join(report.check("checkpoints", "bravo").details)
    assert "is not the Merkle root of the first 250 entries" in details


def test_a_streamed_export_cut_short_fails_format(tmp_path: Path) -> None:
    two = build(300)
    path = write_export(two.export(), tmp_path / "whole.json")
    data = path.read_bytes()
    cut = tmp_path / "cut.json"
    cut.write_bytes(data[: len(data) // 2])

    report = verify_file(cut, two)

    assert report.failed == ["format"]
    assert "not JSON" in "\n".join(report.check("format").details)


@pytest.mark.parametrize("across", range(7))
def test_a_surrogate_escape_in_a_streamed_export_fails_format_wherever_the_reads_cut_it(
    tmp_path: Path, across: int
) -> None:
    two = build(20)
    path = write_export(two.export(), tmp_path / "whole.json")
    data = path.read_bytes()
    # the exporter's name padded so that the escape begins ``across`` bytes before the end
    # of the reader's first 64 KiB
    head = b'{"padding": "'
    pad = (1 << 16) - across - len(head)
    doc = head + b"x" * pad + b'\\ud800", ' + data[1:]
    bad = tmp_path / "surrogate.json"
    bad.write_bytes(doc)

    report = verify_file(bad, two)

    assert report.failed == ["format"]
    assert "surrogate" in "\n".join(report.check("format").details)
