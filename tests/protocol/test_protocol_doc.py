"""The worked examples in PROTOCOL.md match what the library computes."""

from __future__ import annotations

import json
from pathlib import Path

from hotline_protocol.entries import encode_entry
from hotline_protocol.notices import parse_notice

ROOT = Path(__file__).parents[2]
EXAMPLES = Path(__file__).parent / "examples"


def test_entry_worked_example_matches_the_library() -> None:
    doc = (ROOT / "protocol" / "PROTOCOL.md").read_text()
    notice = parse_notice(json.loads((EXAMPLES / "liaison.json").read_text()))
    first = encode_entry("alpha.hotline.example", 0, b"", notice)
    second = encode_entry("alpha.hotline.example", 1, first.leaf_hash, notice)
    assert first.raw.decode() in doc
    assert first.leaf_hash.hex() in doc
    assert second.leaf_hash.hex() in doc
