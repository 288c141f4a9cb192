"""Every error the protocol library raises.

Verify functions return nothing on success and raise exactly one of these on failure. Each error
carries a stable machine-readable ``code``, a human ``message`` and, where a comparison failed, the
``expected`` and ``found`` values.

    ProtocolError                   base of everything below
    ├── NoticeError                 a notice failed validation; ``problems`` lists (path, reason)
    ├── EntryError                  entry bytes: size, shape, origin, index or prev hash wrong
    ├── ProofError                  an inclusion or consistency proof does not verify
    ├── NoteError                   a signed note is malformed, or no known key verifies it
    ├── CheckpointError             a checkpoint body is malformed or names the wrong origin
    ├── WitnessError                the witness rules refuse to cosign; ``code`` says why
    ├── BundleError                 a proof bundle is malformed or does not verify
    ├── MessageError                a client-stream or peer-link message is malformed; ``code``
    │                               and ``detail`` say why, as the stream or link reports it
    ├── HandshakeError              a peer-link handshake nonce or signature does not verify
    ├── CardError                   a card is malformed, or its keys do not match what it claims
    └── DeconflictionError          the deconfliction rule was given input it cannot use: two
                                    entries at one position, a leaf hash that is not 32 bytes,
                                    settings out of range
"""

from __future__ import annotations

from typing import Any


class ProtocolError(Exception):
    """Base class: ``code`` is stable, ``expected``/``found`` are set for failed comparisons."""

    code: str = "protocol_error"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        expected: Any = None,
        found: Any = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.expected = expected
        self.found = found

    def __str__(self) -> str:
        text = f"{self.code}: {self.message}"
        if self.expected is not None or self.found is not None:
            text += f" (expected {_show(self.expected)}, found {_show(self.found)})"
        return text

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready description, used by the node's API errors and evidence records."""
        out: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.expected is not None:
            out["expected"] = _jsonable(self.expected)
        if self.found is not None:
            out["found"] = _jsonable(self.found)
        return out


class NoticeError(ProtocolError):
    """A notice failed validation. ``problems`` lists every (field path, reason); ``codes``
    gives each problem's stable code and parameters, in the same order (``invalid`` and none
    when not given), for clients to say it in their own language."""

    code = "invalid_notice"

    def __init__(
        self,
        problems: list[tuple[str, str]],
        codes: list[tuple[str, dict[str, Any]]] | None = None,
    ) -> None:
        self.problems = problems
        self.codes = codes if codes is not None else [("invalid", {}) for _ in problems]
        summary = "; ".join(f"{path or '<root>'}: {reason}" for path, reason in problems)
        super().__init__(summary or "invalid notice")

    def to_dict(self) -> dict[str, Any]:
        out = super().to_dict()
        out["problems"] = [
            {"path": p, "code": code, "params": params, "reason": r}
            for (p, r), (code, params) in zip(self.problems, self.codes, strict=True)
        ]
        return out


class EntryError(ProtocolError):
    code = "invalid_entry"


class ProofError(ProtocolError):
    code = "invalid_proof"


class NoteError(ProtocolError):
    code = "invalid_note"


class CheckpointError(ProtocolError):
    code = "invalid_checkpoint"


class WitnessError(ProtocolError):
    """Refusal to cosign. Codes follow C2SP tlog-witness: ``unknown_origin`` (404),
    ``bad_signature`` (403), ``old_size_mismatch`` (409), ``bad_proof`` (422),
    ``conflict`` (409: same size, different root), ``bad_request`` (400)."""

    code = "witness_refused"


class BundleError(ProtocolError):
    code = "invalid_bundle"


class MessageError(ProtocolError):
    """A message that is not one the stream or the peer link defines. ``code`` is what the
    receiver reports (the stream: ``malformed_json``, ``invalid_request``, ``unknown_type``; the
    peer link: ``bad_message``); ``detail`` is a string, or for ``invalid_request`` the list of
    ``{"path", "reason"}`` problems; ``id`` is the stream message's id when it could be read."""

    code = "invalid_message"

    def __init__(self, code: str, detail: Any, mid: str | int | None = None) -> None:
        super().__init__(_describe(detail), code=code)
        self.detail = detail
        self.id = mid

    def to_dict(self) -> dict[str, Any]:
        out = super().to_dict()
        out["detail"] = self.detail
        return out


class HandshakeError(ProtocolError):
    """The peer-link handshake does not verify: a nonce of the wrong length or a transcript
    signature the pinned log key did not make."""

    code = "bad_auth"


class CardError(ProtocolError):
    """A card (a side's public identity, :mod:`hotline_protocol.card`) is malformed, or its keys
    do not match what it claims; the message says what is wrong."""

    code = "invalid_card"


class DeconflictionError(ProtocolError):
    """Input the deconfliction rule cannot use. Codes: ``bad_leaf_hash`` (not 32 bytes),
    ``duplicate_entry`` (two different entries at one side and index), ``bad_config``."""

    code = "invalid_deconfliction_input"


def _describe(detail: Any) -> str:
    if isinstance(detail, list):
        parts = [
            f"{p.get('path') or '<root>'}: {p.get('reason')}" if isinstance(p, dict) else str(p)
            for p in detail
        ]
        return "; ".join(parts) or "invalid message"
    return str(detail)


def _jsonable(value: Any) -> Any:
    if isinstance(value, bytes):
        import base64

        return base64.b64encode(value).decode()
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value


def _show(value: Any) -> str:
    if isinstance(value, bytes):
        return value.hex()
    return repr(value)
