"""The report of a dispute on crafted exports whose cosignature times are set by hand: witnessed
brackets, acks in time, late and undecided against the pinned deadline, an outage, implausible
claimed times, the state as of a time, and the JSON and text forms.

The story (``s`` = 2026-01-01T10:00:00Z, in seconds; alpha pins PRIORITY = 600 s in its card):

    alpha's checkpoints, cosigned by bravo:  size 0 at s, 1 at s+10, 2 at s+20, 3 at s+30, 4 at s+40
    alpha #0 planned operation  [s,    s+10]   acked WILCO by bravo #0 in [s,     s+100]: in time
    alpha #1 planned operation  [s+10, s+20]   acked ROGER by bravo #2 in [s+700, s+710]: late
    alpha #2 planned operation  [s+20, s+30]   acked ROGER by bravo #1 in [s+100, s+700]: undecided
    alpha #3 planned operation  [s+30, s+40]   never acked: overdue

    bravo's checkpoints, cosigned by alpha:  size 0 at s, 1 at s+100, 2 at s+700, 3 at s+710
    (no cosignature of bravo's feed between s+100 and s+700: an outage of 600 s)
"""

from __future__ import annotations

import io
import json
from typing import Any

import pytest

from hotline_protocol.audit import Audit, audit_exports
from hotline_protocol.audit.dispute import Dispute, Options, in_time
from hotline_protocol.audit.output import write_json, write_text
from hotline_protocol.audit.timeline import Bracket
from hotline_protocol.card import Deadlines
from hotline_protocol.entries import encode_entry
from tests.protocol.audit.builders import (
    T0,
    FeedBuilder,
    TwoSides,
    ack,
    b64,
    liaison,
    operation,
    to_bytes,
)

S = T0 // 1000
DEADLINES = Deadlines.from_seconds(
    {"FLASH": 60, "IMMEDIATE": 300, "PRIORITY": 600, "ROUTINE": 3600}
)


@pytest.fixture
def story() -> TwoSides:
    a = FeedBuilder.create("alpha", "alpha.hotline.example", "XAA")
    b = FeedBuilder.create("bravo", "bravo.hotline.example", "XBB")
    a.checkpoint(b, timestamp=S)
    b.checkpoint(a, timestamp=S)
    for n in range(4):
        a.append(operation(a, 0))
        a.checkpoint(b, timestamp=S + 10 * (n + 1))
    b.append(ack(b, 1, a.ref(0), "WILCO"))
    b.checkpoint(a, timestamp=S + 100)
    b.append(ack(b, 2, a.ref(2)))
    b.checkpoint(a, timestamp=S + 700)
    b.append(ack(b, 12, a.ref(1)))
    b.checkpoint(a, timestamp=S + 710)
    two = TwoSides(a, b)
    two.exported_at = (S + 800) * 1000
    return two


def audited(two: TwoSides, alpha_deadlines: Deadlines | None = DEADLINES) -> Audit:
    exports = [
        (
            f"{side}.json",
            to_bytes(two.export_of(side, alpha_deadlines if side == "alpha" else None)),
        )
        for side in ("alpha", "bravo")
    ]
    return audit_exports(exports, [two.alpha.card(alpha_deadlines), two.bravo.card()])


def report_json(dispute: Dispute) -> dict[str, Any]:
    out = io.StringIO()
    write_json(dispute, out)
    doc: dict[str, Any] = json.loads(out.getvalue())
    return doc


def notice(doc: dict[str, Any], side: str, index: int) -> dict[str, Any]:
    return next(n for n in doc["notices"] if (n["side"], n["index"]) == (side, index))


def ms(seconds: int) -> int:
    return seconds * 1000


def test_brackets_come_from_the_other_sides_cosignatures(story: TwoSides) -> None:
    doc = report_json(Dispute(audited(story)))

    assert doc["verdict"]["result"] == "PASS"
    first = notice(doc, "alpha", 0)
    assert first["appended"] == {"after": ms(S), "before": ms(S + 10) + 999}
    assert first["delivered"] == {"at": ms(S + 10), "by": "bravo.hotline.example/witness"}
    assert notice(doc, "alpha", 3)["appended"] == {"after": ms(S + 30), "before": ms(S + 40) + 999}
    assert notice(doc, "bravo", 1)["appended"] == {
        "after": ms(S + 100),
        "before": ms(S + 700) + 999,
    }
    # in the order the witnesses saw them
    order = [(n["side"], n["index"]) for n in doc["notices"]]
    assert order == [
        ("alpha", 0),
        ("alpha", 1),
        ("alpha", 2),
        ("alpha", 3),
        ("bravo", 0),
        ("bravo", 1),
        ("bravo", 2),
    ]


