"""How the node serves the console (no browser needed): headers, MIME types, the session
endpoint, no reference to anything off the node, and the outline builder."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from hotline.console import CSP, STATIC
from hotline.console.outline import SCALE, build

from .conftest import FALLBACK, Pair

MEDIA = {
    "/": "text/html; charset=utf-8",
    "/console/js/main.js": "text/javascript; charset=utf-8",
    "/console/js/i18n/ru.js": "text/javascript; charset=utf-8",
    "/console/css/base.css": "text/css; charset=utf-8",
    "/console/img/icon.svg": "image/svg+xml",
    "/console/data/outline.json": "application/json",
}


@pytest.mark.parametrize(("path", "media"), MEDIA.items())
def test_console_files_are_served_with_a_strict_policy(pair: Pair, path: str, media: str) -> None:
    r = httpx.get(f"{pair.alpha.url}{path}")
    assert r.status_code == 200
    assert r.headers["content-type"] == media
    assert r.headers["cache-control"] == "no-cache"
    assert r.headers["content-security-policy"] == CSP
    assert r.headers["x-content-type-options"] == "nosniff"


def test_the_policy_names_no_other_origin() -> None:
    assert "http" not in CSP and "*" not in CSP and "unsafe" not in CSP
    assert "default-src 'none'" in CSP and "connect-src 'self'" in CSP


def test_unknown_console_files_and_api_paths_stay_json_errors(pair: Pair) -> None:
    r = httpx.get(f"{pair.alpha.url}/console/js/nope.js")
    assert r.status_code == 404 and r.json()["error"] == "not_found"
    r = httpx.get(f"{pair.alpha.url}/v1/nothing-here")
    assert r.status_code == 404 and r.json()["error"] == "not_found"
    assert httpx.get(f"{pair.alpha.url}/console/../hotline.toml").status_code == 404


def test_nothing_is_loaded_from_elsewhere() -> None:
    allowed = {"http://www.w3.org/2000/svg"}  # an XML namespace name, never fetched
    found = []
    for path in STATIC.rglob("*"):
        if path.suffix in {".html", ".js", ".css", ".svg"}:
            for url in re.findall(r"(?:https?:)?//[\w.-]+\.[a-z]{2,}[^\s'\")]*", path.read_text()):
                if url not in allowed:
                    found.append((path.name, url))
    assert found == []


def test_session_tells_the_console_who_and_where(pair: Pair) -> None:
    url = f"{pair.alpha.url}/console/session"
    assert httpx.get(url).status_code == 401

    def get(role: str) -> httpx.Response:
        return httpx.get(url, headers={"Authorization": f"Bearer {pair.alpha.tokens[role]}"})

    body: dict[str, Any] = get("operator").json()
    assert (body["user"], body["role"], body["side"]) == ("operator-alpha", "operator", "alpha")
    assert body["permissions"] == ["metrics", "post", "read"]
    assert (body["nation"], body["unit"]) == ("XAA", "JOC ALPHA")
    assert body["peer"] == {"side": "bravo", "origin": "bravo.hotline.example"}
    assert body["deadlines"]["FLASH"] == 300
    assert body["fallback"] == FALLBACK  # the voice fallback named while the link is down
    assert body["mode"] == "operational"  # not an exercise node: no banner, status "actual"
    assert "export" in get("auditor").json()["permissions"]
    assert get("admin").status_code == 403


def test_outline_builder_keeps_coast_rings_and_shared_borders() -> None:
    # two squares side by side sharing one edge: arcs 0 and 1 are coast, arc 2 the border
    topo: dict[str, Any] = {
        "transform": {"scale": [0.5, 0.5], "translate": [10, 40]},
        "arcs": [
            [[2, 0], [-2, 0], [0, 2], [2, 0]],  # left square's coast, from (11,40)
            [[2, 2], [2, 0], [0, -2], [-2, 0]],  # right square's coast, from (11,41)
            [[2, 0], [0, 2]],  # the shared edge (11,40) -> (11,41)
        ],
        "objects": {
            "countries": {
                "type": "GeometryCollection",
                "geometries": [
                    {"type": "Polygon", "arcs": [[0, ~2]]},
                    {"type": "Polygon", "arcs": [[1, 2]]},
                ],
            },
            "land": {
                "type": "GeometryCollection",
                "geometries": [{"type": "Polygon", "arcs": [[0, 1]]}],
            },
        },
    }
    out = build(topo)
    assert out["scale"] == SCALE and "Natural Earth" in out["source"]
    assert len(out["land"]) == 1 and len(out["borders"]) == 1
    border = out["borders"][0]
    assert border[:2] == [11 * SCALE, 40 * SCALE]  # first point absolute
    assert border[2:] == [0, 1 * SCALE]  # then deltas
