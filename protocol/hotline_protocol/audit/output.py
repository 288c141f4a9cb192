"""The dispute report written out: JSON (streamed, one notice a line) or sentences an inquiry can
quote. Both write the notices as :meth:`~.dispute.Dispute.notices` yields them, so neither holds
the whole list.
"""

from __future__ import annotations

import functools
import itertools
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any, TextIO

import orjson

from .dispute import DEADLINE_SOURCES, Dispute
from .report import count

# JSON -------------------------------------------------------------------------------------------


def write_json(dispute: Dispute, out: TextIO, workers: int | None = None) -> None:
    """``{"as_of", "options", "sides", "notices", "left_out", "outages", "implausible",
    "evidence", "disagreements", "verdict"}``, notices one per line (told by ``workers``
    processes: :meth:`~.dispute.Dispute.told`)."""
    opts = dispute.options
    head = {
        "as_of": dispute.as_of,
        "options": {
            "at": opts.at,
            "outage_seconds": opts.outage_ms / 1000,
            "tolerance_seconds": opts.tolerance_ms / 1000,
        },
        "sides": dispute.sides(),
    }
    out.write(_dumps(head)[:-1] + ',\n"notices": [')
    sep = "\n"
    for texts in _gathered(dispute.told(_json_record, workers)):
        out.write(sep + ",\n".join(texts))
        sep = ",\n"
    tail = {
        "left_out": dispute.hidden,
        "outages": dispute.outages(),
        "implausible": dispute.implausible,
        "evidence": dispute.evidence(),
        "disagreements": dispute.disagreements(),
        "verdict": dispute.verdict(),
    }
    out.write("],\n" + _dumps(tail)[1:] + "\n")


def _json_record(record: dict[str, Any], _dispute: Dispute) -> str:
    try:
        return orjson.dumps(record).decode()  # (a tenth of the standard encoder's time)
    except orjson.JSONEncodeError:  # e.g. an integer beyond 64 bits in a notice's fields
        return _dumps(record)


def _gathered(texts: Iterator[str], per_write: int = 256) -> Iterator[list[str]]:
    """``texts`` a few hundred at a time: one write each, not one a notice (a write can be a
    system call: Python's output is unbuffered under PYTHONUNBUFFERED, as in many containers)."""
    while chunk := list(itertools.islice(texts, per_write)):
        yield chunk


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


# sentences --------------------------------------------------------------------------------------


