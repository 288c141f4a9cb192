"""Random JSON values (as the standard library parses them) for property tests, and a walk
over what they hold."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from hypothesis import strategies as st

SAFE_INTEGERS = st.integers(min_value=-(2**53) + 1, max_value=2**53 - 1)


def json_values(integers: st.SearchStrategy[int] | None = None) -> st.SearchStrategy[Any]:
    """Nested arrays and objects of null, booleans, ``integers`` (any size by default), finite
    floats and strings."""
    return st.recursive(
        st.none()
        | st.booleans()
        | (st.integers() if integers is None else integers)
        | st.floats(allow_nan=False, allow_infinity=False)
        | st.text(),
        lambda children: (
            st.lists(children, max_size=5)
            | st.dictionaries(st.text(max_size=8), children, max_size=5)
        ),
        max_leaves=20,
    )


def leaves(value: Any, in_object: bool = False) -> Iterator[tuple[Any, bool]]:
    """Every scalar in ``value``, with whether it is an object member's value."""
    if isinstance(value, dict):
        for item in value.values():
            yield from leaves(item, True)
    elif isinstance(value, list):
        for item in value:
            yield from leaves(item, False)
    else:
        yield value, in_object
