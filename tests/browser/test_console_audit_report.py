"""The report of the line in the auditor view, in real Chromium against two real nodes: a notice
posted at bravo and acknowledged at alpha, told by alpha's node (GET /v1/audit/report) and drawn
by the console in sentences, in English and in Russian, with the verdict and an "as of" time.
Screenshots are saved to ``tests/artifacts/``."""

from __future__ import annotations

import json
import re
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Locator, Page, expect

from .conftest import TIMEOUT, Pair, RunningNode, login, wait_until

pytestmark = pytest.mark.browser

EXAMPLES = Path(__file__).resolve().parents[1] / "protocol" / "examples"
JS = Path(__file__).resolve().parent / "js"
UNNAMED_CONTROLS = (JS / "unnamed_controls.js").read_text()
LOW_CONTRAST = (JS / "low_contrast.js").read_text()
REPORT_TEXT = [
    ".report h3",
    ".report h4",
    ".report label",
    ".report button",
    ".report .hint",
    ".report .as-of",
    ".verdict-result",
    ".verdict-text",
    ".report-sides li",
    ".report-notices li",
    ".report-list li",
]
HOUR = 3_600_000


def now_ms() -> int:
    return time.time_ns() // 1_000_000


def delivered(node: RunningNode) -> bool:
    index = node.node.index
    return index.delivered_size(node.side) == index.size(node.side)


def operation(ref: str) -> dict[str, Any]:
    """The example planned operation (PRIORITY) as a fresh notice, window from now."""
    notice: dict[str, Any] = json.loads((EXAMPLES / "planned_operation.json").read_text())
    for name in ("id", "time", "author", "expires", "supersedes"):
        notice.pop(name, None)
    now = now_ms()
    notice.update(operation_ref=ref, window={"start": now, "end": now + 2 * HOUR})
    return notice


def posted_and_acknowledged(pair: Pair, ref: str) -> tuple[dict[str, Any], int]:
    """Bravo posts a planned operation, alpha's operator answers WILCO; both are delivered.
    Returns what the node answered to the post, and the ack's index.

    A liaison goes first so that bravo's witnessed time brackets the operation from both ends
    (the first entry of a feed has no cosignature before it), and the ack can be judged in time.
    """
    liaison = {"kind": "liaison", "status": "exercise", "text": "Line check.", "language": "en"}
    pair.post(pair.bravo, liaison)
    wait_until(lambda: delivered(pair.bravo), "alpha cosigned bravo's liaison")
    posted = pair.post(pair.bravo, operation(ref))
    index = posted["index"]
    wait_until(lambda: delivered(pair.bravo), "alpha cosigned bravo's operation")
    r = httpx.post(
        f"{pair.alpha.url}/v1/notices/bravo/{index}/ack",
        json={"response": "WILCO"},
        headers={"Authorization": f"Bearer {pair.alpha.tokens['operator']}"},
        timeout=TIMEOUT,
    )
    assert r.status_code == 201, r.text
    wait_until(lambda: delivered(pair.alpha), "bravo cosigned alpha's ack")
    return posted, r.json()["index"]


def open_report(page: Page, pair: Pair) -> Locator:
    login(page, pair.alpha, "auditor")
    page.get_by_role("link", name="Audit").click()
    report = page.locator("section.report")
    expect(report).to_have_attribute("data-report", "ready")
    return report


