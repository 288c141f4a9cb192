"""Emergencies in announced volumes: hand-checked cases with known answers."""

from __future__ import annotations

from typing import Any

from hotline_protocol.deconfliction import Config, conflicts
from hotline_protocol.deconfliction.frame import GEOD
from hotline_protocol.notices import Notice

from .builders import (
    HOUR,
    T0,
    Feed,
    alt,
    block,
    box,
    circle,
    corridor,
    distress,
    downed_pilot,
    fl,
    operation,
)

MARGIN = 5 * 1852.0
STRIKE = box(50, 19, 51, 20)  # its east edge is the meridian 20 E, a geodesic


def east_of_edge(metres: float) -> tuple[float, float]:
    """A point ``metres`` east of (50.5 N, 20 E), square to the edge: that far from the area."""
    lon, lat, _ = GEOD.fwd(20.0, 50.5, 90.0, metres)
    return float(lat), float(lon)


def run(emergency: Notice, op: Notice, *, same_side: bool = False, at: int = T0) -> list[Any]:
    alpha, bravo = Feed("alpha"), Feed("bravo")
    alpha.add(emergency)
    (alpha if same_side else bravo).add(op)
    return [c.to_json() for c in conflicts([*alpha.items, *bravo.items], at)]


def test_a_downed_pilot_inside_an_area_of_either_side() -> None:
    pilot = downed_pilot(50.5, 19.5, 100)
    for same_side in (False, True):
        (found,) = run(pilot, operation(STRIKE, activity="strike"), same_side=same_side)
        assert found["type"] == "emergency" and found["certainty"] == "certain"
        assert found["overlap"] == {"distance_m": 0.0, "inside": True}
        kinds = {r["kind"] for r in found["between"]}
        assert kinds == {"downed_pilot", "planned_operation"}


def test_a_downed_pilot_just_outside_within_uncertainty_and_margin() -> None:
    # 11 km out with 2 km uncertainty: 9 km, within the 9.26 km margin; the far edge of the
    # uncertainty circle is 13 km out, beyond it, so the conflict is only possible
    (found,) = run(downed_pilot(*east_of_edge(11_000), 2000), operation(STRIKE))
    assert found["certainty"] == "possible"
    assert found["overlap"]["inside"] is False
    assert abs(found["overlap"]["distance_m"] - 9000.0) < 1.0
    # 7 km out with 2 km: all of it within 9.26 km
    (found,) = run(downed_pilot(*east_of_edge(7000), 2000), operation(STRIKE))
    assert found["certainty"] == "certain"
    assert abs(found["overlap"]["distance_m"] - 5000.0) < 1.0
    # 1 km out with 2 km: the circle reaches in, the fix itself is outside
    (found,) = run(downed_pilot(*east_of_edge(1000), 2000), operation(STRIKE))
    assert found["overlap"] == {"distance_m": 0.0, "inside": False}


def test_a_downed_pilot_just_beyond() -> None:
    assert run(downed_pilot(*east_of_edge(11_500), 2000), operation(STRIKE)) == []
    assert run(downed_pilot(*east_of_edge(MARGIN + 50), 0), operation(STRIKE)) == []
    assert len(run(downed_pilot(*east_of_edge(MARGIN - 50), 0), operation(STRIKE))) == 1


def test_the_margin_is_configurable() -> None:
    alpha, bravo = Feed("alpha"), Feed("bravo")
    alpha.add(downed_pilot(*east_of_edge(11_000), 0))
    bravo.add(operation(STRIKE))
    items = [*alpha.items, *bravo.items]
    assert conflicts(items, T0) == []
    assert len(conflicts(items, T0, Config(emergency_margin_m=12_000))) == 1


def test_an_aircraft_in_distress() -> None:
    (found,) = run(distress(50.5, 19.5, 1500), operation(STRIKE))
    assert found["overlap"]["inside"] is True
    assert found["between"][0]["kind"] in ("aircraft_in_distress", "planned_operation")
    assert run(distress(52.0, 19.5, 1500), operation(STRIKE)) == []


def sar(area: dict[str, Any], vertical: dict[str, Any], start: int, end: int) -> dict[str, Any]:
    return {
        "sar_corridor": {
            "area": area,
            "vertical_block": vertical,
            "window": {"start": start, "end": end},
        }
    }


