"""``ivex broker``: start, stop and inspect the local development Kafka broker."""

from __future__ import annotations

import time

import click
from rich.console import Console
from rich.table import Table

from ivex.broker import BrokerStatus, LocalBroker
from ivex.cli.context import CliContext
from ivex.passwords import ensure_password
from ivex.settings import Settings


@click.group("broker")
def command() -> None:
    """The local single-node Apache Kafka broker (KRaft) for development and the demo.

    Kafka's jars come from Maven Central on first use (needs `mvn` and Java 17+) and are
    cached under broker.cache_dir; the broker listens on 127.0.0.1 only and keeps its
    data, logs and pid file in broker.state_dir. With broker.secure (the default) clients
    must connect over SASL_SSL (SCRAM-SHA-512, the CA in <state_dir>/tls/ca.pem) and
    ACLs decide what each may do; the admin user (access.admin_user) is created at
    the first start, its password generated into access.secrets_file. Then run
    `ivex topics apply` and `ivex access apply`. Ports and version come from the
    [broker] section of the federation config.
    """


def _broker(ctx: click.Context) -> LocalBroker:
    obj = ctx.find_object(CliContext)
    if obj is None:  # pragma: no cover - the root group always sets it
        raise click.UsageError("no CLI context")
    return local_broker(obj.settings)


def local_broker(settings: Settings) -> LocalBroker:
    """The configured local broker; in secure mode with the admin's password (generated
    into the secrets file on first use)."""
    if not settings.broker.secure:
        return LocalBroker(settings.broker)
    user = settings.access.admin_user
    return LocalBroker(settings.broker, admin=(user, ensure_password(settings, user)[0]))


def _status_table(status: BrokerStatus) -> Table:
    table = Table(show_header=False, box=None)
    table.add_column(style="bold", no_wrap=True)
    # Paths are copied from here into shells: wrap them, never cut them with an ellipsis.
    table.add_column(overflow="fold")
    state = "[green]running[/green]" if status.running else "[yellow]stopped[/yellow]"
    table.add_row("state", state)
    table.add_row("pid", str(status.pid) if status.pid else "-")
    table.add_row("bootstrap", status.bootstrap)
    table.add_row("kafka version", status.kafka_version)
    table.add_row("state dir", str(status.state_dir))
    table.add_row("log file", str(status.log_file))
    return table


@command.command("start")
@click.option(
    "--timeout",
    default=120.0,
    show_default=True,
    help="Seconds to wait for the broker to answer a metadata request.",
)
@click.pass_context
def start(ctx: click.Context, timeout: float) -> None:
    """Start the broker in the background and wait until it serves clients.

    The first start downloads Kafka's jars with Maven and formats KRaft storage; later
    starts reuse both. If the broker of this state dir already runs, says so and exits 0.
    """
    broker = _broker(ctx)
    console = Console()
    began = time.monotonic()
    with console.status("Starting Kafka broker…") as spinner:
        status = broker.start(timeout_s=timeout, progress=lambda step: spinner.update(f"{step}…"))
    if status.already_running:
        console.print(f"Broker already running (pid {status.pid}) on {status.bootstrap}.")
    else:
        elapsed = time.monotonic() - began
        console.print(f"Broker started on {status.bootstrap} in {elapsed:.1f}s.")
    console.print(_status_table(status))


@command.command("stop")
@click.option(
    "--timeout",
    default=30.0,
    show_default=True,
    help="Seconds to wait after SIGTERM before the broker is killed.",
)
@click.pass_context
def stop(ctx: click.Context, timeout: float) -> None:
    """Stop the broker (SIGTERM, then SIGKILL after --timeout). Fine when not running."""
    broker = _broker(ctx)
    console = Console()
    with console.status("Stopping Kafka broker…"):
        stopped = broker.stop(timeout_s=timeout)
    console.print("Broker stopped." if stopped else "Broker was not running.")


@command.command("status")
@click.pass_context
def status(ctx: click.Context) -> None:
    """Show whether the broker runs, its pid, bootstrap address, version and state dir."""
    Console().print(_status_table(_broker(ctx).status()))
