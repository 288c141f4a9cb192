"""Conflicts in the console, in real Chromium against two real nodes: the overlap of two sides'
operations drawn on the map and badged on both cards, an emergency ringed beside the operation,
the check before sending (Back to the form sends nothing, Send anyway sends), Mark handled from
the conflicts list seen handled at the other side, the Russian labels, and the conflicts loaded
again when the console resumes after losing the node. Each test keeps to its own patch of the
map so that the conflicts of other tests never meet its own. Screenshots are saved to
``tests/artifacts/``."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import FloatRect, Locator, Page, expect

from .conftest import Pair, RunningNode, login, wait_until
from .test_console import HOUR, JS, card, example, now_ms, open_compose

pytestmark = pytest.mark.browser

DASH = "\N{EN DASH}"  # between the limits of a band and the ends of a span


def square(south: float, west: float, north: float, east: float) -> dict[str, Any]:
    points = [(north, west), (north, east), (south, east), (south, west), (north, west)]
    return {"shape": "polygon", "points": [{"lat": lat, "lon": lon} for lat, lon in points]}


def fl(value: int) -> dict[str, Any]:
    return {"value": value, "unit": "FL", "reference": "STD"}


# meets the form's default block (the surface to FL100); FL100 to FL200 only touches it
FL050_TO_FL150 = {"lower": fl(50), "upper": fl(150)}


def operation(ref: str, area: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """A planned operation in one area, FL100 to FL200, active from an hour ago for three."""
    now = now_ms()
    fields: dict[str, Any] = {
        "operation_ref": ref,
        "areas": [area],
        "vertical_block": {"lower": fl(100), "upper": fl(200)},
        "window": {"start": now - HOUR, "end": now + 2 * HOUR},
    }
    return example("planned_operation", **{**fields, **changes})


def conflicts(node: RunningNode) -> list[dict[str, Any]]:
    r = httpx.get(
        f"{node.url}/v1/conflicts",
        params={"state": "all"},
        headers={"Authorization": f"Bearer {node.tokens['operator']}"},
    )
    assert r.status_code == 200, r.text
    found: list[dict[str, Any]] = r.json()["conflicts"]
    return found


def keys_of(conflict: dict[str, Any]) -> set[str]:
    return {f"{ref['side']}/{ref['index']}" for ref in conflict["between"]}


def conflict_of(pair: Pair, first: str, second: str) -> dict[str, Any]:
    """The conflict between two notices, once both nodes show it (the same id at both)."""
    wanted = {first, second}
    found: dict[str, dict[str, Any]] = {}

    def both() -> bool:
        for node in (pair.alpha, pair.bravo):
            for c in conflicts(node):
                if keys_of(c) == wanted:
                    found[node.side] = c
        return len(found) == 2

    wait_until(both, f"both nodes show the conflict between {first} and {second}")
    assert found["alpha"]["id"] == found["bravo"]["id"]
    return found["alpha"]


def badge(page: Page, key: str) -> Locator:
    return page.locator(f"li.notice[data-key='{key}'] [data-conflict-badge]")


def box(locator: Locator) -> FloatRect:
    found = locator.bounding_box()
    assert found is not None
    return found


def inside(inner: FloatRect, outer: FloatRect, slack: float = 3.0) -> bool:
    return (
        inner["x"] >= outer["x"] - slack
        and inner["y"] >= outer["y"] - slack
        and inner["x"] + inner["width"] <= outer["x"] + outer["width"] + slack
        and inner["y"] + inner["height"] <= outer["y"] + outer["height"] + slack
    )


def test_the_overlap_of_two_operations_is_drawn_on_the_map_and_both_cards_are_badged(
    pair: Pair, page: Page, page_b: Page, artifacts: Path
) -> None:
    ours = pair.post(pair.alpha, operation("CF-MAP-A", square(10.0, 20.0, 11.0, 21.0)))
    theirs = pair.post(pair.bravo, operation("CF-MAP-B", square(10.5, 20.5, 11.5, 21.5)))
    # below 9,500 ft AMSL: under FL100 only if the pressure of the day is low enough
    low = {"lower": {"value": 0, "unit": "ft", "reference": "AMSL"}}
    low["upper"] = {"value": 9500, "unit": "ft", "reference": "AMSL"}
    maybe = pair.post(
        pair.alpha,
        operation("CF-MAP-P", square(11.2, 21.2, 11.8, 21.8), vertical_block=low),
    )
    a, b, p = (f"{n['side']}/{n['index']}" for n in (ours, theirs, maybe))
    certain, possible = conflict_of(pair, a, b), conflict_of(pair, p, b)
    assert (certain["certainty"], possible["certainty"]) == ("certain", "possible")
    login(page, pair.alpha)
    login(page_b, pair.bravo)

    # the badge on both notices' cards, at both sides; possible looks different from certain
    for screen in (page, page_b):
        expect(badge(screen, a)).to_have_text("⚠ conflict")
        expect(badge(screen, a)).to_have_attribute("data-conflict-badge", "certain")
        expect(badge(screen, b)).to_have_text(
            "⚠ conflict \N{MULTIPLICATION SIGN}2"
        )  # the surest of its two
        expect(badge(screen, p)).to_have_text("⚠ possible conflict")
        expect(badge(screen, p)).to_have_attribute("data-conflict-badge", "possible")
    style = "e => getComputedStyle(e).borderTopStyle"
    assert badge(page, a).evaluate(style) == "solid"
    assert badge(page, p).evaluate(style) == "dashed"
    page_b.screenshot(path=artifacts / "board-conflict-badges.png", full_page=True)

    # the details pane names the other notice, which opens on a click
    page.locator(f"li.notice[data-key='{a}'] h3 button").click()
    detail = page.locator("#notice-detail")
    line = detail.locator(f".notice-conflicts li[data-conflict-id='{certain['id']}']")
    expect(line).to_contain_text("certain")
    expect(line).to_contain_text(f"FL100 {DASH} FL200")
    other = line.locator(f"button[data-notice='{b}']")
    expect(other).to_have_text(f"Planned operation CF-MAP-B (bravo #{theirs['index']})")
    other.click()
    expect(page.locator("#app")).to_have_attribute("data-route", f"board/{b}")
    expect(detail.locator("h2")).to_contain_text("CF-MAP-B")

    # the map, framed on our operation: the shared area hatched, inside both volumes
    page.locator(f"li.notice[data-key='{a}'] h3 button").click()
    detail.get_by_role("button", name="Show on map").click()
    expect(page.locator("#app")).to_have_attribute("data-route", f"map/{a}")
    svg = page.locator("svg.map-svg")
    overlap = svg.locator(f"g.conflict[data-conflict-id='{certain['id']}'] path.overlap")
    expect(overlap).to_be_visible()
    expect(overlap).to_have_attribute("fill", "url(#hatch-certain)")
    expect(
        svg.locator(f"g.conflict[data-conflict-id='{possible['id']}'] path.overlap")
    ).to_have_attribute("fill", "url(#hatch-possible)")
    volume_a = box(svg.locator(f"g.feature[data-key='{a}'] path.area"))
    volume_b = box(svg.locator(f"g.feature[data-key='{b}'] path.area"))
    shared = box(overlap)
    assert inside(shared, volume_a) and inside(shared, volume_b), (shared, volume_a, volume_b)
    assert shared["width"] * shared["height"] < 0.4 * volume_a["width"] * volume_a["height"]
    expect(page.locator(f".conflict-list li[data-conflict-id='{certain['id']}']")).to_contain_text(
        "Operations conflict (certain, open)"
    )
    page.screenshot(path=artifacts / "map-conflict.png", full_page=True)

    # the other side's map draws the same overlap
    page_b.get_by_role("link", name="Map").click()
    theirs_drawn = page_b.locator(
        f"svg.map-svg g.conflict[data-conflict-id='{certain['id']}'] path.overlap"
    )
    expect(theirs_drawn).to_be_attached()

    # a click on the overlap selects the conflict in the conflicts list
    overlap.click()
    expect(page.locator("#app")).to_have_attribute("data-route", f"conflicts/{certain['id']}")
    entry = page.locator(f"li.conflict[data-conflict-id='{certain['id']}']")
    expect(entry).to_have_class(re.compile(r"\bselected\b"))
    expect(entry).to_have_attribute("aria-current", "true")
    expect(entry).to_be_in_viewport()


def test_an_emergency_near_an_operation_is_ringed_beside_it(
    pair: Pair, page: Page, artifacts: Path
) -> None:
    op = pair.post(pair.bravo, operation("CF-EMG-B", square(18.0, 28.0, 19.0, 29.0)))
    now = now_ms()
    distress = example("aircraft_in_distress", aircraft={"callsign": "CF 77", "nationality": "XAA"})
    distress["last_position"].update(lat=18.5, lon=28.5, time=now - 60_000)
    distress.pop("last_contact")
    mayday = pair.post(pair.alpha, distress)
    o, d = f"bravo/{op['index']}", f"alpha/{mayday['index']}"
    found = conflict_of(pair, o, d)
    assert found["type"] == "emergency" and found["overlap"]["inside"] is True
    login(page, pair.alpha)

    for key in (o, d):
        expect(badge(page, key)).to_have_attribute("data-conflict-badge", found["certainty"])
    page.get_by_role("link", name="Conflicts", exact=True).click()
    entry = page.locator(f"li.conflict[data-conflict-id='{found['id']}']")
    expect(entry.locator("h4")).to_have_text("Emergency conflict")
    expect(entry).to_contain_text("inside the operation\N{RIGHT SINGLE QUOTATION MARK}s area")
    expect(entry).to_contain_text("Aircraft in distress CF 77")
    entry.get_by_role("button", name="Show on map").click()
    expect(page.locator("#app")).to_have_attribute("data-route", f"map/conflict/{found['id']}")
    drawn = page.locator(f"svg.map-svg g.conflict[data-conflict-id='{found['id']}']")
    expect(drawn).to_have_class(re.compile(r"\bselected\b"))
    expect(drawn.locator(".conflict-op")).to_be_visible()  # the operation's volume outlined
    ring = drawn.locator("circle.conflict-ring")  # and the emergency's position ringed
    expect(ring).to_be_visible()
    assert inside(box(ring), box(drawn.locator(".conflict-op")), slack=40)
    page.screenshot(path=artifacts / "map-emergency-conflict.png", full_page=True)


def fill_operation(form: Locator, ref: str, points: str) -> None:
    form.locator("[data-path='operation_ref'] input").fill(ref)
    form.locator("textarea[name='areas.0.points']").fill(points)
    form.locator("[data-path='window.start'] input").fill("+10m")
    form.locator("[data-path='window.end'] input").fill("+2h")
    form.locator("[data-path='vertical_block.lower.value'] input").fill("0")  # 0 ft AMSL
    form.locator("[data-path='vertical_block.upper.value'] input").fill("100")  # FL100


def test_the_check_before_sending_warns_and_the_operator_decides(
    pair: Pair, page: Page, artifacts: Path
) -> None:
    theirs = pair.post(
        pair.bravo,
        operation("CF-CHK-B", square(12.0, 22.0, 13.0, 23.0), vertical_block=FL050_TO_FL150),
    )
    login(page, pair.alpha)
    form = open_compose(page, "planned_operation")
    fill_operation(form, "CF-CHK-A", "13.5, 22.5\n13.5, 23.5\n12.5, 23.5\n12.5, 22.5")
    size = pair.alpha.node.index.size("alpha")
    form.get_by_role("button", name="Send notice").click()

    warning = form.locator(".conflict-warning")
    expect(warning).to_be_visible()
    expect(warning.locator("h3")).to_have_text("⚠ This operation would conflict with:")
    named = warning.locator("li")
    expect(named).to_have_count(1)
    expect(named).to_contain_text(f"Planned operation CF-CHK-B (bravo #{theirs['index']})")
    expect(named).to_contain_text("Operations conflict, certain")
    expect(named).to_contain_text(f"FL050 {DASH} FL100")  # theirs from FL050, ours up to FL100
    expect(warning.get_by_role("button", name="Back to the form")).to_be_focused()
    expect(form.get_by_role("button", name="Send notice")).to_be_disabled()
    page.screenshot(path=artifacts / "compose-conflict-check.png", full_page=True)

    warning.get_by_role("button", name="Back to the form").click()
    expect(warning).to_have_count(0)
    send = form.get_by_role("button", name="Send notice")
    expect(send).to_be_enabled()
    expect(send).to_be_focused()
    expect(page.locator("#app")).to_have_attribute("data-route", "compose/planned_operation")
    expect(form.locator("[data-path='operation_ref'] input")).to_have_value("CF-CHK-A")
    assert pair.alpha.node.index.size("alpha") == size  # nothing was sent
    expect(card(page, "CF-CHK-A")).to_have_count(0)

    send.click()
    expect(warning).to_be_visible()
    warning.get_by_role("button", name="Send anyway").click()
    expect(page).to_have_url(re.compile(r"#board/alpha/\d+$"))
    sent = card(page, "CF-CHK-A", "alpha")
    expect(sent).to_be_visible()
    key = sent.get_attribute("data-key")
    assert key is not None and pair.alpha.node.index.size("alpha") == size + 1
    expect(badge(page, key)).to_have_attribute("data-conflict-badge", "certain")
    expect(badge(page, f"bravo/{theirs['index']}")).to_be_visible()


def test_mark_handled_from_the_conflicts_list_shows_handled_at_both_sides(
    pair: Pair, page: Page, page_b: Page, artifacts: Path
) -> None:
    ours = pair.post(pair.alpha, operation("CF-HDL-A", square(14.0, 24.0, 15.0, 25.0)))
    theirs = pair.post(pair.bravo, operation("CF-HDL-B", square(14.5, 24.5, 15.5, 25.5)))
    a, b = f"alpha/{ours['index']}", f"bravo/{theirs['index']}"
    cid = conflict_of(pair, a, b)["id"]
    login(page, pair.alpha)
    login(page_b, pair.bravo)

    counter = page.locator("#conflict-counter")
    expect(counter).to_have_text(re.compile(r"^⚠ Open conflicts: [1-9]\d*$"))
    counter.click()
    expect(page.locator("#app")).to_have_attribute("data-route", "conflicts")
    entry = page.locator(f"li.conflict[data-conflict-id='{cid}']")
    expect(entry).to_have_attribute("data-state", "open")
    expect(page.locator("[data-group='open']").locator(entry)).to_have_count(1)
    expect(entry.locator("h4")).to_have_text("Operations conflict")
    expect(entry.locator("[data-certainty]")).to_have_text("⚠ certain")
    expect(entry.locator(f"button[data-notice='{a}']")).to_have_text(
        f"Planned operation CF-HDL-A (alpha #{ours['index']})"
    )
    expect(entry.locator(f"button[data-notice='{b}']")).to_have_text(
        f"Planned operation CF-HDL-B (bravo #{theirs['index']})"
    )
    expect(entry.locator("dt:text-is('Common altitude band') + dd")).to_have_text(
        f"FL100 {DASH} FL200"
    )
    expect(entry.locator("dt:text-is('Common time span') + dd")).to_have_text(
        re.compile(rf"^\d{{6}}Z[A-Z]{{3}}\d{{2}} {DASH} \d{{6}}Z[A-Z]{{3}}\d{{2}}$")
    )

    entry.get_by_role("button", name="Mark handled").click()
    remark = entry.get_by_label("Remark: what was agreed or done")
    expect(remark).to_be_focused()
    entry.get_by_role("button", name="Send and mark handled").click()  # empty: said, not sent
    expect(entry.locator(".handle-form .error")).to_have_text("Write a remark first.")
    text = "Agreed by phone: CF-HDL-A stays below FL100 until 1500Z."
    remark.fill(text)
    page.screenshot(path=artifacts / "conflicts-mark-handled.png", full_page=True)
    entry.get_by_role("button", name="Send and mark handled").click()

    expect(entry).to_have_attribute("data-state", "handled")
    expect(page.locator("[data-group='handled']").locator(entry)).to_have_count(1)
    expect(entry.get_by_role("button", name="Mark handled")).to_have_count(0)
    handled_by = entry.locator("dt:text-is('Handled by') + dd")
    expect(handled_by).to_contain_text(re.compile(r"alpha #\d+"))
    expect(handled_by).to_contain_text(text)

    # the other side's console: handled there too, and the liaison is on its board
    page_b.locator("#conflict-counter").click()
    theirs_entry = page_b.locator(f"li.conflict[data-conflict-id='{cid}']")
    expect(theirs_entry).to_have_attribute("data-state", "handled")
    expect(theirs_entry.locator("[data-conflict-state]")).to_have_text("handled")
    expect(theirs_entry.locator("dt:text-is('Handled by') + dd")).to_contain_text(text)
    page_b.screenshot(path=artifacts / "conflicts-handled-at-b.png", full_page=True)
    page_b.get_by_role("link", name="Board").click()
    liaison = card(page_b, text, "alpha")
    expect(liaison).to_be_visible()
    refs = [f"alpha #{ours['index']}", f"bravo #{theirs['index']}"]
    either = "|".join(re.escape(f"Conflict handled ({x} / {y}): ") for x, y in (refs, refs[::-1]))
    expect(liaison.locator(".summary")).to_have_text(re.compile(f"^(?:{either}){re.escape(text)}$"))
    expect(badge(page_b, b)).to_have_attribute("data-conflict-badge", "handled")
    liaison.locator("h3 button").click()
    detail = page_b.locator("#notice-detail")
    expect(detail.locator("dt:text-is('Conflict handled') + dd")).to_have_text(cid)
    page.get_by_role("link", name="Board").click()
    expect(card(page, text, "alpha")).to_be_visible()  # and on our own board


def test_russian_labels_for_the_conflicts_list_and_the_warning(
    pair: Pair, page: Page, artifacts: Path
) -> None:
    ours = pair.post(pair.alpha, operation("CF-RU-A", square(16.0, 26.0, 17.0, 27.0)))
    theirs = pair.post(
        pair.bravo,
        operation("CF-RU-B", square(16.5, 26.5, 17.5, 27.5), vertical_block=FL050_TO_FL150),
    )
    cid = conflict_of(pair, f"alpha/{ours['index']}", f"bravo/{theirs['index']}")["id"]
    login(page, pair.alpha)
    page.locator("header").get_by_label("Language").select_option("ru")

    expect(page.locator("#conflict-counter")).to_have_text(re.compile(r"Открытых конфликтов: \d+"))
    page.get_by_role("link", name="Конфликты", exact=True).click()
    expect(page.locator("#view-conflicts h2")).to_have_text("Конфликты")
    expect(page.locator("#conflicts-open")).to_contain_text("Открытые")
    expect(page.locator("#conflicts-handled")).to_contain_text("Урегулированные")
    entry = page.locator(f"li.conflict[data-conflict-id='{cid}']")
    expect(entry.locator("h4")).to_have_text("Конфликт операций")
    expect(entry.locator("[data-certainty]")).to_have_text("⚠ достоверный")
    expect(entry.locator("[data-conflict-state]")).to_have_text("открыт")
    expect(entry.locator("dt:text-is('Общий диапазон высот') + dd")).to_have_text(
        f"FL100 {DASH} FL150"
    )
    expect(entry.locator("dt:text-is('Общий интервал времени')")).to_be_visible()
    expect(entry.locator(f"button[data-notice='bravo/{theirs['index']}']")).to_have_text(
        f"Планируемая операция CF-RU-B (bravo №{theirs['index']})"
    )
    entry.get_by_role("button", name="Отметить урегулированным").click()
    remark = "Примечание: о чём договорились или что сделано"  # noqa: RUF001
    expect(entry.get_by_label(remark)).to_be_focused()
    expect(entry.get_by_role("button", name="Отправить и отметить урегулированным")).to_be_visible()
    page.screenshot(path=artifacts / "conflicts-russian.png", full_page=True)

    page.get_by_role("link", name="Составить").click()
    page.locator("a[data-choice='planned_operation']").click()
    expect(page.locator("#app")).to_have_attribute("data-route", "compose/planned_operation")
    form = page.locator("form[data-form='planned_operation']")
    fill_operation(form, "CF-RU-C", "17.2, 27.2\n17.2, 27.8\n16.8, 27.8\n16.8, 27.2")
    size = pair.alpha.node.index.size("alpha")
    form.locator("button[type='submit']").click()
    warning = form.locator(".conflict-warning")
    heading = "⚠ Эта операция будет в конфликте с:"  # noqa: RUF001
    expect(warning.locator("h3")).to_have_text(heading)
    expect(warning.locator("li")).to_contain_text("CF-RU-B")
    expect(warning.locator("li")).to_contain_text("Конфликт операций, достоверный")
    expect(warning.get_by_role("button", name="Всё равно отправить")).to_be_visible()
    page.screenshot(path=artifacts / "compose-conflict-check-russian.png", full_page=True)
    warning.get_by_role("button", name="Вернуться к форме").click()
    expect(warning).to_have_count(0)
    assert pair.alpha.node.index.size("alpha") == size
    missing = page.evaluate("async () => [...(await import('/console/js/i18n.js')).missing]")
    assert missing == []


def test_a_conflict_opened_while_the_console_was_away_is_shown_once_it_resumes(
    pair: Pair, page: Page
) -> None:
    """Conflict events are live only: the console loads the conflicts again after reconnecting."""
    page.add_init_script(path=JS / "hold_stream.js")
    login(page, pair.alpha)
    page.evaluate("window.__holdStream = true; window.__sockets.at(-1).close()")
    expect(page.locator("[data-stream='reconnecting']")).to_be_visible()
    ours = pair.post(pair.alpha, operation("CF-AWAY-A", square(22.0, 32.0, 23.0, 33.0)))
    theirs = pair.post(pair.bravo, operation("CF-AWAY-B", square(22.5, 32.5, 23.5, 33.5)))
    cid = conflict_of(pair, f"alpha/{ours['index']}", f"bravo/{theirs['index']}")["id"]
    page.get_by_role("link", name="Conflicts", exact=True).click()
    entry = page.locator(f"li.conflict[data-conflict-id='{cid}']")
    expect(entry).to_have_count(0)
    page.evaluate("window.__holdStream = false")
    expect(page.locator("[data-stream='live']")).to_be_visible(timeout=20_000)
    expect(entry).to_have_attribute("data-state", "open")
    expect(badge(page, f"bravo/{theirs['index']}")).to_have_attribute(
        "data-conflict-badge", "certain"
    )
