"""Audit: building a node's export of both feeds (:mod:`.export`) and the report of the line as
this node sees it (:mod:`.report`). The format, its offline verifier and the report's rules are
the protocol library's: :mod:`hotline_protocol.export` and :mod:`hotline_protocol.audit`."""
