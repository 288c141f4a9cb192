"""What the checks learn per checkpoint, packed: a feed of a checkpoint an entry (a quiet line)
and a heartbeat a minute (an idle one) has as many of them as entries, so each is kept in a few
machine words (position, size, timestamp, a 32-byte root) rather than as an object. Read back,
they are the values the checks made (:class:`SignedCheckpoint`, :class:`Cosigned`).
"""

from __future__ import annotations

from array import array
from collections.abc import Iterator
from dataclasses import dataclass

HASH = 32


@dataclass(frozen=True, slots=True)
class SignedCheckpoint:
    """A checkpoint whose log signature verified, with its parsed size and root (its note is
    the side's checkpoint at ``position``: not kept twice)."""

    position: int
    size: int
    root: bytes


@dataclass(frozen=True, slots=True)
class Cosigned:
    """A valid cosignature by the other side's witness of a signed checkpoint."""

    size: int
    root: bytes
    timestamp: int  # seconds, as the witness signed it


class _Roots:
    """Records with a 32-byte root each (a root of another length is kept aside)."""

    def __init__(self) -> None:
        self._roots = bytearray()
        self._odd: dict[int, bytes] = {}  # roots not of 32 bytes, by record

    def _add_root(self, n: int, root: bytes) -> None:
        if len(root) == HASH:
            self._roots += root
        else:
            self._roots += bytes(HASH)
            self._odd[n] = root

    def _root(self, k: int) -> bytes:
        odd = self._odd.get(k)
        return odd if odd is not None else bytes(self._roots[k * HASH : (k + 1) * HASH])


class SignedList(_Roots):
    """The checkpoints whose log signature verified, in the order of the export's list."""

    def __init__(self) -> None:
        super().__init__()
        self._positions = array("q")
        self._sizes = array("q")
        self.latest = 0  # the largest size signed (0 if none)

    def append(self, cp: SignedCheckpoint) -> None:
        self._add_root(len(self._positions), cp.root)
        self._positions.append(cp.position)
        self._sizes.append(cp.size)
        self.latest = max(self.latest, cp.size)

    def __len__(self) -> int:
        return len(self._positions)

    def __iter__(self) -> Iterator[SignedCheckpoint]:
        positions, sizes = self._positions, self._sizes
        for k in range(len(positions)):
            yield SignedCheckpoint(positions[k], sizes[k], self._root(k))

    def by_size(self) -> Iterator[SignedCheckpoint]:
        """The same, ordered by size (then list order)."""
        sizes = self._sizes
        if all(sizes[k] <= sizes[k + 1] for k in range(len(sizes) - 1)):
            yield from self
            return
        for k in sorted(range(len(sizes)), key=sizes.__getitem__):
            yield SignedCheckpoint(self._positions[k], sizes[k], self._root(k))


class CosignedList(_Roots):
    """The valid cosignatures of a feed's signed checkpoints (heartbeats included)."""

    def __init__(self) -> None:
        super().__init__()
        self._sizes = array("q")
        self._stamps = array("q")

    def append(self, cs: Cosigned) -> None:
        self._add_root(len(self._sizes), cs.root)
        self._sizes.append(cs.size)
        self._stamps.append(cs.timestamp)

    def __len__(self) -> int:
        return len(self._sizes)

    def __iter__(self) -> Iterator[Cosigned]:
        sizes, stamps = self._sizes, self._stamps
        for k in range(len(sizes)):
            yield Cosigned(sizes[k], self._root(k), stamps[k])


class Positions:
    """A set of list positions, a bit each."""

    def __init__(self) -> None:
        self._bits = bytearray()
        self._count = 0

    def add(self, position: int) -> None:
        byte, bit = divmod(position, 8)
        if byte >= len(self._bits):
            self._bits.extend(bytes(byte + 1 - len(self._bits)))
        if not self._bits[byte] & (1 << bit):
            self._bits[byte] |= 1 << bit
            self._count += 1

    def __contains__(self, position: object) -> bool:
        if not isinstance(position, int) or position < 0:
            return False
        byte, bit = divmod(position, 8)
        return byte < len(self._bits) and bool(self._bits[byte] & (1 << bit))

    def __len__(self) -> int:
        return self._count
