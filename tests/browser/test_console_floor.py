"""The console on a 24-hour floor, part two: what needs me now ("Awaiting your action", soonest
first, counted; one's own notices waiting on the other side apart and quiet; only an answer we
owe alarms when late), threads (one card per notice with its acks, updates, cancels and remarks;
references by name, clickable; search across fields; the whole card opens it), answers with a
reason code read apart from ROGER and WILCO in both languages, the shift handover sheet, and no
text under 13 px. Two real nodes; each test ends in a screenshot in ``tests/artifacts/``."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect

from .conftest import TIMEOUT, Pair, RunningNode, login
from .test_console import HOUR, example, now_ms

pytestmark = pytest.mark.browser

MIN_PX = 13.0


def call(node: RunningNode, path: str, body: dict[str, Any]) -> dict[str, Any]:
    """POST ``body`` to ``path`` as the node's operator, once the node holds the entry the path
    names (an entry of the other side posted a moment ago may still be on its way)."""
    deadline = time.monotonic() + TIMEOUT
    while True:
        r = httpx.post(
            f"{node.url}{path}",
            json=body,
            headers={"Authorization": f"Bearer {node.tokens['operator']}"},
        )
        if r.status_code != 404 or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert r.status_code == 201, r.text
    result: dict[str, Any] = r.json()
    return result


def operation(ref: str, **extra: Any) -> dict[str, Any]:
    now = now_ms()
    window = extra.pop("window", {"start": now + HOUR, "end": now + 2 * HOUR})
    return example("planned_operation", operation_ref=ref, window=window, **extra)


def reference(entry: dict[str, Any]) -> dict[str, Any]:
    return {k: entry[k] for k in ("origin", "index", "leaf_hash")}


def owed_at(node: RunningNode, side: str) -> list[str]:
    """The keys of ``side``'s notices ``node`` owes an answer to, soonest deadline first (from
    the node's own listing)."""
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"side": side, "limit": 500}
        if cursor:
            params["cursor"] = cursor
        r = httpx.get(
            f"{node.url}/v1/notices",
            params=params,
            headers={"Authorization": f"Bearer {node.tokens['operator']}"},
        )
        assert r.status_code == 200, r.text
        items += r.json()["notices"]
        cursor = r.json().get("next")
        if not cursor:
            break
    open_ = [
        n
        for n in items
        if n["kind"] != "ack"
        and n["state"]["needs_ack"]
        and not n["state"]["acknowledged"]
        and not n["state"]["cancelled_by"]
        and not n["state"]["superseded_by"]
    ]
    open_.sort(key=lambda n: (n["state"]["deadline"] or float("inf"), n["notice"]["time"]))
    return [f"{n['side']}/{n['index']}" for n in open_]


