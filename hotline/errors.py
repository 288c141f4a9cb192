"""Every error the node raises, as one tree. Each carries a stable ``code`` and a ``detail``.

An error says what went wrong, not how it is reported: the API gives each class its HTTP status
(:mod:`hotline.api.errors`), the peer link gives each link error its close code
(:mod:`hotline.peering.transport`), and the stream answers with the code and detail.

    HotlineError(code, detail)          base of every node error
    ├── BadRequest                      a parameter is malformed: bad_cursor, bad_range,
    │                                   bad_tile_path, malformed_json, beyond_size (of a proof)
    ├── Unauthenticated                 no token, or one that is unknown or revoked
    ├── Forbidden                       not for this caller or this side: forbidden, wrong_side,
    │                                   author_mismatch
    ├── NotFound                        nothing of that name here: unknown_side, unknown_entry,
    │                                   unknown_user, no_checkpoint, no_such_tile
    ├── Conflict                        not in the state it needs: not_checkpointed, user_exists
    ├── OutOfRange                      entries beyond the published log: beyond_size
    ├── Invalid                         a value breaks a rule of the node: bad_name, bad_role,
    │   │                               author_required
    │   └── RuleError                   a notice breaks a feed rule: not_ackable, kind_mismatch, ...
    │       ├── UnknownReference        it refers to no entry held: unknown_reference
    │       └── AlreadyClosed           it refers to a notice cancelled or updated already
    ├── RateLimited                     too many posts: rate_limited (retry_after_ms)
    ├── TooManyConnections              too many stream connections: too_many_connections,
    │                                   too_many_user_connections
    ├── Unavailable                     the node cannot serve now: shutting_down, store_unavailable,
    │   │                               feed_behind (recovering the own feed from the peer),
    │   │                               report_busy (a report of the node is being made)
    │   └── StoreError                  the store is unreachable, misconfigured or refused
    │       └── StoreConflict           a conditional write found another state than expected
    ├── Broken                          the node's own data disagree: checkpoint_mismatch,
    │                                   store_incomplete, entry_too_large_for_bundle,
    │                                   report_failed (the auditor could not read its export)
    ├── StreamError                     a stream client's message is refused (the stream's codes)
    ├── LinkError                       the peer link must close; ``reason`` is its close reason
    │   ├── BadMessage                  the peer's message is malformed: bad_message
    │   ├── AuthFailed                  the handshake does not verify: bad_auth, bad_handshake
    │   ├── UnknownPeer                 the peer is not the pinned one: unknown_peer
    │   ├── HandshakeTimeout            the handshake took too long: handshake_timeout
    │   ├── TooManyHandshakes           too many peer handshakes at once: too_many_connections
    │   ├── Superseded                  another link took over: superseded
    │   ├── LinkFailed                  this node cannot go on: checkpoint_worker_stopped,
    │   │                               store_unavailable, feed_moved (a post went in during a
    │   │                               recovery)
    │   └── Refusal                     the peer's input does not verify; kept as evidence
    ├── ConfigError                     the node directory, its configuration or keys are wrong
    ├── ProvisionError                  setting up or running a node directory cannot go on
    │                                   (its branch: :mod:`hotline.provision.errors`)
    ├── DemoError                       the two-node demo cannot go on (:mod:`hotline.demo.errors`)
    ├── CliError                        a command's expected failure (:mod:`hotline.cli.common`)
    └── Close                           a stream session must close (:mod:`hotline.stream.errors`)

The protocol library's errors (:class:`~hotline_protocol.errors.ProtocolError` and its tree) stay
its own; :func:`explain` describes both trees with the codes and details clients see.
"""

from __future__ import annotations

from typing import Any

from hotline_protocol.errors import NoticeError, ProtocolError


class HotlineError(Exception):
    """Base class: ``code`` is stable and machine-readable, ``detail`` says why (a string, or
    JSON-ready data)."""

    def __init__(self, code: str, detail: Any = "") -> None:
        super().__init__(code, detail)
        self.code = code
        self.detail = detail

    def __str__(self) -> str:
        return f"{self.code}: {self.detail}" if self.detail != "" else self.code


