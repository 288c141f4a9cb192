"""Every bound of every notice kind has a failing case, and the error names the field's path.

Each case takes a valid example, changes one thing and expects exactly one problem, at the path
given. ``DELETE`` removes the field instead of setting it.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from hotline_protocol.errors import NoticeError
from hotline_protocol.notices import parse_notice

EXAMPLES = Path(__file__).parent / "examples"
DELETE = object()

P0 = {"lat": 47.5, "lon": -31.25}
P1 = {"lat": 47.5, "lon": -29.75}
P2 = {"lat": 46.75, "lon": -29.75}
LEAF = "ypeBEsobvcr6wjGzmiPcTaeG7/gUfE5yuYB3ha/uSLs="
MS_DAY = 24 * 3600 * 1000


def example(kind: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((EXAMPLES / f"{kind}.json").read_text(encoding="utf-8"))
    return data


def mutate(data: dict[str, Any], path: str, value: Any) -> None:
    *parents, last = [int(p) if p.isdigit() else p for p in path.split(".")]
    node: Any = data
    for part in parents:
        node = node[part]
    if value is DELETE:
        del node[last]
    elif isinstance(node, list) and last == len(node):
        node.append(value)
    else:
        node[last] = value


def case(kind: str, path: str, value: Any, expected: str | None = None, *, id: str) -> Any:
    return pytest.param(kind, path, value, path if expected is None else expected, id=id)


PO, AD, DP, LI, AK, CA = (
    "planned_operation",
    "aircraft_in_distress",
    "downed_pilot",
    "liaison",
    "ack",
    "cancel",
)

CASES = [
    # --- the envelope, common to every kind
    case(LI, "id", "not-a-uuid", id="id-not-uuid"),
    case(LI, "id", 12345, id="id-number"),
    case(LI, "status", DELETE, id="status-missing"),
    case(LI, "status", "live", id="status-unknown"),
    case(LI, "precedence", "URGENT", id="precedence-unknown"),
    case(LI, "precedence", "flash", id="precedence-lower-case"),
    case(LI, "time", 1.5, id="time-fraction"),
    case(LI, "time", 1_767_254_400_000.0, id="time-float"),
    case(LI, "time", "1767254400000", id="time-string"),
    case(LI, "time", True, id="time-bool"),
    case(LI, "time", -1, id="time-negative"),
    case(LI, "time", 253_402_300_800_000, id="time-after-9999"),
    case(LI, "time", DELETE, id="time-missing"),
    case(LI, "expires", 1_767_254_399_999, id="expires-before-time"),
    case(LI, "expires", 1_767_254_400_000, id="expires-equal-time"),
    case(LI, "author", DELETE, id="author-missing"),
    case(LI, "author.id", "Jane Doe", id="author-id-space"),
    case(LI, "author.id", "x" * 65, id="author-id-too-long"),
    case(LI, "author.unit", "U" * 129, id="author-unit-too-long"),
    case(LI, "author.unit", "", id="author-unit-empty"),
    case(LI, "author.unit", " HQ-B", id="author-unit-leading-space"),
    case(LI, "author.unit", "HQ-B\nsecond line", id="author-unit-newline"),
    case(LI, "author.nation", "xbc", id="nation-lower-case"),
    case(LI, "author.nation", "XB", id="nation-two-letters"),
    case(
        LI,
        "supersedes",
        {"origin": "o", "index": -1, "leaf_hash": LEAF},
        "supersedes.index",
        id="supersedes-negative-index",
    ),
    case(
        LI,
        "supersedes",
        {"origin": "o", "index": 2**53, "leaf_hash": LEAF},
        "supersedes.index",
        id="supersedes-index-beyond-json",
    ),
    case(
        LI,
        "supersedes",
        {"origin": "o", "index": 1, "leaf_hash": "not base64!"},
        "supersedes.leaf_hash",
        id="leaf-hash-not-base64",
    ),
    case(
        LI,
        "supersedes",
        {"origin": "o", "index": 1, "leaf_hash": base64.b64encode(bytes(31)).decode()},
        "supersedes.leaf_hash",
        id="leaf-hash-31-bytes",
    ),
    case(
        LI,
        "supersedes",
        {"origin": "o", "index": 1, "leaf_hash": base64.b64encode(bytes(33)).decode()},
        "supersedes.leaf_hash",
        id="leaf-hash-33-bytes",
    ),
    case(
        LI,
        "supersedes",
        {"origin": "o", "index": 1, "leaf_hash": LEAF[:-2] + "t="},
        "supersedes.leaf_hash",
        id="leaf-hash-non-canonical",
    ),
    case(
        LI,
        "supersedes",
        {"origin": "o", "index": 1, "leaf_hash": LEAF.rstrip("=")},
        "supersedes.leaf_hash",
        id="leaf-hash-unpadded",
    ),
    case(
        LI,
        "supersedes",
        {"origin": "", "index": 1, "leaf_hash": LEAF},
        "supersedes.origin",
        id="origin-empty",
    ),
    case(
        LI,
        "supersedes",
        {"origin": "o" * 256, "index": 1, "leaf_hash": LEAF},
        "supersedes.origin",
        id="origin-too-long",
    ),
    # --- planned_operation
    case(PO, "operation_ref", "R" * 65, id="operation-ref-too-long"),
    case(PO, "operation_ref", "", id="operation-ref-empty"),
    case(PO, "activity", "bombing", id="activity-unknown"),
    case(PO, "areas", [], id="areas-empty"),
    case(
        PO,
        "areas",
        [{"shape": "circle", "centre": P0, "radius": {"value": 1, "unit": "NM"}}] * 9,
        id="areas-too-many",
    ),
    case(PO, "areas.0.shape", "hexagon", id="shape-unknown"),
    case(PO, "areas.0.shape", DELETE, id="shape-missing"),
    case(PO, "areas.0.points.1.lat", 91, id="lat-91"),
    case(PO, "areas.0.points.1.lat", -90.5, id="lat-below-minus-90"),
    case(PO, "areas.0.points.1.lon", -181, id="lon-minus-181"),
    case(PO, "areas.0.points.1.lon", 180.01, id="lon-above-180"),
    case(PO, "areas.0.points.1.lat", "47.5", id="lat-string"),
    case(PO, "areas.0.points.1.lat", float("nan"), id="lat-nan"),
    case(
        PO,
        "areas.0.points.4",
        {"lat": 47.0, "lon": -31.25},
        "areas.0.points",
        id="polygon-not-closed",
    ),
    case(PO, "areas.0.points", [P0, P1, P0], id="polygon-3-points"),
    case(PO, "areas.0.points", [P0, P1, P1, P0], id="polygon-2-distinct-points"),
    case(
        PO,
        "areas.0.points",
        [*({"lat": 40 + i / 100, "lon": -30.0} for i in range(100)), {"lat": 40, "lon": -30.0}],
        id="polygon-101-points",
    ),
    case(PO, "areas.1.centreline", [P0], id="centreline-one-point"),
    case(PO, "areas.1.centreline", [P0, P0, P1], id="centreline-repeated-point"),
    case(PO, "areas.1.centreline", [P0, P1] * 26, id="centreline-too-long"),
    case(PO, "areas.1.half_width.value", 0, id="half-width-zero"),
    case(PO, "areas.1.half_width.unit", "mi", id="distance-unit-unknown"),
    case(PO, "areas.1.half_width", {"value": 540, "unit": "NM"}, id="distance-over-1000-km"),
    case(
        PO,
        "areas.0",
        {"shape": "circle", "centre": P0, "radius": {"value": -1, "unit": "km"}},
        "areas.0.radius.value",
        id="circle-radius-negative",
    ),
    case(
        PO,
        "areas.0",
        {"shape": "circle", "centre": P0},
        "areas.0.radius",
        id="circle-radius-missing",
    ),
    case(
        PO,
        "vertical_block.lower",
        {"value": 30000, "unit": "ft", "reference": "AMSL"},
        "vertical_block.upper",
        id="lower-above-upper",
    ),
    case(
        PO,
        "vertical_block.upper",
        {"value": 0, "unit": "ft", "reference": "SFC"},
        id="upper-at-surface",
    ),
    case(
        PO,
        "vertical_block.upper",
        {"value": 1001, "unit": "FL", "reference": "STD"},
        id="altitude-above-fl1000",
    ),
    case(
        PO,
        "vertical_block.lower",
        {"value": 50, "unit": "FL", "reference": "AMSL"},
        id="fl-without-std",
    ),
    case(
        PO,
        "vertical_block.lower",
        {"value": 5000, "unit": "ft", "reference": "STD"},
        id="std-without-fl",
    ),
    case(
        PO,
        "vertical_block.lower",
        {"value": 500, "unit": "ft", "reference": "SFC"},
        id="sfc-not-zero",
    ),
    case(PO, "vertical_block.lower.value", -100, id="altitude-negative"),
    case(PO, "vertical_block.lower.value", 5000.5, id="altitude-fraction"),
    case(PO, "vertical_block.lower.unit", "yd", id="altitude-unit-unknown"),
    case(PO, "vertical_block.lower.reference", "QFE", id="vertical-reference-unknown"),
    case(PO, "window.end", 1_767_265_200_000, id="window-end-equals-start"),
    case(PO, "window.end", 1_767_265_100_000, id="window-end-before-start"),
    case(PO, "window.end", 1_767_265_200_000 + 31 * MS_DAY + 1, id="window-over-31-days"),
    case(PO, "window", DELETE, id="window-missing"),
    case(PO, "callsigns", [], id="callsigns-empty"),
    case(PO, "callsigns", [f"C{i}" for i in range(33)], id="callsigns-too-many"),
    case(PO, "callsigns", ["VIPER 11", "VIPER 11"], id="callsigns-repeated"),
    case(PO, "callsigns.0", "viper 11", id="callsign-lower-case"),
    case(PO, "callsigns.0", "VIPER-ELEVEN-LEAD", id="callsign-too-long"),
    case(PO, "aircraft_count", 0, id="aircraft-count-zero"),
    case(PO, "aircraft_count", 501, id="aircraft-count-too-high"),
    case(PO, "aircraft_type", "F-16", id="aircraft-type-not-icao"),
    case(PO, "air_to_air_frequency_mhz", 1.9, id="frequency-below-2"),
    case(PO, "air_to_air_frequency_mhz", 400.1, id="frequency-above-400"),
    case(PO, "point_of_contact.role", "R" * 65, id="contact-role-too-long"),
    case(PO, "point_of_contact.phone", "call the desk", id="contact-phone-not-a-number"),
    case(PO, "remarks", "r" * 501, id="remarks-too-long"),
    case(PO, "remarks", "   ", id="remarks-blank"),
    case(PO, "remarks", "bell\x07", id="remarks-control-character"),
    case(PO, "target", "anything", id="no-target-field"),
    # --- aircraft_in_distress
    case(AD, "phase", "MAYDAY", id="phase-unknown"),
    case(AD, "nature", [], id="nature-empty"),
    case(AD, "nature", ["fire", "fire"], id="nature-repeated"),
    case(AD, "nature.1", "gremlins", id="nature-unknown"),
    case(AD, "aircraft.callsign", DELETE, id="aircraft-callsign-missing"),
    case(AD, "aircraft.transponder_code", "7708", id="transponder-digit-8"),
    case(AD, "aircraft.transponder_code", "7790", id="transponder-digit-9"),
    case(AD, "aircraft.transponder_code", "770", id="transponder-3-digits"),
    case(AD, "aircraft.transponder_code", 7700, id="transponder-number"),
    case(AD, "aircraft.icao_address", "AE1F3", id="icao-address-5-hex"),
    case(AD, "aircraft.icao_address", "AE1F3G", id="icao-address-not-hex"),
    case(AD, "aircraft.icao_address", "ae1f3c", id="icao-address-lower-case"),
    case(AD, "aircraft.nationality", "XABC", id="nationality-4-letters"),
    case(AD, "last_position.lat", 91, id="last-position-lat-91"),
    case(AD, "last_position.time", DELETE, id="last-position-time-missing"),
    case(AD, "last_position.source", "satellite", id="fix-source-unknown"),
    case(AD, "last_position.uncertainty_m", -1, id="uncertainty-negative"),
    case(AD, "last_position.uncertainty_m", 500_001, id="uncertainty-over-500-km"),
    case(AD, "last_position.heading_deg", 360, id="heading-360"),
    case(AD, "last_position.ground_speed_kt", 2001, id="speed-too-high"),
    case(
        AD,
        "last_position.altitude.reference",
        "AMSL",
        "last_position.altitude",
        id="distress-altitude-fl-amsl",
    ),
    case(AD, "persons_on_board", 1000, id="persons-on-board-too-many"),
    case(AD, "endurance_minutes", 1441, id="endurance-over-a-day"),
    case(AD, "intentions", ["divert", "divert"], id="intentions-repeated"),
    case(AD, "assistance_requested", [], id="assistance-empty"),
    case(AD, "assistance_requested", ["none", "sar"], id="assistance-none-with-other"),
    case(AD, "last_contact.frequency_mhz", 500, id="last-contact-frequency"),
    case(AD, "last_contact.unit", "U" * 129, id="last-contact-unit-too-long"),
    case(AD, "actions_taken", ["sar_alerted", "sar_alerted"], id="actions-repeated"),
    case(AD, "remarks", "free text", id="distress-has-no-free-text"),
    # --- downed_pilot
    case(DP, "distress_ref.leaf_hash", "AAAA", id="distress-ref-leaf-hash"),
    case(DP, "aircraft_callsign", "", id="downed-callsign-empty"),
    case(DP, "crew_count", 0, id="crew-count-zero"),
    case(DP, "crew_count", 21, id="crew-count-too-high"),
    case(DP, "crew", [], id="crew-empty"),
    case(DP, "crew.1", {"number": 1, "status": "located"}, "crew", id="crew-number-repeated"),
    case(DP, "crew.0.number", 2, "crew", id="crew-number-above-count"),
    case(DP, "crew.0.number", 0, id="crew-number-zero"),
    case(DP, "crew.0.status", "missing", id="crew-status-unknown"),
    case(DP, "crew.0.injuries", "critical", id="injuries-unknown"),
    case(DP, "crew.0.name", "J. Doe", id="crew-has-no-name"),
    case(DP, "positions", [], id="positions-empty"),
    case(DP, "positions.0.source", "radar", id="location-source-unknown"),
    case(DP, "positions.1.lon", -181, id="survivor-lon"),
    case(DP, "beacon_id", "ADCC40305B4C6C", id="beacon-14-hex"),
    case(DP, "beacon_id", "ADCC40305B4C6C10", id="beacon-16-hex"),
    case(DP, "beacon_id", "ADCC40305B4C6CZ", id="beacon-not-hex"),
    case(DP, "beacon_id", "ADCC40305B4C6C1" + "0" * 7, id="beacon-22-hex"),
    case(DP, "survival_frequencies_mhz.0", 0.5, id="survival-frequency-too-low"),
    case(DP, "survival_frequencies_mhz", [243.0, 243.0], id="survival-frequencies-repeated"),
    case(DP, "survival_frequencies_mhz", [], id="survival-frequencies-empty"),
    case(DP, "listening_windows.0.end", 1_767_276_000_000, id="listening-window-empty"),
    case(DP, "listening_windows", [{"start": 1, "end": 2}] * 25, id="listening-windows-too-many"),
    case(DP, "hazards", ["water", "water"], id="hazards-repeated"),
    case(DP, "hazards.0", "crocodiles", id="hazard-unknown"),
    case(DP, "requested_measures", {}, id="requested-measures-empty"),
    case(
        DP,
        "requested_measures.sar_corridor.vertical_block.upper",
        {"value": 0, "unit": "ft", "reference": "AGL"},
        id="sar-corridor-upper-at-ground",
    ),
    case(
        DP,
        "requested_measures.sar_corridor.window.end",
        1_767_274_200_000,
        id="sar-corridor-window",
    ),
    case(DP, "requested_measures.sar_corridor.area.half_width.value", -3, id="sar-corridor-area"),
    case(DP, "requested_measures.hold_fire.radius.value", 0, id="hold-fire-radius-zero"),
    case(DP, "requested_measures.hold_fire.centre.lat", 90.1, id="hold-fire-centre"),
    case(DP, "authentication_ref", "my first dog was Rex", id="authentication-ref-prose"),
    case(DP, "authentication_ref", "A" * 33, id="authentication-ref-too-long"),
    case(DP, "point_of_contact.frequency_mhz", 1000, id="downed-contact-frequency"),
    # --- liaison
    case(LI, "text", "", id="text-empty"),
    case(LI, "text", "t" * 4001, id="text-too-long"),
    case(LI, "text", " \n\t", id="text-blank"),
    case(LI, "text", "nul\x00byte", id="text-nul"),
    case(LI, "language", "en_GB", id="language-underscore"),
    case(LI, "language", "e", id="language-one-letter"),
    case(LI, "language", "en-" + "a" * 40, id="language-too-long"),
    case(LI, "language", DELETE, id="language-missing"),
    # --- ack
    case(AK, "reason", DELETE, id="unable-without-reason"),
    case(AK, "response", "YES", id="response-unknown"),
    case(AK, "response", "roger", id="response-lower-case"),
    case(AK, "ref", DELETE, id="ack-ref-missing"),
    case(AK, "ref.index", -1, id="ack-ref-negative-index"),
    case(AK, "ref.leaf_hash", "%" * 44, id="ack-ref-bad-leaf-hash"),
    case(AK, "remark", "r" * 501, id="ack-remark-too-long"),
    case(AK, "reason", "r" * 501, id="ack-reason-too-long"),
    # --- cancel
    case(CA, "reason", "because", id="cancel-reason-unknown"),
    case(CA, "reason", DELETE, id="cancel-reason-missing"),
    case(CA, "ref.origin", "a\nb", id="cancel-ref-origin-newline"),
    case(CA, "ref.index", 1.0, id="cancel-ref-index-float"),
]


@pytest.mark.parametrize(("kind", "path", "value", "expected"), CASES)
def test_bound_is_enforced_and_reported_at_its_path(
    kind: str, path: str, value: Any, expected: str
) -> None:
    data = example(kind)
    mutate(data, path, value)
    with pytest.raises(NoticeError) as caught:
        parse_notice(data)
    assert [p for p, _ in caught.value.problems] == [expected], caught.value.problems
    assert all(reason for _, reason in caught.value.problems)


@pytest.mark.parametrize(
    ("kind", "path", "value"),
    [
        (PO, "areas.0.points.1.lat", 90),
        (PO, "areas.0.points.1.lon", -180),
        (PO, "areas.0.points", [P0, P1, P2, P0]),
        (PO, "areas.1.centreline", [P0, P1]),
        (PO, "window.end", 1_767_265_200_000 + 31 * MS_DAY),
        (PO, "air_to_air_frequency_mhz", 2),
        (PO, "air_to_air_frequency_mhz", 400),
        (PO, "operation_ref", "R" * 64),
        (PO, "remarks", "r" * 500),
        (PO, "callsigns", [f"C{i}" for i in range(32)]),
        (AD, "aircraft.transponder_code", "0000"),
        (AD, "last_position.heading_deg", 359),
        (AD, "assistance_requested", ["none"]),
        (DP, "beacon_id", "ADCC40305B4C6C1" + "0" * 8),
        (DP, "crew_count", 20),
        (LI, "text", "t" * 4000),
        (LI, "language", "sr-Latn-RS"),
        (LI, "language", "es-419"),
        (AK, "ref.index", 2**53 - 1),
        (AK, "ref.leaf_hash", base64.b64encode(b"\xff" * 32).decode()),
    ],
)
def test_values_at_the_bound_are_accepted(kind: str, path: str, value: Any) -> None:
    data = example(kind)
    mutate(data, path, value)
    parse_notice(data)
