"""JSON Schema files: current with the models, truthful about the examples, minimal by design."""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from hotline_protocol.notices import Kind
from hotline_protocol.notices.schema import SCHEMA_ID_BASE, notice_schemas, render_schema

ROOT = Path(__file__).resolve().parents[2]
SCHEMA_DIR = ROOT / "protocol" / "schema"
EXAMPLES = Path(__file__).parent / "examples"
KINDS = [kind.value for kind in Kind]
FILES = [f"{kind}.schema.json" for kind in KINDS] + ["notice.schema.json"]

# Data minimisation: words no field name may contain (split on "_").
FORBIDDEN_WORDS = {
    "target", "targets", "objective", "objectives", "aimpoint", "dmpi", "weapon", "weapons",
    "munition", "intel", "intelligence", "name", "names", "surname", "firstname", "lastname",
    "birth", "dob", "email", "passport", "ssn", "rank", "religion", "blood", "address",
}  # fmt: skip
# "icao_address" is the aircraft's 24-bit transponder address, not a person's.
ALLOWED_FIELDS = {"icao_address"}
# ICAO terms kept as ICAO writes them; every other enumeration value is lower snake_case.
UPPER_CASE_ENUMS = {"Precedence", "Phase", "Response", "AltitudeUnit", "VerticalReference"}