def test_awaiting_your_action_lists_what_we_owe_soonest_first_and_counts_down(
    pair: Pair, page: Page, artifacts: Path
) -> None:
    routine = pair.post(pair.bravo, operation("OWE-ROUTINE", precedence="ROUTINE"))
    priority = pair.post(pair.bravo, operation("OWE-PRIORITY", precedence="PRIORITY"))
    withdrawn = pair.post(pair.bravo, operation("OWE-WITHDRAWN", precedence="PRIORITY"))
    cancel = call(pair.bravo, f"/v1/notices/bravo/{withdrawn['index']}/cancel", {"reason": "other"})
    pair.post(pair.bravo, example("liaison", text="No answer needed.", language="en"))
    own = pair.post(pair.alpha, operation("OWN-WAITS", precedence="ROUTINE"))
    login(page, pair.alpha)

    region = page.get_by_role("region", name=re.compile("^Awaiting your action"))
    rows = region.locator("li.queue-item")
    expect(rows.locator(f"xpath=self::*[@data-key='bravo/{cancel['index']}']")).to_have_count(1)
    expected = owed_at(pair.alpha, "bravo")
    assert f"bravo/{routine['index']}" in expected and f"bravo/{priority['index']}" in expected
    assert f"bravo/{withdrawn['index']}" not in expected  # cancelled: nothing owed to it
    expect(rows).to_have_count(len(expected))
    assert rows.evaluate_all("(els) => els.map((e) => e.dataset.key)") == expected
    deadlines = rows.evaluate_all("(els) => els.map((e) => Number(e.dataset.deadline))")
    assert deadlines == sorted(deadlines)
    assert expected.index(f"bravo/{priority['index']}") < expected.index(
        f"bravo/{routine['index']}"
    )
    count = region.locator("[data-awaiting-count]")
    expect(count).to_have_text(str(len(expected)))
    # our own notice waits on the other side: in the quieter list, not in ours
    waiting = page.locator("details.waiting")
    expect(waiting.locator(f"li[data-key='alpha/{own['index']}']")).to_be_attached()
    expect(rows.locator(f"xpath=self::*[@data-key='alpha/{own['index']}']")).to_have_count(0)
    page.screenshot(path=artifacts / "awaiting-your-action.png")

    # answered from its card: the count falls by one and the notice leaves the list
    key = f"bravo/{priority['index']}"
    page.locator(f"li.notice[data-key='{key}']").get_by_role("button", name="WILCO").click()
    expect(count).to_have_text(str(len(expected) - 1))
    expect(rows.locator(f"xpath=self::*[@data-key='{key}']")).to_have_count(0)
    assert key not in owed_at(pair.alpha, "bravo")
    page.screenshot(path=artifacts / "awaiting-your-action-answered.png")


def test_an_answer_we_owe_past_its_deadline_alarms_and_our_own_does_not(
    pair: Pair, page: Page, artifacts: Path
) -> None:
    login(page, pair.alpha)
    # alpha's IMMEDIATE deadline is 3 s in these tests, for its own and for bravo's notices
    ours = pair.post(pair.alpha, operation("LATE-OURS", precedence="IMMEDIATE"))
    theirs = pair.post(pair.bravo, operation("LATE-THEIRS", precedence="IMMEDIATE"))
    alarm = page.locator(f"#alarms [data-alarm='overdue/bravo/{theirs['index']}']")
    expect(alarm).to_contain_text(
        "Overdue: bravo is waiting for our answer to Planned operation LATE-THEIRS"
    )
    expect(page.locator("body")).to_have_attribute("data-alarm-sound", "on")
    own_row = page.locator(f"details.waiting li[data-key='alpha/{ours['index']}']")
    expect(own_row).to_contain_text("overdue by")
    expect(page.locator(f"[data-alarm='overdue/alpha/{ours['index']}']")).to_have_count(0)
    page.screenshot(path=artifacts / "overdue-owed-alarm.png")
    page.locator(f"li.notice[data-key='bravo/{theirs['index']}']").get_by_role(
        "button", name="ROGER"
    ).click()
    expect(alarm).to_have_count(0)


