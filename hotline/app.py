"""``create_app(settings)``: builds the node and its API; nothing happens at import time.

With :mod:`hotline.node` this is the top of the node: it wires the node's parts into the API's
context (:class:`~hotline.api.context.ApiContext`) and the ASGI app; nothing imports it but the
command line and the tests.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from .api import (
    asyncapi,
    audit,
    bundles,
    conflicts,
    errors,
    keys,
    logs,
    notices,
    openapi,
    peer,
    stream,
    system,
    users,
)
from .api.context import ApiContext
from .api.limits import BodyLimit
from .audit.report import NodeReports
from .console import mount_console
from .keys import NodeKeys, load_keys
from .metrics import Metrics
from .node import Node
from .settings import Settings
from .store import open_store
from .store.base import Store
from .stream.session import StreamParts
from .types import Clock

log = logging.getLogger("hotline.app")


def wall_clock_ms() -> int:
    return time.time_ns() // 1_000_000


def create_app(
    settings: Settings,
    *,
    store: Store | None = None,
    node_keys: NodeKeys | None = None,
    clock_ms: Clock = wall_clock_ms,
) -> FastAPI:
    """The node's ASGI app. Store, keys and clock may be passed in; by default they come from
    the settings (the store URL and the key files in the node directory)."""
    node = Node(
        settings,
        store
        if store is not None
        else open_store(
            settings.store_url,
            allow_unsafe=settings.store_unsafe,
            key_prefix=settings.store_prefix,
        ),
        node_keys if node_keys is not None else load_keys(settings),
        clock_ms,
    )
    metrics = Metrics(
        node.index,
        node.hub,
        node.sequencer,
        node.peering,
        node.evidence,
        overdue=node.deadlines.overdue,
    )
    limits = settings.limits
    api = ApiContext(
        sides=node.sides,
        settings=settings,
        store=node.store,
        clock_ms=clock_ms,
        trees=node.trees,
        notices=node.notices,
        logs=node.logs,
        stream=StreamParts(
            sides=node.sides,
            service=node.notices,
            hub=node.hub,
            index=node.index,
            store=node.store,
            clock_ms=clock_ms,
            max_bytes=limits.max_request_bytes,
            queue_size=limits.stream_queue,
            admission=node.admission,
            preauth_bytes=limits.preauth_bytes,
            auth_timeout=limits.auth_timeout_s,
        ),
        peering=node.peering,
        metrics=metrics,
        conflicts=node.conflicts,
        admission=node.admission,
        reports=NodeReports(node.store, node.sides, settings, clock_ms),
    )

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await node.start()
        try:
            yield
        finally:
            await node.stop()

    app = FastAPI(
        title=f"Hotline node {settings.side}",
        version="0.1.0",
        summary="Signed, logged and acknowledged notices between two sides sharing an airspace",
        lifespan=lifespan,
    )
    app.state.node = node  # for tests and tools that look inside a running node
    app.state.api = api
    app.add_middleware(BodyLimit, max_bytes=settings.limits.max_request_bytes)
    errors.install(app)
    for router in (
        system.router,
        notices.router,
        conflicts.router,
        logs.router,
        keys.router,
        audit.router,
        bundles.router,
        users.router,
        stream.router,
        peer.router,
        asyncapi.router,
    ):
        app.include_router(router)
    mount_console(app)
    openapi.install(app)
    return app
