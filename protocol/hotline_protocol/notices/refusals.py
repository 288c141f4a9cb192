"""Refusals with a stable code: what a notice's own validators raise when a value breaks a rule
the JSON Schema cannot state (window order, vertical block order, closed polygons, ...).

Each is a pydantic error whose type is the code, so :func:`~hotline_protocol.notices.parse_notice`
reports it as a problem's ``code`` beside its English ``reason``; clients render the code in
their own language. The codes are listed in PROTOCOL.md (*Errors*).
"""

from __future__ import annotations

from typing import Any

from pydantic_core import PydanticCustomError


def refusal(code: str, reason: str, **params: Any) -> PydanticCustomError:
    """The error to raise from a validator: ``code`` is stable, ``reason`` is English text and
    ``params`` the values a client may quote (JSON scalars)."""
    return PydanticCustomError(code, reason.replace("{", "{{").replace("}", "}}"), params or None)
