"""The console in real Chromium against two real nodes: the operator's scenario end to end, form
errors at their fields, Russian rendering, the map, the auditor's export and proof bundle,
keyboard-only use, alarms, session handling and the tablet layout. Screenshots are saved to
``tests/artifacts/``."""

from __future__ import annotations

import base64
import contextlib
import io
import json
import re
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from hotline.cli.main import main as hotline_main
from hotline.keys import load_keys
from hotline.provision.card import own_card
from hotline_protocol.note import Verifier
from hotline_protocol.proof import verify_bundle

from .conftest import Pair, RunningNode, login, new_context, wait_until

pytestmark = pytest.mark.browser

EXAMPLES = Path(__file__).resolve().parents[1] / "protocol" / "examples"
JS = Path(__file__).resolve().parent / "js"
HOUR = 3_600_000


def example(kind: str, **changes: Any) -> dict[str, Any]:
    """A protocol example as a fresh notice to post (the node fills id, time and author)."""
    notice: dict[str, Any] = json.loads((EXAMPLES / f"{kind}.json").read_text())
    for name in ("id", "time", "author", "expires", "distress_ref", "supersedes"):
        notice.pop(name, None)
    notice.update(changes)
    return notice


def now_ms() -> int:
    return time.time_ns() // 1_000_000


def card(page: Page, text: str, side: str | None = None) -> Any:
    selector = "li.notice" if side is None else f"li.notice[data-side='{side}']"
    return page.locator(selector).filter(has_text=text)


def delivered(node: RunningNode) -> bool:
    index = node.node.index
    return index.delivered_size(node.side) == index.size(node.side)


def open_compose(page: Page, choice: str) -> Any:
    page.get_by_role("link", name="Compose").click()
    page.locator(f"a[data-choice='{choice}']").click()
    # the form for "compose" alone is already there: wait until the choice's own route is shown,
    # or it could be drawn again under the first keystrokes
    expect(page.locator("#app")).to_have_attribute("data-route", f"compose/{choice}")
    form = page.locator(f"form[data-form='{choice}']")
    expect(form).to_be_visible()
    return form


def confirm_actual_flash(page: Page) -> None:
    """An ACTUAL FLASH is confirmed before it goes to the other side."""
    page.get_by_role("dialog").get_by_role("button", name="Send ACTUAL FLASH").click()


def send_anyway(form: Any, conflicting: str) -> None:
    """Send an operation that the check finds in conflict with ``conflicting``: the warning
    names it, and the operator sends anyway."""
    form.get_by_role("button", name="Send notice").click()
    warning = form.locator(".conflict-warning")
    expect(warning).to_contain_text(conflicting)
    warning.get_by_role("button", name="Send anyway").click()


# the scenario ----------------------------------------------------------------------


def test_distress_from_a_alarms_b_and_wilco_shows_acknowledged_at_a(
    pair: Pair, page: Page, page_b: Page, artifacts: Path
) -> None:
    login(page, pair.alpha)
    login(page_b, pair.bravo)

    form = open_compose(page, "quick_distress")
    form.get_by_label("Callsign").fill("hawk 31")  # upper-cased as typed
    form.get_by_label("Latitude").fill("46 54.72 N")  # degrees-minutes
    form.get_by_label("Longitude").fill("030 25.08 W")
    expect(form.locator(".position .preview")).to_contain_text("25T FM 96615 98621")
    form.get_by_label("engine failure").check()
    form.get_by_label("fuel").check()
    page.screenshot(path=artifacts / "compose-quick-distress.png", full_page=True)
    form.get_by_role("button", name="Send notice").click()
    confirm_actual_flash(page)

    own = card(page, "HAWK 31", "alpha")
    expect(own).to_be_visible()
    key = own.get_attribute("data-key")
    assert key is not None
    side, index = key.split("/")
    notice = pair.alpha.node.index.get(side, int(index))
    assert notice is not None and notice.kind == "aircraft_in_distress"

    # at B: the notice arrives by itself, with the FLASH alarm (banner and sound)
    theirs = page_b.locator(f"li.notice[data-key='{key}']")
    expect(theirs).to_be_visible()
    expect(theirs.locator("h3")).to_have_text("Aircraft in distress HAWK 31")
    expect(theirs.locator(".summary")).to_contain_text("engine failure, fuel")
    expect(theirs.locator(".summary")).to_contain_text("46°54.720′N 030°25.080′W")  # noqa: RUF001
    alarm = page_b.locator(f"[data-alarm='flash/{key}']")
    expect(alarm).to_be_visible()
    expect(alarm).to_contain_text("FLASH from alpha: Aircraft in distress HAWK 31")
    expect(page_b.locator("body")).to_have_attribute("data-alarm-sound", "on")
    expect(page_b.locator(".pinned-section").locator(f"li[data-key='{key}']")).to_be_visible()
    page_b.screenshot(path=artifacts / "board-alarm-at-b.png", full_page=True)

    # B acknowledges WILCO with one click: the alarm ends, A sees it acknowledged
    theirs.get_by_role("button", name="WILCO").click()
    expect(alarm).to_have_count(0)
    chip = page.locator(f"li.notice[data-key='{key}'] [data-state-chip]")
    expect(chip).to_have_text("acknowledged")
    expect(page.locator(f"li.notice[data-key='{key}'] .state")).to_contain_text(
        "WILCO by bravo/operator-bravo"
    )
    page.screenshot(path=artifacts / "board.png", full_page=True)

    r = httpx.get(
        f"{pair.alpha.url}/v1/notices/{side}/{index}",
        headers={"Authorization": f"Bearer {pair.alpha.tokens['operator']}"},
    )
    sent = r.json()
    assert sent["state"]["acknowledged"]["response"] == "WILCO"
    assert sent["notice"]["last_position"]["lat"] == 46.912
    assert sent["notice"]["last_position"]["lon"] == -30.418
    assert sent["notice"]["nature"] == ["engine", "fuel"]


