"""Pinned keys and two exports together, on crafted exports: the attacks an export alone could
not show.

- one side re-signs the other side's feed under fresh keys, re-points its acks and back-dates
  the cosignatures: consistent on its own, FAIL against the cards, never PASS without them;
- one export cuts the end of the other side's feed off: ``truncated``, with the sizes;
- one export changes, drops or reorders an entry of its own feed and re-signs it: the checks
  across the exports name it.
"""

from __future__ import annotations

import io
import json
from typing import Any

import pytest

from hotline_protocol.audit import Audit, audit_exports, verify_export
from hotline_protocol.audit.command import EXIT_FAILED, EXIT_UNPINNED, main
from hotline_protocol.audit.dispute import Dispute
from hotline_protocol.audit.output import write_json
from hotline_protocol.card import Card
from tests.protocol.audit.builders import (
    FORMAT,
    T0,
    FeedBuilder,
    TwoSides,
    ack,
    cancel,
    liaison,
    to_bytes,
)


def audit(docs: list[dict[str, Any]], cards: list[Card]) -> Audit:
    return audit_exports([(None, to_bytes(doc)) for doc in docs], cards)


def text(a: Audit, label: str) -> str:
    check = dict(a.labelled())[label]
    return "\n".join([check.status, check.summary, *check.details])


# the re-signing attack --------------------------------------------------------------------


def resigned(two: TwoSides) -> dict[str, Any]:
    """alpha's forged export: bravo's feed rewritten under fresh keys (its WILCO of alpha #0 now
    a NEGATIVE), alpha's ack of bravo #1 re-pointed to the forgery, and alpha's checkpoints
    "cosigned" by the forged bravo witness, back-dated by an hour."""
    a, b = two.alpha, two.bravo
    fake = FeedBuilder.create("bravo", b.origin, "XBB")  # fresh keys under bravo's name
    own = FeedBuilder(a.name, a.origin, a.nation, a.log, a.witness)  # alpha's real log key
    ts = T0 // 1000 - 3600
    own.append(a.entries[0].notice)
    own.checkpoint(fake, timestamp=ts + 1)
    own.append(a.entries[1].notice)
    own.checkpoint(fake, timestamp=ts + 60)
    fake.append(ack(fake, 2, own.ref(0), "NEGATIVE"))
    fake.append(b.entries[1].notice)
    fake.checkpoint(own, timestamp=ts + 180)
    own.append(a.entries[2].notice)
    own.append(ack(own, 5, fake.ref(1)))  # re-pointed to the forged bravo #1
    own.checkpoint(fake, timestamp=ts + 300)
    fake.append(ack(fake, 6, own.ref(2)))
    fake.checkpoint(own, timestamp=ts + 360)
    own.append(cancel(own, 7, own.ref(2)))
    own.checkpoint(None)
    fake.append(ack(fake, 8, own.ref(4)))
    fake.checkpoint(own, timestamp=ts + 480)
    return {
        "format": FORMAT,
        "exported_at": two.exported_at,
        "exported_by": "alpha",
        "sides": [own.side(), fake.side()],
        "evidence": [],
    }


def test_a_resigned_feed_is_consistent_on_its_own_but_never_passes_unpinned(
    two_sides: TwoSides, capsys: pytest.CaptureFixture[str], tmp_path: Any
) -> None:
    forged = resigned(two_sides)

    report = verify_export(to_bytes(forged))

    # every check that looks only inside the export passes: this is what once read PASS 14/14
    assert report.sound and not report.failed
    assert report.result == "UNPINNED"
    assert not report.ok
    assert report.unpinned == ["alpha", "bravo"]
    assert report.render().splitlines()[-1].startswith("VERDICT: UNPINNED")

    path = tmp_path / "forged.json"
    path.write_bytes(to_bytes(forged))
    assert main(["verify", str(path)]) == EXIT_UNPINNED
    out = capsys.readouterr().out
    assert "VERDICT: PASS" not in out
    assert "pin each side's keys with --card" in out


