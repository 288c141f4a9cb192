"""Notice models: examples of every kind, round trips, strictness, defaults and helpers."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from hotline_protocol.entries import notice_text
from hotline_protocol.errors import NoticeError
from hotline_protocol.notices import (
    ACK_REQUIRED_KINDS,
    MAX_NOTICE_BYTES,
    NOTICE_ADAPTER,
    NOTICE_TYPES,
    Ack,
    Altitude,
    AltitudeUnit,
    Author,
    Cancel,
    Corridor,
    Kind,
    Liaison,
    Notice,
    PlannedOperation,
    Precedence,
    ReasonCode,
    Reference,
    Response,
    Status,
    VerticalBlock,
    VerticalReference,
    notice_to_json,
    parse_notice,
    reference_of,
    requires_ack,
)

EXAMPLES = Path(__file__).parent / "examples"
KINDS = [kind.value for kind in Kind]
LEAF = "ypeBEsobvcr6wjGzmiPcTaeG7/gUfE5yuYB3ha/uSLs="
DEFAULT_PRECEDENCE = {
    "planned_operation": "ROUTINE",
    "aircraft_in_distress": "FLASH",
    "downed_pilot": "FLASH",
    "liaison": "ROUTINE",
    "ack": "ROUTINE",
    "cancel": "ROUTINE",
}


def example(kind: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((EXAMPLES / f"{kind}.json").read_text(encoding="utf-8"))
    return data


def problems_of(data: Any) -> list[tuple[str, str]]:
    with pytest.raises(NoticeError) as caught:
        parse_notice(data)
    return caught.value.problems


def paths_of(data: Any) -> list[str]:
    return [path for path, _ in problems_of(data)]


def test_there_is_one_example_per_kind_and_no_other() -> None:
    assert sorted(p.stem for p in EXAMPLES.glob("*.json")) == sorted(KINDS)


@pytest.mark.parametrize("kind", KINDS)
def test_example_parses_to_the_model_of_its_kind(kind: str) -> None:
    notice = parse_notice(example(kind))
    assert type(notice) is NOTICE_TYPES[Kind(kind)]
    assert notice.kind == kind


@pytest.mark.parametrize("kind", KINDS)
def test_model_to_json_to_model_is_exact(kind: str) -> None:
    notice = parse_notice(example(kind))
    assert parse_notice(notice_to_json(notice)) == notice


@pytest.mark.parametrize("kind", KINDS)
def test_round_trip_through_rfc8785_bytes_is_exact(kind: str) -> None:
    notice = parse_notice(example(kind))
    raw = rfc8785.dumps(notice_to_json(notice))
    again = parse_notice(raw)
    assert again == notice
    assert rfc8785.dumps(notice_to_json(again)) == raw


@pytest.mark.parametrize("kind", KINDS)
def test_json_form_is_the_example_plus_the_default_precedence(kind: str) -> None:
    data = example(kind)
    expected = {"precedence": DEFAULT_PRECEDENCE[kind], **data}
    assert notice_to_json(parse_notice(data)) == expected


@pytest.mark.parametrize("kind", KINDS)
def test_json_form_holds_only_json_types_and_omits_absent_fields(kind: str) -> None:
    def check(value: Any) -> None:
        assert value is not None
        if isinstance(value, dict):
            assert all(isinstance(k, str) for k in value)
            for item in value.values():
                check(item)
        elif isinstance(value, list):
            for item in value:
                check(item)
        else:
            assert type(value) in (str, int, float, bool)

    check(notice_to_json(parse_notice(example(kind))))


def test_text_bytes_and_mapping_inputs_give_the_same_notice() -> None:
    data = example("planned_operation")
    text = json.dumps(data)
    assert parse_notice(text) == parse_notice(text.encode()) == parse_notice(data)


def test_parsed_values_have_their_python_types() -> None:
    notice = parse_notice(example("planned_operation"))
    assert isinstance(notice, PlannedOperation)
    assert isinstance(notice.id, UUID)
    assert notice.status is Status.EXERCISE
    assert notice.precedence is Precedence.PRIORITY
    assert isinstance(notice.areas, tuple)
    corridor = notice.areas[1]
    assert corridor.shape == "corridor"
    assert isinstance(corridor.half_width.value, float)  # 5 on the wire becomes 5.0


def test_integral_float_survives_canonical_bytes_where_it_is_written_as_integer() -> None:
    data = example("planned_operation")
    data["air_to_air_frequency_mhz"] = 250.0
    notice = parse_notice(data)
    raw = rfc8785.dumps(notice_to_json(notice))
    assert b'"air_to_air_frequency_mhz":250,' in raw
    assert parse_notice(raw) == notice


def test_whole_distances_and_frequencies_are_written_as_json_integers() -> None:
    data = example("planned_operation")
    data["air_to_air_frequency_mhz"] = 250.0
    notice = parse_notice(data)
    assert isinstance(notice, PlannedOperation)
    corridor = notice.areas[1]
    assert isinstance(corridor, Corridor)
    assert isinstance(notice.air_to_air_frequency_mhz, float)
    assert isinstance(corridor.half_width.value, float)
    written = notice_to_json(notice)
    assert type(written["air_to_air_frequency_mhz"]) is int
    assert type(written["areas"][1]["half_width"]["value"]) is int
    assert notice_text(notice) == rfc8785.dumps(written)


@pytest.mark.parametrize("kind", KINDS)
def test_notice_text_is_the_reference_canonical_form(kind: str) -> None:
    notice = parse_notice(example(kind))
    assert notice_text(notice) == rfc8785.dumps(notice_to_json(notice))


def test_a_notice_built_in_python_round_trips() -> None:
    notice = Liaison(
        id=UUID("c2a0da61-cd11-48dd-9498-d9f2dac70ef6"),
        status=Status.TEST,
        author=Author(id="sys-gateway", unit="HQ-A", nation="XAB"),
        time=1_767_254_400_000,
        text="Ligne de test.",
        language="fr",
    )
    assert notice.kind is Kind.LIAISON
    assert notice_to_json(notice)["kind"] == "liaison"
    assert parse_notice(notice_to_json(notice)) == notice
    assert NOTICE_ADAPTER.validate_python(notice_to_json(notice)) == notice


@pytest.mark.parametrize("kind", KINDS)
def test_precedence_defaults_by_kind(kind: str) -> None:
    data = example(kind)
    data.pop("precedence", None)
    assert parse_notice(data).precedence == DEFAULT_PRECEDENCE[kind]


def test_unknown_top_level_field_is_rejected() -> None:
    data = example("liaison") | {"priority": "high"}
    assert problems_of(data) == [("priority", "Extra inputs are not permitted")]


def test_unknown_nested_field_is_rejected_with_its_path() -> None:
    data = example("downed_pilot")
    data["crew"][0]["name"] = "anyone"
    data["requested_measures"]["sar_corridor"]["area"]["colour"] = "red"
    assert paths_of(data) == ["crew.0.name", "requested_measures.sar_corridor.area.colour"]


def test_unknown_kind_is_rejected_naming_the_known_kinds() -> None:
    [(path, reason)] = problems_of(example("liaison") | {"kind": "chat"})
    assert path == "kind"
    assert "'chat'" in reason
    assert all(kind in reason for kind in KINDS)


def test_missing_kind_is_reported_on_kind() -> None:
    data = example("liaison")
    del data["kind"]
    assert paths_of(data) == ["kind"]


def test_notice_is_frozen() -> None:
    notice = parse_notice(example("planned_operation"))
    assert isinstance(notice, PlannedOperation)
    with pytest.raises(ValidationError):
        notice.remarks = "changed"  # type: ignore[misc]
    with pytest.raises(ValidationError):
        notice.window.end = 0  # type: ignore[misc]
    with pytest.raises(TypeError):
        notice.areas[0] = notice.areas[1]  # type: ignore[index]


def test_equal_notices_hash_equal() -> None:
    a, b = parse_notice(example("downed_pilot")), parse_notice(example("downed_pilot"))
    assert a == b
    assert hash(a) == hash(b)


def test_null_is_refused_even_where_the_field_is_optional() -> None:
    data = example("planned_operation") | {"remarks": None}
    data["author"]["unit"] = None
    assert sorted(problems_of(data)) == [
        ("author.unit", "null is not allowed: omit the field instead"),
        ("remarks", "null is not allowed: omit the field instead"),
    ]


def test_every_problem_in_one_notice_is_listed() -> None:
    data = example("planned_operation")
    data["author"]["nation"] = "xab"
    data["areas"][0]["points"].pop()
    data["areas"][1]["centreline"] = data["areas"][1]["centreline"][:1]
    data["areas"].append({"shape": "hexagon"})
    data["vertical_block"]["upper"] = {"value": 40, "unit": "FL", "reference": "STD"}
    data["window"]["end"] = data["window"]["start"]
    data["callsigns"] = ["viper 11"]
    data["target"] = "bridge"
    assert sorted(paths_of(data)) == sorted(
        [
            "author.nation",
            "areas.0.points",
            "areas.1.centreline",
            "areas.2.shape",
            "vertical_block.upper",
            "window.end",
            "callsigns.0",
            "target",
        ]
    )


def test_notice_error_serialises_its_problems() -> None:
    with pytest.raises(NoticeError) as caught:
        parse_notice(example("ack") | {"response": "MAYBE"})
    body = caught.value.to_dict()
    assert body["code"] == "invalid_notice"
    assert [p["path"] for p in body["problems"]] == ["response"]


@pytest.mark.parametrize(
    ("raw", "reason_part"),
    [
        (b'{"kind": "ack",', "malformed JSON"),
        (b"\xff\xfe{}", "not UTF-8"),
        ('{"a": 1}'.encode("utf-16"), "not UTF-8"),
        (b"\xef\xbb\xbf{}", "BOM"),
        (b'{"kind": "ack", "kind": "cancel"}', "duplicate key 'kind'"),
        (b'{"time": NaN}', "NaN"),
        (b'{"time": Infinity}', "Infinity"),
        (b"[1, 2]", "JSON object"),
        (b'"notice"', "JSON object"),
        (b"[" * 50_000 + b"]" * 50_000, "limit"),
        (b" " * MAX_NOTICE_BYTES + b"{}", "limit"),
    ],
    ids=[
        "truncated",
        "not-utf8",
        "utf16",
        "utf8-bom",
        "duplicate-key",
        "nan",
        "infinity",
        "array",
        "string",
        "deep-nesting",
        "oversized",
    ],
)
def test_malformed_json_is_reported_on_the_empty_path(raw: bytes, reason_part: str) -> None:
    [(path, reason)] = problems_of(raw)
    assert path == ""
    assert reason_part in reason


def test_deep_nesting_within_the_size_limit_is_malformed_not_a_crash() -> None:
    depth = MAX_NOTICE_BYTES // 2 - 1
    [(path, reason)] = problems_of("[" * depth + "]" * depth)
    assert path == ""
    assert "JSON" in reason


@pytest.mark.parametrize("kind", KINDS)
def test_kinds_that_need_an_ack(kind: str) -> None:
    notice = parse_notice(example(kind))
    expected = kind in {"planned_operation", "aircraft_in_distress", "downed_pilot", "cancel"}
    assert requires_ack(notice) is expected
    assert (Kind(kind) in ACK_REQUIRED_KINDS) is expected


@pytest.mark.parametrize("kind", KINDS)
def test_any_update_needs_an_ack(kind: str) -> None:
    data = example(kind) | {
        "supersedes": {"origin": "b.hotline.example/feed", "index": 7, "leaf_hash": LEAF}
    }
    assert requires_ack(parse_notice(data)) is True


@pytest.mark.parametrize("kind", KINDS)
def test_reference_of_points_at_the_answered_or_cancelled_entry(kind: str) -> None:
    data = example(kind)
    ref = reference_of(parse_notice(data))
    if kind in ("ack", "cancel"):
        assert ref == Reference(**data["ref"])
    else:
        assert ref is None


def test_reference_decodes_its_leaf_hash() -> None:
    ref = Reference(origin="a.hotline.example/feed", index=0, leaf_hash=LEAF)
    assert len(ref.leaf_hash_bytes) == 32


def test_precedence_rank_puts_flash_first() -> None:
    shuffled = [Precedence.ROUTINE, Precedence.FLASH, Precedence.PRIORITY, Precedence.IMMEDIATE]
    assert sorted(shuffled, key=lambda p: p.rank) == [
        Precedence.FLASH,
        Precedence.IMMEDIATE,
        Precedence.PRIORITY,
        Precedence.ROUTINE,
    ]
    assert Precedence.most_urgent(Precedence.ROUTINE, Precedence.IMMEDIATE) is Precedence.IMMEDIATE
    assert Precedence.most_urgent() is Precedence.ROUTINE


def test_ack_unable_with_reason_is_accepted_and_other_responses_need_none() -> None:
    data = example("ack")
    assert isinstance(parse_notice(data), Ack)
    for response in ("ROGER", "WILCO", "NEGATIVE"):
        plain = {k: v for k, v in data.items() if k not in ("reason", "remark")}
        notice = parse_notice(plain | {"response": response})
        assert isinstance(notice, Ack)
        assert notice.response == Response(response)
        assert notice.reason is None


def test_ack_unable_or_negative_carries_a_reason_code_from_the_list() -> None:
    data = {k: v for k, v in example("ack").items() if k not in ("reason", "remark")}
    for response in ("UNABLE", "NEGATIVE"):
        notice = parse_notice(data | {"response": response, "reason_code": "weather"})
        assert isinstance(notice, Ack)
        assert notice.reason_code == ReasonCode.WEATHER
    assert paths_of(data | {"response": "NEGATIVE", "reason_code": "tired"}) == ["reason_code"]
    assert paths_of(data | {"response": "UNABLE"}) == ["reason"]


def test_cancel_carries_a_coded_reason() -> None:
    notice = parse_notice(example("cancel"))
    assert isinstance(notice, Cancel)
    assert notice.reason == "crew_recovered"


def _alt(value: int, unit: str, reference: str) -> Altitude:
    return Altitude(value=value, unit=AltitudeUnit(unit), reference=VerticalReference(reference))


@pytest.mark.parametrize(
    ("lower", "upper"),
    [
        ((0, "ft", "SFC"), (100, "FL", "STD")),
        ((0, "ft", "SFC"), (500, "ft", "AGL")),
        ((5000, "ft", "AMSL"), (60, "FL", "STD")),
        ((50, "FL", "STD"), (6000, "ft", "AMSL")),
        ((500, "ft", "AGL"), (3000, "m", "AGL")),
        ((500, "ft", "AGL"), (1000, "ft", "AMSL")),
        ((9000, "ft", "AMSL"), (500, "ft", "AGL")),  # terrain decides: not compared
    ],
    ids=["sfc-fl", "sfc-agl", "amsl-fl", "fl-amsl", "agl-agl-units", "agl-amsl", "amsl-agl"],
)
def test_vertical_block_accepts_limits_in_order(
    lower: tuple[int, str, str], upper: tuple[int, str, str]
) -> None:
    block = VerticalBlock(lower=_alt(*lower), upper=_alt(*upper))
    assert block.lower.metres < block.upper.metres or block.upper.reference == "AGL"


@pytest.mark.parametrize(
    ("lower", "upper"),
    [
        ((10000, "ft", "AMSL"), (10000, "ft", "AMSL")),
        ((3100, "m", "AMSL"), (100, "FL", "STD")),
        ((120, "FL", "STD"), (11000, "ft", "AMSL")),
        ((2000, "ft", "AGL"), (600, "m", "AGL")),
        ((2000, "ft", "AGL"), (1500, "ft", "AMSL")),
        ((0, "ft", "SFC"), (0, "ft", "AGL")),
        ((0, "ft", "SFC"), (0, "ft", "SFC")),
    ],
    ids=["equal", "m-over-fl", "fl-over-ft", "agl-units", "agl-over-amsl", "sfc-zero", "sfc-top"],
)
def test_vertical_block_refuses_lower_not_below_upper(
    lower: tuple[int, str, str], upper: tuple[int, str, str]
) -> None:
    data = example("planned_operation")
    data["vertical_block"] = {
        "lower": dict(zip(("value", "unit", "reference"), lower, strict=True)),
        "upper": dict(zip(("value", "unit", "reference"), upper, strict=True)),
    }
    assert paths_of(data) == ["vertical_block.upper"]


def test_parse_does_not_mutate_its_input() -> None:
    data = example("downed_pilot")
    before = copy.deepcopy(data)
    parse_notice(data)
    assert data == before


def test_notice_union_type_is_usable_for_annotations() -> None:
    notices: list[Notice] = [parse_notice(example(kind)) for kind in KINDS]
    assert [n.kind for n in notices] == KINDS


JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)


def _leaf_paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(value, dict):
        items: list[tuple[Any, Any]] = list(value.items())
    elif isinstance(value, list):
        items = list(enumerate(value))
    else:
        return [prefix]
    return [prefix] + [p for key, item in items for p in _leaf_paths(item, (*prefix, key))]


@settings(max_examples=300, deadline=None)
@given(kind=st.sampled_from(KINDS), data=st.data(), replacement=JSON_VALUES)
def test_any_single_change_gives_a_notice_or_a_notice_error(
    kind: str, data: st.DataObject, replacement: Any
) -> None:
    doc = example(kind)
    path = data.draw(st.sampled_from(_leaf_paths(doc)[1:]))
    node: Any = doc
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = replacement
    try:
        notice = parse_notice(json.dumps(doc))
    except NoticeError as exc:
        assert exc.problems
        assert all(isinstance(p, str) and isinstance(r, str) and r for p, r in exc.problems)
    else:
        assert parse_notice(rfc8785.dumps(notice_to_json(notice))) == notice


@settings(max_examples=200, deadline=None)
@given(value=JSON_VALUES)
def test_arbitrary_json_gives_a_notice_error_not_a_crash(value: Any) -> None:
    with pytest.raises(NoticeError):
        parse_notice(json.dumps(value))


def test_deeply_nested_input_is_refused_with_a_notice_error() -> None:
    data: dict[str, Any] = {"kind": "liaison"}
    inner = data
    for _ in range(5000):
        inner["x"] = {}
        inner = inner["x"]
    with pytest.raises(NoticeError) as err:
        parse_notice(data)
    assert err.value.problems[0][0] == ""