def test_auditor_reads_the_verdict_and_the_notices_in_sentences(
    pair: Pair, page: Page, artifacts: Path
) -> None:
    posted, ack = posted_and_acknowledged(pair, "OP-REPORT-EN")
    index = posted["index"]
    report = open_report(page, pair)

    verdict = report.locator("[data-verdict]")
    expect(verdict).to_have_attribute("data-verdict", "PASS")
    expect(verdict).to_contain_text("PASS — every check passed")
    expect(report.locator(".report-sides li[data-side='bravo']")).to_contain_text(
        "keys pinned by its card"
    )

    sentence = report.locator(f".report-notices li[data-key='bravo/{index}']")
    expect(sentence).to_have_attribute("data-ack-state", "in_time")
    expect(sentence).to_contain_text(f"bravo #{index}, a planned operation OP-REPORT-EN (")
    expect(sentence).to_contain_text("by bravo/operator-bravo (JOC BRAVO, XBB; PRIORITY, exercise)")
    expect(sentence).to_contain_text(
        re.compile(r"claimed \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ, was appended (between|within)")
    )
    expect(sentence).to_contain_text(
        re.compile(r"delivered to alpha at \d\d:\d\d:\d\dZ \(alpha’s witness signature\)")  # noqa: RUF001
    )
    expect(sentence).to_contain_text(f"acknowledged WILCO by alpha/operator-alpha (alpha #{ack})")
    expect(sentence).to_contain_text(", in time (deadline PRIORITY 3 h from its witnessed append).")
    # the ack itself is told too, as an answer to the operation
    expect(report.locator(f".report-notices li[data-key='alpha/{ack}']")).to_contain_text(
        f"an acknowledgement WILCO of bravo #{index}"
    )
    expect(report.locator("[data-report-list='outages']")).to_contain_text("Outages of the line")
    expect(report.locator("[data-report-list='implausible']")).to_be_visible()
    expect(report.locator("[data-report-list='evidence']")).to_be_visible()
    # the views below the report are still there
    expect(page.locator("[data-consistency]")).to_be_visible()
    expect(page.locator(".log-table")).to_be_visible()
    assert page.evaluate(UNNAMED_CONTROLS) == []
    assert page.evaluate(LOW_CONTRAST, REPORT_TEXT) == []
    page.screenshot(path=artifacts / "audit-report.png", full_page=True)

    # as of a time before the operation was posted: the node tells what could be proven then
    at = (posted["notice"]["time"] // 1000 - 1) * 1000
    field = report.get_by_label("As of (UTC)")
    field.fill(datetime.fromtimestamp(at / 1000, UTC).strftime("%Y-%m-%d %H:%M:%S"))
    field.press("Enter")
    expect(report).to_have_attribute("data-as-of", str(at))
    expect(report).to_have_attribute("data-report", "ready")
    expect(report.locator(f".report-notices li[data-key='bravo/{index}']")).to_have_count(0)
    expect(report.locator(".as-of")).to_contain_text("what both sides could prove at that time")
    expect(report.locator("[data-left-out]")).to_contain_text("not yet witnessed at that time")
    report.get_by_role("button", name="Latest").click()
    expect(report.locator(f".report-notices li[data-key='bravo/{index}']")).to_contain_text(
        ", in time"
    )
    expect(report.get_by_label("As of (UTC)")).to_have_value("")

    report.get_by_label("As of (UTC)").fill("yesterday-ish")
    report.get_by_label("As of (UTC)").press("Enter")
    expect(report.locator(".report-at .field-error")).to_contain_text("Cannot read this time")

    page.set_viewport_size({"width": 768, "height": 1024})  # a tablet held upright
    expect(report.locator(f".report-notices li[data-key='bravo/{index}']")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 768


# words of the Russian sentence that are not Russian: names, codes and units kept as they are
KEPT = {
    "alpha", "bravo", "operator", "OP", "REPORT", "RU", "JOC", "BRAVO", "XBB",
    "WILCO", "PRIORITY", "ROUTINE", "AMSL", "FL280", "VIPER", "TEXACO",
}  # fmt: skip


def test_the_report_reads_in_russian(pair: Pair, page: Page, artifacts: Path) -> None:
    posted, ack = posted_and_acknowledged(pair, "OP-REPORT-RU")
    index = posted["index"]
    report = open_report(page, pair)
    expect(report.locator(f".report-notices li[data-key='bravo/{index}']")).to_be_visible()

    page.locator("header").get_by_label("Language").select_option("ru")
    expect(report.locator("h3#report-heading")).to_have_text("Отчёт о линии")  # noqa: RUF001
    verdict = report.locator("[data-verdict]")
    expect(verdict).to_have_attribute("data-verdict", "PASS")
    expect(verdict).to_contain_text("PASS — пройдено: все проверки пройдены")
    sentence = report.locator(f".report-notices li[data-key='bravo/{index}']")
    expect(sentence).to_contain_text(
        f"Сообщение bravo №{index} — планируемая операция OP-REPORT-RU ("
    )
    expect(sentence).to_contain_text("воздушное патрулирование")
    expect(sentence).to_contain_text(
        "автор bravo/operator-bravo (JOC BRAVO, XBB; PRIORITY (срочно), учения)"
    )
    expect(sentence).to_contain_text(re.compile(r"внесено в журнал (между|в течение секунды)"))
    expect(sentence).to_contain_text(
        re.compile(r"доставлено стороне alpha в \d\d:\d\d:\d\dZ \(подпись свидетеля alpha\)")
    )
    expect(sentence).to_contain_text(
        f"подтверждено WILCO (выполню): alpha/operator-alpha (alpha №{ack})"
    )
    expect(sentence).to_contain_text(
        ", в срок (срок для PRIORITY (срочно): 3 ч от засвидетельствованного внесения в журнал)."
    )
    expect(report.get_by_label("По состоянию на (UTC)")).to_be_visible()
    expect(report.locator("[data-report-list='outages'] h4")).to_contain_text("Перерывы линии")

    # no English left in the sentences: every Latin word is a name, a code or a unit kept as is
    texts = [sentence.inner_text(), verdict.inner_text()]
    texts.append(report.locator(f".report-notices li[data-key='alpha/{ack}']").inner_text())
    for text in texts:
        bare = re.sub(r"\d{4}-\d\d-\d\d|\d\d:\d\d:\d\dZ|\d{6}Z[A-Z]{3}\d\d", " ", text)
        words = set(re.findall(r"[A-Za-z][A-Za-z0-9]*", bare))
        assert words <= KEPT | {"PASS", "XAA", "ALPHA"}, (words - KEPT, text)
    missing = page.evaluate("async () => [...(await import('/console/js/i18n.js')).missing]")
    assert missing == []
    # drawn again in Russian, the log below still lists each entry once
    size = pair.alpha.node.index.size("alpha")
    expect(page.locator(".log-table tbody tr")).to_have_count(min(size, 50))
    page.screenshot(path=artifacts / "audit-report-ru.png", full_page=True)

    page.locator("header").get_by_label("Язык").select_option("en")
    expect(sentence).to_contain_text(", in time")
