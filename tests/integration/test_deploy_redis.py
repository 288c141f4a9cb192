"""The shipped Redis configuration is one the node accepts."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import redis

from hotline.store import open_store
from tests.helpers.redis_server import free_port

CONF = Path(__file__).parents[2] / "deploy" / "redis" / "redis.conf"


async def test_node_opens_a_store_on_the_shipped_redis_config(tmp_path: Path) -> None:
    port = free_port()
    proc = subprocess.Popen(
        ["redis-server", str(CONF), "--port", str(port), "--dir", str(tmp_path)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        client = redis.Redis(host="127.0.0.1", port=port)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                assert time.monotonic() < deadline, "redis-server did not start"
                time.sleep(0.05)
        client.close()
        store = open_store(f"redis://127.0.0.1:{port}/0")
        await store.open()
        await store.set_meta("probe", "ok")
        assert await store.get_meta("probe") == "ok"
        await store.close()
    finally:
        proc.terminate()
        proc.wait(10)
