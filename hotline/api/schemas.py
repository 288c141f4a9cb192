"""JSON Schemas for the API descriptions, built from the code's own models.

The notices' schemas are the protocol library's (:func:`hotline_protocol.notices.schema.
notice_schemas`, the ones ``scripts/gen_schema.py`` writes to ``protocol/schema/``): their
``$defs`` become named components, every ``$ref`` pointing at the components instead. Both the
OpenAPI and the AsyncAPI document keep them under ``#/components/schemas/``.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from typing import Any, Literal

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from hotline_protocol.notices.schema import notice_schemas

COMPONENTS = "#/components/schemas/"
# left out of a posted notice, the node fills them in (PROTOCOL.md, *Stream*: post)
FILLED_BY_NODE = ("id", "time", "author")


def _point(node: Any, prefix: str) -> Any:
    """A copy of ``node`` whose local ``#/$defs/X`` references point at ``prefix + X``."""
    if isinstance(node, list):
        return [_point(item, prefix) for item in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in ("$ref", "mapping") and isinstance(value, str):
            out[key] = value.replace("#/$defs/", prefix)
        elif key == "mapping" and isinstance(value, dict):
            out[key] = {k: v.replace("#/$defs/", prefix) for k, v in value.items()}
        else:
            out[key] = _point(value, prefix)
    return out


def hoist(
    schema: dict[str, Any], prefix: str = COMPONENTS
) -> tuple[dict[str, Any], dict[str, Any]]:
    """``(schema without $defs, $schema and $id, its $defs)``, references pointing at
    ``prefix``."""
    body = {k: v for k, v in schema.items() if k not in ("$defs", "$schema", "$id")}
    defs = schema.get("$defs", {})
    return _point(body, prefix), {name: _point(d, prefix) for name, d in defs.items()}


def notice_components() -> dict[str, Any]:
    """``Notice`` (any notice), each kind and its parts, and ``NoticeDraft``: a notice as
    posted, where ``id``, ``time`` and ``author`` may be left out."""
    union, defs = hoist(notice_schemas()["notice.schema.json"])
    out = {"Notice": union, **defs}
    mapping: dict[str, str] = union["discriminator"]["mapping"]
    drafts: dict[str, str] = {}
    for kind, ref in mapping.items():
        name = ref.removeprefix(COMPONENTS)
        draft = copy.deepcopy(defs[name])
        draft["required"] = [f for f in draft["required"] if f not in FILLED_BY_NODE]
        draft["title"] = f"{name}Draft"
        out[f"{name}Draft"] = draft
        drafts[kind] = f"{COMPONENTS}{name}Draft"
    out["NoticeDraft"] = {
        "title": "NoticeDraft",
        "description": "A notice as posted: as `Notice`, but `id`, `time` and `author` may be "
        "left out; the node fills them in (a fresh version 7 UUID, its time, the authenticated "
        "user with the user's unit and nation).",
        "oneOf": [{"$ref": ref} for ref in drafts.values()],
        "discriminator": {"propertyName": "kind", "mapping": drafts},
    }
    return out


def model_components(
    models: Iterable[type[BaseModel]],
    *,
    mode: Literal["validation", "serialization"] = "serialization",
    prefix: str = "",
) -> dict[str, Any]:
    """The JSON Schemas of pydantic models (and of the models they use), by ``prefix`` + model
    name; ``mode``: of what is read (validation) or of what is written (serialization)."""
    _, top = models_json_schema(
        [(m, mode) for m in models], ref_template=COMPONENTS + prefix + "{model}"
    )
    defs: dict[str, Any] = top.get("$defs", {})
    return {prefix + name: schema for name, schema in defs.items()}


def merge(into: dict[str, Any], new: dict[str, Any]) -> None:
    """Add components to ``into``; a name already there must name the same schema."""
    for name, schema in new.items():
        if name in into and into[name] != schema:
            raise ValueError(f"two different schemas are named {name!r}")
        into[name] = schema


def plain_discriminators(node: Any) -> Any:
    """A copy of ``node`` with OpenAPI's discriminator objects as AsyncAPI's: the property
    name alone (the ``oneOf`` beside each still says which schema applies)."""
    if isinstance(node, list):
        return [plain_discriminators(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {k: plain_discriminators(v) for k, v in node.items()}
    if isinstance(out.get("discriminator"), dict):
        out["discriminator"] = out["discriminator"]["propertyName"]
    return out