def test_a_validation_error_is_shown_at_its_field(pair: Pair, page: Page, artifacts: Path) -> None:
    """What cannot be read, and what the schema refuses, is said at its field before anything
    is sent (a problem only the node finds: test_console_forms.py, rendered from its code)."""
    login(page, pair.alpha)
    form = open_compose(page, "quick_distress")
    lat = form.get_by_label("Latitude")

    lat.fill("forty-six")  # cannot be read: said here, nothing is sent
    form.get_by_label("Longitude").fill("10")
    form.get_by_role("button", name="Send notice").click()
    expect(form.locator("[data-path='last_position.lat'] .field-error")).to_contain_text(
        "Cannot read this angle"
    )
    expect(form.locator(".form-status")).to_contain_text("cannot be read")

    size = pair.alpha.node.index.size("alpha")
    lat.fill("95")  # read fine; out of the schema's bounds: refused before sending
    form.get_by_label("fire", exact=True).check()
    form.get_by_role("button", name="Send notice").click()
    error = form.locator("[data-path='last_position.lat'] .field-error")
    expect(error).to_be_visible()
    expect(error).to_have_text("Must be at most 90.")
    expect(lat).to_have_attribute("aria-invalid", "true")
    expect(form.locator("[data-path='callsign'] .field-error")).to_have_text("Required.")
    expect(form.locator("[data-path='last_position.lon'] .field-error")).to_be_hidden()
    expect(form.locator(".form-status")).to_contain_text("cannot be read")  # the callsign
    form.get_by_label("Callsign").fill("HAWK 95")
    form.get_by_role("button", name="Send notice").click()
    expect(form.locator(".form-status")).to_have_text("Not sent: see the marked fields.")
    expect(error).to_have_text("Must be at most 90.")
    assert pair.alpha.node.index.size("alpha") == size  # nothing reached the node
    page.screenshot(path=artifacts / "compose-field-error.png", full_page=True)


def test_what_the_operator_typed_survives_the_console_routing_again(pair: Pair, page: Page) -> None:
    """The console routes again when the notices have loaded after sign-in, possibly after the
    operator has begun to type: a form typed in is kept (also across a look at the board), and
    only sending it starts the next one empty."""
    login(page, pair.alpha)
    form = open_compose(page, "quick_distress")
    callsign, lat = form.get_by_label("Callsign"), form.get_by_label("Latitude")
    callsign.fill("HAWK 31")
    lat.fill("46 54.72 N")
    page.evaluate("window.dispatchEvent(new HashChangeEvent('hashchange'))")  # as a late load does
    expect(callsign).to_have_value("HAWK 31")
    expect(lat).to_have_value("46 54.72 N")

    page.get_by_role("link", name="Board").click()
    form = open_compose(page, "quick_distress")
    callsign, lat = form.get_by_label("Callsign"), form.get_by_label("Latitude")
    expect(callsign).to_have_value("HAWK 31")
    expect(lat).to_have_value("46 54.72 N")

    form.get_by_label("Longitude").fill("030 25.08 W")
    form.get_by_label("engine failure").check()
    form.get_by_role("button", name="Send notice").click()
    confirm_actual_flash(page)
    expect(page).to_have_url(re.compile(r"#board/alpha/\d+$"))
    form = open_compose(page, "quick_distress")
    expect(form.get_by_label("Callsign")).to_have_value("")
    expect(form.get_by_label("Latitude")).to_have_value("")