LOW_LEVEL = block(alt(0, "ft", "SFC"), alt(5000))
# the pilot is 100 km west of the strike area; the rescue comes from the east, across it
PILOT = (50.5, 17.6)
THROUGH = corridor([PILOT, (50.5, 21.0)], 3)


def test_a_sar_corridor_through_the_other_sides_strike_area() -> None:
    pilot = downed_pilot(*PILOT, 100, sar(THROUGH, LOW_LEVEL, T0, T0 + 3 * HOUR))
    (found,) = run(pilot, operation(STRIKE, activity="strike", vertical=LOW_LEVEL))
    assert found["certainty"] == "certain"
    assert found["overlap"] == {"distance_m": 0.0, "inside": True}
    # against its own side's operation only the position counts, and it is 100 km away
    assert run(pilot, operation(STRIKE, vertical=LOW_LEVEL), same_side=True) == []


def test_a_sar_corridor_needs_the_vertical_block_and_the_window() -> None:
    high = block(fl(200), fl(300))
    pilot = downed_pilot(*PILOT, 100, sar(THROUGH, LOW_LEVEL, T0, T0 + 3 * HOUR))
    assert run(pilot, operation(STRIKE, vertical=high)) == []
    later = operation(STRIKE, vertical=LOW_LEVEL, start=T0 + 3 * HOUR, end=T0 + 6 * HOUR)
    assert run(pilot, later) == []
    # the corridor's window is over at the time asked: the position alone is too far
    assert run(pilot, operation(STRIKE, vertical=LOW_LEVEL), at=T0 + 3 * HOUR) == []


def test_a_hold_fire_circle_near_the_other_sides_area() -> None:
    def hold_fire(lon: float) -> Notice:
        centre = {"lat": 50.5, "lon": lon}
        measures = {"hold_fire": {"centre": centre, "radius": {"value": 10, "unit": "NM"}}}
        return downed_pilot(50.5, 21.5, 100, measures)  # the pilot: 107 km east of the area

    # 0.2 degree east of the edge is 14.2 km: the 18.5 km circle reaches into the area
    (found,) = run(hold_fire(20.2), operation(STRIKE))
    assert found["overlap"] == {"distance_m": 0.0, "inside": True}
    assert found["certainty"] == "certain"
    assert run(hold_fire(20.2), operation(STRIKE), same_side=True) == []
    # 0.3 degree is 21.3 km: 2.8 km short of it, within the margin
    (found,) = run(hold_fire(20.3), operation(STRIKE))
    assert found["overlap"]["inside"] is False
    assert abs(found["overlap"]["distance_m"] - 2770) < 30
    assert run(hold_fire(20.5), operation(STRIKE)) == []  # 35.5 - 18.5 = 17 km


def test_an_emergency_is_not_checked_against_an_operation_that_is_over() -> None:
    pilot = downed_pilot(50.5, 19.5, 100)
    op = operation(STRIKE, start=T0, end=T0 + HOUR)
    assert len(run(pilot, op, at=T0 + HOUR - 1)) == 1
    assert run(pilot, op, at=T0 + HOUR) == []
    upcoming = operation(STRIKE, start=T0 + 5 * HOUR, end=T0 + 6 * HOUR)
    assert len(run(pilot, upcoming)) == 1


def test_the_latest_fix_of_a_downed_pilot_counts() -> None:
    pilot = downed_pilot(50.5, 19.5, 100)
    data = pilot.model_dump(mode="json", exclude_none=True)
    data["positions"].append(
        {"lat": 52.5, "lon": 19.5, "time": T0 + 60_000, "source": "visual", "uncertainty_m": 50}
    )
    from hotline_protocol.notices import parse_notice

    moved = parse_notice(data)
    assert run(moved, operation(STRIKE)) == []


def test_an_emergency_across_the_antimeridian() -> None:
    op = operation(circle(0.0, 179.99, 5))
    (found,) = run(downed_pilot(0.0, -179.95, 100), op)
    # 0.06 degree of the equator is 6.68 km: 1.68 km beyond the circle, less 0.1 km uncertainty
    assert abs(found["overlap"]["distance_m"] - 1579.0) < 30.0
