"""The vertical rule on its own: references, units, margins."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hotline_protocol.deconfliction import Config
from hotline_protocol.deconfliction.vertical import Unknowns, band, block, overlap
from hotline_protocol.notices import VerticalBlock

from .builders import alt, fl
from .builders import block as vb


def verdict(a: dict[str, Any], b: dict[str, Any], config: Config | None = None) -> str | None:
    unknowns = Unknowns.of(config or Config())
    x = block(VerticalBlock.model_validate(a))
    y = block(VerticalBlock.model_validate(b))
    assert overlap(x, y, unknowns) == overlap(y, x, unknowns)
    return overlap(x, y, unknowns)


SFC = alt(0, "ft", "SFC")


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        # same reference: exact, whatever the unknowns
        (vb(fl(100), fl(200)), vb(fl(150), fl(250)), "certain"),
        (vb(fl(100), fl(200)), vb(fl(200), fl(250)), None),
        (
            vb(alt(500, "ft", "AGL"), alt(1500, "ft", "AGL")),
            vb(alt(1000, "ft", "AGL"), alt(2000, "ft", "AGL")),
            "certain",
        ),
        # the surface is 0 ft above the ground
        (
            vb(SFC, alt(1000, "ft", "AGL")),
            vb(alt(500, "ft", "AGL"), alt(2000, "ft", "AGL")),
            "certain",
        ),
        (vb(SFC, alt(500, "ft", "AGL")), vb(alt(500, "ft", "AGL"), alt(2000, "ft", "AGL")), None),
        # metres and feet on one exact scale: 1524 m is 5000 ft
        (vb(alt(1000), alt(5000)), vb(alt(1524, "m"), alt(3000, "m")), None),
        (vb(alt(1000), alt(5001)), vb(alt(1524, "m"), alt(3000, "m")), "certain"),
        # above the ground against above the sea: depends on the terrain (0 to 8850 m)
        (vb(alt(500, "ft", "AGL"), alt(1500, "ft", "AGL")), vb(alt(5000), alt(9000)), "possible"),
        (vb(alt(500, "ft", "AGL"), alt(1500, "ft", "AGL")), vb(alt(0), alt(400)), None),
        # pressure altitude against true altitude: within the margin
        (vb(alt(9000), alt(10000)), vb(fl(95), fl(120)), "possible"),
        (vb(alt(9000), alt(10000)), vb(fl(80), fl(120)), "certain"),
        (vb(alt(9000), alt(10000)), vb(fl(115), fl(120)), None),
        # wherever the ground rises above 10,000 ft neither has airspace: still certain
        (vb(SFC, alt(10000)), vb(SFC, alt(8000)), "certain"),
        # but a block above the sea meets a low-level one only where the ground is low
        (vb(SFC, alt(10000)), vb(alt(5000), alt(9000)), "possible"),
    ],
)
def test_verdicts(a: dict[str, Any], b: dict[str, Any], expected: str | None) -> None:
    assert verdict(a, b) == expected


def test_the_margins_are_settings() -> None:
    a, b = vb(alt(9000), alt(10000)), vb(fl(95), fl(120))
    assert verdict(a, b, Config(pressure_margin_m=0)) == "certain"
    assert verdict(a, b, Config(pressure_margin_m=100)) == "certain"  # 2895.6 + 100 < 3048
    assert verdict(a, b, Config(pressure_margin_m=200)) == "possible"
    agl, amsl = vb(alt(500, "ft", "AGL"), alt(1500, "ft", "AGL")), vb(alt(5000), alt(9000))
    assert verdict(agl, amsl, Config(terrain_max_m=1000)) is None  # 1000 m + 1500 ft < 5000 ft
    assert verdict(agl, amsl, Config(terrain_min_m=1500, terrain_max_m=2000)) == "certain"


def test_the_band_is_given_in_the_notices_own_terms() -> None:
    unknowns = Unknowns.of(Config())
    x = block(VerticalBlock.model_validate(vb(alt(9000), alt(10000))))
    y = block(VerticalBlock.model_validate(vb(fl(95), fl(120))))
    lower, upper = band(x, y, unknowns)
    assert lower.model_dump(mode="json") == fl(95)
    assert upper.model_dump(mode="json") == alt(10000)


limits = st.builds(
    lambda ref, value: (
        alt(0, "ft", "SFC")
        if ref == "SFC"
        else (fl(value // 30) if ref == "STD" else alt(value, "m", ref))
    ),
    st.sampled_from(["SFC", "AMSL", "AGL", "STD"]),
    st.integers(0, 60).map(lambda k: 50 * k),
)


def true_height(limit: dict[str, Any], p: float, t: float) -> float:
    metres = float(limit["value"]) * {"ft": 0.3048, "FL": 30.48, "m": 1.0}[limit["unit"]]
    return metres + {"SFC": t, "AGL": t, "STD": p, "AMSL": 0.0}[limit["reference"]]


@settings(max_examples=300, deadline=None)
@given(limits, limits, limits, limits)
def test_the_verdict_agrees_with_a_search_over_the_unknowns(
    l1: dict[str, Any], u1: dict[str, Any], l2: dict[str, Any], u2: dict[str, Any]
) -> None:
    try:
        a, b = VerticalBlock.model_validate(vb(l1, u1)), VerticalBlock.model_validate(vb(l2, u2))
    except ValueError:
        return  # not a valid block
    config = Config(pressure_margin_m=300, terrain_min_m=0, terrain_max_m=1000)
    found = overlap(block(a), block(b), Unknowns.of(config))
    for p in range(-300, 301, 25):
        for t in range(0, 1001, 25):
            lo1, hi1 = true_height(l1, p, t), true_height(u1, p, t)
            lo2, hi2 = true_height(l2, p, t), true_height(u2, p, t)
            both = hi1 - lo1 >= 1e-6 and hi2 - lo2 >= 1e-6
            meet = both and min(hi1, hi2) - max(lo1, lo2) >= 1e-6
            if meet:
                assert found is not None, (p, t)
            if both and not meet:
                assert found != "certain", (p, t)
