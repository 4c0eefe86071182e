"""``ivex topics``: list the federation's topic specs and apply them to the cluster."""

from __future__ import annotations

import click
from rich.console import Console
from rich.table import Table

from ivex.cli.context import CliContext
from ivex.provision import ProvisionReport, apply_topics
from ivex.settings import Settings
from ivex.topics import TopicNames

_STYLE = {"created": "green", "altered": "yellow", "unchanged": "dim"}


@click.group("topics")
def command() -> None:
    """The federation's Kafka topics (docs/wire-format.md): one log per city and stream, assistance
    requests/notices/responses per city, DLQs, the SRB monitor and ivex's own topics.

    Names and settings come from the federation config (cities, topic_prefix).
    """


def _settings(ctx: click.Context) -> Settings:
    obj = ctx.find_object(CliContext)
    if obj is None:  # pragma: no cover - the root group always sets it
        raise click.UsageError("no CLI context")
    return obj.settings


def report_table(report: ProvisionReport, *, show_unchanged: bool = False) -> Table:
    """A rich table of a provisioning report (unchanged topics only on request)."""
    table = Table(title="Topics")
    table.add_column("topic", overflow="fold")
    table.add_column("action")
    table.add_column("details")
    for change in report.changes:
        if change.action == "unchanged" and not show_unchanged:
            continue
        style = _STYLE[change.action]
        table.add_row(
            change.topic, f"[{style}]{change.action}[/{style}]", "\n".join(change.details)
        )
    return table


@command.command("apply")
@click.option("--all", "show_all", is_flag=True, help="Also list topics that were unchanged.")
@click.pass_context
def apply(ctx: click.Context, show_all: bool) -> None:
    """Create missing topics and bring existing ones to spec. Safe to run any time.

    Configs that differ from the spec are altered; configs the spec does not name are
    left alone; a topic with fewer partitions than the spec gets more.
    """
    settings = _settings(ctx)
    console = Console()
    with console.status(f"Provisioning topics on {settings.kafka.bootstrap_servers}…"):
        report = apply_topics(settings)
    if report.changed or show_all:
        console.print(report_table(report, show_unchanged=show_all))
    console.print(
        f"{len(report.created)} created, {len(report.altered)} altered, "
        f"{len(report.unchanged)} unchanged."
    )


@command.command("list")
@click.pass_context
def list_specs(ctx: click.Context) -> None:
    """Print every topic the federation needs, with partitions and configs (no Kafka)."""
    table = Table(title="Topic specs")
    table.add_column("topic", overflow="fold")
    table.add_column("partitions", justify="right")
    table.add_column("configs")
    for spec in TopicNames(_settings(ctx)).specs():
        configs = ", ".join(f"{k}={v}" for k, v in spec.configs.items())
        table.add_row(spec.name, str(spec.partitions), configs)
    Console().print(table)