def test_a_resigned_feed_fails_against_the_cards_naming_the_keys(
    two_sides: TwoSides, capsys: pytest.CaptureFixture[str], tmp_path: Any
) -> None:
    forged = resigned(two_sides)

    report = verify_export(to_bytes(forged), two_sides.cards())

    assert report.failed == ["keys[bravo]"]
    assert report.check("keys", "alpha").status == "PASS"
    check = report.check("keys", "bravo")
    shown = "\n".join([check.summary, *check.details])
    assert "sides[1].log_vkey: the export's bravo log key is " in shown
    assert forged["sides"][1]["log_vkey"] in shown
    assert f"but bravo's card pins {two_sides.bravo.log.vkey}" in shown
    assert "sides[1].witness_vkey: the export's bravo witness key is " in shown
    assert report.render().splitlines()[-1] == "VERDICT: FAIL — 1 failed: keys[bravo]"

    path = tmp_path / "forged.json"
    path.write_bytes(to_bytes(forged))
    cards = []
    for card in two_sides.cards():
        (tmp_path / f"{card.side}.txt").write_text(card.text())
        cards += ["--card", str(tmp_path / f"{card.side}.txt")]
    assert main(["verify", str(path), *cards]) == EXIT_FAILED
    assert "FAIL  keys[bravo]" in capsys.readouterr().out


def test_a_resigned_feed_beside_the_other_sides_export_disagrees_everywhere(
    two_sides: TwoSides,
) -> None:
    a = audit([resigned(two_sides), two_sides.export_of("bravo")], two_sides.cards())

    assert a.result == "FAIL"
    failed = a.failed
    assert "alpha:keys[bravo]" in failed
    assert "both:agreement[bravo]" in failed and "both:agreement[alpha]" in failed
    assert "differs (changed)" in text(a, "both:agreement[bravo]")
    assert "bravo's log key: alpha's export pins" in text(a, "both:agreement[bravo]")
    # alpha's own log signed two histories: the one bravo holds and the re-signed one
    assert "the log key signed 2 roots" in text(a, "both:forks[alpha]")


def test_without_cards_two_exports_with_different_keys_fail(two_sides: TwoSides) -> None:
    a = audit([resigned(two_sides), two_sides.export_of("bravo")], [])

    assert a.result == "FAIL"
    assert "both:agreement[bravo]" in a.failed


# a feed cut short ----------------------------------------------------------------------------


def cut(doc: dict[str, Any], side: int, size: int) -> dict[str, Any]:
    s = doc["sides"][side]
    s["entries"] = s["entries"][:size]
    s["size"] = size
    s["checkpoints"] = [cp for cp in s["checkpoints"] if cp["size"] <= size]
    return doc


def test_an_export_without_the_end_of_the_peers_feed_passes_alone_and_fails_together(
    two_sides: TwoSides,
) -> None:
    short = cut(two_sides.export_of("alpha"), 1, 2)  # bravo's acks #2 and #3 gone

    alone = verify_export(to_bytes(short), two_sides.cards())
    assert alone.ok, alone.render()  # nothing in one export shows the cut

    a = audit([short, two_sides.export_of("bravo")], two_sides.cards())

    assert a.failed == ["both:truncated[bravo]"]
    shown = text(a, "both:truncated[bravo]")
    assert "alpha's export holds 2 entries, bravo's export proves 4" in shown
    assert "a checkpoint of size 4 cosigned by the other side's witness" in shown
    assert "entries 2..3 are cut off" in shown
    assert "PASS" in text(a, "both:truncated[alpha]")


def test_an_own_feed_cut_short_is_caught_by_the_other_sides_cosignatures(
    two_sides: TwoSides,
) -> None:
    short = cut(two_sides.export_of("bravo"), 0, 3)  # bravo hides its own last ack

    a = audit([two_sides.export_of("alpha"), short], two_sides.cards())

    assert a.failed == ["both:truncated[bravo]"]
    assert "bravo's export holds 3 entries, alpha's export proves 4" in text(
        a, "both:truncated[bravo]"
    )


def test_an_ack_proves_the_size_of_the_feed_it_acknowledges(two_sides: TwoSides) -> None:
    """alpha's cancel (#4) was never cosigned, but bravo acknowledged it: bravo's export proves
    alpha's feed had five entries, and alpha's export may not stop at four."""
    short = cut(two_sides.export_of("alpha"), 0, 4)
    bravo = two_sides.export_of("bravo")
    cut(bravo, 1, 5)  # bravo's replica of alpha, unchanged

    a = audit([short, bravo], two_sides.cards())

    assert "both:truncated[alpha]" in a.failed
    assert "bravo #3 acknowledges alpha #4" in text(a, "both:truncated[alpha]")


