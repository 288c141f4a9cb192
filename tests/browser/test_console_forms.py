"""The compose forms in real Chromium against two real nodes: checks before sending held to the
schema the node serves (and agreeing with the node's own codes), error codes said in the
operator's language, areas drawn on the map and previewed, altitude conversions, the precedence
suggested from the window's start, the confirmation before an ACTUAL FLASH and the EXERCISE
banner of a node set up for an exercise. Screenshots are saved to ``tests/artifacts/``."""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Locator, Page, expect

from hotline.auth.users import add_user
from hotline.keys import generate_keys
from hotline.settings import Settings

from .conftest import (
    Pair,
    RunningNode,
    _bound_socket,
    _healthy,
    login,
    wait_until,
)
from .test_console import HOUR, card, example, now_ms, open_compose

pytestmark = pytest.mark.browser

JS = Path(__file__).resolve().parent / "js"


def run(page: Page, name: str, arg: Any = None) -> Any:
    return page.evaluate((JS / f"{name}.js").read_text(), arg)


def refused_by_node(node: RunningNode, notice: dict[str, Any]) -> set[tuple[str, str]]:
    r = httpx.post(
        f"{node.url}/v1/notices",
        json=notice,
        headers={"Authorization": f"Bearer {node.tokens['operator']}"},
    )
    assert r.status_code == 422, r.text
    return {(p["path"], p["code"]) for p in r.json()["detail"]}


def listed(node: RunningNode) -> int:
    """How many notices the node lists for its own side (what reached it)."""
    r = httpx.get(
        f"{node.url}/v1/notices",
        params={"side": node.side, "limit": 500},
        headers={"Authorization": f"Bearer {node.tokens['operator']}"},
    )
    assert r.status_code == 200, r.text
    return len(r.json()["notices"])


# the checks and conversions, as functions ---------------------------------------------------


def test_the_checks_before_sending_find_what_the_node_refuses(pair: Pair, page: Page) -> None:
    now = now_ms()
    bad_lat = example("planned_operation", window={"start": now + HOUR, "end": now + 2 * HOUR})
    bad_lat["areas"][0]["points"][1]["lat"] = 95
    backwards = example("planned_operation", window={"start": now + HOUR, "end": now})
    upside_down = example(
        "planned_operation",
        window={"start": now + HOUR, "end": now + 2 * HOUR},
        vertical_block={
            "lower": {"value": 30000, "unit": "ft", "reference": "AMSL"},
            "upper": {"value": 280, "unit": "FL", "reference": "STD"},
        },
        operation_ref="X" * 65,
        activity="picnic",
    )
    distress = example("aircraft_in_distress")
    del distress["aircraft"]["callsign"]
    distress["last_position"]["lon"] = -181
    cases = [bad_lat, backwards, upside_down, distress]
    page.goto(f"{pair.alpha.url}/")
    found = run(page, "forms_checks", cases)

    assert found[0] == [["areas.0.points.1.lat", "less_than_equal", {"le": 90}]]
    assert found[1] == [["window.end", "end_before_start", {}]]
    assert {(p, c) for p, c, _ in found[2]} == {
        ("operation_ref", "string_too_long"),
        ("activity", "enum"),
        ("vertical_block.upper", "upper_not_above_lower"),
    }
    assert {(p, c) for p, c, _ in found[3]} == {
        ("aircraft.callsign", "missing"),
        ("last_position.lon", "greater_than_equal"),
    }
    # the same problems, with the same codes, as the node finds them
    for notice, problems in zip(cases, found, strict=True):
        assert refused_by_node(pair.alpha, notice) == {(p, c) for p, c, _ in problems}


def test_altitude_conversions_precedence_suggestions_and_durations(pair: Pair, page: Page) -> None:
    page.goto(f"{pair.alpha.url}/")
    out = run(page, "forms_units")
    nb = "\u202f"
    assert out["conversions"] == [
        f"FL100 · 10{nb}000 ft · 3{nb}048 m",
        f"10{nb}000 ft · FL100 · 3{nb}048 m",
        f"3{nb}048 m · FL100 · 10{nb}000 ft",
        "SFC",
        "",
    ]
    assert out["metres"] == [3048, 304.8]
    assert out["comparable"] == [True, True, False]
    assert out["suggested"] == ["FLASH", "FLASH", "IMMEDIATE", "PRIORITY", "ROUTINE", "FLASH"]
    one_degree = 6_371_008.8 * 3.141592653589793 / 180  # of latitude, in metres
    assert out["distances"][0] == pytest.approx(one_degree, rel=1e-9)
    assert out["distances"][1] == pytest.approx(55_597, rel=1e-3)  # half as much at 60°N
    assert out["durations"] == {
        "en": ["3h 00m", "4m 30s", "12s"],
        "ru": ["3 ч 00 мин", "4 мин 30 с", "12 с"],  # noqa: RUF001
    }