def test_acks_in_time_late_and_undecided_against_the_pinned_deadline(story: TwoSides) -> None:
    doc = report_json(Dispute(audited(story)))

    def only_ack(index: int) -> dict[str, Any]:
        n = notice(doc, "alpha", index)
        assert n["deadline"] == {"precedence": "PRIORITY", "seconds": 600, "from": "card"}
        [a] = n["acks"]
        assert isinstance(a, dict)
        return a

    assert only_ack(0)["in_time"] is True
    assert only_ack(0)["response"] == "WILCO"
    assert only_ack(0)["author"] == "ops-bravo"
    assert only_ack(0)["appended"] == {"after": ms(S), "before": ms(S + 100) + 999}
    assert only_ack(1)["in_time"] is False
    assert only_ack(1)["appended"] == {"after": ms(S + 700), "before": ms(S + 710) + 999}
    assert only_ack(2)["in_time"] == "undecided"
    states = [notice(doc, "alpha", i)["ack_state"] for i in range(4)]
    assert states == ["in_time", "late", "undecided", "overdue"]
    assert notice(doc, "bravo", 0)["acknowledges"] == {
        "side": "alpha",
        "index": 0,
        "response": "WILCO",
    }
    assert notice(doc, "bravo", 0)["ack_state"] == "not_required"


def test_the_deadline_decides_in_time_with_the_defaults_too(story: TwoSides) -> None:
    """Without deadlines in alpha's card, PRIORITY is the default 3 h: every ack is in time."""
    doc = report_json(Dispute(audited(story, alpha_deadlines=None)))

    first = notice(doc, "alpha", 1)
    assert first["deadline"] == {
        "precedence": "PRIORITY",
        "seconds": 10800,
        "from": "card-defaults",
    }
    assert [a["in_time"] for a in first["acks"]] == [True]


@pytest.mark.parametrize(
    ("notice_b", "ack_b", "expected"),
    [
        ((0, 10_999), (50_000, 100_999), True),  # ack surely within 600 s of the earliest start
        ((0, 10_999), (700_000, 710_999), False),  # ack surely after 600 s of the latest start
        ((0, 10_999), (500_000, 700_999), "undecided"),  # the brackets straddle the deadline
        ((None, 10_999), (50_000, 100_999), "undecided"),  # no lower bound for the notice
        ((0, 10_999), (None, 100_999), True),
        ((0, None), (700_000, None), "undecided"),
    ],
)
def test_the_in_time_rule(
    notice_b: tuple[int | None, int | None], ack_b: tuple[int | None, int | None], expected: Any
) -> None:
    n = Bracket(notice_b[0], notice_b[1], None)
    a = Bracket(ack_b[0], ack_b[1], None)
    assert in_time(n, a, 600_000) == expected


def test_an_outage_shows_in_the_report(story: TwoSides) -> None:
    doc = report_json(Dispute(audited(story)))

    gaps = [o for o in doc["outages"] if not o["ongoing"]]
    assert gaps == [
        {
            "feed": "bravo",
            "witness": "alpha.hotline.example/witness",
            "from": ms(S + 100),
            "to": ms(S + 700),
            "seconds": 600,
            "ongoing": False,
        }
    ]
    # nothing was cosigned after the last checkpoints, up to the export (S + 800)
    ongoing = {o["feed"]: o["seconds"] for o in doc["outages"] if o["ongoing"]}
    assert ongoing == {"alpha": 760}

    wide = report_json(Dispute(audited(story), Options(outage_ms=900_000)))
    assert wide["outages"] == []
    assert wide["options"]["outage_seconds"] == 900


