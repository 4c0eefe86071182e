"""Files of the local broker: where they live and what they contain. Pure rendering."""

from __future__ import annotations

import base64
import uuid
from dataclasses import dataclass
from pathlib import Path

from ivex.broker.tls import BROKER_DN, TlsFiles

#: The broker only ever listens on loopback: it is a development broker, not a service.
HOST = "127.0.0.1"


@dataclass(frozen=True)
class BrokerLayout:
    """Paths of one broker's state directory."""

    state_dir: Path

    @property
    def data_dir(self) -> Path:
        """KRaft metadata log and topic partitions (``log.dirs``)."""
        return self.state_dir / "data"

    @property
    def logs_dir(self) -> Path:
        """Where the broker's log4j2 log and console output go."""
        return self.state_dir / "logs"

    @property
    def server_properties(self) -> Path:
        """The broker's ``server.properties``."""
        return self.state_dir / "server.properties"

    @property
    def log4j_config(self) -> Path:
        """The log4j2 configuration handed to the JVM."""
        return self.state_dir / "log4j2.properties"

    @property
    def server_log(self) -> Path:
        """The broker's own log (log4j2)."""
        return self.logs_dir / "server.log"

    @property
    def console_log(self) -> Path:
        """stdout and stderr of the JVM: start-up failures land here."""
        return self.logs_dir / "console.log"

    @property
    def pid_file(self) -> Path:
        """Process id of the running broker (also its process group id)."""
        return self.state_dir / "broker.pid"

    @property
    def info_file(self) -> Path:
        """JSON facts about the running broker (version, ports) for ``status``."""
        return self.state_dir / "broker.json"

    @property
    def tls(self) -> TlsFiles:
        """The broker's CA and certificate (secure mode)."""
        return TlsFiles(self.state_dir / "tls")

    @property
    def formatted_marker(self) -> Path:
        """Written by ``StorageTool format``; its presence means storage is formatted."""
        return self.data_dir / "meta.properties"


def new_cluster_id() -> str:
    """A KRaft cluster id: 16 random bytes, URL-safe base64 without padding (as Kafka's)."""
    return base64.urlsafe_b64encode(uuid.uuid4().bytes).decode("ascii").rstrip("=")


@dataclass(frozen=True)
class SecureMode:
    """What a secure broker needs: its TLS files and the admin (super user) credentials."""

    tls: TlsFiles
    admin_user: str
    admin_password: str


def _listener_props(
    port: int, controller_port: int, secure: SecureMode | None
) -> list[tuple[str, str]]:
    controller = f"CONTROLLER://{HOST}:{controller_port}"
    if secure is None:
        client = f"PLAINTEXT://{HOST}:{port}"
        return [
            ("listeners", f"{client},{controller}"),
            ("advertised.listeners", f"{client},{controller}"),
            ("inter.broker.listener.name", "PLAINTEXT"),
            ("listener.security.protocol.map", "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT"),
        ]
    client = f"SASL_SSL://{HOST}:{port}"
    jaas = (
        "org.apache.kafka.common.security.scram.ScramLoginModule required "
        f'username="{secure.admin_user}" password="{secure.admin_password}";'
    )
    return [
        ("listeners", f"{client},{controller}"),
        ("advertised.listeners", f"{client},{controller}"),
        ("inter.broker.listener.name", "SASL_SSL"),
        # The controller listener is mutual TLS with the broker's own certificate: the
        # broker registers as CN=ivex-broker, and nobody without a CA-signed
        # certificate gets in (no ANONYMOUS super user).
        ("listener.security.protocol.map", "CONTROLLER:SSL,SASL_SSL:SASL_SSL"),
        ("listener.name.controller.ssl.client.auth", "required"),
        ("sasl.enabled.mechanisms", "SCRAM-SHA-512"),
        ("sasl.mechanism.inter.broker.protocol", "SCRAM-SHA-512"),
        ("listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config", jaas),
        ("ssl.keystore.type", "PEM"),
        ("ssl.keystore.location", str(secure.tls.broker_keystore)),
        ("ssl.truststore.type", "PEM"),
        ("ssl.truststore.location", str(secure.tls.ca_cert)),
        ("ssl.endpoint.identification.algorithm", "https"),
        ("authorizer.class.name", "org.apache.kafka.metadata.authorizer.StandardAuthorizer"),
        ("allow.everyone.if.no.acl.found", "false"),
        ("super.users", f"User:{secure.admin_user};User:{BROKER_DN}"),
    ]


def render_server_properties(
    *,
    data_dir: Path,
    port: int,
    controller_port: int,
    node_id: int = 1,
    secure: SecureMode | None = None,
) -> str:
    """``server.properties`` of a single combined broker+controller on loopback.

    ``secure``: clients connect over SASL_SSL (SCRAM-SHA-512) only, ACLs decide what
    they may do, and only the admin is a super user. Without it: an open PLAINTEXT
    listener.

    Internal topics get replication factor 1 (there is one broker) and few partitions,
    because on a 2-core machine fifty offsets partitions cost seconds at the first
    consumer-group join.
    """
    props: list[tuple[str, str]] = [
        ("process.roles", "broker,controller"),
        ("node.id", str(node_id)),
        ("controller.quorum.bootstrap.servers", f"{HOST}:{controller_port}"),
        *_listener_props(port, controller_port, secure),
        ("controller.listener.names", "CONTROLLER"),
        ("log.dirs", str(data_dir)),
        ("num.partitions", "1"),
        ("default.replication.factor", "1"),
        ("auto.create.topics.enable", "false"),
        ("group.initial.rebalance.delay.ms", "0"),
        ("offsets.topic.replication.factor", "1"),
        ("offsets.topic.num.partitions", "4"),
        ("transaction.state.log.replication.factor", "1"),
        ("transaction.state.log.min.isr", "1"),
        ("transaction.state.log.num.partitions", "4"),
        ("share.coordinator.state.topic.replication.factor", "1"),
        ("share.coordinator.state.topic.min.isr", "1"),
        ("min.insync.replicas", "1"),
        ("unclean.leader.election.enable", "false"),
    ]
    header = "# Generated by ivex (ivex broker start); edits are overwritten.\n"
    return header + "".join(f"{key}={value}\n" for key, value in props)


def render_log4j2(server_log: Path) -> str:
    """A log4j2 properties config sending every broker log line to ``server_log``."""
    return f"""# Generated by ivex: the broker logs to a file, not to the terminal.
status = warn
appender.file.type = File
appender.file.name = FILE
appender.file.fileName = {server_log}
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.file.ref = FILE
logger.state.name = state.change.logger
logger.state.level = WARN
logger.request.name = kafka.request.logger
logger.request.level = WARN
"""


def parse_properties(text: str) -> dict[str, str]:
    """Parse the simple ``key=value`` lines ivex writes (comments and blanks skipped)."""
    out: dict[str, str] = {}
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", "!")):
            continue
        key, _, value = line.partition("=")
        out[key.strip()] = value.strip()
    return out
