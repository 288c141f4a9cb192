"""``/metrics`` exports what the alert rules in deploy/prometheus use: the store's write time and
the overdue notices, besides the feed sizes."""

from __future__ import annotations

import re

from .conftest import NodeApp


def sample(text: str, name: str) -> float:
    found = re.search(rf"^{re.escape(name)} (\S+)$", text, re.MULTILINE)
    assert found is not None, f"no {name} in the metrics"
    return float(found[1])


async def test_metrics_export_store_write_time_and_overdue_notices(node_app: NodeApp) -> None:
    headers = await node_app.headers("auditor")
    before = (await node_app.client.get("/metrics", headers=headers)).text
    assert sample(before, "hotline_store_write_seconds_count") == 0
    await node_app.post_liaisons(30)
    text = (await node_app.client.get("/metrics", headers=headers)).text
    batches = node_app.node.sequencer.batches
    assert batches >= 1
    assert sample(text, "hotline_store_write_seconds_count") == batches
    assert sample(text, 'hotline_store_write_seconds_bucket{le="+Inf"}') == batches
    assert sample(text, "hotline_store_write_seconds_sum") > 0
    assert sample(text, 'hotline_overdue_notices{side="alpha"}') == 0
    assert sample(text, 'hotline_feed_size{side="alpha"}') == 30