class Stamps:
    """Times in one sentence: the first in full, later ones of the same day as ``HH:MM:SSZ``."""

    def __init__(self) -> None:
        self.day: str | None = None

    def __call__(self, ms: int) -> str:
        split = _day_and_clock(ms // 1000)
        if split is None:
            return f"{ms} ms"
        day, clock = split
        if day == self.day:
            return clock
        self.day = day
        return f"{day} {clock}"


@functools.lru_cache(maxsize=65_536)
def _day_and_clock(second: int) -> tuple[str, str] | None:
    """A unix second as ``YYYY-MM-DD`` and ``HH:MM:SSZ`` (None if out of range). A report
    shows millions of times, most of them seconds it showed before: each is formatted once."""
    try:
        t = datetime.fromtimestamp(second, UTC)
    except (OverflowError, OSError, ValueError):
        return None
    return t.strftime("%Y-%m-%d"), t.strftime("%H:%M:%SZ")


def duration(ms: float) -> str:
    """``5 min``, ``6 h``, ``90 s``, ``1 h 30 min``."""
    if ms >= 3_600_000 and ms % 60_000 == 0:
        h, m = divmod(int(ms) // 60_000, 60)
        return f"{h} h" + (f" {m} min" if m else "")
    if ms >= 60_000 and ms % 60_000 == 0:
        return f"{int(ms) // 60_000} min"
    return f"{ms / 1000:g} s"


def write_text(dispute: Dispute, out: TextIO, workers: int | None = None) -> None:
    audit = dispute.audit
    names = ", ".join(v.name for v in audit.exports)
    cards = ", ".join(c.side for c in audit.cards) or "none"
    stamp = Stamps()
    out.write(f"Hotline dispute report — {len(audit.exports)} export(s): {names}; cards: {cards}\n")
    at = " (--at)" if dispute.options.at is not None else ""
    out.write(
        f"As of {stamp(dispute.as_of)}{at}. Times are UTC. Witnesses sign in whole seconds: a "
        "witnessed time is the second the witness signed in.\n\n"
    )
    for side in dispute.sides():
        deadlines = ", ".join(f"{p} {duration(s * 1000)}" for p, s in side["deadlines"].items())
        pinned = {True: "pinned by its card", False: "NOT those of its card", None: "not pinned"}
        out.write(
            f"{side['name']} ({side['origin']}, keys {pinned[side['pinned']]}, fingerprint "
            f"{side['fingerprint']}): {count(side['entries'], 'entry', 'entries')}, told from "
            f"{side['from']}; "
            f"acknowledgement deadlines {deadlines} ({DEADLINE_SOURCES[side['deadlines_from']]}); "
            f"its entries are witnessed by {side['witnessed_by']}.\n"
        )
    out.write("\nNotices, in the order they were witnessed:\n\n")
    written = 0
    for sentences in _gathered(dispute.told(notice_sentence, workers)):
        out.write("".join(f"{sentence}\n\n" for sentence in sentences))
        written += len(sentences)
    if not written:
        out.write("(none)\n\n")
    if dispute.hidden:
        out.write(f"{dispute.hidden} later entries were not yet witnessed at that time.\n\n")
    _section(
        out,
        f"Outages (gaps of more than {duration(dispute.options.outage_ms)} between cosignatures)",
        [outage_sentence(o) for o in dispute.outages()],
    )
    _section(
        out,
        f"Claimed times more than {duration(dispute.options.tolerance_ms)} outside "
        "the witnessed bracket",
        [implausible_sentence(i) for i in dispute.implausible],
    )
    _section(
        out, "Refused input kept as evidence", [evidence_sentence(e) for e in dispute.evidence()]
    )
    _section(
        out, "Where the accounts differ", [disagreement_text(d) for d in dispute.disagreements()]
    )
    out.write(audit.verdict() + "\n")


def _section(out: TextIO, title: str, items: list[str]) -> None:
    out.write(f"{title}:\n")
    for item in items or ["none"]:
        out.write(f"  {item}\n")
    out.write("\n")


def notice_sentence(r: dict[str, Any], dispute: Dispute) -> str:
    t = Stamps()
    name = f"{r['side']} #{r['index']}"
    if r.get("kind") is None:
        return f"  {name} is not a valid entry ({r.get('error')})."
    other = dispute.stories[r["side"]].other or "the other side"
    author = r["author"]
    head = (
        f"{name}, {r['summary']}, by {r['side']}/{author['id']} ({author['unit']}, "
        f"{author['nation']}; {r['precedence']}, {r['status']}), claimed {t(r['time'])}, "
        f"{_appended(r['appended'], t)}"
    )
    parts = [head]
    delivered = r["delivered"]
    if delivered is not None:
        parts.append(f"delivered to {other} at {t(delivered['at'])} ({other}'s witness signature)")
    else:
        parts.append(f"not delivered to {other} (no cosignature by {other}'s witness covers it)")
    if r["acknowledges"] is not None:
        ack = r["acknowledges"]
        parts.append(f"acknowledging {ack['side']} #{ack['index']} {ack['response']}")
    if r["needs_ack"] or r["acks"]:
        parts.append(_acks(r, t))
    text = ", ".join(parts) + "."
    extra = []
    if r["supersedes"] is not None:
        extra.append(f"It updates {r['side']} #{r['supersedes']}.")
    if r["cancels"] is not None:
        extra.append(f"It cancels {r['side']} #{r['cancels']}.")
    for i in r["superseded_by"]:
        extra.append(f"It was superseded by {r['side']} #{i}.")
    for i in r["cancelled_by"]:
        extra.append(f"It was cancelled by {r['side']} #{i}.")
    return "  " + " ".join([text, *extra])


def _appended(bracket: dict[str, int | None], t: Stamps) -> str:
    after, before = bracket["after"], bracket["before"]
    if after is not None and before is not None:
        return f"was appended between {t(after)} and {t(before)}"
    if before is not None:
        return f"was appended before {t(before)}"
    if after is not None:
        return f"was appended after {t(after)} and is not yet witnessed"
    return "has no witnessed time"


IN_TIME = {
    True: ", in time",
    False: ", LATE",
    "undecided": ", in time or late: undecided, the brackets straddle the deadline",
    None: "",
}


def _acks(r: dict[str, Any], t: Stamps) -> str:
    deadline = r["deadline"]
    rule = (
        f" (deadline {deadline['precedence']} {duration(deadline['seconds'] * 1000)} from its "
        "witnessed append)"
        if deadline is not None
        else ""
    )
    acks = []
    for a in r["acks"]:
        when = _appended(a["appended"], t).replace("was appended ", "")
        acks.append(
            f"acknowledged {a['response']} by {a['side']}/{a['author']} (#{a['index']}) {when}"
            f"{IN_TIME[a['in_time']]}" + (f" (reason: {a['reason']})" if a.get("reason") else "")
        )
    if acks:
        return "; ".join(acks) + rule
    state = r["ack_state"]
    texts = {
        "overdue": "NOT acknowledged: overdue",
        "pending": "not yet acknowledged, and not yet due",
        "withdrawn": "not acknowledged, and withdrawn (superseded or cancelled)",
        "undelivered": "not acknowledged (never delivered)",
        "undecided": "not acknowledged; whether the deadline had passed is undecided",
    }
    return texts.get(state, "not acknowledged") + rule


def outage_sentence(o: dict[str, Any]) -> str:
    t = Stamps()
    if o["ongoing"]:
        return (
            f"{o['feed']}'s feed: no cosignature by {o['witness']} after {t(o['from'])}, up to "
            f"{t(o['to'])} ({duration(o['seconds'] * 1000)}, ongoing)"
        )
    return (
        f"{o['feed']}'s feed: no cosignature by {o['witness']} from {t(o['from'])} to "
        f"{t(o['to'])} ({duration(o['seconds'] * 1000)})"
    )


def implausible_sentence(i: dict[str, Any]) -> str:
    t = Stamps()
    name = f"{i['side']} #{i['index']} ({i['kind']}) claims {t(i['time'])}"
    if i["issue"] == "ahead":
        return (
            f"{name}, but its witness held it by {t(i['appended']['before'])} already: dated "
            f"{duration(i['by_ms'])} ahead"
        )
    return (
        f"{name}, but its witness had not been given it at {t(i['appended']['after'])}: "
        f"{duration(i['by_ms'])} after its claimed time (appended or sent late, or back-dated)"
    )


def evidence_sentence(e: dict[str, Any]) -> str:
    t = Stamps()
    return (
        f"{t(e['time'])}, {e['export']}'s node refused input from {e['source']}: "
        f"{e['reason']}: {e['detail']} ({_kept(e)})"
    )


def _kept(e: dict[str, Any]) -> str:
    if e.get("size", e["bytes"]) == e["bytes"]:
        return f"{e['bytes']} bytes kept"
    return f"{e['bytes']} of {e['size']} bytes kept, SHA-256 {e['sha256']}"


def disagreement_text(d: dict[str, Any]) -> str:
    lines = [f"{d['check']}: {d['summary']}"]
    lines += [f"    - {x}" for x in d["details"]]
    return "\n  ".join(lines)
