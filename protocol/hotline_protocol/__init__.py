"""Hotline wire protocol: notices, feed entries, Merkle proofs, signed notes, checkpoints,
cosignatures, witness rules, proof bundles, the client stream's and the peer link's messages, and
the cards, the audit export with its offline verifier and the report of a dispute. Pure: no I/O,
no clocks, no node code (the exceptions are the verifier's command, ``python -m
hotline_protocol.audit verify|report EXPORT [EXPORT] --card CARD ...``, which reads the exports
and the cards and prints the report, and the temporary files in which the verifier keeps a
streamed export's entries, so that it checks one of any size in bounded memory).

Modules: ``notices`` (models), ``canonical`` (RFC 8785), ``entries`` (entry bytes and chain),
``merkle`` (RFC 6962 trees and proofs), ``note`` (C2SP signed notes), ``cosignature``,
``checkpoint``, ``witness`` (tlog-witness rules), ``proof`` (tlog-proof bundles), ``stream``
(client stream messages), ``peer`` (peer-link messages and handshake), ``card`` (a side's
public identity and deadlines), ``export`` (the audit export format, read as a stream with
``jsonstream``, its entries kept in a ``spool``), ``audit`` (the offline
verifier and the report of a dispute), ``deconfliction`` (the conflict rule over both feeds),
``errors``.
"""

__version__ = "0.1.0"
