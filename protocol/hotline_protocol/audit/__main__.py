"""``python -m hotline_protocol.audit verify EXPORT``: see :mod:`hotline_protocol.audit.command`.

The collector is set for a process that reads millions of entries and keeps few objects: what
the imports built is frozen out of its sight, and the youngest generation collected every
5,000 allocations instead of 700 (a twentieth of the verifier's instructions went to
collections that found nothing to free). The worker processes are forked with the same.
"""

from __future__ import annotations

import gc
import sys

from .command import main

YOUNG_THRESHOLD = 5_000

if __name__ == "__main__":
    gc.freeze()
    gc.set_threshold(YOUNG_THRESHOLD, *gc.get_threshold()[1:])
    sys.exit(main())
