"""Provisioning a side's node: what ``hotline init``, ``pair`` and ``users`` do, and the runner
that starts ``hotline serve`` as a process and waits for it. Plain functions that raise
:mod:`.errors` and print nothing; the command line and the demo call them.

- :mod:`.card`: the node's own card (keys, URL, deadlines) and the ``[peer]`` table that pins
  another's; the format, checks and fingerprint are :mod:`hotline_protocol.card`;
- :mod:`.init`: a new node directory with both private keys, ``hotline.toml`` and the card;
- :mod:`.pair`: pin the other side's card as ``[peer]``, whether to dial it; atomic rewrites;
- :mod:`.tls`: a private CA and the node certificates it signs (``hotline tls``);
- :mod:`.users`: add, list and revoke users in the node's store;
- :mod:`.runner`: ``hotline serve DIR`` as a child process (start, wait, stop, kill), free ports.
"""
