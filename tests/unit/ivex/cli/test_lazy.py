"""Lazy command loading: `ivex --help` imports no command module, each command only its own,
and what the listing says matches every command's own help."""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys

import click
import pytest
from click.testing import CliRunner

from ivex.cli.lazy import LazyGroup
from ivex.cli.main import COMMANDS, cli

HEAVY = ("ivex.cli.", "ivex.settings", "kafka", "faust", "pydantic", "connectors", "streams")


def _imported_after(*argv: str) -> list[str]:
    """Modules loaded by running ``ivex ARGV`` in a fresh interpreter (the heavy ones)."""
    code = (
        "import sys\n"
        "from ivex.cli.main import main\n"
        f"sys.argv = ['ivex', *{list(argv)!r}]\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        f"print(sorted(m for m in sys.modules if m.startswith({HEAVY!r})))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    return list(ast.literal_eval(out.strip().splitlines()[-1]))


def test_the_top_level_help_imports_no_command_module() -> None:
    # streams.engine is the engine's package only (for select_build), none of its modules.
    assert _imported_after("--help") == [
        "ivex.cli.lazy",
        "ivex.cli.main",
        "streams",
        "streams.engine",
    ]


def test_a_command_imports_its_own_module_only() -> None:
    loaded = [m for m in _imported_after("broker", "--help") if m.startswith("ivex.cli.")]
    assert loaded == ["ivex.cli.broker", "ivex.cli.context", "ivex.cli.lazy", "ivex.cli.main"]


@pytest.mark.parametrize(("name", "module", "summary"), COMMANDS)
def test_each_registered_summary_is_what_the_command_itself_says(
    name: str, module: str, summary: str
) -> None:
    command: click.Command = importlib.import_module(f"ivex.cli.{module}").command
    assert command.name == name
    stub = click.Command(name, help=summary)
    for limit in (30, 45, 60, 80, 120, 400):
        assert stub.get_short_help_str(limit) == command.get_short_help_str(limit)


def test_the_listing_is_the_same_before_and_after_every_command_is_loaded() -> None:
    lazy = LazyGroup("ivex", help="Top.")
    for name, module, summary in COMMANDS:
        lazy.add_lazy(name, f"ivex.cli.{module}", summary)
    before = CliRunner().invoke(lazy, ["--help"], terminal_width=100).output
    for name, _, _ in COMMANDS:
        lazy.load(name)
    after = CliRunner().invoke(lazy, ["--help"], terminal_width=100).output
    assert before == after
    assert "serve-ingest" in after


def test_every_command_of_the_cli_is_registered() -> None:
    from ivex.cli.main import _register

    _register()
    assert set(cli.list_commands(click.Context(cli))) == {name for name, _, _ in COMMANDS}
