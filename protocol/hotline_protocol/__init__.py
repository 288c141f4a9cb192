"""Hotline wire protocol: notices, feed entries, Merkle proofs, signed notes, checkpoints,
cosignatures, witness rules and proof bundles. Pure: no I/O, no clocks, no node code.

Modules: ``notices`` (models), ``canonical`` (RFC 8785), ``entries`` (entry bytes and chain),
``merkle`` (RFC 6962 trees and proofs), ``note`` (C2SP signed notes), ``cosignature``,
``checkpoint``, ``witness`` (tlog-witness rules), ``proof`` (tlog-proof bundles), ``errors``.
"""

__version__ = "0.1.0"
