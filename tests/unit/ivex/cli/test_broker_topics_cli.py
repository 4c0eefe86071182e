"""`ivex broker` and `ivex topics` commands that need no running broker."""

from __future__ import annotations

from pathlib import Path

import click
from click.testing import CliRunner

from ivex.cli import broker, topics
from ivex.cli.main import cli
from ivex.provision import ProvisionReport, TopicChange


def _cli() -> click.Group:
    for module in (broker, topics):
        if module.command.name not in cli.commands:
            cli.add_command(module.command)
    return cli


def test_broker_help_explains() -> None:
    result = CliRunner().invoke(_cli(), ["broker", "--help"])
    assert result.exit_code == 0, result.output
    for word in ("start", "stop", "status", "Maven"):
        assert word in result.output


def test_status_and_stop_of_a_stopped_broker(tmp_path: Path) -> None:
    env = {"IVEX_BROKER__STATE_DIR": str(tmp_path), "IVEX_BROKER__PORT": "19555"}
    status = CliRunner().invoke(_cli(), ["broker", "status"], env=env)
    assert status.exit_code == 0, status.output
    assert "stopped" in status.output
    assert "127.0.0.1:19555" in status.output
    stop = CliRunner().invoke(_cli(), ["broker", "stop"], env=env)
    assert stop.exit_code == 0, stop.output
    assert "not running" in stop.output


def test_topics_list_prints_every_spec() -> None:
    result = CliRunner().invoke(
        _cli(), ["topics", "list"], env={"IVEX_FEDERATION__TOPIC_PREFIX": "z."}, terminal_width=200
    )
    assert result.exit_code == 0, result.output
    assert "z.city.620200.births" in result.output
    assert "cleanup.policy=compact" in result.output


def test_report_table_hides_unchanged_unless_asked() -> None:
    report = ProvisionReport(
        (TopicChange("a", "created", ("partitions=1",)), TopicChange("b", "unchanged"))
    )
    assert topics.report_table(report).row_count == 1
    assert topics.report_table(report, show_unchanged=True).row_count == 2
