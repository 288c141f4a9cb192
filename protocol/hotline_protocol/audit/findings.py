"""The report's findings beside the notices: the line's outages, the refused input kept as
evidence, what the exports disagree on, the verdict, and the sides as told.
"""

from __future__ import annotations

from typing import Any

from ..card import fingerprint
from .combined import Audit
from .story import Options, Story
from .timeline import Outage


class Findings:
    """Outages, evidence, disagreements, verdict and sides of a dispute."""

    audit: Audit
    options: Options
    as_of: int
    stories: dict[str, Story]

    def outages(self) -> list[dict[str, Any]]:
        out = []
        for story in self.stories.values():
            for gap in story.timeline.outages(self.options.outage_ms, self.as_of):
                out.append(_outage(story, gap))
        return sorted(out, key=lambda o: (o["from"], o["feed"]))

    def evidence(self) -> list[dict[str, Any]]:
        out = []
        for export in self.audit.exports:
            for rec in export.loaded.evidence or []:
                if self.options.at is not None and rec.time > self.options.at:
                    continue
                out.append(
                    {
                        "export": export.tag,
                        "time": rec.time,
                        "source": rec.source,
                        "reason": rec.reason,
                        "detail": rec.detail,
                        "bytes": len(rec.raw),
                        "size": rec.size,
                        "sha256": rec.sha256.hex(),
                    }
                )
        return sorted(out, key=lambda e: (e["time"], e["export"]))

    def disagreements(self) -> list[dict[str, Any]]:
        """Every check that compares two accounts (export against card, export against
        export) and found them different, and deadlines stated differently."""
        out = []
        for label, check in self.audit.labelled():
            compares = check.name in ("keys", "agreement", "forks", "truncated")
            across = check in self.audit.checks
            if compares and (check.status == "FAIL" or (across and check.status != "PASS")):
                out.append(_disagreement(label, check.side, check.summary, check.details))
            elif check.name in ("keys", "truncated") and check.details and check.status == "PASS":
                notes = [d for d in check.details if "the report uses" in d or "older" in d]
                if notes:
                    out.append(_disagreement(label, check.side, notes[0], notes[1:]))
        out += self._deadline_disagreements()
        return out

    def _deadline_disagreements(self) -> list[dict[str, Any]]:
        out = []
        for side in self.stories:
            stated = {
                v.name: v.feeds[side].side.deadlines
                for v in self.audit.exports
                if side in v.feeds and v.feeds[side].side.deadlines is not None
            }
            texts = {name: d.text() for name, d in stated.items() if d is not None}
            if len(set(texts.values())) > 1:
                detail = [f"{name}: {text}" for name, text in texts.items()]
                out.append(
                    _disagreement(
                        "deadlines",
                        side,
                        f"the exports state {side}'s deadlines differently",
                        detail,
                    )
                )
        return out

    def verdict(self) -> dict[str, Any]:
        return {
            "result": self.audit.result,
            "failed": self.audit.failed,
            "unpinned": self.audit.unpinned,
            "summary": self.audit.verdict(),
        }

    def sides(self) -> list[dict[str, Any]]:
        out = []
        for story in self.stories.values():
            side = story.feed.side
            out.append(
                {
                    "name": story.name,
                    "origin": side.origin,
                    "fingerprint": fingerprint(side.log_vkey, side.witness_vkey),
                    "pinned": story.feed.pinned,
                    "entries": len(side.entries),
                    "from": story.source.name,
                    "deadlines": story.deadlines.seconds(),
                    "deadlines_from": story.deadlines_from,
                    "witnessed_by": story.timeline.witness,
                }
            )
        return out


def _outage(story: Story, gap: Outage) -> dict[str, Any]:
    return {
        "feed": story.name,
        "witness": story.timeline.witness,
        "from": gap.start,
        "to": gap.end,
        "seconds": gap.seconds,
        "ongoing": gap.ongoing,
    }


def _disagreement(check: str, side: str | None, summary: str, details: Any) -> dict[str, Any]:
    return {"check": check, "side": side, "summary": summary, "details": list(details)}