@pytest.mark.parametrize("language", ["en", "ru"])
def test_an_unable_with_a_reason_code_reads_apart_from_a_wilco_at_the_sender(
    pair: Pair, page: Page, page_b: Page, artifacts: Path, language: str
) -> None:
    refused = pair.post(pair.alpha, operation(f"RC-UNABLE-{language}"))
    agreed = pair.post(pair.alpha, operation(f"RC-WILCO-{language}"))
    call(pair.bravo, f"/v1/notices/alpha/{agreed['index']}/ack", {"response": "WILCO"})
    login(page_b, pair.bravo)
    login(page, pair.alpha)
    labels = {
        "en": ("airspace conflict", "Send UNABLE", "Reason code"),
        "ru": ("конфликт в воздушном пространстве", "Отправить UNABLE", "Код причины"),
    }[language]
    if language == "ru":
        for p in (page, page_b):
            p.locator("#app-lang").select_option("ru")
            expect(p.locator("html")).to_have_attribute("lang", "ru")

    # bravo refuses through the dialog: a code from the list, in its language, and a few words
    key = f"alpha/{refused['index']}"
    their_card = page_b.locator(f"li.notice[data-key='{key}']")
    their_card.get_by_role("button", name="UNABLE…").click()
    dialog = their_card.locator("form.unable-form")
    dialog.get_by_label(labels[2]).select_option(label=labels[0])
    dialog.get_by_role("textbox").fill("Tanker track.")
    dialog.get_by_role("button", name=labels[1]).click()
    expect(their_card.locator("[data-state-chip]")).to_have_attribute(
        "data-state-chip", "acknowledged"
    )

    def chip(notice: dict[str, Any]) -> Any:
        return page.locator(
            f"li.notice[data-key='alpha/{notice['index']}'] .state [data-response-chip]"
        )

    expect(chip(refused)).to_have_attribute("data-response-chip", "UNABLE")
    expect(chip(refused)).to_have_class(re.compile(r"\bresponse-negative\b"))
    expect(chip(agreed)).to_have_class(re.compile(r"\bresponse-positive\b"))
    colour = "(el) => getComputedStyle(el).backgroundColor"
    assert chip(refused).evaluate(colour) != chip(agreed).evaluate(colour)
    entry = page.locator(f"li.notice[data-key='{key}'] [data-entry-kind='ack']")
    expect(entry.locator("[data-reason-code]")).to_have_text(labels[0])
    expect(entry).to_contain_text("Tanker track.")
    page.locator(f"li.notice[data-key='{key}'] h3 button").click()
    detail = page.locator("#notice-detail")
    expect(detail.locator("[data-reason-code='airspace_conflict']").first).to_have_text(labels[0])
    stored = httpx.get(
        f"{pair.alpha.url}/v1/notices/{key}",
        headers={"Authorization": f"Bearer {pair.alpha.tokens['operator']}"},
    ).json()
    assert stored["state"]["acknowledged"]["reason_code"] == "airspace_conflict"
    page.screenshot(path=artifacts / f"reason-code-{language}.png")