# in the console --------------------------------------------------------------------------


def click_at(page: Page, svg: Locator, fx: float, fy: float) -> None:
    box = svg.bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + box["width"] * fx, box["y"] + box["height"] * fy)


def fill_block(form: Locator, lower: str, upper: str) -> None:
    form.locator("[data-path='vertical_block.lower.value'] input").fill(lower)
    form.locator("[data-path='vertical_block.upper.value'] input").fill(upper)


def test_a_planned_operation_drawn_on_the_map_is_previewed_and_sent(
    pair: Pair, page: Page, page_b: Page, artifacts: Path
) -> None:
    login(page, pair.alpha)
    login(page_b, pair.bravo)
    form = open_compose(page, "planned_operation")
    pad = form.locator(".draw-pad")
    svg = pad.locator("svg.draw-svg")
    expect(svg).to_be_visible()

    # the altitude block starts empty and required; conversions follow what is typed
    lower = form.locator("[data-path='vertical_block.lower.value'] input")
    expect(lower).to_have_value("")
    expect(lower).to_have_attribute("aria-required", "true")
    fill_block(form, "2000", "120")
    expect(form.locator("[data-conversion='vertical_block.lower']")).to_have_text(
        re.compile(r"= 2\u202f000 ft · FL020 · 610 m")
    )
    expect(form.locator("[data-conversion='vertical_block.upper']")).to_have_text(
        re.compile(r"= FL120 · 12\u202f000 ft · 3\u202f658 m")
    )

    # frame the South Pacific (nothing else there), then draw a polygon with four clicks
    points = form.locator("textarea[name='areas.0.points']")
    points.fill("-41, -141\n-39, -139")
    pad.get_by_role("button", name="Fit").click()
    pad.get_by_role("button", name="Draw polygon").click()
    for fx, fy in ((0.3, 0.3), (0.7, 0.3), (0.7, 0.7), (0.3, 0.7)):
        click_at(page, svg, fx, fy)
    lines = points.input_value().splitlines()
    assert len(lines) == 5 and lines[0] == lines[-1], lines
    expect(pad.locator("g.drafts")).to_have_attribute("data-drafts", "1")
    expect(pad.locator("g.drafts path.draft")).to_have_count(1)

    # a second area: a circle, centre then edge
    form.get_by_role("button", name="Add: Area").click()
    pad.get_by_role("button", name="Draw circle").click()
    click_at(page, svg, 0.8, 0.5)
    click_at(page, svg, 0.9, 0.5)
    second = form.locator("[data-path='areas'] .list-item").nth(1)
    expect(second.get_by_label("Shape")).to_have_value("circle")
    radius = float(second.locator("[data-path='areas.1.radius.value'] input").input_value())
    assert radius > 0
    expect(pad.locator("g.drafts")).to_have_attribute("data-drafts", "2")

    form.get_by_label("Operation reference").fill("OPS-DRAWN-1")
    form.locator("[data-path='window.start'] input").fill("+4h")
    form.locator("[data-path='window.end'] input").fill("+5h")
    expect(form.locator(".suggestion")).to_have_attribute("data-suggested", "PRIORITY")
    expect(form.get_by_label("Precedence")).to_have_value("PRIORITY")
    page.screenshot(path=artifacts / "compose-drawn-operation-preview.png", full_page=True)

    form.get_by_role("button", name="Send notice").click()
    sent = card(page, "OPS-DRAWN-1", "alpha")
    expect(sent).to_be_visible()
    key = sent.get_attribute("data-key")
    expect(page_b.locator(f"li.notice[data-key='{key}']")).to_be_visible()  # at the other node
    notice = httpx.get(
        f"{pair.bravo.url}/v1/notices/{key}",
        headers={"Authorization": f"Bearer {pair.bravo.tokens['operator']}"},
    ).json()["notice"]
    polygon, circle = notice["areas"]
    assert len(polygon["points"]) == 5
    assert all(-42 < p["lat"] < -38 and -145 < p["lon"] < -135 for p in polygon["points"]), polygon
    assert circle["shape"] == "circle" and circle["radius"]["unit"] == "NM"
    assert notice["vertical_block"] == {
        "lower": {"value": 2000, "unit": "ft", "reference": "AMSL"},
        "upper": {"value": 120, "unit": "FL", "reference": "STD"},
    }
    assert notice["precedence"] == "PRIORITY"
    page_b.screenshot(path=artifacts / "compose-drawn-operation-at-bravo.png", full_page=True)


