"""The notices overdue and not yet answered, as the deadline watcher counts them: a bit each.

A feed's overdue notices are held as a bitmap of their indexes (:class:`IndexBits`), from the
lowest still set: one bit per entry of the stretch of the feed between the oldest unanswered
overdue notice and the newest. A peer that never answers costs its side an eighth of a byte per
entry of the own feed (1.25 MB for ten million), where a set of keys cost over a hundred bytes
each; answered from the oldest on, the bitmap gives its front back.
"""

from __future__ import annotations

TRIM = 4096  # bytes cleared at the front of a bitmap before they are given back


class IndexBits:
    """A set of non-negative indexes of one feed, a bit each from the lowest held."""

    def __init__(self) -> None:
        self._base = 0  # the index of the first bit of ``_bits`` (a multiple of 8)
        self._bits = bytearray()
        self._low = 0  # bytes of ``_bits`` before it are all clear
        self.count = 0

    @property
    def nbytes(self) -> int:
        """The bitmap's size in bytes."""
        return len(self._bits)

    def __contains__(self, index: int) -> bool:
        offset = index - self._base
        if not 0 <= offset < 8 * len(self._bits):
            return False
        return bool(self._bits[offset >> 3] >> (offset & 7) & 1)

    def add(self, index: int) -> bool:
        """Hold ``index``; True if it was not held."""
        if index < 0:
            raise ValueError(f"index {index} is negative")
        if not self.count:
            self._base, self._bits, self._low = index & ~7, bytearray(), 0
        elif index < self._base:  # earlier than any held: the bitmap grows at the front
            grow = (self._base - index + 7) >> 3
            self._bits[:0] = bytes(grow)
            self._base -= 8 * grow
            self._low = 0
        offset = index - self._base
        byte, bit = offset >> 3, 1 << (offset & 7)
        if byte >= len(self._bits):
            self._bits.extend(bytes(byte + 1 - len(self._bits)))
        if self._bits[byte] & bit:
            return False
        self._bits[byte] |= bit
        self._low = min(self._low, byte)
        self.count += 1
        return True

    def discard(self, index: int) -> bool:
        """Let go of ``index``; True if it was held."""
        if index not in self:
            return False
        offset = index - self._base
        self._bits[offset >> 3] &= ~(1 << (offset & 7)) & 0xFF
        self.count -= 1
        if not self.count:
            self._base, self._bits, self._low = 0, bytearray(), 0
            return True
        while not self._bits[self._low]:  # the front cleared: given back once it is large
            self._low += 1
        if self._low >= TRIM and self._low * 2 >= len(self._bits):
            del self._bits[: self._low]
            self._base += 8 * self._low
            self._low = 0
        return True


class Overdue:
    """The overdue notices of each side, and how many there are."""

    def __init__(self, sides: list[str]) -> None:
        self._sides = {side: IndexBits() for side in sides}

    def add(self, side: str, index: int) -> bool:
        """Count (side, index) overdue; True if it was not already."""
        return self._sides.setdefault(side, IndexBits()).add(index)

    def discard(self, side: str, index: int) -> bool:
        """(side, index) answered; True if it was counted overdue."""
        bits = self._sides.get(side)
        return bits is not None and bits.discard(index)

    def counts(self) -> dict[str, int]:
        return {side: bits.count for side, bits in self._sides.items()}