def test_a_notice_with_two_acks_an_update_and_a_cancel_is_one_card(
    pair: Pair, page: Page, artifacts: Path
) -> None:
    first = pair.post(pair.bravo, operation("THREAD-1", callsigns=["VIPER 77"]))
    acks = [
        call(pair.alpha, f"/v1/notices/bravo/{first['index']}/ack", {"response": response})
        for response in ("ROGER", "WILCO")
    ]
    remark = pair.post(
        pair.alpha,
        example(
            "liaison", text="Our tanker keeps north.", language="en", regarding=[reference(first)]
        ),
    )
    update = pair.post(
        pair.bravo,
        operation("THREAD-1B", callsigns=["VIPER 77"], supersedes=reference(first)),
    )
    cancel = call(
        pair.bravo, f"/v1/notices/bravo/{update['index']}/cancel", {"reason": "operation_complete"}
    )
    pair.post(pair.bravo, operation("THREAD-OTHER", callsigns=["COBRA 5"]))
    login(page, pair.alpha)

    keys = [f"bravo/{first['index']}", f"bravo/{update['index']}", f"bravo/{cancel['index']}"]
    keys += [f"alpha/{a['index']}" for a in acks] + [f"alpha/{remark['index']}"]
    card = page.locator(f"li.notice[data-key='{keys[0]}']")
    expect(card).to_have_attribute("data-head", keys[1])
    for key in keys:  # every entry of the thread is in this one card, none has a card of its own
        expect(page.locator(f"li.notice[data-keys~='{key}']")).to_have_count(1)
        if key != keys[0]:
            expect(page.locator(f"li.notice[data-key='{key}']")).to_have_count(0)
    entries = card.locator("ol.thread > li")
    expect(entries).to_have_count(5)  # first version, two acks, the remark, the cancel
    expect(card.locator("[data-entry-kind='ack'] [data-response-chip]")).to_have_count(2)
    expect(card.locator("[data-entry-kind='cancel']")).to_contain_text("operation complete")
    expect(card.locator("[data-entry-kind='liaison']")).to_contain_text("Our tanker keeps north.")
    expect(card.locator("[data-state-chip]")).to_have_attribute("data-state-chip", "cancelled")
    # an ack of the first version names it (by operation reference) and opens it
    link = card.locator(f"[data-entry-kind='ack'] button.ref[data-ref='{keys[0]}']").first
    expect(link).to_contain_text("THREAD-1 (bravo #")
    link.click()
    expect(page.locator("#app")).to_have_attribute("data-route", f"board/{keys[0]}")
    expect(page.locator("#notice-detail h2")).to_contain_text("THREAD-1 — bravo #")
    page.screenshot(path=artifacts / "thread-one-card.png")

    # the whole card opens it: a click on its summary, or Enter on the card
    page.locator("#notice-detail").focus()
    card.locator(".summary").click()
    expect(page.locator("#notice-detail h2")).to_contain_text("THREAD-1B")
    detail = page.locator("#notice-detail")
    # cancelled: nothing left to refuse, on the card as in the details
    for where in (card, detail):
        expect(where.locator("button[data-response='ROGER']").first).to_be_visible()
        expect(where.locator("button[data-response='UNABLE']")).to_have_count(0)
        expect(where.locator("button[data-response='NEGATIVE']")).to_have_count(0)
    # the details name what the update replaces, and a click opens it
    replaced = detail.locator(f"dt:text-is('Updates') + dd button.ref[data-ref='{keys[0]}']")
    expect(replaced).to_have_attribute("title", re.compile("THREAD-1 "))
    replaced.click()
    expect(detail.locator("h2")).to_contain_text("THREAD-1 — bravo #")
    page.locator(f"li.notice[data-key='{keys[0]}'] > article").press("Enter")
    expect(card).to_have_class(re.compile(r"\bselected\b"))

    # search by callsign (any case), by text of a remark in the thread, by author's unit
    search = page.get_by_role("searchbox", name="Search")
    search.fill("viper 77")
    expect(page.locator("#notice-list li.notice")).to_have_count(1)
    expect(page.locator("#notice-list li.notice")).to_have_attribute("data-key", keys[0])
    search.fill("tanker keeps north")
    expect(page.locator("#notice-list li.notice")).to_have_count(1)
    search.fill("cobra 5")
    expect(page.locator("#notice-list li.notice")).to_have_count(1)
    expect(page.locator("#notice-list li.notice")).to_contain_text("THREAD-OTHER")
    search.fill("no such words anywhere")
    expect(page.locator("#notice-list li.notice")).to_have_count(0)
    search.fill("viper 77")
    page.screenshot(path=artifacts / "thread-search.png")


def test_the_handover_sheet_lists_open_and_overdue_items_and_prints_alone(
    pair: Pair, page: Page, artifacts: Path
) -> None:
    now = now_ms()
    late = pair.post(pair.alpha, operation("HO-LATE", precedence="IMMEDIATE"))
    active = pair.post(
        pair.bravo,
        operation("HO-ACTIVE", window={"start": now - HOUR, "end": now + 3 * HOUR}),
    )
    login(page, pair.alpha)
    late_key, active_key = f"alpha/{late['index']}", f"bravo/{active['index']}"
    expect(page.locator(f"details.waiting li[data-key='{late_key}']")).to_contain_text("overdue")
    page.get_by_role("button", name="Shift handover").click()
    sheet = page.get_by_role("dialog", name=re.compile("^Shift handover"))
    expect(sheet).to_be_visible()

    def part(name: str) -> Any:
        return sheet.locator(f"[data-part='{name}']")

    expect(part("owed").locator(f"li[data-key='{active_key}']")).to_contain_text("HO-ACTIVE")
    expect(part("waiting").locator(f"li[data-key='{late_key}']")).to_contain_text("HO-LATE")
    expect(part("overdue").locator(f"li[data-key='{late_key}']")).to_contain_text(
        "bravo owes the answer"
    )
    expect(part("overdue").locator(f"li[data-key='{active_key}']")).to_have_count(0)
    expect(part("volumes").locator(f"li[data-key='{active_key}']")).to_contain_text("active now")
    expect(part("line")).to_contain_text("Link up")
    for name in ("owed", "waiting", "overdue"):
        keys = part(name).locator("li").evaluate_all("(els) => els.map((e) => e.dataset.key)")
        expected = owed_at(pair.alpha, "bravo") if name == "owed" else None
        if expected is not None:
            assert keys == expected
    page.screenshot(path=artifacts / "handover.png", full_page=True)

    page.emulate_media(media="print")  # printed: the sheet alone
    expect(page.locator("#app")).to_be_hidden()
    expect(sheet).to_be_visible()
    expect(sheet.get_by_role("button", name="Print")).to_be_hidden()
    page.screenshot(path=artifacts / "handover-print.png", full_page=True)
    page.emulate_media(media="screen")
    sheet.get_by_role("button", name="Close").click()
    expect(sheet).to_have_count(0)


