"""The OpenAPI document: valid OpenAPI 3.1, self-contained, its notice schemas the protocol
library's own files, bearer security, and what the node answers matches what it declares."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate
from openapi_spec_validator.validation.exceptions import OpenAPIValidationError

from tests.api.conftest import LIAISON, NodeApp

SCHEMA_DIR = Path(__file__).parents[2] / "protocol" / "schema"
EXAMPLES = Path(__file__).parents[1] / "protocol" / "examples"
COMPONENTS = "#/components/schemas/"


async def openapi(node_app: NodeApp) -> dict[str, Any]:
    answer = await node_app.client.get("/openapi.json")
    assert answer.status_code == 200
    doc: dict[str, Any] = answer.json()
    return doc


def errors(doc: dict[str, Any], schema: str, value: Any) -> list[str]:
    """Where ``value`` breaks the document's component ``schema``."""
    validator = Draft202012Validator({"components": doc["components"], "$ref": COMPONENTS + schema})
    return [f"{list(e.absolute_path)}: {e.message[:200]}" for e in validator.iter_errors(value)]


def refs(node: Any) -> set[str]:
    if isinstance(node, dict):
        own = {node["$ref"]} if isinstance(node.get("$ref"), str) else set()
        return own.union(*(refs(v) for v in node.values()))
    if isinstance(node, list):
        return set().union(*(refs(v) for v in node))
    return set()


async def test_the_document_is_valid_openapi(node_app: NodeApp) -> None:
    doc = await openapi(node_app)
    validate(doc)
    broken = json.loads(json.dumps(doc))
    broken["paths"]["/v1/keys"]["get"]["responses"]["200"]["content"] = "json"
    with pytest.raises(OpenAPIValidationError):
        validate(broken)


async def test_every_reference_is_inside_the_document(node_app: NodeApp) -> None:
    doc = await openapi(node_app)
    found = refs(doc)
    assert found, "the document refers to its components"
    for ref in found:
        assert ref.startswith(COMPONENTS), ref
        assert ref.removeprefix(COMPONENTS) in doc["components"]["schemas"], ref
    assert "hotline.example" not in json.dumps(doc["components"])


async def test_the_notice_schemas_are_the_protocol_librarys_files(node_app: NodeApp) -> None:
    doc = await openapi(node_app)
    schemas = doc["components"]["schemas"]
    for path in SCHEMA_DIR.glob("*.schema.json"):
        text = path.read_text().replace('"#/$defs/', f'"{COMPONENTS}')
        schema = json.loads(text)
        defs = schema.pop("$defs", {})
        for key in ("$schema", "$id"):
            schema.pop(key)
        name = "Notice" if path.name == "notice.schema.json" else schema["title"]
        assert schemas[name] == schema, name
        for def_name, part in defs.items():
            assert schemas[def_name] == part, def_name


async def test_a_posted_notice_may_leave_out_what_the_node_fills_in(node_app: NodeApp) -> None:
    doc = await openapi(node_app)
    body = doc["paths"]["/v1/notices"]["post"]["requestBody"]["content"]["application/json"]
    assert body["schema"] == {"$ref": COMPONENTS + "NoticeDraft"}
    for path in EXAMPLES.glob("*.json"):
        full = json.loads(path.read_text())
        draft = {k: v for k, v in full.items() if k not in ("id", "time", "author")}
        assert errors(doc, "Notice", full) == [], path.name
        assert errors(doc, "NoticeDraft", full) == [], path.name
        assert errors(doc, "NoticeDraft", draft) == [], path.name
        assert errors(doc, "Notice", draft) != [], path.name  # a stored notice has all three
    assert errors(doc, "NoticeDraft", {**LIAISON, "colour": "red"}) != []


async def test_every_operation_with_a_token_declares_its_refusals(node_app: NodeApp) -> None:
    doc = await openapi(node_app)
    assert doc["components"]["securitySchemes"]["bearer"] == {
        "type": "http",
        "scheme": "bearer",
        "description": doc["components"]["securitySchemes"]["bearer"]["description"],
    }
    error = {"$ref": COMPONENTS + "ApiError"}
    public = {("get", "/healthz"), ("get", "/asyncapi.json"), ("get", "/console/schema")}
    for path, operations in doc["paths"].items():
        for method, op in operations.items():
            answers = op["responses"]
            assert any(s.startswith("2") for s in answers), (method, path)
            for status, answer in answers.items():
                if status.startswith("2"):
                    (content,) = answer["content"].values()
                    assert content["schema"], (method, path, status)
                else:
                    assert answer["content"] == {"application/json": {"schema": error}}
            if (method, path) in public:
                assert "security" not in op
                continue
            assert op["security"] == [{"bearer": []}], (method, path)
            assert {"401", "403", "503"} <= set(answers), (method, path)
            if "requestBody" in op:
                assert {"400", "413", "422"} <= set(answers), (method, path)
            if op.get("parameters"):
                assert "422" in answers, (method, path)


async def test_the_answers_are_what_the_document_says(node_app: NodeApp) -> None:
    """A notice listed with every part of its state set, a refusal, and a replayed post."""
    doc = await openapi(node_app)
    ops = await node_app.headers("operator")
    first = await node_app.client.post("/v1/notices", json=LIAISON | {"text": "one"}, headers=ops)
    assert errors(doc, "Entry", first.json()) == []
    update = LIAISON | {"text": "two", "supersedes": ref(first.json())}
    second = await node_app.client.post("/v1/notices", json=update, headers=ops)
    assert second.status_code == 201, second.text
    cancel = await node_app.client.post(
        "/v1/notices/alpha/1/cancel", json={"reason": "issued_in_error"}, headers=ops
    )
    assert cancel.status_code == 201, cancel.text
    listing = await node_app.client.get("/v1/notices", headers=ops)
    assert errors(doc, "NoticeList", listing.json()) == []
    states = [n["state"] for n in listing.json()["notices"]]
    assert any(s["superseded_by"] for s in states) and any(s["cancelled_by"] for s in states)
    one = await node_app.client.get("/v1/notices/alpha/1", headers=ops)
    assert errors(doc, "NoticeView", one.json()) == []
    refused = await node_app.client.get("/v1/notices/alpha/99", headers=ops)
    assert refused.status_code == 404
    assert errors(doc, "ApiError", refused.json()) == []
    invalid = await node_app.client.post("/v1/notices", json={"kind": "liaison"}, headers=ops)
    assert invalid.status_code == 422
    assert errors(doc, "ApiError", invalid.json()) == []
    assert errors(doc, "NoticeState", {**states[0], "colour": "red"}) != []


def ref(entry: dict[str, Any]) -> dict[str, Any]:
    return {"origin": entry["origin"], "index": entry["index"], "leaf_hash": entry["leaf_hash"]}