def test_an_older_export_is_not_a_cut_one(two_sides: TwoSides) -> None:
    """alpha's export made at 10:03:20, before bravo's checkpoints 3 and 4 were cosigned."""
    early = cut(two_sides.export_of("alpha"), 1, 2)
    early["sides"][0] = cut({"sides": [early["sides"][0]]}, 0, 2)["sides"][0]
    early["exported_at"] = T0 + 200_000

    a = audit([early, two_sides.export_of("bravo")], two_sides.cards())

    assert a.ok, a.render()
    shown = text(a, "both:truncated[bravo]")
    assert "after alpha's export was made" in shown and "older, not cut" in shown


# an entry changed, dropped or reordered ------------------------------------------------------


def rewritten(two: TwoSides, change: str) -> dict[str, Any]:
    """alpha's export with its own feed rewritten from entry 1 and re-signed with its own log
    key (which alpha holds): bravo's cosignatures cannot follow, so none is kept."""
    a = two.alpha
    notices = [e.notice for e in a.entries]
    if change == "changed":
        notices[1] = liaison(a, 1, "Daily line check at 09:00Z.")
    elif change == "dropped":
        del notices[1]
    elif change == "reordered":
        notices[0], notices[1] = notices[1], notices[0]
    own = FeedBuilder(a.name, a.origin, a.nation, a.log, a.witness)
    for notice in notices:
        own.append(notice)
    own.checkpoint(None)
    doc = two.export_of("alpha")
    doc["sides"][0] = own.side()
    return doc


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ("changed", "alpha #1 differs (changed): alpha's export holds a liaison message"),
        (
            "dropped",
            "alpha #1 as bravo's export holds it, a liaison message, is missing from "
            "alpha's export (dropped)",
        ),
        ("reordered", "alpha #0 and #1 are in another order (reordered)"),
    ],
)
def test_an_entry_changed_dropped_or_reordered_is_named(
    two_sides: TwoSides, change: str, named: str
) -> None:
    doc = rewritten(two_sides, change)

    a = audit([doc, two_sides.export_of("bravo")], two_sides.cards())

    assert a.result == "FAIL"
    assert "both:agreement[alpha]" in a.failed
    assert named in text(a, "both:agreement[alpha]"), text(a, "both:agreement[alpha]")
    assert "both:forks[alpha]" in a.failed  # alpha's log signed another root for a size


def test_two_honest_exports_pass_together(two_sides: TwoSides) -> None:
    a = audit([two_sides.export_of("alpha"), two_sides.export_of("bravo")], two_sides.cards())

    assert a.ok, a.render()
    assert a.render().splitlines()[-1].startswith("VERDICT: PASS — all 39 checks passed")
    labels = [label for label, _ in a.labelled()]
    assert labels[-7:] == [
        "cards",
        "both:agreement[alpha]",
        "both:forks[alpha]",
        "both:truncated[alpha]",
        "both:agreement[bravo]",
        "both:forks[bravo]",
        "both:truncated[bravo]",
    ]


def test_two_cards_for_one_side_fail(two_sides: TwoSides) -> None:
    cards = [*two_sides.cards(), two_sides.bravo.card()]

    a = audit([two_sides.export_of("alpha")], cards)

    assert a.failed == ["cards"]
    assert "two cards for bravo" in text(a, "cards")


def test_the_report_tells_the_feeds_the_cards_and_the_other_side_vouch_for(
    two_sides: TwoSides,
) -> None:
    a = audit([resigned(two_sides), two_sides.export_of("bravo")], two_sides.cards())
    out = io.StringIO()
    write_json(Dispute(a), out)
    doc = json.loads(out.getvalue())

    assert doc["verdict"]["result"] == "FAIL"
    told_from = {s["name"]: (s["from"], s["pinned"]) for s in doc["sides"]}
    assert told_from == {"alpha": ("bravo's export", True), "bravo": ("bravo's export", True)}
    [wilco] = [n for n in doc["notices"] if (n["side"], n["index"]) == ("bravo", 0)]
    assert wilco["fields"]["response"] == "WILCO"  # not the forged NEGATIVE
    assert wilco["appended"]["before"] == (T0 // 1000 + 180) * 1000 + 999
    checks = {d["check"] for d in doc["disagreements"]}
    assert {"alpha:keys[bravo]", "both:agreement[bravo]", "both:forks[alpha]"} <= checks
