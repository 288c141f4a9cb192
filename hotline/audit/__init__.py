"""Audit: building a node's export of both feeds (:mod:`.export`). The format and its offline
verifier are the protocol library's: :mod:`hotline_protocol.export` and
:mod:`hotline_protocol.audit`."""
