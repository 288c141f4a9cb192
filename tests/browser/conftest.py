"""Browser tests: two real nodes (alpha dials bravo) and Debian's Chromium driven by Playwright.

``pair`` runs both nodes for the whole session behind real uvicorn servers on 127.0.0.1, in a
background thread with its own event loop (Playwright's sync API owns the test thread). Each node
has an operator, an auditor and an admin. ``browser`` is Chromium from ``/usr/bin/chromium``
(``scripts/setup`` installs it through apt); ``page`` is a fresh context per test, 1280 by 800
pixels, that accepts downloads; ``page_b`` is a second one (the other side's operator).
Screenshots go to ``tests/artifacts/`` (ignored by git).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import socket
import threading
import time
from collections.abc import Callable, Coroutine, Iterator
from concurrent.futures import Future
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
import uvicorn
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright
from playwright.sync_api import expect as pw_expect

from hotline.app import create_app
from hotline.auth.users import add_user
from hotline.keys import generate_keys, load_keys
from hotline.node import Node
from hotline.settings import Deadlines, PeerSettings, Settings
from hotline.wsserver import CoalescingWebSocketProtocol

CHROMIUM = os.environ.get("HOTLINE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
TIMEOUT = 20.0
IMMEDIATE_DEADLINE = 3.0  # alpha's IMMEDIATE notices are overdue after 3 s (the overdue alarm)
FALLBACK = "Secure phone +1 555 0100, then HF 8.992 MHz"  # alpha's voice fallback

T = TypeVar("T")

pw_expect.set_options(timeout=15_000)


@dataclass
class RunningNode:
    side: str
    settings: Settings
    node: Node
    port: int
    tokens: dict[str, str] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@dataclass
class Pair:
    alpha: RunningNode
    bravo: RunningNode
    loop: asyncio.AbstractEventLoop
    servers: _Servers

    def stop_node(self, side: str) -> None:
        """Stop one node (its server and its node), as a power cut would, until start_node."""
        self.servers.stop_side(side)

    def start_node(self, side: str) -> None:
        """Start a stopped node again on its port, from its directory (a restart)."""
        node = self.alpha if side == "alpha" else self.bravo
        node.node = self.servers.serve(side, node.settings, _bound_socket(node.port))
        wait_until(partial(_healthy, node.url), f"{side} serves again")

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        """Run a coroutine on the nodes' loop and wait for its result."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(TIMEOUT)

    def post(self, node: RunningNode, notice: dict[str, Any]) -> dict[str, Any]:
        """Post a notice through the REST API as that node's operator."""
        r = httpx.post(
            f"{node.url}/v1/notices",
            json=notice,
            headers={"Authorization": f"Bearer {node.tokens['operator']}"},
            timeout=TIMEOUT,
        )
        assert r.status_code == 201, r.text
        result: dict[str, Any] = r.json()
        return result


def wait_until(cond: Callable[[], bool], what: str, timeout: float = TIMEOUT) -> None:
    """Wait for a condition of the nodes (pages use Playwright's auto-waiting expect)."""
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting until {what}")
        time.sleep(0.05)


def _bound_socket(port: int = 0) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    return sock


def _settings(directory: Path, side: str, nation: str, port: int) -> Settings:
    directory.mkdir(parents=True)
    alpha = side == "alpha"
    deadlines = Deadlines(IMMEDIATE=IMMEDIATE_DEADLINE) if alpha else Deadlines()
    settings = Settings(
        fallback=FALLBACK if alpha else "",
        dir=directory,
        side=side,
        origin=f"{side}.hotline.example",
        unit=f"JOC {side.upper()}",
        nation=nation,
        url=f"http://127.0.0.1:{port}",
        deadlines=deadlines,
    )
    generate_keys(settings)
    return settings


