"""A notice's entry text made from the JSON object it was validated from (``notice_text_of``):
the same bytes as writing the validated notice out, and the models that make this hold."""

from __future__ import annotations

import json
import types
import uuid
from collections.abc import Iterator
from enum import Enum
from pathlib import Path
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import annotated_types
import pytest
from pydantic import AllowInfNan, BaseModel, PlainSerializer, Strict
from pydantic.fields import FieldInfo

from hotline_protocol.entries import notice_text, notice_text_of
from hotline_protocol.notices import (
    NOTICE_TYPES,
    Author,
    Notice,
    is_json_form,
    notice_to_json,
    parse_notice,
)
from hotline_protocol.notices.codec import _DEFAULTS_INSIDE
from hotline_protocol.notices.common import JSON_NUMBER, UniqueItems

EXAMPLES = Path(__file__).parent / "examples"
KINDS = sorted(p.stem for p in EXAMPLES.glob("*.json"))


def example_json(kind: str) -> dict[str, Any]:
    return notice_to_json(parse_notice(json.loads((EXAMPLES / f"{kind}.json").read_text())))


@pytest.mark.parametrize("kind", KINDS)
def test_a_notice_in_its_json_form_gives_its_own_text(kind: str) -> None:
    data = example_json(kind)
    notice = parse_notice(data)
    assert is_json_form(data, notice) == (type(notice) not in _DEFAULTS_INSIDE)
    assert notice_text_of(data, notice) == notice_text(notice)


def test_a_crew_member_without_injuries_is_written_out_from_the_notice() -> None:
    data = example_json("downed_pilot")
    for member in data["crew"]:
        member.pop("injuries", None)
    notice = parse_notice(data)
    text = notice_text_of(data, notice)
    assert text == notice_text(notice)
    assert text.count(b'"injuries":"unknown"') == len(data["crew"])


@pytest.mark.parametrize("kind", KINDS)
def test_an_object_without_its_precedence_is_written_out_from_the_notice(kind: str) -> None:
    data = example_json(kind)
    del data["precedence"]
    notice = parse_notice(data)
    assert not is_json_form(data, notice)
    text = notice_text_of(data, notice)
    assert text == notice_text(notice)
    assert b'"precedence":"%s"' % notice.precedence.value.encode() in text


@pytest.mark.parametrize(
    "written",
    [str.upper, lambda i: i.replace("-", ""), lambda i: "{" + i + "}"],
    ids=["upper case", "no hyphens", "braces"],
)
def test_an_id_written_otherwise_than_in_lower_case_with_hyphens_is_written_out(
    written: Any,
) -> None:
    data = example_json("liaison")
    data["id"] = written(data["id"])
    notice = parse_notice(data)
    assert not is_json_form(data, notice)
    assert notice_text_of(data, notice) == notice_text(notice)
    assert str(notice.id).encode() in notice_text_of(data, notice)


def test_numbers_written_as_integers_or_integral_floats_give_the_same_text() -> None:
    data = example_json("planned_operation")
    corridor = next(a for a in data["areas"] if a["shape"] == "corridor")
    corridor["centreline"][0] = {"lat": 47, "lon": -30.0}
    corridor["half_width"]["value"] = 5.0
    data["air_to_air_frequency_mhz"] = 251
    notice = parse_notice(data)
    assert is_json_form(data, notice)
    text = notice_text_of(data, notice)
    assert text == notice_text(notice)
    assert b'{"lat":47,"lon":-30}' in text and b'"value":5}' in text


def test_an_object_canonical_json_cannot_write_falls_back_to_the_notice() -> None:
    data = example_json("liaison")
    notice = parse_notice(data)
    unwritable = {**data, "text": float("nan")}  # stands for anything RFC 8785 refuses
    assert is_json_form(unwritable, notice)
    assert notice_text_of(unwritable, notice) == notice_text(notice)


# What validation may meet in a notice model without changing the value it is given.
_CONSTRAINTS = (
    annotated_types.Ge,
    annotated_types.Gt,
    annotated_types.Le,
    annotated_types.Lt,
    annotated_types.MinLen,
    annotated_types.MaxLen,
)
_CONFIG = {"frozen", "extra", "json_schema_extra"}


def _models(kind: type[BaseModel]) -> Iterator[tuple[type[BaseModel], str | None]]:
    """Every model a notice of ``kind`` can hold, with the union tag it is reached by (None:
    directly)."""
    seen: set[tuple[type[BaseModel], str | None]] = set()
    todo: list[tuple[type[BaseModel], str | None]] = [(kind, "kind")]
    while todo:
        item = todo.pop()
        if item in seen:
            continue
        seen.add(item)
        yield item
        model = item[0]
        for name, info in model.model_fields.items():
            for leaf, tag in _leaves(info.annotation, [info], f"{model.__name__}.{name}"):
                if isinstance(leaf, type) and issubclass(leaf, BaseModel):
                    todo.append((leaf, tag))


