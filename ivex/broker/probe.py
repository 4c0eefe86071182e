"""Cheap questions about the network: is a port taken, does a broker answer metadata."""

from __future__ import annotations

import contextlib
import logging
import random
import socket
from pathlib import Path

from kafka import KafkaAdminClient
from kafka.errors import KafkaError


def port_open(host: str, port: int, timeout: float = 0.5) -> bool:
    """True when something accepts TCP connections on ``host:port``."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nobody listens on right now (the OS picks it)."""
    return free_ports(1, host)[0]


#: Linux's range of ephemeral ports (the local ends of client sockets); its default
#: where the file cannot be read.
EPHEMERAL_RANGE_FILE = Path("/proc/sys/net/ipv4/ip_local_port_range")
DEFAULT_EPHEMERAL = (32768, 60999)
#: Servers' ports are picked at or above this, and below the ephemeral range.
LOWEST_PORT = 20000


def ephemeral_range(source: Path = EPHEMERAL_RANGE_FILE) -> tuple[int, int]:
    """The first and last port the OS gives the local end of a client socket."""
    try:
        low, high = (int(part) for part in source.read_text().split())
    except (OSError, ValueError):
        return DEFAULT_EPHEMERAL
    return low, high


def free_ports(count: int, host: str = "127.0.0.1", *, attempts: int = 1000) -> list[int]:
    """``count`` different TCP ports nobody listens on right now, outside the OS's
    ephemeral range.

    A server's port in that range can be taken while the server is down: by the local end
    of any client socket, or by a client that connects to it and, given the same port as
    its own local end, connects to itself (TCP's simultaneous open). The fault tests
    restart a killed broker on its ports while its clients reconnect, and once found its
    port taken so. All are held open until every one is picked: two calls of
    :func:`free_port` in a row may get the same port back (seen: a broker and its
    controller on one port).
    """
    low, high = ephemeral_range()
    pool = range(LOWEST_PORT, low) if low - LOWEST_PORT >= 1000 else range(high + 1, 65536)
    rng = random.SystemRandom()
    sockets: list[socket.socket] = []
    try:
        for _ in range(attempts):
            if len(sockets) == count:
                break
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            try:
                sock.bind((host, rng.choice(pool)))
            except OSError:
                sock.close()
                continue
            sockets.append(sock)
        if len(sockets) < count:
            raise OSError(f"no {count} free ports on {host} in {pool.start}-{pool.stop - 1}")
        return [int(sock.getsockname()[1]) for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def answers_metadata(bootstrap: str, timeout_s: float = 5.0, **security: object) -> bool:
    """True when a broker at ``bootstrap`` answers a metadata request.

    Only a completed request counts: a listening port is not enough, because a KRaft
    broker accepts connections before it has caught up with the metadata log.
    ``security``: kafka-python options (SASL_SSL credentials, CA) for a secure broker.
    """
    timeout_ms = int(timeout_s * 1000)
    # kafka-python logs every refused connection at ERROR; while polling that is noise.
    quiet = logging.getLogger("kafka")
    previous = quiet.level
    quiet.setLevel(logging.CRITICAL)
    admin = None
    try:
        admin = KafkaAdminClient(
            bootstrap_servers=bootstrap,
            request_timeout_ms=timeout_ms,
            bootstrap_timeout_ms=timeout_ms,
            client_id="ivex-probe",
            **security,
        )
        cluster = admin.describe_cluster()
        return bool(cluster.get("brokers"))
    except (KafkaError, OSError, ValueError):
        return False
    finally:
        if admin is not None:
            with contextlib.suppress(Exception):
                admin.close()
        quiet.setLevel(previous)
