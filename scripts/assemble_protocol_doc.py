"""Assemble protocol/PROTOCOL.md from its section sources in protocol/doc-drafts/."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ORDER = [
    "00-intro.md",
    "notices.md",
    "02-entries.md",
    "merkle.md",
    "notes.md",
    "logs-api.md",
    "stream.md",
    "peering.md",
    "audit-export.md",
    "errors.md",
]


def main() -> int:
    drafts = ROOT / "protocol" / "doc-drafts"
    parts = [
        (drafts / name).read_text().strip() + "\n" for name in ORDER if (drafts / name).exists()
    ]
    (ROOT / "protocol" / "PROTOCOL.md").write_text("\n".join(parts))
    return 0


if __name__ == "__main__":
    sys.exit(main())