def test_claimed_times_outside_the_bracket_are_reported(story: TwoSides) -> None:
    a, b = story.alpha, story.bravo
    a.append(liaison(a, -60, "Claims an hour before it reached the witness."))
    a.append(liaison(a, 60, "Claims an hour after the witness held it."))
    a.checkpoint(b, timestamp=S + 50)

    doc = report_json(Dispute(audited(story)))

    issues = {(i["index"], i["issue"]): i["by_ms"] for i in doc["implausible"]}
    assert issues == {
        (4, "late"): ms(S + 40) - (T0 - 3_600_000),
        (5, "ahead"): T0 + 3_600_000 - (ms(S + 50) + 999),
    }
    # the tolerance is an option
    relaxed = report_json(Dispute(audited(story), Options(tolerance_ms=7_200_000)))
    assert relaxed["implausible"] == []


def test_the_state_as_of_a_time(story: TwoSides) -> None:
    """At s+50 bravo had cosigned alpha's feed up to 4 but alpha had not yet cosigned any ack."""
    doc = report_json(Dispute(audited(story), Options(at=ms(S + 50))))

    assert doc["as_of"] == ms(S + 50)
    assert [n["side"] for n in doc["notices"]] == ["alpha"] * 4
    assert doc["left_out"] == 3
    assert [n["acks"] for n in doc["notices"]] == [[], [], [], []]
    assert notice(doc, "alpha", 0)["ack_state"] == "pending"
    later = report_json(Dispute(audited(story), Options(at=ms(S + 650))))
    assert notice(later, "alpha", 0)["ack_state"] == "in_time"
    assert notice(later, "alpha", 1)["ack_state"] == "overdue"
    assert notice(later, "alpha", 1)["acks"] == []


def test_the_json_form(story: TwoSides) -> None:
    doc = report_json(Dispute(audited(story)))

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
    assert doc["sides"][0] | {"fingerprint": "-"} == {
        "name": "alpha",
        "origin": "alpha.hotline.example",
        "fingerprint": "-",
        "pinned": True,
        "entries": 4,
        "from": "alpha's export",
        "deadlines": {"FLASH": 60, "IMMEDIATE": 300, "PRIORITY": 600, "ROUTINE": 3600},
        "deadlines_from": "card",
        "witnessed_by": "bravo.hotline.example/witness",
    }
    first = notice(doc, "alpha", 0)
    assert first["kind"] == "planned_operation"
    assert first["precedence"] == "PRIORITY"
    assert first["author"] == {"id": "ops-alpha", "unit": "CAOC alpha", "nation": "XAA"}
    assert first["fields"]["operation_ref"] == "A-2026-0042"
    assert first["time"] == T0
    assert first["supersedes"] is None and first["superseded_by"] == []
    assert doc["verdict"] == {
        "result": "PASS",
        "failed": [],
        "unpinned": [],
        "summary": "VERDICT: PASS — all 39 checks passed, every key pinned by a card",
    }
    assert doc["disagreements"] == []


def test_the_text_form_reads_as_sentences(story: TwoSides) -> None:
    out = io.StringIO()
    write_text(Dispute(audited(story)), out)
    text = out.getvalue()

    assert (
        "alpha #0, a planned operation A-2026-0042 (air_patrol; 5000 ft AMSL to FL280; "
        "2026-01-01 11:00Z to 17:00Z; VIPER 11, VIPER 12, TEXACO 41), by alpha/ops-alpha "
        "(CAOC alpha, XAA; PRIORITY, exercise), claimed 2026-01-01 10:00:00Z, was appended "
        "between 10:00:00Z and 10:00:10Z, delivered to bravo at 10:00:10Z (bravo's witness "
        "signature), acknowledged WILCO by bravo/ops-bravo (#0) between 10:00:00Z and "
        "10:01:40Z, in time (deadline PRIORITY 10 min from its witnessed append)."
    ) in text
    assert (
        "acknowledged ROGER by bravo/ops-bravo (#2) between 10:11:40Z and 10:11:50Z, LATE" in text
    )
    assert "in time or late: undecided, the brackets straddle the deadline" in text
    assert "NOT acknowledged: overdue (deadline PRIORITY 10 min" in text
    assert (
        "bravo's feed: no cosignature by alpha.hotline.example/witness from 2026-01-01 "
        "10:01:40Z to 10:11:40Z (10 min)"
    ) in text
    assert text.rstrip().splitlines()[-1].startswith("VERDICT: PASS")


