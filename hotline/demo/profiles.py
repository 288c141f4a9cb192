"""Who flies for each demo side: callsigns, aircraft types, units and contacts.

Fictional coalitions with ordinary-looking callsigns; the nations are the user-assigned ISO codes
``XAB`` and ``XBC``. Nothing here is a real unit or a real order of battle.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Flight:
    """A kind of flight a side plans: what it does, where, at which levels, with what."""

    activity: str  # planned_operation.activity
    shapes: tuple[str, ...]  # polygon, circle, corridor
    callsigns: tuple[str, ...]  # stems; flight numbers are added
    aircraft_type: str  # ICAO type designator
    count: tuple[int, int]  # aircraft, at least and at most
    crew: int  # aboard each aircraft (0: unmanned)
    lower: tuple[int, int] | None  # lower flight level range; None: from the surface
    depth: tuple[int, int]  # block depth in flight levels
    precedence: str


def _span(text: str) -> tuple[int, int]:
    low, _, high = text.partition("-")
    return int(low), int(high or low)


def flights(table: str) -> tuple[Flight, ...]:
    """Parse a flight table: one flight a line, columns as in the header comment below."""
    rows = [line.split() for line in table.strip().splitlines() if not line.startswith("#")]
    return tuple(_flight(*row) for row in rows)


def _flight(
    activity: str,
    shapes: str,
    callsigns: str,
    aircraft_type: str,
    count: str,
    crew: str,
    lower: str,
    depth: str,
    precedence: str,
) -> Flight:
    return Flight(
        activity=activity,
        shapes=tuple(shapes.split(",")),
        callsigns=tuple(callsigns.split(",")),
        aircraft_type=aircraft_type,
        count=_span(count),
        crew=int(crew),
        lower=None if lower == "SFC" else _span(lower),
        depth=_span(depth),
        precedence=precedence,
    )


@dataclass(frozen=True)
class SideProfile:
    side: str
    letter: str  # operation references: A-0123
    nation: str
    unit: str
    rcc: str  # rescue coordination centre
    jprc: str  # joint personnel recovery centre
    desk: str  # point of contact role
    frequency_mhz: float  # the point of contact's UHF frequency
    language: str  # of liaison messages
    flights: tuple[Flight, ...]

    def crewed(self) -> tuple[Flight, ...]:
        """Flights whose aircraft can be in distress with crew to rescue (fighters)."""
        return tuple(f for f in self.flights if 0 < f.crew <= 2)


ALPHA = SideProfile(
    side="alpha",
    letter="A",
    nation="XAB",
    unit="CAOC-A Current Operations",
    rcc="RCC-A",
    jprc="JPRC-A",
    desk="CAOC-A airspace control duty officer",
    frequency_mhz=251.75,
    language="en-GB",
    flights=flights("""
# activity  shapes          callsigns     type  count crew lower    depth   precedence
air_patrol  polygon         VIPER,COLT    F16   2-4   1    200-260  60-120  PRIORITY
air_patrol  polygon         DUDE          F15   2-4   2    220-280  60-100  PRIORITY
tanker      corridor        TEXACO        KC35  1-2   3    220-250  20-40   ROUTINE
isr         circle          SENTRY        E3TF  1     20   290-310  20-30   ROUTINE
uav         circle,polygon  REAPER        Q9    1-2   0    150-180  20-50   ROUTINE
transit     corridor        ATLAS         C17   1-3   4    280-320  20-40   ROUTINE
live_fire   circle          GUNNER        F16   2-4   1    SFC      150-250 IMMEDIATE
"""),
)

BRAVO = SideProfile(
    side="bravo",
    letter="B",
    nation="XBC",
    unit="CAOC-B Current Operations",
    rcc="RCC-B",
    jprc="JPRC-B",
    desk="CAOC-B airspace control duty officer",
    frequency_mhz=264.3,
    language="en",
    flights=flights("""
# activity  shapes          callsigns     type  count crew lower    depth   precedence
air_patrol  polygon         LANCER,COBRA  EUFI  2-4   1    200-270  60-120  PRIORITY
air_patrol  polygon,circle  TALON         RFAL  2     1    240-300  40-80   PRIORITY
tanker      corridor        ARCO          A332  1     3    230-260  20-40   ROUTINE
isr         circle          MAGIC         E3CF  1     20   280-300  20-40   ROUTINE
uav         circle          HERON         Q9    1     0    160-200  20-40   ROUTINE
transit     corridor        GIANT         A400  1-2   4    260-300  20-40   ROUTINE
live_fire   circle          STRIKER       EUFI  2     1    SFC      200-250 IMMEDIATE
"""),
)

PROFILES = {p.side: p for p in (ALPHA, BRAVO)}
