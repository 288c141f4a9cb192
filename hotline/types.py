"""The node's small vocabulary: the sides of the line and the clock, shared by every part.

Every part of the node is built from narrow collaborators (a clock, a publish function, a
feed's read port, the store) by the composition root, :mod:`hotline.node`; this module holds
the plain values they pass each other and imports nothing of the node.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

Clock = Callable[[], int]  # unix milliseconds


@dataclass(frozen=True, slots=True)
class Side:
    """One side of the line as this node knows it: its name, its feed's origin and its vkeys
    (the own side's from its keys, the peer's as pinned from its card)."""

    name: str
    origin: str
    log_vkey: str
    witness_vkey: str
    witness_name: str


@dataclass(frozen=True, slots=True)
class Sides:
    """This node's side and, once paired, the other one."""

    own: Side
    peer: Side | None

    def names(self) -> list[str]:
        return [self.own.name] + ([self.peer.name] if self.peer is not None else [])

    def all(self) -> list[Side]:
        return [self.own] + ([self.peer] if self.peer is not None else [])

    def info(self, name: str) -> Side | None:
        """The side called ``name``, or None if this node knows no such side."""
        if name == self.own.name:
            return self.own
        if self.peer is not None and name == self.peer.name:
            return self.peer
        return None

    def origins(self) -> dict[str, str]:
        """Side name -> its feed's origin."""
        return {side.name: side.origin for side in self.all()}
