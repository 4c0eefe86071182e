"""Free ports for a broker and its controller: never the same one twice, never one a
client socket can take."""

from __future__ import annotations

import socket
from pathlib import Path

from ivex.broker.probe import DEFAULT_EPHEMERAL, ephemeral_range, free_port, free_ports


def test_ports_picked_together_differ_and_are_free() -> None:
    for _ in range(50):
        ports = free_ports(3)
        assert len(set(ports)) == 3
    port = free_port()
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", port))  # nobody holds it any more


def test_ports_are_outside_the_ephemeral_range() -> None:
    low, high = ephemeral_range()
    for port in free_ports(20):
        assert not low <= port <= high  # no client socket's local end can take it


def test_the_ephemeral_range_is_read_from_the_kernel_or_defaulted(tmp_path: Path) -> None:
    source = tmp_path / "ip_local_port_range"
    source.write_text("40000\t50000\n")
    assert ephemeral_range(source) == (40000, 50000)
    assert ephemeral_range(tmp_path / "missing") == DEFAULT_EPHEMERAL
