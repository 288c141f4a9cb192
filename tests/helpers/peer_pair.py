"""Two real nodes paired with each other (``hotline init``, ``users add``, ``pair``), each a
``hotline serve`` process, on SQLite or on one Redis (a database per node).

alpha dials bravo (optionally through a :class:`~tests.helpers.tcp_proxy.TcpProxy`, so the
link can be cut); bravo only listens unless told to dial too. Helpers read what a test checks:
feeds as entry bytes, checkpoints, link state, evidence.
"""

from __future__ import annotations

import base64
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from hotline.settings import read_config, write_config
from tests.helpers.node_process import NodeProcess, make_node_dir, run_cli
from tests.helpers.tcp_proxy import TcpProxy

ORIGINS = {"alpha": "alpha.hotline.example", "bravo": "bravo.hotline.example"}
TIMEOUT = 30.0


@dataclass
class Side:
    name: str
    directory: Path
    tokens: dict[str, str]
    process: NodeProcess

    @property
    def url(self) -> str:
        return self.process.url

    @property
    def origin(self) -> str:
        return ORIGINS[self.name]

    def card(self) -> dict[str, str]:
        lines = (self.directory / "card.txt").read_text().splitlines()[1:]
        return dict(line.split(" ", 1) for line in lines if line)

    def headers(self, role: str = "operator") -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[role]}"}

    def get(self, path: str, role: str = "auditor", **params: Any) -> Any:
        with httpx.Client(base_url=self.url, timeout=TIMEOUT) as client:
            r = client.get(path, headers=self.headers(role), params=params)
        assert r.status_code == 200, f"GET {path}: {r.status_code} {r.text}"
        return r.json() if "json" in r.headers["content-type"] else r.content

    def post(self, body: dict[str, Any], role: str = "operator") -> dict[str, Any]:
        with httpx.Client(base_url=self.url, timeout=TIMEOUT) as client:
            r = client.post("/v1/notices", json=body, headers=self.headers(role))
        assert r.status_code == 201, r.text
        result: dict[str, Any] = r.json()
        return result

    def request(self, method: str, path: str, body: dict[str, Any] | None = None) -> httpx.Response:
        with httpx.Client(base_url=self.url, timeout=TIMEOUT) as client:
            return client.request(method, path, json=body, headers=self.headers())

    def sizes(self) -> dict[str, int]:
        """Feed sizes from /healthz (0 while the node is down)."""
        try:
            with httpx.Client(base_url=self.url, timeout=5.0) as client:
                sizes: dict[str, int] = client.get("/healthz").json()["sizes"]
                return sizes
        except httpx.HTTPError:
            return {}

    def link(self) -> dict[str, Any]:
        state: dict[str, Any] = self.get("/v1/link")
        return state

    def entries(self, side: str) -> list[bytes]:
        """Every entry of ``side``'s feed as held here, as bytes."""
        size = self.get("/healthz")["sizes"][side]
        out: list[bytes] = []
        while len(out) < size:
            page = self.get(f"/v1/logs/{side}/entries", start=len(out))
            out += [base64.b64decode(e) for e in page["entries"]]
        return out

    def checkpoints(self, side: str) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        since = 0
        while True:
            page = self.get(f"/v1/logs/{side}/checkpoints", since=since)
            out += page["checkpoints"]
            if page["next"] is None:
                return out
            since = page["next"]

    def evidence(self) -> list[dict[str, Any]]:
        evidence: list[dict[str, Any]] = self.get("/v1/audit/export")["evidence"]
        return evidence


@dataclass
class Pair:
    alpha: Side
    bravo: Side
    proxy: TcpProxy | None = None

    def start(self) -> Pair:
        self.bravo.process.start()
        self.alpha.process.start()
        return self

    def stop(self) -> None:
        for side in (self.alpha, self.bravo):
            side.process.stop()
        if self.proxy is not None:
            self.proxy.stop()


def make_pair(
    tmp_path: Path,
    store_url: str | None = None,
    *,
    alpha_dials: bool = True,
    bravo_dials: bool = False,
    proxy: bool = False,
    env: dict[str, dict[str, str]] | None = None,
) -> Pair:
    """Initialise, pair and configure alpha and bravo (not started). ``store_url`` is the URL
    of a Redis both use (alpha database 0, bravo 1), or None for SQLite; ``env`` holds extra
    ``HOTLINE_*`` variables per side."""
    dirs: dict[str, Path] = {}
    tokens: dict[str, dict[str, str]] = {}
    for db, name in enumerate(("alpha", "bravo")):
        url = None if store_url is None else f"{store_url.rsplit('/', 1)[0]}/{db}"
        dirs[name], tokens[name] = make_node_dir(tmp_path, name, ORIGINS[name], url)
    for me, other in (("alpha", "bravo"), ("bravo", "alpha")):
        result = run_cli("pair", dirs[me], dirs[other] / "card.txt")
        assert result.code == 0, result.err
    tcp_proxy = None
    if proxy:
        bravo_port = read_config(dirs["bravo"])["server"]["port"]
        tcp_proxy = TcpProxy(bravo_port).start()
    for name, dials in (("alpha", alpha_dials), ("bravo", bravo_dials)):
        config = read_config(dirs[name])
        config["peer"]["dial"] = dials
        if name == "alpha" and tcp_proxy is not None:
            config["peer"]["url"] = tcp_proxy.url
        write_config(dirs[name], config)
    sides = {
        name: Side(
            name,
            dirs[name],
            tokens[name],
            NodeProcess(dirs[name], env={**os.environ, **(env or {}).get(name, {})}),
        )
        for name in ("alpha", "bravo")
    }
    return Pair(sides["alpha"], sides["bravo"], tcp_proxy)
