"""One error tree for the node: every exception class defined in the ``hotline`` package is a
HotlineError, but for a few private control-flow exceptions named here with the reason; the
API's status table and the peer link's close-code table cover the tree as they must."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from types import ModuleType

import pytest

import hotline
from hotline.api.errors import STATUSES, describe, status_of
from hotline.errors import (
    AlreadyClosed,
    AuthFailed,
    BadMessage,
    BadRequest,
    Broken,
    Conflict,
    Forbidden,
    HandshakeTimeout,
    HotlineError,
    Invalid,
    LinkError,
    LinkFailed,
    NotFound,
    OutOfRange,
    Refusal,
    RuleError,
    StoreConflict,
    StoreError,
    StreamError,
    Superseded,
    Unauthenticated,
    Unavailable,
    UnknownPeer,
    UnknownReference,
    explain,
)
from hotline.peering.transport import CLOSE_CODES, close_code

# (module, class name): why it is not a HotlineError
OUTSIDE_THE_TREE = {
    ("hotline.stream.socket", "Gone"): "the client went away: the session stops, no one is told",
    ("hotline.peering.transport", "Closed"): "the other end of the peer link went away",
    ("hotline.api.limits", "_TooLargeError"): "ends reading a body over the limit; answered 413",
}


def _modules() -> list[ModuleType]:
    """Every module of the package but ``__main__`` ones (importing them runs the command)."""
    names = [hotline.__name__]
    names += [m.name for m in pkgutil.walk_packages(hotline.__path__, f"{hotline.__name__}.")]
    kept = sorted(n for n in names if n.rpartition(".")[2] != "__main__")
    return [importlib.import_module(name) for name in kept]


def _exception_classes() -> dict[tuple[str, str], type[BaseException]]:
    """Every exception class defined (not imported) in a module of the package."""
    found: dict[tuple[str, str], type[BaseException]] = {}
    for module in _modules():
        for name, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ == module.__name__ and issubclass(cls, BaseException):
                found[(module.__name__, name)] = cls
    return found


def test_every_exception_class_of_the_node_is_a_hotline_error() -> None:
    classes = _exception_classes()
    assert len(classes) > 30  # the walk found the tree, not an empty package
    stray = sorted(
        f"{module}.{name}"
        for (module, name), cls in classes.items()
        if not issubclass(cls, HotlineError) and (module, name) not in OUTSIDE_THE_TREE
    )
    assert stray == [], "derive these from hotline.errors.HotlineError (or list them here)"


def test_the_exceptions_outside_the_tree_exist_and_are_outside() -> None:
    classes = _exception_classes()
    for key in OUTSIDE_THE_TREE:
        assert key in classes, f"{key} is listed but not defined"
        assert not issubclass(classes[key], HotlineError)


def test_no_node_error_carries_an_http_status_or_a_close_code() -> None:
    """Statuses belong to the API's table, close codes to the edges' tables."""
    for (module, name), cls in _exception_classes().items():
        if module.startswith(("hotline.demo.", "hotline.stream.")):
            continue  # the demo keeps the status a node answered; the stream is an edge
        params = inspect.signature(cls.__init__).parameters
        assert not {"status", "close_code"} & set(params), f"{module}.{name}"


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (BadRequest("bad_cursor", "x"), 400),
        (BadRequest("beyond_size", "x"), 400),
        (Unauthenticated("bad_token", "x"), 401),
        (Forbidden("wrong_side", "x"), 403),
        (NotFound("unknown_entry", "x"), 404),
        (UnknownReference("unknown_reference", "x"), 404),
        (Conflict("not_checkpointed", "x"), 409),
        (AlreadyClosed("already_cancelled", "x"), 409),
        (OutOfRange("beyond_size", "x"), 416),
        (Invalid("bad_name", "x"), 422),
        (RuleError("not_ackable", "x"), 422),
        (Unavailable("shutting_down", "x"), 503),
        (StoreError("Redis at x is unreachable"), 503),
        (StoreConflict("size 3, expected 2"), 503),
        (Broken("checkpoint_mismatch", "x"), 500),
    ],
)
def test_the_api_answers_each_class_with_its_status(error: HotlineError, status: int) -> None:
    assert describe(error) == (status, error.code, error.detail)


def test_a_store_failure_is_described_as_store_unavailable() -> None:
    assert describe(StoreError("the store is not open")) == (
        503,
        "store_unavailable",
        "the store is not open",
    )


def test_errors_that_are_no_answer_of_the_api_have_no_status() -> None:
    for error in (StreamError("bad_cursor", "x"), LinkError("x"), ValueError("x")):
        assert status_of(error) is None
        assert describe(error) is None
    assert all(issubclass(cls, Exception) for cls in STATUSES)
    assert explain(StreamError("not_subscribed", "there is no subscription")) == (
        "not_subscribed",
        "there is no subscription",
    )
    assert explain(ValueError("a bug")) is None


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (BadMessage("bad_message", "x"), 4400),
        (AuthFailed("bad_auth", "x"), 4401),
        (AuthFailed("bad_handshake", "x"), 4401),
        (UnknownPeer("unknown_peer", "x"), 4403),
        (HandshakeTimeout("handshake_timeout", "x"), 4408),
        (Superseded("superseded", "x"), 4409),
        (Refusal("bad_proof", "x", b"raw"), 4422),
        (LinkFailed("checkpoint_worker_stopped"), 1011),
        (LinkError("anything_else"), 1011),
    ],
)
def test_the_link_closes_with_each_class_code(error: LinkError, code: int) -> None:
    assert close_code(error) == code
    assert set(CLOSE_CODES) <= set(LinkError.__subclasses__()) | {LinkError}


def test_an_error_reads_as_code_and_detail() -> None:
    assert str(NotFound("unknown_side", "no side 'x'")) == "unknown_side: no side 'x'"
    assert str(LinkFailed("checkpoint_worker_stopped")) == "checkpoint_worker_stopped"
    assert str(StoreError("the store is not open")) == "the store is not open"
    assert Refusal("gap", "entries start at 5", b"raw").reason == "gap"
