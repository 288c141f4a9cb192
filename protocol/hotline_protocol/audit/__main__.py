"""``python -m hotline_protocol.audit verify EXPORT``: see :mod:`hotline_protocol.audit.command`."""

from __future__ import annotations

import sys

from .command import main

if __name__ == "__main__":
    sys.exit(main())
