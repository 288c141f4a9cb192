"""The shipped Redis configuration is one the node accepts, and one that never rewrites its
append-only file on its own (a rewrite writes the whole data set again while the node's fsyncs
wait behind it)."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import redis

from hotline.store import open_store
from tests.helpers.redis_server import free_port

CONF = Path(__file__).parents[2] / "deploy" / "redis" / "redis.conf"


async def test_node_opens_a_store_on_the_shipped_redis_config(tmp_path: Path) -> None:
    with _shipped_redis(tmp_path) as port:
        store = open_store(f"redis://127.0.0.1:{port}/0")
        await store.open()
        await store.set_meta("probe", "ok")
        assert await store.get_meta("probe") == "ok"
        await store.close()


def test_the_shipped_redis_config_leaves_rewriting_the_append_only_file_to_the_operator(
    tmp_path: Path,
) -> None:
    """Redis's default rewrites once the file passes 64 MB; the shipped file writes on."""
    with _shipped_redis(tmp_path) as port:
        client = redis.Redis(host="127.0.0.1", port=port)
        chunk = b"x" * (1 << 20)
        for i in range(0, 80, 8):
            client.mset({f"fill:{i + j}": chunk for j in range(8)})
        time.sleep(0.5)  # Redis looks at the file's growth ten times a second
        info = client.info("persistence")
        client.close()
    assert info["aof_enabled"] == 1
    found = {
        k: info[k] for k in ("aof_rewrites", "aof_rewrite_in_progress", "aof_rewrite_scheduled")
    }
    assert found == {"aof_rewrites": 0, "aof_rewrite_in_progress": 0, "aof_rewrite_scheduled": 0}
    assert info["aof_current_size"] > 80 << 20


@contextmanager
def _shipped_redis(tmp_path: Path) -> Iterator[int]:
    """A redis-server started with the shipped file (on a free port, in ``tmp_path``)."""
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
        yield port
    finally:
        proc.terminate()
        proc.wait(10)