class BadRequest(HotlineError):
    """A parameter of the request is malformed or out of its bounds."""


class Unauthenticated(HotlineError):
    """The caller gave no token, or one that is unknown or revoked."""


class Forbidden(HotlineError):
    """The caller may not do this, or not to this side's notices."""


class NotFound(HotlineError):
    """The side, entry, user, checkpoint or tile named is not held here."""


class Conflict(HotlineError):
    """What is asked needs another state than the one held (yet, or any more)."""


class OutOfRange(HotlineError):
    """Entries asked for lie beyond the published log."""


class Invalid(HotlineError):
    """A value given breaks a rule of the node."""


class RuleError(Invalid):
    """A notice breaks a feed rule (see :mod:`hotline.feeds.rules`)."""


class UnknownReference(RuleError):
    """The notice refers to no entry held with that origin, index and leaf hash."""


class AlreadyClosed(RuleError):
    """The notice refers to one already cancelled or updated."""


class RateLimited(HotlineError):
    """Too many posts from this user or connection; ``retry_after_ms`` until the next one
    would be taken."""

    def __init__(self, detail: str, retry_after_ms: int) -> None:
        super().__init__("rate_limited", detail)
        self.retry_after_ms = retry_after_ms


class TooManyConnections(HotlineError):
    """The node, or the user, has as many stream connections open as it allows."""


class Unavailable(HotlineError):
    """The node cannot serve the request now: it is stopping, or its store failed."""


class StoreError(Unavailable):
    """The store is unreachable, misconfigured or refused an operation; ``str(exc)`` says why."""

    def __init__(self, message: str) -> None:
        super().__init__("store_unavailable", message)

    def __str__(self) -> str:
        return str(self.detail)


class StoreConflict(StoreError):
    """A conditional write found another state than expected (``expected``/``found``)."""

    def __init__(self, message: str, *, expected: object = None, found: object = None) -> None:
        super().__init__(message)
        self.expected = expected
        self.found = found


class DuplicateIds(StoreConflict):
    """An append to a feed holds notice ids the feed holds already (``found``: those ids)."""


class Broken(HotlineError):
    """The node's own data disagree with each other: a bug or a damaged store."""


class StreamError(HotlineError):
    """A stream client's message is refused; the connection stays open."""


class LinkError(HotlineError):
    """The peer link must close; ``reason`` (the code) is the close reason the peer sees."""

    @property
    def reason(self) -> str:
        return self.code


class BadMessage(LinkError):
    """The peer sent a message that is not one the link defines."""


class AuthFailed(LinkError):
    """The handshake does not verify, or does not go as it must."""


class UnknownPeer(LinkError):
    """The other end names an origin that is not the pinned peer's."""


class HandshakeTimeout(LinkError):
    """The other end did not send its part of the handshake in time."""


class TooManyHandshakes(LinkError):
    """As many peer connections as the node allows are in their handshake already."""


class Superseded(LinkError):
    """Another link moved the replica, or took over the peer."""


class LinkFailed(LinkError):
    """This node cannot go on with the link (its checkpoint worker stopped)."""


class Refusal(LinkError):
    """Input from the peer that failed verification; ``raw`` is what was received."""

    def __init__(self, reason: str, detail: str, raw: bytes) -> None:
        super().__init__(reason, detail)
        self.raw = raw


class ConfigError(HotlineError):
    """The node directory, its configuration or its key files are missing or invalid;
    ``str(exc)`` says which and why."""

    def __init__(self, message: str) -> None:
        super().__init__("bad_config", message)

    def __str__(self) -> str:
        return str(self.detail)


def explain(exc: BaseException) -> tuple[str, Any] | None:
    """``(code, detail)`` of a node or protocol error, as the API and the stream report it;
    None for anything else (a bug)."""
    if isinstance(exc, HotlineError):
        return exc.code, exc.detail
    if isinstance(exc, NoticeError):
        return exc.code, exc.to_dict()["problems"]
    if isinstance(exc, ProtocolError):
        return exc.code, exc.to_dict()
    return None
