"""Errors of the provisioning package, a branch of :class:`hotline.errors.HotlineError`: each
says, in ``str(exc)`` (its ``detail``), what is wrong, in one line fit to show an operator (the
runner's carries the node's log tail after it); ``code`` names the class. A step that raises has
changed nothing on disk.

ProvisionError             setting up or running a node directory cannot go on
├── NodeExistsError        init: the directory already holds a node, or is not a directory
├── InvalidSettingsError   init: the side, origin, URL, store or address do not make a node
├── CardError              a card is malformed, or its keys do not match what it claims
├── PairingError           pair: this node's own card or side name, or another card is pinned
├── UnknownUserError       users: no user of that name
├── TlsError               tls: a CA or certificate cannot be made, read or written
└── NodeStartError         the runner: ``hotline serve`` exited, or did not answer in time
"""

from __future__ import annotations

from ..errors import HotlineError


class ProvisionError(HotlineError):
    """Setting up or running a node directory cannot go on; ``str(exc)`` says why."""

    code = "provision_failed"

    def __init__(self, message: str) -> None:
        super().__init__(type(self).code, message)

    def __str__(self) -> str:
        return str(self.detail)


class NodeExistsError(ProvisionError):
    """The directory already holds a node (``hotline.toml``, ``keys/`` or the card), or it is a
    file; nothing is overwritten."""

    code = "node_exists"


class InvalidSettingsError(ProvisionError):
    """The values given for a new node do not pass the node's settings' checks."""

    code = "invalid_settings"


class CardError(ProvisionError):
    """The card is malformed or its keys do not match what it claims."""

    code = "bad_card"


class PairingError(ProvisionError):
    """The card cannot be pinned: it is this node's own, it has this node's side name, or
    another side's card is pinned and replacing it was not asked for."""

    code = "pairing_refused"


class UnknownUserError(ProvisionError):
    """The store has no user of that name."""

    code = "unknown_user"


class TlsError(ProvisionError):
    """TLS material cannot be made, read or written: a missing or mismatched CA, a bad host
    name, a file that exists already or holds no certificate."""

    code = "tls_failed"


class NodeStartError(ProvisionError):
    """The node exited or did not answer ``/healthz`` in time; the message has its log tail."""

    code = "node_start_failed"
