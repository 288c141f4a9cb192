"""The peer's entries received on a link and not yet covered by a checkpoint: a run that only
grows in order, each entry within the size limit, at most ``MAX_PENDING`` of them.
"""

from __future__ import annotations

from hotline_protocol.entries import MAX_ENTRY_BYTES

from ..errors import Refusal

MAX_PENDING = 20_000  # entries waiting for a checkpoint


class Pending:
    """Entries received on one link after the replica's size ``start``, not yet checkpointed."""

    def __init__(self, start: int) -> None:
        self.start = start
        self.raws: list[bytes] = []

    @property
    def end(self) -> int:
        return self.start + len(self.raws)

    def add(self, start: int, raws: list[bytes], raw_msg: bytes) -> None:
        if start != self.end:
            reason = "gap" if start > self.end else "overlap"
            raise Refusal(reason, f"entries start at {start}, expected {self.end}", raw_msg)
        for offset, raw in enumerate(raws):
            if len(raw) > MAX_ENTRY_BYTES:
                raise Refusal(
                    "entry_too_large",
                    f"entry {start + offset} is {len(raw)} bytes, at most {MAX_ENTRY_BYTES}",
                    raw_msg,
                )
        if len(self.raws) + len(raws) > MAX_PENDING:
            raise Refusal(
                "too_many_entries", f"more than {MAX_PENDING} entries without a checkpoint", raw_msg
            )
        self.raws.extend(raws)

    def take(self) -> list[bytes]:
        raws, self.raws = self.raws, []
        self.start += len(raws)
        return raws