class _Servers:
    """Both nodes' uvicorn servers on one event loop in a daemon thread."""

    def __init__(self, root: Path) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="nodes", daemon=True)
        self.servers: dict[str, uvicorn.Server] = {}
        self.tasks: dict[str, Future[None]] = {}
        self.root = root

    def serve(self, side: str, settings: Settings, sock: socket.socket) -> Node:
        """Build a node's app from its settings and serve it on ``sock``."""
        app = create_app(settings)
        config = uvicorn.Config(
            app,
            log_config=None,
            lifespan="on",
            ws=CoalescingWebSocketProtocol,
            access_log=False,
            ws_max_size=4 * 1024 * 1024,
        )
        server = uvicorn.Server(config)
        self.servers[side] = server
        self.tasks[side] = asyncio.run_coroutine_threadsafe(server.serve(sockets=[sock]), self.loop)
        node: Node = app.state.node
        return node

    def stop_side(self, side: str) -> None:
        self.servers[side].should_exit = True
        with contextlib.suppress(Exception):  # shutting down whatever happened
            self.tasks[side].result(TIMEOUT)

    def start(self) -> Pair:
        self.thread.start()
        socks = {side: _bound_socket() for side in ("alpha", "bravo")}
        ports = {side: s.getsockname()[1] for side, s in socks.items()}
        base = {
            "alpha": _settings(self.root / "alpha", "alpha", "XAA", ports["alpha"]),
            "bravo": _settings(self.root / "bravo", "bravo", "XBB", ports["bravo"]),
        }
        running: dict[str, RunningNode] = {}
        for side, other, dial in (("alpha", "bravo", True), ("bravo", "alpha", False)):
            other_keys = load_keys(base[other])
            settings = base[side].model_copy(
                update={
                    "peer": PeerSettings(
                        side=other,
                        origin=base[other].origin,
                        log_vkey=other_keys.log.vkey,
                        witness_vkey=other_keys.witness.vkey,
                        url=base[other].url,
                        dial=dial,
                    )
                }
            )
            served = self.serve(side, settings, socks[side])
            running[side] = RunningNode(side, settings, served, ports[side])
        pair = Pair(running["alpha"], running["bravo"], self.loop, self)
        for node in running.values():
            wait_until(partial(_healthy, node.url), f"{node.side} serves")
            for role in ("operator", "auditor", "admin"):
                _, token = pair.run(add_user(node.node.store, f"{role}-{node.side}", role, 0))
                node.tokens[role] = token
        wait_until(lambda: _connected(running["alpha"]), "the peer link is up")
        return pair

    def stop(self) -> None:
        for server in self.servers.values():
            server.should_exit = True
        for task in self.tasks.values():
            with contextlib.suppress(Exception):  # shutting down whatever happened
                task.result(TIMEOUT)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(TIMEOUT)
        self.loop.close()


def _healthy(url: str) -> bool:
    try:
        return httpx.get(f"{url}/healthz", timeout=2.0).status_code == 200
    except httpx.HTTPError:
        return False


def _connected(node: RunningNode) -> bool:
    return node.node.peering is not None and node.node.peering.link is not None


# per package, not per session: the nodes' keepalive pings (websockets and uvicorn) draw their
# payloads from the global random, and Hypothesis fails a test whose strategies see that state
# move while it draws; so no node thread runs once the browser tests are done
@pytest.fixture(scope="package")
def pair(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pair]:
    servers = _Servers(tmp_path_factory.mktemp("browser-nodes"))
    try:
        yield servers.start()
    finally:
        servers.stop()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="module")
def playwright_instance() -> Iterator[Playwright]:
    # per module, not per session: while Playwright's sync API runs, the thread has a running
    # event loop, and the asyncio tests of other packages must not start inside it
    with sync_playwright() as pw:
        yield pw


@pytest.fixture(scope="module")
def browser(playwright_instance: Playwright) -> Iterator[Browser]:
    executable = CHROMIUM if os.path.exists(CHROMIUM) else shutil.which("chromium")
    if executable is None:
        pytest.fail(
            f"no Chromium at {CHROMIUM}: run scripts/setup with HOTLINE_SETUP_BROWSER=1 "
            "(it installs Debian's chromium through apt)",
            pytrace=False,
        )
    browser = playwright_instance.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


def new_context(browser: Browser, width: int = 1280, height: int = 800) -> BrowserContext:
    context = browser.new_context(
        viewport={"width": width, "height": height},
        accept_downloads=True,
        locale="en-GB",
        timezone_id="UTC",
    )
    context.set_default_timeout(15_000)
    return context


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    ctx = new_context(browser)
    yield ctx
    ctx.close()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    return context.new_page()


@pytest.fixture
def page_b(browser: Browser) -> Iterator[Page]:
    """A second browser (another operator's screen), for the other side."""
    ctx = new_context(browser)
    yield ctx.new_page()
    ctx.close()


def login(page: Page, node: RunningNode, role: str = "operator") -> None:
    """Open the node's console and sign in with the role's token; waits for the board."""
    page.goto(f"{node.url}/")
    page.get_by_label("Access token").fill(node.tokens[role])
    page.get_by_role("button", name="Sign in").click()
    pw_expect(page.locator("#app")).to_be_visible()
    pw_expect(page.locator("[data-stream='live']")).to_be_visible()
    # routed once the notices have loaded: nothing is drawn again under the test's first clicks
    pw_expect(page.locator("#app[data-route]")).to_be_attached()
