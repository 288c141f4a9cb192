"""An index a node keeps as its feeds grow, so that a new notice is checked against the others
without recomputing every pair.

The operations' areas are held in a shapely ``STRtree``, which cannot change once built: areas
added since the last build wait in a short list that is scanned by bounding box, and removed
ones are skipped, until ``REBUILD_AFTER`` changes have gathered and the tree is built anew.
Emergencies are few and kept in a plain dict.

:meth:`ConflictIndex.add` takes the entries of each feed in feed order (an entry before any
cancel or update that refers to it); the two feeds may interleave in any way.
:meth:`ConflictIndex.extend` takes a batch in any order.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..errors import DeconflictionError
from ..notices import Notice, PlannedOperation
from .batch import draw_many
from .curves import run
from .distance import bounds_near, distances
from .model import DEFAULT_CONFIG, Certainty, Config, Conflict, ConflictRef, FeedItem, ordered
from .records import (
    Emergency,
    Key,
    Operation,
    Record,
    key_of,
    operation,
    prepare,
    preparing,
    withdrawn_by,
)
from .rules import (
    Reach,
    emergency_conflict,
    emergency_found,
    operations_conflict,
    operations_found,
    part_applies,
    part_reach,
    positive_overlaps,
)
from .tables import Tables
from .vertical import Unknowns, envelope, overlap

REBUILD_AFTER = 256


class ConflictIndex:
    """The active notices of both feeds, and the conflicts among them at any time."""

    def __init__(self, config: Config = DEFAULT_CONFIG) -> None:
        self.config = config
        self._unknowns = Unknowns.of(config)
        self._records: dict[tuple[str, int], Record] = {}
        self._emergencies: dict[tuple[str, int], Emergency] = {}
        self._tables = Tables()

    def __len__(self) -> int:
        return len(self._records)

    def keys(self) -> set[tuple[str, int]]:
        """The entries held now, as (side, index)."""
        return set(self._records) | set(self._emergencies)

    def add(self, item: FeedItem) -> None:
        """Take one entry: index it if the rule looks at it, and withdraw what it cancels or
        supersedes."""
        for key in withdrawn_by(item):
            self._withdraw(key)
        self._insert(item)
        self._tables.settle(REBUILD_AFTER)

    def extend(self, items: Iterable[FeedItem]) -> None:
        """Take many entries, in any order, and build the spatial index once."""
        batch: dict[tuple[str, int], FeedItem] = {}
        for item in items:
            if self._is_new(item) and self._is_new(item, batch):
                batch[(item.side, item.index)] = item
        gone = {key for item in batch.values() for key in withdrawn_by(item)}
        fresh = [item for item in batch.values() if key_of(item) not in gone]
        ops = [(item, item.notice) for item in fresh if isinstance(item.notice, PlannedOperation)]
        drawn = iter(draw_many([area for _, op in ops for area in op.areas]))
        for item, op in ops:
            pieces = [piece for _ in op.areas for piece in next(drawn)]
            self._store(item, operation(op, _ref(item), pieces))
        others = [item for item in fresh if not isinstance(item.notice, PlannedOperation)]
        records = run([preparing(item.notice, _ref(item)) for item in others])
        for item, record in zip(others, records, strict=True):
            self._store(item, record)
        for key in gone:
            self._withdraw(key)
        self._tables.settle(0)

    def remove(self, side: str, index: int) -> None:
        """Forget an entry (nothing happens if it is not held)."""
        record = self._records.pop((side, index), None)
        self._emergencies.pop((side, index), None)
        if isinstance(record, Operation):
            self._tables.drop((side, index))

    def prune(self, at_ms: int) -> int:
        """Forget what can never be active again at ``at_ms`` or later; returns how many."""
        over = [key for key, record in self._records.items() if not record.active(at_ms)]
        for side, index in over:
            self.remove(side, index)
        self._tables.settle(REBUILD_AFTER)
        return len(over)

    def conflicts(self, at_ms: int) -> list[Conflict]:
        """Every conflict among the active notices at ``at_ms``, sorted by id."""
        self._tables.settle(0)
        found: list[Conflict] = []
        kept: list[tuple[Operation, Operation, Certainty, list[tuple[int, int]]]] = []
        for a, b, slots in self._tables.all_pairs(at_ms):
            op_a, op_b = self._op(a), self._op(b)
            certainty = overlap(op_a.block, op_b.block, self._unknowns)
            if certainty is not None:
                if ordered(op_a.ref, op_b.ref)[0] is not op_a.ref:  # the pieces in one order
                    op_a, op_b, slots = op_b, op_a, [(y, x) for x, y in slots]
                kept.append((op_a, op_b, certainty, slots))
        flat = [slot for *_, slots in kept for slot in slots]
        shared = positive_overlaps(
            [self._tables.geometry(s) for s, _ in flat], [self._tables.geometry(s) for _, s in flat]
        )
        at = 0
        for op_a, op_b, certainty, slots in kept:
            pieces = [piece for piece in shared[at : at + len(slots)] if piece is not None]
            at += len(slots)
            if pieces:
                found.append(operations_found(op_a, op_b, certainty, pieces, self._unknowns))
        for emergency in self._emergencies.values():
            found += self._of_emergency(emergency, at_ms)
        return sorted(found, key=lambda c: c.id)

    def conflicts_of(self, side: str, index: int, at_ms: int) -> list[Conflict]:
        """The conflicts of one held entry at ``at_ms``, sorted by id."""
        record = self._records.get((side, index))
        return [] if record is None else self._of(record, at_ms)

    def check(self, draft: Notice, side: str, at_ms: int) -> list[Conflict]:
        """The conflicts ``draft`` would have if ``side`` appended it now, without adding it.
        Its reference has no index and an empty leaf hash."""
        record = prepare(draft, ConflictRef(side, None, b"", draft.kind.value))
        return [] if record is None else self._of(record, at_ms)

    # -- internals

    def _insert(self, item: FeedItem) -> None:
        if self._is_new(item):
            self._store(item, prepare(item.notice, _ref(item)))

    def _is_new(self, item: FeedItem, held: dict[tuple[str, int], FeedItem] | None = None) -> bool:
        """Whether the entry is not held yet; two different entries at one place are refused."""
        other = (
            self._records.get((item.side, item.index))
            if held is None
            else held.get((item.side, item.index))
        )
        if other is None:
            return True
        found = other.ref.leaf_hash if not isinstance(other, FeedItem) else other.leaf_hash
        if found != item.leaf_hash:
            raise DeconflictionError(
                f"two entries at {item.side} #{item.index}",
                code="duplicate_entry",
                expected=found,
                found=item.leaf_hash,
            )
        return False

    def _store(self, item: FeedItem, record: Record | None) -> None:
        if record is None:
            return
        self._records[(item.side, item.index)] = record
        if isinstance(record, Emergency):
            self._emergencies[(item.side, item.index)] = record
        else:
            low, high = envelope(record.block, self._unknowns)
            self._tables.put((item.side, item.index), record, low, high)

    def _withdraw(self, key: Key) -> None:
        side, index, leaf_hash = key
        record = self._records.get((side, index)) if index is not None else None
        if record is not None and record.ref.leaf_hash == leaf_hash:
            self.remove(side, index)  # type: ignore[arg-type]

    def _op(self, key: tuple[str, int]) -> Operation:
        record = self._records[key]
        assert isinstance(record, Operation)
        return record

    def _of(self, record: Record, at_ms: int) -> list[Conflict]:
        if not record.active(at_ms):
            return []
        if isinstance(record, Emergency):
            return sorted(self._of_emergency(record, at_ms), key=lambda c: c.id)
        found: list[Conflict] = []
        low, high = envelope(record.block, self._unknowns)
        for key in self._tables.near(record, low, high, at_ms):
            if key != (record.ref.side, record.ref.index):
                conflict = operations_conflict(record, self._op(key), self._unknowns)
                if conflict is not None:
                    found.append(conflict)
        for emergency in self._emergencies.values():
            if emergency.active(at_ms) and _near(emergency, record, self.config):
                conflict = emergency_conflict(emergency, record, self.config, self._unknowns, at_ms)
                if conflict is not None:
                    found.append(conflict)
        return sorted(found, key=lambda c: c.id)

    def _of_emergency(self, emergency: Emergency, at_ms: int) -> list[Conflict]:
        """Each part against the operations near it, their areas' distances in one call."""
        if not emergency.active(at_ms):
            return []
        reaches: dict[tuple[str, int], list[Reach]] = {}
        for part in emergency.parts:
            keys: set[tuple[str, int]] = set()
            skip = None if part.either_side else emergency.ref.side
            for box in bounds_near(part, self.config.emergency_margin_m + part.uncertainty_m):
                keys.update(self._tables.in_box(box, (part.start, part.end), at_ms, skip))
            facing = []
            for key in sorted(keys):
                op = self._op(key)
                certainty = part_applies(part, emergency, op, self._unknowns, at_ms)
                if certainty is not None:
                    facing.append((key, op, certainty))
            if not facing:
                continue
            areas = [area for _, op, _ in facing for area in op.areas]
            metres, inside = distances(part, areas)
            at = 0
            for key, op, certainty in facing:
                n = len(op.areas)
                mine, within = float(metres[at : at + n].min()), bool(inside[at : at + n].any())
                at += n
                reach = part_reach(part, certainty, mine, within, self.config)
                if reach is not None:
                    reaches.setdefault(key, []).append(reach)
        return [
            emergency_found(emergency, self._op(key), found)
            for key, found in sorted(reaches.items())
        ]


def _near(emergency: Emergency, op: Operation, config: Config) -> bool:
    """Whether some part's neighbourhood box meets some area's bounding box."""
    for part in emergency.parts:
        for west, south, east, north in bounds_near(
            part, config.emergency_margin_m + part.uncertainty_m
        ):
            for area in op.areas:
                w, s, e, n = area.bounds
                if w <= east and e >= west and s <= north and n >= south:
                    return True
    return False


def _ref(item: FeedItem) -> ConflictRef:
    return ConflictRef(item.side, item.index, item.leaf_hash, item.notice.kind.value)
