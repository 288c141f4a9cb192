"""A refused notice names each problem with a stable code and its parameters, beside the English
reason, so a console can say it in the operator's language; nothing is appended."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.api.conftest import NodeApp

EXAMPLES = Path(__file__).parents[1] / "protocol" / "examples"


def operation(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = json.loads((EXAMPLES / "planned_operation.json").read_text())
    for key in ("id", "time", "author", "expires"):
        body.pop(key, None)
    body.update(changes)
    return body


async def refused(node_app: NodeApp, body: Any) -> list[dict[str, Any]]:
    size = node_app.node.index.size("alpha")
    r = await node_app.client.post("/v1/notices", json=body, headers=await node_app.headers())
    assert r.status_code == 422, r.text
    assert r.json()["error"] == "invalid_notice"
    assert node_app.node.index.size("alpha") == size  # nothing appended
    problems: list[dict[str, Any]] = r.json()["detail"]
    return problems


def by_path(problems: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {p["path"]: p for p in problems}


async def test_a_window_ending_before_it_starts_is_end_before_start(node_app: NodeApp) -> None:
    now = node_app.node.clock_ms()
    body = operation(window={"start": now + 3_600_000, "end": now})
    problem = by_path(await refused(node_app, body))["window.end"]
    assert problem == {
        "path": "window.end",
        "code": "end_before_start",
        "params": {},
        "reason": "end must be after start",
    }


async def test_a_latitude_of_95_is_less_than_equal_with_its_bound(node_app: NodeApp) -> None:
    body = operation()
    body["areas"][0]["points"][1]["lat"] = 95
    problem = by_path(await refused(node_app, body))["areas.0.points.1.lat"]
    assert problem["code"] == "less_than_equal"
    assert problem["params"] == {"le": 90}
    assert "less than or equal to 90" in problem["reason"]


@pytest.mark.parametrize(
    ("change", "path", "code", "params"),
    [
        ({"operation_ref": "X" * 65}, "operation_ref", "string_too_long", {"max_length": 64}),
        ({"activity": "picnic"}, "activity", "enum", None),
        ({"remarks": None}, "remarks", "null_not_allowed", {}),
        ({"target": "x"}, "target", "extra_forbidden", {}),
        (
            {
                "vertical_block": {
                    "lower": {"value": 30000, "unit": "ft", "reference": "AMSL"},
                    "upper": {"value": 280, "unit": "FL", "reference": "STD"},
                }
            },
            "vertical_block.upper",
            "upper_not_above_lower",
            {},
        ),
    ],
)
async def test_each_problem_has_its_code(
    node_app: NodeApp, change: dict[str, Any], path: str, code: str, params: Any
) -> None:
    problem = by_path(await refused(node_app, operation(**change)))[path]
    assert problem["code"] == code, problem
    if params is not None:
        assert problem["params"] == params
    assert problem["reason"]


async def test_a_body_that_is_not_an_object_is_not_an_object(node_app: NodeApp) -> None:
    assert await refused(node_app, [1, 2]) == [
        {
            "path": "",
            "code": "not_an_object",
            "params": {},
            "reason": "a notice must be a JSON object",
        }
    ]