def test_the_suggested_precedence_follows_the_start_until_the_operator_chooses(
    pair: Pair, page: Page
) -> None:
    login(page, pair.alpha)  # alpha: IMMEDIATE answers are due within 3 s, PRIORITY 3 h
    form = open_compose(page, "planned_operation")
    precedence = form.get_by_label("Precedence")
    hint = form.locator(".suggestion")
    start = form.locator("[data-path='window.start'] input")
    start.fill("+7h")
    expect(precedence).to_have_value("ROUTINE")
    start.fill("+4h")
    expect(precedence).to_have_value("PRIORITY")
    expect(hint).to_contain_text("Suggested precedence: PRIORITY")
    start.fill("now")  # no deadline falls before a start that has come: FLASH
    expect(precedence).to_have_value("FLASH")
    expect(hint).to_contain_text("The window has started")

    precedence.select_option("ROUTINE")  # the operator's own choice is kept
    start.fill("+1h")
    expect(hint).to_have_attribute("data-suggested", "IMMEDIATE")
    expect(hint).to_contain_text("Your choice is kept.")
    expect(precedence).to_have_value("ROUTINE")


def test_a_latitude_of_95_is_refused_before_sending_in_russian(
    pair: Pair, page: Page, artifacts: Path
) -> None:
    login(page, pair.alpha)
    page.locator("header").get_by_label("Language").select_option("ru")
    page.get_by_role("link", name="Составить").click()
    page.locator("a[data-choice='quick_distress']").click()
    form = page.locator("form[data-form='quick_distress']")
    expect(form).to_be_visible()
    before = listed(pair.alpha)

    form.locator("[data-path='callsign'] input").fill("HAWK 95")
    lat = form.locator("input[name='last_position.lat']")
    lat.fill("95")
    form.locator("input[name='last_position.lon']").fill("10")
    preview = form.locator(".position .preview")
    expect(preview).to_have_text("Широта: Должно быть не больше 90.")  # not echoed as a position
    expect(preview).to_have_class(re.compile("out-of-range"))
    form.locator("[data-path='nature'] input[value='fire']").check()
    form.locator("button[type='submit']").click()

    error = form.locator("[data-path='last_position.lat'] .field-error")
    expect(error).to_have_text("Должно быть не больше 90.")
    expect(lat).to_have_attribute("aria-invalid", "true")
    status = form.locator(".form-status")
    expect(status).to_have_text("Не отправлено: исправьте отмеченные поля.")  # noqa: RUF001
    expect(status.locator(".error")).to_be_visible()
    expect(form.locator(".info")).to_have_count(0)  # nothing said in green
    assert listed(pair.alpha) == before  # no request reached the node
    page.screenshot(path=artifacts / "compose-latitude-95-russian.png", full_page=True)


def test_a_node_error_code_is_rendered_in_russian(pair: Pair, page: Page, artifacts: Path) -> None:
    login(page, pair.alpha)
    page.locator("header").get_by_label("Language").select_option("ru")
    page.get_by_role("link", name="Составить").click()
    page.locator("a[data-choice='aircraft_in_distress']").click()
    form = page.locator("form[data-form='aircraft_in_distress']")
    expect(form).to_be_visible()
    form.locator("[data-path='status'] select").select_option("exercise")
    form.locator("[data-path='aircraft.callsign'] input").fill("EAGLE 4")
    form.locator("input[name='last_position.lat']").fill("46.9")
    form.locator("input[name='last_position.lon']").fill("-30.4")
    form.locator("[data-path='nature'] input[value='engine']").check()
    # "none" with other assistance: a rule the schema cannot state; only the node refuses it
    form.locator("[data-path='assistance_requested'] input[value='none']").check()
    before = listed(pair.alpha)
    form.locator("button[type='submit']").click()

    error = form.locator("[data-path='assistance_requested'] .field-error")
    expect(error).to_have_text("«Не требуется» нельзя сочетать с другой помощью.")  # noqa: RUF001
    expect(form.locator(".form-status")).to_contain_text("Узел отклонил")
    assert listed(pair.alpha) == before
    page.screenshot(path=artifacts / "compose-node-error-russian.png", full_page=True)


