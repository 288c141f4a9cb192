"""The shipped Redis configuration is one the node accepts, and one that never rewrites its
append-only file on its own (a rewrite writes the whole data set again while the node's fsyncs
wait behind it)."""

from __future__ import annotations

import time
from pathlib import Path

import redis

from hotline.store import open_store
from tests.helpers.redis_server import RedisServer

CONF = Path(__file__).parents[2] / "deploy" / "redis" / "redis.conf"


async def test_node_opens_a_store_on_the_shipped_redis_config(tmp_path: Path) -> None:
    with RedisServer(tmp_path, config=CONF) as server:
        store = open_store(server.url)
        await store.open()
        await store.set_meta("probe", "ok")
        assert await store.get_meta("probe") == "ok"
        await store.close()


def test_the_shipped_redis_config_leaves_rewriting_the_append_only_file_to_the_operator(
    tmp_path: Path,
) -> None:
    """Redis's default rewrites once the file passes 64 MB; the shipped file writes on."""
    with RedisServer(tmp_path, config=CONF) as server:
        client = redis.Redis(host="127.0.0.1", port=server.port)
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
