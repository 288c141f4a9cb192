"""JSON Schema (draft 2020-12) for every notice kind and for the union, built from the models.

The schemas describe the wire form that :func:`~hotline_protocol.notices.parse_notice` accepts:
optional fields are omitted, never ``null``, and the discriminators (``kind``, ``shape``) are
required. ``scripts/gen_schema.py`` writes them to ``protocol/schema/``.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue
from pydantic_core import core_schema

from .codec import NOTICE_ADAPTER, NOTICE_TYPES

SCHEMA_ID_BASE = "https://hotline.example/schema/v1/"
DIALECT = "https://json-schema.org/draft/2020-12/schema"
_DISCRIMINATORS = ("kind", "shape")


class _WireSchema(GenerateJsonSchema):
    """Pydantic's generator, minus what the wire form never carries: nulls and field titles."""

    def nullable_schema(self, schema: core_schema.NullableSchema) -> JsonSchemaValue:
        return self.generate_inner(schema["schema"])

    def field_title_should_be_set(self, schema: Any) -> bool:
        return False


def notice_schemas() -> dict[str, dict[str, Any]]:
    """File name -> schema: ``<kind>.schema.json`` for each kind, and ``notice.schema.json``."""
    out: dict[str, dict[str, Any]] = {}
    for kind, model in NOTICE_TYPES.items():
        name = f"{kind.value}.schema.json"
        schema = model.model_json_schema(schema_generator=_WireSchema)
        out[name] = _finish(schema, name)
    union = NOTICE_ADAPTER.json_schema(schema_generator=_WireSchema)
    union["title"] = "Notice"
    union["description"] = "Any Hotline notice; the kind field selects the schema that applies."
    out["notice.schema.json"] = _finish(union, "notice.schema.json")
    return out


def render_schema(schema: dict[str, Any]) -> str:
    """The text of a schema file: two-space indent, sorted keys, trailing newline."""
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _finish(schema: dict[str, Any], name: str) -> dict[str, Any]:
    _tidy(schema)
    return {"$schema": DIALECT, "$id": SCHEMA_ID_BASE + name, **schema}


def _tidy(node: Any) -> None:
    """Drop ``"default": null``; make discriminator properties required."""
    if isinstance(node, list):
        for item in node:
            _tidy(item)
        return
    if not isinstance(node, dict):
        return
    if "default" in node and node["default"] is None:
        del node["default"]
    props = node.get("properties")
    if isinstance(props, dict):
        for tag in _DISCRIMINATORS:
            if isinstance(props.get(tag), dict) and "const" in props[tag]:
                props[tag].pop("default", None)
                required = node.setdefault("required", [])
                if tag not in required:
                    required.insert(0, tag)
    for value in node.values():
        _tidy(value)
