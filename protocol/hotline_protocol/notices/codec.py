"""The notice union, parsing with every problem listed, and the JSON form that goes into entries.

On the wire a notice is a JSON object. Absent optional fields are omitted, never ``null``:
:func:`notice_to_json` omits them and :func:`parse_notice` refuses ``null`` anywhere. Parsing
JSON text also refuses duplicate keys, ``NaN``/``Infinity`` and anything over
:data:`MAX_NOTICE_BYTES`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Annotated, Any, NoReturn

from pydantic import Field, TypeAdapter, ValidationError

from ..errors import NoticeError
from ..strictjson import loads_strict
from .common import PATTERN_HINTS, Kind, NoticeBase, Reference
from .distress import AircraftInDistress
from .downed_pilot import DownedPilot
from .geometry import Circle, Corridor, Polygon
from .messages import Ack, Cancel, Liaison
from .operation import PlannedOperation

# a problem found: path, English reason, stable code, parameters of the code
Problem = tuple[str, str, str, dict[str, Any]]

MAX_NOTICE_BYTES = 64 * 1024
"""Largest notice accepted as JSON text, in UTF-8 bytes."""

Notice = Annotated[
    PlannedOperation | AircraftInDistress | DownedPilot | Liaison | Ack | Cancel,
    Field(discriminator="kind"),
]
NOTICE_ADAPTER: TypeAdapter[Notice] = TypeAdapter(Notice)
NOTICE_TYPES: dict[Kind, type[NoticeBase]] = {
    Kind.PLANNED_OPERATION: PlannedOperation,
    Kind.AIRCRAFT_IN_DISTRESS: AircraftInDistress,
    Kind.DOWNED_PILOT: DownedPilot,
    Kind.LIAISON: Liaison,
    Kind.ACK: Ack,
    Kind.CANCEL: Cancel,
}

ACK_REQUIRED_KINDS: frozenset[Kind] = frozenset(
    {Kind.PLANNED_OPERATION, Kind.AIRCRAFT_IN_DISTRESS, Kind.DOWNED_PILOT, Kind.CANCEL}
)
"""Kinds the other side must answer with an ack (so must any notice that supersedes another)."""

_TAGS: dict[str, list[str]] = {
    "kind": [kind.value for kind in Kind],
    "shape": [str(m.model_fields["shape"].default) for m in (Polygon, Circle, Corridor)],
}


def parse_notice(data: Mapping[str, Any] | bytes | str) -> Notice:
    """Validate a notice given as a mapping or as JSON text (bytes are UTF-8).

    Raises :class:`NoticeError` listing every problem as (dotted field path, reason), e.g.
    ``("areas.0.points", "polygon must be closed: ...")``; the path is ``""`` for the whole notice.
    """
    obj: Any = _load_json(data) if isinstance(data, (bytes, bytearray, str)) else data
    if not isinstance(obj, Mapping):
        raise NoticeError([("", "a notice must be a JSON object")], [("not_an_object", {})])
    try:
        return _validate(obj)
    except RecursionError:
        _malformed("the notice is nested too deeply", "too_deep")


def _validate(obj: Mapping[str, Any]) -> Notice:
    problems: list[Problem] = (
        [
            (path, "null is not allowed: omit the field instead", "null_not_allowed", {})
            for path in _nulls(obj, "")
        ]
        if _has_null(obj)
        else []
    )
    try:
        notice = NOTICE_ADAPTER.validate_python(obj)
    except ValidationError as exc:
        seen = {p[0] for p in problems}
        problems += [p for p in _problems(exc, obj) if p[0] not in seen]
    if problems:
        raise NoticeError([(p[0], p[1]) for p in problems], [(p[2], p[3]) for p in problems])
    return notice


def validate_notice(obj: Mapping[str, Any]) -> Notice:
    """Like :func:`parse_notice` for a mapping already known to hold no ``null``: one pydantic
    pass on the hot path; any failure is reported by :func:`parse_notice` with every problem."""
    try:
        return NOTICE_ADAPTER.validator.validate_python(obj)  # type: ignore[no-any-return]
    except ValidationError:
        return parse_notice(obj)


def notice_to_json(notice: Notice) -> dict[str, Any]:
    """The notice as a JSON object (str keys; str, int, float, bool, list and dict values).

    Optional fields that are absent are omitted, so ``parse_notice(notice_to_json(n)) == n``.
    """
    out: dict[str, Any] = notice.model_dump(mode="json", exclude_none=True)
    return out


def _defaulted(model: type[NoticeBase]) -> tuple[str, ...]:
    return tuple(
        name
        for name, info in model.model_fields.items()
        if not info.is_required() and info.default is not None
    )


_DEFAULTED: dict[type[NoticeBase], tuple[str, ...]] = {
    model: _defaulted(model) for model in NOTICE_TYPES.values()
}
# Kinds with a default deeper inside (a crew member's injuries): never taken as written.
_DEFAULTS_INSIDE: frozenset[type[NoticeBase]] = frozenset({DownedPilot})


def is_json_form(data: Mapping[str, Any], notice: Notice) -> bool:
    """Whether ``data``, the JSON object ``notice`` was just validated from, is already
    :func:`notice_to_json` of it, numbers compared by value (``5`` and ``5.0`` are one number).

    It is when it names every field that has a default (``kind``, ``precedence``) and writes
    ``id`` as a UUID is written (lower case, with hyphens). Nothing else can differ: every other
    field is a string, number, boolean, enumeration value or list that validation takes as it
    is, no field has an alias, validators check values without changing them, and a default
    inside a notice is a union's tag (which the input must name), except in the kinds of
    ``_DEFAULTS_INSIDE``, which this never takes. The test suite holds every model to this.
    """
    kind = type(notice)
    return (
        kind not in _DEFAULTS_INSIDE
        and all(name in data for name in _DEFAULTED[kind])
        and data.get("id") == str(notice.id)
    )


def requires_ack(notice: Notice) -> bool:
    """Whether the other side must acknowledge ``notice`` (by kind, or because it is an update)."""
    return notice.kind in ACK_REQUIRED_KINDS or notice.supersedes is not None


def reference_of(notice: Notice) -> Reference | None:
    """The entry an ack answers or a cancel withdraws; None for the other kinds."""
    if isinstance(notice, (Ack, Cancel)):
        return notice.ref
    return None


def _load_json(data: bytes | bytearray | str) -> Any:
    size = len(data.encode()) if isinstance(data, str) else len(data)
    if size > MAX_NOTICE_BYTES:
        _malformed(
            f"notice is {size} bytes, more than the limit of {MAX_NOTICE_BYTES}",
            "notice_too_large",
            {"size": size, "max_bytes": MAX_NOTICE_BYTES},
        )
    try:
        text = data if isinstance(data, str) else bytes(data).decode("utf-8")
    except UnicodeDecodeError:
        _malformed("malformed JSON: not UTF-8", "not_utf8")
    try:
        return loads_strict(text)
    except ValueError as exc:  # JSONDecodeError is a ValueError
        _malformed(f"malformed JSON: {exc}", "malformed_json")


def _malformed(reason: str, code: str, params: dict[str, Any] | None = None) -> NoReturn:
    raise NoticeError([("", reason)], [(code, params or {})])


def _has_null(value: Any) -> bool:
    """Whether :func:`_nulls` would find anything: the same walk without building paths (a
    notice rarely holds a null, and this runs for every notice posted)."""
    if type(value) is dict or isinstance(value, Mapping):
        items: Iterable[Any] = value.values()
    elif isinstance(value, (list, tuple)):
        items = value
    else:
        return False
    for item in items:
        if item is None or (type(item) not in _SCALARS and _has_null(item)):
            return True
    return False


_SCALARS = frozenset({str, int, float, bool})


def _nulls(value: Any, path: str) -> Iterator[str]:
    """Paths of every ``null`` in ``value``, depth first (iterative: deep input cannot overflow
    the interpreter's stack)."""
    stack: list[tuple[Any, str]] = [(value, path)]
    while stack:
        current, here = stack.pop()
        if isinstance(current, Mapping):
            items: list[tuple[Any, Any]] = list(current.items())
        elif isinstance(current, (list, tuple)):
            items = list(enumerate(current))
        else:
            continue
        for key, item in reversed(items):
            sub = f"{here}.{key}" if here else str(key)
            if item is None:
                yield sub
            else:
                stack.append((item, sub))


def _params(ctx: Mapping[str, Any]) -> dict[str, Any]:
    """A pydantic error's context as JSON scalars (what a client may quote)."""
    return {
        k: v if isinstance(v, (str, int, float, bool)) else str(v)
        for k, v in ctx.items()
        if k != "error"
    }


def _problems(exc: ValidationError, data: Any) -> list[Problem]:
    out = []
    for error in exc.errors(include_url=False):
        parts = _path(error["loc"], data)
        reason, ctx = error["msg"], error.get("ctx", {})
        code, params = error["type"], _params(ctx)
        if error["type"] in ("union_tag_invalid", "union_tag_not_found"):
            tag = str(ctx.get("discriminator", "kind")).strip("'")
            parts.append(tag)
            expected = ", ".join(_TAGS.get(tag, []))
            params = {"tag": tag, "expected": expected}
            if error["type"] == "union_tag_invalid":
                reason = f"unknown {tag} {ctx.get('tag')!r}; expected one of {expected}"
                params["found"] = str(ctx.get("tag"))
            else:
                reason = f"Field required: one of {expected}"
                code = "missing"
        elif error["type"] == "value_error":
            reason = str(ctx.get("error", reason))
        elif error["type"] == "string_pattern_mismatch" and ctx.get("pattern") in PATTERN_HINTS:
            reason = f"String should be {PATTERN_HINTS[ctx['pattern']]}"
            params["hint"] = PATTERN_HINTS[ctx["pattern"]]
        elif error["type"] in ("too_short", "too_long"):
            reason = reason.replace("Tuple should", "List should").replace(" after validation", "")
        out.append((".".join(parts), reason, code, params))
    # A list whose items failed also reports being too short "after validation": noise.
    return [
        problem
        for problem in out
        if problem[2] != "too_short" or not any(p[0].startswith(f"{problem[0]}.") for p in out)
    ]


def _path(loc: tuple[int | str, ...], data: Any) -> list[str]:
    """Field path of a pydantic ``loc`` without the union tags pydantic inserts into it."""
    parts: list[str] = []
    current = data
    for item in loc:
        if (
            isinstance(current, Mapping)
            and item not in current
            and any(current.get(tag) == item for tag in _TAGS)
        ):
            continue  # a discriminator value, not a field
        parts.append(str(item))
        if isinstance(current, Mapping) and item in current:
            current = current[item]
        elif isinstance(current, (list, tuple)) and isinstance(item, int) and item < len(current):
            current = current[item]
        else:
            current = None
    return parts
