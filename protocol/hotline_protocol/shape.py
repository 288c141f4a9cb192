"""Typed member access to parsed JSON that lists every problem with its path."""

from __future__ import annotations

from typing import Any, TypeVar

MAX_INT = 2**53 - 1  # what every JSON implementation represents exactly
T = TypeVar("T")


class Shape:
    """Typed field access that records what is missing or of the wrong type."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems

    def fail(self, problem: str) -> None:
        self.problems.append(problem)

    def get(self, obj: dict[str, Any], key: str, kind: type[T], path: str) -> T | None:
        where = f"{path}.{key}" if path else key
        if key not in obj:
            self.fail(f"{where}: missing")
            return None
        value = obj[key]
        if kind is int:
            good = type(value) is int and 0 <= value <= MAX_INT
        else:
            good = isinstance(value, kind)
        if good and isinstance(value, str) and not is_unicode(value):
            self.fail(f"{where}: not Unicode text (a lone surrogate escape)")
            return None
        if not good:
            want = "an integer in 0..2^53-1" if kind is int else f"a {_kind_name(kind)}"
            self.fail(f"{where}: expected {want}, found {kind_of(value)}")
            return None
        return value  # type: ignore[no-any-return]


def is_unicode(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _kind_name(kind: type[Any]) -> str:
    names: dict[type[Any], str] = {str: "string", list: "list", dict: "object"}
    return names.get(kind, kind.__name__)


def kind_of(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    return {str: "a string", int: "an integer", float: "a number", list: "a list"}.get(
        type(value), "an object"
    )
