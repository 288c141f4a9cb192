"""What the API's routes work with, handed to them by the composition root.

The routes never see the node: :func:`hotline.app.create_app` builds an :class:`ApiContext`
from the node's parts and puts it in ``app.state.api``; each route takes it through
:data:`hotline.api.deps.Api` and uses the part it needs.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..admission import Admission
from ..audit.report import NodeReports
from ..conflicts.service import ConflictService
from ..feeds.feed_tree import FeedTree
from ..feeds.logs import LogReader
from ..feeds.service import NoticeService
from ..metrics import Metrics
from ..peering.manager import PeerManager
from ..settings import Settings
from ..store.base import Store
from ..stream.session import StreamParts
from ..types import Clock, Sides


@dataclass(frozen=True)
class ApiContext:
    sides: Sides
    settings: Settings
    store: Store
    clock_ms: Clock
    trees: dict[str, FeedTree]  # each side's Merkle tree: its size and root
    notices: NoticeService
    logs: LogReader
    stream: StreamParts
    peering: PeerManager | None
    metrics: Metrics
    conflicts: ConflictService
    admission: Admission  # post rate limits and stream connection caps
    reports: NodeReports  # the node's reports of itself, one at a time
