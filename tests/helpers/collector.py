"""What the cyclic collector frees: the measure of what is left in reference cycles."""

from __future__ import annotations

import gc


def collected() -> int:
    """Objects a full collection frees: those it finds unreachable, and those freed when it
    ends a cycle by finalizing a member (a suspended generator or coroutine is closed), which
    its return value does not count. Tuples and dicts aside: it stops tracking those of them
    that can hold no cycle, alive; a cycle always holds objects of other types."""

    def tracked() -> int:
        return sum(1 for o in gc.get_objects() if type(o) not in (tuple, dict))

    before = tracked()
    gc.collect()
    return before - tracked()
