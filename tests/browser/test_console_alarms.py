"""The console on a 24-hour operations floor: alarms that cannot be missed (in view at any scroll,
counted in the tab title and icon, a desktop notification, silence all), the link down as an
alarm (its time, every send meanwhile marked as not received, the voice fallback) and answers
that read as what they are (UNABLE and NEGATIVE apart from ROGER and WILCO). Two real nodes; a
screenshot of each in ``tests/artifacts/``."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect

from .conftest import FALLBACK, Pair, RunningNode, login
from .test_console import HOUR, confirm_actual_flash, example, now_ms, open_compose

pytestmark = pytest.mark.browser

# records every desktop notification the console makes (and any permission request)
RECORD_NOTIFICATIONS = """
window.__notifications = [];
const Real = window.Notification;
class Recording extends Real {
  constructor(title, options) {
    window.__notifications.push({ title, body: options && options.body });
    super(title, options);
  }
}
Recording.requestPermission = (...args) => {
  window.__notifications.push({ requested: true });
  return Real.requestPermission(...args);
};
window.Notification = Recording;
"""


def ack(node: RunningNode, key: str, response: str, **extra: Any) -> None:
    r = httpx.post(
        f"{node.url}/v1/notices/{key}/ack",
        json={"response": response, **extra},
        headers={"Authorization": f"Bearer {node.tokens['operator']}"},
    )
    assert r.status_code == 201, r.text


def counted_alarms(page: Page) -> int:
    count: int = page.locator("#alarms [data-kind='flash'], #alarms [data-kind='overdue']").count()
    return count


def test_flash_arriving_under_a_long_form_is_in_view_counted_and_notified(
    pair: Pair, page: Page, artifacts: Path
) -> None:
    page.context.grant_permissions(["notifications"], origin=pair.alpha.url)
    page.add_init_script(RECORD_NOTIFICATIONS)
    page.set_viewport_size({"width": 1280, "height": 600})
    login(page, pair.alpha)
    open_compose(page, "planned_operation")
    page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
    page.wait_for_function("window.scrollY > 200")  # the bottom of a long form

    posted = pair.post(pair.bravo, example("aircraft_in_distress", precedence="FLASH"))
    key = f"bravo/{posted['index']}"
    alarm = page.locator(f"[role='alert'] [data-alarm='flash/{key}']")
    expect(alarm).to_be_visible()
    expect(alarm).to_be_in_viewport()
    expect(page.locator("#alarms[role='alert']")).to_be_in_viewport()
    expect(page.locator("#link-status")).to_be_in_viewport()  # the link state too
    assert page.evaluate("window.scrollY") > 200  # the operator's place is kept

    # the tab title and the icon carry the count of unanswered FLASH and overdue notices
    expect(page).to_have_title(re.compile(r"^\(\d+\) ⚠ Compose — Hotline alpha$"))
    count = int(re.findall(r"\d+", page.title())[0])
    assert count == counted_alarms(page) >= 1
    icon = page.locator("link[rel='icon']").get_attribute("href")
    assert icon is not None and icon.startswith("data:image/svg+xml,")

    # a desktop notification (the permission was granted: nothing is asked)
    page.wait_for_function(
        "(key) => window.__notifications.some((n) => n.body && n.body.includes(key))",
        arg="FLASH from bravo",
    )
    made = page.evaluate("window.__notifications")
    assert all(not n.get("requested") for n in made)
    page.screenshot(path=artifacts / "alarm-flash-under-long-form.png")

    # a second FLASH: "Silence all" silences both; the banners stay until answered
    second = pair.post(pair.bravo, example("aircraft_in_distress", precedence="FLASH"))
    key2 = f"bravo/{second['index']}"
    expect(page).to_have_title(re.compile(rf"^\({count + 1}\) "))
    page.locator("#alarms button.silence-all").click()
    for k in (key, key2):
        expect(page.locator(f"[data-alarm='flash/{k}']")).to_have_class(re.compile("silenced"))
    ack(pair.alpha, key, "ROGER")
    ack(pair.alpha, key2, "WILCO")
    expect(page.locator(f"[data-alarm='flash/{key}']")).to_have_count(0)
    expect(page).to_have_title(re.compile(rf"^(\({count - 1}\) ⚠ )?Compose — Hotline alpha$"))


def test_a_flash_cancel_informs_and_does_not_alarm(pair: Pair, page: Page) -> None:
    login(page, pair.alpha)
    posted = pair.post(pair.bravo, example("aircraft_in_distress", precedence="FLASH"))
    key = f"bravo/{posted['index']}"
    expect(page.locator(f"[data-alarm='flash/{key}']")).to_be_visible()
    r = httpx.post(
        f"{pair.bravo.url}/v1/notices/{key}/cancel",
        json={"reason": "crew_recovered", "precedence": "FLASH"},
        headers={"Authorization": f"Bearer {pair.bravo.tokens['operator']}"},
    )
    assert r.status_code == 201, r.text
    done = r.json()
    info = page.locator(f"[data-alarm='info/bravo/{done['index']}']")
    expect(info).to_be_visible()
    expect(info).to_contain_text("for your information")
    expect(page.locator(f"[data-alarm='flash/{key}']")).to_have_count(0)
    expect(page.locator(f"[data-alarm='flash/bravo/{done['index']}']")).to_have_count(0)
    expect(info.locator("button.silence")).to_have_count(0)


def test_link_down_is_an_alarm_and_sends_meanwhile_say_not_received(
    pair: Pair, page: Page, artifacts: Path
) -> None:
    login(page, pair.alpha)
    pair.stop_node("bravo")
    try:
        banner = page.locator("#alarms [data-kind='link']")
        expect(banner).to_be_visible(timeout=20_000)
        expect(banner).to_contain_text(re.compile(r"Link down with bravo since \d{4}Z"))
        expect(banner.locator("[data-fallback]")).to_have_text(f"Fallback: {FALLBACK}")
        expect(page.locator("body")).to_have_attribute("data-alarm-sound", "on")
        expect(page.locator("[data-link='down']")).to_contain_text(re.compile(r"since \d{4}Z"))

        form = open_compose(page, "quick_distress")
        form.get_by_label("Callsign").fill("LOST 7")
        form.get_by_label("Latitude").fill("46 54.72 N")
        form.get_by_label("Longitude").fill("030 25.08 W")
        form.get_by_label("engine failure").check()
        form.get_by_role("button", name="Send notice").click()
        confirm_actual_flash(page)
        own = page.locator("li.notice[data-side='alpha']").filter(has_text="LOST 7")
        expect(own).to_be_visible()
        note = own.locator("[data-undelivered]")
        expect(note).to_contain_text(re.compile(r"Not received by bravo yet: .* since \d{4}Z"))
        expect(note).to_contain_text(f"Fallback: {FALLBACK}")
        expect(page.locator("#notice-detail [data-undelivered]")).to_be_visible()
        page.screenshot(path=artifacts / "alarm-link-down.png")
    finally:
        pair.start_node("bravo")

    expect(banner).to_have_count(0, timeout=30_000)
    expect(note).to_have_count(0)
    expect(page.locator("#notice-detail [data-undelivered]")).to_have_count(0)
    expect(own.locator("[data-state-chip]")).not_to_have_text("sent")
    page.screenshot(path=artifacts / "alarm-link-back.png")


RESPONSE_CASES = [
    ("en", "UNABLE", "WILCO"),
    ("ru", "NEGATIVE", "ROGER"),
]


@pytest.mark.parametrize(("language", "refusal", "consent"), RESPONSE_CASES)
def test_unable_and_negative_read_apart_from_roger_and_wilco(
    pair: Pair, page: Page, artifacts: Path, language: str, refusal: str, consent: str
) -> None:
    now = now_ms()
    keys = {}
    for response in (refusal, consent):
        posted = pair.post(
            pair.alpha,
            example(
                "planned_operation",
                operation_ref=f"ANS-{response}",
                window={"start": now + HOUR, "end": now + 2 * HOUR},
            ),
        )
        keys[response] = f"alpha/{posted['index']}"
    reason = "Tanker track until 1300Z."
    ack(pair.bravo, keys[refusal], refusal, reason=reason)
    ack(pair.bravo, keys[consent], consent)

    login(page, pair.alpha)
    if language == "ru":
        page.locator("#app-lang").select_option("ru")
        expect(page.locator("html")).to_have_attribute("lang", "ru")

    def chip(response: str) -> Any:
        return page.locator(f"li.notice[data-key='{keys[response]}'] .state [data-response-chip]")

    expect(chip(refusal)).to_have_attribute("data-response-chip", refusal)
    expect(chip(refusal)).to_have_class(re.compile(r"\bresponse-negative\b"))
    expect(chip(consent)).to_have_class(re.compile(r"\bresponse-positive\b"))
    colour = "(el) => getComputedStyle(el).backgroundColor"
    assert chip(refusal).evaluate(colour) != chip(consent).evaluate(colour)
    # the acknowledgement itself in its notice's thread, seen at the sender's side too
    acks = page.locator("li.notice [data-entry-kind='ack'] [data-response-chip]")
    expect(acks.locator(f"xpath=self::*[@data-response-chip='{refusal}']").first).to_have_class(
        re.compile(r"\bresponse-negative\b")
    )

    page.locator(f"li.notice[data-key='{keys[refusal]}'] h3 button").click()
    detail = page.locator("#notice-detail")
    expect(detail.locator(f"[data-response-chip='{refusal}']").first).to_have_class(
        re.compile(r"\bresponse-negative\b")
    )
    expect(detail).to_contain_text(reason)
    page.screenshot(path=artifacts / f"answers-{language}.png")