def test_russian_renders_the_notice_from_its_fields(
    pair: Pair, page: Page, artifacts: Path
) -> None:
    distress = example(
        "aircraft_in_distress",
        phase="ALERFA",
        nature=["engine", "fire"],
        aircraft={"callsign": "FALCON 7", "nationality": "XBB", "type": "SU27"},
    )
    pair.post(pair.bravo, distress)
    text = "Daily line check at 08:00Z. Please confirm your duty officer."
    pair.post(pair.bravo, example("liaison", text=text, language="en-GB"))
    login(page, pair.alpha)

    page.locator("header").get_by_label("Language").select_option("ru")
    expect(page.get_by_role("link", name="Табло")).to_be_visible()
    falcon = card(page, "FALCON 7")
    expect(falcon.locator("h3")).to_have_text("Воздушное судно терпит бедствие FALCON 7")
    expect(falcon.locator(".summary")).to_contain_text("ALERFA (тревога)")
    expect(falcon.locator(".summary")).to_contain_text("отказ двигателя, пожар")
    expect(falcon).to_contain_text("УЧЕНИЯ")
    expect(falcon.get_by_role("button", name="WILCO")).to_have_attribute("title", "WILCO — выполню")

    liaison = card(page, text)
    liaison.get_by_role("button", name="Сообщение связи").click()
    detail = page.locator("#notice-detail")
    expect(detail.locator("q[lang='en-GB']")).to_have_text(text)  # as written
    expect(detail).to_contain_text("язык: en-GB")
    page.screenshot(path=artifacts / "board-russian.png", full_page=True)

    falcon.get_by_role("button", name="Воздушное судно терпит бедствие FALCON 7").click()
    expect(detail).to_contain_text("Характер аварийной ситуации")
    expect(detail).to_contain_text("радиолокатор")  # the fix source, translated
    missing = page.evaluate("async () => [...(await import('/console/js/i18n.js')).missing]")
    assert missing == []

    page.locator("header").get_by_label("Язык").select_option("en")
    expect(falcon.locator("h3")).to_have_text("Aircraft in distress FALCON 7")


