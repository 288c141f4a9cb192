"""A connection that ends leaves nothing in reference cycles: what it held is freed when it
closes, never by the cyclic collector later (whose young collections would then walk it, a
pause on the FLASH path). With the collector disabled, connections of each kind are opened and
closed against a node served by uvicorn on uvloop (as ``hotline serve`` runs it) on a real
socket, from a client process of their own; the collector then finds (almost) nothing
unreachable. Before, each connection left some 150 objects in cycles."""

from __future__ import annotations

import asyncio
import gc
import socket
import sys
from pathlib import Path

import pytest
import uvicorn
import uvloop

from hotline.app import create_app
from hotline.auth.users import add_user
from hotline.keys import generate_keys, witness_name
from hotline.settings import Limits, PeerSettings, Settings
from hotline.wsserver import CoalescingWebSocketProtocol
from hotline_protocol.cosignature import CosignatureSigner
from hotline_protocol.note import Signer
from tests.helpers.churn import HELD
from tests.helpers.collector import collected

from .conftest import TIMEOUT

ROOT = Path(__file__).resolve().parents[2]
COUNT = 40  # connections of the kind measured
KINDS = [
    "stream",
    "auth_message",
    "auth_deadline",
    "preauth_frame",
    "too_many",
    "rest",
    "peer_preauth",
]


async def _churn(http: str, token: str, kind: str, count: int) -> None:
    """The kind's connections, from a client process (its objects are not this process's)."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.helpers.churn",
        http,
        token,
        kind,
        str(count),
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await proc.communicate()
    assert proc.returncode == 0, out.decode()


async def _unreachable_after(tmp_path: Path, kind: str) -> int:
    """Objects the collector finds unreachable after ``COUNT`` connections of ``kind`` ended
    (one round first, so that what a first connection fills once is filled)."""
    bravo = Signer.generate("bravo.hotline.example")
    settings = Settings(
        dir=tmp_path,
        side="alpha",
        origin="alpha.hotline.example",
        unit="JOC",
        nation="XAA",
        limits=Limits(
            # short only where the deadline is what closes: a client that authenticates is
            # never cut by a busy machine
            auth_timeout_s=0.5 if kind == "auth_deadline" else 60.0,
            max_connections=HELD if kind == "too_many" else 4096,
            peer_handshakes=1024,  # the peer churn opens its connections all at once
        ),
        peer=PeerSettings(  # pinned, never dialed: its endpoint takes dialers
            side="bravo",
            origin="bravo.hotline.example",
            log_vkey=bravo.vkey,
            witness_vkey=CosignatureSigner.generate(witness_name(bravo.name)).vkey,
            dial=False,
        ),
    )
    generate_keys(settings)
    app = create_app(settings)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    config = uvicorn.Config(
        app, log_config=None, lifespan="on", ws=CoalescingWebSocketProtocol, access_log=False
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        async with asyncio.timeout(TIMEOUT):
            while not server.started:
                assert not task.done(), "uvicorn failed to start"
                await asyncio.sleep(0.01)
        _, token = await add_user(app.state.node.store, "operator-1", "operator", 0)
        http = f"http://127.0.0.1:{sock.getsockname()[1]}"

        async def one_round() -> None:
            await _churn(http, token, kind, COUNT)
            # every connection's protocol and task have ended
            state = server.server_state
            async with asyncio.timeout(TIMEOUT):
                while state.connections or state.tasks or app.state.node.admission.connections:
                    await asyncio.sleep(0.01)
            await asyncio.sleep(0.2)  # timers and callbacks of the last closes have run

        await one_round()
        gc.collect()
        await one_round()
        return collected()
    finally:
        server.should_exit = True
        async with asyncio.timeout(TIMEOUT):
            await task
        sock.close()


@pytest.mark.parametrize("kind", KINDS)
def test_connections_that_end_leave_nothing_for_the_cyclic_collector(
    tmp_path: Path, collector_off: None, kind: str
) -> None:
    unreachable = uvloop.run(_unreachable_after(tmp_path, kind))
    # a connection left in cycles leaves dozens of objects (protocol, parser, session, outbox,
    # tasks, buffers): fewer than one per connection is no connection's
    assert unreachable < COUNT, f"{unreachable} objects in reference cycles after {COUNT} {kind}"
