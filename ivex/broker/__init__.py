"""The local development broker: Apache Kafka from Maven Central, run as a detached JVM."""

from __future__ import annotations

from ivex.broker.process import BrokerStatus, LocalBroker

__all__ = ["BrokerStatus", "LocalBroker"]