def test_a_feed_rule_refusal_is_said_from_its_code_in_russian(pair: Pair, page: Page) -> None:
    posted = pair.post(pair.alpha, example("liaison", text="Line check.", language="en"))
    key = f"alpha/{posted['index']}"
    login(page, pair.alpha)
    page.locator("header").get_by_label("Language").select_option("ru")
    page.goto(f"{pair.alpha.url}/#compose/update/{key}")
    form = page.locator("form[data-form='liaison']")
    expect(form).to_be_visible()
    # cancelled meanwhile, from another console: the update is refused by the feed rule
    r = httpx.post(
        f"{pair.alpha.url}/v1/notices/{key}/cancel",
        json={"reason": "issued_in_error"},
        headers={"Authorization": f"Bearer {pair.alpha.tokens['operator']}"},
    )
    assert r.status_code == 201, r.text
    before = listed(pair.alpha)
    form.locator("textarea[name='text']").fill("Line check at 09:00Z.")
    form.locator("button[type='submit']").click()
    expect(form.locator(".form-status")).to_have_text("Это сообщение уже отменено.")
    assert listed(pair.alpha) == before


def test_an_actual_flash_asks_first_and_going_back_sends_nothing(
    pair: Pair, page: Page, artifacts: Path
) -> None:
    login(page, pair.alpha)
    form = open_compose(page, "quick_distress")
    expect(form.get_by_label("Status")).to_have_value("actual")
    form.get_by_label("Callsign").fill("VIPER 99")
    form.get_by_label("Latitude").fill("46.5")
    form.get_by_label("Longitude").fill("-30.5")
    form.get_by_label("fire", exact=True).check()
    before = listed(pair.alpha)
    form.get_by_role("button", name="Send notice").click()

    dialog = page.get_by_role("dialog", name="Send an ACTUAL FLASH to bravo?")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("This is not an exercise")
    expect(dialog.get_by_role("button", name="Back to the form")).to_be_focused()
    page.screenshot(path=artifacts / "compose-actual-flash-confirmation.png", full_page=True)
    dialog.get_by_role("button", name="Back to the form").click()
    expect(dialog).to_have_count(0)
    expect(form.locator(".form-status")).to_have_text("Not sent.")
    expect(form.get_by_label("Callsign")).to_have_value("VIPER 99")
    assert listed(pair.alpha) == before  # nothing sent

    # Escape goes back too; only the explicit button sends
    form.get_by_role("button", name="Send notice").click()
    expect(dialog).to_be_visible()
    page.keyboard.press("Escape")
    expect(dialog).to_have_count(0)
    assert listed(pair.alpha) == before
    form.get_by_role("button", name="Send notice").click()
    dialog.get_by_role("button", name="Send ACTUAL FLASH").click()
    expect(card(page, "VIPER 99", "alpha")).to_be_visible()
    assert listed(pair.alpha) == before + 1


@pytest.fixture
def exercise_node(pair: Pair, tmp_path: Path) -> Iterator[RunningNode]:
    """A third node, alone (no peer), set up for an exercise (``mode = "exercise"``)."""
    sock = _bound_socket()
    port = sock.getsockname()[1]
    settings = Settings(
        dir=tmp_path / "charlie",
        side="charlie",
        origin="charlie.hotline.example",
        unit="JOC CHARLIE",
        nation="XCC",
        url=f"http://127.0.0.1:{port}",
        mode="exercise",
    )
    settings.dir.mkdir()
    generate_keys(settings)
    node = RunningNode("charlie", settings, pair.servers.serve("charlie", settings, sock), port)
    wait_until(partial(_healthy, node.url), "charlie serves")
    _, node.tokens["operator"] = pair.run(
        add_user(node.node.store, "operator-charlie", "operator", 0)
    )
    yield node
    pair.servers.stop_side("charlie")


def test_the_exercise_banner_shows_on_a_node_set_up_for_exercise(
    pair: Pair, page: Page, exercise_node: RunningNode, artifacts: Path
) -> None:
    login(page, exercise_node)
    banner = page.locator("#exercise-banner")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("EXERCISE")
    form = open_compose(page, "quick_distress")
    expect(form.get_by_label("Status")).to_have_value("exercise")
    page.locator("[data-path='callsign'] input").focus()
    page.mouse.wheel(0, 5000)
    expect(banner).to_be_in_viewport()  # at any scroll
    page.locator("header").get_by_label("Language").select_option("ru")
    expect(banner).to_contain_text("УЧЕНИЯ")
    page.screenshot(path=artifacts / "exercise-banner.png", full_page=False)
    # an operational node shows none
    other = page.context.new_page()
    login(other, pair.alpha)
    expect(other.locator("#exercise-banner")).to_have_count(0)
    other.close()
