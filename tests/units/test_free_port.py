"""The ports the runner hands to nodes that bind later: never one an outgoing connection can take
first (the kernel's ephemeral range), never the same twice, free when handed out."""

from __future__ import annotations

import socket

from hotline.provision.runner import ephemeral_range, free_port


def test_free_ports_lie_outside_the_ephemeral_range_and_are_never_handed_out_twice() -> None:
    low, high = ephemeral_range()
    ports = [free_port() for _ in range(200)]
    assert len(set(ports)) == len(ports)
    assert all(not low <= port <= high for port in ports), [p for p in ports if low <= p <= high]
    for port in ports[:20]:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", port))


def test_a_port_something_listens_on_is_not_handed_out() -> None:
    low, _ = ephemeral_range()
    held = []
    try:
        # hold every port of a small slice below the range; none of them may come back
        for port in range(low - 400, low):
            sock = socket.socket()
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                sock.close()
                continue
            held.append(sock)
        taken = {sock.getsockname()[1] for sock in held}
        assert taken
        assert not taken & {free_port() for _ in range(300)}
    finally:
        for sock in held:
            sock.close()
