"""The operator guide's screenshots, taken from two real nodes with a small live scene: the board
(what awaits an answer, threads, an UNABLE with its reason code), the answer dialog, the map, a
planned operation drawn in its form, the shift handover sheet and the Russian board. They go to
``tests/artifacts/guide/``, or to the
directory ``HOTLINE_GUIDE_DIR`` names: ``scripts/guide-screenshots`` writes them next to the
guide (``hotline/console/guide/``), to be taken again after the console changes."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from .conftest import Pair, login
from .test_console import HOUR, example, now_ms, open_compose
from .test_console_conflicts import fl, square
from .test_console_floor import call, reference
from .test_console_forms import click_at, fill_block

pytestmark = pytest.mark.browser


@pytest.fixture
def shots(artifacts: Path) -> Path:
    where = Path(os.environ.get("HOTLINE_GUIDE_DIR") or artifacts / "guide")
    where.mkdir(parents=True, exist_ok=True)
    return where


def operation(ref: str, area: dict[str, Any], **extra: Any) -> dict[str, Any]:
    now = now_ms()
    return example(
        "planned_operation",
        operation_ref=ref,
        areas=[area],
        vertical_block={"lower": fl(100), "upper": fl(200)},
        window=extra.pop("window", {"start": now - HOUR, "end": now + 3 * HOUR}),
        **extra,
    )


def test_the_guide_screenshots(pair: Pair, page: Page, shots: Path) -> None:
    page.set_viewport_size({"width": 1440, "height": 900})
    ours = pair.post(pair.alpha, operation("TANKER 2", square(20.0, 40.0, 21.0, 41.5)))
    call(
        pair.bravo,
        f"/v1/notices/alpha/{ours['index']}/ack",
        {"response": "UNABLE", "reason_code": "airspace_conflict", "reason": "CAP until 1800Z."},
    )
    cap = pair.post(
        pair.bravo, operation("CAP 7", square(20.5, 41.0, 21.5, 42.0), callsigns=["VIPER 11"])
    )
    call(pair.alpha, f"/v1/notices/bravo/{cap['index']}/ack", {"response": "ROGER"})
    pair.post(
        pair.alpha,
        example(
            "liaison", text="Tanker holds west of 41E.", language="en", regarding=[reference(cap)]
        ),
    )
    later = now_ms() + 2 * HOUR
    pair.post(
        pair.bravo,
        operation(
            "SWEEP 3",
            square(22.0, 40.0, 23.0, 41.0),
            window={"start": later, "end": later + HOUR},
            precedence="ROUTINE",
        ),
    )
    pair.post(pair.bravo, example("liaison", text="Line check 0800Z.", language="en"))
    login(page, pair.alpha)
    expect(page.locator(f"li.notice[data-key='bravo/{cap['index']}']")).to_be_visible()
    page.locator(f"li.notice[data-key='bravo/{cap['index']}'] .summary").click()
    page.screenshot(path=shots / "board.png")

    sweep = page.locator("li.notice").filter(has_text="SWEEP 3")
    sweep.get_by_role("button", name="UNABLE…").click()
    dialog = sweep.locator("form.unable-form")
    dialog.get_by_label("Reason code").select_option("aircraft_unavailable")
    dialog.get_by_role("textbox").fill("No tanker before 1400Z.")
    sweep.scroll_into_view_if_needed()
    sweep.screenshot(path=shots / "answer-unable.png")
    dialog.get_by_role("button", name="Cancel").click()

    page.evaluate(f"location.hash = '#map/bravo/{cap['index']}'")
    expect(page.locator("svg.map-svg g.feature.focus")).to_have_count(1)
    page.screenshot(path=shots / "map.png")

    page.evaluate("location.hash = '#board'")
    page.get_by_role("button", name="Shift handover").click()
    expect(page.locator("#handover")).to_be_visible()
    page.screenshot(path=shots / "handover.png")
    page.locator("#handover [data-close]").click()

    form = open_compose(page, "planned_operation")
    pad = form.locator(".draw-pad")
    svg = pad.locator("svg.draw-svg")
    form.get_by_label("Operation reference").fill("TANKER 4")
    fill_block(form, "150", "220")
    form.locator("textarea[name='areas.0.points']").fill("19.5, 39.5\n21.5, 41.5")
    pad.get_by_role("button", name="Fit").click()
    pad.get_by_role("button", name="Draw polygon").click()
    for fx, fy in ((0.35, 0.3), (0.65, 0.35), (0.6, 0.7), (0.3, 0.65)):
        click_at(page, svg, fx, fy)
    expect(pad.locator("g.drafts path.draft")).to_have_count(1)
    form.locator("[data-path='window.start'] input").fill("+1h")
    form.locator("[data-path='window.end'] input").fill("+3h")
    expect(form.locator(".suggestion")).to_have_attribute("data-suggested", "IMMEDIATE")
    pad.scroll_into_view_if_needed()
    page.screenshot(path=shots / "compose-draw.png")
    page.evaluate("location.hash = '#board'")

    page.locator("#app-lang").select_option("ru")
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    page.screenshot(path=shots / "board-ru.png")
    page.locator("#app-lang").select_option("en")
