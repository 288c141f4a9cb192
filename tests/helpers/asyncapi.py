"""Check messages against the node's AsyncAPI document: each message's payload schema, with
the document's components (its references point there)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from jsonschema import Draft7Validator, Draft202012Validator

OFFICIAL = Path(__file__).parents[1] / "stream" / "asyncapi" / "asyncapi-3.0.0.schema.json"


def document_errors(doc: dict[str, Any]) -> list[str]:
    """Where ``doc`` breaks the official AsyncAPI 3.0.0 JSON Schema (none: it is valid)."""
    schema = json.loads(OFFICIAL.read_text())
    validator = Draft7Validator(schema)
    return [
        f"{'/'.join(str(p) for p in e.absolute_path)}: {e.message[:300]}"
        for e in validator.iter_errors(doc)
    ]


def message_errors(doc: dict[str, Any], key: str, message: dict[str, Any]) -> list[str]:
    """Where ``message`` breaks the payload schema of the document's message ``key``."""
    assert key in doc["components"]["messages"], f"the document has no message {key}"
    schema = {"components": doc["components"], "$ref": f"#/components/messages/{key}/payload"}
    validator = Draft202012Validator(schema)
    return [
        f"{key} {'/'.join(str(p) for p in e.absolute_path)}: {e.message[:300]}"
        for e in validator.iter_errors(message)
    ]
