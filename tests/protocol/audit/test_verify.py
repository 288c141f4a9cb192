"""verify_export on a two-sided export built with the protocol library, then tampered with.

Every tampering must fail the check that names it, while the report still lists every check.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import os
import subprocess
import sys
from collections.abc import Sequence
from typing import Any

import pytest

from hotline_protocol.audit import Report, verify_export
from hotline_protocol.card import Card
from hotline_protocol.cosignature import CosignatureSigner, cosign
from hotline_protocol.merkle import Tree, leaf_hash
from hotline_protocol.note import Signature, Signer, add_signatures, sign_note, split_note
from tests.protocol.audit.builders import (
    EXAMPLES,
    T0,
    FeedBuilder,
    TwoSides,
    _notice,
    ack,
    b64,
    cancel,
    cosign_note,
    liaison,
    to_bytes,
)

ALL_CHECKS = [
    "format",
    "keys[alpha]",
    "keys[bravo]",
    "entries[alpha]",
    "entries[bravo]",
    "checkpoints[alpha]",
    "checkpoints[bravo]",
    "cosignatures[alpha]",
    "cosignatures[bravo]",
    "consistency[alpha]",
    "consistency[bravo]",
    "forks[alpha]",
    "forks[bravo]",
    "references[alpha]",
    "references[bravo]",
    "evidence",
]


def verify(doc: Any, cards: Sequence[Card] = ()) -> Report:
    return verify_export(to_bytes(doc), cards)


def labels(report: Report) -> list[str]:
    return [c.label for c in report.checks]


def details(report: Report, name: str, side: str | None = None) -> str:
    check = report.check(name, side)
    return "\n".join([check.summary, *check.details])


def assert_fails(report: Report, *expected: str) -> None:
    """Exactly ``expected`` failed, every check was still run and reported, the render says so."""
    assert not report.ok
    assert sorted(report.failed) == sorted(expected)
    assert labels(report) == ALL_CHECKS
    assert all(c.status != "SKIP" for c in report.checks)
    text = report.render()
    assert "VERDICT: FAIL" in text
    for label in expected:
        assert f"FAIL  {label}" in text


def alpha_side(doc: dict[str, Any]) -> dict[str, Any]:
    side: dict[str, Any] = doc["sides"][0]
    assert side["name"] == "alpha"
    return side


def set_entries(side: dict[str, Any], raws: list[bytes]) -> None:
    side["entries"] = [b64(r) for r in raws]
    side["size"] = len(raws)


def raw_entries(side: dict[str, Any]) -> list[bytes]:
    return [base64.b64decode(e) for e in side["entries"]]


# the untampered export ----------------------------------------------------------------------


def test_the_built_two_sided_export_verifies(two_sides: TwoSides) -> None:
    report = verify(two_sides.export(), two_sides.cards())

    assert report.ok, report.render()
    assert labels(report) == ALL_CHECKS
    assert [(s.name, s.entries, s.latest_signed, s.latest_cosigned) for s in report.sides] == [
        ("alpha", 5, 5, 4),
        ("bravo", 4, 4, 4),
    ]
    assert "3 of 4 signed checkpoints cosigned" in details(report, "cosignatures", "alpha")
    assert "sizes 5" in details(report, "cosignatures", "alpha")  # the one not yet cosigned
    assert "3 consistency proofs verified" in details(report, "consistency", "alpha")
    assert "3 acks resolved in alpha's feed" in details(report, "references", "bravo")
    assert report.check("evidence").status == "INFO"
    assert "1 wrong_index" in report.check("evidence").summary


def test_the_report_renders_header_checks_and_verdict(two_sides: TwoSides) -> None:
    text = verify(two_sides.export(), two_sides.cards()).render()

    lines = text.splitlines()
    assert lines[0].startswith("Hotline audit report")
    assert "exported by alpha at 2026-01-01T11:00:00.000Z" in text
    assert any(line.split()[:4] == ["alpha", "alpha.hotline.example", "5", "4"] for line in lines)
    assert two_sides.bravo.witness.vkey in text
    assert sum(line.lstrip().startswith("PASS") for line in lines) == 15
    assert lines[-1] == "VERDICT: PASS — all 16 checks passed, every key pinned by a card"


def test_an_unpinned_witness_cosignature_is_noted_not_failed(two_sides: TwoSides) -> None:
    neutral = CosignatureSigner.generate("neutral.example/witness")
    doc = two_sides.export()
    cp = alpha_side(doc)["checkpoints"][1]
    cp["note"] = cosign_note(cp["note"].encode(), neutral, T0 // 1000).decode()

    report = verify(doc, two_sides.cards())

    assert report.ok, report.render()
    assert "signature by neutral.example/witness+" in details(report, "cosignatures", "alpha")


def test_two_notes_of_one_size_with_the_same_root_are_not_a_fork(two_sides: TwoSides) -> None:
    doc = two_sides.export()
    alpha_side(doc)["checkpoints"].append({"size": 5, "note": two_sides.alpha.sign().decode()})

    report = verify(doc, two_sides.cards())

    assert report.ok, report.render()
    assert "5 signed checkpoints, one root per size" in details(report, "forks", "alpha")


# tampered entries ---------------------------------------------------------------------------


def test_a_flipped_byte_in_an_entry_fails_the_chain_and_the_signed_roots(
    two_sides: TwoSides,
) -> None:
    doc = two_sides.export()
    side = alpha_side(doc)
    raws = raw_entries(side)
    at = raws[1].index(b"Daily")
    raws[1] = raws[1][:at] + bytes([raws[1][at] ^ 0x01]) + raws[1][at + 1 :]
    set_entries(side, raws)

    report = verify(doc, two_sides.cards())

    assert_fails(report, "entries[alpha]", "checkpoints[alpha]")
    assert "entry at position 2: wrong_prev" in details(report, "entries", "alpha")
    assert "is not the Merkle root of the first 2 entries" in details(
        report, "checkpoints", "alpha"
    )


def test_a_flipped_byte_in_the_last_entry_is_caught_by_its_signed_root_and_the_acks(
    two_sides: TwoSides,
) -> None:
    doc = two_sides.export()
    side = alpha_side(doc)
    raws = raw_entries(side)
    raws[4] = raws[4].replace(b"CAOC alpha", b"CAOC alphA")  # one bit: 0x61 -> 0x41
    set_entries(side, raws)

    report = verify(doc, two_sides.cards())

    # the entry itself still decodes (nothing follows it to chain to it): the signature and
    # bravo's ack, which both commit to its hash, are what catch it
    assert_fails(report, "checkpoints[alpha]", "references[bravo]")
    assert "is not the Merkle root of the first 5 entries" in details(
        report, "checkpoints", "alpha"
    )
    assert "entry 3 (ack): refers to alpha.hotline.example #4" in details(
        report, "references", "bravo"
    )


def test_an_entry_that_is_not_json_fails_entries(two_sides: TwoSides) -> None:
    doc = two_sides.export()
    side = alpha_side(doc)
    raws = raw_entries(side)
    raws[2] = bytes([raws[2][0] ^ 0xFF]) + raws[2][1:]
    set_entries(side, raws)

    report = verify(doc, two_sides.cards())

    assert report.check("entries", "alpha").status == "FAIL"
    text = details(report, "entries", "alpha")
    assert "entry at position 2: malformed_entry" in text
    assert "entry at position 3: wrong_prev" in text
    assert "2 entries not examined: they failed the entries check" in details(
        report, "references", "alpha"
    )


def test_a_removed_entry_leaves_a_gap_that_fails_entries(two_sides: TwoSides) -> None:
    doc = two_sides.export()
    side = alpha_side(doc)
    raws = raw_entries(side)
    del raws[2]
    set_entries(side, raws)

    report = verify(doc, two_sides.cards())

    assert_fails(report, "entries[alpha]", "checkpoints[alpha]", "references[bravo]")
    assert "entry at position 2: wrong_index" in details(report, "entries", "alpha")
    assert "expected 2, found 3" in details(report, "entries", "alpha")
    assert "size 5 beyond the 4 entries" in details(report, "checkpoints", "alpha")


def test_reordered_entries_fail_entries(two_sides: TwoSides) -> None:
    doc = two_sides.export()
    side = alpha_side(doc)
    raws = raw_entries(side)
    raws[1], raws[2] = raws[2], raws[1]
    set_entries(side, raws)

    report = verify(doc, two_sides.cards())

    assert "entries[alpha]" in report.failed
    assert labels(report) == ALL_CHECKS
    text = details(report, "entries", "alpha")
    assert "entry at position 1: wrong_index" in text
    assert "expected 1, found 2" in text


# tampered checkpoints and cosignatures ------------------------------------------------------


@pytest.mark.parametrize("key", ["same name, other key", "the other side's log key"])
def test_a_checkpoint_signed_by_a_wrong_key_fails_checkpoints(
    two_sides: TwoSides, key: str
) -> None:
    alpha = two_sides.alpha
    signer = Signer.generate(alpha.origin) if key.startswith("same") else two_sides.bravo.log
    body = split_note(alpha.sign(size=2))[0]
    doc = two_sides.export()
    alpha_side(doc)["checkpoints"][1]["note"] = sign_note(body, [signer]).decode()

    report = verify(doc, two_sides.cards())

    assert_fails(report, "checkpoints[alpha]")
    text = details(report, "checkpoints", "alpha")
    assert "checkpoint 1 (stated size 2): no_verified_signature" in text
    assert f"{alpha.origin}+{alpha.log.key_id.hex()}" in text


def test_a_bad_log_signature_fails_checkpoints(two_sides: TwoSides) -> None:
    body, sigs = split_note(two_sides.alpha.sign(size=2))
    broken = Signature(sigs[0].name, sigs[0].key_id, os.urandom(64))
    doc = two_sides.export()
    alpha_side(doc)["checkpoints"][1]["note"] = (body + b"\n" + broken.line().encode()).decode()

    report = verify(doc, two_sides.cards())

    assert_fails(report, "checkpoints[alpha]")
    assert "checkpoint 1 (stated size 2): bad_signature" in details(report, "checkpoints", "alpha")


def test_a_stated_size_that_differs_from_the_note_fails_checkpoints(two_sides: TwoSides) -> None:
    doc = two_sides.export()
    alpha_side(doc)["checkpoints"][1]["size"] = 3

    report = verify(doc, two_sides.cards())

    assert_fails(report, "checkpoints[alpha]")
    assert "the signed note says size 2" in details(report, "checkpoints", "alpha")


def test_a_forged_cosignature_fails_cosignatures(two_sides: TwoSides) -> None:
    alpha, bravo = two_sides.alpha, two_sides.bravo
    timestamp = (T0 // 1000).to_bytes(8, "big")
    forged = Signature(bravo.witness.name, bravo.witness.key_id, timestamp + os.urandom(64))
    doc = two_sides.export()
    alpha_side(doc)["checkpoints"][0]["note"] = add_signatures(
        alpha.sign(size=1), [forged]
    ).decode()

    report = verify(doc, two_sides.cards())

    assert_fails(report, "cosignatures[alpha]")
    text = details(report, "cosignatures", "alpha")
    assert (
        "checkpoint 0 (size 1): cosignature by bravo.hotline.example/witness: bad_signature" in text
    )
    assert "2 of 4 signed checkpoints cosigned" in text


def test_a_cosignature_by_another_key_under_the_witness_name_is_ignored(
    two_sides: TwoSides,
) -> None:
    alpha, bravo = two_sides.alpha, two_sides.bravo
    impostor = CosignatureSigner.generate(bravo.witness.name)
    note = alpha.sign(size=1)
    note = add_signatures(note, [cosign(split_note(note)[0], impostor, T0 // 1000)])
    doc = two_sides.export()
    alpha_side(doc)["checkpoints"][0]["note"] = note.decode()

    report = verify(doc, two_sides.cards())

    # signed-note readers ignore a line whose key ID is not the pinned one: it proves nothing,
    # for or against the log, so the report shows it and does not count it as a cosignature
    assert report.ok, report.render()
    text = details(report, "cosignatures", "alpha")
    assert "2 of 4 signed checkpoints cosigned" in text
    assert f"{bravo.witness.name} has key ID {bravo.witness.key_id.hex()}" in text
    assert "not verified, ignored" in text


def test_a_fork_of_two_validly_signed_roots_for_one_size_fails_forks(
    two_sides: TwoSides,
) -> None:
    alpha = two_sides.alpha
    other = [alpha.entries[0].leaf_hash, leaf_hash(b"another history")]
    forked = alpha.sign(size=2, root=Tree(other).root())
    doc = two_sides.export()
    alpha_side(doc)["checkpoints"].append({"size": 2, "note": forked.decode()})

    report = verify(doc, two_sides.cards())

    # the forked root also matches no entries, and is not a prefix of the later checkpoints
    assert_fails(report, "forks[alpha]", "checkpoints[alpha]", "consistency[alpha]")
    text = details(report, "forks", "alpha")
    assert "size 2: 2 different roots, each signed by the log key" in text
    assert "(checkpoints 1, 4)" in text


def test_a_checkpoint_inconsistent_with_an_earlier_one_fails_consistency(
    two_sides: TwoSides,
) -> None:
    """The log rewrote entry 1 and signed the new history: the export holds the new entries,
    the earlier cosigned checkpoint is still there."""
    old = two_sides.alpha
    new = FeedBuilder(old.name, old.origin, old.nation, old.log, old.witness)
    new.append(old.entries[0].notice)
    new.append(liaison(new, 1, "Line check moved to 09:00Z."))
    new.append(liaison(new, 2, "Nothing else to report."))
    new.checkpoint(two_sides.bravo)
    doc = two_sides.export()
    side = alpha_side(doc)
    set_entries(side, [e.raw for e in new.entries])
    side["checkpoints"] = side["checkpoints"][:2] + new.checkpoints
    doc["sides"][1] = FeedBuilder.create("bravo", "bravo.hotline.example", "XBB").side()
    doc["sides"][1]["witness_vkey"] = two_sides.bravo.witness.vkey

    report = verify(doc, two_sides.cards())

    # bravo's side was replaced by another key's: its keys are not those of bravo's card
    assert_fails(report, "keys[bravo]", "checkpoints[alpha]", "consistency[alpha]")
    assert report.check("entries", "alpha").status == "PASS"
    text = details(report, "consistency", "alpha")
    assert "size 2 (root " in text
    assert "-> 3 (root " in text
    assert "not consistent: root_mismatch" in text
    assert "size 1 -> 2: not provable from the entries" in text


def test_a_validly_signed_checkpoint_off_the_entries_fails_consistency_with_the_next(
    two_sides: TwoSides,
) -> None:
    alpha = two_sides.alpha
    bogus = alpha.sign(size=3, root=Tree([leaf_hash(b"x")] * 3).root())
    doc = two_sides.export()
    alpha_side(doc)["checkpoints"].append({"size": 3, "note": bogus.decode()})

    report = verify(doc, two_sides.cards())

    assert_fails(report, "checkpoints[alpha]", "consistency[alpha]")
    text = details(report, "consistency", "alpha")
    assert "size 3 (root" in text and "-> 4 (root" in text
    assert "size 2 -> 3: not provable from the entries" in text


# references --------------------------------------------------------------------------------


def _bravo_acks(two_sides: TwoSides, ref: dict[str, Any]) -> Report:
    bravo = two_sides.bravo
    bravo.append(ack(bravo, 9, ref))
    bravo.checkpoint(two_sides.alpha)
    return verify(two_sides.export(), two_sides.cards())


def test_an_ack_of_a_missing_entry_fails_references(two_sides: TwoSides) -> None:
    ref = {"origin": "alpha.hotline.example", "index": 99, "leaf_hash": b64(bytes(32))}

    report = _bravo_acks(two_sides, ref)

    assert_fails(report, "references[bravo]")
    assert "entry 4 (ack): refers to alpha.hotline.example #99" in details(
        report, "references", "bravo"
    )
    assert "has only 5 entries" in details(report, "references", "bravo")


def test_an_ack_with_a_wrong_leaf_hash_fails_references(two_sides: TwoSides) -> None:
    ref = two_sides.alpha.ref(1) | {"leaf_hash": two_sides.alpha.ref(0)["leaf_hash"]}

    report = _bravo_acks(two_sides, ref)

    assert_fails(report, "references[bravo]")
    found = two_sides.alpha.ref(1)["leaf_hash"]
    assert f"but that entry's leaf hash is {found}" in details(report, "references", "bravo")


def test_an_ack_of_an_entry_in_its_own_feed_fails_references(two_sides: TwoSides) -> None:
    report = _bravo_acks(two_sides, two_sides.bravo.ref(1))

    assert_fails(report, "references[bravo]")
    assert "expected an entry of the other side's feed" in details(report, "references", "bravo")


def test_a_cancel_of_a_missing_entry_fails_references(two_sides: TwoSides) -> None:
    alpha = two_sides.alpha
    alpha.append(cancel(alpha, 9, {**alpha.ref(0), "index": 7}))
    alpha.checkpoint(two_sides.bravo)

    report = verify(two_sides.export(), two_sides.cards())

    assert_fails(report, "references[alpha]")
    assert "entry 5 (cancel): refers to entry 7, not an earlier entry of this feed" in details(
        report, "references", "alpha"
    )


def test_acks_cannot_resolve_without_the_other_side(two_sides: TwoSides) -> None:
    doc = two_sides.export()
    del doc["sides"][0]
    doc["exported_by"] = "bravo"

    report = verify(doc, two_sides.cards())

    assert report.failed == ["references[bravo]"]
    assert "the other side's feed is not in this export" in details(report, "references", "bravo")
    assert report.check("cosignatures", "bravo").status == "INFO"


# malformed exports -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (b"", "not JSON"),
        (b'{"format": "hotline-audit-export/v1", "sides": [', "not JSON"),
        (b"\xff\xfe{}", "not JSON"),
        (b"[1, 2]", "must be a JSON object, found a list"),
        (b'{"format": "hotline-audit-export/v0"}', "unknown format"),
        (b'{"format": "hotline-audit-export/v1", "format": "x"}', "duplicate key"),
        (b'{"format": NaN}', "NaN is not a JSON number"),
    ],
)
def test_malformed_json_fails_format_and_skips_the_rest(data: bytes, problem: str) -> None:
    report = verify_export(data)

    assert not report.ok
    assert report.check("format").status == "FAIL"
    assert problem in details(report, "format")
    assert [c.status for c in report.checks[1:]] == ["SKIP"] * 8
    assert report.render().splitlines()[-1].startswith("VERDICT: FAIL — 1 failed: format")


def test_a_truncated_export_never_raises(two_sides: TwoSides) -> None:
    data = to_bytes(two_sides.export())
    for end in range(0, len(data), max(1, len(data) // 97)):
        report = verify_export(data[:end])
        assert not report.ok
        assert report.failed == ["format"]


@pytest.mark.parametrize(
    ("path", "problem"),
    [
        (("sides",), "sides: missing"),
        (("exported_at",), "exported_at: missing"),
        (("sides", 0, "log_vkey"), "sides[0].log_vkey: missing"),
        (("sides", 0, "entries"), "sides[0].entries: missing"),
        (("sides", 0, "checkpoints", 1, "note"), "sides[0].checkpoints[1].note: missing"),
        (("evidence", 0, "raw"), "evidence[0].raw: missing"),
    ],
)
def test_missing_keys_fail_format_naming_them(
    two_sides: TwoSides, path: tuple[Any, ...], problem: str
) -> None:
    doc = two_sides.export()
    parent: Any = doc
    for key in path[:-1]:
        parent = parent[key]
    del parent[path[-1]]

    report = verify(doc, two_sides.cards())

    assert not report.ok
    assert report.check("format").status == "FAIL"
    assert problem in details(report, "format")
    assert "Traceback" not in report.render()


def test_a_malformed_side_is_skipped_and_the_other_still_checked(two_sides: TwoSides) -> None:
    doc = two_sides.export()
    del alpha_side(doc)["log_vkey"]

    report = verify(doc, two_sides.cards())

    assert report.check("format").status == "FAIL"
    assert report.check("entries", "alpha").status == "SKIP"
    assert report.check("entries", "bravo").status == "PASS"
    assert report.check("checkpoints", "bravo").status == "PASS"
    assert report.check("references", "bravo").status == "SKIP"  # needs alpha's feed
    assert report.check("evidence").status == "INFO"


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (
            lambda d: d["sides"][0].update(size="5"),
            "sides[0].size: expected an integer in 0..2^53-1",
        ),
        (lambda d: d["sides"][0].update(size=4), "states 4 entries, the list holds 5"),
        (lambda d: d["sides"][0]["entries"].__setitem__(1, "***"), "sides[0].entries[1]"),
        (lambda d: d["sides"][0].update(log_vkey="nonsense"), "sides[0].log_vkey: malformed_vkey"),
        (
            lambda d: d["sides"][0].update(log_vkey=d["sides"][0]["witness_vkey"]),
            "sides[0].log_vkey: expected a 0x01 key, found a 0x04 key",
        ),
        (lambda d: d["sides"][1].update(name="alpha"), "duplicate side name 'alpha'"),
        (lambda d: d.update(exported_by="charlie"), "'charlie' is not one of the sides"),
        (lambda d: d["sides"].append(d["sides"][0]), "expected 1 or 2 sides, found 3"),
        (lambda d: d.update(evidence={}), "evidence: expected a list, found an object"),
        (
            lambda d: d["sides"][0]["checkpoints"][0].update(note="\ud800"),
            "sides[0].checkpoints[0].note: not Unicode text",
        ),
    ],
)
def test_wrong_types_and_values_fail_format(two_sides: TwoSides, change: Any, problem: str) -> None:
    doc = copy.deepcopy(two_sides.export())
    change(doc)

    report = verify(doc, two_sides.cards())

    assert not report.ok
    assert "format" in report.failed
    assert problem in details(report, "format"), details(report, "format")
    report.render().encode()  # printable whatever the input held


def test_the_verifier_runs_without_the_node() -> None:
    """An auditor's machine needs hotline_protocol and the verifier, not the node's stack."""
    code = (
        "import sys\n"
        "from hotline_protocol.audit import verify_export\n"
        "assert not verify_export(b'{}').ok\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in "
        "('fastapi', 'starlette', 'redis', 'hotline', 'uvicorn', 'websockets', 'httpx') "
        "or m.startswith(('hotline_protocol.audit', 'hotline_protocol.export')))\n"
        "print(' '.join(loaded))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()

    assert out == [
        "hotline_protocol.audit",
        "hotline_protocol.audit.across",
        "hotline_protocol.audit.checks",
        "hotline_protocol.audit.combined",
        "hotline_protocol.audit.describe",
        "hotline_protocol.audit.history",
        "hotline_protocol.audit.notes",
        "hotline_protocol.audit.packed",
        "hotline_protocol.audit.pinning",
        "hotline_protocol.audit.references",
        "hotline_protocol.audit.report",
        "hotline_protocol.audit.timeline",
        "hotline_protocol.audit.verify",
        "hotline_protocol.export",
        "hotline_protocol.export_data",
        "hotline_protocol.export_lists",
        "hotline_protocol.export_sides",
        "hotline_protocol.export_stream",
    ]


def test_a_distress_ref_or_regarding_that_names_no_entry_fails_references() -> None:
    """A downed pilot's distress_ref and a liaison's regarding must resolve, in either feed."""
    a = FeedBuilder.create("alpha", "alpha.hotline.example", "XAA")
    b = FeedBuilder.create("bravo", "bravo.hotline.example", "XBB")
    a.append(liaison(a, 0, "first"))
    about = {"kind": "liaison", "text": "about", "language": "en"}
    a.append(_notice(a, 1, {**about, "regarding": [a.ref(0)]}))
    a.append(_notice(a, 2, {**about, "regarding": [{**a.ref(0), "index": 7}]}))
    a.checkpoint(b, timestamp=T0 // 1000 + 1)
    pilot = json.loads((EXAMPLES / "downed_pilot.json").read_text())
    for key in ("id", "author", "time", "expires"):
        pilot.pop(key, None)
    pilot["distress_ref"] = {**a.ref(1), "index": 9}
    b.append(_notice(b, 3, pilot))
    b.checkpoint(a, timestamp=T0 // 1000 + 2)
    two = TwoSides(a, b)
    report = verify(two.export(), two.cards())
    assert_fails(report, "references[alpha]", "references[bravo]")
    alpha_problems = report.check("references", "alpha").details
    assert [p.split(":")[0] for p in alpha_problems] == ["entry 2 (regarding)"]
    bravo_problems = report.check("references", "bravo").details
    assert [p.split(":")[0] for p in bravo_problems] == ["entry 0 (distress)"]


def test_evidence_cut_to_its_first_bytes_states_the_whole_size_and_digest(
    two_sides: TwoSides,
) -> None:
    """A record keeps the first bytes of a large refused input with the whole's length and
    SHA-256; a record without them (an older export) kept the input whole."""
    whole = b'{"type": "entries", "start": 9, "entries": ["' + b"A" * 100_000 + b'"]}'
    doc = copy.deepcopy(two_sides.export())
    [old] = doc["evidence"]
    cut = dict(old, raw=base64.b64encode(whole[:1024]).decode(), size=len(whole))
    cut["sha256"] = base64.b64encode(hashlib.sha256(whole).digest()).decode()
    doc["evidence"].append(cut)

    report = verify(doc, two_sides.cards())

    assert report.check("format").status == "PASS", report.render()
    assert "2 refused inputs" in report.check("evidence").summary
    described = details(report, "evidence")
    assert "31 bytes kept" in described
    assert f"1024 of {len(whole)} bytes kept, SHA-256 {hashlib.sha256(whole).hexdigest()}" in (
        described
    )


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (
            lambda r: r.update(size=3, sha256=b64(bytes(32))),
            "evidence[0].raw: 31 bytes kept of an input of 3",
        ),
        (lambda r: r.update(size=31, sha256=b64(bytes(32))), "not the SHA-256 of raw"),
        (lambda r: r.update(size=99, sha256="AAAA"), "canonical base64 of 32 bytes"),
        (lambda r: r.update(sha256=b64(bytes(32))), "evidence[0].size: missing"),
    ],
)
def test_evidence_whose_size_or_digest_disagrees_with_its_bytes_fails_format(
    two_sides: TwoSides, change: Any, problem: str
) -> None:
    doc = copy.deepcopy(two_sides.export())
    change(doc["evidence"][0])

    report = verify(doc, two_sides.cards())

    assert report.check("format").status == "FAIL"
    assert problem in details(report, "format")
