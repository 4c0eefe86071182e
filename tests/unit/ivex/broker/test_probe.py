"""Free ports for a broker and its controller: never the same one twice."""

from __future__ import annotations

import socket

from ivex.broker.probe import free_port, free_ports


def test_ports_picked_together_differ_and_are_free() -> None:
    for _ in range(50):
        ports = free_ports(3)
        assert len(set(ports)) == 3
    port = free_port()
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", port))  # nobody holds it any more