SMALL_TEXT = """
() => {
  const small = [];
  const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walk.nextNode(); node; node = walk.nextNode()) {
    const el = node.parentElement;
    if (!node.textContent.trim() || !el || el.closest('svg')) continue;
    if (!el.getClientRects().length || el.closest('.sr-only, [hidden]')) continue;
    const style = getComputedStyle(el);
    if (style.visibility === 'hidden' || style.display === 'none') continue;
    const px = parseFloat(style.fontSize);
    const what = `${el.tagName.toLowerCase()}.${el.className}`;
    if (px < MIN) small.push(`${px}px ${what}: ${node.textContent.trim().slice(0, 40)}`);
  }
  return small;
}
""".replace("MIN", str(MIN_PX))


def test_no_text_under_13_px_in_either_language(pair: Pair, page: Page, artifacts: Path) -> None:
    theirs = pair.post(pair.bravo, operation("SIZE-1", precedence="PRIORITY"))
    ours = pair.post(pair.alpha, operation("SIZE-2"))
    call(
        pair.alpha,
        f"/v1/notices/bravo/{theirs['index']}/ack",
        {"response": "NEGATIVE", "reason_code": "weather"},
    )
    call(pair.bravo, f"/v1/notices/alpha/{ours['index']}/ack", {"response": "WILCO"})
    login(page, pair.alpha)
    found: dict[str, list[str]] = {}
    for language in ("en", "ru"):
        page.locator("#app-lang").select_option(language)
        expect(page.locator("html")).to_have_attribute("lang", language)
        for view in ("board", "map", "conflicts", "audit", "compose"):
            page.evaluate(f"location.hash = '#{view}'")
            expect(page.locator("#app")).to_have_attribute("data-route", re.compile(f"^{view}"))
            if view == "board":
                page.locator(f"li.notice[data-key='bravo/{theirs['index']}'] h3 button").click()
                page.locator("details.waiting > summary").click()
            found.update({f"{language} {view}: {s}": [] for s in page.evaluate(SMALL_TEXT)})
        page.evaluate("location.hash = '#board'")
        page.get_by_role("button", name=re.compile("Shift handover|Передача смены")).click()
        found.update({f"{language} handover: {s}": [] for s in page.evaluate(SMALL_TEXT)})
        page.screenshot(path=artifacts / f"type-sizes-handover-{language}.png")
        page.locator("#handover [data-close]").click()
        page.screenshot(path=artifacts / f"type-sizes-board-{language}.png")
    assert not found, sorted(found)


LABEL_BOXES = """
(svg) => [...svg.querySelectorAll('text.feature-label')].map((el) => {
  const r = el.getBoundingClientRect();
  return { text: el.textContent, x0: r.left, y0: r.top, x1: r.right, y1: r.bottom };
})
"""