def load_generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen_schema", ROOT / "scripts" / "gen_schema.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def example(kind: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((EXAMPLES / f"{kind}.json").read_text(encoding="utf-8"))
    return data


def schema_file(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((SCHEMA_DIR / name).read_text(encoding="utf-8"))
    return data


# --- a small validator for the keywords the generated schemas use ---------------------------


def violations(
    value: Any, schema: dict[str, Any], root: dict[str, Any], path: str = ""
) -> list[str]:
    if "$ref" in schema:
        name = schema["$ref"].removeprefix("#/$defs/")
        found = violations(value, root["$defs"][name], root, path)
        rest = {k: v for k, v in schema.items() if k != "$ref"}
        return found + (violations(value, rest, root, path) if rest else [])
    out: list[str] = []
    kind = schema.get("type")
    types = {"object": dict, "array": list, "string": str}
    if kind in types and not isinstance(value, types[kind]):
        return [f"{path}: not {kind}"]
    if kind == "integer" and (type(value) is not int):
        return [f"{path}: not integer"]
    if kind == "number" and type(value) not in (int, float):
        return [f"{path}: not number"]
    if "const" in schema and value != schema["const"]:
        out.append(f"{path}: not {schema['const']!r}")
    if "enum" in schema and value not in schema["enum"]:
        out.append(f"{path}: not in enum")
    if isinstance(value, str):
        if len(value) < schema.get("minLength", 0) or len(value) > schema.get("maxLength", 1e9):
            out.append(f"{path}: length")
        if "pattern" in schema and not re.search(schema["pattern"], value):
            out.append(f"{path}: pattern")
    if type(value) in (int, float):
        if value < schema.get("minimum", -1e300) or value > schema.get("maximum", 1e300):
            out.append(f"{path}: range")
        if "exclusiveMinimum" in schema and value <= schema["exclusiveMinimum"]:
            out.append(f"{path}: range")
    if isinstance(value, list):
        if len(value) < schema.get("minItems", 0) or len(value) > schema.get("maxItems", 1e9):
            out.append(f"{path}: items")
        if schema.get("uniqueItems") and len({json.dumps(v) for v in value}) != len(value):
            out.append(f"{path}: unique")
        for i, item in enumerate(value):
            out += violations(item, schema.get("items", {}), root, f"{path}.{i}")
    if isinstance(value, dict):
        props = schema.get("properties", {})
        out += [f"{path}.{key}: required" for key in schema.get("required", []) if key not in value]
        if schema.get("additionalProperties") is False:
            out += [f"{path}.{key}: unknown" for key in value if key not in props]
        for key, item in value.items():
            if key in props:
                out += violations(item, props[key], root, f"{path}.{key}")
    if "oneOf" in schema:
        matching = [s for s in schema["oneOf"] if not violations(value, s, root, path)]
        if len(matching) != 1:
            out.append(f"{path}: matches {len(matching)} of oneOf")
    if "anyOf" in schema and all(violations(value, s, root, path) for s in schema["anyOf"]):
        out.append(f"{path}: matches none of anyOf")
    if "if" in schema and not violations(value, schema["if"], root, path):
        out += violations(value, schema.get("then", {}), root, path)
    return out


def validate(value: Any, schema: dict[str, Any]) -> list[str]:
    found: list[str] = violations(value, schema, schema)
    if importlib.util.find_spec("jsonschema") is not None:  # a full validator, if installed
        jsonschema = importlib.import_module("jsonschema")
        validator = jsonschema.Draft202012Validator(schema)
        found += [f"jsonschema: {e.message}" for e in validator.iter_errors(value)]
    return found


def property_names(node: Any) -> set[str]:
    names: set[str] = set()
    if isinstance(node, dict):
        if isinstance(node.get("properties"), dict):
            names |= set(node["properties"])
        for value in node.values():
            names |= property_names(value)
    elif isinstance(node, list):
        for value in node:
            names |= property_names(value)
    return names


# --- the tests ---------------------------------------------------------------------------------


def test_generator_names_one_file_per_kind_and_the_union() -> None:
    assert sorted(notice_schemas()) == sorted(FILES)


@pytest.mark.parametrize("name", FILES)
def test_checked_in_schema_matches_the_generator(name: str) -> None:
    assert (SCHEMA_DIR / name).read_text(encoding="utf-8") == render_schema(notice_schemas()[name])


def test_schema_directory_holds_no_stale_files() -> None:
    assert sorted(p.name for p in SCHEMA_DIR.glob("*.json")) == sorted(FILES)


@pytest.mark.parametrize("name", FILES)
def test_schema_has_its_id_and_dialect(name: str) -> None:
    schema = schema_file(name)
    assert schema["$id"] == f"{SCHEMA_ID_BASE}{name}"
    assert schema["$id"].startswith("https://hotline.example/schema/v1/")
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_schema_text_is_sorted_indented_and_ends_with_a_newline() -> None:
    for name in FILES:
        text = (SCHEMA_DIR / name).read_text(encoding="utf-8")
        assert text.endswith("}\n")
        assert text == json.dumps(json.loads(text), indent=2, sort_keys=True) + "\n"


def test_check_mode_passes_on_the_checked_in_files() -> None:
    assert load_generator().main(["--check"]) == 0


def test_check_mode_fails_on_a_missing_changed_or_unexpected_file(tmp_path: Path) -> None:
    gen = load_generator()
    assert gen.main(["--check", "--dir", str(tmp_path)]) == 1
    assert gen.main(["--dir", str(tmp_path)]) == 0
    assert gen.main(["--check", "--dir", str(tmp_path)]) == 0
    (tmp_path / "ack.schema.json").write_text("{}\n", encoding="utf-8")
    (tmp_path / "retired.schema.json").write_text("{}\n", encoding="utf-8")
    assert gen.stale_files(tmp_path) == ["ack.schema.json", "retired.schema.json"]
    assert gen.main(["--check", "--dir", str(tmp_path)]) == 1
    assert gen.main(["--dir", str(tmp_path)]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(FILES)


@pytest.mark.parametrize("kind", KINDS)
def test_example_validates_against_its_kind_schema_and_the_union(kind: str) -> None:
    data = example(kind)
    assert validate(data, schema_file(f"{kind}.schema.json")) == []
    assert validate(data, schema_file("notice.schema.json")) == []


@pytest.mark.parametrize("kind", KINDS)
def test_example_keys_are_schema_properties_and_cover_the_required(kind: str) -> None:
    schema = schema_file(f"{kind}.schema.json")
    assert set(example(kind)) <= set(schema["properties"])
    assert set(schema["required"]) <= set(example(kind))
    assert schema["additionalProperties"] is False
    assert schema["properties"]["kind"] == {"const": kind, "type": "string"}
    assert schema["required"][0] == "kind"


@pytest.mark.parametrize(
    ("kind", "change", "problem"),
    [
        ("liaison", {"extra": 1}, ".extra: unknown"),
        ("liaison", {"kind": "chat"}, ".kind: not 'liaison'"),
        ("liaison", {"time": 1.5}, ".time: not integer"),
        ("liaison", {"language": "en_GB"}, ".language: pattern"),
        ("ack", {"response": "YES"}, ".response: not in enum"),
        ("ack", {"reason": None}, ".reason: not string"),
        ("planned_operation", {"areas": []}, ".areas: items"),
        ("planned_operation", {"callsigns": ["A", "A"]}, ".callsigns: unique"),
    ],
)
def test_schema_refuses_what_the_parser_refuses(
    kind: str, change: dict[str, Any], problem: str
) -> None:
    data = example(kind) | change
    assert problem in violations(
        data, schema_file(f"{kind}.schema.json"), schema_file(f"{kind}.schema.json")
    )


def test_schema_requires_a_reason_or_a_reason_code_for_unable() -> None:
    schema = schema_file("ack.schema.json")
    data = {k: v for k, v in example("ack").items() if k != "reason"}
    assert ": matches none of anyOf" in violations(data, schema, schema)
    assert violations(data | {"response": "ROGER"}, schema, schema) == []
    assert validate(data | {"reason_code": "weather"}, schema) == []
    assert validate(example("ack") | {"reason_code": "weather"}, schema) == []
    assert violations(data | {"reason_code": "tired"}, schema, schema) != []


def test_schema_offers_no_null_anywhere() -> None:
    text = (SCHEMA_DIR / "notice.schema.json").read_text(encoding="utf-8")
    assert '"null"' not in text
    assert '"default": null' not in text


def test_no_field_names_a_target_an_objective_or_personal_data() -> None:
    names = property_names(schema_file("notice.schema.json"))
    assert {"areas", "crew", "authentication_ref"} <= names  # the walk does reach the models
    offending = sorted(
        name for name in names - ALLOWED_FIELDS if FORBIDDEN_WORDS & set(name.lower().split("_"))
    )
    assert offending == []


def test_enumeration_values_are_snake_case_except_icao_terms() -> None:
    defs = schema_file("notice.schema.json")["$defs"]
    enums = {name: d["enum"] for name, d in defs.items() if "enum" in d}
    assert UPPER_CASE_ENUMS <= set(enums)
    for name, values in enums.items():
        if name not in UPPER_CASE_ENUMS | {"DistanceUnit"}:
            assert all(re.fullmatch(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)*", v) for v in values), name
    assert enums["DistanceUnit"] == ["NM", "km", "m"]
    assert enums["AltitudeUnit"] == ["ft", "FL", "m"]
