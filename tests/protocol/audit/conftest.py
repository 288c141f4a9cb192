"""Fixtures for the verifier's tests: a two-sided export built with the protocol library."""

from __future__ import annotations

import pytest

from tests.protocol.audit.builders import TwoSides, build_two_sides


@pytest.fixture
def two_sides() -> TwoSides:
    return build_two_sides()
