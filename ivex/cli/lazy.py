"""A click group that imports a subcommand's module only when that command is used.

Importing every command module costs most of a second (Kafka clients, pydantic, the
demo, Faust through the stream commands) and ``ivex --help`` or ``ivex broker status``
needs none of the others. Each command is registered with its module and its one-line
summary (what ``ivex --help`` lists, so listing imports nothing);
``tests/unit/ivex/cli/test_lazy.py`` checks every summary against the command's own help.
"""

from __future__ import annotations

import importlib
from typing import Any

import click


class LazyGroup(click.Group):
    """A :class:`click.Group` whose commands can be registered by module name."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        #: command name → (module that defines ``command``, its one-line summary)
        self.lazy: dict[str, tuple[str, str]] = {}

    def add_lazy(self, name: str, module: str, summary: str) -> None:
        """Register ``module.command`` as ``name``, imported on first use."""
        if name not in self.commands:
            self.lazy[name] = (module, summary)

    def list_commands(self, ctx: click.Context) -> list[str]:
        """Every command, loaded or not, sorted."""
        return sorted({*self.commands, *self.lazy})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """The command ``cmd_name``, its module imported now if it was not yet."""
        if cmd_name not in self.commands and cmd_name in self.lazy:
            self.load(cmd_name)
        return self.commands.get(cmd_name)

    def load(self, name: str) -> click.Command:
        """Import the module of ``name`` and add its ``command``."""
        module_name, _ = self.lazy.pop(name)
        command: click.Command = importlib.import_module(module_name).command
        if command.name != name:
            raise RuntimeError(f"{module_name}.command is {command.name!r}, registered as {name!r}")
        self.add_command(command)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """click's listing of the commands, with the summaries of those not loaded taken
        from the registry instead of importing them."""
        listed: list[tuple[str, click.Command]] = []
        for name in self.list_commands(ctx):
            command = self.commands.get(name)
            if command is None:
                command = click.Command(name, help=self.lazy[name][1])
            if not command.hidden:
                listed.append((name, command))
        if listed:
            limit = formatter.width - 6 - max(len(name) for name, _ in listed)
            with formatter.section("Commands"):
                formatter.write_dl([(n, c.get_short_help_str(limit)) for n, c in listed])
