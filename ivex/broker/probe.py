"""Cheap questions about the network: is a port taken, does a broker answer metadata."""

from __future__ import annotations

import contextlib
import logging
import socket

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


def free_ports(count: int, host: str = "127.0.0.1") -> list[int]:
    """``count`` different TCP ports nobody listens on right now.

    All are held open until every one is picked: two calls of :func:`free_port` in a
    row may get the same port back (seen: a broker and its controller on one port).
    """
    sockets = [socket.socket(socket.AF_INET, socket.SOCK_STREAM) for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind((host, 0))
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