def _leaves(annotation: Any, metadata: list[Any], where: str) -> Iterator[tuple[Any, str | None]]:
    """The value types of a field, each with the union tag that selects it; checks every piece
    of metadata on the way (an unknown one fails: it might change the value)."""
    tag: str | None = None
    for meta in metadata:
        if isinstance(meta, FieldInfo):
            assert meta.alias is None and meta.validation_alias is None, where
            tag = meta.discriminator if isinstance(meta.discriminator, str) else tag
            metadata = [*metadata, *meta.metadata]
    origin = get_origin(annotation)
    if origin is Annotated:
        base, *more = get_args(annotation)
        yield from _leaves(base, [*metadata, *more], where)
        return
    for meta in metadata:
        if isinstance(meta, PlainSerializer):
            assert meta is JSON_NUMBER, f"{where}: a serializer other than JSON_NUMBER"
        elif type(meta).__name__ == "_PydanticGeneralMetadata":  # Field(pattern=...)
            assert set(vars(meta)) == {"pattern"}, f"{where}: {meta!r}"
        else:
            known = isinstance(meta, (FieldInfo, Strict, AllowInfNan, *_CONSTRAINTS))
            assert known or meta is UniqueItems, f"{where}: unknown metadata {meta!r}"
    if origin in (Union, types.UnionType):
        for arg in get_args(annotation):
            yield from _leaves(arg, metadata, where)
    elif origin is tuple:
        item, ellipsis = get_args(annotation)
        assert ellipsis is Ellipsis, where
        yield from _leaves(item, [], where)
    elif origin is Literal:
        yield Literal, None
    elif annotation in (int, float, bool):
        strict = any(isinstance(m, Strict) and m.strict for m in metadata)
        assert strict, f"{where}: a non-strict {annotation.__name__} converts what it is given"
        yield annotation, None
    else:
        yield annotation, tag


@pytest.mark.parametrize("kind", NOTICE_TYPES.values(), ids=lambda k: k.__name__)
def test_every_notice_model_keeps_the_json_form_it_was_validated_from(
    kind: type[BaseModel],
) -> None:
    """What ``is_json_form`` relies on: validation takes every value as it is given, except
    ``id`` (a UUID) and the defaults of the notice kinds themselves (and, for the kinds it
    never takes as written, the defaults inside)."""
    models = list(_models(kind))
    assert (Author, None) in models  # the walk reached the nested models
    defaults_inside = []
    for model, tag in models:
        where = model.__name__
        assert set(model.model_config) <= _CONFIG, where
        decorators = model.__pydantic_decorators__
        assert not decorators.field_serializers and not decorators.model_serializers, where
        assert not decorators.computed_fields, where
        modes = {name: v.info.mode for name, v in decorators.field_validators.items()}
        modes |= {name: v.info.mode for name, v in decorators.model_validators.items()}
        assert set(modes.values()) <= {"after"}, f"{where}: {modes}"
        for name, info in model.model_fields.items():
            assert info.alias is None and info.validation_alias is None, f"{where}.{name}"
            leaves = [leaf for leaf, _ in _leaves(info.annotation, [info], where)]
            if uuid.UUID in leaves:
                assert (name, model) == ("id", kind), f"{where}.{name}"
            for leaf in leaves:
                assert leaf in (str, int, float, bool, Literal, uuid.UUID, type(None)) or (
                    isinstance(leaf, type) and issubclass(leaf, (Enum, BaseModel))
                ), f"{where}.{name}: {leaf!r}"
            nested = model is not kind and name != tag
            if nested and not info.is_required() and info.default is not None:
                defaults_inside.append(f"{where}.{name}")  # the dump writes it out
    taken_as_written = kind not in _DEFAULTS_INSIDE
    assert taken_as_written == (not defaults_inside), defaults_inside


def test_a_notice_kind_model_states_its_defaults_to_is_json_form() -> None:
    """The walk above leaves the kinds' own defaults to ``is_json_form``: it must ask for each."""
    for model in NOTICE_TYPES.values():
        defaulted = {
            name
            for name, info in model.model_fields.items()
            if not info.is_required() and info.default is not None
        }
        assert {"kind", "precedence"} <= defaulted
        data = example_json(model.model_fields["kind"].default.value)
        notice: Notice = parse_notice(data)
        for name in defaulted:
            assert not is_json_form({k: v for k, v in data.items() if k != name}, notice), name