def test_map_shows_volumes_positions_and_the_time_slider(
    pair: Pair, page: Page, artifacts: Path
) -> None:
    now = now_ms()
    operation = example(
        "planned_operation",
        operation_ref="MAP-OP-7",
        window={"start": now - HOUR, "end": now + 2 * HOUR},
    )
    pair.post(pair.bravo, operation)
    downed = example("downed_pilot", aircraft_callsign="EAGLE 5")
    for pos in downed["positions"]:
        pos["time"] = now - 60_000
    downed["listening_windows"] = [{"start": now, "end": now + 300_000}]
    downed["requested_measures"]["sar_corridor"]["window"] = {"start": now, "end": now + HOUR}
    downed["requested_measures"]["hold_fire"]["window"] = {"start": now, "end": now + HOUR}
    posted = pair.post(pair.alpha, downed)
    login(page, pair.alpha)

    page.get_by_role("link", name="Map").click()
    svg = page.locator("svg.map-svg")
    volume = svg.locator("g.feature[data-role='volume']").filter(has_text="MAP-OP-7")
    expect(volume).to_have_count(2)  # a polygon and a corridor
    expect(volume.first).to_have_attribute("data-active", "true")
    pilot = svg.locator(f"g.feature[data-role='downed'][data-key='alpha/{posted['index']}']")
    expect(pilot).to_have_count(2)  # two fixes, each with its uncertainty circle
    expect(pilot.locator("circle.uncertainty")).to_have_count(2)
    measures = svg.locator(f"g.feature[data-role='measure'][data-key='alpha/{posted['index']}']")
    expect(measures).to_have_count(2)  # SAR corridor and hold fire
    expect(page.locator(".feature-list")).to_contain_text("MAP-OP-7")
    expect(svg.locator("line.grid").first).to_be_attached()
    page.screenshot(path=artifacts / "map.png", full_page=True)

    only_now = page.get_by_label("Only what applies at this time")
    expect(only_now).to_be_checked()  # by default; unticked, every window is drawn
    only_now.uncheck()
    slider = page.get_by_label("Time (UTC)")
    slider.fill(str(((now + 3 * HOUR) // 60_000) * 60_000))  # after the window
    expect(volume.first).to_have_attribute("data-active", "false")
    page.get_by_role("button", name="Now").click()
    expect(volume.first).to_have_attribute("data-active", "true")

    for _ in range(6):  # zoom out to the coastlines (bundled Natural Earth outline)
        page.get_by_role("button", name="Zoom out").click()
    expect(svg.locator("path.land")).to_have_count(1)
    expect(svg.locator("path.border")).to_have_count(1)


def test_auditor_downloads_an_export_that_verifies(
    pair: Pair, page: Page, artifacts: Path, tmp_path: Path
) -> None:
    for text in ("Audit check one.", "Audit check two."):
        pair.post(pair.alpha, example("liaison", text=text, language="en"))
    wait_until(lambda: delivered(pair.alpha), "bravo cosigned alpha's feed")
    login(page, pair.alpha, "auditor")
    expect(page.get_by_role("link", name="Compose")).to_be_hidden()  # auditors do not post
    page.get_by_role("link", name="Audit").click()

    expect(page.locator(".sig[data-role='log']")).to_have_attribute("data-status", "valid")
    expect(page.locator(".sig[data-role='cosignature']").first).to_have_attribute(
        "data-status", "valid"
    )
    expect(page.locator("[data-consistency]")).to_have_attribute("data-consistency", "ok")
    size = pair.alpha.node.index.size("alpha")
    expect(page.locator(".log-table tbody tr")).to_have_count(min(size, 50))
    expect(page.locator("[data-evidence='none']")).to_be_visible()
    page.screenshot(path=artifacts / "audit.png", full_page=True)

    with page.expect_download() as info:
        page.get_by_role("button", name="Download audit export").click()
    export = tmp_path / info.value.suggested_filename
    info.value.save_as(export)
    assert export.name.startswith("hotline-audit-")
    expect(page.locator("[data-exported]")).to_contain_text(export.name)
    cards = []
    for node in (pair.alpha, pair.bravo):  # the cards the two sides exchanged
        card = tmp_path / f"{node.side}-card.txt"
        card.write_text(own_card(node.settings, load_keys(node.settings)).text())
        cards += ["--card", str(card)]
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = hotline_main(["audit", "verify", str(export), *cards])
    assert code == 0, out.getvalue()

    with page.expect_download() as info:
        page.locator("button[data-proof='0']").click()
    bundle_file = tmp_path / info.value.suggested_filename
    info.value.save_as(bundle_file)
    expect(page.locator("[data-proof-status]")).to_have_attribute("data-proof-status", "verified")
    answer = json.loads(bundle_file.read_text())
    verified = verify_bundle(
        answer["bundle"].encode(),
        base64.b64decode(answer["entry"]),
        origin=pair.alpha.settings.origin,
        log=Verifier.from_vkey(pair.alpha.node.own.log_vkey),
    )
    assert verified.index == 0

    page.get_by_role("link", name="Log bravo").click()
    expect(page.locator("#cp-heading")).to_contain_text("bravo")
    expect(page.locator(".sig[data-role='log']")).to_have_attribute("data-status", "valid")


# operating the console ----------------------------------------------------------------------


def tab_to(page: Page, selector: str, limit: int = 120) -> None:
    """Press Tab until the element matching ``selector`` has the focus."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement?.matches(s) ?? false", selector):
            return
    raise AssertionError(f"{selector} cannot be reached with the keyboard")


def test_keyboard_only_liaison(pair: Pair, page: Page, page_b: Page) -> None:
    login(page_b, pair.bravo)
    page.goto(f"{pair.alpha.url}/")
    expect(page.get_by_label("Access token")).to_be_focused()
    page.keyboard.type(pair.alpha.tokens["operator"])
    page.keyboard.press("Enter")
    expect(page.locator("[data-stream='live']")).to_be_visible()
    expect(page.locator("#app[data-route]")).to_be_attached()  # the notices have loaded

    tab_to(page, "a[data-view='compose']")
    page.keyboard.press("Enter")
    tab_to(page, "a[data-choice='liaison']")
    page.keyboard.press("Enter")
    tab_to(page, "form[data-form='liaison'] textarea")
    page.keyboard.type("Keyboard only: please confirm the 1200Z line check.")
    tab_to(page, "form[data-form='liaison'] button[type='submit']")
    page.keyboard.press("Enter")

    expect(card(page, "Keyboard only", "alpha")).to_be_visible()
    received = card(page_b, "Keyboard only", "alpha")
    expect(received).to_be_visible()
    expect(received.locator(".lang-tag")).to_have_count(0)  # summary shows the text itself
    received.get_by_role("button", name="Liaison").click()
    expect(page_b.locator("#notice-detail .lang-tag")).to_have_text("language: en")


def test_overdue_own_notice_waits_quietly_until_acknowledged(pair: Pair, page: Page) -> None:
    login(page, pair.alpha)
    now = now_ms()
    posted = pair.post(
        pair.alpha,
        example(
            "planned_operation",
            precedence="IMMEDIATE",  # alpha's IMMEDIATE deadline is 3 s in these tests
            operation_ref="LATE-1",
            window={"start": now + HOUR, "end": now + 2 * HOUR},
        ),
    )
    key = f"alpha/{posted['index']}"
    expect(page.locator(f"li.notice[data-key='{key}'] [data-state-chip]")).to_have_text("overdue")
    # only the other side can answer it: listed, quieter, with what waits on bravo; no alarm
    waiting = page.locator(f".waiting li.queue-item[data-key='{key}']")
    expect(waiting).to_be_attached()
    expect(waiting).to_contain_text("overdue by")
    expect(page.locator(f"[data-alarm='overdue/{key}']")).to_have_count(0)

    r = httpx.post(
        f"{pair.bravo.url}/v1/notices/{key}/ack",
        json={"response": "UNABLE", "reason": "Tanker track until 1300Z."},
        headers={"Authorization": f"Bearer {pair.bravo.tokens['operator']}"},
    )
    assert r.status_code == 201, r.text
    expect(waiting).to_have_count(0)
    state = page.locator(f"li.notice[data-key='{key}'] .state")
    expect(state).to_contain_text("UNABLE by bravo/operator-bravo")
    page.locator(f"li.notice[data-key='{key}'] h3 button").click()
    expect(page.locator("#notice-detail")).to_contain_text("Tanker track until 1300Z.")


def test_cancel_from_the_board(pair: Pair, page: Page, page_b: Page) -> None:
    now = now_ms()
    posted = pair.post(
        pair.alpha,
        example(
            "planned_operation",
            operation_ref="CXL-9",
            window={"start": now + HOUR, "end": now + 2 * HOUR},
        ),
    )
    key = f"alpha/{posted['index']}"
    login(page, pair.alpha)
    login(page_b, pair.bravo)
    page.locator(f"li.notice[data-key='{key}'] h3 button").click()
    page.locator("#notice-detail").get_by_role("button", name="Cancel notice").click()
    form = page.locator("form[data-form='cancel']")
    form.get_by_label("Reason for the cancel").select_option("operation_complete")
    form.get_by_role("button", name="Send cancel").click()
    expect(page.locator(f"li.notice[data-key='{key}'] [data-state-chip]")).to_have_text("cancelled")
    expect(page_b.locator(f"li.notice[data-key='{key}'] [data-state-chip]")).to_have_text(
        "cancelled"
    )
    expect(card(page_b, "operation complete", "alpha")).to_be_visible()  # the cancel itself


def test_login_errors_logout_and_session_expiry(pair: Pair, browser: Browser) -> None:
    context = new_context(browser)
    page = context.new_page()
    page.goto(f"{pair.alpha.url}/")
    page.get_by_label("Access token").fill("hl_not-a-token")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#login-message")).to_have_text("The token is unknown or revoked.")
    page.get_by_label("Access token").fill(pair.alpha.tokens["admin"])
    page.get_by_role("button", name="Sign in").click()
    refused = "This token\N{RIGHT SINGLE QUOTATION MARK}s role may not use the console."
    expect(page.locator("#login-message")).to_have_text(refused)

    login(page, pair.alpha)
    page.reload()  # the session survives a reload of the tab
    expect(page.locator("[data-stream='live']")).to_be_visible()
    page.get_by_role("button", name="Log out").click()
    expect(page.locator("#login-message")).to_have_text("You have logged out.")
    page.reload()
    expect(page.get_by_label("Access token")).to_be_visible()
    context.close()

    context = new_context(browser)
    page = context.new_page()
    page.clock.install()
    login(page, pair.alpha)
    expect(page.locator("#session-until")).to_contain_text("Session until")
    page.clock.fast_forward("12:00:01")
    expect(page.locator("#login-message")).to_have_text("Your session has expired. Sign in again.")
    expect(page.locator("#app")).to_be_hidden()
    context.close()


def test_tablet_width_layout(pair: Pair, browser: Browser, artifacts: Path) -> None:
    context = new_context(browser, 768, 1024)
    page = context.new_page()
    login(page, pair.alpha)
    wide = "document.documentElement.scrollWidth"
    assert page.evaluate(wide) <= 768
    first = page.locator("li.notice h3 button").first
    first.click()
    list_box = page.locator(".board-list").bounding_box()
    detail_box = page.locator("#notice-detail").bounding_box()
    assert list_box is not None and detail_box is not None
    assert detail_box["y"] >= list_box["y"] + list_box["height"] - 1  # one column
    page.screenshot(path=artifacts / "tablet-board.png", full_page=True)
    for view in ("compose", "map", "conflicts", "audit"):
        page.locator(f"a[data-view='{view}']").click()
        expect(page.locator(f"#view-{view}")).to_be_visible()
        assert page.evaluate(wide) <= 768, view
    page.locator("a[data-view='compose']").click()
    page.locator("a[data-choice='planned_operation']").click()
    expect(page.locator("form[data-form='planned_operation']")).to_be_visible()
    assert page.evaluate(wide) <= 768
    page.screenshot(path=artifacts / "tablet-compose.png", full_page=True)
    context.close()


def test_served_locally_with_a_strict_policy(pair: Pair, page: Page) -> None:
    origins: set[str] = set()
    page.on("request", lambda req: origins.add(req.url.split("/")[2]))
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    login(page, pair.alpha)
    for view in ("Compose", "Map", "Conflicts", "Audit", "Board"):
        page.get_by_role("link", name=view, exact=True).click()
    expect(page.locator("#view-board")).to_be_visible()
    assert origins == {f"127.0.0.1:{pair.alpha.port}"}, origins
    assert errors == []


# the other forms ----------------------------------------------------------------------------


def test_compose_a_planned_operation_in_mixed_notations(
    pair: Pair, page: Page, page_b: Page, artifacts: Path
) -> None:
    now = now_ms()
    window = {"start": now, "end": now + 5 * HOUR}  # theirs, in the same airspace
    pair.post(pair.bravo, example("planned_operation", operation_ref="MIX-B", window=window))
    login(page, pair.alpha)
    login(page_b, pair.bravo)
    form = open_compose(page, "planned_operation")
    form.get_by_label("Operation reference").fill("OPS-MIX-1")
    form.get_by_label("Activity").select_option("tanker")
    form.get_by_label("Points (one position per line)").fill(
        "47.5, -31.25\n47 30 N 029 45 W\n25T FM 80000 70000\n46.75 -31.25"
    )
    form.get_by_role("button", name="Add: Area").click()
    second = form.locator("[data-path='areas'] .list-item").nth(1)
    second.get_by_label("Shape").select_option("corridor")
    second.get_by_label("Centreline (one position per line)").fill("46.75, -30.5\n45.2, -28.85")
    second.locator("[data-path='areas.1.half_width']").get_by_label("Value").fill("5")
    form.locator("[data-path='window.start'] input").fill("+1h")
    form.locator("[data-path='window.end'] input").fill("+4h")
    # the altitude block starts empty: the operator gives it
    form.locator("[data-path='vertical_block.lower.value'] input").fill("0")
    form.locator("[data-path='vertical_block.upper.value'] input").fill("100")
    form.get_by_label("Callsigns (comma-separated)").fill("texaco 41, viper 11")
    page.screenshot(path=artifacts / "compose-planned-operation.png", full_page=True)
    send_anyway(form, "Planned operation MIX-B")

    sent = card(page, "OPS-MIX-1", "alpha")
    expect(sent).to_be_visible()
    key = sent.get_attribute("data-key")
    expect(page_b.locator(f"li.notice[data-key='{key}']")).to_be_visible()
    r = httpx.get(
        f"{pair.alpha.url}/v1/notices/{key}",
        headers={"Authorization": f"Bearer {pair.alpha.tokens['operator']}"},
    )
    notice = r.json()["notice"]
    polygon, corridor = notice["areas"]
    assert len(polygon["points"]) == 5 and polygon["points"][0] == polygon["points"][-1]
    assert polygon["points"][1] == {"lat": 47.5, "lon": -29.75}
    assert corridor["shape"] == "corridor" and corridor["half_width"] == {"value": 5, "unit": "NM"}
    assert notice["vertical_block"]["upper"] == {"value": 100, "unit": "FL", "reference": "STD"}
    assert notice["window"]["end"] - notice["window"]["start"] == 3 * HOUR
    assert notice["callsigns"] == ["TEXACO 41", "VIPER 11"]


def test_update_from_the_board_supersedes_the_notice(pair: Pair, page: Page, page_b: Page) -> None:
    now = now_ms()
    posted = pair.post(
        pair.alpha,
        example(
            "planned_operation",
            operation_ref="UPD-3",
            window={"start": now + HOUR, "end": now + 2 * HOUR},
        ),
    )
    window = {"start": now + HOUR, "end": now + 2 * HOUR}  # theirs, in the same airspace
    pair.post(pair.bravo, example("planned_operation", operation_ref="UPD-B", window=window))
    key = f"alpha/{posted['index']}"
    login(page, pair.alpha)
    login(page_b, pair.bravo)
    page.locator(f"li.notice[data-key='{key}'] h3 button").click()
    page.locator("#notice-detail").get_by_role("button", name="Update").click()
    form = page.locator("form[data-form='planned_operation']")
    expect(form.get_by_label("Operation reference")).to_have_value("UPD-3")
    expect(form.get_by_label("Precedence")).to_have_value("PRIORITY")
    expect(form.locator("[data-path='areas'] .list-item")).to_have_count(2)
    form.get_by_label("Operation reference").fill("UPD-3B")
    send_anyway(form, "Planned operation UPD-B")  # the update is checked like a new one

    expect(card(page, "UPD-3B", "alpha")).to_be_visible()
    for p in (page, page_b):  # one card: the first version inside it, superseded
        version = p.locator(f"li.notice[data-key='{key}'] [data-entry='{key}']")
        expect(version.locator("[data-entry-state]")).to_have_attribute(
            "data-entry-state", "superseded"
        )
    new = card(page_b, "UPD-3B", "alpha")
    new.locator("h3 button").click()
    updates = page_b.locator("#notice-detail dt:text-is('Updates') + dd")
    expect(updates).to_have_text(f"alpha #{posted['index']}")


# accessibility ------------------------------------------------------------------------------

UNNAMED_CONTROLS = (JS / "unnamed_controls.js").read_text()
LOW_CONTRAST = (JS / "low_contrast.js").read_text()

CONTRAST_SELECTORS = [
    "body",
    ".hint",
    ".chip",
    ".prec",
    ".side",
    ".exercise",
    ".alarm",
    ".alarm button",
    "button",
    ".tabs a",
    "a.choice",
    "label",
    "legend",
    ".field-error",
    "dt",
    "dd",
    ".count",
    ".link-status span",
    "th",
    "td",
    ".conflict-counter",
    ".conflict-badge",
    ".conflict-chip",
    ".conflict-list button",
]


def test_controls_are_labelled_and_text_has_contrast(pair: Pair, page: Page) -> None:
    now = now_ms()
    window = {"start": now - HOUR, "end": now + HOUR}
    for node, ref, (lat, lon) in (
        (pair.alpha, "CTR-A", (20, 30)),
        (pair.bravo, "CTR-B", (20.5, 30.5)),
    ):
        corners = [(lat + 1, lon), (lat + 1, lon + 1), (lat, lon + 1), (lat, lon), (lat + 1, lon)]
        area = {"shape": "polygon", "points": [{"lat": y, "lon": x} for y, x in corners]}
        pair.post(
            node, example("planned_operation", operation_ref=ref, areas=[area], window=window)
        )
    pair.post(pair.bravo, example("liaison", text="Contrast check.", language="en"))
    login(page, pair.alpha)
    expect(card(page, "Contrast check.")).to_be_visible()
    expect(card(page, "CTR-B").locator("[data-conflict-badge]")).to_be_visible()
    page.locator("li.notice h3 button").first.click()
    problems = page.evaluate(LOW_CONTRAST, CONTRAST_SELECTORS)
    assert page.evaluate(UNNAMED_CONTROLS) == []
    for choice in (
        "quick_distress",
        "aircraft_in_distress",
        "downed_pilot",
        "planned_operation",
        "liaison",
        "update",
        "cancel",
    ):
        page.get_by_role("link", name="Compose").click()
        page.locator(f"a[data-choice='{choice}']").click()
        expect(page.locator(f"a[data-choice='{choice}']")).to_have_attribute("aria-current", "page")
        for box in page.locator("fieldset.optional legend input").all():
            box.check()  # show the optional groups too
        assert page.evaluate(UNNAMED_CONTROLS) == [], choice
        problems += page.evaluate(LOW_CONTRAST, CONTRAST_SELECTORS)
    for view in ("Map", "Conflicts", "Audit"):
        page.get_by_role("link", name=view, exact=True).click()
        expect(page.locator(f"#view-{view.lower()}")).to_be_visible()
        if view == "Conflicts":  # with the remark form of Mark handled open
            page.locator("li.conflict[data-state='open'] button.mark-handled").first.click()
            expect(page.locator(".handle-form textarea")).to_be_focused()
        assert page.evaluate(UNNAMED_CONTROLS) == [], view
        problems += page.evaluate(LOW_CONTRAST, CONTRAST_SELECTORS)
    assert problems == []


def test_full_distress_and_downed_pilot_forms(pair: Pair, page: Page, page_b: Page) -> None:
    login(page, pair.alpha)
    login(page_b, pair.bravo)
    form = open_compose(page, "aircraft_in_distress")
    expect(form.get_by_label("Precedence")).to_have_value("FLASH")
    expect(form.get_by_label("Nationality (ISO 3166 alpha-3)")).to_have_value("XAA")
    form.locator("[data-path='aircraft']").get_by_label("Callsign").fill("COBRA 2")
    form.get_by_label("Status").first.select_option("exercise")
    form.get_by_role("radio", name="MGRS").check()
    form.locator("input[name='last_position.mgrs']").fill("25T FM 96615 98621")
    form.get_by_label("battle damage").check()
    form.get_by_label("ejection likely").check()
    form.locator("fieldset.optional legend").filter(has_text="Altitude").locator("input").check()
    form.locator("[data-path='last_position.altitude']").get_by_label("Value").fill("120")
    form.get_by_role("button", name="Send notice").click()
    cobra = card(page_b, "COBRA 2", "alpha")
    expect(cobra).to_be_visible()
    expect(cobra.locator(".summary")).to_contain_text("battle damage")
    key = cobra.get_attribute("data-key")

    form = open_compose(page, "downed_pilot")
    form.get_by_label("Aircraft callsign").fill("COBRA 2")
    form.get_by_label("Follows distress notice").select_option(key)
    crew = form.locator("[data-path='crew'] .list-item").first
    crew.get_by_label("Status").select_option("parachute_seen")
    position = form.locator("[data-path='positions'] .list-item").first
    position.get_by_role("radio", name="DM").check()  # the last format used (MGRS) is kept
    position.get_by_label("Latitude").fill("46 52.2 N")
    position.get_by_label("Longitude").fill("030 29.8 W")
    form.get_by_label("water").check()
    hold = form.locator("fieldset.optional legend").filter(has_text="Hold fire")
    hold.locator("input").check()
    centre = form.locator("[data-path='requested_measures.hold_fire.centre']")
    centre.get_by_role("radio", name="DD").check()
    centre.get_by_label("Latitude").fill("46.87")
    centre.get_by_label("Longitude").fill("-30.5")
    form.get_by_role("button", name="Send notice").click()
    confirm_actual_flash(page)
    downed = card(page_b, "Downed pilot COBRA 2", "alpha")
    expect(downed).to_be_visible()
    expect(downed.locator(".summary")).to_contain_text("parachute seen")
    downed.locator("h3 button").click()
    detail = page_b.locator("#notice-detail")
    expect(detail.locator("dt:text-is('Follows distress notice') + dd")).to_have_text(
        key.replace("/", " #")
    )
    expect(detail.locator("dt:text-is('Hold fire') + dd")).to_contain_text("radius 10 NM")


def test_the_console_resumes_after_losing_the_node(pair: Pair, page: Page) -> None:
    page.add_init_script(path=JS / "hold_stream.js")
    login(page, pair.alpha)
    page.evaluate("window.__holdStream = true; window.__sockets.at(-1).close()")
    expect(page.locator("[data-stream='reconnecting']")).to_be_visible()
    text = "Sent while the console was away."
    pair.post(pair.bravo, example("liaison", text=text, language="en"))
    expect(card(page, text)).to_have_count(0)
    page.evaluate("window.__holdStream = false")
    expect(page.locator("[data-stream='live']")).to_be_visible(timeout=20_000)
    expect(card(page, text, "bravo")).to_have_count(1)