def test_updates_cancels_and_evidence_from_the_built_story(two_sides: TwoSides) -> None:
    a = audit_exports(
        [(None, to_bytes(two_sides.export_of(s))) for s in ("alpha", "bravo")], two_sides.cards()
    )
    doc = report_json(Dispute(a))

    assert notice(doc, "alpha", 0)["superseded_by"] == [2]
    assert notice(doc, "alpha", 2)["supersedes"] == 0
    assert notice(doc, "alpha", 2)["cancelled_by"] == [4]
    assert notice(doc, "alpha", 4)["cancels"] == 2
    assert notice(doc, "alpha", 0)["ack_state"] == "undecided"  # acked; no bound before #0
    [record] = doc["evidence"]
    assert (record["export"], record["reason"], record["bytes"]) == ("alpha", "wrong_index", 31)


def test_what_the_exports_disagree_on(two_sides: TwoSides) -> None:
    alpha = two_sides.export_of("alpha")
    side = alpha["sides"][1]  # bravo's feed cut short in alpha's export
    side["entries"], side["size"] = side["entries"][:2], 2
    side["checkpoints"] = [cp for cp in side["checkpoints"] if cp["size"] <= 2]
    a = audit_exports(
        [(None, to_bytes(alpha)), (None, to_bytes(two_sides.export_of("bravo")))],
        two_sides.cards(),
    )

    doc = report_json(Dispute(a))

    assert doc["verdict"]["result"] == "FAIL"
    [cut] = [d for d in doc["disagreements"] if d["check"] == "both:truncated[bravo]"]
    assert "alpha's export holds 2 entries, bravo's export proves 4" in cut["summary"]
    # the report tells bravo's feed from bravo's export: the acks alpha's export lacks are there
    assert [n["index"] for n in doc["notices"] if n["side"] == "bravo"] == [0, 1, 2, 3]
    assert doc["sides"][1]["from"] == "bravo's export"


def _with_entry_replaced(two: TwoSides, side: str, index: int, raw: bytes) -> Audit:
    exports = []
    for name in ("alpha", "bravo"):
        doc = two.export_of(name, DEADLINES if name == "alpha" else None)
        for listed in doc["sides"]:
            if listed["name"] == side:
                listed["entries"][index] = b64(raw)
        exports.append((f"{name}.json", to_bytes(doc)))
    return audit_exports(exports, [two.alpha.card(DEADLINES), two.bravo.card()])


def test_an_entry_that_fails_its_checks_is_told_as_not_a_valid_entry(story: TwoSides) -> None:
    # alpha #2 holds an operation whose entry names the wrong predecessor
    forged = encode_entry(story.alpha.origin, 2, b"\x07" * 32, story.alpha.entries[2].notice)
    audit = _with_entry_replaced(story, "alpha", 2, forged.raw)
    dispute = Dispute(audit)

    doc = report_json(dispute)
    out = io.StringIO()
    write_text(dispute, out)

    bad = notice(doc, "alpha", 2)
    assert bad["kind"] is None
    assert "does not chain to its predecessor" in bad["error"]
    assert notice(doc, "alpha", 1)["kind"] == "planned_operation"
    assert notice(doc, "alpha", 3)["kind"] is None  # it chains to the bytes #2 held before
    sentence = "  alpha #2 is not a valid entry (wrong_prev: entry does not chain to its"
    assert any(line.startswith(sentence) for line in out.getvalue().splitlines())


@pytest.mark.parametrize("broken", [False, True])
def test_a_feed_whose_entries_all_passed_is_told_as_if_each_were_checked_again(
    story: TwoSides, broken: bool
) -> None:
    audit = audited(story)
    if broken:
        forged = encode_entry(story.bravo.origin, 1, b"\x07" * 32, story.bravo.entries[1].notice)
        audit = _with_entry_replaced(story, "bravo", 1, forged.raw)
    as_told = Dispute(audit)
    feeds = [f for v in audit.exports for f in v.feeds.values()]
    assert {(f.name, f.sound) for f in feeds} == {("alpha", True), ("bravo", not broken)}
    told = report_json(as_told)
    for feed in feeds:
        feed.sound = False  # every entry's bytes checked again as it is told

    assert report_json(Dispute(audit)) == told