def test_the_map_shows_what_applies_now_with_altitudes_in_labels_apart(
    pair: Pair, page: Page, artifacts: Path
) -> None:
    from .test_console_conflicts import fl, square

    now = now_ms()
    active = {"start": now - HOUR, "end": now + 2 * HOUR}
    block = {"lower": fl(100), "upper": fl(200)}
    area = square(-12.0, 61.0, -11.0, 62.0)  # a corner of the map no other test draws in
    ops = [
        pair.post(
            pair.bravo,
            operation(ref, areas=[area], vertical_block=block, window=active, precedence="ROUTINE"),
        )
        for ref in ("MAP-LBL-1", "MAP-LBL-2", "MAP-LBL-3")
    ]
    later = pair.post(
        pair.bravo,
        operation(
            "MAP-LATER",
            areas=[area],
            window={"start": now + 5 * HOUR, "end": now + 6 * HOUR},
            precedence="ROUTINE",
        ),
    )
    distress = example("aircraft_in_distress", precedence="PRIORITY")
    distress["last_position"].update(lat=-11.5, lon=61.5, time=now - 60_000, uncertainty_m=50)
    distress["aircraft"]["callsign"] = "MAP-DIS 1"
    distress.pop("last_contact", None)
    mayday = pair.post(pair.bravo, distress)
    refuse = {"response": "UNABLE", "reason_code": "weather"}
    call(pair.alpha, f"/v1/notices/bravo/{ops[1]['index']}/ack", refuse)
    login(page, pair.alpha)

    # opened on one operation: it is highlighted, in the list too, and framed with its neighbours
    key = f"bravo/{ops[0]['index']}"
    page.evaluate(f"location.hash = '#map/{key}'")
    svg = page.locator("svg.map-svg")
    focused = svg.locator(f"g.feature.focus[data-key='{key}']")
    expect(focused).to_have_count(1)
    expect(page.locator(f".feature-list li.selected[data-key='{key}']")).to_be_visible()
    stroke = focused.locator("path.area").evaluate("(el) => getComputedStyle(el).stroke")
    plain = svg.locator(f"g.feature[data-key='bravo/{ops[2]['index']}'] path.area")
    assert stroke != plain.evaluate("(el) => getComputedStyle(el).stroke")

    # a refusal reads apart on the map as on the board
    refused = svg.locator(f"g.feature[data-key='bravo/{ops[1]['index']}']")
    expect(refused).to_have_class(re.compile(r"\banswer-negative\b"))
    expect(svg.locator(f"g.feature[data-key='bravo/{ops[2]['index']}']")).not_to_have_class(
        re.compile(r"\banswer-negative\b")
    )
    dash = "(el) => getComputedStyle(el).strokeDasharray"
    assert refused.locator("path.area").evaluate(dash) != plain.evaluate(dash)

    # what applies now only, by default: the later window is not drawn until asked for
    expect(page.get_by_label("Only what applies at this time")).to_be_checked()
    expect(svg.locator(f"g.feature[data-key='bravo/{later['index']}']")).to_have_count(0)

    # labels name the block; three operations in one place: no two labels overlap
    labels = svg.locator("text.feature-label")
    expect(labels.filter(has_text="MAP-LBL-1 FL100\N{EN DASH}FL200")).to_have_count(1)
    boxes = svg.evaluate(LABEL_BOXES)
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            apart = (
                a["x1"] <= b["x0"] or b["x1"] <= a["x0"] or a["y1"] <= b["y0"] or b["y1"] <= a["y0"]
            )
            assert apart, (a, b)
    hidden = svg.locator("g.feature[data-label-hidden='true']").count()
    assert len(boxes) + hidden >= 4  # every label placed or left out, none drawn over another

    # a 50 m uncertainty is still drawn around the position at this zoom
    ring = svg.locator(f"g.feature[data-key='bravo/{mayday['index']}'] circle.uncertainty")
    expect(ring).to_be_visible()
    size = ring.bounding_box()
    assert size is not None and size["width"] >= 8
    page.screenshot(path=artifacts / "map-labels-now.png")

    page.get_by_label("Only what applies at this time").uncheck()
    expect(svg.locator(f"g.feature[data-key='bravo/{later['index']}']")).to_have_count(1)
    expect(svg.locator(f"g.feature[data-key='bravo/{later['index']}']")).to_have_attribute(
        "data-active", "false"
    )
