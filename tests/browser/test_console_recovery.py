"""The console of a node restored from an older backup: while the peer holds more of the node's
own log than the node does, the link bar says so (and that posting is refused until the entries
are recovered), where every operator sees it. A real node, in Chromium, facing a fake peer that
claims five of its entries and does not send them back."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect

from hotline.auth.users import add_user
from hotline.keys import load_keys
from tests.helpers.fake_peer import FakeLink, FakePeer

from .conftest import (
    TIMEOUT,
    Pair,
    RunningNode,
    _bound_socket,
    _healthy,
    _settings,
    login,
    wait_until,
)
from .test_console import example

pytestmark = pytest.mark.browser


@dataclass
class Restored:
    node: RunningNode
    link: FakeLink


@pytest.fixture
def restored(pair: Pair, tmp_path: Path) -> Iterator[Restored]:
    """A bravo node with two entries of its own, facing a fake alpha that says it cosigned five."""
    fake = FakePeer()
    sock = _bound_socket()
    port = sock.getsockname()[1]
    settings = _settings(tmp_path / "restored", "bravo", "XBB", port).model_copy(
        update={"peer": fake.card()}
    )
    served = pair.servers.serve("restored", settings, sock)
    node = RunningNode("bravo", settings, served, port)
    try:
        wait_until(partial(_healthy, node.url), "the restored node serves")
        _, node.tokens["operator"] = pair.run(add_user(served.store, "operator-r", "operator", 0))
        for text in ("first", "second"):
            r = httpx.post(
                f"{node.url}/v1/notices",
                json=example("liaison", text=text),
                headers={"Authorization": f"Bearer {node.tokens['operator']}"},
                timeout=TIMEOUT,
            )
            assert r.status_code == 201, r.text
        vkey = load_keys(settings).log.vkey
        status = {"size": 0, "have": 5, "cosigned": 5}
        link = pair.run(fake.connect(f"ws://127.0.0.1:{port}/v1/peer", vkey, status=status))
        assert pair.run(link.expect("recover"))["size"] == 2
        yield Restored(node, link)
    finally:
        pair.servers.stop_side("restored")


def test_a_node_recovering_its_own_log_says_so_and_that_posting_waits(
    page: Page, restored: Restored, artifacts: Path
) -> None:
    login(page, restored.node)
    behind = page.locator(".link-behind")
    expect(behind).to_have_attribute("data-own-behind", "5")
    expect(behind).to_contain_text("alpha holds 5 of our entries")
    expect(behind).to_contain_text("posting is refused until then")
    page.screenshot(path=str(artifacts / "console-own-log-behind.png"))
