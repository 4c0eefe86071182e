"""``ivex access``: the federation's principals and ACLs, and each city's client config."""

from __future__ import annotations

import click
from rich.console import Console
from rich.table import Table

from ivex.access.apply import AccessPlan, apply_access, set_user_password
from ivex.access.clients import as_city, as_user, client_env, client_properties
from ivex.access.model import city_user, operator_user, processors_user
from ivex.cli.context import CliContext
from ivex.passwords import new_password, set_password
from ivex.settings import Settings


@click.group("access")
def command() -> None:
    """Who may read and write what on the federation's Kafka (docs/security.md).

    One SCRAM user per city, one for the stream processors, one for the operator, with
    prefixed ACLs: a city writes only its own streams, responses and DLQ and reads only
    what is addressed to it. Run as the admin (kafka.sasl_username = access.admin_user).
    """


@command.command("apply")
@click.pass_obj
def apply(ctx: CliContext) -> None:
    """Create missing users and ACLs, remove stale ones; idempotent.

    Passwords come from IVEX_ACCESS__PASSWORDS or the secrets file (access.secrets_file);
    missing ones are generated into the file (mode 0600). Prints what it added, removed
    and left alone.
    """
    plan = apply_access(ctx.settings)
    if plan.changed:
        Console().print(_plan_table(plan))
    verdict = "changed" if plan.changed else "nothing to change"
    click.echo(
        f"users: {len(plan.users_to_add)} added, {len(plan.users_to_remove)} removed, "
        f"{len(plan.users_kept)} left alone; ACLs: {len(plan.grants_to_add)} added, "
        f"{len(plan.grants_to_remove)} removed, {len(plan.grants_kept)} left alone ({verdict})"
    )


def _plan_table(plan: AccessPlan) -> Table:
    table = Table(title="Access changes")
    for column in ("principal", "action", "what"):
        table.add_column(column)
    for user in plan.users_to_add:
        table.add_row(user, "[green]added[/green]", "SCRAM-SHA-512 user")
    for user in plan.users_to_remove:
        table.add_row(user, "[red]removed[/red]", "SCRAM-SHA-512 user")
    for grant in plan.grants_to_add:
        table.add_row(grant.principal, "[green]added[/green]", grant.describe())
    for grant in plan.grants_to_remove:
        table.add_row(grant.principal, "[red]removed[/red]", grant.describe())
    return table


def _principal(settings: Settings, city: str | None, role: str | None) -> Settings:
    if city:
        return as_city(settings, city)
    user = processors_user(settings) if role == "processors" else operator_user(settings)
    return as_user(settings, user)


@command.command("client-config")
@click.option("--city", help="City code whose principal to export.")
@click.option(
    "--role",
    type=click.Choice(["processors", "operator"]),
    help="Export the processors' or the operator's principal instead of a city's.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["properties", "env"]),
    default="properties",
    show_default=True,
    help="A Kafka client properties file, or IVEX_KAFKA__* lines for ivex itself.",
)
@click.pass_obj
def client_config(ctx: CliContext, city: str | None, role: str | None, fmt: str) -> None:
    """Print the client config of a principal, for the city to use with any Kafka client.

    It contains the password: write it to a file only its owner can read, e.g.
    `umask 077; ivex access client-config --city 620700 > zhangye.properties`.
    """
    if not city and not role:
        raise click.UsageError("give --city CODE or --role processors|operator")
    settings = _principal(ctx.settings, city, role)
    if fmt == "env":
        click.echo("".join(f"{k}={v}\n" for k, v in client_env(settings).items()), nl=False)
    else:
        click.echo(client_properties(settings), nl=False)


@command.command("rotate")
@click.option("--city", required=True, help="City code whose password to replace.")
@click.pass_obj
def rotate(ctx: CliContext, city: str) -> None:
    """Give a city a new random password: on the broker first, then in the secrets file.

    Connections already open stay open; new ones need the new password. Hand the city
    its new client config (`ivex access client-config --city C`).
    """
    ctx.settings.city(city)
    user = city_user(ctx.settings, city)
    password = new_password()
    set_user_password(ctx.settings, user, password)
    set_password(ctx.settings, user, password)
    click.echo(
        f"rotated the password of {user}; stored in {ctx.settings.access.secrets_file}. "
        f"Hand the city `ivex access client-config --city {city}`."
    )
